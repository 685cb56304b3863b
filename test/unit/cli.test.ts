import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseWithCommander, type CliResult } from '../../src/launch/cli.js';
import type { Config } from '../../src/launch/options.js';

const rt = { min: 34, max: 64 };
const parse = (argv: string[], env: Record<string, string> = {}) => parseCommandLine(argv, env, '9.9.9', rt);

function config(result: CliResult): Config {
  if (result.kind !== 'run') throw new Error(`expected a run, got ${JSON.stringify(result)}`);
  return result.config;
}

function usageError(result: CliResult): string {
  if (result.kind !== 'usage-error') throw new Error(`expected a usage error, got ${result.kind}`);
  return result.message;
}

describe('the command line', () => {
  it('runs the command after --, keeping its own options', () => {
    expect(config(parse(['--', 'node', '-e', '1', '--', 'x'])).command).toEqual(['node', '-e', '1', '--', 'x']);
  });

  it('stops reading options at the first word that is not one, as tini does', () => {
    const c = config(parse(['-g', 'sleep', '-s', '10']));
    expect(c.command).toEqual(['sleep', '-s', '10']);
    expect(c.killProcessGroup).toBe(true);
    expect(c.subreaper).toBeNull();
  });

  it('has tini-compatible defaults', () => {
    const c = config(parse(['--', 'app']));
    expect(c).toMatchObject({ subreaper: null, killProcessGroup: false, parentDeathSignal: null, verbosity: 1,
      warnOnReap: false, graceMs: 5000, stopTimeoutMs: null, stopDelayMs: 0, stopDeadlineMs: null,
      terminationLog: { path: '/dev/termination-log', create: false } });
    expect(c.remapExitToZero.size).toBe(0);
    expect(c.rewrites.size).toBe(0);
  });

  it('reads every short flag', () => {
    const c = config(parse(['-s', '-g', '-p', 'SIGUSR2', '-e', '3', '-e', '143', '-vv', '-w', '--', 'app']));
    expect(c).toMatchObject({ subreaper: true, killProcessGroup: true, parentDeathSignal: 12, verbosity: 3, warnOnReap: true });
    expect([...c.remapExitToZero]).toEqual([3, 143]);
  });

  it('caps -v at trace', () => {
    expect(config(parse(['-vvvvvv', 'app'])).verbosity).toBe(4);
  });

  it("takes dumb-init's -r S:R and -c, and tini's -p SIGKILL", () => {
    const c = config(parse(['-c', '-r', '15:3', '-r', '31:1', '-r', 'TTIN:TERM', '-p', 'SIGKILL', 'app'], { TINI_KILL_PROCESS_GROUP: '' }));
    expect([...c.rewrites]).toEqual([[15, 3], [31, 1], [21, 15]]);
    expect(c.killProcessGroup).toBe(false);
    expect(c.parentDeathSignal).toBe(9);
  });

  it('reads durations and rewrites', () => {
    const c = config(parse(['--grace', '500ms', '--stop-timeout', '2', '--rewrite', 'TERM:QUIT', '--rewrite', '28:0', 'app']));
    expect(c.graceMs).toBe(500);
    expect(c.stopTimeoutMs).toBe(2000);
    expect([...c.rewrites]).toEqual([[15, 3], [28, 0]]);
  });

  it('reads the stop settings and the termination log', () => {
    const c = config(parse(['--stop-delay', '5s', '--stop-deadline', '30', '--termination-log', '/tmp/why', 'app']));
    expect(c).toMatchObject({ stopDelayMs: 5000, stopDeadlineMs: 30_000, terminationLog: { path: '/tmp/why', create: true } });
    expect(config(parse(['--no-termination-log', 'app'])).terminationLog).toBeNull();
    expect(config(parse(['--termination-log', '', 'app'])).terminationLog).toBeNull();
    expect(config(parse(['--no-termination-log', 'app'], { PROCINIT_TERMINATION_LOG: '/x' })).terminationLog).toBeNull();
  });

  it('prints help and the version instead of running', () => {
    const help = parse(['--help']);
    expect(help.kind).toBe('print');
    expect(help.kind === 'print' && help.text).toContain('--kill-process-group');
    expect(help.kind === 'print' && help.text).toMatch(/procinit probe \[options\] -- <command>/);
    expect(help.kind === 'print' && help.text).toMatch(/Exit codes:[\s\S]*128\+N[\s\S]*127, 126[\s\S]*2 +bad usage/);
    expect(parse(['--version'])).toEqual({ kind: 'print', text: '9.9.9\n' });
    expect(parse(['-V'])).toEqual({ kind: 'print', text: '9.9.9\n' });
    expect(parse(['-l'])).toEqual({ kind: 'license' });
  });
});

