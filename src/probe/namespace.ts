// How the probe makes a fresh PID namespace: unshare(1) from util-linux, as root if it can, else
// inside a new user namespace where the kernel allows one. Checked once, with `true`, before any
// trial, so a machine that cannot do it gets one clear line instead of two failed trials.
import { spawnSync } from 'node:child_process';

export interface Namespacer {
  /** What the report says: a PID namespace, or a user and PID namespace. */
  kind: 'pid' | 'user+pid';
  /** The command line to put in front of the command that is to be PID 1 of the namespace. */
  prefix: string[];
}

export type NamespacerResult = { ok: true; namespacer: Namespacer } | { ok: false; message: string };

/**
 * --fork: the command becomes PID 1, unshare its parent outside. --mount-proc: a /proc showing
 * the namespace, as in a container. --kill-child: if unshare dies, so does the namespace.
 */
const PID_FLAGS = ['--pid', '--fork', '--mount-proc', '--kill-child'];
const USER_FLAGS = ['--user', '--map-root-user'];

function attempt(prefix: string[]): { ok: true } | { ok: false; why: string; missing: boolean } {
  const result = spawnSync(prefix[0]!, [...prefix.slice(1), '--', 'true'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    return { ok: false, why: code === 'ENOENT' ? 'not installed' : result.error.message, missing: code === 'ENOENT' };
  }
  if (result.status === 0) return { ok: true };
  const why = result.stderr.trim().split('\n').pop()?.replace(/^unshare: /, '') || `exit status ${result.status}`;
  return { ok: false, why, missing: false };
}

export function findNamespacer(isRoot = process.geteuid?.() === 0): NamespacerResult {
  const plain = ['unshare', ...PID_FLAGS];
  const withUser = ['unshare', ...USER_FLAGS, ...PID_FLAGS];
  const tried: string[] = [];
  if (isRoot) {
    const first = attempt(plain);
    if (first.ok) return { ok: true, namespacer: { kind: 'pid', prefix: plain } };
    if (first.missing) return { ok: false, message: 'unshare is not installed (it is in util-linux: apt-get install util-linux)' };
    tried.push(`as root, unshare --pid failed: ${first.why}`);
  }
  const second = attempt(withUser);
  if (second.ok) return { ok: true, namespacer: { kind: 'user+pid', prefix: withUser } };
  if (second.missing) return { ok: false, message: 'unshare is not installed (it is in util-linux: apt-get install util-linux)' };
  tried.push(`unshare --user --pid failed: ${second.why}`);
  return {
    ok: false,
    message: `cannot make a PID namespace here (${tried.join('; ')}): run as root, or allow unprivileged `
      + 'user namespaces (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0); '
      + 'inside a container, run the probe with --privileged or on the host',
  };
}

/**
 * setpriv --pdeathsig KILL in front of unshare makes unshare die with the probe, even when the
 * probe is SIGKILLed; unshare's --kill-child then takes the namespace with it.
 */
export function findParentDeathWrapper(): string[] {
  const result = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { timeout: 10_000 });
  return result.status === 0 ? ['setpriv', '--pdeathsig', 'KILL', '--'] : [];
}
