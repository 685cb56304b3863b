// The give-up message: what happened, in a phrase, and the likely fix. Pure; read from the
// failed runs in a row that led to it.
import type { RealtimeRange } from '../core/signal-table.js';
import { signalName } from '../core/signal-table.js';
import { formatDuration } from '../launch/duration.js';
import { BACKOFF, type RunEnd } from './policy.js';
import type { ServiceSpec } from './spec.js';

const WORDS = ['no', 'once', 'twice', 'three times', 'four times', 'five times', 'six times', 'seven times',
  'eight times', 'nine times', 'ten times'];
const times = (n: number) => WORDS[n] ?? `${n} times`;

function ending(end: RunEnd, rt: RealtimeRange): string {
  return 'exited' in end.status ? `exited ${end.status.exited}` : `was killed by ${signalName(end.status.signaled, rt)}`;
}

/** "exited 0 five times within 10 s: does it daemonize? run it in the foreground" */
export function giveUpHint(spec: ServiceSpec, history: readonly RunEnd[], rt: RealtimeRange): string {
  const last = history.at(-1)!;
  const n = history.length;
  const all = (test: (end: RunEnd) => boolean) => history.every(test);
  const exitedWith = (code: number) => (end: RunEnd) => 'exited' in end.status && end.status.exited === code;
  const what = n === 1 ? ending(last, rt) : all((e) => ending(e, rt) === ending(last, rt))
    ? `${ending(last, rt)} ${times(n)}` : `failed ${times(n)}`;
  const within = `within ${BACKOFF.goodRunMs / 1000} s`;
  const policy = spec.restart === 'always' ? '' : ` and its restart policy is ${spec.restart}`;
  if (all((e) => e.cause === 'spawn-error' && exitedWith(127)(e))) {
    return `could not be started ${times(n)}: ${JSON.stringify(spec.command[0])} was not found; check the command and PATH`;
  }
  if (all((e) => e.cause === 'spawn-error')) {
    return `could not be started ${times(n)}: ${JSON.stringify(spec.command[0])} cannot be executed (or its cwd is missing); check its permissions, #! line and cwd`;
  }
  if (all((e) => e.cause === 'ready-timeout')) {
    return `never became ready ${n === 1 ? '' : `in ${n} runs `}within its readyTimeout of ${formatDuration(spec.readyTimeoutMs ?? 0)} (ready: ${spec.ready?.text}); `
      + 'check that it listens where ready says, or raise readyTimeout';
  }
  if (spec.type === 'longrun' && spec.restart === 'always' && n > 1 && all(exitedWith(0))) {
    return `${what} ${within}: does it daemonize? run it in the foreground`;
  }
  if (all((e) => 'signaled' in e.status && e.status.signaled === 9)) {
    return `${what}${n > 1 ? ` ${within}` : ''}${policy}: SIGKILL from outside procinit is often the kernel's OOM killer; check the container's memory limit`;
  }
  if (spec.type === 'oneshot') return `${what}${policy}: its own output above says why`;
  return `${what}${n > 1 || !last.wasReady ? ` ${last.wasReady ? within : 'before it was ready'}` : ''}${policy}: its own output above says why`;
}
