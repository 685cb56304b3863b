// The restart policy and back-off with a clock in hand, as moby's restartmanager is tested: no
// processes, no timers, exact numbers.
import { describe, expect, it } from 'vitest';
import { BACKOFF, type Decision, type PolicySpec, RestartPolicy } from '../../src/services/policy.js';
import { giveUpHint } from '../../src/services/give-up.js';
import { configFromJson } from '../../src/services/config.js';

const rt = { min: 34, max: 64 };

function setUp(spec: Partial<PolicySpec> = {}) {
  let now = 1_000_000;
  const policy = new RestartPolicy({ type: 'longrun', restart: 'always', successExitCodes: [0], maxRetries: 5,
    critical: true, ...spec }, () => now);
  const advance = (ms: number) => { now += ms; };
  /** One run: started, ready after readyMs (null: never), ended after ranMs with status. */
  const run = (ranMs: number, status: { exited: number } | { signaled: number }, readyMs: number | null = 0,
    cause?: 'ready-timeout' | 'spawn-error'): Decision => {
    policy.runStarted();
    if (readyMs !== null) {
      advance(readyMs);
      policy.runReady();
      advance(ranMs - readyMs);
    } else {
      advance(ranMs);
    }
    return policy.runEnded(status, cause);
  };
  return { policy, run, advance };
}

const delays = (decisions: Decision[]) => decisions.map((d) => (d.action === 'restart' ? d.delayMs : d.action));

describe('back-off', () => {
  it('waits 100 ms before the first restart, doubling, capped at a minute (a non-critical service never gives up)', () => {
    const { run } = setUp({ critical: false });
    const got = delays(Array.from({ length: 14 }, () => run(50, { exited: 1 })));
    expect(got).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000, 60000, 60000]);
  });

  it('resets once a run has been up and ready for 10 s', () => {
    const { run } = setUp({ critical: false });
    expect(delays([run(50, { exited: 1 }), run(50, { exited: 1 }), run(50, { exited: 1 })])).toEqual([100, 200, 400]);
    // Ran 10.5 s but was ready for only 9.5 s of it: still a failed run, the back-off goes on.
    expect(run(10_500, { exited: 1 }, 1000)).toMatchObject({ action: 'restart', delayMs: 800, failedRuns: 4 });
    // Ready for exactly 10 s: proved itself; the slate is clean.
    expect(run(10_000, { exited: 1 }, 0)).toMatchObject({ action: 'restart', delayMs: 100, failedRuns: 0 });
    expect(run(50, { exited: 1 })).toMatchObject({ delayMs: 200, failedRuns: 1 });
  });

  it('reports the current back-off, and 0 once the running service has been ready for 10 s', () => {
    const { policy, run, advance } = setUp();
    run(10, { exited: 1 });
    run(10, { exited: 1 });
    expect(policy.backoffMs).toBe(200);
    policy.runStarted();
    policy.runReady();
    advance(9_999);
    expect(policy.backoffMs).toBe(200);
    advance(1);
    expect(policy.backoffMs).toBe(0);
  });
});

describe('giving up', () => {
  it('a critical service gives up at its maxRetries-th failed run in a row', () => {
    const { run } = setUp({ maxRetries: 5 });
    const got = Array.from({ length: 5 }, () => run(100, { exited: 0 }));
    expect(delays(got)).toEqual([100, 200, 400, 800, 'give-up']);
    expect(got[4]).toMatchObject({ failedRuns: 5 });
    if (got[4]!.action !== 'give-up') throw new Error('no give-up');
    expect(got[4]!.history).toHaveLength(5);
  });

  it('a good run in between starts the count again', () => {
    const { run } = setUp({ maxRetries: 3 });
    run(10, { exited: 1 });
    run(10, { exited: 1 });
    run(20_000, { exited: 1 }, 100);
    expect(delays([run(10, { exited: 1 }), run(10, { exited: 1 }), run(10, { exited: 1 })])).toEqual([200, 400, 'give-up']);
  });

  it('a readiness time-out is a failed run, even with a success code', () => {
    const { run } = setUp({ maxRetries: 2, successExitCodes: [0, 143] });
    expect(run(90_000, { signaled: 15 }, null, 'ready-timeout')).toMatchObject({ action: 'restart', reason: 'ready-timeout' });
    expect(run(90_000, { exited: 143 }, null, 'ready-timeout')).toMatchObject({ action: 'give-up', failedRuns: 2 });
  });

  it('restart never: a critical service that fails gives up at once, even after a long good run', () => {
    const { run } = setUp({ restart: 'never' });
    const decision = run(3_600_000, { exited: 3 }, 100);
    expect(decision).toMatchObject({ action: 'give-up', failedRuns: 0 });
    if (decision.action === 'give-up') expect(decision.history).toHaveLength(1);
    expect(setUp({ restart: 'never' }).run(100, { exited: 0 })).toEqual({ action: 'done', success: true, failedRuns: 1 });
    expect(setUp({ restart: 'never', critical: false }).run(100, { exited: 3 })).toMatchObject({ action: 'done', success: false });
  });
});

