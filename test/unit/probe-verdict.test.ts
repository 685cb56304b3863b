// The probe's verdict and explanation, from made-up measurements: every branch and its wording.
import { describe, expect, it } from 'vitest';
import type { TrialResult } from '../../src/probe/types.js';
import { type ProbeFacts, formatMs, isShellForm, judge } from '../../src/probe/verdict.js';

const stoppedClean = (ms: number, exitCode = 0): TrialResult => ({
  stopped: true, ms, exitCode, signal: null, killed: false, exitedBeforeSignal: false,
  zombies: 0, leftovers: 0, leftoverCommands: [], pid1: 'node', main: 'node',
});
const killedAtTimeout = (extra: Partial<TrialResult> = {}): TrialResult => ({
  ...stoppedClean(10_004), stopped: false, exitCode: null, signal: 'SIGKILL', killed: true, ...extra,
});
const endedEarly = (exitCode: number): TrialResult => ({
  ...stoppedClean(0, exitCode), stopped: false, ms: null, exitedBeforeSignal: true, main: null,
});

function facts(withoutInit: TrialResult, withProcinit: TrialResult, command = ['node', 'server.js']): ProbeFacts {
  return { command, signal: 'SIGTERM', signalNumber: 15, afterMs: 2000, timeoutMs: 10_000, withoutInit, withProcinit };
}

