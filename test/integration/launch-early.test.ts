// Issue 10, item 7: the start-up window. SIGUSR1 hammered at the init every 2 ms from varying
// moments of its first 100 ms: Node's inspector never opens (it would listen on 127.0.0.1:9229
// inside PID 1, running as root, for anything on the pod's loopback to run code in). The caller
// ignores SIGUSR1, so the child starts ignoring it (both inits pass that on) and survives what is
// forwarded to it. SIGTERM in the same window is core-early-stop.test.ts's.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, TINI_INIT, initTarget as target, start, tempDir } from '../helpers/procs.js';
import { CASES, PYTHON, canRun, initCommand, listeningSockets, socketInodes } from '../helpers/inits.js';

const AWAIT_TERM = join(FIXTURES, 'await-term.py');
const OFFSETS = [0, 5, 10, 15, 20, 30, 40, 50, 60, 80, 100];


describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('SIGUSR1 every 2 ms from early on never opens an inspector', async () => {
    const outcomes: string[] = [];
    for (const offset of OFFSETS) {
      const dir = tempDir();
      const run = start(['env', '--ignore-signal=USR1', ...initCommand(init, mode, [], [PYTHON, AWAIT_TERM, dir])]);
      const launcher = run.proc.pid!;
      let exited = false;
      run.proc.on('exit', () => { exited = true; });
      let hammer: NodeJS.Timeout | undefined;
      const begin = setTimeout(() => {
        hammer = setInterval(() => {
          const pid = exited ? undefined : target(launcher, mode === 'pid1');
          try {
            if (pid !== undefined) process.kill(pid, 'SIGUSR1');
          } catch {
            // between exit and the exit event
          }
        }, 2);
      }, offset);
      // Hammer until the child is up (or the init is gone), and a little longer.
      for (let waited = 0; waited < 3_000 && !exited && !existsSync(join(dir, 'ready')); waited += 10) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await new Promise((r) => setTimeout(r, 50));
      clearTimeout(begin);
      clearInterval(hammer);
      const pid = target(launcher, mode === 'pid1');
      const ready = existsSync(join(dir, 'ready'));
      let inspector = false;
      if (!exited && pid !== undefined) {
        const mine = socketInodes(pid);
        inspector = listeningSockets().some((s) => s.port === 9229 || mine.has(s.inode));
        process.kill(pid, 'SIGTERM');
      }
      const result = await run.done;
      outcomes.push(`${offset}:${result.code}:${ready ? 'R' : '-'}${inspector ? 'I' : ''}`);
      expect(inspector, outcomes.join(' ')).toBe(false);
      expect(result.stderr, outcomes.join(' ')).not.toMatch(/Debugger listening/);
      // Node resets an inherited SIG_IGN to the default as it starts, before any handler exists: a
      // SIGUSR1 in those few milliseconds ends an init that is not PID 1, before its child exists.
      if (mode === 'subreaper' && !ready && init !== TINI_INIT) expect([138, 143], outcomes.join(' ')).toContain(result.code);
      else expect(result.code, outcomes.join(' ')).toBe(143);
    }
  }, 60_000);
});
