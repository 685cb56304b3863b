// How procinit's run ended, told once: in the exit record, and in the paragraph Kubernetes shows
// as the container's termination message (`kubectl describe pod`). Pure: facts in, words out.
import type { ExitStatus } from '../../native/api.js';
import { formatDuration, spoken } from '../launch/duration.js';
import { type OomFinding, describeOomKill, oomFields } from '../observability/oom-kills.js';
import type { DrainOutcome } from '../shutdown/drain.js';
import type { StopStory } from '../shutdown/stopping.js';
import { type RealtimeRange, signalName } from './signal-table.js';

export interface ProcessEnd {
  /** The command as given (argv); shown cut short. */
  command: readonly string[];
  /** How it ended; null when it was never reaped (procinit exited at its stop deadline without it). */
  status: ExitStatus | null;
  /** The kernel's OOM killer took it (oom-kills.ts). */
  oom: OomFinding | null;
}

/** A service (issue 14's src/services/) whose give-up ended procinit. */
export interface ServiceEnd extends ProcessEnd {
  name: string;
  /** Its runs in a row that failed, the last one included. */
  runs: number;
  /** The services code's likely fix, if it has one. */
  hint?: string;
}

export interface Ending {
  /** procinit's exit code. */
  code: number;
  /** The ending it was taken from: the main child's, a service's that gave up; null when none was reaped. */
  status: ExitStatus | null;
  /** The code before -e reported it as 0. */
  remappedFrom?: number;
  /** The main child; null when there is none (services only). */
  main: ProcessEnd | null;
  stop: StopStory | null;
  drain: DrainOutcome | null;
  service?: ServiceEnd;
}

/** Kubernetes keeps at most 4096 bytes of a termination message. */
export const TERMINATION_MESSAGE_BYTES = 4096;
const COMMAND_CHARS = 60;

export function commandText(command: readonly string[]): string {
  const text = command.join(' ');
  return text.length > COMMAND_CHARS ? `${text.slice(0, COMMAND_CHARS - 1)}…` : text;
}

/** "exited with code 3", "died of SIGSEGV", "was killed by the kernel's OOM killer at ...". */
export function describeProcessEnd(status: ExitStatus, oom: OomFinding | null, rt: RealtimeRange): string {
  if (oom) return `was ${describeOomKill(oom)}`;
  return 'exited' in status ? `exited with code ${status.exited}` : `died of ${signalName(status.signaled, rt)}`;
}

/** The exit code, and where it came from when that is not plain. */
function codeMeaning(ending: Ending, rt: RealtimeRange): string {
  const { code, status } = ending;
  if (ending.remappedFrom !== undefined) return `Exit code ${code} (the app's ${ending.remappedFrom}, reported as ${code} by -e)`;
  if (status && 'signaled' in status) return `Exit code ${code} (128+${signalName(status.signaled, rt)})`;
  if (!status && code > 128) return `Exit code ${code} (128+${signalName(code - 128, rt)})`;
  return `Exit code ${code}`;
}

function stopSentence(stop: StopStory, hasMain: boolean): string {
  const received = `procinit received ${stop.signal}`;
  if (stop.afterMainEnded) return `${received} after that, while it drained what was left`;
  if (!hasMain) {
    const held = stop.delayMs === 0 ? '' : stop.delayCutShort ? ', held it (--stop-delay) until a second stop signal came,' : `, held it ${spoken(stop.delayMs)} (--stop-delay)`;
    return `${received}${held} and stopped the services`;
  }
  if (stop.forwardedAs === null) return `${received} and forwarded nothing (a --rewrite drops it)`;
  const as = stop.forwardedAs === stop.signal ? '' : ` as ${stop.forwardedAs}`;
  if (stop.delayMs === 0) return `${received} and forwarded it${as}`;
  if (stop.delayCutShort) return `${received}, held it (--stop-delay) until a second stop signal came, and forwarded that${as}`;
  return `${received}, held it ${spoken(stop.delayMs)} (--stop-delay) and forwarded it${as}`;
}

