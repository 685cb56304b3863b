// Guards what procinit borrows from Node: process.on for named signals, and Node's own signal_wrap
// binding for the real-time ones. If a Node release removes the binding, the real-time test fails
// loudly here (vitest runs without --expose-internals on 24+, so it checks the warning path there).
import { describe, expect, it } from 'vitest';
import { realtimeSupport, watchNamedSignals, watchRealtimeSignals } from '../../native/signals.js';
import { loadNative } from '../../native/index.js';

const major = Number(process.versions.node.split('.')[0]);

describe('signals through process.on', () => {
  it('delivers a named signal sent to this process, by number', async () => {
    const got = await new Promise<number>((resolve) => {
      const watch = watchNamedSignals([12], (signal) => { watch.close(); resolve(signal); });
      process.kill(process.pid, 'SIGUSR2');
    });
    expect(got).toBe(12);
  });

  it('refuses the uncatchable signals and numbers without a name', () => {
    const watch = watchNamedSignals([9, 19, 40], () => {});
    expect(watch.failed).toEqual([9, 19, 40]);
    watch.close();
  });
});

describe("real-time signals through Node's signal_wrap", () => {
  it('is found through process.binding up to Node 22, and explains itself where it is not', () => {
    const support = realtimeSupport();
    if (major <= 22) expect(support).toMatchObject({ ok: true, via: 'process.binding' });
    else if (process.execArgv.includes('--expose-internals')) expect(support).toMatchObject({ ok: true, via: 'internalBinding' });
    else expect(support).toMatchObject({ ok: false, why: expect.stringContaining('--expose-internals') });
  });

  it('delivers a real-time signal sent to this process when the binding is there', async () => {
    if (!realtimeSupport().ok) {
      expect(watchRealtimeSignals([41], () => {}).failed).toEqual([41]);
      return;
    }
    const got = await new Promise<number>((resolve) => {
      const watch = watchRealtimeSignals([41], (signal) => { watch.close(); resolve(signal); });
      process.kill(process.pid, 41);
    });
    expect(got).toBe(41);
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
