import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ExitStatus } from '../../native/api.js';
import type { Config } from '../../src/launch/options.js';
import { combineObservers } from '../../src/observability/observer.js';
import { Supervisor } from '../../src/core/supervisor.js';
import type { Ending } from '../../src/core/ending.js';
import { OomKills } from '../../src/observability/oom-kills.js';
import { FakeNative } from './fake-native.js';
import { capturingLog } from './log-capture.js';

const rt = { min: 34, max: 64 };
const CHILD = 100;

function makeConfig(overrides: Partial<Config> = {}): Config {
  return { command: ['app'], subreaper: false, killProcessGroup: false, parentDeathSignal: null,
    remapExitToZero: new Set(), verbosity: 4, warnOnReap: false, graceMs: 0, rewrites: new Map(),
    stopTimeoutMs: null, stopDelayMs: 0, stopDeadlineMs: null, terminationLog: null, metrics: null, logFormat: 'json', ...overrides };
}

function setUp(overrides: Partial<Config> = {}) {
  const native = new FakeNative();
  native.spawn({ file: 'app', argv: ['app'], env: [], takeForeground: false });
  const { log, records } = capturingLog();
  const exits: Array<{ code: number; status: ExitStatus | null }> = [];
  const endings: Ending[] = [];
  const events: string[] = [];
  const observer = combineObservers([{
    forwarded: (signal) => events.push(`forwarded ${signal}`), reaped: (role) => events.push(`reaped ${role}`),
    processesChanged: () => events.push('changed'), childGone: () => events.push('gone'),
  }]);
  const supervisor = new Supervisor({ native, config: makeConfig(overrides), log, rt, observer,
    exit: (ending) => { endings.push(ending); exits.push({ code: ending.code, status: ending.main!.status }); } }, CHILD);
  return { native, supervisor, records, exits, events, endings };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('forwarding', () => {
  it('sends each signal to the child as received', () => {
    const { native, supervisor } = setUp();
    for (const signal of [15, 10, 34, 64, 28]) supervisor.handleSignal(signal);
    expect(native.kills).toEqual([15, 10, 34, 64, 28].map((signal) => ({ pid: CHILD, signal })));
  });

  it("sends to the child's process group with -g", () => {
    const { native, supervisor } = setUp({ killProcessGroup: true });
    supervisor.handleSignal(1);
    expect(native.kills).toEqual([{ pid: -CHILD, signal: 1 }]);
  });

  it('applies rewrites, and a rewrite to 0 drops the signal', () => {
    const { native, supervisor } = setUp({ rewrites: new Map([[15, 3], [28, 0]]) });
    supervisor.handleSignal(15);
    supervisor.handleSignal(28);
    supervisor.handleSignal(1);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 3 }, { pid: CHILD, signal: 1 }]);
  });

  it('warns, and carries on, when the child is already gone', () => {
    const { native, supervisor, records } = setUp();
    native.killResult = 'gone';
    supervisor.handleSignal(15);
    expect(records.some((r) => r.level === 'warn' && /already gone/.test(r.msg))).toBe(true);
  });

  it('does not forward after the main child ended', () => {
    const { native, supervisor } = setUp({ graceMs: 1000 });
    native.running++; // an orphan keeps the drain going
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    native.kills = [];
    supervisor.handleSignal(10);
    expect(native.kills).toEqual([]);
  });

  it('never throws out of a handler', () => {
    const { native, supervisor, records } = setUp();
    native.kill = () => { throw new Error('boom'); };
    expect(() => supervisor.handleSignal(15)).not.toThrow();
    expect(records.some((r) => r.level === 'error')).toBe(true);
  });
});

