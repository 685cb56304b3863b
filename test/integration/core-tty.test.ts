// Issue 2, an interactive shell on a terminal, as `docker run -it img bash` gives it: the init is
// a session leader with a pseudo-terminal as its controlling terminal (test/fixtures/pty-drive.py),
// bash runs under it with job control, Ctrl-C stops the foreground job and not bash, and bash's
// `exit 3` is the init's exit code. One body over procinit and tini, as PID 1 and as subreaper.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, start } from '../helpers/procs.js';
import { CASES, PYTHON, canRun, initCommand } from '../helpers/inits.js';

const PTY_DRIVE = join(FIXTURES, 'pty-drive.py');
const PROMPT = 'READY\\$ ';

const STEPS = [
  { expect: PROMPT, timeout: 15 },
  { send: 'sleep 30 &\n' },
  { expect: PROMPT },
  { send: 'jobs\n' },
  { expect: '\\[1\\]\\+\\s+Running\\s+sleep 30 &' },
  { expect: PROMPT },
  { send: 'sleep 30\n' },
  // Ctrl-C only once the sleep holds the terminal, or it would just clear bash's input line.
  { foreground: 'sleep' },
  { send: '\x03' },
  { foreground: 'bash' },
  { expect: PROMPT },
  { send: 'echo alive-$((1+1))\n' },
  { expect: 'alive-2' },
  { expect: PROMPT },
  { send: 'kill %1; exit 3\n' },
  { wait_exit: true, timeout: 15 },
];

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3', 'bash'))('bash -i: job control, Ctrl-C stops sleep and not bash, exit 3 gives 3', async () => {
    const argv = initCommand(init, mode, [], ['bash', '--norc', '--noprofile', '-i']);
    // The driver kills the whole session itself if a step times out.
    const result = await start([PYTHON, PTY_DRIVE, JSON.stringify(STEPS), '--', ...argv], {
      env: { ...process.env, PS1: 'READY$ ', HISTFILE: '/dev/null', TERM: 'xterm' },
    }).done;
    const report = JSON.parse(result.stdout);
    expect({ ok: report.ok, failed: report.failed, exit: report.exit }, report.transcript)
      .toEqual({ ok: true, failed: null, exit: 3 });
    // bash says so when it cannot get the terminal: "no job control in this shell".
    expect(report.transcript).not.toMatch(/job control|cannot set terminal process group/);
    expect(report.transcript).toMatch(/\^C/);
  });
});
