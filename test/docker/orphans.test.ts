// Orphans on a real engine: `docker exec` leaving a background process behind (the classic
// `<defunct>` experiment), and `--pids-limit 64` with 400 short-lived orphans in a row. Each with
// procinit, with Docker's tini (`--init`), and with the Node app itself as PID 1.
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { Container, cleanUpContainers } from './container.js';
import { FIXTURES, docker, engineReady } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

const EXECS = 5;
const APP = ['node', `${FIXTURES}/no-handler.js`];

/** `docker exec <id> sh -c 'sleep 0.2 & exit 0'`, several times: each leaves an orphan behind. */
async function execOrphans(c: Container): Promise<void> {
  for (let i = 0; i < EXECS; i++) {
    const r = await c.exec(['sh', '-c', 'sleep 0.2 & exit 0']);
    expect(r.code, r.stderr).toBe(0);
  }
}

describe.skipIf(!ready).concurrent('docker exec leaving orphans behind', () => {
  test.each([
    ['procinit', { command: ['procinit', '--warn-on-reap', '--', ...APP] }],
    ['tini (--init)', { init: true, command: APP }],
  ])('with %s, each is reaped: no <defunct> stays under PID 1', async (name, run) => {
    const c = await Container.start(docker, run);
    await c.waitForFile('ready');
    await execOrphans(c);
    // Every orphan's sleep ends 0.2 s after its exec; then only the app is left under PID 1.
    const left = await waitFor(async () => {
      const children = await c.childrenOfInit();
      return children.length === 1 && children.every((p) => p.state !== 'Z') ? children : undefined;
    }, 'only the app left under PID 1', 10_000);
    expect(left.map((p) => p.state)).not.toContain('Z');
    if (name === 'procinit') {
      // procinit reaped them itself: --warn-on-reap says so, once per orphan.
      const reaped = (await c.logs()).split('\n').filter((l) => l.includes('"role":"orphan"'));
      expect(reaped).toHaveLength(EXECS);
    }
  });

  test('without an init, the Node app as PID 1 never reaps them: they stay <defunct>', async () => {
    const c = await Container.start(docker, { command: APP });
    await c.waitForFile('ready');
    await execOrphans(c);
    const zombies = async () => (await c.childrenOfInit()).filter((p) => p.state === 'Z');
    await waitFor(async () => (await zombies()).length === EXECS, `${EXECS} zombies under PID 1`, 10_000);
    // The point is time passing: nobody will ever reap them.
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await zombies()).map((p) => p.comm)).toEqual(Array(EXECS).fill('sleep'));
  });
});

describe.skipIf(!ready).concurrent('--pids-limit 64: a Node app making 400 short-lived orphans in a row', () => {
  const ORPHANS = ['node', `${FIXTURES}/orphans.js`, '400', '/shared/report'];
  const LIMIT = ['--pids-limit', '64'];

  test.each([
    ['procinit', { options: LIMIT, command: ['procinit', '--', ...ORPHANS] }],
    ['tini (--init)', { options: LIMIT, init: true, command: ORPHANS }],
  ])('with %s, each is reaped and the app succeeds', async (_name, run) => {
    const c = await Container.start(docker, run);
    expect(await c.exited(60_000), await c.describe()).toBe(0);
    expect(c.sharedFile('report')).toMatch(/^400 ok /);
  });

  test('shell form: `sh -c` as PID 1 does reap them while it waits for its command', async () => {
    // dash collects any child in its wait loop, so the shell form survives this one: what it gets
    // wrong is signals (stop.test.ts, signals.test.ts), not zombies.
    const c = await Container.start(docker, { options: LIMIT, command: ['sh', '-c', `${ORPHANS.join(' ')}; exit $?`] });
    expect(await c.exited(60_000), await c.describe()).toBe(0);
    expect(c.sharedFile('report')).toMatch(/^400 ok /);
  });

  test('without an init, the app as PID 1 never reaps them: starting a process fails (EAGAIN)', async () => {
    const c = await Container.start(docker, { options: LIMIT, command: ORPHANS });
    expect(await c.exited(60_000), await c.describe()).toBe(1);
    const report = c.sharedFile('report') ?? '';
    expect(Number(report.split(' ')[0])).toBeLessThan(64);
    expect(report).toMatch(/could not start a process for 1 s: (EAGAIN|.*Cannot fork)/);
  });
});