describe('judge', () => {
  it('passes a well-behaved app and says how long each stop took', () => {
    expect(judge(facts(stoppedClean(25), stoppedClean(31)))).toEqual({
      verdict: 'pass',
      reason: 'your app stops on SIGTERM: in 25 ms as PID 1 without an init, in 31 ms under procinit',
    });
  });

  it('passes an app with no handler, and says why it hangs as PID 1', () => {
    const v = judge(facts(killedAtTimeout(), stoppedClean(120, 143)));
    expect(v.verdict).toBe('pass');
    expect(v.reason).toBe('as PID 1 without an init your app ignored SIGTERM: docker stop would wait 10 s and SIGKILL it; '
      + 'under procinit it stopped in 120 ms');
  });

  it('names sh -c when a shell is PID 1, and the app it left running under procinit', () => {
    const shell = ['/bin/sh', '-c', 'node server.js; echo done'];
    const v = judge(facts(
      killedAtTimeout({ pid1: 'sh', main: 'sh', leftovers: 1, leftoverCommands: ['node'] }),
      { ...stoppedClean(29, 143), pid1: 'node', main: 'sh', leftovers: 1, leftoverCommands: ['node'] },
      shell,
    ));
    expect(v.verdict).toBe('pass');
    expect(v.reason).toMatch(/^sh -c is PID 1 and does not forward SIGTERM: use exec form .* or procinit; under procinit it stopped in 29 ms; /);
    expect(v.reason).toContain('under procinit, sh ended at once on SIGTERM while 1 process (node) still ran');
  });

  it('names the shell by what was PID 1, even without -c in the command', () => {
    const v = judge(facts(killedAtTimeout({ pid1: 'bash' }), stoppedClean(10, 143), ['./start.sh']));
    expect(v.reason).toMatch(/^bash is PID 1 and does not forward SIGTERM/);
  });

  it('does not blame the shell when it exec-ed the app (PID 1 is the app)', () => {
    const v = judge(facts(killedAtTimeout({ pid1: 'node' }), stoppedClean(10, 143), ['sh', '-c', 'node server.js']));
    expect(v.reason).toMatch(/^as PID 1 without an init your app ignored SIGTERM/);
  });

  it('fails an app that ignores the signal even under procinit', () => {
    const v = judge(facts(killedAtTimeout(), killedAtTimeout()));
    expect(v).toEqual({
      verdict: 'fail',
      reason: 'your app ignored SIGTERM even under procinit: it still ran 10 s after the signal and was SIGKILLed, '
        + 'as docker stop would do; handle SIGTERM in the app: stop taking work, finish, exit',
    });
  });

  it('fails an app that stops with a code other than 0 or 128+signal', () => {
    const v = judge(facts(stoppedClean(3, 1), stoppedClean(18, 1)));
    expect(v.verdict).toBe('fail');
    expect(v.reason).toBe('under procinit your app stopped in 18 ms but with exit code 1: on SIGTERM, exit 0 after '
      + 'a clean shutdown (or 143, a death by SIGTERM); any other code reads as a crash');
  });

  it.each([[0], [143]])('accepts exit code %i under procinit', (code) => {
    expect(judge(facts(stoppedClean(5), stoppedClean(5, code))).verdict).toBe('pass');
  });

  it('accepts 128+N for the signal actually sent', () => {
    const sigint = { ...facts(stoppedClean(5), stoppedClean(5, 130)), signal: 'SIGINT', signalNumber: 2 };
    expect(judge(sigint).verdict).toBe('pass');
    expect(judge({ ...sigint, withProcinit: stoppedClean(5, 143) }).verdict).toBe('fail');
  });

  it('fails a command that ends before the signal, saying where', () => {
    expect(judge(facts(endedEarly(0), endedEarly(0))).reason).toMatch(
      /^your command ended by itself \(exit code 0\) before the probe sent SIGTERM at --after 2 s: /);
    expect(judge(facts(endedEarly(3), stoppedClean(5))).reason).toMatch(/^as PID 1 without an init your command ended by itself \(exit code 3\)/);
    expect(judge(facts(stoppedClean(5), endedEarly(1))).verdict).toBe('fail');
  });

  it('notes zombies left as PID 1 and under procinit', () => {
    const v = judge(facts({ ...stoppedClean(6), zombies: 3 }, { ...stoppedClean(17), zombies: 1 }));
    expect(v.verdict).toBe('pass');
    expect(v.reason).toContain('; as PID 1 it left 3 zombies (it does not reap orphans): run it under procinit');
    expect(v.reason).toContain('; 1 zombie under procinit: your app does not wait for its own child processes');
  });

  it('notes processes that outlived the app', () => {
    const v = judge(facts(
      { ...stoppedClean(6), leftovers: 2, leftoverCommands: ['sleep', 'sleep'] },
      { ...stoppedClean(21), leftovers: 2, leftoverCommands: ['sleep', 'sleep'] },
    ));
    expect(v.reason).toContain('; 2 processes (sleep) still ran when your app ended: on SIGTERM, stop your child processes');
    const bareOnly = judge(facts({ ...stoppedClean(6), leftovers: 1, leftoverCommands: ['worker'] }, stoppedClean(8)));
    expect(bareOnly.reason).toContain('as PID 1, 1 process (worker) still ran when your app ended and the kernel SIGKILLed them');
  });

  it('explains every verdict in one line', () => {
    const all = [
      judge(facts(stoppedClean(1), stoppedClean(1))),
      judge(facts(killedAtTimeout({ pid1: 'sh', leftovers: 1, leftoverCommands: ['node'] }), { ...stoppedClean(9, 143), main: 'sh', leftovers: 1, leftoverCommands: ['node'] }, ['sh', '-c', 'x; y'])),
      judge(facts(killedAtTimeout(), killedAtTimeout())),
    ];
    for (const v of all) expect(v.reason).not.toMatch(/\n/);
  });
});

describe('isShellForm', () => {
  it.each([
    [['/bin/sh', '-c', 'app'], true], [['sh', '-ec', 'app'], true], [['bash', '-x', '-c', 'app'], true],
    [['busybox', 'sh', '-c', 'app'], true], [['node', '-c', 'app'], false], [['sh', 'script.sh'], false],
    [['sh', 'script.sh', '-c'], false], [['busybox', 'ls', '-c'], false], [[], false],
  ])('%j is %s', (command, expected) => expect(isShellForm(command as string[])).toBe(expected));
});

describe('formatMs', () => {
  it.each([[0, '0 ms'], [120.4, '120 ms'], [999, '999 ms'], [1000, '1 s'], [2500, '2.5 s'], [10_004, '10 s']])(
    '%d is %s', (ms, text) => expect(formatMs(ms)).toBe(text));
});
