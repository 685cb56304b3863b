// Issue 14, restarts: the back-off (100 ms, doubling) measured from procinit's own events, its
// reset after 10 s up and ready, a critical service giving up (stopping everything in reverse
// order, exiting with its code and the likely fix), a non-critical one retrying past maxRetries.
// Times are asserted as lower bounds (a timer never fires early) and generous upper bounds.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { readIfExists, requireTools, tempDir } from '../helpers/procs.js';
import { type LogRecord, STAMP, eventsOf, freePort, runServices, waitForEvent } from '../helpers/services.js';

beforeAll(() => { requireTools('unshare', 'python3'); });

/** For each restart: [the delay procinit chose, the time from the run's end to the next start]. */
function restartGaps(stderr: string, service: string): Array<[number, number]> {
  const exits = eventsOf(stderr, 'service-exit', service);
  const starts = eventsOf(stderr, 'service-start', service);
  const restarts = eventsOf(stderr, 'service-restart', service);
  return restarts.slice(0, starts.length - 1).map((r, i) => [r.delayMs as number, starts[i + 1]!.time - exits[i]!.time]);
}

const SLACK_MS = 2; // pino's times are whole ms, taken at slightly different moments
const LATE_MS = 3000; // a loaded 2-core machine may run a timer late, never early

it('restarts after 100, 200, 400, 800, 1600 ms; a non-critical service keeps retrying past maxRetries', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: { flaky: { command: ['sh', '-c', 'exit 1'], critical: false, maxRetries: 2 } },
  });
  await waitForEvent(run, 'service-start', 'flaky', 6, 20_000);
  process.kill(await run.initPid(), 'SIGTERM');
  const result = await run.done;
  const gaps = restartGaps(result.stderr, 'flaky').slice(0, 5);
  expect(gaps.map(([delay]) => delay)).toEqual([100, 200, 400, 800, 1600]);
  for (const [delay, gap] of gaps) {
    expect(gap).toBeGreaterThanOrEqual(delay - SLACK_MS);
    expect(gap).toBeLessThan(delay + LATE_MS);
  }
  expect(eventsOf(result.stderr, 'service-restart', 'flaky').map((r) => r.failedRuns).slice(0, 5)).toEqual([1, 2, 3, 4, 5]);
  expect(eventsOf(result.stderr, 'service-give-up')).toEqual([]);
  // Without a main command, a stop signal ends procinit with the first listed service's code.
  expect(result.code).toBe(1);
});

it('resets the back-off once a run has been up and ready for 10 s', async () => {
  const dir = tempDir();
  const count = join(dir, 'runs');
  // Runs 1-3 fail at once; run 4 stays up 10.5 s, then fails; run 5 fails at once.
  const script = `n=$(($(cat ${count} 2>/dev/null || echo 0) + 1)); echo $n > ${count}; [ $n -eq 4 ] && sleep 10.5; exit 1`;
  const run = runServices('pid1', dir, { services: { worker: { command: ['sh', '-c', script], critical: false } } });
  await waitForEvent(run, 'service-start', 'worker', 6, 25_000);
  process.kill(await run.initPid(), 'SIGTERM');
  const result = await run.done;
  const gaps = restartGaps(result.stderr, 'worker').slice(0, 5);
  expect(gaps.map(([delay]) => delay)).toEqual([100, 200, 400, 100, 200]);
  for (const [delay, gap] of gaps) expect(gap).toBeGreaterThanOrEqual(delay - SLACK_MS);
  expect(eventsOf(result.stderr, 'service-restart', 'worker').map((r) => r.failedRuns).slice(0, 5)).toEqual([1, 2, 3, 0, 1]);
  const long = eventsOf(result.stderr, 'service-exit', 'worker')[3]!;
  expect(long.runMs).toBeGreaterThanOrEqual(10_000);
}, 60_000);

