// The state table: every transition it lists is allowed, every other refused and reported
// (never thrown), and each change reaches the listeners once.
import { describe, expect, it } from 'vitest';
import {
  FINAL, HAS_PROCESS, type ServiceState, TRANSITIONS, changeState, isUpAndReady, newRecord,
} from '../../src/services/states.js';

const STATES = Object.keys(TRANSITIONS) as ServiceState[];

function recordIn(state: ServiceState) {
  const record = newRecord('web', 'longrun', true, 0);
  record.state = state;
  record.pid = 42;
  return record;
}

describe('the state table', () => {
  it('allows exactly the listed transitions', () => {
    for (const from of STATES) {
      for (const to of STATES) {
        const refused: Array<[ServiceState, ServiceState]> = [];
        const ok = changeState(recordIn(from), to, 5, [], (a, b) => refused.push([a, b]));
        expect(ok, `${from} -> ${to}`).toBe(TRANSITIONS[from].includes(to));
        expect(refused).toEqual(ok ? [] : [[from, to]]);
      }
    }
  });

  it('final states lead nowhere; a stopped service can only start', () => {
    for (const state of FINAL) expect(TRANSITIONS[state]).toEqual([]);
    expect(TRANSITIONS.STOPPED).toEqual(['STARTING']);
  });

  it('leaves the record untouched when a transition is refused', () => {
    const record = recordIn('EXITED');
    const before = { ...record };
    changeState(record, 'RUNNING', 99, [], () => {});
    expect(record).toEqual(before);
  });

  it('records the time, applies the update, clears the pid when no process is left, and tells each listener', () => {
    const record = recordIn('RUNNING');
    const seen: string[] = [];
    const listeners = [
      () => { throw new Error('a broken listener'); },
      (r: { state: ServiceState; pid: number | null }, from: ServiceState) => seen.push(`${from}->${r.state} pid ${r.pid}`),
    ];
    changeState(record, 'BACKOFF', 1234, listeners, () => {}, { backoffMs: 100 });
    expect(record).toMatchObject({ state: 'BACKOFF', since: 1234, pid: null, backoffMs: 100 });
    changeState(record, 'STARTING', 1334, listeners, () => {}, { pid: 43 });
    expect(seen).toEqual(['RUNNING->BACKOFF pid null', 'BACKOFF->STARTING pid 43']);
    expect([...HAS_PROCESS].sort()).toEqual(['RUNNING', 'STARTING', 'STOPPING']);
  });

  it('up and ready: a running longrun; a oneshot once it completed with success', () => {
    expect(isUpAndReady(recordIn('RUNNING'))).toBe(true);
    expect(isUpAndReady(recordIn('STARTING'))).toBe(false);
    const oneshot = newRecord('migrate', 'oneshot', true, 0);
    oneshot.state = 'EXITED';
    expect(isUpAndReady(oneshot)).toBe(false);
    oneshot.completed = true;
    expect(isUpAndReady(oneshot)).toBe(true);
  });
});