describe('reaping and exit', () => {
  it("exits with the main child's code once it is reaped, orphans first or not", () => {
    const { native, supervisor, exits } = setUp();
    native.running += 2;
    native.exit(201, { exited: 1 });
    native.exit(202, { signaled: 9 });
    supervisor.handleSignal(17);
    expect(exits).toEqual([]);
    native.exit(CHILD, { exited: 42 });
    supervisor.handleSignal(17);
    expect(exits).toEqual([{ code: 42, status: { exited: 42 } }]);
    expect(native.zombies).toEqual([]);
  });

  it('reports a death by signal as 128+N, then applies -e', () => {
    const a = setUp();
    a.native.exit(CHILD, { signaled: 15 });
    a.supervisor.handleSignal(17);
    expect(a.exits[0]!.code).toBe(143);
    const b = setUp({ remapExitToZero: new Set([143]) });
    b.native.exit(CHILD, { signaled: 15 });
    b.supervisor.handleSignal(17);
    expect(b.exits[0]!.code).toBe(0);
  });

  it('logs each orphan with -w', () => {
    const { native, supervisor, records } = setUp({ verbosity: 1, warnOnReap: true });
    native.running++;
    native.exit(300, { exited: 0 });
    supervisor.handleSignal(17);
    expect(records.filter((r) => r.level === 'warn' && r.fields.pid === 300 && r.fields.role === 'orphan')).toHaveLength(1);
  });
});

describe('the drain (as PID 1)', () => {
  it('signals everything left with TERM then CONT, and ends as soon as no child is left', () => {
    const { native, supervisor, exits } = setUp({ graceMs: 5000 });
    native.running++;
    native.exit(CHILD, { exited: 3 });
    supervisor.handleSignal(17);
    expect(native.kills).toEqual([{ pid: -1, signal: 15 }, { pid: -1, signal: 18 }]);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(200);
    native.exit(400, { exited: 0 });
    supervisor.handleSignal(17);
    expect(exits).toEqual([{ code: 3, status: { exited: 3 } }]);
  });

  it('SIGKILLs what is left when the grace runs out, not before', () => {
    const { native, supervisor, exits } = setUp({ graceMs: 1000 });
    native.running++;
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    vi.advanceTimersByTime(999);
    expect(native.kills.map((k) => k.signal)).toEqual([15, 18]);
    vi.advanceTimersByTime(1);
    expect(native.kills.at(-1)).toEqual({ pid: -1, signal: 9 });
    native.exit(400, { signaled: 9 });
    supervisor.handleSignal(17);
    expect(exits).toEqual([{ code: 0, status: { exited: 0 } }]);
  });

  it('gives up waiting 2 s after SIGKILL for a process that cannot die', () => {
    const { native, supervisor, exits } = setUp({ graceMs: 1000 });
    native.running++;
    native.exit(CHILD, { exited: 5 });
    supervisor.handleSignal(17);
    vi.advanceTimersByTime(1000 + 1999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([{ code: 5, status: { exited: 5 } }]);
  });

  it('exits at once, signalling nobody, when the main child was the last child', () => {
    const { native, supervisor, exits } = setUp({ graceMs: 5000 });
    native.exit(CHILD, { exited: 4 });
    supervisor.handleSignal(17);
    expect(exits).toEqual([{ code: 4, status: { exited: 4 } }]);
    expect(native.kills).toEqual([]);
  });

  it('with --grace 0 exits at once, as tini does', () => {
    const { native, supervisor, exits } = setUp({ graceMs: 0 });
    native.running++;
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    expect(exits).toHaveLength(1);
    expect(native.kills).toEqual([]);
  });
});

describe('the observer', () => {
  it('hears of forwarded signals, reaps, and the end of the child', () => {
    const { native, supervisor, events } = setUp();
    supervisor.handleSignal(10);
    native.killResult = 'gone';
    supervisor.handleSignal(12);
    native.running++;
    native.exit(300, { exited: 0 });
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    expect(events).toEqual(['forwarded SIGUSR1', 'reaped orphan', 'reaped main', 'gone', 'changed']);
  });

  it('cannot break the supervisor by throwing', () => {
    const native = new FakeNative();
    const { log } = capturingLog();
    const observer = combineObservers([{ forwarded: () => { throw new Error('boom'); } }]);
    const supervisor = new Supervisor({ native, config: makeConfig(), log, rt, observer, exit: () => {} }, CHILD);
    expect(() => supervisor.handleSignal(10)).not.toThrow();
    expect(native.kills).toEqual([{ pid: CHILD, signal: 10 }]);
  });
});

describe('--stop-timeout', () => {
  it("SIGKILLs the child's group when it outlives a forwarded SIGTERM", () => {
    const { native, supervisor } = setUp({ stopTimeoutMs: 1000 });
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(999);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 15 }]);
    vi.advanceTimersByTime(1);
    expect(native.kills.slice(1)).toEqual([{ pid: -CHILD, signal: 9 }, { pid: CHILD, signal: 9 }]);
  });

  it('is not started by other signals, and is cancelled when the child ends', () => {
    const { native, supervisor } = setUp({ stopTimeoutMs: 1000 });
    supervisor.handleSignal(10);
    vi.advanceTimersByTime(5000);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 10 }]);
    supervisor.handleSignal(2);
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    vi.advanceTimersByTime(5000);
    expect(native.kills.map((k) => k.signal)).toEqual([10, 2]);
  });
});

