// Two inits at once (`docker run --init` puts Docker's tini in front of procinit: the README
// says not to, but daemon-wide `"init": true` does it behind the user's back), and
// `--restart on-failure`, which must see procinit's exit codes as the app's.
import { describe, expect, test } from 'vitest';
import { listProcesses, waitFor } from '../helpers/procs.js';
import { Container, cleanUpContainers } from './container.js';
import { DOCKER_INIT, FIXTURES, docker, engineReady, recordStop, runsProgram } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

describe.skipIf(!ready)('docker run --init with procinit inside', () => {
  test('tini is PID 1, procinit its child; docker stop still drains the daemonized helper', async () => {
    const c = await Container.start(docker, { init: true, command: ['procinit', '--', 'node', `${FIXTURES}/daemon-app.js`] });
    await c.waitForFile('ready');
    const init = await c.hostPid();
    expect(runsProgram(init, DOCKER_INIT)).toBe(true);
    expect((await c.childrenOfInit()).map((p) => p.comm)).toEqual(['procinit']);
    // procinit is not PID 1, so it made itself a subreaper: the helper is its child, not tini's.
    const procinit = (await c.childrenOfInit())[0]!.pid;
    const helper = Number(c.sharedFile('helper.pid'));
    expect(helper).toBeGreaterThan(0);
    expect(listProcesses().filter((p) => p.ppid === procinit).length).toBe(2);
    const { ms, exit } = await c.stop();
    recordStop({ scenario: 'an app with a daemonized helper, `docker run --init` in front of procinit', init: 'procinit', timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('cleanup-done')).toBe('flushed');
    expect(ms).toBeLessThan(5_000);
  });

  test('signals pass through both inits: HUP and RTMIN+3 reach the app', async () => {
    // (USR1 through procinit: signals.test.ts, pending on issue 10.)
    const c = await Container.start(docker, {
      init: true, command: ['procinit', '--', 'sh', `${FIXTURES}/record-signals.sh`, '/shared/signals'],
    });
    await c.waitForFile('signals.ready');
    await c.kill('HUP');
    await c.kill('RTMIN+3');
    await waitFor(() => (c.sharedFile('signals') ?? '').split('\n').filter(Boolean).length === 2, 'two signals recorded');
    expect(c.sharedFile('signals')).toBe('1\n37\n');
    expect((await c.stop()).exit).toBe(0);
  });
});

/** Waits until Docker has given up restarting: the container is exited for good. */
async function settled(c: Container): Promise<{ restarts: number; exit: number }> {
  const state = await waitFor(async () => {
    const [status, restarts, exit] = (await c.inspect('{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}')).split(' ');
    return status === 'exited' && Number(restarts) >= 2 ? { restarts: Number(restarts), exit: Number(exit) } : undefined;
  }, 'docker to stop restarting', 20_000).catch(async (e: Error) => { throw new Error(`${e.message}\n${await c.describe()}`); });
  return state;
}

describe.skipIf(!ready).concurrent('--restart on-failure:2 sees procinit\'s exit codes', () => {
  const RESTART = ['--restart', 'on-failure:2'];
  test.each([
    ['the app exits 3', 3, {}, ['procinit', '--', 'sh', '-c', 'exit 3']],
    ['the app dies of SIGTERM', 143, {}, ['procinit', '--', 'sh', '-c', 'kill -TERM $$']],
    ['procinit is misused (an unknown option)', 2, {}, ['procinit', '--no-such-option', '--', 'true']],
    ['the command does not exist', 127, {}, ['procinit', '--', 'no-such-command']],
    ['tini (--init): the app exits 3', 3, { init: true }, ['sh', '-c', 'exit 3']],
    ['no init: the app exits 3', 3, {}, ['sh', '-c', 'exit 3']],
  ] as [string, number, { init?: boolean }, string[]][])('%s: restarted twice, exit %i', async (_name, code, run, command) => {
    const c = await Container.start(docker, { ...run, options: RESTART, command });
    expect(await settled(c)).toEqual({ restarts: 2, exit: code });
  });

  test('the app exits 0: not restarted', async () => {
    const c = await Container.start(docker, { options: RESTART, command: ['procinit', '--', 'true'] });
    expect(await c.exited()).toBe(0);
    // The point is time passing: Docker's first restart would come after 100 ms.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await c.inspect('{{.State.Status}} {{.RestartCount}}')).toBe('exited 0');
  });
});
