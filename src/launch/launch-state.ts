// What the launcher (bin/procinit, or procinit's own re-exec) learned before Node started, read back
// from the environment it passed, and the environment the child gets: the one procinit was given,
// byte for byte, with the app's Node variables back in place and the launcher's notes taken out.
// Pure: the raw entries come from native/process-image.ts.
import type { Bytes } from '../../native/api.js';
import { splitNul } from '../../native/process-image.js';

/** How procinit was started: through bin/procinit, by its own re-exec, or as `node procinit.js`. */
export type Launcher = 'sh' | 'reexec' | 'direct';

export interface LaunchState {
  launcher: Launcher;
  /** The descriptors the launcher saw inherited; null when it could not tell (no /proc). */
  inheritedFds: number[] | null;
  /** Signals procinit's caller ignored (nohup's SIGHUP), for the child to ignore too. */
  ignoredSignals: number[];
  /** A SIGTERM or SIGINT the launcher caught before Node started. */
  earlyStop: number | null;
  /** The descriptor carrying the whole given environment, when the shell could not pass it. */
  wholeEnvFd: number | null;
  childEnv: Bytes[];
}

/** Variables that tell procinit about its launch; never passed on. */
export const LAUNCH_VARIABLES = ['PROCINIT_LAUNCH', 'PROCINIT_INHERITED_FDS', 'PROCINIT_IGNORED_SIGNALS',
  'PROCINIT_EARLY_STOP', 'PROCINIT_ENV_FD'] as const;
/** The app's NODE_* and UV_* variables, moved aside so procinit's own Node does not obey them. */
export const APP_PREFIX = 'PROCINIT_APP_';

/** Names Node (or libuv) reads before procinit's code can run: the app's, not procinit's. */
export function isNodeRuntimeVariable(name: string): boolean {
  return name.startsWith('NODE_') || name.startsWith('UV_');
}

function split(entry: Buffer): [string, Buffer] {
  const eq = entry.indexOf(0x3d);
  return eq === -1 ? [entry.toString('latin1'), Buffer.alloc(0)] : [entry.subarray(0, eq).toString('latin1'), entry.subarray(eq + 1)];
}

/**
 * /proc/<pid>/stat's sigignore, a decimal bitmap (bit n-1 is signal n), as signal numbers;
 * SIGKILL and SIGSTOP cannot be ignored.
 */
export function signalsOfMask(decimal: string): number[] {
  if (!/^\d{1,20}$/.test(decimal)) return [];
  const mask = BigInt(decimal);
  const out: number[] = [];
  for (let signal = 1; signal <= 64; signal++) {
    if (signal !== 9 && signal !== 19 && (mask >> BigInt(signal - 1)) & 1n) out.push(signal);
  }
  return out;
}

export function parseFdList(text: string | undefined): number[] | null {
  if (text === undefined) return null;
  return [...new Set(text.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number))].sort((a, b) => a - b);
}

/** The environment block bin/procinit sent as od's `-An -tx1` output, entry by entry. */
export function environmentOfHex(text: string): Buffer[] {
  return splitNul(Buffer.from(text.replace(/[^0-9a-fA-F]/g, ''), 'hex'));
}

/**
 * Reads the launcher's notes from procinit's own environment and builds the child's. `whole`,
 * when given, is the environment exactly as procinit's launcher received it.
 */
export function readLaunchState(environ: Buffer[], whole: Buffer[] | null = null): LaunchState {
  const notes = new Map<string, string>();
  const childEnv: Buffer[] = [];
  for (const entry of environ) {
    const [name, value] = split(entry);
    if ((LAUNCH_VARIABLES as readonly string[]).includes(name)) notes.set(name, value.toString('latin1'));
    else if (name.startsWith(APP_PREFIX) && name.length > APP_PREFIX.length) {
      childEnv.push(Buffer.concat([Buffer.from(`${name.slice(APP_PREFIX.length)}=`, 'latin1'), value]));
    } else childEnv.push(entry);
  }
  const launch = notes.get('PROCINIT_LAUNCH');
  const early = Number(notes.get('PROCINIT_EARLY_STOP'));
  const envFd = notes.get('PROCINIT_ENV_FD');
  return {
    launcher: launch === 'sh' || launch === 'reexec' ? launch : 'direct',
    inheritedFds: parseFdList(notes.get('PROCINIT_INHERITED_FDS')),
    ignoredSignals: signalsOfMask(notes.get('PROCINIT_IGNORED_SIGNALS') ?? '0'),
    earlyStop: early === 2 || early === 15 ? early : null,
    wholeEnvFd: envFd !== undefined && /^\d$/.test(envFd) ? Number(envFd) : null,
    childEnv: whole ?? childEnv,
  };
}
