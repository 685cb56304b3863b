// procinit's checklist. Before the child runs, a problem ends procinit with a one-line message
// and a documented exit code; after, nothing may end it but the child's own end.
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { keepAlive, loadNative, realtimeSupport } from '../native/index.js';
import type { Native } from '../native/api.js';
import { parseCommandLine } from './launch/cli.js';
import { EXIT } from './core/exit-code.js';
import type { SignalInbox } from './launch/early-signals.js';
import { createLog, pinoSink, type Log } from './observability/log.js';
import type { Config, TerminationLogSetting } from './launch/options.js';
import { type RealtimeRange, STOP_SIGNALS, signalName } from './core/signal-table.js';
import { Supervisor } from './core/supervisor.js';
import { type Launch, prepareLaunch } from './launch/launch.js';
import { takeSignals } from './launch/signal-setup.js';
import { becomeReaper, leaveStartDirectory, passOnDescriptors, startChild } from './core/child-start.js';
import { startObservers } from './observability/observers.js';
import { raiseChildOomScore } from './core/oom.js';
import { findMemoryCgroup } from './observability/memory-cgroup.js';
import { OomKills } from './observability/oom-kills.js';
import { writeTerminationMessage } from './observability/termination-log.js';
import { type Ending, endingFields, terminationMessage } from './core/ending.js';

type ServicesChunk = typeof import('./services/index.js');
type Services = import('./services/index.js').ServicesRuntime;
/** dist/services.js, a bundle of its own: read only when a config is given. */
const loadServicesChunk = () => require('./services.js') as ServicesChunk;

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

/** One turn of the event loop, so signals that came during start-up reach the inbox. */
function nextLoopTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
  const signalQueue = takeSignals(native, inbox, rt);

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
  const observer = await startObservers(native, config, log, oomKills, fail, services?.registerMetrics);

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
