// posix_spawn with the state a child of an init must start from. Node ignores SIGPIPE and SIGXFSZ
// and exec keeps ignored dispositions, so every signal is reset to its default and the mask is
// emptied. The child leads a new process group so a terminal's job control and `-g` work.
import { closeSync } from 'node:fs';
import type { Libc } from './libc.js';
import type { Bytes, SpawnRequest, SpawnResult } from './api.js';
import {
  ENOSYS, F_DUPFD_CLOEXEC, FILE_ACTIONS_BYTES, POSIX_SPAWN_SETPGROUP, POSIX_SPAWN_SETSIGDEF, POSIX_SPAWN_SETSIGMASK,
  SIGSET_BYTES, SPAWNATTR_BYTES, errnoName,
} from './constants.js';

function check(what: string, rc: number): void {
  if (rc !== 0) throw new Error(`${what} failed: ${errnoName(rc)}`);
}

/**
 * sigfillset leaves out the signals libc keeps for itself (32 and 33 on glibc, 32 to 34 on musl),
 * and posix_spawn sets the ones not in its default set to SIG_IGN in the child, which exec keeps:
 * the child would start with them ignored, unlike after fork and exec. sigaddset refuses them, so
 * their bits are set by hand: sigset_t is an array of little-endian words on x64 and arm64, signal
 * n at bit n-1. Nothing sends these signals to another process, so the default is safe in the child.
 */
function addLibcInternalSignals(set: Buffer, sigrtmin: number): void {
  for (let signal = 32; signal < sigrtmin; signal++) set[(signal - 1) >> 3]! |= 1 << ((signal - 1) & 7);
}

