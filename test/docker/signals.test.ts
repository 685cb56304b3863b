// `docker kill -s SIGNAL` on a real engine: USR1, HUP, WINCH and RTMIN+3 reach the app through
// procinit and through Docker's tini, in order; through the shell form's `/bin/sh -c` as PID 1
// none of them does. The recorder is a dash script (it traps signals by number, RTMIN+3 too).
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { Container, type RunOptions, cleanUpContainers } from './container.js';
import { FIXTURES, docker, engineReady } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

type Signal = [name: string, number: number];
const ALL: Signal[] = [['USR1', 10], ['HUP', 1], ['WINCH', 28], ['RTMIN+3', 37]];
const BUT_USR1 = ALL.filter(([name]) => name !== 'USR1');
const RECORDER = ['sh', `${FIXTURES}/record-signals.sh`, '/shared/signals'];
/** procinit started without its launcher, as in an image without a shell. */
const NODE_FORM = ['node', '/usr/local/lib/node_modules/procinit/dist/procinit.js', '--'];

const recorded = (c: Container) => (c.sharedFile('signals') ?? '').split('\n').filter(Boolean).map(Number);

/** Sends each signal in turn, waiting for the app to record it; then docker stop. */
async function deliverInOrder(run: RunOptions, signals: Signal[]): Promise<void> {
  const c = await Container.start(docker, run);
  await c.waitForFile('signals.ready');
  const expected: number[] = [];
  for (const [name, number] of signals) {
    await c.kill(name);
    expected.push(number);
    await waitFor(() => recorded(c).length === expected.length, `the app to record SIG${name}`)
      .catch(async (e: Error) => { throw new Error(`${e.message}: got ${recorded(c)}\n${await c.describe()}`); });
  }
  const { exit } = await c.stop();
  expect(exit, await c.describe()).toBe(0);
  expect(recorded(c)).toEqual([...expected, 15]);
  // An init's own Node that listens for USR1 opens no inspector instead.
  expect(await c.logs()).not.toContain('Debugger listening');
}

describe.skipIf(!ready).concurrent('docker kill -s USR1, HUP, WINCH, RTMIN+3', () => {
  test('with tini (--init), each reaches the app, in order', async () => {
    await deliverInOrder({ init: true, command: RECORDER }, ALL);
  });

  // USR1: see the describe below.
  test.each([
    ['procinit', ['procinit', '--']],
    ['procinit started as node dist/procinit.js', NODE_FORM],
  ])('with %s, HUP, WINCH and RTMIN+3 reach the app, in order', async (_name, init) => {
    await deliverInOrder({ command: [...init, ...RECORDER] }, BUT_USR1);
  });

  test('without an init, shell form: /bin/sh -c as PID 1 drops them all; the app never sees one', async () => {
    const c = await Container.start(docker, { command: ['sh', '-c', `${RECORDER.join(' ')}; echo after`] });
    await c.waitForFile('signals.ready');
    for (const [name] of ALL) await c.kill(name);
    // The point is time passing: nothing arrives, however long one waits.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(c.sharedFile('signals')).toBeNull();
    expect(await c.running()).toBe(true);
    await c.kill('KILL');
    expect(await c.exited()).toBe(137);
  });
});

// Node started with --disable-sigusr1 (bin/procinit passes it on Node >= 22.14 when it finds
// node_version.h, as in the official images; the node-form re-exec passes it too) keeps SIGUSR1
// blocked in every thread: Node unblocks it only when it installs its inspector's handler, which
// that flag skips. Found by this suite at 1c44b9e; procinit now unblocks it in its main thread.
describe.skipIf(!ready).concurrent('docker kill -s USR1 through procinit, on an image with Node\'s headers', () => {
  test.each([
    ['procinit', ['procinit', '--']],
    ['procinit started as node dist/procinit.js', NODE_FORM],
  ])('with %s, USR1 reaches the app', async (_name, init) => {
    await deliverInOrder({ command: [...init, ...RECORDER] }, ALL);
  });
});
