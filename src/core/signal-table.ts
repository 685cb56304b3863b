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
  HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, TERM: 15, CHLD: 17, CONT: 18, STOP: 19,
  TTIN: 21, TTOU: 22, WINCH: 28,
} as const;

/** Raised by the kernel for the init's own faults: forwarding them would hide a crash. */
const OWN_FAULTS = ['SIGFPE', 'SIGILL', 'SIGSEGV', 'SIGBUS', 'SIGABRT', 'SIGTRAP', 'SIGSYS'];
/** SIGCHLD drives reaping; SIGTTIN/SIGTTOU concern the init's own terminal access. */
const NEVER_FORWARDED = new Set<number>([
  SIG.KILL, SIG.STOP, SIG.CHLD, SIG.TTIN, SIG.TTOU, ...OWN_FAULTS.map((n) => NUMBERS[n]!),
]);

/** Signals that end a container: one of these before the child starts means do not start it. */
export const STOP_SIGNALS: ReadonlySet<number> = new Set([SIG.HUP, SIG.INT, SIG.QUIT, SIG.TERM]);

/** The named signals (1..31) the init forwards. Needs no libc, so it can run first thing. */
export function forwardedNamedSignals(): number[] {
  return [...NAMES.keys()].filter((n) => n < 32 && !NEVER_FORWARDED.has(n)).sort((a, b) => a - b);
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
