// Issue 12, item 3: a rewrite or a parent-death signal either works or is refused at start (exit 2,
// one line, nothing started); none is accepted and then silently does nothing. dumb-init's `-r`
// is the reference for rewriting; tini, which ignores SIGTTOU so that its own writes to a terminal
// it no longer holds go through, is the reference for the terminal case.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FIXTURES, MODES, PROCINIT_INIT, type Mode, findInitPid, readIfExists, start, tempDir, waitFor,
} from '../helpers/procs.js';
import {
  CASES, CASES_WITH_DUMB_INIT, PYTHON, canRun, initComm, initCommand, killAtEnd, launch, recorder, signal,
} from '../helpers/inits.js';

const TOSTOP_JOB = join(FIXTURES, 'tostop-job.py');

describe.each(CASES_WITH_DUMB_INIT.filter(([, init]) => init.name !== 'tini'))('%s', (_name, init, mode) => {
  // dumb-init's -r takes numbers 1..31 only, and stops itself after forwarding a rewritten
  // SIGTTIN/SIGTTOU (as a subreaper it would then forward nothing more): SYS:HUP is the case for both.
  const rewrites = init.name === 'procinit'
    ? ['-r', '31:1', '--rewrite', 'TTIN:USR1', '--rewrite', 'SIGTTOU:USR2'] : ['-r', '31:1'];
  const sends = init.name === 'procinit' ? [[31, 1], [21, 10], [22, 12]] : [[31, 1]];

  it.skipIf(!canRun(init, mode, 'python3'))(`honours ${rewrites.filter((r) => r.includes(':')).join(', ')}`, async () => {
    const rec = recorder(join(tempDir(), 'signals'));
    const run = launch(init, mode, rewrites, rec.argv);
    await rec.ready();
    const pid = await run.initPid();
    for (const [i, [sent]] of sends.entries()) {
      signal(pid, sent!);
      await rec.waitForCount(i + 1, `the rewrite of signal ${sent} to reach the child`);
    }
    signal(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
    expect(rec.signals()).toEqual([...sends.map(([, got]) => got), 15]);
  });
});

/** Settings that would do nothing (or kill procinit): each refused before anything starts. */
const REFUSED: [string[], Record<string, string>, RegExp][] = [
  ...['KILL', 'STOP', 'CHLD', 'SEGV', 'BUS', 'ILL', 'FPE'].map((from): [string[], Record<string, string>, RegExp] =>
    [['--rewrite', `${from}:HUP`], {}, /^procinit: --rewrite "\w+:HUP" would do nothing: .*SIG\w+/]),
  [['-r', '11:1'], {}, /^procinit: --rewrite "11:1" would do nothing: procinit does not catch SIGSEGV/],
  ...['SEGV', 'CHLD', 'STOP', 'TTIN'].map((sig): [string[], Record<string, string>, RegExp] =>
    [['-p', sig], {}, /^procinit: -p "\w+" cannot be the parent-death signal: /]),
  [['-p', '\u017fIGTERM'], {}, /^procinit: -p "\u017fIGTERM" is not a signal/],
  [['--rewrite', '\u017fIGTERM:INT'], {}, /^procinit: --rewrite "\u017fIGTERM:INT" is not a rewrite/],
  [[], { PROCINIT_REWRITE: 'TERM:QUIT,SEGV:HUP' }, /^procinit: PROCINIT_REWRITE "SEGV:HUP" would do nothing/],
  [[], { PROCINIT_PARENT_DEATH_SIGNAL: 'SIGSEGV' }, /^procinit: PROCINIT_PARENT_DEATH_SIGNAL "SIGSEGV" cannot be/],
];

describe.each(MODES)('procinit as %s', (mode: Mode) => {
  it.skipIf(!canRun(PROCINIT_INIT, mode)).each(REFUSED)('refuses %j %j: exit 2, one line, nothing started', async (options, env, message) => {
    const dir = tempDir();
    const marker = join(dir, 'started');
    const result = await start(initCommand(PROCINIT_INIT, mode, options, ['sh', '-c', `touch ${marker}`]),
      { env: { ...process.env, ...env } }).done;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(marker)).toBe(false);
  });

  it.skipIf(!canRun(PROCINIT_INIT, mode))("accepts -p SIGKILL, tini's own example", async () => {
    const result = await start(initCommand(PROCINIT_INIT, mode, ['-p', 'SIGKILL'], ['sh', '-c', 'exit 3'])).done;
    expect(result).toMatchObject({ code: 3, stderr: '' });
  });
});

// On a terminal set to `stty tostop`, an init that gave the foreground to its child and writes a
// log line is answered with SIGTTOU. A caught SIGTTOU makes the write restart and raise it again,
// forever (procinit spun at 100% CPU and forwarded nothing); tini ignores SIGTTOU, so its writes go
// through. procinit blocks it in the thread that writes: its lines go through, and a SIGTTOU sent
// from outside still reaches the handler, and the child when a rewrite names it.
describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('a terminal with tostop: its own log lines go through, a sent SIGTTOU is only rewritten', async () => {
    const out = tempDir();
    mkdirSync(out, { recursive: true });
    const rec = recorder(join(out, 'signals'));
    const options = init.name === 'procinit' ? ['-vvv', '--rewrite', 'TTOU:WINCH'] : ['-vvv'];
    const run = start([PYTHON, TOSTOP_JOB, out, '--', ...initCommand(init, mode, options, rec.argv)]);
    killAtEnd(run.proc.pid!);
    const jobPid = await waitFor(() => Number(readIfExists(join(out, 'job.pid'))) || undefined, 'the job to start');
    killAtEnd(jobPid);
    await rec.ready();
    const pid = await findInitPid(jobPid, initComm(init));
    killAtEnd(pid);
    // The init logged as it started the child, after the child took the terminal: a spinning or
    // stopped init would forward nothing now.
    signal(pid, 'SIGUSR2');
    await rec.waitForCount(1, 'SIGUSR2 to reach the child');
    signal(pid, 'SIGTTOU');
    // Pending together, signals are delivered lowest number first: one at a time keeps the order.
    if (init.name === 'procinit') await rec.waitForCount(2, 'SIGTTOU, rewritten to SIGWINCH, to reach the child');
    signal(pid, 'SIGUSR2');
    const expected = init.name === 'procinit' ? [12, 28, 12] : [12, 12];
    await rec.waitForCount(expected.length, 'the signals after SIGTTOU to reach the child');
    signal(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
    expect(rec.signals()).toEqual([...expected, 15]);
    expect(readIfExists(join(out, 'status'))).toBe('0');
    // The debug lines of each forwarded signal are on the terminal: the writes went through.
    const transcript = readIfExists(join(out, 'transcript'));
    const forwardedLines = init.name === 'procinit' ? /"event":"signal"/g : /Passing signal/g;
    expect(transcript.match(forwardedLines)?.length ?? 0, transcript).toBeGreaterThanOrEqual(expected.length + 1);
  });
});
