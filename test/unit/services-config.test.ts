// The config file's validation, without processes: every kind of mistake is one line naming the
// JSON path and the fix; the defaults; and the shipped JSON Schema describing the same fields.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError, SERVICE_FIELDS, TOP_FIELDS, configFromJson, duplicateKey, formatConfigError, loadConfig, parseJson,
} from '../../src/services/config.js';
import { DEFAULTS } from '../../src/services/spec.js';
import { ROOT } from '../helpers/procs.js';

const rt = { min: 34, max: 64 };
const load = (root: unknown, hasMain = false) => configFromJson(root as never, '/srv/app/procinit.json', { hasMain, rt });
const service = (fields: Record<string, unknown>) => load({ services: { web: { command: ['web'], ...fields } } }).services[0]!;

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('a valid config', () => {
  it('reads every field', () => {
    const config = load({
      $schema: './node_modules/procinit/procinit.schema.json',
      services: {
        redis: { command: ['redis-server'], ready: { tcp: 6379 }, stopSignal: 'INT', stopTimeout: '2s', signals: ['HUP', 'USR1:USR2'] },
        migrate: { type: 'oneshot', command: ['node', 'migrate.js'], dependsOn: ['redis'], restart: 'on-failure', maxRetries: 3 },
        worker: {
          command: ['node', 'worker.js'], dependsOn: ['migrate'], ready: { http: 'http://localhost:8080/health?x=1' },
          readyTimeout: 30, successExitCodes: [0, 143], critical: false, env: { MODE: 'worker' }, cwd: '../worker',
        },
        notify: { command: ['s6-like'], ready: { fd: 5 }, readyTimeout: '500ms' },
        probe: { command: ['db'], ready: { exec: ['pg_isready', '-q'] } },
      },
    });
    expect(config.services.map((s) => s.name)).toEqual(['redis', 'migrate', 'worker', 'notify', 'probe']);
    const [redis, migrate, worker, notify, probe] = config.services;
    expect(redis).toMatchObject({ type: 'longrun', restart: 'always', stopSignal: 2, stopTimeoutMs: 2000,
      ready: { kind: 'tcp', hosts: ['127.0.0.1', '::1'], port: 6379 }, readyTimeoutMs: 90_000, critical: true });
    expect([...redis!.signals]).toEqual([[1, 1], [10, 12]]);
    expect(migrate).toMatchObject({ type: 'oneshot', restart: 'on-failure', maxRetries: 3, readyTimeoutMs: null, dependsOn: ['redis'] });
    expect(worker).toMatchObject({ readyTimeoutMs: 30_000, successExitCodes: [0, 143], critical: false, env: { MODE: 'worker' },
      cwd: '/srv/worker', ready: { kind: 'http', hosts: ['127.0.0.1', '::1'], port: 8080, path: '/health?x=1', hostHeader: 'localhost:8080' } });
    expect(notify).toMatchObject({ ready: { kind: 'fd', fd: 5 }, readyTimeoutMs: 500 });
    expect(probe!.ready).toMatchObject({ kind: 'exec', command: ['pg_isready', '-q'] });
  });

  it('defaults: a critical longrun restarted always; beside a main command, not critical; a oneshot never restarted', () => {
    const alone = load({ services: { a: { command: ['a'] }, b: { command: ['b'], type: 'oneshot' } } });
    expect(alone.services[0]).toMatchObject({ type: 'longrun', restart: 'always', critical: true, maxRetries: 5,
      stopSignal: 15, stopTimeoutMs: 5000, successExitCodes: [0], dependsOn: [], ready: null, env: {}, cwd: null });
    expect(alone.services[1]).toMatchObject({ restart: 'never', critical: true });
    expect(load({ services: { a: { command: ['a'] } } }, true).services[0]!.critical).toBe(false);
  });

  it('reads numeric hosts for tcp and http checks', () => {
    expect(service({ ready: { tcp: '10.0.0.2:80' } }).ready).toMatchObject({ hosts: ['10.0.0.2'], port: 80 });
    expect(service({ ready: { tcp: '[::1]:80' } }).ready).toMatchObject({ hosts: ['::1'], port: 80 });
    expect(service({ ready: { http: 'http://127.0.0.1/' } }).ready).toMatchObject({ hosts: ['127.0.0.1'], port: 80, path: '/' });
  });
});

