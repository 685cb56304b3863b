// Issue 14, stopping: on SIGTERM the main command stops first, then each service once nothing
// that depends on it runs, independent ones in parallel, each with its own stop signal and, past
// its stopTimeout, SIGKILL; signals other than the stop signals reach the main and the services
// whose `signals` name them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODES, listProcesses, readIfExists, requireTools, tempDir, waitFor } from '../helpers/procs.js';
import { STAMP, eventsOf, runServices, stampOf } from '../helpers/services.js';

beforeAll(() => { requireTools('unshare'); });

const stoppedAt = (dir: string, name: string) => Number(readFileSync(join(dir, `${name}.stopped`), 'utf8'));

describe.each(MODES)('as %s', (mode) => {
  it('stops the main, then services in reverse dependency order, each with its stop signal and time-out', async () => {
    const dir = tempDir();
    const run = runServices(mode, dir, {
      services: {
        db: { command: [STAMP, dir, 'db'], stopSignal: 'INT' },
        cache: { command: [STAMP, dir, 'cache', 'ignore-term'], stopTimeout: '1s', dependsOn: ['db'] },
        web: { command: [STAMP, dir, 'web'], stopSignal: 'SIGQUIT', dependsOn: ['db'] },
        worker: { command: [STAMP, dir, 'worker'], dependsOn: ['cache', 'web'] },
      },
    }, [], [STAMP, dir, 'main']);
    const names = ['db', 'cache', 'web', 'worker', 'main'];
    // Ready without a check means started: the stamps may come a moment later.
    await waitFor(() => names.every((name) => stampOf(dir, name)), 'every service and the main to run');
    const pids = names.map((name) => stampOf(dir, name)![1]);
    const signalledAt = Date.now();
    process.kill(await run.initPid(), 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0); // the main's: it exits 0 on SIGTERM

    // What each got: its own stop signal; cache ignored SIGTERM and was killed.
    expect(readIfExists(join(dir, 'main.signals'))).toBe('TERM\n');
    expect(readIfExists(join(dir, 'worker.signals'))).toBe('TERM\n');
    expect(readIfExists(join(dir, 'web.signals'))).toBe('QUIT\n');
    expect(readIfExists(join(dir, 'db.signals'))).toBe('INT\n');
    const cacheExit = eventsOf(result.stderr, 'service-exit', 'cache')[0]!;
    expect(cacheExit.signal).toBe('SIGKILL');
    const cacheStop = eventsOf(result.stderr, 'service-stop', 'cache')[0]!;
    expect(cacheExit.time - cacheStop.time).toBeGreaterThanOrEqual(1000 - 2);
    expect(eventsOf(result.stderr, 'service-stop-timeout').map((r) => r.service)).toEqual(['cache']);

    // The order: main, worker, then web and cache side by side, db last.
    expect(stoppedAt(dir, 'main')).toBeLessThanOrEqual(stoppedAt(dir, 'worker'));
    expect(stoppedAt(dir, 'worker')).toBeLessThanOrEqual(stoppedAt(dir, 'web'));
    expect(cacheStop.time).toBeLessThan(cacheExit.time);
    // web was told to stop beside cache, not after cache's SIGKILL a second later.
    expect(eventsOf(result.stderr, 'service-stop', 'web')[0]!.time).toBeLessThan(cacheExit.time);
    // web did not wait for cache's SIGKILL; db did.
    expect(stoppedAt(dir, 'web')).toBeLessThan(cacheExit.time);
    expect(stoppedAt(dir, 'db')).toBeGreaterThanOrEqual(cacheExit.time);
    expect(eventsOf(result.stderr, 'service-stop').map((r) => r.service)).toEqual(['worker', 'cache', 'web', 'db']);
    // No tier waits longer than its processes: everything but cache's second took a moment.
    expect(Date.now() - signalledAt).toBeLessThan(1000 + 3000);
    // As PID 1 the namespace ends with procinit; as a subreaper nothing may outlive it.
    if (mode === 'subreaper') expect(listProcesses().filter((p) => pids.includes(p.pid))).toEqual([]);
  });
});

it('passes other signals to the main, and to the services whose `signals` name them, rewritten as asked', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: {
      reloads: { command: [STAMP, dir, 'reloads'], signals: ['HUP', 'USR2:USR1'] },
      deaf: { command: [STAMP, dir, 'deaf'] },
    },
  }, [], [STAMP, dir, 'main']);
  await waitFor(() => ['reloads', 'deaf', 'main'].every((name) => stampOf(dir, name)), 'the services and the main');
  const pid = await run.initPid();
  process.kill(pid, 'SIGHUP');
  await waitFor(() => readIfExists(join(dir, 'reloads.signals')).includes('HUP'), 'HUP at the service');
  process.kill(pid, 'SIGUSR2');
  await waitFor(() => readIfExists(join(dir, 'reloads.signals')).includes('USR1'), 'USR1 at the service');
  await waitFor(() => readIfExists(join(dir, 'main.signals')) === 'HUP\nUSR2\n', 'HUP and USR2 at the main');
  process.kill(pid, 'SIGTERM');
  const result = await run.done;
  expect(result.code).toBe(0);
  expect(readIfExists(join(dir, 'reloads.signals'))).toBe('HUP\nUSR1\nTERM\n');
  expect(readIfExists(join(dir, 'deaf.signals'))).toBe('TERM\n');
  expect(readIfExists(join(dir, 'main.signals'))).toBe('HUP\nUSR2\nTERM\n');
});

it('without a main command: a stop signal stops every service, and procinit exits with the first listed one\'s code', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: {
      // sleep has no handler: it dies of SIGTERM, 143.
      first: { command: ['sh', '-c', `echo > ${dir}/first.start; exec sleep 1000`] },
      second: { command: [STAMP, dir, 'second'], dependsOn: ['first'] },
    },
  });
  await waitFor(() => stampOf(dir, 'second'), 'the second service');
  process.kill(await run.initPid(), 'SIGTERM');
  const result = await run.done;
  expect(result.code).toBe(143);
  expect(eventsOf(result.stderr, 'service-stop').map((r) => r.service)).toEqual(['second', 'first']);
  expect(eventsOf(result.stderr, 'exit')[0]).toMatchObject({ code: 143, ending: 'stop-signal', signal: 'SIGTERM' });
});

it('--rewrite TERM:QUIT: the main gets QUIT and it is still a stop; the services get their own stop signal', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, { services: { db: { command: [STAMP, dir, 'db'] } } }, ['--rewrite', 'TERM:QUIT'], [STAMP, dir, 'main']);
  await waitFor(() => stampOf(dir, 'main') && stampOf(dir, 'db'), 'the main command and db');
  process.kill(await run.initPid(), 'SIGTERM');
  const result = await run.done;
  expect(result.code).toBe(0);
  expect(readIfExists(join(dir, 'main.signals'))).toBe('QUIT\n');
  expect(readIfExists(join(dir, 'db.signals'))).toBe('TERM\n');
});
