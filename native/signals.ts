// Signal reception. Named signals (SIGCHLD among them) come through process.on, Node's public API.
// Real-time signals (SIGRTMIN..SIGRTMAX) have no name in Node, so only Node's own signal_wrap
// binding can catch them: process.binding() had it up to Node 22; from Node 24 only
// internalBinding has it, reached under --expose-internals (bin/procinit passes the flag). Which
// of the two this Node offers is found at start-up; with neither, procinit runs without
// real-time signals and says so once, instead of crashing.
import { constants } from 'node:os';
import type { SignalWatch } from './api.js';

interface SignalHandle {
  onsignal: (signal: number) => void;
  start(signal: number): number;
  close(): void;
  unref(): void;
}
type SignalConstructor = new () => SignalHandle;

export type RealtimeSupport =
  | { ok: true; via: 'process.binding' | 'internalBinding'; Signal: SignalConstructor }
  | { ok: false; why: string };

const NAME_OF = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(constants.signals)) {
  if (!NAME_OF.has(number)) NAME_OF.set(number, name as NodeJS.Signals);
}

/** Runs `load` with Node's warnings (DEP0111, the internal-binding notice) kept off the user's logs. */
function withoutWarnings<T>(load: () => T): T {
  const emitWarning = process.emitWarning;
  const quiet = process.noDeprecation;
  process.emitWarning = () => {};
  process.noDeprecation = true;
  try {
    return load();
  } finally {
    process.emitWarning = emitWarning;
    process.noDeprecation = quiet;
  }
}

function fromProcessBinding(): SignalConstructor | undefined {
  try {
    const binding = withoutWarnings(() => (process as unknown as { binding(name: string): { Signal?: unknown } })
      .binding('signal_wrap'));
    return typeof binding.Signal === 'function' ? binding.Signal as SignalConstructor : undefined;
  } catch {
    return undefined;
  }
}

function fromInternalBinding(): SignalConstructor | undefined {
  if (!process.execArgv.includes('--expose-internals')) return undefined;
  try {
    const { internalBinding } = withoutWarnings(() => require('internal/test/binding') as
      { internalBinding(name: string): { Signal?: unknown } });
    const binding = internalBinding('signal_wrap');
    return typeof binding.Signal === 'function' ? binding.Signal as SignalConstructor : undefined;
  } catch {
    return undefined;
  }
}

let realtime: RealtimeSupport | undefined;

/** How this Node lets procinit catch real-time signals, found once. */
export function realtimeSupport(): RealtimeSupport {
  if (realtime) return realtime;
  const viaInternal = fromInternalBinding();
  const viaProcess = viaInternal ? undefined : fromProcessBinding();
  if (viaInternal) realtime = { ok: true, via: 'internalBinding', Signal: viaInternal };
  else if (viaProcess) realtime = { ok: true, via: 'process.binding', Signal: viaProcess };
  else {
    realtime = {
      ok: false,
      why: `Node ${process.version} offers no signal_wrap binding to this process `
        + '(start procinit through bin/procinit, or run node with --expose-internals)',
    };
  }
  return realtime;
}

/**
 * Keeps Node alive while the init has work: signal listeners alone do not. A timer of the longest
 * period Node allows wakes procinit once in 24.8 days, which is never in practice.
 */
export function keepAlive(): { stop(): void } {
  const timer = setInterval(() => {}, 2 ** 31 - 1);
  return { stop: () => clearInterval(timer) };
}

/** Named signals through process.on. Signals the kernel or Node refuses are returned as failed. */
export function watchNamedSignals(signals: number[], onSignal: (signal: number) => void): SignalWatch {
  const failed: number[] = [];
  const listeners: Array<[NodeJS.Signals, () => void]> = [];
  for (const signal of signals) {
    const name = NAME_OF.get(signal);
    if (!name) {
      failed.push(signal);
      continue;
    }
    const listener = () => onSignal(signal);
    try {
      process.on(name, listener);
      listeners.push([name, listener]);
    } catch {
      failed.push(signal);
    }
  }
  return { failed, close: () => { for (const [name, listener] of listeners) process.off(name, listener); } };
}

/** Real-time (or any numbered) signals through signal_wrap; `failed` holds them all without it. */
export function watchRealtimeSignals(signals: number[], onSignal: (signal: number) => void): SignalWatch {
  const support = realtimeSupport();
  if (!support.ok) return { failed: [...signals], close() {} };
  const handles: SignalHandle[] = [];
  const failed: number[] = [];
  for (const signal of signals) {
    const handle = new support.Signal();
    handle.onsignal = onSignal;
    if (handle.start(signal) !== 0) {
      handle.close();
      failed.push(signal);
      continue;
    }
    // Catching a signal is no reason to stay alive: keepAlive() decides that.
    handle.unref();
    handles.push(handle);
  }
  return { failed, close: () => { for (const handle of handles) handle.close(); } };
}
