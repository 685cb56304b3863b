// Guards what procinit borrows from Node's internals: if a Node release removes or changes the
// signal_wrap binding, this fails loudly instead of procinit silently missing real-time signals.
import { describe, expect, it } from 'vitest';
import { signalBinding, watchSignals } from '../../native/signals.js';
import { loadNative } from '../../native/index.js';

describe("Node's signal_wrap binding", () => {
  it('exists and takes a real-time signal', () => {
    const Signal = signalBinding();
    expect(typeof Signal).toBe('function');
    const watch = watchSignals([40], () => {});
    expect(watch.failed).toEqual([]);
    watch.close();
  });

  it('delivers a real-time signal sent to this process', async () => {
    const got = await new Promise<number>((resolve) => {
      const watch = watchSignals([41], (signal) => { watch.close(); resolve(signal); });
      watch.ref();
      process.kill(process.pid, 41);
    });
    expect(got).toBe(41);
  });

  it('refuses the uncatchable signals', () => {
    const watch = watchSignals([9, 19], () => {});
    expect(watch.failed).toEqual([9, 19]);
  });
});

describe('the C library through koffi', () => {
  it('loads and answers', () => {
    const native = loadNative();
    expect(native.getpid()).toBe(process.pid);
    expect(native.realtimeRange.min).toBeGreaterThanOrEqual(34);
    expect(native.realtimeRange.max).toBe(64);
    expect(native.kill(process.pid, 0)).toBe('sent');
    expect(native.kill(2 ** 22 + 1, 0)).toBe('gone');
  });
});
