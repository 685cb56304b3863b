// One service's life against the fake syscall layer and fake timers: what it spawns, how it is
// restarted, stopped and, when even SIGKILL does not end it, given up on rather than waited for.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExitStatus } from '../../native/api.js';
import { configFromJson } from '../../src/services/config.js';
import { Service } from '../../src/services/service.js';
import { FakeNative } from './fake-native.js';
import { capturingLog } from './log-capture.js';

const rt = { min: 34, max: 64 };

function setUp(fields: Record<string, unknown> = {}) {
  const spec = configFromJson({ services: { web: { command: ['web', '--port', '80'], ...fields } } } as never, '/srv/p.json',
    { hasMain: false, rt }).services[0]!;
  const native = new FakeNative();
  const { log, records } = capturingLog();
  const exits = new Map<number, (status: ExitStatus) => void>();
  const states: string[] = [];
  let pid = 100;
  native.spawn = (request) => { native.spawned.push(request); return { ok: true, pid: ++pid }; };
  const service = new Service(spec, {
    native, log, rt, clock: () => performance.now(), baseEnv: ['PATH=/bin', 'MODE=base'], relay: null,
    ownPid: (p, onExit) => exits.set(p, onExit), listeners: [(r) => states.push(r.state)],
  });
  const exit = (status: ExitStatus, which = service.record.pid!) => exits.get(which)!(status);
  return { service, native, records, states, exit };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('a service', () => {
  it('spawns its command with its env over procinit\'s, its cwd, no terminal', () => {
    const { service, native, states } = setUp({ env: { MODE: 'web', PORT: '80' }, cwd: 'app' });
    service.start();
    expect(native.spawned[0]).toEqual({ file: 'web', argv: ['web', '--port', '80'], env: ['PATH=/bin', 'MODE=web', 'PORT=80'],
      takeForeground: false, cwd: '/srv/app', descriptors: [] });
    expect(states).toEqual(['STARTING', 'RUNNING']);
  });

  it('is restarted after its back-off, through BACKOFF', () => {
    const { service, native, states, exit, records } = setUp({ critical: false });
    service.start();
    exit({ exited: 1 });
    expect(service.record).toMatchObject({ state: 'BACKOFF', backoffMs: 100, restarts: 1, restartsByReason: { failed: 1 } });
    vi.advanceTimersByTime(99);
    expect(native.spawned).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(native.spawned).toHaveLength(2);
    expect(states).toEqual(['STARTING', 'RUNNING', 'BACKOFF', 'STARTING', 'RUNNING']);
    expect(records.find((r) => r.fields.event === 'service-restart')?.fields).toMatchObject({ delayMs: 100, reason: 'failed', failedRuns: 1 });
  });

  it('is stopped with its stop signal, then SIGCONT, SIGKILL to its group after stopTimeout; a stop cancels a pending restart', () => {
    const { service, native, exit, states } = setUp({ stopSignal: 'INT', stopTimeout: '2s', critical: false });
    service.start();
    const pid = service.record.pid!;
    service.stop();
    expect(native.kills).toEqual([{ pid, signal: 2 }, { pid, signal: 18 }]);
    vi.advanceTimersByTime(2000);
    expect(native.kills.slice(2)).toEqual([{ pid: -pid, signal: 9 }, { pid, signal: 9 }]);
    exit({ signaled: 9 });
    expect(states.at(-1)).toBe('STOPPED');

    const second = setUp({ critical: false });
    second.service.start();
    second.exit({ exited: 1 });
    second.service.stop();
    vi.advanceTimersByTime(60_000);
    expect(second.native.spawned).toHaveLength(1);
    expect(second.states.at(-1)).toBe('STOPPED');
  });

  it('does not wait for ever for a process SIGKILL cannot end', () => {
    const { service, states, records, exit } = setUp({ stopTimeout: '1s' });
    service.start();
    const pid = service.record.pid!;
    service.stop();
    vi.advanceTimersByTime(1000 + 1999);
    expect(states.at(-1)).toBe('STOPPING');
    vi.advanceTimersByTime(1);
    expect(states.at(-1)).toBe('STOPPED');
    expect(records.some((r) => r.fields.phase === 'after-kill')).toBe(true);
    // Reaped at last: nothing changes, nothing is reported as an error.
    exit({ signaled: 9 }, pid);
    expect(states.at(-1)).toBe('STOPPED');
    expect(records.filter((r) => r.level === 'error')).toEqual([]);
  });

  it('passes on only the signals its `signals` name, as rewritten', () => {
    const { service, native } = setUp({ signals: ['HUP', 'USR1:USR2'] });
    service.start();
    const pid = service.record.pid!;
    for (const signal of [1, 10, 12, 28]) service.signal(signal);
    expect(native.kills).toEqual([{ pid, signal: 1 }, { pid, signal: 12 }]);
  });

  it('a spawn error is a run that ended with 127, restarted like any failed run', () => {
    const { service, native, states, records } = setUp({ critical: false });
    native.spawn = (request) => { native.spawned.push(request); return { ok: false, errno: 2, code: 'ENOENT' }; };
    service.start();
    expect(states).toEqual(['STARTING', 'BACKOFF']);
    expect(service.record.lastExit).toMatchObject({ status: { exited: 127 }, code: 127 });
    expect(records.find((r) => r.fields.event === 'service-exit')?.msg).toBe('cannot start web: "web" was not found [ENOENT]');
  });
});
