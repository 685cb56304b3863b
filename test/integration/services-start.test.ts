// Issue 14, start-up: services start in dependency order, each once what it needs is ready by its
// real check (a TCP port, an HTTP 200, s6's notification fd, a command, a oneshot's success);
// the main command last. A oneshot that fails stops start-up with its code; so does a stop signal.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODES, readIfExists, requireTools, tempDir, waitFor } from '../helpers/procs.js';
import { STAMP, eventsOf, freePort, listen, notify, records, runServices, stampOf, waitForEvent } from '../helpers/services.js';

const ms = (file: string) => Number(readFileSync(file, 'utf8').trim().split(' ')[0]);

beforeAll(() => { requireTools('unshare', 'python3'); });

describe.each(MODES)('as %s', (mode) => {
  it('starts each service when what it depends on is ready, and the main command when all are', async () => {
    const dir = tempDir();
    const [tcpPort, httpPort] = [await freePort(), await freePort()];
    const mark = (name: string) => join(dir, `${name}.ready`);
    const run = runServices(mode, dir, {
      services: {
        cache: { command: listen('tcp', tcpPort, 0.6, mark('cache')), ready: { tcp: tcpPort } },
        api: { command: listen('http', httpPort, 0.6, mark('api')), dependsOn: ['cache'], ready: { http: `http://localhost:${httpPort}/health` } },
        notifier: { command: notify(5, 0.4, mark('notifier')), dependsOn: ['api'], ready: { fd: 5 } },
        // The mark appears whole (renamed into place): the check never sees it half-written.
        poller: { command: ['sh', '-c', `sleep 0.4; date +%s%3N > ${mark('poller')}.tmp; mv ${mark('poller')}.tmp ${mark('poller')}; exec sleep 1000`],
          dependsOn: ['notifier'],
          ready: { exec: ['test', '-e', mark('poller')] } },
        migrate: { type: 'oneshot', command: ['sh', '-c', `date +%s%3N > ${dir}/migrate.start; sleep 0.3; date +%s%3N > ${mark('migrate')}`],
          dependsOn: ['poller'] },
      },
    }, [], ['sh', '-c', `date +%s%3N > ${dir}/main.start; exec sleep 1000`]);
    await waitFor(() => readIfExists(join(dir, 'main.start')).trim(), 'the main command to start', 20_000);
    await waitForEvent(run, 'spawn'); // procinit's record of it may reach us after the main's own mark
    const started = (name: string) => eventsOf(run.stderrNow(), 'service-start', name)[0]!.time;
    // Each one started only after the one it needs was ready, as the service itself saw it.
    expect(started('api')).toBeGreaterThanOrEqual(ms(mark('cache')));
    expect(started('notifier')).toBeGreaterThanOrEqual(ms(mark('api')));
    expect(started('poller')).toBeGreaterThanOrEqual(ms(mark('notifier')));
    expect(ms(join(dir, 'migrate.start'))).toBeGreaterThanOrEqual(ms(mark('poller')));
    expect(ms(join(dir, 'main.start'))).toBeGreaterThanOrEqual(ms(mark('migrate')));
    // The HTTP server listened from the start: the check waited for its 200, not a connection.
    expect(ms(mark('api')) - eventsOf(run.stderrNow(), 'service-start', 'api')[0]!.time).toBeGreaterThanOrEqual(550);
    const order = records(run.stderrNow()).filter((r) => r.event === 'service-ready' || r.event === 'spawn')
      .map((r) => r.service ?? 'main');
    expect(order).toEqual(['cache', 'api', 'notifier', 'poller', 'main']);
    process.kill(await run.initPid(), 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143); // sleep, the main, died of the SIGTERM
  });
});

it('a oneshot that fails stops start-up with its code: the main never starts, what started is stopped', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: {
      db: { command: [STAMP, dir, 'db'] },
      migrate: { type: 'oneshot', command: ['sh', '-c', 'echo "migration 42 failed" >&2; exit 3'], dependsOn: ['db'] },
      worker: { command: [STAMP, dir, 'worker'], dependsOn: ['migrate'] },
    },
  }, [], ['sh', '-c', `touch ${dir}/main.start; exec sleep 1000`]);
  const result = await run.done;
  expect(result.code).toBe(3);
  expect(existsSync(join(dir, 'main.start'))).toBe(false);
  expect(stampOf(dir, 'worker')).toBeUndefined();
  expect(readIfExists(join(dir, 'db.signals'))).toBe('TERM\n');
  expect(result.stderr).toContain('migration 42 failed');
  const failed = eventsOf(result.stderr, 'service-give-up', 'migrate');
  expect(failed).toHaveLength(1);
  expect(failed[0]!.msg).toMatch(/^start-up failed: migrate ended with exit code 3 and is not restarted/);
  expect(eventsOf(result.stderr, 'exit')[0]).toMatchObject({ code: 3, ending: 'startup-failed', service: 'migrate' });
});

it('a critical oneshot that fails without a main command: its code, and the give-up names the fix', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, {
    services: { db: { command: [STAMP, dir, 'db'] }, migrate: { type: 'oneshot', command: ['sh', '-c', 'exit 4'], dependsOn: ['db'] } },
  });
  const result = await run.done;
  expect(result.code).toBe(4);
  expect(eventsOf(result.stderr, 'service-give-up', 'migrate')[0]).toMatchObject({
    code: 4, hint: 'exited 4 and its restart policy is never: its own output above says why' });
  expect(readIfExists(join(dir, 'db.signals'))).toBe('TERM\n');
});

it('a stop signal during start-up: the main is not started, the services stop, exit 128+N', async () => {
  const dir = tempDir();
  const port = await freePort();
  const run = runServices('pid1', dir, {
    services: {
      db: { command: [STAMP, dir, 'db'] },
      // Never ready: nothing listens on the port.
      api: { command: [STAMP, dir, 'api'], dependsOn: ['db'], ready: { tcp: port } },
    },
  }, [], ['touch', join(dir, 'main.start')]);
  await waitForEvent(run, 'service-start', 'api');
  await waitFor(() => stampOf(dir, 'api'), 'api to run');
  process.kill(await run.initPid(), 'SIGINT');
  const result = await run.done;
  expect(result.code).toBe(130);
  expect(existsSync(join(dir, 'main.start'))).toBe(false);
  // api first (it depends on db), then db.
  const stops = eventsOf(result.stderr, 'service-stop').map((r) => r.service);
  expect(stops).toEqual(['api', 'db']);
  expect(ms(join(dir, 'api.stopped'))).toBeLessThanOrEqual(ms(join(dir, 'db.stopped')));
});
