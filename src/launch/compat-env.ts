// tini's and dumb-init's environment variables, read exactly as they read them, so an image that
// swaps either for procinit keeps its settings. (tini's switches, set-at-all-is-on, are read by
// flagFromEnv in options.ts.)
import type { Env } from './options.js';

const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/**
 * glibc's atoi(): `(int) strtol(text, NULL, 10)`. White space, a sign and digits; anything after
 * is ignored, nothing is 0; strtol saturates at LONG_MIN/LONG_MAX and the cast keeps the low
 * 32 bits.
 */
export function cAtoi(text: string): number {
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(text)!;
  let n = BigInt(match[2] || '0');
  if (match[1] === '-') n = -n;
  if (n > LONG_MAX) n = LONG_MAX;
  if (n < LONG_MIN) n = LONG_MIN;
  return Number(BigInt.asIntN(32, n));
}

/**
 * TINI_VERBOSITY as tini reads it: atoi() into an unsigned int, so `abc` and the empty string are
 * 0 (errors only), `3abc` is 3, and a negative number wraps to a huge level: everything. tini's
 * scale tops out at 4 (trace), as procinit's does.
 */
export function tiniVerbosity(text: string): number {
  const unsigned = cAtoi(text) >>> 0;
  return Math.min(unsigned, 4);
}

/**
 * tini reads its environment after its flags, so TINI_VERBOSITY replaces the count of -v. The
 * value it sets, when it applies (PROCINIT_VERBOSITY, procinit's own, wins over it).
 */
export function tiniVerbosityOverride(env: Env): number | undefined {
  if (env.PROCINIT_VERBOSITY !== undefined || env.TINI_VERBOSITY === undefined) return undefined;
  return tiniVerbosity(env.TINI_VERBOSITY);
}

/**
 * DUMB_INIT_SETSID as dumb-init reads it: exactly `0` means signals go to the child alone
 * (procinit's default); any other value means to the child's whole group (procinit's -g).
 * Unset, it says nothing: dumb-init's default is the group, procinit's is the child (as tini's).
 */
export function dumbInitSetsid(env: Env): boolean | undefined {
  const value = env.DUMB_INIT_SETSID;
  if (value === undefined) return undefined;
  return value !== '0';
}
