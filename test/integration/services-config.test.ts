// Issue 14, config errors through the real binary: the file is validated in full before anything
// starts, and each mistake is exit 2 with one line naming the file, the JSON path and the fix.
// (Every kind of mistake is covered without processes in test/unit/services-config.test.ts.)
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROCINIT, run, tempDir } from '../helpers/procs.js';

/** The config in a temp dir; the text may name `marker`, a file a started process would make. */
function setUp(text: (marker: string) => string) {
  const dir = tempDir();
  const file = join(dir, 'procinit.json');
  const marker = join(dir, 'started');
  writeFileSync(file, text(marker));
  return { file, marker };
}

const valid = (marker: string) => `"first": {"command": ["touch", "${marker}"]}`;

describe('a config mistake: exit 2, one line, nothing started', () => {
  const cases: Array<[string, (m: string) => string, RegExp]> = [
    ['an unknown field', (m) => `{"services": {${valid(m)}, "web": {"command": ["x"], "restrat": "always"}}}`,
      /: services\.web\.restrat: unknown field; use one of command, type, dependsOn,/],
    ['a cycle', (m) => `{"services": {${valid(m)}, "a": {"command": ["x"], "dependsOn": ["b"]}, "b": {"command": ["x"], "dependsOn": ["a"]}}}`,
      /: services\.a\.dependsOn: a -> b -> a is a cycle; remove one of these dependencies$/],
    ['an unknown dependency', (m) => `{"services": {${valid(m)}, "a": {"command": ["x"], "dependsOn": ["db"]}}}`,
      /: services\.a\.dependsOn\[0\]: "db" is not a service in this file; use one of first, a$/],
    ['a bad signal', (m) => `{"services": {${valid(m)}, "a": {"command": ["x"], "stopSignal": "SIGTREM"}}}`,
      /: services\.a\.stopSignal: "SIGTREM" is not a signal; use a name like "TERM" or "SIGINT"$/],
    ['a bad duration', (m) => `{"services": {${valid(m)}, "a": {"command": ["x"], "stopTimeout": "soon"}}}`,
      /: services\.a\.stopTimeout: "soon" is not a duration; use "500ms", "5s", "1m" or a number of seconds$/],
    ['a trailing comma', (m) => `{"services": {${valid(m)},}}`,
      /: not valid JSON at line 1 column \d+ \(.*\); the file is strict JSON: double-quoted keys, no comments, no trailing commas$/],
    ['a service named twice', (m) => `{"services": {${valid(m)}, "first": {"command": ["y"]}}}`,
      /: services\.first: appears twice in the same object; keep one \(JSON keeps only the last\)$/],
  ];
  it.each(cases)('%s', async (_what, text, message) => {
    const { file, marker } = setUp(text);
    const result = await run([PROCINIT, '--config', file, '--', 'touch', marker]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.startsWith(`procinit: ${file}: `)).toBe(true);
    expect(lines[0]).toMatch(message);
    expect(existsSync(marker)).toBe(false);
  });

  it('PROCINIT_CONFIG is the twin of --config, with the bare `-- command` form too', async () => {
    const { file, marker } = setUp(() => '{"services": {"a": {"command": ["x"], "type": "daemon"}}}');
    const result = await run([PROCINIT, '--', 'touch', marker], { env: { ...process.env, PROCINIT_CONFIG: file } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`procinit: ${file}: services.a.type: "daemon" is not a service type; use longrun or oneshot\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('a missing file', async () => {
    const result = await run([PROCINIT, '--config', '/nonexistent/procinit.json']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('procinit: /nonexistent/procinit.json: cannot read it (ENOENT); check the path given to --config or PROCINIT_CONFIG\n');
  });

  it('no command and no config is still a usage error', async () => {
    const result = await run([PROCINIT, '-v']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^procinit: no command given \(nor services with --config\)\. Usage: /);
  });
});