describe('--stop-delay', () => {
  it('holds the first stop signal for the delay, forwarding others meanwhile, then forwards it', () => {
    const { native, supervisor, records } = setUp({ stopDelayMs: 3000 });
    supervisor.handleSignal(15);
    supervisor.handleSignal(1);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 1 }]);
    expect(records.find((r) => r.fields.event === 'stop-delay')?.fields).toEqual({ event: 'stop-delay', phase: 'start', signal: 'SIGTERM', delayMs: 3000 });
    vi.advanceTimersByTime(2999);
    expect(native.kills).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(native.kills.at(-1)).toEqual({ pid: CHILD, signal: 15 });
    // Later stop signals are forwarded at once, as without a delay.
    supervisor.handleSignal(15);
    expect(native.kills.at(-1)).toEqual({ pid: CHILD, signal: 15 });
  });

  it('a second stop signal ends the delay: it is forwarded at once, the held one never', () => {
    const { native, supervisor, records, endings } = setUp({ stopDelayMs: 3000 });
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(500);
    supervisor.handleSignal(2);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 2 }]);
    expect(records.some((r) => r.fields.event === 'stop-delay' && r.fields.phase === 'cut-short')).toBe(true);
    vi.advanceTimersByTime(5000);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 2 }]);
    native.exit(CHILD, { signaled: 2 });
    supervisor.handleSignal(17);
    expect(endings[0]!.stop).toMatchObject({ signal: 'SIGTERM', forwardedAs: 'SIGINT', delayCutShort: true });
  });

  it('applies --rewrite to the held signal, and --stop-timeout counts from its forwarding', () => {
    const { native, supervisor } = setUp({ stopDelayMs: 1000, stopTimeoutMs: 2000, rewrites: new Map([[15, 3]]) });
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(1000);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 3 }]);
    vi.advanceTimersByTime(1999);
    expect(native.kills).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(native.kills.slice(1)).toEqual([{ pid: -CHILD, signal: 9 }, { pid: CHILD, signal: 9 }]);
  });

  it('forwards nothing when the child ends during the delay', () => {
    const { native, supervisor, exits } = setUp({ stopDelayMs: 1000 });
    supervisor.handleSignal(15);
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    expect(exits).toHaveLength(1);
    vi.advanceTimersByTime(5000);
    expect(native.kills).toEqual([]);
  });
});

