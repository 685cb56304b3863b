// Starting the main child, and procinit's own part in its life: reaping its orphans, the terminal
// it may hand over, the directory it leaves.
import type { Native } from '../../native/api.js';
import { type Launch, commandBytes } from '../launch/launch.js';
import type { Config } from '../launch/options.js';
import type { Log } from '../observability/log.js';
import { EXIT, exitCodeOfSpawnError } from './exit-code.js';
import { raiseChildOomScore } from './oom.js';

/**
 * Outside a fresh PID namespace nothing reaps the child's orphans unless procinit subreaps, so it
 * does unless told not to (PROCINIT_SUBREAPER=0: tini's behaviour without -s).
 */
export function becomeReaper(native: Native, config: Config, log: Log): void {
  const isPid1 = native.getpid() === 1;
  if (config.subreaper === false) {
    if (!isPid1) log.info('not a subreaper (PROCINIT_SUBREAPER=0): orphans go to the nearest other subreaper or PID 1');
    return;
  }
  if (isPid1 && config.subreaper !== true) return;
  const errno = native.becomeSubreaper();
  if (errno !== 0) {
    log.warn('procinit is not PID 1 and could not become a child subreaper, so orphans will not be '
      + 'reaped; run it as PID 1 (ENTRYPOINT ["procinit", "--"]) on Linux >= 3.4', { errno });
  }
}

function shouldTakeForeground(native: Native): boolean {
  // Only hand over a terminal procinit holds in the foreground: a procinit started in the
  // background of a shell must not steal the terminal from that shell. Under `unshare --pid`
  // from a shell both groups live in the parent namespace and read as 0, so the two cannot be
  // told apart there and procinit takes the foreground; in a container (runc makes PID 1 a
  // session leader) both read as 1 when `-it` gave it the terminal.
  return native.isatty(0) && native.foregroundGroup(0) === native.getpgrp();
}

/**
 * Node marked the descriptors it inherited close-on-exec; the children should have them, and
 * always stdin, stdout and stderr, whether or not anything could list them.
 */
export function passOnDescriptors(native: Native, launch: Launch): void {
  for (const fd of new Set([0, 1, 2, ...launch.inheritedFds ?? []])) native.setInheritable(fd);
}

/** `cwd`: for a main started after procinit left its start directory (with services). */
export function startChild(native: Native, config: Config, launch: Launch, log: Log, cwd?: string):
  { ok: true; pid: number } | { ok: false; code: number; message: string } {
  passOnDescriptors(native, launch);
  const takeForeground = shouldTakeForeground(native);
  const argv = commandBytes(config.command, native);
  const spawned = native.spawn({
    file: argv[0]!,
    argv,
    env: launch.childEnv,
    takeForeground: takeForeground && native.canSpawnInForeground,
    ignoredSignals: launch.ignoredSignals,
    ...(cwd !== undefined ? { cwd } : {}),
  });
  if (!spawned.ok) {
    const code = exitCodeOfSpawnError(spawned.code);
    const why = code === EXIT.NOT_FOUND ? 'not found (check the name and PATH)'
      : code === EXIT.NOT_EXECUTABLE ? 'not executable (check its permissions and #! line)' : 'could not be started';
    return { ok: false, code, message: `cannot run '${config.command[0]}': ${why} [${spawned.code}]` };
  }
  if (takeForeground && !native.canSpawnInForeground) native.setForegroundGroup(0, spawned.pid);
  const oomScoreAdj = raiseChildOomScore(spawned.pid);
  log.info('started the child', { event: 'spawn', argv: config.command, pid: spawned.pid, oomScoreAdj });
  return spawned;
}

/**
 * The child keeps the caller's working directory; procinit moves to `/`, as dumb-init does, so
 * the init that outlives everything never keeps a directory (or the mount it is on) busy.
 */
export function leaveStartDirectory(): void {
  try {
    process.chdir('/');
  } catch {
    // `/` not searchable by procinit's user: staying put only keeps the directory busy.
  }
}
