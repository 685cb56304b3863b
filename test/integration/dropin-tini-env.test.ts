// Issue 12, item 4: every TINI_* variable means to procinit what it means to tini, so an image that
// swaps tini for procinit keeps its environment. tini reads three (src/tini.c, parse_env):
// TINI_SUBREAPER and TINI_KILL_PROCESS_GROUP are on when set at all, whatever the value;
// TINI_VERBOSITY goes through atoi() into an unsigned int, after the flags, so it replaces -v.
// Each value is run under the real tini and under procinit, as PID 1 and as subreaper.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Init, type Mode, PROCINIT_INIT, descendantsOf, readIfExists, tempDir, waitFor } from '../helpers/procs.js';
import { CASES, canRun, killAtEnd, launch, procStatus, recorder, signal } from '../helpers/inits.js';
import { signalsReachGroup, underShell } from '../helpers/dropin.js';

type Level = 'warn' | 'info' | 'debug';

/** The levels an init printed: tini's `[WARN  tini (1)]` text, procinit's pino JSON lines. */
function levelsPrinted(output: string): Level[] {
  const seen = new Set<Level>();
  for (const m of output.matchAll(/^\[(WARN|INFO|DEBUG) +tini/gm)) seen.add(m[1]!.toLowerCase() as Level);
  for (const m of output.matchAll(/^\{"level":(\d+)/gm)) {
    const level = ({ 40: 'warn', 30: 'info', 20: 'debug' } as Record<string, Level>)[m[1]!];
    if (level) seen.add(level);
  }
  return (['warn', 'info', 'debug'] as Level[]).filter((l) => seen.has(l));
}

/**
 * A run that gives each level something to say: an orphan reaped with -w (a warning), the child's
 * start and end (info), a forwarded signal (debug).
 */
async function levelsAt(init: Init, mode: Mode, options: string[], env: Record<string, string>): Promise<Level[]> {
  const dir = tempDir();
  const rec = recorder(join(dir, 'signals'));
  const orphan = join(dir, 'orphan');
  const run = launch(init, mode, ['-w', ...options],
    underShell(`(sleep 0.01 & echo $! > ${orphan})`, rec.argv), { env: { ...process.env, ...env } });
  await rec.ready();
  const pid = await run.initPid();
  // Once the orphan has been reaped it is no longer among the init's descendants.
  await waitFor(() => readIfExists(orphan) !== '' && !descendantsOf(pid).some((p) => p.comm === 'sleep'), 'the orphan to be reaped');
  signal(pid, 'SIGUSR2');
  await rec.waitForCount(1, 'SIGUSR2 to reach the child');
  signal(pid, 'SIGTERM');
  const result = await run.done;
  expect(result.code, result.stderr).toBe(0);
  expect(rec.signals()).toEqual([12, 15]);
  return levelsPrinted(`${result.stdout}\n${result.stderr}`);
}

const ALL: Level[] = ['warn', 'info', 'debug'];
const VERBOSITY: [string, Level[]][] = [
  ['', []], ['abc', []], ['3abc', ALL], ['-1', ALL], ['1', ['warn']], [' 2', ['warn', 'info']],
  ['4294967298', ['warn', 'info']], // 2**32 + 2: atoi keeps the low 32 bits
];

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3')).each(VERBOSITY)('TINI_VERBOSITY=%j runs the child and prints %j', async (value, levels) => {
    expect(await levelsAt(init, mode, [], { TINI_VERBOSITY: value })).toEqual(levels);
  });

  it.skipIf(!canRun(init, mode, 'python3'))('TINI_VERBOSITY replaces -v: -vv with TINI_VERBOSITY=1 prints warnings only', async () => {
    expect(await levelsAt(init, mode, ['-vv'], { TINI_VERBOSITY: '1' })).toEqual(['warn']);
  });

  it.skipIf(!canRun(init, mode, 'python3')).each([['0', true], ['', true], [undefined, false]])(
    'TINI_KILL_PROCESS_GROUP=%j: signals reach the whole group: %s', async (value, group) => {
      const env = { ...process.env };
      delete env.TINI_KILL_PROCESS_GROUP;
      if (value !== undefined) env.TINI_KILL_PROCESS_GROUP = value;
      expect(await signalsReachGroup(init, mode, [], env)).toBe(group);
    });
});

/** tini without -s, so that only the variable can make it a subreaper. */
const BARE_TINI: Init = { name: 'tini', argv: () => ['tini', '--'] };

/** [init, options, environment, the init adopts its child's orphans] */
const ADOPTION: [Init, string[], Record<string, string>, boolean][] = [
  [BARE_TINI, [], { TINI_SUBREAPER: '0' }, true],
  [BARE_TINI, [], { TINI_SUBREAPER: '' }, true],
  [BARE_TINI, [], {}, false],
  [PROCINIT_INIT, [], { TINI_SUBREAPER: '0' }, true],
  [PROCINIT_INIT, [], { TINI_SUBREAPER: '' }, true],
  // procinit becomes a subreaper on its own when it is not PID 1 ...
  [PROCINIT_INIT, [], {}, true],
  // ... unless told not to, which is tini's behaviour without -s.
  [PROCINIT_INIT, [], { PROCINIT_SUBREAPER: '0' }, false],
  [PROCINIT_INIT, ['--no-subreaper'], {}, false],
];

describe('as subreaper', () => {
  it.skipIf(!canRun(PROCINIT_INIT, 'subreaper', 'python3', 'tini')).each(ADOPTION.map(([init, options, vars, adopts]) => [init.name, options, vars, adopts, init] as const))(
    '%s %j with %j: adopts the orphans of its child: %s', async (_name, options, vars, adopts, init) => {
      const dir = tempDir();
      const rec = recorder(join(dir, 'signals'));
      const orphan = join(dir, 'orphan');
      const env = { ...process.env };
      for (const name of ['TINI_SUBREAPER', 'PROCINIT_SUBREAPER']) delete env[name];
      const run = launch(init, 'subreaper', options, underShell(`(sleep 30 & echo $! > ${orphan})`, rec.argv),
        { env: { ...env, ...vars } });
      await rec.ready();
      const pid = await run.initPid();
      const orphanPid = await waitFor(() => Number(readIfExists(orphan)) || undefined, 'the orphan');
      killAtEnd(orphanPid);
      // The subshell that started it has exited: the orphan's parent is whoever adopted it.
      const parent = await waitFor(() => {
        const ppid = Number(procStatus(orphanPid)?.PPid);
        return ppid > 0 && descendantsOf(pid).every((p) => p.comm !== 'sh') ? ppid : undefined;
      }, 'the orphan to be adopted');
      expect(parent === pid).toBe(adopts);
      signal(orphanPid, 'SIGKILL');
      signal(pid, 'SIGTERM');
      expect((await run.done).code).toBe(0);
    });
});
