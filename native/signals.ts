// Signal reception through the binding Node's own process.on('SIG...') uses. process.on knows
// only named signals; the binding also takes the real-time ones (SIGRTMIN..SIGRTMAX). A listener
// on SIGUSR1 also replaces the handler that would start Node's inspector on port 9229.
import type { SignalWatch } from './api.js';

interface SignalHandle {
  onsignal: (signal: number) => void;
  start(signal: number): number;
  close(): void;
  ref(): void;
  unref(): void;
}

type SignalConstructor = new () => SignalHandle;

let SignalClass: SignalConstructor | undefined;

/** Throws if a Node release removed the binding; a test guards this. */
export function signalBinding(): SignalConstructor {
  if (SignalClass) return SignalClass;
  const quiet = process.noDeprecation;
  // process.binding() warns (DEP0111) on every call; the warning would reach the user's logs.
  process.noDeprecation = true;
  try {
    const binding = (process as unknown as { binding(name: string): { Signal?: SignalConstructor } })
      .binding('signal_wrap');
    if (typeof binding.Signal !== 'function') throw new Error('signal_wrap has no Signal class');
    SignalClass = binding.Signal;
    return SignalClass;
  } finally {
    process.noDeprecation = quiet;
  }
}

/**
 * Starts one handle per signal. Handles start unref'd: catching a signal is no reason to stay
 * alive. Signals the kernel refuses (SIGKILL, SIGSTOP, libc-reserved ones) are returned as failed.
 */
export function watchSignals(signals: number[], onSignal: (signal: number) => void):
  SignalWatch & { failed: number[] } {
  const Signal = signalBinding();
  const handles: SignalHandle[] = [];
  const failed: number[] = [];
  for (const signal of signals) {
    const handle = new Signal();
    handle.onsignal = onSignal;
    if (handle.start(signal) !== 0) {
      handle.close();
      failed.push(signal);
      continue;
    }
    handle.unref();
    handles.push(handle);
  }
  return {
    failed,
    ref: () => handles.forEach((h) => h.ref()),
    unref: () => handles.forEach((h) => h.unref()),
    close: () => handles.forEach((h) => h.close()),
  };
}
