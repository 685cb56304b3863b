// Issue 12, item 7: small things users see. The pretty log keeps each event's pid; `--help` names
// the probe and the exit codes; `probe --help` is wrapped evenly. Run through the built binary.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES, PROCINIT, PROCINIT_INIT, run, tempDir } from '../helpers/procs.js';
import { canRun, launch, recorder, signal } from '../helpers/inits.js';

describe.each(MODES)('procinit as %s', (mode) => {
  it.skipIf(!canRun(PROCINIT_INIT, mode, 'python3'))("--log-format pretty keeps the event's pid", async () => {
    const rec = recorder(join(tempDir(), 'signals'));
    const started = launch(PROCINIT_INIT, mode, ['--log-format', 'pretty', '-vv'], rec.argv);
    // The pid the child has in procinit's namespace: what procinit's spawn and reap records hold.
    const childPid = Number(await rec.ready());
    signal(await started.initPid(), 'SIGTERM');
    const { code, stderr } = await started.done;
    expect(code).toBe(0);
    expect(stderr).toMatch(new RegExp(`started the child pid=${childPid} \\{.*"event":"spawn"`));
    expect(stderr).toMatch(new RegExp(`the main child ended pid=${childPid} \\{.*"event":"reap"`));
    // Not in the place pino-pretty keeps for the logger's own pid.
    expect(stderr).not.toMatch(/\(procinit\/\d+\)/);
  });
});

describe('help', () => {
  it('procinit --help names the probe and the exit codes', async () => {
    const { code, stdout } = await run([PROCINIT, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/procinit probe \[options\] -- <command>/);
    expect(stdout).toMatch(/Exit codes:/);
    for (const line of stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
  });

  it('procinit probe --help wraps each paragraph of its description evenly', async () => {
    const { code, stdout } = await run([PROCINIT, 'probe', '--help']);
    expect(code).toBe(0);
    const paragraphs = stdout.split('\n\n').slice(1, 4);
    for (const paragraph of paragraphs) {
      const lines = paragraph.split('\n');
      for (const line of lines.slice(0, -1)) expect(line.length, paragraph).toBeGreaterThan(65);
    }
    expect(paragraphs.join(' ')).toMatch(/^Runs <command> twice/);
  });
});
