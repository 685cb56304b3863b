// Issue 15, item 2, through the binary: the termination message as procinit exits, whatever the
// ending (the child's exit, a command that cannot start, a stop before the start), to a file named
// by --termination-log or PROCINIT_TERMINATION_LOG; never a wait on a FIFO nobody reads, never a
// changed exit code when the file cannot be written. (Kubernetes' own /dev/termination-log,
// mounted from a file, is written in test/e2e/oom.test.ts.)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCINIT, readIfExists, start, tempDir } from '../helpers/procs.js';

const records = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe('the termination message', () => {
  it('says how the child ended, and matches the exit record', async () => {
    const file = join(tempDir(), 'why');
    const result = await start([PROCINIT, '-v', '--termination-log', file, '--', 'sh', '-c', 'exit 3']).done;
    expect(result.code).toBe(3);
    expect(readFileSync(file, 'utf8')).toBe('Exit code 3: sh -c exit 3 exited with code 3.\n');
    expect(records(result.stderr).find((r) => r.event === 'exit')).toMatchObject({ code: 3, reason: 'exited', msg: 'Exit code 3: sh -c exit 3 exited with code 3.' });
  });

  it('says why the command did not start', async () => {
    const file = join(tempDir(), 'why');
    const result = await start([PROCINIT, '--', 'no-such-command-here'], { env: { ...process.env, PROCINIT_TERMINATION_LOG: file } }).done;
    expect(result.code).toBe(127);
    expect(readFileSync(file, 'utf8')).toBe("Exit code 127: procinit did not start the app: cannot run 'no-such-command-here': not found (check the name and PATH) [ENOENT].\n");
  });

  it('is not written with --no-termination-log, whatever the environment names', async () => {
    const file = join(tempDir(), 'why');
    await start([PROCINIT, '--termination-log', file, '--no-termination-log', '--', 'true']).done;
    await start([PROCINIT, '--no-termination-log', '--', 'true'], { env: { ...process.env, PROCINIT_TERMINATION_LOG: file } }).done;
    expect(existsSync(file)).toBe(false);
    // Nor anywhere by default outside Kubernetes: /dev/termination-log is not there to write.
    expect(existsSync('/dev/termination-log')).toBe(false);
  });

  it('a FIFO nobody reads holds up nothing', async () => {
    const fifo = join(tempDir(), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const result = await start([PROCINIT, '--termination-log', fifo, '--', 'true']).done;
    expect(result.code).toBe(0);
    expect(result.ms).toBeLessThan(10_000);
    expect(records(result.stderr)).toMatchObject([{ level: 40, event: 'termination-log', msg: `could not write the termination message to ${fifo} (ENXIO)` }]);
  });

  it('a file that cannot be written: one warning, and the exit code is the child\'s', async () => {
    const result = await start([PROCINIT, '--termination-log', join(tempDir(), 'no', 'such', 'dir'), '--', 'sh', '-c', 'exit 5']).done;
    expect(result.code).toBe(5);
    expect(records(result.stderr)).toMatchObject([{ level: 40, event: 'termination-log', msg: expect.stringMatching(/\(ENOENT\)$/) }]);
  });

  it('replaces what an earlier run left', async () => {
    const file = join(tempDir(), 'why');
    await start([PROCINIT, '--termination-log', file, '--', 'sh', '-c', `echo ${'x'.repeat(3000)} > /dev/null; exit 9`]).done;
    await start([PROCINIT, '--termination-log', file, '--', 'true']).done;
    expect(readIfExists(file)).toBe('Exit code 0: true exited with code 0.\n');
  });
});
