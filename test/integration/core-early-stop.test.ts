// Issue 2, a stop signal that arrives very early: SIGTERM hammered at the init every 2 ms from
// a varying moment of its start-up (while it is still the sh launcher, while Node loads, before
// and after the child is spawned). Whatever moment it lands in, the init exits 143 and, if the
// child got far enough to say it listens, the child got the SIGTERM: never a hang, never a child
// left running, never another code. One body over procinit and tini, as PID 1 and as subreaper.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, initTarget as target, tempDir } from '../helpers/procs.js';
import { CASES, PYTHON, canRun, launch } from '../helpers/inits.js';

const AWAIT_TERM = join(FIXTURES, 'await-term.py');
/** When the hammering starts, in ms after the launch. */
const OFFSETS = [0, 10, 30, 60, 100, 140, 180, 230, 300];


describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('SIGTERM every 2 ms from early on: exit 143, and the child got it if it ran', async () => {
    const outcomes: { offset: number; code: number; ready: boolean; gotTerm: boolean }[] = [];
    for (const offset of OFFSETS) {
      const dir = tempDir();
      const run = launch(init, mode, [], [PYTHON, AWAIT_TERM, dir]);
      const launcher = run.proc.pid!;
      let exited = false;
      run.proc.on('exit', () => { exited = true; });
      let timer: NodeJS.Timeout | undefined;
      const hammer = setTimeout(() => {
        timer = setInterval(() => {
          const pid = exited ? undefined : target(launcher, mode === 'pid1');
          if (pid === undefined) return;
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // between exit and the exit event
          }
        }, 2);
      }, offset);
      const result = await run.done.finally(() => { clearTimeout(hammer); clearInterval(timer); });
      outcomes.push({
        offset, code: result.code, ready: existsSync(join(dir, 'ready')), gotTerm: existsSync(join(dir, 'got-term')),
      });
    }
    // offset:code:R (the child listened) T (the child got SIGTERM), to see which phases were hit.
    const summary = outcomes.map((o) => `${o.offset}:${o.code}:${o.ready ? 'R' : '-'}${o.gotTerm ? 'T' : '-'}`).join(' ');
    expect(outcomes.filter((o) => o.code !== 143 || (o.ready && !o.gotTerm)), summary).toEqual([]);
  });
});
