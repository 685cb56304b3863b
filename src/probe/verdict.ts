// The verdict and its one-line explanation, from the two trials' measurements alone: pure, so
// every wording is unit-tested. pass: under procinit the app stopped within --timeout with exit
// code 0 or 128+signal. The explanation names the most important problem first, then notes.
import type { TrialResult } from './types.js';

export interface ProbeFacts {
  command: string[];
  /** The signal sent, by name (SIGTERM) and number. */
  signal: string;
  signalNumber: number;
  afterMs: number;
  timeoutMs: number;
  withoutInit: TrialResult;
  withProcinit: TrialResult;
}

export interface Verdict {
  verdict: 'pass' | 'fail';
  reason: string;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh', 'yash', 'busybox']);

/** Docker's shell form: `/bin/sh -c "..."` (or bash -c, -ec, -xc ...). */
export function isShellForm(command: string[]): boolean {
  const program = command[0]?.split('/').pop() ?? '';
  if (!SHELLS.has(program)) return false;
  const args = program === 'busybox' ? command.slice(2) : command.slice(1);
  if (program === 'busybox' && !SHELLS.has(command[1] ?? '')) return false;
  for (const arg of args) {
    if (!arg.startsWith('-') || arg === '-' || arg === '--') return false;
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(arg)) return true;
  }
  return false;
}

export const isShellName = (comm: string | null): boolean => comm !== null && SHELLS.has(comm);

/** 120 ms, 2.5 s, 10 s. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : word.endsWith('s') ? 'es' : 's'}`;
}

function processList(trial: TrialResult): string {
  const names = [...new Set(trial.leftoverCommands)];
  return `${plural(trial.leftovers, 'process')} (${names.join(', ')})`;
}

function acceptable(trial: TrialResult, signalNumber: number): boolean {
  return trial.exitCode === 0 || trial.exitCode === 128 + signalNumber;
}

function ending(trial: TrialResult): string {
  return trial.signal !== null ? `killed by ${trial.signal}` : `exit code ${trial.exitCode}`;
}

export function judge(facts: ProbeFacts): Verdict {
  const { withoutInit: bare, withProcinit: under, signal, signalNumber, timeoutMs, afterMs } = facts;
  const fail = (reason: string): Verdict => ({ verdict: 'fail', reason });

  const early = under.exitedBeforeSignal ? under : bare.exitedBeforeSignal ? bare : null;
  if (early) {
    const where = under.exitedBeforeSignal && bare.exitedBeforeSignal ? ''
      : early === under ? 'under procinit ' : 'as PID 1 without an init ';
    return fail(`${where}your command ended by itself (${ending(early)}) before the probe sent ${signal} `
      + `at --after ${formatMs(afterMs)}: probe a program that runs until it is stopped (a server, a worker), `
      + 'or give it a shorter --after');
  }

  if (under.killed) {
    const who = isShellName(under.main) ? `${under.main} (your shell form)` : 'your app';
    const asPid1 = bare.stopped ? `; as PID 1 without an init it stopped in ${formatMs(bare.ms!)}` : '';
    return fail(`${who} ignored ${signal} even under procinit: it still ran ${formatMs(timeoutMs)} after the `
      + `signal and was SIGKILLed, as docker stop would do; handle ${signal} in the app: stop taking work, `
      + `finish, exit${asPid1}`);
  }

  if (!acceptable(under, signalNumber)) {
    if (under.signal !== null) {
      return fail(`procinit itself was ${ending(under)} after ${signal}: that is a bug in procinit, please report it`);
    }
    return fail(`under procinit your app stopped in ${formatMs(under.ms!)} but with exit code ${under.exitCode}: `
      + `on ${signal}, exit 0 after a clean shutdown (or ${128 + signalNumber}, a death by ${signal}); `
      + 'any other code reads as a crash');
  }

  const underMs = formatMs(under.ms!);
  let headline: string;
  if (bare.killed) {
    if (isShellName(bare.pid1)) {
      const shell = isShellForm(facts.command) ? `${bare.pid1} -c` : bare.pid1!;
      headline = `${shell} is PID 1 and does not forward ${signal}: use exec form (CMD ["app", "arg"]) or `
        + `\`exec app\` in the script, or procinit; under procinit it stopped in ${underMs}`;
    } else {
      headline = `as PID 1 without an init your app ignored ${signal}: docker stop would wait `
        + `${formatMs(timeoutMs)} and SIGKILL it; under procinit it stopped in ${underMs}`;
    }
  } else if (!acceptable(bare, signalNumber)) {
    headline = `as PID 1 without an init your app ended with ${ending(bare)} on ${signal}; `
      + `under procinit it stopped cleanly in ${underMs}`;
  } else {
    headline = `your app stops on ${signal}: in ${formatMs(bare.ms!)} as PID 1 without an init, `
      + `in ${underMs} under procinit`;
  }

  const notes: string[] = [];
  if (bare.zombies > 0) {
    notes.push(`as PID 1 it left ${plural(bare.zombies, 'zombie')} (it does not reap orphans): run it under procinit`);
  }
  if (under.zombies > 0) {
    notes.push(`${plural(under.zombies, 'zombie')} under procinit: your app does not wait for its own child processes`);
  }
  if (under.leftovers > 0) {
    if (isShellName(under.main)) {
      notes.push(`under procinit, ${under.main} ended at once on ${signal} while ${processList(under)} still ran: `
        + `with exec form your app gets ${signal} itself`);
    } else {
      notes.push(`${processList(under)} still ran when your app ended: on ${signal}, stop your child processes `
        + 'and wait for them, or they are killed mid-work');
    }
  } else if (bare.leftovers > 0 && bare.stopped) {
    notes.push(`as PID 1, ${processList(bare)} still ran when your app ended and the kernel SIGKILLed them: `
      + `on ${signal}, stop your child processes and wait for them`);
  }
  return { verdict: 'pass', reason: [headline, ...notes].join('; ') };
}
