// A service's life as one table, supervisord's states: every transition goes through
// changeState, so what a service can do next is readable here and nowhere else.
import type { ExitStatus } from '../../native/api.js';

export type ServiceState = 'STOPPED' | 'STARTING' | 'RUNNING' | 'BACKOFF' | 'STOPPING' | 'EXITED' | 'FATAL';

/**
 * STOPPED   not started yet (waiting for its dependencies), or stopped by procinit
 * STARTING  spawned, not ready yet (a oneshot: running to completion)
 * RUNNING   a longrun, up and ready
 * BACKOFF   ended; a restart is due after the back-off delay
 * STOPPING  sent its stop signal (a stop, or a readiness time-out); waiting for it to end
 * EXITED    ended and not to be restarted (a oneshot's success, or the restart policy said so)
 * FATAL     a critical service that gave up
 */
export const TRANSITIONS: Readonly<Record<ServiceState, readonly ServiceState[]>> = {
  STOPPED: ['STARTING'],
  STARTING: ['RUNNING', 'BACKOFF', 'EXITED', 'FATAL', 'STOPPING'],
  RUNNING: ['BACKOFF', 'EXITED', 'FATAL', 'STOPPING'],
  BACKOFF: ['STARTING', 'STOPPED'],
  // From STOPPING a readiness time-out's run ends like any other; a stop ends in STOPPED.
  STOPPING: ['STOPPED', 'BACKOFF', 'EXITED', 'FATAL'],
  EXITED: [],
  FATAL: [],
};

/** Has a process (the service's own, not a readiness check's). */
export const HAS_PROCESS: ReadonlySet<ServiceState> = new Set(['STARTING', 'RUNNING', 'STOPPING']);
/** Will not run again. */
export const FINAL: ReadonlySet<ServiceState> = new Set(['EXITED', 'FATAL']);

export type RestartReason = 'exited' | 'failed' | 'signaled' | 'ready-timeout' | 'spawn-error';

/** What `procinit status`, the metrics and the events read: one row a service. */
export interface ServiceRecord {
  name: string;
  type: 'longrun' | 'oneshot';
  critical: boolean;
  state: ServiceState;
  /** Wall-clock ms (Date.now()) the state was entered. */
  since: number;
  pid: number | null;
  /** Wall-clock ms of the current run's start and readiness; null between runs. */
  startedAt: number | null;
  readyAt: number | null;
  restarts: number;
  restartsByReason: Partial<Record<RestartReason, number>>;
  lastExit: { status: ExitStatus; code: number; at: number } | null;
  /** The delay chosen for the pending (or last) restart; 0 once a run has been good for 10 s. */
  backoffMs: number;
  failedRuns: number;
  /** A oneshot that completed with success: what depends on it may start. */
  completed: boolean;
}

export type StateListener = (record: Readonly<ServiceRecord>, from: ServiceState) => void;

export function newRecord(name: string, type: 'longrun' | 'oneshot', critical: boolean, now: number): ServiceRecord {
  return {
    name, type, critical, state: 'STOPPED', since: now, pid: null, startedAt: null, readyAt: null, restarts: 0,
    restartsByReason: {}, lastExit: null, backoffMs: 0, failedRuns: 0, completed: false,
  };
}

/**
 * The one way a record changes state. An impossible transition is a bug in procinit: it is
 * refused and reported, never thrown (PID 1 must not die of it).
 */
export function changeState(record: ServiceRecord, to: ServiceState, now: number, listeners: readonly StateListener[],
  onRefused: (from: ServiceState, to: ServiceState) => void, update: Partial<ServiceRecord> = {}): boolean {
  const from = record.state;
  if (!TRANSITIONS[from].includes(to)) {
    onRefused(from, to);
    return false;
  }
  Object.assign(record, update, { state: to, since: now });
  if (!HAS_PROCESS.has(to)) record.pid = null;
  for (const listener of listeners) {
    try {
      listener(record, from);
    } catch {
      // a listener (the status file, metrics) failing must not stop the service's life
    }
  }
  return true;
}

/** Up and ready: a running longrun, or a oneshot that completed with success. */
export function isUpAndReady(record: Readonly<ServiceRecord>): boolean {
  return record.type === 'oneshot' ? record.completed : record.state === 'RUNNING';
}