describe('--stop-deadline', () => {
  it('SIGKILLs a child that ignores its signal at the deadline\'s kill point, and says so in the ending', () => {
    // 10 s: the last SIGKILL 1.5 s before it, the exit 0.5 s before it.
    const { native, supervisor, endings, records } = setUp({ stopDeadlineMs: 10_000, stopTimeoutMs: 60_000 });
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(8499);
    expect(native.kills).toEqual([{ pid: CHILD, signal: 15 }]);
    vi.advanceTimersByTime(1);
    expect(native.kills.slice(1)).toEqual([{ pid: -CHILD, signal: 9 }, { pid: CHILD, signal: 9 }]);
    expect(records.find((r) => r.fields.event === 'stop-deadline')?.level).toBe('warn');
    native.exit(CHILD, { signaled: 9 });
    supervisor.handleSignal(17);
    expect(endings[0]).toMatchObject({ code: 137, stop: { signal: 'SIGTERM', killedBy: 'stop-deadline', killAfterMs: 8500, deadlineMs: 10_000 } });
  });

  it('does not count a group member its own SIGKILL took as left after the main', () => {
    const { native, supervisor, endings } = setUp({ stopDeadlineMs: 10_000, graceMs: 5_000 });
    native.running++; // the child's `sleep`, in its group
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(8500);
    native.exit(CHILD, { signaled: 9 });
    supervisor.handleSignal(17);
    native.exit(150, { signaled: 9 }); // reaped once the drain has begun, as CI saw
    supervisor.handleSignal(17);
    expect(endings[0]).toMatchObject({ code: 137, drain: { exited: 0, killed: 0 } });
  });

  it('cuts the drain\'s grace to what is left, and exits before the deadline', () => {
    const { native, supervisor, exits, endings } = setUp({ stopDeadlineMs: 10_000, graceMs: 30_000 });
    native.running++; // a helper that ignores SIGTERM and SIGKILL alike (uninterruptible sleep)
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(6000);
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    expect(native.kills.slice(1)).toEqual([{ pid: -1, signal: 15 }, { pid: -1, signal: 18 }]);
    vi.advanceTimersByTime(2500); // t = 8.5 s: the last SIGKILL
    expect(native.kills.at(-1)).toEqual({ pid: -1, signal: 9 });
    vi.advanceTimersByTime(999);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1); // t = 9.5 s
    expect(exits).toEqual([{ code: 0, status: { exited: 0 } }]);
    expect(endings[0]!.drain).toMatchObject({ graceMs: 2500, cut: true });
  });

  it('fits a drain already under way when the stop comes during it', () => {
    const { native, supervisor, exits } = setUp({ stopDeadlineMs: 4000, graceMs: 60_000 });
    native.running++;
    native.exit(CHILD, { exited: 3 });
    supervisor.handleSignal(17);
    vi.advanceTimersByTime(1000);
    supervisor.handleSignal(15); // docker stop during the drain: 4 s from now
    vi.advanceTimersByTime(3200 - 1); // kill point: 4000 - 400 - 400
    expect(native.kills.at(-1)!.signal).toBe(18);
    vi.advanceTimersByTime(1);
    expect(native.kills.at(-1)).toEqual({ pid: -1, signal: 9 });
    vi.advanceTimersByTime(400);
    expect(exits).toEqual([{ code: 3, status: { exited: 3 } }]);
  });

  it('exits at the deadline with 137 when the child never dies, even of SIGKILL', () => {
    const { native, supervisor, exits, endings } = setUp({ stopDeadlineMs: 10_000 });
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(9499);
    expect(native.kills.map((k) => k.signal)).toEqual([15, 9, 9]);
    expect(exits).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(exits).toEqual([{ code: 137, status: null }]);
    expect(endings[0]!.main).toMatchObject({ status: null });
  });

  it('starts on a stop signal a rewrite drops: the runtime\'s clock runs all the same', () => {
    const { native, supervisor, exits } = setUp({ stopDeadlineMs: 2000, rewrites: new Map([[15, 0]]) });
    supervisor.handleSignal(15);
    vi.advanceTimersByTime(2000);
    expect(native.kills.map((k) => k.signal)).toEqual([9, 9]);
    expect(exits).toEqual([{ code: 137, status: null }]);
  });

  it('arms no timer before a stop signal', () => {
    setUp({ stopDeadlineMs: 10_000, stopDelayMs: 2000, stopTimeoutMs: 1000 });
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the OOM killer', () => {
  it('names it for the main child when the counter rose, and not for another SIGKILL', () => {
    let kills = 0;
    const cgroup = { version: 1 as const, directory: '/x', oomKills: () => kills, usage: () => 0, limit: () => 128 << 20, peak: () => 127 << 20 };
    const native = new FakeNative();
    native.spawn({ file: 'app', argv: ['app'], env: [], takeForeground: false });
    const { log, records } = capturingLog(1);
    const endings: Ending[] = [];
    const supervisor = new Supervisor({ native, config: makeConfig({ verbosity: 1 }), log, rt, observer: combineObservers([]),
      oomKills: new OomKills(cgroup), exit: (e) => endings.push(e) }, CHILD);
    native.running++;
    native.exit(300, { signaled: 9 }); // an orphan killed by someone: no rise
    supervisor.handleSignal(17);
    kills++;
    native.exit(CHILD, { signaled: 9 });
    supervisor.handleSignal(17);
    expect(records.filter((r) => r.level === 'warn').map((r) => r.msg)).toEqual([
      "the main child was killed by the kernel's OOM killer at the container's 128 MiB limit, peak 127 MiB: raise --memory / resources.limits.memory, or lower the app's heap",
    ]);
    expect(endings[0]!.main!.oom).toEqual({ kills: 1, limitBytes: 128 << 20, peakBytes: 127 << 20 });
  });
});

describe('--stop-deadline with services', () => {
  it('the last SIGKILL reaches the services (Sidecars.killAll), and procinit exits at the deadline without waiting for their stop', () => {
    const native = new FakeNative();
    native.spawn({ file: 'app', argv: ['app'], env: [], takeForeground: false });
    const { log } = capturingLog();
    const calls: string[] = [];
    const endings: Ending[] = [];
    const sidecars = {
      claim: () => false, signal: (s: number) => { calls.push(`signal ${s}`); },
      // The services take their time: finish is never called here.
      mainEnded: () => { calls.push('mainEnded'); },
      killAll: () => { calls.push('killAll'); },
    };
    const supervisor = new Supervisor({ native, config: makeConfig({ stopDeadlineMs: 2000 }), log, rt, observer: combineObservers([]),
      sidecars, exit: (e) => endings.push(e) }, CHILD);
    supervisor.handleSignal(15);
    native.exit(CHILD, { exited: 0 });
    supervisor.handleSignal(17);
    expect(calls).toEqual(['signal 15', 'mainEnded']);
    vi.advanceTimersByTime(1600); // 2 s less 0.2 s and 0.2 s
    expect(calls).toEqual(['signal 15', 'mainEnded', 'killAll']);
    expect(endings).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(endings).toMatchObject([{ code: 0, status: { exited: 0 }, stop: { signal: 'SIGTERM', forwardedAs: 'SIGTERM' } }]);
  });
});

describe('the drain after a group SIGKILL', () => {
  const listed = [
    { pid: 150, ppid: 1, state: 'S', name: 'sleep', pgid: CHILD }, // of the main's group, SIGKILLed with it
    { pid: 160, ppid: 1, state: 'S', name: 'helper', pgid: 160 }, // a daemon of its own group
  ];

  it('does not count the dying members of the SIGKILLed group as left', async () => {
    const { Drain } = await import('../../src/shutdown/drain.js');
    const outcomes = [CHILD, null].map((dyingGroup) => {
      const drain = new Drain({ native: new FakeNative(), log: capturingLog().log, graceMs: 1000, dyingGroup, onDone: () => {} });
      drain.processesLeft = () => listed;
      drain.start();
      return drain.outcome().left;
    });
    expect(outcomes).toEqual([1, 2]);
  });
});
