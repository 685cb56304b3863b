// The config file: strict JSON, validated in full before anything starts. The first problem
// found is one line naming the file, the JSON path and the fix (procinit exits 2 with it).
// procinit.schema.json describes the same fields for editors; test/unit/services-config.test.ts
// holds the two to one list.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { RealtimeRange } from '../core/signal-table.js';
import {
  ConfigError, type Json, boolean, duration, environment, integer, isObject, oneOf, readyCheck, signal, signalList,
  stringArray,
} from './config-fields.js';
import { DEFAULTS, type ServiceSpec, type ServicesConfig } from './spec.js';

export { ConfigError } from './config-fields.js';

/** Every field a service may have; anything else is a typo the file's author wants to hear about. */
export const SERVICE_FIELDS = [
  'command', 'type', 'dependsOn', 'ready', 'readyTimeout', 'restart', 'successExitCodes', 'maxRetries', 'critical',
  'stopSignal', 'stopTimeout', 'signals', 'env', 'cwd',
] as const;
export const TOP_FIELDS = ['$schema', 'services'] as const;
/** A leading letter keeps JavaScript from reordering the services (integer-like keys go first). */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

export interface LoadOptions {
  /** A main command runs beside the services: they then default to non-critical, as sidecars. */
  hasMain: boolean;
  rt: RealtimeRange;
}

/** "procinit.json: services.web.restart: ..." as one line. */
export function formatConfigError(file: string, error: ConfigError): string {
  return `${file}: ${error.path ? `${error.path}: ` : ''}${error.message}`;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return `line ${line} column ${position - before.lastIndexOf('\n')}`;
}

type Level = { kind: 'object'; keys: Set<string>; key: string | null } | { kind: 'array'; index: number };

function pathOf(stack: Level[]): string {
  return stack.map((l, i) => (l.kind === 'array' ? `[${l.index}]` : `${i > 0 && l.key !== null ? '.' : ''}${l.key ?? ''}`))
    .join('').replace(/^\./, '');
}

/**
 * JSON.parse keeps the last of two equal keys without a word: a service pasted twice under one
 * name would silently replace the first. Runs on text JSON.parse accepted.
 */
export function duplicateKey(text: string): ConfigError | null {
  const stack: Level[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      let next = end + 1;
      while (/\s/.test(text[next] ?? '')) next++;
      if (top?.kind === 'object' && text[next] === ':') {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) {
          top.key = key;
          return new ConfigError(pathOf(stack), `appears twice in the same object; keep one (JSON keeps only the last)`);
        }
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    } else if (c === '{') {
      stack.push({ kind: 'object', keys: new Set(), key: null });
    } else if (c === '[') {
      stack.push({ kind: 'array', index: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack.at(-1);
      if (top?.kind === 'array') top.index++;
    }
  }
  return null;
}

export function parseJson(text: string): Json {
  try {
    const value = JSON.parse(text) as Json;
    const duplicate = duplicateKey(text);
    if (duplicate) throw duplicate;
    return value;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const message = String((error as Error).message).replace(/\s*\(line \d+ column \d+\)/, '');
    const position = /at position (\d+)/.exec(message);
    const where = lineAndColumn(text, position ? Number(position[1]) : text.length);
    throw new ConfigError('', `not valid JSON at ${where} (${message.replace(/ in JSON at position \d+/, '')}); `
      + 'the file is strict JSON: double-quoted keys, no comments, no trailing commas');
  }
}

function checkKeys(value: { [key: string]: Json }, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const at = path ? `${path}.${key}` : key;
      throw new ConfigError(at, `unknown field; use one of ${allowed.join(', ')}`);
    }
  }
}

