import { describe, expect, it } from 'vitest';
import { environmentOfHex, readLaunchState, signalsOfMask } from '../../src/launch/launch-state.js';
import { idealNodeFlags, planReexec } from '../../src/launch/reexec.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const text = (list: Array<string | Buffer>) => list.map((e) => (typeof e === 'string' ? e : e.toString('latin1')));

describe('readLaunchState', () => {
  it("puts the app's NODE_* and UV_* variables back, byte for byte, and drops the launcher's notes", () => {
    const state = readLaunchState([b('PATH=/bin'), b('PROCINIT_APP_NODE_OPTIONS=--inspect'), b('PROCINIT_APP_UV_THREADPOOL_SIZE=128'),
      b('PROCINIT_LAUNCH=sh'), b('PROCINIT_INHERITED_FDS= 0 1 2 5'), b('PROCINIT_IGNORED_SIGNALS=1'),
      b('A\xff=\xfe'), b('a-b=1'), b('PROCINIT_APP_NODE_DEBUG=')]);
    expect(text(state.childEnv)).toEqual(['PATH=/bin', 'NODE_OPTIONS=--inspect', 'UV_THREADPOOL_SIZE=128', 'A\xff=\xfe', 'a-b=1', 'NODE_DEBUG=']);
    expect(state).toMatchObject({ launcher: 'sh', inheritedFds: [0, 1, 2, 5], ignoredSignals: [1], earlyStop: null, wholeEnvFd: null });
  });

  it('knows nothing of fds or signals without a launcher, and keeps PROCINIT_ settings for the child as tini keeps TINI_', () => {
    const state = readLaunchState([b('PROCINIT_GRACE=1s'), b('NODE_OPTIONS=--x')]);
    expect(state).toMatchObject({ launcher: 'direct', inheritedFds: null, ignoredSignals: [] });
    expect(text(state.childEnv)).toEqual(['PROCINIT_GRACE=1s', 'NODE_OPTIONS=--x']);
  });

  it('takes the whole given environment when the shell could not pass it', () => {
    const whole = environmentOfHex(' 61 2d 62 3d 31 00 50 57\n 44 3d 2f 00\n');
    expect(text(whole)).toEqual(['a-b=1', 'PWD=/']);
    const state = readLaunchState([b('PROCINIT_LAUNCH=sh'), b('PROCINIT_ENV_FD=3'), b('PWD=/x')], whole);
    expect(state.wholeEnvFd).toBe(3);
    expect(text(state.childEnv)).toEqual(['a-b=1', 'PWD=/']);
  });

  it('reads an early stop signal, and nothing else, from the launcher', () => {
    expect(readLaunchState([b('PROCINIT_EARLY_STOP=15')]).earlyStop).toBe(15);
    expect(readLaunchState([b('PROCINIT_EARLY_STOP=9')]).earlyStop).toBeNull();
  });
});

describe('signalsOfMask', () => {
  it("reads stat's sigignore: bit n-1 is signal n", () => {
    expect(signalsOfMask(String(0x1001))).toEqual([1, 13]);
    expect(signalsOfMask(String(2 ** 8 + 2 ** 18 + 2))).toEqual([2]); // SIGKILL and SIGSTOP never
    expect(signalsOfMask('0x10')).toEqual([]);
  });
});

describe('planReexec', () => {
  const allowed = new Set(['--disable-sigusr1']);
  const base = {
    execPath: '/usr/bin/node', execArgv: [] as string[], argv: ['/usr/bin/node', '/app/procinit.js', '--', 'app', '\ufffd'],
    cmdline: [b('node'), b('/app/procinit.js'), b('--'), b('app'), b('\xff')], environ: [b('PATH=/bin')],
    allowedFlags: allowed, inheritedFds: [0, 1, 2, 3], earlyStop: null,
  };

  it('adds the flags this Node accepts, keeps argv bytes, and notes the descriptors', () => {
    const plan = planReexec(base)!;
    expect(text(plan.argv)).toEqual(['node', '--expose-internals', '--v8-pool-size=0', '--single-threaded', '--disable-sigusr1', '/app/procinit.js', '--', 'app', '\xff']);
    expect(text(plan.env)).toEqual(['PATH=/bin', 'PROCINIT_LAUNCH=reexec', 'PROCINIT_INHERITED_FDS=0 1 2 3']);
  });

  it("moves the app's Node variables aside even when the flags are all there", () => {
    const plan = planReexec({ ...base, execArgv: idealNodeFlags(allowed), cmdline: null,
      argv: ['/usr/bin/node', '/app/procinit.js', '--', 'app'],
      environ: [b('NODE_OPTIONS=--require apm'), b('NODE_CHANNEL_FD=abc'), b('UV_THREADPOOL_SIZE=128')], earlyStop: 15 })!;
    expect(text(plan.argv)).toEqual(['/usr/bin/node', ...idealNodeFlags(allowed), '/app/procinit.js', '--', 'app']);
    expect(text(plan.env)).toEqual(['PROCINIT_APP_NODE_OPTIONS=--require apm', 'PROCINIT_APP_NODE_CHANNEL_FD=abc',
      'PROCINIT_APP_UV_THREADPOOL_SIZE=128', 'PROCINIT_LAUNCH=reexec', 'PROCINIT_INHERITED_FDS=0 1 2 3', 'PROCINIT_EARLY_STOP=15']);
  });

  it('does nothing when Node was started as procinit wants it', () => {
    expect(planReexec({ ...base, execArgv: ['--expose-internals', '--v8-pool-size=0', '--single-threaded',
      '--inspect-port=192.0.2.1:9229'], allowedFlags: new Set() })).toBeNull();
  });
});
