// `docker kill -s SIGNAL` on a real engine: USR1, HUP, WINCH and RTMIN+3 reach the app through
// procinit and through Docker's tini, in order; through the shell form's `/bin/sh -c` as PID 1
// none of them does. The recorder is a dash script (it traps signals by number, RTMIN+3 too).
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { Container, cleanUpContainers } from './container.js';
import { FIXTURES, docker, engineReady } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

const SIGNALS: [string, number][] = [['USR1', 10], ['HUP', 1], ['WINCH', 28], ['RTMIN+3', 37]];
const RECORDER = ['sh', `${FIXTURES}/record-signals.sh`, '/shared/signals'];

const recorded = (c: Container) => (c.sharedFile('signals') ?? '').split('\n').filter(Boolean).map(Number);

describe.skipIf(!ready).concurrent('docker kill -s USR1, HUP, WINCH, RTMIN+3', () => {
  test.each([
    ['procinit', { command: ['procinit', '--', ...RECORDER] }],
    ['tini (--init)', { init: true, command: RECORDER }],
  ])('with %s, each reaches the app, in order', async (_name, run) => {
    const c = await Container.start(docker, run);
    await c.waitForFile('signals.ready');
    const expected: number[] = [];
    for (const [name, number] of SIGNALS) {
      await c.kill(name);
      expected.push(number);
      await waitFor(() => recorded(c).length === expected.length, `the app to record SIG${name}`)
        .catch(async (e: Error) => { throw new Error(`${e.message}: ${recorded(c)}\n${await c.describe()}`); });
    }
    const { exit } = await c.stop();
    expect(exit, await c.describe()).toBe(0);
    expect(recorded(c)).toEqual([...expected, 15]);
    // procinit's own Node listens for USR1, so it opened no inspector instead.
    expect(await c.logs()).not.toContain('Debugger listening');
  });

  test('without an init, shell form: /bin/sh -c as PID 1 drops them all; the app never sees one', async () => {
    const c = await Container.start(docker, { command: ['sh', '-c', `${RECORDER.join(' ')}; echo after`] });
    await c.waitForFile('signals.ready');
    for (const [name] of SIGNALS) await c.kill(name);
    // The point is time passing: nothing arrives, however long one waits.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(c.sharedFile('signals')).toBeNull();
    expect(await c.running()).toBe(true);
    await c.kill('KILL');
    expect(await c.exited()).toBe(137);
  });
});