describe('restart policies', () => {
  it('on-failure: a success code ends the service, a failure restarts it', () => {
    const { run } = setUp({ restart: 'on-failure', successExitCodes: [0, 3] });
    expect(run(20_000, { exited: 3 }, 0)).toMatchObject({ action: 'done', success: true });
    const second = setUp({ restart: 'on-failure' });
    expect(second.run(20_000, { exited: 1 }, 0)).toMatchObject({ action: 'restart', delayMs: 100, reason: 'failed' });
    expect(second.run(20_000, { signaled: 9 }, 0)).toMatchObject({ action: 'restart', reason: 'signaled' });
  });

  it('always: a clean exit after a good run is restarted after 100 ms', () => {
    expect(setUp().run(60_000, { exited: 0 }, 10)).toMatchObject({ action: 'restart', delayMs: 100, reason: 'exited', failedRuns: 0 });
  });

  it('a oneshot: success completes it; a failure is retried with on-failure and gives up after maxRetries', () => {
    expect(setUp({ type: 'oneshot', restart: 'never' }).run(60_000, { exited: 0 }, null))
      .toEqual({ action: 'done', success: true, failedRuns: 0 });
    expect(setUp({ type: 'oneshot', restart: 'never' }).run(10, { exited: 4 }, null)).toMatchObject({ action: 'give-up' });
    const { run } = setUp({ type: 'oneshot', restart: 'on-failure', maxRetries: 3 });
    // Long runs do not make a oneshot's failures good ones.
    expect(delays([run(30_000, { exited: 1 }, null), run(30_000, { exited: 1 }, null), run(30_000, { exited: 1 }, null)]))
      .toEqual([100, 200, 'give-up']);
  });

  it('a spawn error is a failed run with its own reason', () => {
    expect(setUp().run(0, { exited: 127 }, null, 'spawn-error')).toMatchObject({ action: 'restart', reason: 'spawn-error', failedRuns: 1 });
  });
});

describe('the give-up message names the likely fix', () => {
  const spec = (fields: Record<string, unknown> = {}) => configFromJson({ services: { web: { command: ['web-server'], ...fields } } } as never,
    'x.json', { hasMain: false, rt }).services[0]!;
  const end = (status: { exited: number } | { signaled: number }, more: Partial<{ cause: 'ready-timeout' | 'spawn-error'; ranMs: number; wasReady: boolean }> = {}) =>
    ({ status, ranMs: 100, wasReady: true, ...more });
  const five = <T>(x: T) => [x, x, x, x, x];

  it('a service that daemonizes', () => {
    expect(giveUpHint(spec(), five(end({ exited: 0 })), rt)).toBe('exited 0 five times within 10 s: does it daemonize? run it in the foreground');
  });

  it('a crash loop', () => {
    expect(giveUpHint(spec(), five(end({ exited: 1 })), rt)).toBe('exited 1 five times within 10 s: its own output above says why');
    expect(giveUpHint(spec(), [end({ exited: 1 }), end({ signaled: 11 })], rt)).toBe('failed twice within 10 s: its own output above says why');
  });

  it('a missing program, a readiness check that never passes, SIGKILL', () => {
    expect(giveUpHint(spec(), five(end({ exited: 127 }, { cause: 'spawn-error' })), rt))
      .toBe('could not be started five times: "web-server" was not found; check the command and PATH');
    expect(giveUpHint(spec({ ready: { tcp: 8080 }, readyTimeout: '2s' }), [end({ signaled: 15 }, { cause: 'ready-timeout', wasReady: false })], rt))
      .toBe('never became ready within its readyTimeout of 2s (ready: tcp 8080); check that it listens where ready says, or raise readyTimeout');
    expect(giveUpHint(spec({ restart: 'never' }), [end({ signaled: 9 })], rt))
      .toBe("was killed by SIGKILL and its restart policy is never: SIGKILL from outside procinit is often the kernel's OOM killer; check the container's memory limit");
  });

  it('a oneshot that fails', () => {
    expect(giveUpHint(spec({ type: 'oneshot' }), [end({ exited: 2 })], rt)).toBe('exited 2 and its restart policy is never: its own output above says why');
  });

  it('uses Docker\'s constants', () => {
    expect(BACKOFF).toEqual({ initialMs: 100, factor: 2, maxMs: 60_000, goodRunMs: 10_000 });
  });
});
