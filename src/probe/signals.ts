// Signal names and numbers for the probe. The probe loads no libc, so the real-time range is
// glibc's (SIGRTMIN = 34: glibc keeps 32 and 33 for itself); musl's starts at 35.
import { type RealtimeRange, parseSignal, signalName } from '../core/signal-table.js';

export const PROBE_RT: RealtimeRange = { min: 34, max: 64 };

export const parseProbeSignal = (text: string): number | undefined => parseSignal(text, PROBE_RT);
export const signalNameOf = (signal: number): string => signalName(signal, PROBE_RT);