function makeAttributes(libc: Libc, ignored: readonly number[]): Buffer {
  const attr = Buffer.alloc(SPAWNATTR_BYTES);
  const everySignal = Buffer.alloc(SIGSET_BYTES);
  const noSignal = Buffer.alloc(SIGSET_BYTES);
  libc.sigfillset(everySignal);
  addLibcInternalSignals(everySignal, libc.sigrtmin());
  for (const signal of ignored) everySignal[(signal - 1) >> 3]! &= ~(1 << ((signal - 1) & 7));
  libc.sigemptyset(noSignal);
  check('posix_spawnattr_init', libc.posix_spawnattr_init(attr));
  check('posix_spawnattr_setflags', libc.posix_spawnattr_setflags(attr,
    POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
  check('posix_spawnattr_setpgroup', libc.posix_spawnattr_setpgroup(attr, 0));
  check('posix_spawnattr_setsigdefault', libc.posix_spawnattr_setsigdefault(attr, everySignal));
  check('posix_spawnattr_setsigmask', libc.posix_spawnattr_setsigmask(attr, noSignal));
  return attr;
}

/**
 * A `from` that is also some mapping's `to` would be overwritten by an earlier dup2, or (from ===
 * to) keep its close-on-exec flag: move such descriptors above every target first. The copies are
 * close-on-exec and closed after the spawn.
 */
function separateDescriptors(libc: Libc, mappings: Array<{ from: number; to: number }>):
  { mappings: Array<{ from: number; to: number }>; copies: number[] } {
  const targets = new Set(mappings.map((m) => m.to));
  const above = Math.max(...targets) + 1;
  const copies: number[] = [];
  const out = mappings.map(({ from, to }) => {
    if (!targets.has(from)) return { from, to };
    const copy: number = libc.fcntl(from, F_DUPFD_CLOEXEC, 'int', above);
    if (copy < 0) throw new Error(`fcntl(F_DUPFD_CLOEXEC) failed: ${errnoName(libc.errno())}`);
    copies.push(copy);
    return { from: copy, to };
  });
  return { mappings: out, copies };
}

type Actions = { buffer: Buffer | null; copies: number[] } | { errno: number };

function makeFileActions(libc: Libc, request: SpawnRequest): Actions {
  const foreground = request.takeForeground && libc.posix_spawn_file_actions_addtcsetpgrp_np !== null;
  const descriptors = request.descriptors ?? [];
  if (!foreground && request.cwd === undefined && descriptors.length === 0) return { buffer: null, copies: [] };
  const extra = request.cwd !== undefined || descriptors.length > 0 ? libc.services() : null;
  if (request.cwd !== undefined && !extra?.posix_spawn_file_actions_addchdir_np) return { errno: ENOSYS };
  const actions = Buffer.alloc(FILE_ACTIONS_BYTES);
  check('posix_spawn_file_actions_init', libc.posix_spawn_file_actions_init(actions));
  // Done in the child between fork and exec with signals blocked, so no SIGTTOU and no race
  // with a shell that checks its terminal at start-up.
  if (foreground) {
    check('posix_spawn_file_actions_addtcsetpgrp_np', libc.posix_spawn_file_actions_addtcsetpgrp_np!(actions, 0));
  }
  const { mappings, copies } = descriptors.length > 0 ? separateDescriptors(libc, descriptors) : { mappings: [], copies: [] };
  // dup2 clears close-on-exec on the new descriptor: the child keeps exactly these.
  for (const { from, to } of mappings) {
    check('posix_spawn_file_actions_adddup2', extra!.posix_spawn_file_actions_adddup2(actions, from, to));
  }
  if (request.cwd !== undefined) {
    check('posix_spawn_file_actions_addchdir_np', extra!.posix_spawn_file_actions_addchdir_np!(actions, request.cwd));
  }
  return { buffer: actions, copies };
}

/** A C string: the bytes as given, or a JS string as UTF-8, with its terminating NUL. */
export function cString(value: Bytes): Buffer {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return Buffer.concat([bytes, Buffer.alloc(1)]);
}

/** struct sigaction: sa_handler comes first in glibc's and musl's, on x64 and arm64 alike. */
const SIGACTION_BYTES = 256;
const SIG_IGN = 1;

/**
 * A signal the child is to start ignoring has procinit's forwarding handler now, which exec
 * resets to the default. posix_spawn keeps an ignored disposition, so each is ignored for the
 * moment of the spawn and its handler put back after; one that arrives meanwhile is dropped,
 * as the caller had asked for it to be.
 */
function whileIgnored<T>(libc: Libc, signals: readonly number[], spawn: () => T): T {
  const ignore = Buffer.alloc(SIGACTION_BYTES);
  ignore.writeBigUInt64LE(BigInt(SIG_IGN));
  const saved = signals.map((signal) => {
    const old = Buffer.alloc(SIGACTION_BYTES);
    return { signal, old, ok: libc.sigaction(signal, ignore, old) === 0 };
  });
  try {
    return spawn();
  } finally {
    for (const { signal, old, ok } of saved) if (ok) libc.sigaction(signal, old, null);
  }
}

// Node's own descriptors (epoll, eventfd, the signal pipes) are all O_CLOEXEC, checked by the
// integration tests, so no close actions are needed: inherited descriptors pass through as in tini.
export function spawnProcess(libc: Libc, request: SpawnRequest): SpawnResult {
  const actions = makeFileActions(libc, request);
  if ('errno' in actions) return { ok: false, errno: actions.errno, code: errnoName(actions.errno) };
  const ignored = request.ignoredSignals ?? [];
  const attr = makeAttributes(libc, ignored);
  const pid = [0];
  try {
    const rc: number = whileIgnored(libc, ignored, () => libc.posix_spawnp(pid, cString(request.file), actions.buffer, attr,
      [...request.argv.map(cString), null], [...request.env.map(cString), null]));
    if (rc !== 0) return { ok: false, errno: rc, code: errnoName(rc) };
    return { ok: true, pid: pid[0]! };
  } finally {
    libc.posix_spawnattr_destroy(attr);
    if (actions.buffer) libc.posix_spawn_file_actions_destroy(actions.buffer);
    for (const fd of actions.copies) closeSync(fd);
  }
}