it('a critical service that gives up stops the main, then the services in reverse order, and procinit exits with its code', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: {
      db: { command: [STAMP, dir, 'db'] },
      api: { command: [STAMP, dir, 'api'], dependsOn: ['db'] },
      crashy: { command: ['sh', '-c', 'sleep 0.3; exit 7'], dependsOn: ['api'], critical: true, maxRetries: 3 },
    },
  }, [], [STAMP, dir, 'main']);
  const result = await run.done;
  expect(result.code).toBe(7);
  const giveUp = eventsOf(result.stderr, 'service-give-up', 'crashy');
  expect(giveUp).toHaveLength(1);
  expect(giveUp[0]).toMatchObject({ failedRuns: 3, code: 7, hint: 'exited 7 three times within 10 s: its own output above says why' });
  expect(eventsOf(result.stderr, 'service-start', 'crashy')).toHaveLength(3);
  const stopped = (name: string) => Number(readFileSync(join(dir, `${name}.stopped`), 'utf8'));
  expect(stopped('main')).toBeLessThanOrEqual(stopped('api'));
  expect(stopped('api')).toBeLessThanOrEqual(stopped('db'));
  expect(eventsOf(result.stderr, 'service-stop').map((r) => r.service)).toEqual(['api', 'db']);
  expect(eventsOf(result.stderr, 'exit')[0]).toMatchObject({ code: 7, ending: 'give-up', service: 'crashy', failedRuns: 3 });
});

it('a service that daemonizes: five exits with 0 in a row, a give-up that says so, and exit 1', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, { services: { redis: { command: ['sh', '-c', 'exit 0'] } } });
  const result = await run.done;
  expect(result.code).toBe(1);
  const giveUp = eventsOf(result.stderr, 'service-give-up', 'redis')[0]!;
  expect(giveUp.msg).toBe('redis gave up: exited 0 five times within 10 s: does it daemonize? run it in the foreground');
  expect(eventsOf(result.stderr, 'service-restart', 'redis').map((r) => r.delayMs)).toEqual([100, 200, 400, 800]);
});

it('a readiness check that never passes is a failed run after readyTimeout, and the give-up says so', async () => {
  const dir = tempDir();
  const port = await freePort();
  const run = runServices('pid1', dir, {
    services: { api: { command: ['sleep', '1000'], ready: { tcp: port }, readyTimeout: '700ms', maxRetries: 2 } },
  });
  const result = await run.done;
  // sleep dies of the SIGTERM procinit sends when its time is up.
  expect(result.code).toBe(143);
  const [first, second] = eventsOf(result.stderr, 'service-exit', 'api') as [LogRecord, LogRecord];
  expect(first.runMs).toBeGreaterThanOrEqual(700);
  expect(second.runMs).toBeGreaterThanOrEqual(700);
  expect(eventsOf(result.stderr, 'service-ready-timeout', 'api')).toHaveLength(2);
  expect(eventsOf(result.stderr, 'service-give-up', 'api')[0]!.hint)
    .toBe(`never became ready in 2 runs within its readyTimeout of 700ms (ready: tcp ${port}); check that it listens where ready says, or raise readyTimeout`);
});

it('a missing program: restarted with back-off like any failed run, and the give-up names it', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, { services: { ghost: { command: ['no-such-program-xyzzy'], maxRetries: 2 } } });
  const result = await run.done;
  expect(result.code).toBe(127);
  expect(eventsOf(result.stderr, 'service-give-up', 'ghost')[0]!.hint)
    .toBe('could not be started twice: "no-such-program-xyzzy" was not found; check the command and PATH');
  expect(eventsOf(result.stderr, 'service-exit', 'ghost').map((r) => [r.cause, r.errno, r.exitCode]))
    .toEqual([['spawn-error', 'ENOENT', 127], ['spawn-error', 'ENOENT', 127]]);
  expect(readIfExists(join(dir, 'status.json'))).toBe(''); // removed as procinit exits
});
