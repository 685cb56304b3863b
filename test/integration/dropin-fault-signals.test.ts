// Issue 12, item 2: fault signals sent on purpose. `docker kill -s ABRT` is the usual way to make
// an app dump its stacks; dumb-init forwards it (and TRAP, SYS), tini does not catch it: as PID 1
// the kernel drops it, as a subreaper tini dies of it and its child runs on, orphaned. procinit
// forwards SIGABRT, SIGTRAP and SIGSYS like dumb-init and never dies of them. SIGSEGV, SIGBUS,
// SIGILL and SIGFPE stay uncaught (src/core/signal-table.ts says why): procinit does what tini
// does with them, which is the difference from dumb-init the README lists.
import { constants } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { descendantsOf, tempDir } from '../helpers/procs.js';
import { CASES_WITH_DUMB_INIT, canRun, killAtEnd, launch, procStatus, recorder, signal } from '../helpers/inits.js';
import type { Init, Mode } from '../helpers/procs.js';

/** An init that dies of a fault signal must not leave a core file behind. */
const NO_CORE = ['sh', '-c', 'ulimit -c 0 && exec "$@"', 'sh'];
const SENT_ON_PURPOSE = [6, 5, 31]; // ABRT, TRAP, SYS
const FAULTS: [string, number][] = [['SEGV', 11], ['BUS', 7], ['ILL', 4], ['FPE', 8]];

/** What the init does with a signal it gets: forward it, lose it (PID 1), or die of it. */
type Fate = 'forwarded' | 'dropped' | 'dies';

async function started(init: Init, mode: Mode) {
  const rec = recorder(join(tempDir(), 'signals'));
  const run = launch(init, mode, [], rec.argv, { prefix: NO_CORE });
  // An orphaned child keeps the output pipes open, so `done` (on close) would wait for it.
  const exited = new Promise<number>((resolve) => run.proc.once('exit', (code, sig) =>
    resolve(code ?? 128 + (sig ? constants.signals[sig] : 0))));
  await rec.ready();
  const initPid = await run.initPid();
  const child = descendantsOf(initPid).find((p) => p.comm.startsWith('python'));
  if (!child) throw new Error('no recorder under the init');
  return { rec, run, exited, initPid, childPid: child.pid };
}

/** Sends each signal and checks its fate; the init is stopped with SIGTERM unless it died. */
async function sendAndCheck(init: Init, mode: Mode, signals: number[], fate: Fate): Promise<void> {
  const { rec, run, exited, initPid, childPid } = await started(init, mode);
  if (fate === 'dies') {
    killAtEnd(childPid);
    signal(initPid, signals[0]!);
    expect(await exited).toBe(128 + signals[0]!);
    // The child runs on without its init, re-parented elsewhere: what "orphaned" means here.
    const status = procStatus(childPid);
    expect(status, 'the child outlives its init').toBeDefined();
    expect(Number(status!.PPid)).not.toBe(initPid);
    expect(rec.signals()).toEqual([]);
    return;
  }
  const expected: number[] = [];
  for (const sig of signals) {
    signal(initPid, sig);
    if (fate === 'forwarded') {
      expected.push(sig);
      await rec.waitForCount(expected.length, `signal ${sig} to reach the child`);
    }
  }
  // A signal that is forwarded after the others proves they were handled before it.
  signal(initPid, 'SIGUSR2');
  expected.push(12);
  await rec.waitForCount(expected.length, 'SIGUSR2, the marker, to reach the child');
  expect(rec.signals()).toEqual(expected);
  expect(Number(procStatus(childPid)?.PPid), 'the child still has its init').toBe(initPid);
  signal(initPid, 'SIGTERM');
  expect((await run.done).code).toBe(0);
  expect(rec.signals()).toEqual([...expected, 15]);
}

describe.each(CASES_WITH_DUMB_INIT)('%s', (_name, init, mode) => {
  // tini does not catch them: as PID 1 the kernel drops them, as a subreaper the first one kills it.
  const onPurpose: Fate = init.name !== 'tini' ? 'forwarded' : mode === 'pid1' ? 'dropped' : 'dies';

  it.skipIf(!canRun(init, mode, 'python3'))(`kill -ABRT, -TRAP, -SYS: ${onPurpose}`, async () => {
    await sendAndCheck(init, mode, SENT_ON_PURPOSE, onPurpose);
  });

  // Never caught by procinit or tini; dumb-init blocks every signal and forwards what sigwait gives.
  const fault: Fate = init.name === 'dumb-init' ? 'forwarded' : mode === 'pid1' ? 'dropped' : 'dies';
  it.skipIf(!canRun(init, mode, 'python3')).each(FAULTS)(`kill -%s: ${fault}`, async (_sig, number) => {
    await sendAndCheck(init, mode, [number], fault);
  });
});