describe('the fast path for a bare `-- <command>`', () => {
  it.each([
    [['--', 'app'], {}],
    [['--', 'node', '-e', '1', '--', '-v'], {}],
    [['--', 'app'], { PROCINIT_GRACE: '1s', TINI_SUBREAPER: '', PROCINIT_REWRITE: 'TERM:QUIT', PROCINIT_VERBOSITY: '3' }],
    [['--', 'app'], { PROCINIT_GRACE: 'soon' }],
    [['--', 'app'], { PROCINIT_STOP_DELAY: '2s', PROCINIT_STOP_DEADLINE: '10s', PROCINIT_TERMINATION_LOG: 'off' }],
    [['--', 'app'], { PROCINIT_STOP_DELAY: '9s', PROCINIT_STOP_DEADLINE: '10s' }],
  ])('%j with %j gives what commander gives', (argv, env) => {
    expect(parseCommandLine(argv, env, '9', rt)).toEqual(parseWithCommander(argv, env, '9', rt));
  });
});

describe('bad usage gets one line naming the problem', () => {
  it.each([
    [[], /no command/],
    [['--'], /no command/],
    [['-x', '--', 'app'], /unknown option '-x'/],
    [['-e', '256', '--', 'app'], /-e "256" is not an exit code; use a number from 0 to 255/],
    [['-e', 'abc', 'app'], /not an exit code/],
    [['-p', 'NOTASIGNAL', 'app'], /-p "NOTASIGNAL" is not a signal/],
    [['-p'], /argument missing/],
    [['--grace', '5 parsecs', 'app'], /--grace "5 parsecs" is not a duration/],
    [['--stop-timeout', '-1', 'app'], /is not a duration/],
    [['--rewrite', 'TERM', 'app'], /--rewrite "TERM" is not a rewrite; use FROM:TO/],
    [['--rewrite', 'TERM:NOPE', 'app'], /not a rewrite/],
    [['--rewrite', 'KILL:TERM', 'app'], /--rewrite "KILL:TERM" would do nothing: SIGKILL cannot be caught/],
    [['--rewrite', 'STOP:TERM', 'app'], /SIGSTOP cannot be caught/],
    [['--rewrite', 'CHLD:TERM', 'app'], /procinit keeps SIGCHLD for reaping/],
    [['-r', '11:1', 'app'], /--rewrite "11:1" would do nothing/],
    ...['SEGV', 'BUS', 'ILL', 'FPE'].map((s): [string[], RegExp] => [['--rewrite', `${s}:HUP`, 'app'], new RegExp(`does not catch SIG${s}`)]),
    [['-p', 'SEGV', 'app'], /-p "SEGV" cannot be the parent-death signal: .* kill procinit and orphan the child/],
    [['-p', 'CHLD', 'app'], /-p "CHLD" cannot be the parent-death signal/],
    [['-p', 'STOP', 'app'], /-p "STOP" cannot be the parent-death signal: .*stop procinit/],
    [['-p', 'TTIN', 'app'], /does not forward SIGTTIN/],
    [['-p', '\u017fIGTERM', 'app'], /is not a signal/],
    [['--rewrite', '\u017fIGTERM:INT', 'app'], /is not a rewrite/],
    [['-c', '-g', 'app'], /-c and -g contradict each other/],
    [['--stop-delay', 'later', 'app'], /--stop-delay "later" is not a duration/],
    [['--stop-deadline', '597h', 'app'], /--stop-deadline "597h" is longer than procinit can wait/],
    [['--stop-deadline', '0', 'app'], /a stop deadline of 0 would SIGKILL everything the moment a stop signal comes; set it to the runtime's stop time-out/],
    [['--stop-delay', '10s', '--stop-deadline', '10s', 'app'], /the stop delay \(10s\) does not fit in the stop deadline \(10s\): the delay would use up the whole deadline/],
    [['--stop-delay', '9s', 'app'], null],
  ] as [string[], RegExp | null][])('%j', (argv, pattern) => {
    if (pattern === null) {
      expect(parse(argv).kind).toBe('run'); // a delay alone has no deadline to fit in
      return;
    }
    const message = usageError(parse(argv));
    expect(message).toMatch(pattern);
    expect(message).not.toContain('\n');
  });
});

describe('environment twins', () => {
  it('reads the PROCINIT_ variables', () => {
    const c = config(parse(['app'], {
      PROCINIT_SUBREAPER: '1', PROCINIT_KILL_PROCESS_GROUP: 'yes', PROCINIT_VERBOSITY: '3',
      PROCINIT_PARENT_DEATH_SIGNAL: 'HUP', PROCINIT_REMAP_EXIT: '3, 143', PROCINIT_WARN_ON_REAP: 'true',
      PROCINIT_GRACE: '1m', PROCINIT_REWRITE: 'TERM:QUIT,WINCH:0', PROCINIT_STOP_TIMEOUT: '9s',
      PROCINIT_STOP_DELAY: '5s', PROCINIT_STOP_DEADLINE: '30s', PROCINIT_TERMINATION_LOG: '/tmp/why',
    }));
    expect(c).toMatchObject({ subreaper: true, killProcessGroup: true, verbosity: 3, parentDeathSignal: 1,
      warnOnReap: true, graceMs: 60_000, stopTimeoutMs: 9000, stopDelayMs: 5000, stopDeadlineMs: 30_000,
      terminationLog: { path: '/tmp/why', create: true } });
    expect([...c.remapExitToZero]).toEqual([3, 143]);
    expect([...c.rewrites]).toEqual([[15, 3], [28, 0]]);
  });

  it("honours tini's variables with tini's meaning: set at all is on", () => {
    const c = config(parse(['app'], { TINI_SUBREAPER: '', TINI_KILL_PROCESS_GROUP: '0', TINI_VERBOSITY: '2' }));
    expect(c).toMatchObject({ subreaper: true, killProcessGroup: true, verbosity: 2 });
  });

  it.each([[''], ['abc'], ['3abc'], ['-1'], [' 2']])('runs with TINI_VERBOSITY=%j, read the C way', (value) => {
    expect(parse(['--', 'app'], { TINI_VERBOSITY: value }).kind).toBe('run');
    expect(parse(['-g', 'app'], { TINI_VERBOSITY: value }).kind).toBe('run');
  });

  it('lets TINI_VERBOSITY replace the count of -v, as tini reads its environment after its flags', () => {
    expect(config(parse(['-vvv', 'app'], { TINI_VERBOSITY: '0' })).verbosity).toBe(0);
    expect(config(parse(['-vvv', 'app'], { TINI_VERBOSITY: '0', PROCINIT_VERBOSITY: '1' })).verbosity).toBe(4);
  });

  it("reads DUMB_INIT_SETSID as dumb-init does: 0 the child alone, anything else its group", () => {
    expect(config(parse(['app'], { DUMB_INIT_SETSID: '1' })).killProcessGroup).toBe(true);
    expect(config(parse(['app'], { DUMB_INIT_SETSID: '0' })).killProcessGroup).toBe(false);
    expect(config(parse(['app'], { DUMB_INIT_SETSID: '0', TINI_KILL_PROCESS_GROUP: '' })).killProcessGroup).toBe(true);
    expect(config(parse(['-c', 'app'], { DUMB_INIT_SETSID: '1' })).killProcessGroup).toBe(false);
  });

  it('lets PROCINIT_ turn off what TINI_ turned on', () => {
    expect(config(parse(['app'], { TINI_SUBREAPER: '1', PROCINIT_SUBREAPER: 'off' })).subreaper).toBe(false);
  });

  it('subreaps when not PID 1 unless PROCINIT_SUBREAPER=0 or --no-subreaper says never', () => {
    expect(config(parse(['app'])).subreaper).toBeNull();
    expect(config(parse(['app'], { PROCINIT_SUBREAPER: '0' })).subreaper).toBe(false);
    expect(config(parse(['--no-subreaper', 'app'])).subreaper).toBe(false);
    expect(config(parse(['--no-subreaper', 'app'], { PROCINIT_SUBREAPER: '1' })).subreaper).toBe(false);
    expect(config(parse(['-s', 'app'], { PROCINIT_SUBREAPER: '0' })).subreaper).toBe(true);
  });

  it('turns the termination message off with PROCINIT_TERMINATION_LOG=0, as every switch', () => {
    for (const off of ['0', 'off', 'false', '']) expect(config(parse(['--', 'app'], { PROCINIT_TERMINATION_LOG: off })).terminationLog).toBeNull();
  });

  it('checks the stop delay against the deadline after the command line has overridden the environment', () => {
    expect(config(parse(['--stop-delay', '1s', 'app'], { PROCINIT_STOP_DELAY: '20s', PROCINIT_STOP_DEADLINE: '10s' })).stopDelayMs).toBe(1000);
    expect(usageError(parse(['--', 'app'], { PROCINIT_STOP_DELAY: '20s', PROCINIT_STOP_DEADLINE: '10s' }))).toMatch(/does not fit/);
  });

  it('lets the command line win over the environment', () => {
    const c = config(parse(['-v', '--grace', '0', 'app'], { PROCINIT_VERBOSITY: '0', PROCINIT_GRACE: '10s' }));
    expect(c.verbosity).toBe(2);
    expect(c.graceMs).toBe(0);
  });

  it.each([
    [{ PROCINIT_SUBREAPER: 'maybe' }, /PROCINIT_SUBREAPER=maybe is not a yes\/no value/],
    [{ PROCINIT_VERBOSITY: 'loud' }, /PROCINIT_VERBOSITY "loud" is not a verbosity/],
    [{ PROCINIT_REMAP_EXIT: '1,300' }, /PROCINIT_REMAP_EXIT "300" is not an exit code/],
    [{ PROCINIT_GRACE: 'soon' }, /PROCINIT_GRACE "soon" is not a duration/],
    [{ PROCINIT_REWRITE: 'TERM:QUIT,HUP' }, /PROCINIT_REWRITE "HUP" is not a rewrite/],
    [{ PROCINIT_REWRITE: 'SEGV:HUP' }, /PROCINIT_REWRITE "SEGV:HUP" would do nothing/],
    [{ PROCINIT_PARENT_DEATH_SIGNAL: 'SEGV' }, /PROCINIT_PARENT_DEATH_SIGNAL "SEGV" cannot be the parent-death signal/],
  ])('rejects %j in one line', (env, pattern) => {
    expect(usageError(parse(['app'], env as Record<string, string>))).toMatch(pattern);
  });
});

describe('services: --config, --log-prefix, --status-file and their twins', () => {
  it('takes a config with or without a command', () => {
    expect(config(parse(['--config', 'p.json']))).toMatchObject({ command: [], servicesFile: 'p.json', logPrefix: false, statusFile: null });
    expect(config(parse(['--config', 'p.json', '--log-prefix', '--status-file', '/run/s.json', '--', 'node', 's.js'])))
      .toMatchObject({ command: ['node', 's.js'], servicesFile: 'p.json', logPrefix: true, statusFile: '/run/s.json' });
  });

  it('reads PROCINIT_CONFIG, PROCINIT_LOG_PREFIX and PROCINIT_STATUS_FILE, on the fast path too', () => {
    const env = { PROCINIT_CONFIG: 'p.json', PROCINIT_LOG_PREFIX: '1', PROCINIT_STATUS_FILE: '/dev/shm/s.json' };
    expect(config(parse([], env))).toMatchObject({ servicesFile: 'p.json', logPrefix: true, statusFile: '/dev/shm/s.json' });
    expect(config(parse(['--', 'app'], env))).toMatchObject({ command: ['app'], servicesFile: 'p.json', logPrefix: true });
    expect(config(parse(['--config', 'q.json', 'app'], env)).servicesFile).toBe('q.json');
  });

  it('without a config a command is still needed', () => {
    expect(usageError(parse(['--log-prefix']))).toBe('no command given (nor services with --config)');
    expect(usageError(parse([], { PROCINIT_CONFIG: '' }))).toMatch(/no command given/);
  });
});
