// procinit's launch, put right: the first thing main does once libc is loaded. It reads what the
// launcher learned before Node started, re-runs procinit as the launcher would have when nothing
// was in front of it, and says what the child is to be given.
import { closeSync, readFileSync } from 'node:fs';
import type { Bytes, Native } from '../../native/api.js';
import { errnoName } from '../../native/constants.js';
import type { SignalInbox } from './early-signals.js';
import { type LaunchState, environmentOfHex, readLaunchState } from './launch-state.js';
import { planReexec } from './reexec.js';

export interface Launch extends LaunchState {
  /** Why a needed re-exec did not happen (procinit runs on, with its Node as it is). */
  reexecFailed: string | null;
}

/**
 * The shell forks a writer for a here-document longer than a pipe holds; it ends once procinit has
 * read it all, and is procinit's child by then, not the app's orphan: reap it before the app starts.
 * Bounded: procinit never waits long for anything.
 */
function reapLauncherLeftovers(native: Native): void {
  const tick = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 200; waited++) {
    if (native.waitAny().kind === 'no-children') return;
    Atomics.wait(tick, 0, 0, 1);
  }
}

function wholeEnvironment(fd: number): Buffer[] | null {
  try {
    return environmentOfHex(readFileSync(fd, 'latin1'));
  } catch {
    return null;
  } finally {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
  }
}

/** Returns only when procinit is to go on in this process. */
export function prepareLaunch(native: Native, inbox: SignalInbox): Launch {
  const state = readLaunchState(native.readEnviron());
  let reexecFailed: string | null = null;
  // bin/procinit lists them from /proc; without /proc, or without the launcher, tell them by kind.
  const inheritedFds = state.inheritedFds ?? native.guessInheritedDescriptors();
  state.inheritedFds = inheritedFds;
  if (state.launcher === 'direct') {
    const plan = planReexec({
      execPath: process.execPath, execArgv: process.execArgv, argv: process.argv, cmdline: native.readCmdline(),
      environ: native.readEnviron(), allowedFlags: process.allowedNodeEnvironmentFlags, inheritedFds,
      earlyStop: inbox.pendingStop(),
    });
    if (plan) {
      for (const fd of inheritedFds) native.setInheritable(fd);
      reexecFailed = `execve failed (${errnoName(native.execve(plan.file, plan.argv, plan.env))}), needed for ${plan.why.join(', ')}`;
    }
  }
  if (state.wholeEnvFd !== null) {
    state.childEnv = wholeEnvironment(state.wholeEnvFd) ?? state.childEnv;
    reapLauncherLeftovers(native);
  }
  if (state.earlyStop !== null) inbox.deliver(state.earlyStop);
  return { ...state, reexecFailed };
}

/**
 * The child's command as the bytes procinit was given: the tail of its own argv. Node decoded
 * process.argv as UTF-8; /proc/self/cmdline has the bytes. Without /proc, the decoded strings.
 */
export function commandBytes(command: string[], native: Native): Bytes[] {
  const cmdline = native.readCmdline();
  if (!cmdline || cmdline.length !== process.execArgv.length + process.argv.length) return command;
  return cmdline.slice(cmdline.length - command.length);
}