function serviceFrom(name: string, v: Json, path: string, file: string, options: LoadOptions): ServiceSpec {
  if (!isObject(v)) throw new ConfigError(path, 'is not an object; describe the service as {"command": [...]}');
  checkKeys(v, SERVICE_FIELDS, path);
  const at = (field: string) => `${path}.${field}`;
  if (v.command === undefined) throw new ConfigError(at('command'), 'is missing; give the program and its arguments, e.g. ["redis-server"]');
  const type = v.type === undefined ? 'longrun' : oneOf(v.type, at('type'), 'a service type', ['longrun', 'oneshot'] as const);
  const restart = v.restart === undefined ? (type === 'oneshot' ? 'never' : 'always')
    : oneOf(v.restart, at('restart'), 'a restart policy', ['always', 'on-failure', 'never'] as const);
  if (type === 'oneshot' && restart === 'always') {
    throw new ConfigError(at('restart'), 'a oneshot ends by design, so "always" would run it for ever; use "on-failure" or "never"');
  }
  if (type === 'oneshot' && v.ready !== undefined) {
    throw new ConfigError(at('ready'), 'a oneshot is ready when it exits with success; remove ready, or make it a longrun');
  }
  const codes = v.successExitCodes === undefined ? [...DEFAULTS.successExitCodes] : (() => {
    if (!Array.isArray(v.successExitCodes) || v.successExitCodes.length === 0) {
      throw new ConfigError(at('successExitCodes'), `${JSON.stringify(v.successExitCodes)} is not a list of exit codes; use e.g. [0, 143]`);
    }
    return v.successExitCodes.map((c, i) => integer(c, `${at('successExitCodes')}[${i}]`, 0, 255, 'an exit code'));
  })();
  return {
    name,
    command: stringArray(v.command, at('command'), 'a command'),
    type,
    dependsOn: v.dependsOn === undefined ? [] : stringArray(v.dependsOn, at('dependsOn'), 'a list of service names', true),
    ready: v.ready === undefined ? null : readyCheck(v.ready, at('ready')),
    readyTimeoutMs: v.readyTimeout !== undefined ? duration(v.readyTimeout, at('readyTimeout'), false)
      : type === 'oneshot' ? null : DEFAULTS.readyTimeoutMs,
    restart,
    successExitCodes: codes,
    maxRetries: v.maxRetries === undefined ? DEFAULTS.maxRetries : integer(v.maxRetries, at('maxRetries'), 1, 1_000_000, 'a number of failed runs'),
    critical: v.critical === undefined ? !options.hasMain : boolean(v.critical, at('critical')),
    stopSignal: v.stopSignal === undefined ? 15 : signal(v.stopSignal, at('stopSignal'), options.rt),
    stopTimeoutMs: v.stopTimeout === undefined ? DEFAULTS.stopTimeoutMs : duration(v.stopTimeout, at('stopTimeout'), true),
    signals: v.signals === undefined ? new Map() : signalList(v.signals, at('signals'), options.rt),
    env: v.env === undefined ? {} : environment(v.env, at('env')),
    cwd: v.cwd === undefined ? null : (() => {
      if (typeof v.cwd !== 'string' || v.cwd === '') {
        throw new ConfigError(at('cwd'), `${JSON.stringify(v.cwd)} is not a directory; use a path, absolute or relative to the config file`);
      }
      return resolve(dirname(resolve(file)), v.cwd);
    })(),
  };
}

/** Unknown names, and cycles, named by the path that closes them. */
function checkDependencies(services: ServiceSpec[]): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    s.dependsOn.forEach((dep, i) => {
      const at = `services.${s.name}.dependsOn[${i}]`;
      if (!byName.has(dep)) throw new ConfigError(at, `${JSON.stringify(dep)} is not a service in this file; use one of ${[...byName.keys()].join(', ')}`);
      if (dep === s.name) throw new ConfigError(at, 'a service cannot depend on itself; remove it');
    });
  }
  const done = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    if (done.has(name)) return;
    const from = trail.indexOf(name);
    if (from >= 0) {
      const cycle = [...trail.slice(from), name];
      throw new ConfigError(`services.${name}.dependsOn`, `${cycle.join(' -> ')} is a cycle; remove one of these dependencies`);
    }
    for (const dep of byName.get(name)!.dependsOn) visit(dep, [...trail, name]);
    done.add(name);
  };
  for (const s of services) visit(s.name, []);
}

export function configFromJson(root: Json, file: string, options: LoadOptions): ServicesConfig {
  if (!isObject(root)) throw new ConfigError('', 'is not a JSON object; write {"services": {"name": {"command": [...]}}}');
  checkKeys(root, TOP_FIELDS, '');
  if (root.$schema !== undefined && typeof root.$schema !== 'string') throw new ConfigError('$schema', 'is not a string; use a path or URL to procinit.schema.json');
  const services = root.services;
  if (!isObject(services) || Object.keys(services).length === 0) {
    throw new ConfigError('services', 'is missing or empty; add at least one service: {"services": {"web": {"command": ["node", "server.js"]}}}');
  }
  const specs = Object.entries(services).map(([name, v]) => {
    if (!NAME_PATTERN.test(name)) {
      throw new ConfigError(`services.${name}`, 'is not a service name; start with a letter, then letters, digits, - or _ (at most 63)');
    }
    return serviceFrom(name, v, `services.${name}`, file, options);
  });
  checkDependencies(specs);
  return { file, services: specs };
}

/** Reads and validates the file; throws ConfigError (format it with formatConfigError). */
export function loadConfig(file: string, options: LoadOptions): ServicesConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError('', `cannot read it (${(error as NodeJS.ErrnoException).code ?? error}); check the path given to --config or PROCINIT_CONFIG`);
  }
  return configFromJson(parseJson(text), file, options);
}
