// Podman (Debian's, as root) with the same images: `podman stop` of a Node app with no SIGTERM
// handler, `podman exec` leaving orphans, the exit code, and `podman run --init` (catatonit)
// beside procinit, and in front of it.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { Container, cleanUpContainers, stopSideBySide } from './container.js';
import { FIXTURES, commandLine, engineReady, podman, recordStop, runsProgram } from './engine.js';

const ready = engineReady('podman');
cleanUpContainers();

type Init = 'procinit' | 'catatonit' | 'none';
const INITS: Init[] = ['procinit', 'catatonit', 'none'];
const APP = ['node', `${FIXTURES}/no-handler.js`];
/** `podman run --init` bind-mounts this (containers.conf's init_path) at /run/podman-init. */
const CATATONIT = '/usr/libexec/podman/catatonit';

function start(init: Init, command: string[]): Promise<Container> {
  return Container.start(podman, { init: init === 'catatonit', command: init === 'procinit' ? ['procinit', '--', ...command] : command });
}

describe.skipIf(!ready)('podman stop', () => {
  test('a Node app with no SIGTERM handler: 143 at once with procinit or catatonit; 137 after 10 s without', async () => {
    const r = await stopSideBySide('a Node app with no SIGTERM handler',
      INITS.map((init) => [init, async () => {
        const c = await start(init, APP);
        await c.waitForFile('ready');
        // Who is PID 1, seen from the host (procinit names itself once it runs).
        const pid = await c.hostPid();
        if (init === 'procinit') expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('procinit');
        if (init === 'catatonit') expect(runsProgram(pid, CATATONIT)).toBe(true);
        if (init === 'none') expect(commandLine(pid)).toEqual(APP);
        return c;
      }]));
    for (const init of ['procinit', 'catatonit']) {
      expect(r[init]!.exit, await r[init]!.c.describe()).toBe(143);
      expect(r[init]!.ms).toBeLessThan(5_000);
    }
    expect(r.none!.exit).toBe(137);
    expect(r.none!.ms).toBeGreaterThanOrEqual(10_000);
  });
});

describe.skipIf(!ready).concurrent('podman exec leaving orphans behind', () => {
  const EXECS = 5;
  test.each([
    ['procinit', 'each is reaped'], ['catatonit', 'each is reaped'], ['none', 'the Node app as PID 1 leaves five <defunct>'],
  ] as [Init, string][])('%s: %s', async (init) => {
    const c = await start(init, APP);
    await c.waitForFile('ready');
    for (let i = 0; i < EXECS; i++) expect((await c.exec(['sh', '-c', 'sleep 0.2 & exit 0'])).code).toBe(0);
    if (init === 'none') {
      const zombies = async () => (await c.childrenOfInit()).filter((p) => p.state === 'Z');
      await waitFor(async () => (await zombies()).length === EXECS, `${EXECS} zombies under PID 1`);
      // The point is time passing: the Node app never reaps them.
      await new Promise((r) => setTimeout(r, 1_000));
      expect((await zombies()).map((p) => p.comm)).toEqual(Array(EXECS).fill('sleep'));
    } else {
      const left = await waitFor(async () => {
        const children = await c.childrenOfInit();
        return children.length === 1 ? children : undefined;
      }, 'only the app left under PID 1');
      expect(left[0]!.state).not.toBe('Z');
    }
  });
});

describe.skipIf(!ready).concurrent('podman run: the exit code is the app\'s', () => {
  test.each([
    ['procinit', 3, 'exit 3'], ['procinit', 143, 'kill -TERM $$'], ['procinit', 0, 'exit 0'],
    ['catatonit', 3, 'exit 3'], ['catatonit', 143, 'kill -TERM $$'],
  ] as [Init, number, string][])('%s: exit %i', async (init, code, script) => {
    const c = await start(init, ['sh', '-c', script]);
    expect(await c.exited(), await c.describe()).toBe(code);
  });
});

describe.skipIf(!ready)('podman run --init with procinit inside', () => {
  test('catatonit is PID 1, procinit its child; podman stop drains the daemonized helper', async () => {
    const c = await Container.start(podman, { init: true, command: ['procinit', '--', 'node', `${FIXTURES}/daemon-app.js`] });
    await c.waitForFile('ready');
    expect(runsProgram(await c.hostPid(), CATATONIT)).toBe(true);
    expect((await c.childrenOfInit()).map((p) => p.comm)).toEqual(['procinit']);
    const { ms, exit } = await c.stop();
    recordStop({ engine: 'podman', scenario: 'an app with a daemonized helper, `podman run --init` in front of procinit', init: 'procinit', timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('cleanup-done')).toBe('flushed');
  });
});
