// Issue 2, tini's options and their environment twins: -g (and PROCINIT_/TINI_KILL_PROCESS_GROUP),
// -e (and PROCINIT_REMAP_EXIT), -p, TINI_SUBREAPER / PROCINIT_SUBREAPER. One body over procinit
// and tini, as PID 1 and as subreaper, wherever tini has the option.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Init, type Mode, PROCINIT, PROCINIT_INIT, TINI_INIT, descendantsOf, findInitPid, listProcesses, start,
  tempDir, waitFor,
} from '../helpers/procs.js';
import { CASES, canRun, initComm, initCommand, killAtEnd, launch, recorder, signal } from '../helpers/inits.js';

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The host pid of the descendant of `ancestor` whose command line mentions `text`. */
function descendantRunning(ancestor: number, text: string): Promise<number> {
  return waitFor(() => descendantsOf(ancestor).find((p) => cmdline(p.pid).includes(text))?.pid, `a process running ${text}`);
}

const processGone = (pid: number) => {
  const p = listProcesses().find((q) => q.pid === pid);
  return p === undefined || p.state === 'Z';
};

/** A main child and a grandchild in its process group, each recording signals. */
async function groupScenario(init: Init, mode: Mode, options: string[], env?: NodeJS.ProcessEnv) {
  const dir = tempDir();
  const main = recorder(join(dir, 'main'));
  const grand = recorder(join(dir, 'grand'));
  const run = launch(init, mode, options,
    ['sh', '-c', `${grand.argv.join(' ')} & exec ${main.argv.join(' ')}`], env ? { env } : {});
  await Promise.all([main.ready(), grand.ready()]);
  const initPid = await run.initPid();
  const grandPid = await descendantRunning(initPid, grand.file);
  return { run, main, grand, initPid, grandPid };
}

