// How procinit takes signals once libc is loaded (the named ones are watched since the first
// module, src/launch/early-signals.ts): the real-time ones, and the main thread's mask.
import { watchNamedSignals, watchRealtimeSignals } from '../../native/index.js';
import type { Native } from '../../native/api.js';
import { type RealtimeRange, SELF_RAISED, SIG, forwardedRealtimeSignals } from '../core/signal-table.js';
import type { SignalInbox } from './early-signals.js';

/**
 * Real-time signals are handled in Node's other threads, never the main one. They queue, up to the
 * user's pending-signals limit (about 96,000 here), and the kernel hands a thread every queued one,
 * each before it may run a line of its own, at a few thousand a second once the queue is long: a
 * storm would keep the main thread from reaping for minutes. With --single-threaded no work of
 * V8's waits on those threads; libuv's handler, in whichever thread, queues each signal for the
 * main loop. SELF_RAISED is blocked in the main thread for its own sake (signal-table.ts) before
 * it is caught. Node blocks SIGUSR1 in every thread under --disable-sigusr1, and unblocks it only
 * for its inspector's handler, so the main thread takes it. Returns how many signals libuv can
 * now queue before it drops any.
 */
export function takeSignals(native: Native, inbox: SignalInbox, rt: RealtimeRange): number {
  const realtime = forwardedRealtimeSignals(rt);
  watchRealtimeSignals(realtime, inbox.deliver);
  const masked = native.maskInThisThread([...SELF_RAISED, ...realtime], [SIG.USR1]);
  if (masked === 0) watchNamedSignals([...SELF_RAISED], inbox.deliver);
  return native.enlargeSignalQueue();
}
