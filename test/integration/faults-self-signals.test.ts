// Issue 11, item 9: a broken or full log destination turns procinit's logging off and nothing
// else. procinit's own write raises SIGPIPE (stderr a pipe whose reader has gone) or SIGXFSZ
// (stderr a file past `ulimit -f`) at itself; neither may reach the child, while the same
// signals sent by another process still must. tini, which blocks both and waits for them with
// sigtimedwait, is the reference. One body over both inits, as PID 1 and as subreaper.
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inMode, start, tempDir } from '../helpers/procs.js';
import { CASES, canRun, initComm, recorder, signal } from '../helpers/inits.js';
import { findInitPid } from '../helpers/procs.js';
import type { Init, Mode } from '../helpers/procs.js';

/** The init, verbose enough to write on every signal, under `prefix` (a shell that sets limits). */
function initArgv(init: Init, mode: Mode, command: string[], prefix: string[] = []): string[] {
  const argv = init.argv(mode);
  const dashes = argv.lastIndexOf('--');
  return inMode(mode, [...prefix, ...argv.slice(0, dashes), '-vvv', '--', ...command]);
}

async function sendEach(pid: number, rec: ReturnType<typeof recorder>, signals: number[]): Promise<void> {
  for (const [i, sig] of signals.entries()) {
    signal(pid, sig);
    await rec.waitForCount(i + 1, `signal ${sig} to reach the child`);
  }
}

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('stderr a pipe with no reader: its own SIGPIPE stays home, a sent one is forwarded', async () => {
    const rec = recorder(join(tempDir(), 'signals'));
    const run = start(initArgv(init, mode, rec.argv), { stdio: ['ignore', 'pipe', 'pipe'] });
    // Nobody reads stderr any more: the init's next log line hits a broken pipe.
    run.proc.stderr!.destroy();
    await rec.ready();
    const pid = await findInitPid(run.proc.pid!, initComm(init));
    // USR2 makes the init log (and so raise SIGPIPE at itself); then a SIGPIPE from outside.
    await sendEach(pid, rec, [12, 13, 12]);
    signal(pid, 15);
    const result = await run.done;
    expect(rec.signals()).toEqual([12, 13, 12, 15]);
    expect(result.code).toBe(0);
  });

  it.skipIf(!canRun(init, mode, 'python3'))('stderr a file past ulimit -f: its own SIGXFSZ stays home, a sent one is forwarded', async () => {
    const dir = tempDir();
    const rec = recorder(join(dir, 'signals'));
    const log = join(dir, 'stderr');
    writeFileSync(log, 'x'.repeat(8192)); // past the limit of one 512- or 1024-byte block
    const fd = openSync(log, 'a');
    try {
      const run = start(initArgv(init, mode, rec.argv, ['sh', '-c', 'ulimit -f 1 && exec "$@"', 'sh']),
        { stdio: ['ignore', 'pipe', fd] });
      await rec.ready();
      const pid = await findInitPid(run.proc.pid!, initComm(init));
      await sendEach(pid, rec, [12, 25, 12]);
      signal(pid, 15);
      const result = await run.done;
      expect(rec.signals()).toEqual([12, 25, 12, 15]);
      expect(result.code).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});