function mainSentence(main: ProcessEnd, stop: StopStory | null, rt: RealtimeRange): string {
  const name = commandText(main.command);
  if (main.status === null) {
    return `${name} did not die of procinit's SIGKILL in time (uninterruptible sleep?), and procinit exited at its --stop-deadline without it`;
  }
  if (stop?.killedBy && !main.oom) {
    const rule = stop.killedBy === 'stop-timeout' ? '--stop-timeout'
      : `to finish within the ${formatDuration(stop.deadlineMs!)} --stop-deadline`;
    return `${name} still ran ${spoken(stop.killAfterMs!)} later, and procinit SIGKILLed it (${rule})`;
  }
  return `${name} ${describeProcessEnd(main.status, main.oom, rt)}`;
}

function drainSentence(drain: DrainOutcome, after: string): string | null {
  if (drain.left === 0 && drain.exited === 0) return null;
  // What the drain met: one that ended between the main's end and the listing counts too
  // (exited holds every process reaped meanwhile, the SIGKILLed ones among them).
  const count = Math.max(drain.left, drain.exited);
  const left = `${count === 1 ? '1 process was left' : `${count} processes were left`} after ${after}`;
  if (drain.killed === 0) return `${left}, and got SIGTERM; all had ended within the ${formatDuration(drain.graceMs)} grace`;
  const why = drain.cut ? 'when the --stop-deadline cut the grace short' : `after the ${formatDuration(drain.graceMs)} grace`;
  return `${left}, and got SIGTERM; ${drain.killed} still ran and ${drain.killed === 1 ? 'was' : 'were'} SIGKILLed ${why}`;
}

function serviceSentence(service: ServiceEnd, rt: RealtimeRange): string {
  const runs = service.runs === 1 ? '1 run' : `${service.runs} runs`;
  // The OOM killer's finding says more than a guess from the exit statuses.
  const how = service.oom && service.status ? `it ${describeProcessEnd(service.status, service.oom, rt)}`
    : service.hint ?? (service.status ? `it ${describeProcessEnd(service.status, null, rt)}` : 'it did not end');
  return `service ${service.name} gave up after ${runs}: ${how}`;
}

/** One short paragraph, at most TERMINATION_MESSAGE_BYTES of UTF-8. */
export function terminationMessage(ending: Ending, rt: RealtimeRange): string {
  const sentences = [codeMeaning(ending, rt)];
  const parts: string[] = [];
  const stop = ending.stop;
  if (stop && !stop.afterMainEnded) parts.push(stopSentence(stop, ending.main !== null));
  if (ending.service) parts.push(serviceSentence(ending.service, rt));
  if (ending.main) parts.push(mainSentence(ending.main, stop, rt));
  if (stop?.afterMainEnded) parts.push(stopSentence(stop, true));
  const first = parts.join('; ');
  sentences[0] = first ? `${sentences[0]}: ${first}.` : `${sentences[0]}.`;
  const drain = ending.drain && drainSentence(ending.drain, ending.main ? 'it' : 'the services');
  if (drain) sentences.push(`${drain[0]!.toUpperCase()}${drain.slice(1)}.`);
  return cutToBytes(sentences.join(' '), TERMINATION_MESSAGE_BYTES);
}

/** Cut at a character boundary, never in the middle of one. */
export function cutToBytes(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8');
  if (encoded.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--;
  return encoded.subarray(0, end).toString('utf8');
}

/** The fields of the exit record. */
export function endingFields(ending: Ending): Record<string, unknown> {
  const { main, status, stop } = ending;
  const oom = main?.oom && status === main.status ? main.oom : null;
  const reason = status === null ? (main ? 'stop-deadline' : undefined)
    : oom ? 'oom-killed' : 'exited' in status ? 'exited' : 'signaled';
  return {
    code: ending.code,
    ...(reason ? { reason } : {}),
    ...(status ? { status } : {}),
    ...(oom ? oomFields(oom) : {}),
    ...(stop ? { stopSignal: stop.signal, ...(stop.delayMs > 0 ? { stopDelayMs: stop.delayMs } : {}) } : {}),
    ...(stop?.killedBy ? { killedBy: stop.killedBy } : {}),
    ...(ending.drain && ending.drain.left > 0 ? { drain: ending.drain } : {}),
  };
}