describe('every mistake: one line with the JSON path and the fix', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['not an object', [], '', /not a JSON object; write/],
    ['an unknown top-level field', { services: { a: { command: ['a'] } }, service: {} }, 'service', /unknown field; use one of \$schema, services/],
    ['no services', { services: {} }, 'services', /missing or empty; add at least one/],
    ['a bad name', { services: { '1st': { command: ['a'] } } }, 'services.1st', /start with a letter/],
    ['an unknown service field', { services: { web: { command: ['a'], restrat: 'always' } } }, 'services.web.restrat', /unknown field; use one of command, type/],
    ['no command', { services: { web: {} } }, 'services.web.command', /missing; give the program/],
    ['a command string', { services: { web: { command: 'node server.js' } } }, 'services.web.command', /not a command; use an array of strings/],
    ['an empty program', { services: { web: { command: [''] } } }, 'services.web.command[0]', /empty; name a program/],
    ['a bad type', { services: { web: { command: ['a'], type: 'daemon' } } }, 'services.web.type', /use longrun or oneshot/],
    ['a bad restart', { services: { web: { command: ['a'], restart: 'sometimes' } } }, 'services.web.restart', /use always, on-failure or never/],
    ['a oneshot restarted always', { services: { m: { command: ['a'], type: 'oneshot', restart: 'always' } } }, 'services.m.restart', /use "on-failure" or "never"/],
    ['a oneshot with ready', { services: { m: { command: ['a'], type: 'oneshot', ready: { tcp: 1 } } } }, 'services.m.ready', /remove ready/],
    ['two checks', { services: { web: { command: ['a'], ready: { tcp: 1, http: 'http://x' } } } }, 'services.web.ready', /use one of \{"tcp": 6379\}/],
    ['a port out of range', { services: { web: { command: ['a'], ready: { tcp: 70000 } } } }, 'services.web.ready.tcp', /not a port; use a whole number from 1 to 65535/],
    ['a host name', { services: { web: { command: ['a'], ready: { tcp: 'redis:6379' } } } }, 'services.web.ready.tcp', /is a name; use localhost or a numeric address/],
    ['https', { services: { web: { command: ['a'], ready: { http: 'https://localhost/' } } } }, 'services.web.ready.http', /not an http:\/\/ URL/],
    ['an http host name', { services: { web: { command: ['a'], ready: { http: 'http://db.local/' } } } }, 'services.web.ready.http', /is a name/],
    ['fd 1', { services: { web: { command: ['a'], ready: { fd: 1 } } } }, 'services.web.ready.fd', /from 3 to 255/],
    ['an empty exec', { services: { web: { command: ['a'], ready: { exec: [] } } } }, 'services.web.ready.exec', /not a command/],
    ['a bad duration', { services: { web: { command: ['a'], readyTimeout: '5 minutes' } } }, 'services.web.readyTimeout', /not a positive duration; use "500ms", "5s"/],
    ['a zero readyTimeout', { services: { web: { command: ['a'], readyTimeout: 0 } } }, 'services.web.readyTimeout', /positive duration/],
    ['a negative stopTimeout', { services: { web: { command: ['a'], stopTimeout: -1 } } }, 'services.web.stopTimeout', /not a duration/],
    ['a bad stop signal', { services: { web: { command: ['a'], stopSignal: 'TREM' } } }, 'services.web.stopSignal', /not a signal; use a name like "TERM"/],
    ['a stop signal in signals', { services: { web: { command: ['a'], signals: ['HUP', 'TERM'] } } }, 'services.web.signals[1]', /stops every service in order; set stopSignal/],
    ['SIGCHLD in signals', { services: { web: { command: ['a'], signals: ['CHLD'] } } }, 'services.web.signals[0]', /never passes on SIGCHLD/],
    ['a bad rewrite', { services: { web: { command: ['a'], signals: ['USR1:NOPE'] } } }, 'services.web.signals[0]', /not a signal/],
    ['signals not a list', { services: { web: { command: ['a'], signals: 'HUP' } } }, 'services.web.signals', /not a list of signals/],
    ['maxRetries 0', { services: { web: { command: ['a'], maxRetries: 0 } } }, 'services.web.maxRetries', /from 1 to/],
    ['a bad exit code', { services: { web: { command: ['a'], successExitCodes: [0, 256] } } }, 'services.web.successExitCodes[1]', /not an exit code/],
    ['critical as a string', { services: { web: { command: ['a'], critical: 'yes' } } }, 'services.web.critical', /use true or false/],
    ['an env number', { services: { web: { command: ['a'], env: { PORT: 8080 } } } }, 'services.web.env.PORT', /not a string; quote it: "8080"/],
    ['an empty cwd', { services: { web: { command: ['a'], cwd: '' } } }, 'services.web.cwd', /not a directory/],
    ['an unknown dependency', { services: { web: { command: ['a'], dependsOn: ['db'] } } }, 'services.web.dependsOn[0]', /"db" is not a service in this file; use one of web/],
    ['a self dependency', { services: { web: { command: ['a'], dependsOn: ['web'] } } }, 'services.web.dependsOn[0]', /cannot depend on itself/],
    ['a cycle', { services: { a: { command: ['a'], dependsOn: ['c'] }, b: { command: ['b'], dependsOn: ['a'] }, c: { command: ['c'], dependsOn: ['b'] } } },
      'services.a.dependsOn', /a -> c -> b -> a is a cycle; remove one of these dependencies/],
  ];
  it.each(cases)('%s', (_what, root, path, message) => {
    const error = errorOf(() => load(root));
    expect(error.path).toBe(path);
    expect(error.message).toMatch(message);
    const line = formatConfigError('procinit.json', error);
    expect(line).not.toContain('\n');
    expect(line.startsWith(`procinit.json: ${path ? `${path}: ` : ''}`)).toBe(true);
  });

  it('not JSON: the line and column, and what strict JSON means', () => {
    const error = errorOf(() => parseJson('{\n  "services": {\n    "a": {"command": ["a"]},\n  }\n}'));
    expect(error.path).toBe('');
    expect(error.message).toMatch(/^not valid JSON at line 4 column 3 .*no trailing commas$/);
    expect(errorOf(() => parseJson('{"services": ')).message).toMatch(/at line 1 column 14/);
  });

  it('a key written twice (JSON.parse would keep the last one silently)', () => {
    expect(errorOf(() => parseJson('{"services": {"web": {"command": ["a"]}, "web": {"command": ["b"]}}}')).path).toBe('services.web');
    expect(errorOf(() => parseJson('{"services": {"w": {"command": ["a"], "env": {"A": "1", "A": "2"}}}}')).path).toBe('services.w.env.A');
    expect(duplicateKey('{"a": ["x", {"b": 1, "c": "\\"b\\":"}], "b": {"a": 1}}')).toBeNull();
    expect(duplicateKey('{"a": [{"b": 1}, {"b": 2, "b": 3}]}')?.path).toBe('a[1].b');
  });

  it('a file that cannot be read', () => {
    const error = errorOf(() => loadConfig('/nonexistent/procinit.json', { hasMain: false, rt }));
    expect(error.message).toMatch(/cannot read it \(ENOENT\); check the path given to --config or PROCINIT_CONFIG/);
  });
});

describe('the JSON Schema shipped for editors', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'procinit.schema.json'), 'utf8'));
  const props = schema.definitions.service.properties;

  it('names the same fields as the validator', () => {
    expect(Object.keys(props).sort()).toEqual([...SERVICE_FIELDS].sort());
    expect(Object.keys(schema.properties).sort()).toEqual([...TOP_FIELDS].sort());
    expect(schema.definitions.service.additionalProperties).toBe(false);
    expect(schema.additionalProperties).toBe(false);
  });

  it('has the same choices and defaults', () => {
    expect(props.type.enum).toEqual(['longrun', 'oneshot']);
    expect(props.restart.enum).toEqual(['always', 'on-failure', 'never']);
    expect(props.maxRetries.default).toBe(DEFAULTS.maxRetries);
    expect(props.successExitCodes.default).toEqual(DEFAULTS.successExitCodes);
    expect(props.ready.oneOf.map((o: { required: string[] }) => o.required[0])).toEqual(['tcp', 'http', 'exec', 'fd']);
    expect(new RegExp(schema.properties.services.propertyNames.pattern).test('web-1')).toBe(true);
  });

  it('is shipped in the package', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.files).toContain('procinit.schema.json');
  });
});
