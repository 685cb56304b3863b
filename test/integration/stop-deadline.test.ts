// Issue 15, item 4: `--stop-deadline`. The runtime SIGKILLs PID 1 when its stop time-out ends
// (docker stop -t, terminationGracePeriodSeconds), whatever procinit was doing. Each scenario of
// the shutdown tests (shutdown.test.ts, faults-drain.test.ts), given a SIGTERM and settings that
// alone would take a minute (--grace 60s, --stop-timeout 60s, a child or helper that ignores
// SIGTERM, no /proc), ends inside a 4 s deadline counted from the SIGTERM: procinit's own exit
// record is written before it, and so is the termination message.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FIXTURES, MODES, PROCINIT, type Mode, descendantsOf, inMode, readIfExists, requireTools, start, tempDir, waitFor,
} from '../helpers/procs.js';

const commOf = (pid: number) => readIfExists(`/proc/${pid}/comm`).trim();

const ready = requireTools('unshare', 'python3', 'setsid', 'umount');
const TREE = join(FIXTURES, 'tree.sh');
const RECORDER = join(FIXTURES, 'record-signals.py');
const DEADLINE_MS = 4_000;

interface Scenario {
  name: string;
  options: string[];
  /** The child's command; `dir` is the test's folder. */
  command: (dir: string) => string[];
  /** What must exist before the SIGTERM is sent. */
  readyFile: string;
  code: number;
  /** Wraps procinit's argv (no /proc). */
  wrap?: (argv: string[]) => string[];
  /** What the termination message says, beyond its exit code. */
  says?: RegExp;
}

const withoutProc = (argv: string[]) => ['unshare', '--mount', '--pid', '--fork', 'sh', '-c', 'umount -l /proc && exec "$@"', 'sh', ...argv];
/** A child that leaves a helper ignoring SIGTERM, and exits 3 once the helper runs (faults-drain.test.ts). */
const leavesStubbornHelper = (dir: string) => ['sh', '-c',
  `sh -c "trap '' TERM; echo > ${dir}/ready; while :; do sleep 0.05; done" & while [ ! -e ${dir}/ready ]; do sleep 0.01; done; exit 3`];

const SCENARIOS: Scenario[] = [
  { name: 'a daemonized grandchild that cleans up on SIGTERM', options: [], command: (d) => [TREE, d, 'cleanup', 'wait'], readyFile: 'ready', code: 0 },
  { name: 'the main child exited by itself and a grandchild ignores SIGTERM (--grace 60s): the drain is cut',
    options: ['--grace', '60s'], command: (d) => [TREE, d, 'stubborn', 'exit'], readyFile: 'main-exit', code: 7,
    says: /^Exit code 7: .*tree\.sh .* exited with code 7; procinit received SIGTERM after that, while it drained what was left\. \d process(es were| was) left after it, and got SIGTERM; \d still ran and (was|were) SIGKILLed when the --stop-deadline cut the grace short\.\n$/ },
  { name: 'the main child stops, a grandchild ignores SIGTERM (--grace 60s)',
    options: ['--grace', '60s'], command: (d) => [TREE, d, 'stubborn', 'wait'], readyFile: 'ready', code: 0 },
  { name: '--rewrite TERM:QUIT', options: ['--rewrite', 'TERM:QUIT'], command: (d) => ['python3', RECORDER, join(d, 'signals'), '--exit-on=3'],
    readyFile: 'signals.ready', code: 0 },
  { name: '--rewrite TERM:0: nothing is forwarded, the clock runs', options: ['--rewrite', 'TERM:0'],
    command: (d) => ['python3', RECORDER, join(d, 'signals')], readyFile: 'signals.ready', code: 137 },
  { name: 'a child that ignores SIGTERM, --stop-timeout 60s', options: ['--stop-timeout', '60s'],
    command: (d) => ['sh', '-c', `trap '' TERM; echo > ${d}/ready; while :; do sleep 0.05; done`], readyFile: 'ready', code: 137,
    // SIGKILLed at 4 s less 0.4 s for the exit and 0.4 s for the SIGKILL to work.
    says: /^Exit code 137 \(128\+SIGKILL\): procinit received SIGTERM and forwarded it; sh -c trap '' TERM; .* still ran \d(\.\d)? s later, and procinit SIGKILLed it \(to finish within the 4s --stop-deadline\)\.\n$/ },
  { name: 'a child that ignores SIGTERM, after --stop-delay 1s', options: ['--stop-delay', '1s'],
    command: (d) => ['sh', '-c', `trap '' TERM; echo > ${d}/ready; while :; do sleep 0.05; done`], readyFile: 'ready', code: 137 },
  { name: 'no /proc, a helper that ignores SIGTERM (--grace 60s)', options: ['--grace', '60s'], command: leavesStubbornHelper,
    readyFile: 'ready', code: 3, wrap: withoutProc },
];

async function runScenario(mode: Mode, s: Scenario) {
  const dir = tempDir();
  const message = join(dir, 'termination-log');
  let argv = [PROCINIT, '-v', '--stop-deadline', `${DEADLINE_MS / 1000}s`, '--termination-log', message, ...s.options, '--', ...s.command(dir)];
  if (s.wrap) argv = s.wrap(mode === 'pid1' ? argv : ['sh', '-c', '"$@" & wait $!', 'sh', ...argv]);
  else argv = inMode(mode, argv);
  // The grandchild that ignores SIGTERM outlives a subreaper procinit's exit if something goes wrong: pipes to nothing.
  const run = start(argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitFor(() => existsSync(join(dir, s.readyFile)), `${s.readyFile} in the scenario's folder`);
  // procinit itself, wherever the launchers put it (unshare's child, or a shell's under it).
  const pid = run.proc.pid === undefined ? 0 : await waitFor(() => [{ pid: run.proc.pid!, comm: commOf(run.proc.pid!) }, ...descendantsOf(run.proc.pid!)]
    .find((p) => p.comm === 'procinit')?.pid, 'procinit');
  if (s.readyFile === 'main-exit') await new Promise((r) => setTimeout(r, 200)); // the drain is under way
  const sentAt = Date.now();
  process.kill(pid, 'SIGTERM');
  const result = await run.done;
  return { result, sentAt, message: readIfExists(message), dir };
}

describe.skipIf(!ready).each(MODES)('--stop-deadline 4s, as %s', (mode) => {
  it.each(SCENARIOS)('$name', async (s) => {
    const { result, sentAt, message } = await runScenario(mode, s);
    const records = result.stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const exit = records.find((r) => r.event === 'exit');
    expect(exit, result.stderr).toBeDefined();
    expect(result.code).toBe(s.code);
    expect(exit.code).toBe(s.code);
    // procinit's own clock: its exit record is written inside the deadline, before the runtime's
    // SIGKILL would come (procinit aims 0.4 s before it; a loaded machine may deliver the SIGTERM late).
    expect(exit.time - sentAt, result.stderr).toBeLessThan(DEADLINE_MS);
    // Seen from outside, the process is gone too (generously bounded: teardown on a loaded machine).
    expect(result.ms).toBeLessThan(30_000);
    expect(message).toBe(`${exit.msg}\n`);
    expect(message).toMatch(new RegExp(`^Exit code ${s.code}\\b`));
    if (s.says) expect(message, result.stderr).toMatch(s.says);
    if (s.code === 137) {
      const kill = records.find((r) => r.event === 'stop-deadline');
      expect(kill).toMatchObject({ level: 40, stopDeadlineMs: DEADLINE_MS });
      expect(kill.time - sentAt, result.stderr).toBeGreaterThanOrEqual(3_200 - 50);
    }
  }, 40_000);
});