describe.each(CASES)('%s', (_name, init, mode) => {
  it.skipIf(!canRun(init, mode, 'python3'))('-g: a signal reaches the whole process group of the child', async () => {
    const { run, main, grand, initPid } = await groupScenario(init, mode, ['-g']);
    signal(initPid, 'SIGUSR1');
    await main.waitForCount(1, 'SIGUSR1 at the child');
    await grand.waitForCount(1, 'SIGUSR1 at the grandchild');
    signal(initPid, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(main.signals()).toEqual([10, 15]);
    await waitFor(() => grand.signals().length === 2, 'SIGTERM at the grandchild');
    expect(grand.signals()).toEqual([10, 15]);
  });

  it.skipIf(!canRun(init, mode, 'python3'))('without -g: a signal reaches the child only', async () => {
    const { run, main, grand, initPid, grandPid } = await groupScenario(init, mode, []);
    signal(initPid, 'SIGUSR1');
    await main.waitForCount(1, 'SIGUSR1 at the child');
    // Had the group been signalled, the grandchild's SIGUSR1 would be pending by now, and the
    // recorder takes the lowest pending signal first: it would record 10 before this 12.
    signal(grandPid, 'SIGUSR2');
    await grand.waitForCount(1, 'SIGUSR2 at the grandchild');
    signal(grandPid, 'SIGTERM');
    await waitFor(() => processGone(grandPid), 'the grandchild to end');
    signal(initPid, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(0);
    // The child is the grandchild's parent: its end brought it a SIGCHLD, from the kernel.
    expect(main.signals().filter((s) => s !== 17)).toEqual([10, 15]);
    expect(grand.signals()).toEqual([12, 15]);
  });

  it.skipIf(!canRun(init, mode))('-e, repeatable: remaps those exit codes to 0, 128+N included', async () => {
    const cases = [['exit 7', 0], ['exit 8', 8], ['exit 143', 0], ['kill -TERM $$', 0], ['kill -INT $$', 130], ['exit 0', 0]] as const;
    const results = await Promise.all(cases.map(async ([script]) =>
      (await launch(init, mode, ['-e', '7', '-e', '143'], ['sh', '-c', script]).done).code));
    expect(Object.fromEntries(cases.map(([script], i) => [script, results[i]])))
      .toEqual(Object.fromEntries(cases.map(([script, code]) => [script, code])));
  });

  it.skipIf(!canRun(init, mode, 'python3'))('-p SIGUSR2: when the init\'s parent dies, the child gets SIGUSR2', async () => {
    const rec = recorder(join(tempDir(), 'signals'));
    // As PID 1 the init's parent is unshare; as a subreaper, a shell that started it. tini takes
    // only the SIG-prefixed name (procinit takes USR2, SIGUSR2 or 12). No pipes: the init outlives
    // its parent, and would hold them open.
    const argv = initCommand(init, mode, ['-p', 'SIGUSR2'], rec.argv);
    const run = start(mode === 'pid1' ? argv : ['sh', '-c', '"$@" & wait', 'sh', ...argv],
      { stdio: ['ignore', 'ignore', 'ignore'] });
    const initPid = await findInitPid(run.proc.pid!, initComm(init));
    killAtEnd(initPid);
    const childPid = mode === 'subreaper' ? await rec.ready() : (await rec.ready(), undefined);
    if (childPid) killAtEnd(childPid);
    process.kill(run.proc.pid!, 'SIGKILL');
    await run.done;
    await rec.waitForCount(1, 'the parent-death signal at the child');
    expect(rec.signals()).toEqual([12]);
    // The init carries on without its parent, and still forwards.
    signal(initPid, 'SIGTERM');
    await waitFor(() => processGone(initPid), 'the init to exit');
    expect(rec.signals()).toEqual([12, 15]);
  });
});

describe('environment twins', () => {
  const GROUP_TWINS: [string, Init, NodeJS.ProcessEnv][] = [
    ['procinit with PROCINIT_KILL_PROCESS_GROUP=1', PROCINIT_INIT, { PROCINIT_KILL_PROCESS_GROUP: '1' }],
    ['procinit with TINI_KILL_PROCESS_GROUP=1', PROCINIT_INIT, { TINI_KILL_PROCESS_GROUP: '1' }],
    ['tini with TINI_KILL_PROCESS_GROUP=1', TINI_INIT, { TINI_KILL_PROCESS_GROUP: '1' }],
  ];
  for (const [name, init, extra] of GROUP_TWINS) it.skipIf(!canRun(init, 'subreaper', 'python3'))(`${name} signals the whole group`, async () => {
    const { run, main, grand, initPid } = await groupScenario(init, 'subreaper', [], { ...process.env, ...extra });
    signal(initPid, 'SIGUSR1');
    await main.waitForCount(1, 'SIGUSR1 at the child');
    await grand.waitForCount(1, 'SIGUSR1 at the grandchild');
    signal(initPid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
  });

  it('procinit with PROCINIT_REMAP_EXIT=7,143 remaps like -e 7 -e 143', async () => {
    const env = { ...process.env, PROCINIT_REMAP_EXIT: '7,143' };
    const codes = await Promise.all(['exit 7', 'kill -TERM $$', 'exit 8'].map(async (script) =>
      (await launch(PROCINIT_INIT, 'subreaper', [], ['sh', '-c', script], { env }).done).code));
    expect(codes).toEqual([0, 0, 8]);
  });

  const SUBREAPER_TWINS: [string, string[], NodeJS.ProcessEnv][] = [
    ['procinit with TINI_SUBREAPER=1', [PROCINIT, '--'], { TINI_SUBREAPER: '1' }],
    ['procinit with PROCINIT_SUBREAPER=1', [PROCINIT, '--'], { PROCINIT_SUBREAPER: '1' }],
    ['tini with TINI_SUBREAPER=1', ['tini', '--'], { TINI_SUBREAPER: '1' }],
  ];
  for (const [name, initArgv, extra] of SUBREAPER_TWINS) it.skipIf(initArgv[0] === 'tini' && !canRun(TINI_INIT, 'subreaper'))(`${name}, not PID 1, adopts and reaps an orphan and warns of nothing`, async () => {
    const dir = tempDir();
    const seconds = String(100_000 + Math.floor(Math.random() * 800_000));
    const run = start([...initArgv, 'sh', '-c', `(sleep ${seconds} &); echo > ${dir}/spawned; exec sleep 3600`],
      { env: { ...process.env, ...extra } });
    await waitFor(() => existsSync(join(dir, 'spawned')), 'the orphan');
    const initPid = await findInitPid(run.proc.pid!, initArgv[0] === 'tini' ? 'tini' : 'procinit');
    killAtEnd(initPid);
    const orphan = await waitFor(() => listProcesses().find((p) => cmdline(p.pid) === `sleep ${seconds} `), 'the orphan to run');
    killAtEnd(orphan.pid);
    expect(orphan.ppid).toBe(initPid);
    process.kill(orphan.pid, 'SIGKILL');
    await waitFor(() => !listProcesses().some((p) => p.pid === orphan.pid), 'the orphan to be reaped');
    signal(initPid, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    expect(result.stderr).toBe('');
  });
});
