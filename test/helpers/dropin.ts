// Scenarios shared by the drop-in tests (issue 12): what an init's settings do, observed from the
// child's side, the same way for procinit, tini and dumb-init.
import { join } from 'node:path';
import { type Init, type Mode, descendantsOf, readIfExists, tempDir, waitFor } from './procs.js';
import { type Launch, RECORDER, killAtEnd, launch, recorder, signal } from './inits.js';

/** An init started with a command that runs `sh -c` first: the shell's script, then exec `argv`. */
export function underShell(script: string, argv: string[]): string[] {
  return ['sh', '-c', `${script}\nexec "$@"`, 'sh', ...argv];
}

/**
 * Whether a signal to the init reaches the child's whole process group or the child alone. The
 * child is a recorder that started a second recorder in its own group; after the main recorder
 * has the SIGHUP, the second gets SIGUSR2 straight from the test. Pending together, SIGHUP (1)
 * is taken first, so the second recorder's first signal says whether SIGHUP came to it.
 */
export async function signalsReachGroup(init: Init, mode: Mode, options: string[],
  env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const dir = tempDir();
  const main = recorder(join(dir, 'main'));
  const sibling = recorder(join(dir, 'sibling'));
  const run: Launch = launch(init, mode, options,
    underShell(`python3 ${RECORDER} ${sibling.file} --keep-going &`, main.argv), { env });
  await main.ready();
  await sibling.ready();
  const initPid = await run.initPid();
  const siblingPid = await waitFor(() => descendantsOf(initPid)
    .find((p) => p.comm.startsWith('python') && readIfExists(`/proc/${p.pid}/cmdline`).includes(sibling.file))?.pid,
  'the second recorder');
  killAtEnd(siblingPid);
  signal(initPid, 'SIGHUP');
  await main.waitForCount(1, 'SIGHUP to reach the child');
  signal(siblingPid, 'SIGUSR2');
  await sibling.waitForCount(1, 'SIGUSR2 to reach the second recorder');
  const reached = sibling.signals()[0] === 1;
  signal(siblingPid, 'SIGKILL');
  signal(initPid, 'SIGTERM');
  const { code } = await run.done;
  if (code !== 0) throw new Error(`the init exited ${code}`);
  return reached;
}
