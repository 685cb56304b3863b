// Names and numbers of Linux signals, and which ones the init forwards.
import { constants } from 'node:os';

export interface RealtimeRange { min: number; max: number }

const NUMBERS: Record<string, number> = constants.signals as Record<string, number>;
const NAMES = new Map<number, string>();
for (const [name, number] of Object.entries(NUMBERS)) {
  // SIGIOT and SIGPOLL are aliases; keep the first, canonical name.
  if (!NAMES.has(number)) NAMES.set(number, name);
}

export const SIG = {
  HUP: 1, INT: 2, QUIT: 3, TRAP: 5, ABRT: 6, KILL: 9, USR1: 10, PIPE: 13, TERM: 15, CHLD: 17, CONT: 18,
  STOP: 19, TTIN: 21, TTOU: 22, XFSZ: 25, WINCH: 28, SYS: 31,
} as const;

/**
 * Raised by the kernel when procinit itself faults. A handler that returns goes back to the
 * faulting instruction and faults again, forever, in whichever thread it was: PID 1 would spin
 * instead of dying. So these are never caught: as PID 1 a `kill -SEGV` from outside is dropped
 * by the kernel, as a subreaper it kills procinit, as it kills tini (dumb-init forwards them).
 */
const FAULTS: readonly number[] = [4, 7, 8, 11]; // SIGILL, SIGBUS, SIGFPE, SIGSEGV
/**
 * Signals procinit may raise at itself: SIGPIPE and SIGXFSZ from a write to a broken or full log,
 * SIGTTOU from a log line written to a terminal whose foreground the child holds (with `stty
 * tostop`; SIGTTIN likewise from a read), SIGABRT, SIGTRAP and SIGSYS from its own crash. Others
 * send them on purpose (`docker kill -s ABRT` to dump an app's stacks), so they are caught, and
 * blocked in the main thread first: the kernel raises them at the thread that wrote or crashed,
 * where they stay pending and unseen (a crash still kills: the kernel unblocks a fault it forces;
 * a terminal lets a thread that blocks SIGTTOU write, where a caught one would make the write
 * restart and raise it again, forever), while a signal sent to the process goes to one of Node's
 * other threads, whose handler queues it for the main loop.
 */
export const SELF_RAISED: readonly number[] = [SIG.TRAP, SIG.ABRT, SIG.PIPE, SIG.TTIN, SIG.TTOU, SIG.XFSZ, SIG.SYS];
/**
 * Caught but, as tini ignores them, not forwarded unless a `--rewrite` names them: they concern
 * the init's own terminal access, and dumb-init turns them into SIGSTOP.
 */
export const DROPPED_UNLESS_REWRITTEN: ReadonlySet<number> = new Set([SIG.TTIN, SIG.TTOU]);
/** SIGCHLD drives reaping. */
const NEVER_FORWARDED = new Set<number>([SIG.KILL, SIG.STOP, SIG.CHLD, ...DROPPED_UNLESS_REWRITTEN, ...FAULTS]);

/** Signals that end a container: one of these before the child starts means do not start it. */
export const STOP_SIGNALS: ReadonlySet<number> = new Set([SIG.HUP, SIG.INT, SIG.QUIT, SIG.TERM]);

/** The named signals (1..31) the init forwards, SELF_RAISED among them. Needs no libc. */
export function forwardedNamedSignals(): number[] {
  return [...NAMES.keys()].filter((n) => n < 32 && !NEVER_FORWARDED.has(n)).sort((a, b) => a - b);
}

/**
 * Why receiving `signal` can never make procinit do anything, as a sentence naming it (a rewrite
 * of it would be a setting that silently does nothing); undefined when it can.
 */
export function whyNeverReceived(signal: number): string | undefined {
  const name = NAMES.get(signal);
  if (signal === SIG.KILL || signal === SIG.STOP) return `${name} cannot be caught`;
  if (signal === SIG.CHLD) return 'procinit keeps SIGCHLD for reaping (the kernel sends it whenever a child ends)';
  if (FAULTS.includes(signal)) {
    return `procinit does not catch ${name} (after a real fault, a handler that returns faults again, forever)`;
  }
  return undefined;
}

/**
 * Why `-p SIGNAL` would not do what it says, or undefined. SIGKILL is allowed: it is tini's own
 * example, and ends procinit with its parent (as PID 1, the whole namespace with it).
 */
export function whyNotParentDeathSignal(signal: number): string | undefined {
  if (signal === SIG.KILL) return undefined;
  const never = whyNeverReceived(signal);
  if (signal === SIG.STOP) return `${never}: the parent's death would stop procinit, and the child would go unsupervised`;
  if (FAULTS.includes(signal)) return `${never}: the parent's death would kill procinit and orphan the child`;
  if (never) return `${never}: the parent's death would do nothing`;
  if (DROPPED_UNLESS_REWRITTEN.has(signal)) {
    return `procinit does not forward ${NAMES.get(signal)} (as tini ignores it): the parent's death would do nothing`;
  }
  return undefined;
}

export function forwardedRealtimeSignals(rt: RealtimeRange): number[] {
  const out: number[] = [];
  for (let n = rt.min; n <= rt.max; n++) out.push(n);
  return out;
}

export function signalName(signal: number, rt: RealtimeRange): string {
  const named = NAMES.get(signal);
  if (named) return named;
  if (signal >= rt.min && signal <= rt.max) {
    const fromMin = signal - rt.min;
    const fromMax = rt.max - signal;
    if (fromMin === 0) return 'SIGRTMIN';
    if (fromMax === 0) return 'SIGRTMAX';
    return fromMin <= fromMax ? `SIGRTMIN+${fromMin}` : `SIGRTMAX-${fromMax}`;
  }
  return `signal ${signal}`;
}

/**
 * Parses `TERM`, `SIGTERM`, `term`, `15`, `RTMIN+2`, `SIGRTMAX-1`. `allowZero` accepts 0
 * (meaning "no signal", as in a rewrite to drop). Returns undefined for anything else.
 */
export function parseSignal(text: string, rt: RealtimeRange, allowZero = false): number | undefined {
  // ASCII only: toUpperCase() would read the long s of "ſIGTERM" as S and a dotless ı as I.
  if (!/^[ \t]*[A-Za-z0-9+-]+[ \t]*$/.test(text)) return undefined;
  const trimmed = text.trim().toUpperCase();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    if (n === 0) return allowZero ? 0 : undefined;
    return n < 32 ? (NAMES.has(n) ? n : undefined) : n >= rt.min && n <= rt.max ? n : undefined;
  }
  const name = trimmed.startsWith('SIG') ? trimmed : `SIG${trimmed}`;
  if (name in NUMBERS) return NUMBERS[name];
  const rtMatch = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rtMatch) return undefined;
  const base = rtMatch[1] === 'MIN' ? rt.min : rt.max;
  const offset = rtMatch[3] ? Number(rtMatch[3]) * (rtMatch[2] === '+' ? 1 : -1) : 0;
  const n = base + offset;
  return n >= rt.min && n <= rt.max ? n : undefined;
}
