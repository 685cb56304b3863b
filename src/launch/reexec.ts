// `node <package>/dist/procinit.js`, with no launcher in front (a distroless image has no shell):
// the app's NODE_* and UV_* variables have reached procinit's own Node, and its flags are not
// procinit's. So procinit runs itself again, once, as bin/procinit would have started it: execve
// keeps the pid and the descriptors, and costs one more Node start-up. Pure: main does the exec.
import type { Bytes } from '../../native/api.js';
import { APP_PREFIX, LAUNCH_VARIABLES, isNodeRuntimeVariable } from './launch-state.js';

/**
 * Node's flags for procinit, as bin/procinit gives them: the internal signal binding (real-time
 * signals on Node 24+), no V8 worker threads (each counts against a pids limit) nor V8 work that
 * waits on one, and no inspector on SIGUSR1: --disable-sigusr1 where this Node has it (22.14+;
 * Node lists the flags it allows in NODE_OPTIONS, which include it), else an inspector address
 * nothing can bind (TEST-NET-1).
 */
export function idealNodeFlags(allowed: ReadonlySet<string>): string[] {
  return ['--expose-internals', '--v8-pool-size=0', '--single-threaded',
    allowed.has('--disable-sigusr1') ? '--disable-sigusr1' : '--inspect-port=192.0.2.1:9229'];
}

export interface ReexecInput {
  execPath: string;
  execArgv: string[];
  /** process.argv: [node, script, ...args], decoded. */
  argv: string[];
  /** The same as bytes, [argv0, ...execArgv, script, ...args]; null without /proc. */
  cmdline: Buffer[] | null;
  environ: Buffer[];
  allowedFlags: ReadonlySet<string>;
  inheritedFds: number[];
  earlyStop: number | null;
}

export interface ReexecPlan { file: Bytes; argv: Bytes[]; env: Bytes[]; why: string[] }

const nameOf = (entry: Buffer) => {
  const eq = entry.indexOf(0x3d);
  return entry.subarray(0, eq === -1 ? entry.length : eq).toString('latin1');
};

export function planReexec(input: ReexecInput): ReexecPlan | null {
  const missing = idealNodeFlags(input.allowedFlags).filter((flag) => !input.execArgv.includes(flag));
  const runtime = input.environ.map(nameOf).filter(isNodeRuntimeVariable);
  if (missing.length === 0 && runtime.length === 0) return null;

  const flagCount = input.execArgv.length;
  const raw = input.cmdline && input.cmdline.length === flagCount + input.argv.length ? input.cmdline : null;
  const argv: Bytes[] = raw
    ? [...raw.slice(0, 1 + flagCount), ...missing, ...raw.slice(1 + flagCount)]
    : [input.execPath, ...input.execArgv, ...missing, ...input.argv.slice(1)];

  const env: Bytes[] = [];
  for (const entry of input.environ) {
    const name = nameOf(entry);
    if ((LAUNCH_VARIABLES as readonly string[]).includes(name)) continue;
    env.push(isNodeRuntimeVariable(name) ? Buffer.concat([Buffer.from(APP_PREFIX), entry]) : entry);
  }
  env.push('PROCINIT_LAUNCH=reexec', `PROCINIT_INHERITED_FDS=${input.inheritedFds.join(' ')}`);
  if (input.earlyStop !== null) env.push(`PROCINIT_EARLY_STOP=${input.earlyStop}`);
  const why = [...(missing.length > 0 ? [`flags ${missing.join(' ')}`] : []), ...runtime];
  return { file: input.execPath, argv, env, why };
}
