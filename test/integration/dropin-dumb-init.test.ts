// Issue 12, item 5: dumb-init's users. Each row of the README's "Migrating from dumb-init" mapping
// is run under the real dumb-init and under procinit with the mapped settings, as PID 1 and as
// subreaper (dumb-init has no subreaper mode: there it is simply not PID 1).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DUMB_INIT_INIT, type Init, MODES, PROCINIT_INIT, tempDir } from '../helpers/procs.js';
import { RECORDER, canRun, launch, recorder, signal } from '../helpers/inits.js';
import { signalsReachGroup } from '../helpers/dropin.js';

const INITS: Init[] = [DUMB_INIT_INIT, PROCINIT_INIT];
const CASES = INITS.flatMap((init) => MODES.map((mode) => [`${init.name} as ${mode}`, init, mode] as const));

/** [what, dumb-init's options, procinit's options, environment, signals reach the whole group] */
const GROUP_MAPPING: [string, string[], string[], Record<string, string>, boolean][] = [
  ["dumb-init's default is procinit's -g", [], ['-g'], {}, true],
  ["procinit's default is dumb-init's -c", ['-c'], [], {}, false],
  ['-c means the same to both', ['-c'], ['-c'], {}, false],
  ['--single-child means the same to both', ['--single-child'], ['--single-child'], {}, false],
  ['DUMB_INIT_SETSID=0 means the child alone to both', [], [], { DUMB_INIT_SETSID: '0' }, false],
  ['DUMB_INIT_SETSID=1 means the whole group to both', [], [], { DUMB_INIT_SETSID: '1' }, true],
];

describe.each(CASES)('%s', (_name, init, mode) => {
  const ofThisInit = (dumb: string[], procinit: string[]) => (init === DUMB_INIT_INIT ? dumb : procinit);

  it.skipIf(!canRun(init, mode, 'python3')).each(GROUP_MAPPING)('%s', async (_what, dumb, procinit, env, group) => {
    const environment = { ...process.env, ...env };
    if (!('DUMB_INIT_SETSID' in env)) delete environment.DUMB_INIT_SETSID;
    expect(await signalsReachGroup(init, mode, ofThisInit(dumb, procinit), environment)).toBe(group);
  });

  it.skipIf(!canRun(init, mode, 'python3'))("-r 12:1, dumb-init's numeric form, rewrites SIGUSR2 to SIGHUP", async () => {
    const rec = recorder(join(tempDir(), 'signals'));
    const run = launch(init, mode, ['-r', '12:1'], rec.argv);
    await rec.ready();
    const pid = await run.initPid();
    signal(pid, 'SIGUSR2');
    await rec.waitForCount(1, 'the rewritten SIGUSR2 to reach the child');
    signal(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
    expect(rec.signals()).toEqual([1, 15]);
  });

  // dumb-init sends SIGTERM to the child's group when the child ends, and exits at once; as PID 1
  // the kernel then SIGKILLs the rest, maybe before it could act on the SIGTERM, so only
  // procinit's drain, which waits for them, is held to it there.
  const waitsForTheRest = init === PROCINIT_INIT || mode === 'subreaper';
  it.skipIf(!canRun(init, mode, 'python3'))(
    `when the child ends, the rest of its group gets SIGTERM${waitsForTheRest ? '' : ' (not waited for)'}`, async () => {
      const sibling = recorder(join(tempDir(), 'sibling'));
      const run = launch(init, mode, [],
        ['sh', '-c', `python3 ${RECORDER} ${sibling.file} & until [ -e ${sibling.file}.ready ]; do sleep 0.01; done; exit 3`]);
      const result = await run.done;
      expect(result.code).toBe(3);
      if (waitsForTheRest) {
        await sibling.waitForCount(1, 'the SIGTERM to reach the rest of the group');
        expect(sibling.signals()).toEqual([15]);
      }
    });
});
