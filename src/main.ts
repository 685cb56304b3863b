// procinit's checklist. Before the child runs, a problem ends procinit with a one-line message
// and a documented exit code; after, nothing may end it but the child's own end.
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { keepAlive, loadNative, realtimeSupport, watchNamedSignals, watchRealtimeSignals } from '../native/index.js';
import type { Native } from '../native/api.js';
import { parseCommandLine } from './launch/cli.js';
import { EXIT, exitCodeOfSpawnError } from './core/exit-code.js';
import type { SignalInbox } from './launch/early-signals.js';
import { createLog, pinoSink, type Log } from './observability/log.js';
import type { Config, TerminationLogSetting } from './launch/options.js';
import { type RealtimeRange, SELF_RAISED, SIG, STOP_SIGNALS, forwardedRealtimeSignals, signalName } from './core/signal-table.js';
import { Supervisor } from './core/supervisor.js';
import { type Launch, commandBytes, prepareLaunch } from './launch/launch.js';
import { raiseChildOomScore } from './core/oom.js';
import { findPidsCounter } from './observability/cgroup.js';
import { findMemoryCgroup } from './observability/memory-cgroup.js';
import { OomKills } from './observability/oom-kills.js';
import { type Observer, combineObservers } from './observability/observer.js';
import { PidsWatch } from './observability/pids-watch.js';
import type { MetricsExtension } from './observability/metrics.js';

type ServicesChunk = typeof import('./services/index.js');
type Services = import('./services/index.js').ServicesRuntime;
/** dist/services.js, a bundle of its own: read only when a config is given. */
const loadServicesChunk = () => require('./services.js') as ServicesChunk;
import { writeTerminationMessage } from './observability/termination-log.js';
import { type Ending, endingFields, terminationMessage } from './core/ending.js';

declare const PROCINIT_VERSION: string | undefined;
const VERSION = typeof PROCINIT_VERSION === 'string' ? PROCINIT_VERSION : '0.0.0-dev';

/** process.exit until libc is loaded, then native.exitNow, which cannot hang. */
let exit = (code: number): never => process.exit(code);
/** Known once the options are read: where the termination message goes. */
let terminationLog: { setting: TerminationLogSetting; log: Log } | null = null;

/** The termination message, as procinit exits; a failure to write it is logged, never thrown. */
function tellTermination(text: string): void {
  if (!terminationLog) return;
  const { setting, log } = terminationLog;
  const result = writeTerminationMessage(setting, text);
  if ('written' in result) log.debug('wrote the termination message', { event: 'termination-log', path: setting.path, bytes: result.written });
  else if ('failed' in result) log.warn(`could not write the termination message to ${setting.path} (${result.failed})`, { event: 'termination-log', path: setting.path });
}

function fail(code: number, message: string): never {
  try {
    writeSync(2, `procinit: ${message}\n`);
  } catch {
    // stderr closed: the exit code still says it
  }
  tellTermination(`Exit code ${code}: procinit did not start the app: ${message}.`);
  return exit(code);
}

function loadNativeOrFail(): Native {
  try {
    return loadNative();
  } catch (error) {
    const problem = String((error as Error).message).split('\n')[0];
    const fix = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
      ? 'reinstall procinit with its dependencies (npm install procinit)'
      : 'procinit needs glibc or musl on Linux x64 or arm64';
    return fail(EXIT.INTERNAL, `${problem}; ${fix}`);
  }
}

/**
 * Outside a fresh PID namespace nothing reaps the child's orphans unless procinit subreaps, so it
 * does unless told not to (PROCINIT_SUBREAPER=0: tini's behaviour without -s).
 */
