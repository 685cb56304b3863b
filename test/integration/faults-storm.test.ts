// Issue 11, items 1 and 2: signal storms. libuv queues caught signals in a pipe and drops what does
// not fit, SIGCHLD included; the child's exit must never be missed for it (item 1), and a burst
// must reach the child whole as long as the kernel itself queued it (item 2). tini, which waits
// on the kernel's own queue with sigtimedwait, is the reference. The sender is Python at about a
// million signals a second, faster than any init forwards them.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, start, tempDir, waitFor } from '../helpers/procs.js';
import { CASES, PYTHON, canRun, launch, recorder } from '../helpers/inits.js';

const STORM = join(FIXTURES, 'signal-storm.py');
const SLEEP_EXIT = join(FIXTURES, 'sleep-exit.py');
const REALTIME = Array.from({ length: 31 }, (_, i) => String(34 + i));

/** What a stuck init is doing, for the failure message. */
function diagnose(pid: number): string {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter((l) => /^(State|SigQ|ShdPnd|SigBlk)/.test(l));
    const tasks = readdirSync(`/proc/${pid}/task`).map((t) => `${readFileSync(`/proc/${pid}/task/${t}/comm`, 'utf8').trim()} `
      + `${readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1]!.split(' ').slice(0, 1)} ${readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8')}`);
    return [...status, ...tasks, `children: ${readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')}`].join('\n');
  } catch (error) {
    return String(error);
  }
}

/** Starts a storm at pid and resolves with how many signals it sent. */
function storm(pid: number, how: 'count' | 'for', amount: number, signals: string[]): Promise<number> {
  return start([PYTHON, STORM, String(pid), how, String(amount), ...signals]).done.then((r) => Number(r.stdout.trim()));
}

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('the child exits during a 3 s storm of real-time signals: the init exits with its code', async () => {
    const ready = join(tempDir(), 'ready');
    const run = launch(init, mode, [], [PYTHON, SLEEP_EXIT, '1.3', '4', ready]);
    const pid = await run.initPid();
    // Once the child runs, the init's handlers are in place (before that, a real-time signal's
    // default action would end an init that is not PID 1, tini as well).
    await waitFor(() => existsSync(ready), 'the child');
    const sent = await storm(pid, 'for', 3_000, REALTIME);
    // More than the 65,536 signals procinit's queue holds, and the child ends in its midst.
    expect(sent).toBeGreaterThan(20_000);
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([run.done, new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 10_000); })]);
    clearTimeout(timer);
    expect(result, `the init was still running 10 s after the storm: it missed the child's exit\n${diagnose(pid)}`).not.toBeNull();
    expect(result!.code).toBe(4);
  }, 30_000);
});

describe.each(CASES.filter(([, , mode]) => mode === 'subreaper'))('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('a burst of 10,000 real-time signals reaches the child whole', async () => {
    const rec = recorder(join(tempDir(), 'signals'), '--exit-on=12');
    const run = launch(init, mode, [], rec.argv);
    await rec.ready();
    const pid = await run.initPid();
    expect(await storm(pid, 'count', 10_000, REALTIME)).toBe(10_000);
    await waitFor(() => rec.signals().length >= 10_000 || undefined, 'the burst to reach the child', 20_000)
      .catch(() => undefined);
    const got = rec.signals();
    const perSignal = REALTIME.map((s) => got.filter((g) => g === Number(s)).length);
    process.kill(pid, 'SIGUSR2');
    expect((await run.done).code).toBe(0);
    expect(got.length).toBe(10_000);
    expect(Math.min(...perSignal)).toBeGreaterThanOrEqual(322);
  }, 40_000);

  it.skipIf(!canRun(init, mode, 'python3'))('after a 2 s storm of named signals, a final SIGTERM is never lost', async () => {
    for (let trial = 0; trial < 3; trial++) {
      const rec = recorder(join(tempDir(), 'signals'));
      const run = launch(init, mode, [], rec.argv);
      await rec.ready();
      const pid = await run.initPid();
      await storm(pid, 'for', 2_000, ['10', '12', '28', '23']);
      process.kill(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([run.done, new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), 10_000); })]);
      clearTimeout(timer);
      expect(result, `trial ${trial}: the final SIGTERM was lost`).not.toBeNull();
      expect(result!.code).toBe(0);
      expect(rec.signals().at(-1)).toBe(15);
    }
  }, 60_000);
});
