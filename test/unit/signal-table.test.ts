import { describe, expect, it } from 'vitest';
import {
  DROPPED_UNLESS_REWRITTEN, SELF_RAISED, STOP_SIGNALS, forwardedNamedSignals, whyNeverReceived, whyNotParentDeathSignal, forwardedRealtimeSignals, parseSignal, signalName,
} from '../../src/core/signal-table.js';

const rt = { min: 34, max: 64 };

describe('parseSignal', () => {
  it.each([
    ['TERM', 15], ['SIGTERM', 15], ['term', 15], ['15', 15], [' 3 ', 3], ['QUIT', 3], ['usr1', 10],
    ['RTMIN', 34], ['SIGRTMIN+1', 35], ['RTMAX', 64], ['RTMAX-2', 62], ['40', 40], ['IOT', 6], ['POLL', 29],
  ])('reads %s as %i', (text, expected) => {
    expect(parseSignal(text, rt)).toBe(expected);
  });

  it.each(['NOTASIGNAL', '', '65', '32', '33', 'RTMIN+31', 'RTMAX+1', '-1', '1.5', 'SIG'])('rejects %j', (text) => {
    expect(parseSignal(text, rt)).toBeUndefined();
  });

  // toUpperCase() maps the long s (U+017F) to S and the dotless i (U+0131) to I; NBSP is \s to trim().
  it.each(['\u017fIGTERM', 'S\u0131GTERM', 'TERM\u00a0', '\u00a0TERM', '\uff34\uff25\uff32\uff2d', '\u0661\u0665', 'SIG\u212aILL'])(
    'takes ASCII names only: rejects %j', (text) => {
      expect(parseSignal(text, rt)).toBeUndefined();
    });

  it('takes 0 only where dropping is meant', () => {
    expect(parseSignal('0', rt)).toBeUndefined();
    expect(parseSignal('0', rt, true)).toBe(0);
  });

  it('follows the libc real-time range (musl starts at 35)', () => {
    expect(parseSignal('RTMIN', { min: 35, max: 64 })).toBe(35);
    expect(parseSignal('34', { min: 35, max: 64 })).toBeUndefined();
  });
});

describe('signalName', () => {
  it.each([[15, 'SIGTERM'], [6, 'SIGABRT'], [29, 'SIGIO'], [34, 'SIGRTMIN'], [36, 'SIGRTMIN+2'],
    [64, 'SIGRTMAX'], [60, 'SIGRTMAX-4'], [33, 'signal 33']])('names %i %s', (n, name) => {
    expect(signalName(n, rt)).toBe(name);
  });

  it('round-trips every forwarded signal through parseSignal', () => {
    for (const n of [...forwardedNamedSignals(), ...forwardedRealtimeSignals(rt)]) {
      expect(parseSignal(signalName(n, rt), rt)).toBe(n);
    }
  });
});

describe('the forwarded set', () => {
  const named = forwardedNamedSignals();

  it('holds every catchable named signal but the never-forwarded ones', () => {
    expect(named).toEqual([1, 2, 3, 5, 6, 10, 12, 13, 14, 15, 16, 18, 20, 23, 24, 25, 26, 27, 28, 29, 30, 31]);
  });

  it('leaves out SIGCHLD, the faults a handler cannot survive, SIGTTIN/SIGTTOU and the uncatchable ones', () => {
    for (const n of [9, 19, 17, 4, 7, 8, 11, 21, 22]) expect(named).not.toContain(n);
  });

  it('catches the signals procinit may raise at itself only with them blocked in its main thread', () => {
    expect([...SELF_RAISED].sort((a, b) => a - b)).toEqual([5, 6, 13, 21, 22, 25, 31]);
    for (const n of SELF_RAISED) expect(named.includes(n) || DROPPED_UNLESS_REWRITTEN.has(n)).toBe(true);
  });

  it('forwards SIGTTIN and SIGTTOU only when a rewrite names them', () => {
    expect([...DROPPED_UNLESS_REWRITTEN].sort()).toEqual([21, 22]);
  });

  it('includes every real-time signal', () => {
    expect(forwardedRealtimeSignals(rt)).toHaveLength(31);
    expect(forwardedRealtimeSignals(rt)[0]).toBe(34);
  });

  it('treats HUP, INT, QUIT and TERM as stop signals', () => {
    expect([...STOP_SIGNALS].sort((a, b) => a - b)).toEqual([1, 2, 3, 15]);
  });
});

describe('signals procinit never acts on', () => {
  it('names why for the uncatchable, SIGCHLD and the faults, and nothing else', () => {
    const never = Array.from({ length: 64 }, (_, i) => i + 1).filter((n) => whyNeverReceived(n) !== undefined);
    expect(never).toEqual([4, 7, 8, 9, 11, 17, 19]);
    expect(whyNeverReceived(11)).toMatch(/SIGSEGV/);
  });

  it('refuses a parent-death signal that would kill, stop or do nothing, and allows KILL (tini\'s example)', () => {
    const refused = Array.from({ length: 64 }, (_, i) => i + 1).filter((n) => whyNotParentDeathSignal(n) !== undefined);
    expect(refused).toEqual([4, 7, 8, 11, 17, 19, 21, 22]);
    expect(whyNotParentDeathSignal(11)).toMatch(/kill procinit and orphan the child/);
  });
});
