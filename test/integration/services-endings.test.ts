// Issue 15 with issue 14's services: --stop-delay keeps the services running too, and hands them
// the stop signal when it ends; --stop-deadline takes them into the whole stop (a service that
// ignores its stop signal is SIGKILLed in time); a give-up is told in the termination message.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODES, readIfExists, requireTools, tempDir, waitFor } from '../helpers/procs.js';
import { STAMP, eventsOf, runServices, stampOf } from '../helpers/services.js';

beforeAll(() => { requireTools('unshare'); });

describe.each(MODES)('as %s', (mode) => {
  it('--stop-delay 1.5s: the main and the services keep running through it, then stop in order', async () => {
    const dir = tempDir();
    const run = runServices(mode, dir, { services: { db: { command: [STAMP, dir, 'db'] } } }, ['--stop-delay', '1.5s'], [STAMP, dir, 'main']);
    await waitFor(() => stampOf(dir, 'main') && stampOf(dir, 'db'), 'the main command and db');
    const sentAt = Date.now();
    process.kill(await run.initPid(), 'SIGTERM');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(readIfExists(join(dir, 'main.signals')) + readIfExists(join(dir, 'db.signals'))).toBe('');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(readIfExists(join(dir, 'main.signals'))).toBe('TERM\n');
    expect(readIfExists(join(dir, 'db.signals'))).toBe('TERM\n');
    expect(Number(readIfExists(join(dir, 'main.stopped'))) - sentAt).toBeGreaterThanOrEqual(1_500);
    const delayEnd = eventsOf(result.stderr, 'stop-delay').find((r) => r.phase === 'end')!;
    expect(eventsOf(result.stderr, 'services-stop')[0]!.time).toBeGreaterThanOrEqual(delayEnd.time);
  });

  it('--stop-deadline 3s: a service that ignores SIGTERM (stopTimeout 60s) is SIGKILLed, and procinit\'s exit comes inside it', async () => {
    const dir = tempDir();
    const message = join(dir, 'termination-log');
    const run = runServices(mode, dir, { services: { cache: { command: [STAMP, dir, 'cache', 'ignore-term'], stopTimeout: '60s' } } },
      ['--stop-deadline', '3s', '--termination-log', message], [STAMP, dir, 'main']);
    await waitFor(() => stampOf(dir, 'main') && stampOf(dir, 'cache'), 'the main command and cache');
    const sentAt = Date.now();
    process.kill(await run.initPid(), 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0); // the main's, which stopped on SIGTERM
    expect(eventsOf(result.stderr, 'service-exit', 'cache')[0]).toMatchObject({ signal: 'SIGKILL' });
    const exit = eventsOf(result.stderr, 'exit')[0]!;
    expect(exit.time - sentAt).toBeLessThan(3_000);
    expect(readIfExists(message)).toBe(`${exit.msg}\n`);
  });
});

it('without a main command, --stop-delay holds the services\' stop too', async () => {
  const dir = tempDir();
  const run = runServices('pid1', dir, { services: { db: { command: [STAMP, dir, 'db'] } } }, ['--stop-delay', '1s', '--termination-log', join(dir, 'why')]);
  await waitFor(() => stampOf(dir, 'db'), 'db');
  const sentAt = Date.now();
  process.kill(await run.initPid(), 'SIGTERM');
  const result = await run.done;
  expect(readIfExists(join(dir, 'db.signals'))).toBe('TERM\n');
  expect(Number(readIfExists(join(dir, 'db.stopped'))) - sentAt).toBeGreaterThanOrEqual(1_000);
  expect(result.code).toBe(0);
  // stamp.sh's own sleep may outlive it by a moment: then the drain is told too.
  expect(readIfExists(join(dir, 'why'))).toMatch(/^Exit code 0: procinit received SIGTERM, held it 1 s \(--stop-delay\) and stopped the services\.( 1 process was left after the services, and got SIGTERM; all had ended within the 5s grace\.)?\n$/);
});

it('a critical service that gives up: the termination message names it, its runs and the fix', async () => {
  const dir = tempDir();
  const message = join(dir, 'termination-log');
  const run = runServices('pid1', dir, {
    services: { crashy: { command: ['sh', '-c', 'sleep 0.2; exit 7'], critical: true, maxRetries: 2 } },
  }, ['--termination-log', message], [STAMP, dir, 'main']);
  const result = await run.done;
  expect(result.code).toBe(7);
  // As above, stamp.sh's own sleep may outlive it by a moment: then the drain is told too.
  expect(readIfExists(message)).toMatch(/^Exit code 7: service crashy gave up after 2 runs: exited 7 twice within 10 s: its own output above says why; .*stamp\.sh .* exited with code 0\.( 1 process was left after it, and got SIGTERM; all had ended within the 5s grace\.)?\n$/);
});
