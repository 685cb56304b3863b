// procinit probe on the apps it exists for: one that stops properly, one with no SIGTERM handler
// (hangs as PID 1), one that ignores SIGTERM (hangs everywhere), and shell form (sh -c as PID 1).
import { describe, expect, it } from 'vitest';
import { FAST, canProbe, fixture, probeJson } from './probe-helpers.js';

describe.skipIf(!canProbe())('procinit probe: verdicts', () => {
  it('passes an app that handles SIGTERM: both stop quickly with code 0', async () => {
    const { code, report, stderr } = await probeJson([...FAST, '--', 'node', fixture('handles-term.js')]);
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
    expect(report.reason).toMatch(/^your app stops on SIGTERM: in \d+ ms as PID 1 without an init, in \d+ ms under procinit$/);
    for (const trial of [report.withoutInit, report.withProcinit]) {
      expect(trial).toMatchObject({ stopped: true, killed: false, exitCode: 0, signal: null, zombies: 0, leftovers: 0, exitedBeforeSignal: false });
      expect(trial.ms).toBeLessThan(1500);
    }
    expect(report.withoutInit).toMatchObject({ pid1: 'node', main: 'node' });
    expect(report.withProcinit).toMatchObject({ pid1: 'procinit', main: 'node' });
    expect(report).toMatchObject({ signal: 'SIGTERM', afterMs: 1000, timeoutMs: 2000 });
    // The app's output reached stderr, framed by trial; both trials got the signal.
    expect(stderr).toContain('[withoutInit] SIGTERM: shutting down');
    expect(stderr).toContain('[withProcinit] SIGTERM: shutting down');
  });

  it('passes an app with no handler, explaining that as PID 1 the kernel drops SIGTERM', async () => {
    const { code, report } = await probeJson([...FAST, '--', 'node', fixture('no-handler.js')]);
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
    expect(report.withoutInit).toMatchObject({ stopped: false, killed: true, exitCode: null, signal: 'SIGKILL', pid1: 'node' });
    expect(report.withoutInit.ms).toBeGreaterThanOrEqual(2000);
    expect(report.withProcinit).toMatchObject({ stopped: true, killed: false, exitCode: 143, signal: null, leftovers: 0 });
    expect(report.reason).toMatch(/^as PID 1 without an init your app ignored SIGTERM: docker stop would wait 2 s and SIGKILL it; under procinit it stopped in \d+ ms$/);
  });

  it('fails an app that ignores SIGTERM: killed at the timeout in both trials', async () => {
    const { code, report, stderr } = await probeJson([...FAST, '--', 'node', fixture('ignores-term.js')]);
    expect(report.verdict).toBe('fail');
    expect(code).toBe(1);
    for (const trial of [report.withoutInit, report.withProcinit]) {
      expect(trial).toMatchObject({ stopped: false, killed: true, exitCode: null, signal: 'SIGKILL' });
    }
    expect(report.reason).toMatch(/^your app ignored SIGTERM even under procinit: it still ran 2 s after the signal and was SIGKILLed/);
    expect(stderr).toContain('[withProcinit] SIGTERM: ignored');
  });

  it('names sh -c as PID 1: it neither forwards SIGTERM nor stops; under procinit the app is reached', async () => {
    const command = ['sh', '-c', `node ${fixture('handles-term.js')}; echo app exited`];
    const { code, report, stderr } = await probeJson([...FAST, '--', ...command]);
    expect(report.verdict, report.reason).toBe('pass');
    expect(code).toBe(0);
    expect(report.command).toEqual(command);
    // Without an init: sh is PID 1, has no SIGTERM handler, so the kernel drops the signal; the
    // app under it never hears it, and is still running when the probe kills the namespace.
    expect(report.withoutInit).toMatchObject({
      stopped: false, killed: true, signal: 'SIGKILL', pid1: 'sh', main: 'sh', leftovers: 1, leftoverCommands: ['node'],
    });
    // Under procinit: sh (procinit's child) dies of the forwarded SIGTERM at once, with the app
    // still running; procinit's drain then sends the app SIGTERM, and it shuts down.
    expect(report.withProcinit).toMatchObject({ stopped: true, killed: false, exitCode: 143, main: 'sh', leftovers: 1, leftoverCommands: ['node'] });
    expect(report.reason).toMatch(/^sh -c is PID 1 and does not forward SIGTERM: use exec form .*, or procinit; under procinit it stopped in \d+ ms; /);
    expect(report.reason).toContain('under procinit, sh ended at once on SIGTERM while 1 process (node) still ran');
    expect(stderr).not.toContain('[withoutInit] SIGTERM: shutting down');
    expect(stderr).toContain('[withProcinit] SIGTERM: shutting down');
  });
});
