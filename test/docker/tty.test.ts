// `docker run -it` on a real pseudo-terminal, driven from the test (test/fixtures/pty-drive.py
// is the user's terminal; the docker client puts it in raw mode and the container gets a pty of
// its own): bash has job control, Ctrl-C stops the foreground job and not bash, and `exit 3` is
// the exit code of `docker run`. With procinit, with Docker's tini, and with bash as PID 1.
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { FIXTURES, start } from '../helpers/procs.js';
import { PYTHON } from '../helpers/inits.js';
import { docker, engineReady, suite } from './engine.js';

const ready = engineReady('docker');
const PTY_DRIVE = join(FIXTURES, 'pty-drive.py');
const PROMPT = 'READY\\$ ';

// The driver sees the docker client's terminal, not the container's: the foreground job says
// itself when it holds the container's terminal (bash gives it the terminal before it execs).
const STEPS = [
  { expect: PROMPT, timeout: 20 },
  { send: 'sleep 30 &\n' },
  { expect: PROMPT },
  { send: 'jobs\n' },
  { expect: '\\[1\\]\\+\\s+Running\\s+sleep 30 &' },
  { expect: PROMPT },
  { send: "sh -c 'echo FG\"\"READY; exec sleep 30'\n" },
  { expect: 'FGREADY' },
  { send: '\x03' },
  { expect: PROMPT },
  { send: 'echo alive-$((1+1))\n' },
  { expect: 'alive-2' },
  { expect: PROMPT },
  { send: 'kill %1; exit 3\n' },
  { wait_exit: true, timeout: 20 },
];

const BASH = ['bash', '--norc', '--noprofile', '-i'];

describe.skipIf(!ready).concurrent('docker run -it: an interactive bash', () => {
  test.each([
    ['procinit', [], ['procinit', '--', ...BASH]],
    ['tini (--init)', ['--init'], BASH],
    ['no init (bash as PID 1)', [], BASH],
  ] as [string, string[], string[]][])('%s: job control, Ctrl-C stops the job and not bash, exit 3 gives 3', async (_name, flags, command) => {
    const name = `procinit-test-tty-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const argv = [...suite.docker.argv, 'run', '-it', '--rm', '--name', name, '--network', 'none', ...flags,
      '-e', 'PS1=READY$ ', '-e', 'HISTFILE=/dev/null', '-e', 'TERM=xterm', suite.images.fixtures, ...command];
    try {
      // The driver kills the docker client itself if a step times out.
      const result = await start([PYTHON, PTY_DRIVE, JSON.stringify(STEPS), '--', ...argv], {
        env: { ...process.env, ...suite.docker.env },
      }).done;
      const report = JSON.parse(result.stdout);
      expect({ ok: report.ok, failed: report.failed, exit: report.exit }, report.transcript)
        .toEqual({ ok: true, failed: null, exit: 3 });
      // bash says so when it cannot get the terminal: "no job control in this shell".
      expect(report.transcript).not.toMatch(/job control|cannot set terminal process group/);
      expect(report.transcript).toMatch(/\^C/);
    } finally {
      await docker.run(['rm', '-f', name]);
    }
  });
});
