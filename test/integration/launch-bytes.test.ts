// Issue 10, item 3: the child gets exactly the argv bytes and the environment (names and values,
// byte for byte) procinit was given, however procinit was started: a value that is not UTF-8, a
// name a shell would drop (Kubernetes allows a-b and x.y), a value with a newline. tini, which
// passes argv and environ through untouched, is the reference. Started from a Python execve,
// since Node's child_process can only pass UTF-8.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, MODES, TINI_INIT, start, tempDir } from '../helpers/procs.js';
import { PYTHON, canRun, initCommand } from '../helpers/inits.js';
import { LAUNCH_FORMS } from '../helpers/launch-forms.js';

const EXEC_BYTES = join(FIXTURES, 'exec-bytes.py');
const REPORT = join(FIXTURES, 'report-process.py');
const hex = (s: string) => Buffer.from(s, 'latin1').toString('hex');

const GIVEN_ENV = [
  `PATH=${process.env.PATH}`, 'HOME=/root', 'a-b=1', 'spring.profiles.active=dev', 'V=\xff\xfe latin-1 \xe9',
  'MULTI=line one\nline two', 'EMPTY=', 'UTF8=\xc3\xa9',
];
const ODD_ARG = 'arg \xff\xfe';

/** Runs init -- report with GIVEN_ENV and one non-UTF-8 argument; returns what the child saw. */
async function childSaw(argv: string[], dir: string) {
  const out = join(dir, 'report.json');
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({ argv: [...argv, PYTHON, REPORT, out, ODD_ARG].map(hex), env: GIVEN_ENV.map(hex) }));
  const result = await start(['python3', EXEC_BYTES, spec]).done;
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const report = JSON.parse(readFileSync(out, 'utf8')) as { argv: string[]; env: string[] };
  const latin1 = (h: string) => Buffer.from(h, 'hex').toString('latin1');
  return { argv: report.argv.map(latin1).slice(-3), env: report.env.map(latin1).sort() };
}

describe.each([...LAUNCH_FORMS, TINI_INIT])('%s', (init) => {
  describe.each(MODES)('as %s', (mode) => {
    it.skipIf(!canRun(init, mode, 'python3'))('the child gets argv and every environment entry byte for byte', async () => {
      const dir = tempDir();
      const seen = await childSaw(initCommand(init, mode, [], []), dir);
      expect(seen.argv).toEqual([REPORT, join(dir, 'report.json'), ODD_ARG]);
      expect(seen.env).toEqual([...GIVEN_ENV].sort());
    });
  });
});
