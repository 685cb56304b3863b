// Issue 10, item 4: the app's runtime settings are the app's. Every NODE_* and UV_* variable
// reaches the child unchanged and changes nothing in procinit's own Node: no preloaded agent, no
// IPC channel taken, no debug output, no coverage file, no warning, no thread pool. tini, which
// runs no Node, shows what the child should get. Through bin/procinit and npm's .bin link; the
// direct form (`node dist/procinit.js`) is held to what it can do: its Node starts before any of
// procinit's code, so it re-runs itself once with the variables moved aside (README).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, PROCINIT_INIT, TINI_INIT, type Init, type Mode, start, tempDir, waitFor } from '../helpers/procs.js';
import { PYTHON, canRun, initCommand, launch } from '../helpers/inits.js';
import { DIRECT_INIT, NPM_LINK_INIT } from '../helpers/launch-forms.js';

const APP = join(FIXTURES, 'node-app.js');
const MARKER = join(FIXTURES, 'preload-marker.cjs');
const REPORT = join(FIXTURES, 'report-process.py');
const SH_FORMS = [PROCINIT_INIT, NPM_LINK_INIT];

function readJson(path: string) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The child's environment entries, decoded, from report-process.py's hex. */
function childEnv(report: string): Record<string, string> {
  const entries = (readJson(report).env as string[]).map((h) => Buffer.from(h, 'hex').toString());
  return Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
}

async function runWith(init: Init, mode: Mode, env: Record<string, string>, command: string[], options: string[] = []) {
  return launch(init, mode, options, command, { env: { ...process.env, ...env } }).done;
}

describe.each([...SH_FORMS, DIRECT_INIT, TINI_INIT])('%s', (init) => {
  it.skipIf(!canRun(init, 'pid1'))('NODE_OPTIONS=--require reaches the Node app unchanged; procinit\'s Node does not load it', async () => {
    const dir = tempDir();
    const marker = join(dir, 'loaded');
    const options = `--require ${MARKER} --max-old-space-size=96`;
    const result = await runWith(init, 'pid1', { NODE_OPTIONS: options, PRELOAD_MARKER: marker },
      [process.execPath, APP, join(dir, 'app.json')]);
    expect(result.code).toBe(0);
    const app = readJson(join(dir, 'app.json'));
    expect(app.env.NODE_OPTIONS).toBe(options);
    const loads = readFileSync(marker, 'utf8').trim().split('\n');
    const byProcinit = loads.filter((l) => l.endsWith('dist/procinit.js'));
    expect(loads.filter((l) => l.startsWith(`${app.pid} `))).toHaveLength(1);
    // The direct form's Node obeyed NODE_OPTIONS before procinit's code ran, once; never again.
    expect(byProcinit).toHaveLength(init === DIRECT_INIT ? 1 : 0);
  });

  it.skipIf(!canRun(init, 'subreaper', 'python3'))('NODE_V8_COVERAGE and NODE_EXTRA_CA_CERTS: procinit writes no coverage and prints nothing', async () => {
    const dir = tempDir();
    const coverage = join(dir, 'coverage');
    const result = await runWith(init, 'subreaper', { NODE_V8_COVERAGE: coverage, NODE_EXTRA_CA_CERTS: join(dir, 'missing.pem') },
      [PYTHON, REPORT, join(dir, 'report.json')]);
    expect(result.code).toBe(0);
    // The direct form's first Node is Node as started: Node 20 reads NODE_EXTRA_CA_CERTS at
    // start-up and warns once (README, "Without a shell"); 22 and later read it on first use.
    const firstNodeWarns = init === DIRECT_INIT && Number(process.versions.node.split('.')[0]) <= 20;
    if (firstNodeWarns) expect(result.stderr).toMatch(/^Warning: Ignoring extra certs from `[^`]+missing\.pem`, load failed: [^\n]*\n$/);
    else expect(result.stderr).toBe('');
    expect(existsSync(coverage) ? readdirSync(coverage) : []).toEqual([]);
    expect(childEnv(join(dir, 'report.json'))).toMatchObject({ NODE_V8_COVERAGE: coverage, NODE_EXTRA_CA_CERTS: join(dir, 'missing.pem') });
  });
});

describe.each([...SH_FORMS, TINI_INIT])('%s', (init) => {
  it.skipIf(!canRun(init, 'subreaper', 'python3')).each(['abc', '0'])('NODE_CHANNEL_FD=%s reaches the child; procinit runs it and says nothing', async (value) => {
    const dir = tempDir();
    const result = await runWith(init, 'subreaper', { NODE_CHANNEL_FD: value }, [PYTHON, REPORT, join(dir, 'report.json')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(childEnv(join(dir, 'report.json')).NODE_CHANNEL_FD).toBe(value);
  });

  it.skipIf(!canRun(init, 'subreaper'))('a parent\'s IPC channel reaches the Node app: 10 of 10 messages', async () => {
    const dir = tempDir();
    const out = join(dir, 'app.json');
    const run = start(initCommand(init, 'subreaper', [], [process.execPath, APP, out, 'ipc', '10']),
      { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      run.proc.once('message', () => resolve());
      run.proc.once('exit', () => reject(new Error('the init exited before the app said it was ready')));
    });
    for (let i = 0; i < 10; i++) run.proc.send({ i });
    const result = await run.done;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readJson(out)).toMatchObject({ messages: 10 });
  });
});

describe.each(SH_FORMS)('%s', (init) => {
  it.skipIf(!canRun(init, 'subreaper', 'python3'))('NODE_DEBUG reaches the child; procinit\'s Node prints no debug line', async () => {
    const dir = tempDir();
    const result = await runWith(init, 'subreaper', { NODE_DEBUG: 'net,http,module,fs,timer,child_process,esm' },
      [PYTHON, REPORT, join(dir, 'report.json')], ['-vvv']);
    expect(result.code).toBe(0);
    // procinit's own records are JSON lines; a debuglog line ("NET 12: ...") is not.
    const lines = result.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.filter((line) => !line.startsWith('{"level":'))).toEqual([]);
    expect(childEnv(join(dir, 'report.json')).NODE_DEBUG).toBe('net,http,module,fs,timer,child_process,esm');
  });
});

/** Threads (tasks) of a process, from /proc. */
const tasks = (pid: number) => readdirSync(`/proc/${pid}/task`).length;

describe.each([...SH_FORMS, DIRECT_INIT])('%s', (init) => {
  it.skipIf(!canRun(init, 'subreaper'))('UV_THREADPOOL_SIZE=128 and a metrics scrape start no thread in procinit', async () => {
    const dir = tempDir();
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const run = launch(init, 'subreaper', ['--metrics', `127.0.0.1:${port}`],
      ['sh', '-c', `echo > ${dir}/ready; trap 'exit 0' TERM; while :; do sleep 0.05; done`],
      { env: { ...process.env, UV_THREADPOOL_SIZE: '128' } });
    await waitFor(() => existsSync(join(dir, 'ready')), 'the child');
    const pid = run.proc.pid!;
    const before = tasks(pid);
    const body = await waitFor(async () => {
      try {
        return await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      } catch {
        return undefined;
      }
    }, 'a scrape');
    expect(body).toMatch(/procinit_processes \d+/);
    expect(tasks(pid)).toBe(before);
    expect(before).toBeLessThanOrEqual(5);
    process.kill(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
  });
});
