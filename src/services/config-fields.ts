// One parser per kind of value a service's fields hold. Each returns the value or throws a
// ConfigError naming the JSON path, the problem and the fix; config.ts assembles them.
import { parseDuration } from '../launch/duration.js';
import { type RealtimeRange, parseSignal, signalName } from '../core/signal-table.js';
import type { ReadyCheck } from './spec.js';

export class ConfigError extends Error {
  constructor(readonly path: string, problem: string) {
    super(problem);
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const isObject = (v: Json | undefined): v is { [key: string]: Json } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: Json | undefined) => (v === undefined ? 'nothing' : JSON.stringify(v));

export function stringArray(v: Json | undefined, path: string, what: string, allowEmpty = false): string[] {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || v.some((s) => typeof s !== 'string')) {
    throw new ConfigError(path, `${show(v)} is not ${what}; use an array of strings like ["node", "worker.js"]`);
  }
  if (!allowEmpty && v[0] === '') throw new ConfigError(`${path}[0]`, 'the program is empty; name a program');
  return v as string[];
}

export function oneOf<T extends string>(v: Json | undefined, path: string, what: string, choices: readonly T[]): T {
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(path, `${show(v)} is not ${what}; use ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)}`);
}

export function boolean(v: Json | undefined, path: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new ConfigError(path, `${show(v)} is not true or false; use true or false (no quotes)`);
}

export function integer(v: Json | undefined, path: string, min: number, max: number, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  throw new ConfigError(path, `${show(v)} is not ${what}; use a whole number from ${min} to ${max}`);
}

/** `"500ms"`, `"5s"`, `"1m"`, or a number of seconds, as on the command line. */
export function duration(v: Json | undefined, path: string, allowZero: boolean): number {
  const ms = typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v * 1000)
    : typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined || (!allowZero && ms === 0)) {
    throw new ConfigError(path, `${show(v)} is not a${allowZero ? '' : ' positive'} duration; use "500ms", "5s", "1m" or a number of seconds`);
  }
  return ms;
}

export function signal(v: Json | undefined, path: string, rt: RealtimeRange): number {
  const n = typeof v === 'string' ? parseSignal(v, rt) : typeof v === 'number' ? parseSignal(String(v), rt) : undefined;
  if (n === undefined) throw new ConfigError(path, `${show(v)} is not a signal; use a name like "TERM" or "SIGINT"`);
  return n;
}

/** The stop signals stop services in order; a service cannot be sent them as ordinary signals. */
const STOPPING = new Set([2, 3, 15]);
const NEVER_RECEIVED = new Set([9, 17, 19, 21, 22]);

/** `["HUP", "USR1:USR2"]`: which signals procinit passes on to the service, and as what. */
export function signalList(v: Json | undefined, path: string, rt: RealtimeRange): Map<number, number> {
  if (!Array.isArray(v)) throw new ConfigError(path, `${show(v)} is not a list of signals; use e.g. ["HUP", "USR1:USR2"]`);
  const out = new Map<number, number>();
  v.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    const parts = typeof entry === 'string' ? entry.split(':') : [];
    if (parts.length < 1 || parts.length > 2) {
      throw new ConfigError(at, `${show(entry)} is not a signal or FROM:TO; use "HUP" or "USR1:USR2"`);
    }
    const from = signal(parts[0], at, rt);
    const to = parts.length === 2 ? signal(parts[1], at, rt) : from;
    if (STOPPING.has(from)) {
      throw new ConfigError(at, `${signalName(from, rt)} stops every service in order; set stopSignal to choose what this service gets`);
    }
    if (NEVER_RECEIVED.has(from)) throw new ConfigError(at, `procinit never passes on ${signalName(from, rt)}; remove it`);
    out.set(from, to);
  });
  return out;
}

export function environment(v: Json | undefined, path: string): Record<string, string> {
  if (!isObject(v)) throw new ConfigError(path, `${show(v)} is not an object; use {"NAME": "value"}`);
  for (const [key, value] of Object.entries(v)) {
    if (key === '' || key.includes('=') || key.includes('\0')) {
      throw new ConfigError(`${path}.${key}`, 'is not a variable name; use a name without "=" or NUL');
    }
    if (typeof value !== 'string') {
      throw new ConfigError(`${path}.${key}`, `${show(value)} is not a string; quote it: "${String(value)}"`);
    }
  }
  return v as Record<string, string>;
}

/**
 * Numeric hosts only, or localhost (tried as 127.0.0.1 and ::1): resolving a name would need
 * dns.lookup, which runs on libuv's thread pool, and PID 1 starts no threads.
 */
function hostsOf(host: string, at: string): string[] {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === '' || bare === 'localhost') return ['127.0.0.1', '::1'];
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare) || (bare.includes(':') && /^[0-9a-fA-F:.]+$/.test(bare))) return [bare];
  throw new ConfigError(at, `host ${JSON.stringify(host)} is a name; use localhost or a numeric address like 127.0.0.1 (procinit resolves no names)`);
}

const READY_KINDS = ['tcp', 'http', 'exec', 'fd'] as const;

function tcpCheck(v: Json, at: string): ReadyCheck {
  if (typeof v === 'number') return { kind: 'tcp', hosts: hostsOf('', at), port: integer(v, at, 1, 65535, 'a port'), text: `tcp ${v}` };
  const m = typeof v === 'string' ? /^(.*):(\d+)$/.exec(v) : null;
  if (!m) throw new ConfigError(at, `${show(v)} is not a port; use a port like 6379 or "127.0.0.1:6379"`);
  return { kind: 'tcp', hosts: hostsOf(m[1]!, at), port: integer(Number(m[2]), at, 1, 65535, 'a port'), text: `tcp ${v}` };
}

function httpCheck(v: Json, at: string): ReadyCheck {
  let url: URL | null = null;
  try {
    url = typeof v === 'string' ? new URL(v) : null;
  } catch {
    // reported below
  }
  if (!url || url.protocol !== 'http:') {
    throw new ConfigError(at, `${show(v)} is not an http:// URL; use one like "http://localhost:8080/health"`);
  }
  const port = url.port === '' ? 80 : Number(url.port);
  return { kind: 'http', hosts: hostsOf(url.hostname, at), port, path: `${url.pathname}${url.search}`, hostHeader: url.host, text: `http ${v}` };
}

export function readyCheck(v: Json | undefined, path: string): ReadyCheck {
  const keys = isObject(v) ? Object.keys(v) : [];
  if (!isObject(v) || keys.length !== 1 || !(READY_KINDS as readonly string[]).includes(keys[0]!)) {
    throw new ConfigError(path, `${show(v)} is not a readiness check; use one of {"tcp": 6379}, {"http": "http://localhost:8080/health"}, {"exec": ["pg_isready"]} or {"fd": 3}`);
  }
  const kind = keys[0] as typeof READY_KINDS[number];
  const at = `${path}.${kind}`;
  const value = v[kind]!;
  if (kind === 'tcp') return tcpCheck(value, at);
  if (kind === 'http') return httpCheck(value, at);
  if (kind === 'exec') {
    const command = stringArray(value, at, 'a command');
    return { kind, command, text: `exec ${command.join(' ')}` };
  }
  const fd = integer(value, at, 3, 255, 'a descriptor number for the service to write a newline to');
  return { kind, fd, text: `fd ${fd}` };
}
