// procinit probe on what happens below the app: zombies it never reaps as PID 1, a helper that
// outlives it, a wrong exit code, and a command that does not wait to be stopped.
import { describe, expect, it } from 'vitest';
import { FAST, canProbe, fixture, probeJson } from './probe-helpers.js';

describe.skipIf(!canProbe())('procinit probe: the process tree', () => {
  it('counts the zombies an app leaves as PID 1, and none under procinit', async () => {
    const { code, report } = await probeJson([...FAST, '--', 'node', fixture('zombies.js'), '3']);
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
    expect(report.withoutInit).toMatchObject({ stopped: true, exitCode: 0, zombies: 3, leftovers: 0 });
    expect(report.withProcinit).toMatchObject({ stopped: true, exitCode: 0, zombies: 0, leftovers: 0 });
    expect(report.reason).toMatch(/^your app stops on SIGTERM: .*; as PID 1 it left 3 zombies \(it does not reap orphans\): run it under procinit$/);
  });

  it('counts a helper still running when the app ends, in both trials', async () => {
    const { code, report } = await probeJson([...FAST, '--', 'node', fixture('leftover.js')]);
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
    for (const trial of [report.withoutInit, report.withProcinit]) {
      expect(trial).toMatchObject({ stopped: true, exitCode: 0, zombies: 0, leftovers: 1, leftoverCommands: ['sleep'] });
    }
    expect(report.reason).toContain('; 1 process (sleep) still ran when your app ended: on SIGTERM, stop your child processes and wait for them');
  });

  it('fails an app that stops with exit code 1', async () => {
    const { code, report } = await probeJson([...FAST, '--', 'node', fixture('bad-exit.js')]);
    expect(report.verdict).toBe('fail');
    expect(code).toBe(1);
    expect(report.withoutInit).toMatchObject({ stopped: true, exitCode: 1 });
    expect(report.withProcinit).toMatchObject({ stopped: true, exitCode: 1 });
    expect(report.reason).toMatch(/^under procinit your app stopped in \d+ ms but with exit code 1: on SIGTERM, exit 0 after a clean shutdown \(or 143/);
  });

  it('fails a command that ends before the signal, with its exit code', async () => {
    const { code, report } = await probeJson(['--after', '300ms', '--timeout', '2s', '--', 'sh', '-c', 'exit 3']);
    expect(report.verdict).toBe('fail');
    expect(code).toBe(1);
    for (const trial of [report.withoutInit, report.withProcinit]) {
      expect(trial).toMatchObject({ exitedBeforeSignal: true, stopped: false, ms: null, exitCode: 3 });
    }
    expect(report.reason).toMatch(/^your command ended by itself \(exit code 3\) before the probe sent SIGTERM at --after 300 ms/);
  });

  it('sends the signal --signal names; 128+N counts as a clean stop', async () => {
    const { code, report } = await probeJson(['--signal', 'INT', ...FAST, '--', 'node', fixture('no-handler.js')]);
    expect(report.signal).toBe('SIGINT');
    expect(report.withProcinit).toMatchObject({ stopped: true, exitCode: 130 });
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
  });
});
