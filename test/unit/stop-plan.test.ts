// The stop plan's arithmetic on a clock the test turns: no processes, no timers.
import { describe, expect, it } from 'vitest';
import { AFTER_KILL_MS, StopPlan, type StopSettings, deadlineReserves, whyDelayDoesNotFit } from '../../src/shutdown/stop-plan.js';

function plan(settings: Partial<StopSettings>, startAt = 1_000) {
  let clock = startAt;
  const p = new StopPlan({ delayMs: 0, stopTimeoutMs: null, graceMs: 5_000, deadlineMs: null, ...settings }, () => clock);
  return { p, at: (t: number) => { clock = t; } };
}

describe('deadlineReserves', () => {
  it('keeps 1 s for the killed to die and 0.5 s to exit, a tenth each of a short deadline', () => {
    expect(deadlineReserves(30_000)).toEqual({ afterKillMs: 1_000, exitMs: 500 });
    expect(deadlineReserves(10_000)).toEqual({ afterKillMs: 1_000, exitMs: 500 });
    expect(deadlineReserves(2_000)).toEqual({ afterKillMs: 200, exitMs: 200 });
  });
});

describe('whyDelayDoesNotFit', () => {
  it('accepts a delay that leaves the app time, refuses one that uses the deadline up', () => {
    expect(whyDelayDoesNotFit(5_000, 30_000)).toBeUndefined();
    expect(whyDelayDoesNotFit(8_400, 10_000)).toBeUndefined();
    expect(whyDelayDoesNotFit(8_500, 10_000)).toMatch(/no time to stop/);
    expect(whyDelayDoesNotFit(30_000, 10_000)).toMatch(/no time to stop/);
  });
});

describe('without a deadline', () => {
  it('forwards after the delay, kills after --stop-timeout, drains with the whole grace', () => {
    const { p, at } = plan({ delayMs: 2_000, stopTimeoutMs: 10_000 });
    expect(p.isStopping).toBe(false);
    p.begin();
    expect(p.isStopping).toBe(true);
    expect(p.exitBy).toBeNull();
    expect(p.forwardAt()).toBe(3_000);
    expect(p.killMain(3_000)).toEqual({ at: 13_000, reason: 'stop-timeout' });
    at(50_000);
    expect(p.drain()).toEqual({ graceMs: 5_000, afterKillMs: AFTER_KILL_MS, cut: false });
  });

  it('never kills the main child without --stop-timeout', () => {
    const { p } = plan({});
    p.begin();
    expect(p.killMain(1_000)).toBeNull();
  });

  it('counts from the first stop signal only', () => {
    const { p, at } = plan({ delayMs: 2_000 });
    p.begin();
    at(1_500);
    p.begin();
    expect(p.forwardAt()).toBe(3_000);
  });
});

describe('with --stop-deadline 10s', () => {
  // The stop signal at t=1000: exit by 10500 (0.5 s before the runtime's SIGKILL at 11000), the
  // last SIGKILL at 9500.
  it('places the exit and the last SIGKILL before the runtime\'s', () => {
    const { p } = plan({ deadlineMs: 10_000 });
    p.begin();
    expect(p.exitBy).toBe(10_500);
    expect(p.killBy).toBe(9_500);
  });

  it('kills a main child that ignores its signal at the last SIGKILL, when --stop-timeout is later or unset', () => {
    for (const stopTimeoutMs of [null, 60_000]) {
      const { p } = plan({ deadlineMs: 10_000, stopTimeoutMs });
      p.begin();
      expect(p.killMain(1_000)).toEqual({ at: 9_500, reason: 'stop-deadline' });
    }
  });

  it('keeps an earlier --stop-timeout', () => {
    const { p } = plan({ deadlineMs: 10_000, stopTimeoutMs: 3_000 });
    p.begin();
    expect(p.killMain(1_000)).toEqual({ at: 4_000, reason: 'stop-timeout' });
  });

  it('gives the drain what is left of the deadline, and cuts its grace when that is less', () => {
    const { p, at } = plan({ deadlineMs: 10_000, graceMs: 5_000 });
    p.begin();
    at(2_000); // the app stopped in 1 s: the whole grace fits
    expect(p.drain()).toEqual({ graceMs: 5_000, afterKillMs: AFTER_KILL_MS, cut: false });
    at(7_000); // 2.5 s left before the last SIGKILL, 3.5 s before the exit
    expect(p.drain()).toEqual({ graceMs: 2_500, afterKillMs: 1_000, cut: true });
    at(9_500); // killed at the deadline: SIGKILL at once, 1 s for it to work
    expect(p.drain()).toEqual({ graceMs: 0, afterKillMs: 1_000, cut: true });
    at(10_800); // already late (a loaded machine): nothing to wait for
    expect(p.drain()).toEqual({ graceMs: 0, afterKillMs: 0, cut: true });
  });

  it('cuts a delay that would run into the last SIGKILL', () => {
    const { p } = plan({ deadlineMs: 10_000, delayMs: 12_000 });
    p.begin();
    expect(p.forwardAt()).toBe(9_500);
  });

  it('keeps the delay, and counts --stop-timeout from the forwarding', () => {
    const { p } = plan({ deadlineMs: 30_000, delayMs: 5_000, stopTimeoutMs: 10_000 });
    p.begin();
    expect(p.forwardAt()).toBe(6_000);
    expect(p.killMain(6_000)).toEqual({ at: 16_000, reason: 'stop-timeout' });
  });
});
