// `docker kill -s SIGNAL` in real containers: the signal reaches the app through procinit, and
// does not through a `sh -c` PID 1.
import { describe, expect, test } from 'vitest';
import { waitFor } from '../helpers/procs.js';
import { PROCINIT, RECORD_SIGNALS, SHARED, cleanUpContainers, runcReady, startContainer } from './runc.js';

const ready = runcReady();
cleanUpContainers();

const SIGNALS: [string, number][] = [['USR1', 10], ['HUP', 1], ['WINCH', 28]];

function recorded(text: string | null): number[] {
  return (text ?? '').split('\n').filter(Boolean).map(Number);
}

describe.skipIf(!ready)('docker kill -s (runc kill)', () => {
  test('with procinit, USR1, HUP and WINCH reach the app, in order', async () => {
    const c = startContainer({ args: [PROCINIT, '--', 'python3', RECORD_SIGNALS, `${SHARED}/signals`] });
    await c.waitForFile('signals.ready', 15_000);
    const expected: number[] = [];
    for (const [name, number] of SIGNALS) {
      c.kill(name);
      expected.push(number);
      await waitFor(() => recorded(c.sharedFile('signals')).length === expected.length,
        `the app to record SIG${name}`, 10_000);
    }
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(0);
    expect(recorded(c.sharedFile('signals'))).toEqual([...expected, 15]);
    // procinit's own Node listens for USR1, so it did not open an inspector port instead.
    expect(c.output()).not.toContain('Debugger listening');
  });

  test('without an init, `sh -c` as PID 1 drops USR1, HUP and WINCH: the app never sees them', async () => {
    const c = startContainer({ args: ['sh', '-c', `python3 ${RECORD_SIGNALS} ${SHARED}/signals; echo after`] });
    await c.waitForFile('signals.ready', 15_000);
    for (const [name] of SIGNALS) c.kill(name);
    // The point is time passing: nothing arrives, however long one waits.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(c.sharedFile('signals')).toBeNull();
    expect(c.hasExited).toBe(false);
    c.kill('KILL');
    expect(await c.exitCodeWithin(10_000)).toBe(137);
  });
});