function becomeReaper(native: Native, config: Config, log: Log): void {
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

/** One turn of the event loop, so signals that came during start-up reach the inbox. */
function nextLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
function passOnDescriptors(native: Native, launch: Launch): void {
  for (const fd of new Set([0, 1, 2, ...launch.inheritedFds ?? []])) native.setInheritable(fd);
}

/** `cwd`: for a main started after procinit left its start directory (with services). */
function startChild(native: Native, config: Config, launch: Launch, log: Log, cwd?: string):
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

function spawnChild(native: Native, config: Config, launch: Launch, log: Log): number {
  const started = startChild(native, config, launch, log);
  return started.ok ? started.pid : fail(started.code, started.message);
}

/** A config's services, validated in full before anything starts; a mistake is exit 2. */
function loadServices(native: Native, config: Config, launch: Launch, log: Log, rt: RealtimeRange, oomKills: OomKills): Services {
  const chunk = loadServicesChunk();
  const loaded = chunk.loadServicesConfig(config.servicesFile!, config.command.length > 0, native, rt);
  if (!loaded.ok) return fail(EXIT.USAGE, loaded.message);
  return chunk.createServices(loaded.config, {
    native, log, rt, baseEnv: launch.childEnv, ignoredSignals: launch.ignoredSignals, env: process.env, rewrites: config.rewrites,
    parentDeathSignal: config.parentDeathSignal, stopTimeoutMs: config.stopTimeoutMs, logPrefix: config.logPrefix ?? false,
    statusFile: config.statusFile ?? null, mainCommand: config.command.length > 0 ? config.command : null,
    startDirectory: native.canSpawnWithCwd ? process.cwd() : null, afterSpawn: raiseChildOomScore, oomKills,
  });
}

/**
 * The child keeps the caller's working directory; procinit moves to `/`, as dumb-init does, so
 * the init that outlives everything never keeps a directory (or the mount it is on) busy.
 */
function leaveStartDirectory(): void {
  try {
    process.chdir('/');
  } catch {
    // `/` not searchable by procinit's user: staying put only keeps the directory busy.
  }
}

/** The pids watch always (it costs one file read per reap burst); metrics when asked for. */
async function startObservers(native: Native, config: Config, log: Log, oomKills: OomKills, extend?: MetricsExtension):
  Promise<Observer> {
  const pids = findPidsCounter();
  const memory = oomKills.cgroup;
  const watch = pids && pids.max !== null ? new PidsWatch(pids, log) : null;
  const observers: Array<Partial<Observer>> = [];
  if (watch) observers.push({ processesChanged: () => watch.check() });
  if (config.metrics) {
    const { startMetrics } = await import('./observability/metrics.js');
    try {
      const endpoint = await startMetrics(config.metrics, native.getpid(), pids, extend, { memory, oomKills });
      log.info(`serving metrics at http://${endpoint.address}/metrics`, { event: 'metrics', address: endpoint.address });
      observers.push(endpoint);
    } catch (error) {
      const { host, port } = config.metrics;
      fail(EXIT.INTERNAL, `cannot serve metrics on ${host}:${port} (${(error as NodeJS.ErrnoException).code ?? error}); `
        + 'pick another --metrics port or leave it off');
    }
  }
  return combineObservers(observers);
}

/** The exit record, the termination message, and the exit. */
function endWith(ending: Ending, log: Log, rt: RealtimeRange, more: Record<string, unknown> = {}): never {
  const message = terminationMessage(ending, rt);
  log.info(message, { event: 'exit', ...endingFields(ending), ...more });
  tellTermination(message);
  return exit(ending.code);
}

export async function main(inbox: SignalInbox, afterStart: () => void = () => {}): Promise<void> {
  const native = loadNativeOrFail();
  exit = (code) => native.exitNow(code);
  // Node 24 names its main thread "MainThread" and 26 "node-MainThread": ps, top and the OOM
  // killer's log would show that for PID 1.
  native.setProcessName('procinit');
  const launch = prepareLaunch(native, inbox);
  const rt = native.realtimeRange;
  watchRealtimeSignals(forwardedRealtimeSignals(rt), inbox.deliver);
  // Real-time signals are handled in Node's other threads, never this one. They queue, up to the
  // user's pending-signals limit (about 96,000 here), and the kernel hands a thread every queued
  // one, each before it may run a line of its own, at a few thousand a second once the queue is
  // long: a storm would keep this thread from reaping for minutes. With --single-threaded no
  // work of V8's waits on those threads; libuv's handler, in whichever thread, queues each signal
  // for this loop. SELF_RAISED is blocked here for its own sake (signal-table.ts) before it is
  // caught. Node blocks SIGUSR1 in every thread under --disable-sigusr1, and unblocks it only
  // for its inspector's handler, so this thread takes it.
  const masked = native.maskInThisThread([...SELF_RAISED, ...forwardedRealtimeSignals(rt)], [SIG.USR1]);
  if (masked === 0) watchNamedSignals([...SELF_RAISED], inbox.deliver);
  const signalQueue = native.enlargeSignalQueue();

  const cli = parseCommandLine(process.argv.slice(2), process.env, VERSION, rt);
  if (cli.kind === 'license') {
    // __dirname is dist/, inside the package that ships LICENSE.
    writeSync(1, readFileSync(join(__dirname, '..', 'LICENSE'), 'utf8'));
    return exit(0);
  }
  if (cli.kind === 'print') {
    writeSync(1, cli.text);
    return exit(0);
  }
  if (cli.kind === 'usage-error') {
    fail(EXIT.USAGE, `${cli.message}. Usage: procinit [options] -- <command> [args...] (see procinit --help)`);
  }
  const { config } = cli;
  const log = createLog(config.verbosity, pinoSink(config.logFormat));
  if (config.terminationLog) terminationLog = { setting: config.terminationLog, log };
  // The OOM killer's count so far, before anything is spawned: a rise later is a kill of ours.
  const oomKills = new OomKills(findMemoryCgroup());
  const services = config.servicesFile ? loadServices(native, config, launch, log, rt, oomKills) : null;

  if (launch.reexecFailed) log.warn(`procinit runs on with its Node as started: ${launch.reexecFailed}`, { event: 'degraded' });
  const realtime = realtimeSupport();
  if (!realtime.ok) {
    log.warn(`real-time signals (SIGRTMIN..SIGRTMAX) will not be forwarded: ${realtime.why}`, { event: 'degraded' });
  }
  log.debug('signals queue for the main loop', { event: 'signal-queue', capacity: signalQueue });
  becomeReaper(native, config, log);
  if (config.parentDeathSignal !== null) native.setParentDeathSignal(config.parentDeathSignal);
  const observer = await startObservers(native, config, log, oomKills, services?.registerMetrics);

  await nextLoopTurn();
  const early = inbox.takePending();
  const stop = early.find((s) => STOP_SIGNALS.has(s) || s === config.parentDeathSignal);
  if (stop !== undefined) {
    log.warn('a stop signal arrived before the child started; not starting it', { signal: signalName(stop, rt) });
    tellTermination(`Exit code ${128 + stop} (128+${signalName(stop, rt)}): procinit received ${signalName(stop, rt)} before it started the app, and did not start it.`);
    return exit(128 + stop);
  }
  if (early.length > 0) log.info('dropped signals that arrived before the child started', { signals: early });

  // With services, they start first and the main child when they are ready (src/services/).
  const childPid = services ? null : spawnChild(native, config, launch, log);
  // Services and a main started later are spawned into the start directory (posix_spawn's chdir);
  // where the C library cannot, procinit stays in it.
  const startDirectory = services && native.canSpawnWithCwd ? process.cwd() : undefined;
  if (!services || startDirectory !== undefined) leaveStartDirectory();
  observer.processesChanged();
  if (config.command.length === 0) observer.childGone(); // services only: there is no main child
  const supervisor = new Supervisor({
    native, config, log, rt, observer, oomKills,
    ...(services ? { sidecars: services.orchestrator } : {}),
    exit: (ending) => {
      services?.beforeExit();
      const service = services?.endingService();
      endWith(service ? { ...ending, service } : ending, log, rt, services?.endFields());
    },
  }, childPid);
  process.on('uncaughtException', (error) => log.error('internal error; carrying on', { err: String(error) }));
  process.on('unhandledRejection', (error) => log.error('internal error; carrying on', { err: String(error) }));
  inbox.handleWith((signal) => supervisor.handleSignal(signal));
  keepAlive();
  setImmediate(() => {
    afterStart();
    // Once started: what start-up ran of the binary, the init will hardly run again (core/oom.ts).
    log.debug('dropped clean pages of the binary from procinit\'s resident set', {
      event: 'memory', bytes: native.dropCleanFilePages(),
    });
  });
  // The child may have ended before the handler was set; its SIGCHLD was then dropped above.
  supervisor.reap();
  if (services) {
    // Services are children too: they get what procinit inherited, as the main child does.
    passOnDescriptors(native, launch);
    services.start(supervisor, config.command.length > 0 ? () => startChild(native, config, launch, log, startDirectory) : null);
  }
}
