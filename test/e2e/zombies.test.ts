// Orphans in real containers: the `docker exec` experiment of the classic PID 1 articles (an
// exec'd `sleep` left <defunct> under redis-server), and `--pids-limit`, where zombies that are
// never reaped make fork fail.
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { FIXTURES, PROCINIT, SHARED, cleanUpContainers, runcReady, startContainer, type Container } from './runc.js';

const ready = runcReady();
cleanUpContainers();

const EXECS = 5;

/** `docker exec <id> sh -c 'sleep 0.2 & exit 0'`, several times: each leaves an orphan behind. */
function execOrphans(c: Container): void {
  for (let i = 0; i < EXECS; i++) {
    const r = c.exec(['sh', '-c', 'sleep 0.2 & exit 0']);
    expect(r.code, r.stderr).toBe(0);
  }
}

describe.skipIf(!ready)('docker exec leaving orphans behind', () => {
  test('with procinit, no zombie is left under PID 1', async () => {
    const c = startContainer({ args: [PROCINIT, '--warn-on-reap', '--', 'sleep', '3600'] });
    const init = await c.running();
    const app = await waitFor(() => c.childrenOfInit(init).find((p) => p.comm === 'sleep'), 'the app under procinit');
    execOrphans(c);
    // Each orphan was re-parented to procinit and reaped: it says so, once per orphan.
    await waitFor(() => c.output().split('\n').filter((line) => /orphan/i.test(line)).length >= EXECS,
      `procinit to report ${EXECS} orphans reaped`, 10_000)
      .catch((error: Error) => { throw new Error(`${error.message}\n${c.output()}`); });
    const left = c.childrenOfInit(init);
    expect(left.filter((p) => p.state === 'Z')).toEqual([]);
    expect(left.map((p) => p.pid)).toEqual([app.pid]);
  });

  test.each([
    ['a Node app', ['node', '-e', 'setInterval(() => {}, 1000)']],
    ['sleep', ['sleep', '3600']],
  ])('without an init, %s as PID 1 never waits: the orphans stay as zombies', async (_name, args) => {
    const c = startContainer({ args });
    const init = await c.running();
    execOrphans(c);
    const zombies = () => c.childrenOfInit(init).filter((p) => p.state === 'Z');
    await waitFor(() => zombies().length === EXECS, `${EXECS} zombies under PID 1`, 10_000);
    // The point is time passing: nobody will ever reap them.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(zombies().map((p) => p.comm)).toEqual(Array(EXECS).fill('sleep'));
  });
});

describe.skipIf(!ready)('--pids-limit 64: 400 short-lived orphans in a row', () => {
  const orphans = ['python3', `${FIXTURES}/orphans.py`, '400', `${SHARED}/report`];

  test('with procinit, each is reaped and the app succeeds', async () => {
    const c = startContainer({ args: [PROCINIT, '--', ...orphans], pidsLimit: 64 });
    expect(await c.exitCodeWithin(30_000), c.output()).toBe(0);
    expect(c.sharedFile('report')).toMatch(/^400 ok /);
  });

  test('without an init, the app as PID 1 never reaps them and its forks fail', async () => {
    const c = startContainer({ args: orphans, pidsLimit: 64 });
    expect(await c.exitCodeWithin(30_000), c.output()).toBe(1);
    const report = c.sharedFile('report') ?? '';
    expect(Number(report.split(' ')[0])).toBeLessThan(64);
    expect(report).toMatch(/fork failed for 1 s: Resource temporarily unavailable/);
  });

  test('`sh -c` as PID 1 does reap them while it waits for its command: its failure is signals, not zombies', async () => {
    // dash and bash collect any child in their wait loop, so the shell form survives this one;
    // run-and-stop and signals show what it gets wrong.
    const c = startContainer({ args: ['sh', '-c', `${orphans.join(' ')}; exit $?`], pidsLimit: 64 });
    expect(await c.exitCodeWithin(30_000), c.output()).toBe(0);
    expect(c.sharedFile('report')).toMatch(/^400 ok /);
  });
});
