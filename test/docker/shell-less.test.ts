// An image with no shell and no `env` (node and its libraries only: the distroless stand-in),
// with procinit installed locally by npm and started the documented way for such images:
// ENTRYPOINT ["node", "/app/node_modules/procinit/dist/procinit.js", "--"].
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/procs.js';
import { Container, cleanUpContainers } from './container.js';
import { contextDir, docker, engineReady, recordStop, suite } from './engine.js';

const ready = engineReady('docker');
cleanUpContainers();

const IMAGE = 'procinit-test/shell-less-app';
const ENTRYPOINT = ['node', '/app/node_modules/procinit/dist/procinit.js', '--'];
const SCENARIO = 'a server that stops gracefully, in an image without a shell';

const dockerfile = () => [
  `FROM ${suite.images.shellLess}`,
  'WORKDIR /app',
  'COPY node_modules/ /app/node_modules/',
  'COPY server.js /app/',
  'ENV STATE_DIR=/shared',
  'USER nonroot',
  `ENTRYPOINT ${JSON.stringify(ENTRYPOINT)}`,
  'CMD ["node", "/app/server.js"]',
  '',
].join('\n');

describe.skipIf(!ready)('an image without a shell', () => {
  beforeAll(async () => {
    const dir = contextDir('shell-less');
    cpSync(join(suite.procinit.localApp, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    cpSync(join(ROOT, 'test/docker/fixtures/app/server.js'), join(dir, 'server.js'));
    await docker.build(IMAGE, dir, dockerfile());
  }, 120_000);

  test('has no /bin/sh and no env', async () => {
    for (const program of ['/bin/sh', '/usr/bin/env']) {
      const r = await docker.run(['run', '--rm', '--network', 'none', '--entrypoint', program, IMAGE]);
      expect(r.code, program).toBe(127);
      expect(r.stderr).toMatch(/no such file or directory/);
    }
  });

  test('procinit is PID 1; docker stop ends the app gracefully, with no error on the way', async () => {
    const c = await Container.start(docker, { image: IMAGE });
    await c.waitForFile('ready');
    const init = await c.hostPid();
    expect(readFileSync(`/proc/${init}/comm`, 'utf8').trim()).toBe('procinit');
    expect(readFileSync(`/proc/${init}/status`, 'utf8')).toMatch(/^Uid:\s+65532\s/m);
    const { ms, exit } = await c.stop();
    recordStop({ scenario: SCENARIO, init: 'procinit', timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
    expect(ms).toBeLessThan(5_000);
    const logs = await c.logs();
    expect(logs).not.toMatch(/"level":(50|60)/);
    expect(logs).not.toMatch(/^\s+at /m);
  });

  test.concurrent.each([
    ['exits 3', 3, ['node', '-e', 'process.exit(3)']],
    ['dies of SIGTERM', 143, ['node', '-e', 'process.kill(process.pid, "SIGTERM")']],
  ] as [string, number, string[]][])('the app %s: the container exits %i', async (_name, code, command) => {
    const c = await Container.start(docker, { image: IMAGE, command });
    expect(await c.exited(), await c.describe()).toBe(code);
  });

  test.each([['none', false], ['tini', true]] as const)('beside it: %s as PID 1', async (init, withTini) => {
    const c = await Container.start(docker, { image: IMAGE, init: withTini, options: ['--entrypoint', 'node'], command: ['/app/server.js'] });
    await c.waitForFile('ready');
    const { ms, exit } = await c.stop();
    recordStop({ scenario: SCENARIO, init, timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
  });

  test('PROCINIT_STOP_DELAY=2s, the preStop sleep this image cannot run: the server answers through the delay, then stops gracefully', async () => {
    const c = await Container.start(docker, { image: IMAGE, options: ['-e', 'PROCINIT_STOP_DELAY=2s'] });
    await c.waitForFile('ready');
    const get = "require('http').get('http://127.0.0.1:3000/', (r) => { r.resume(); r.on('end', () => process.exit(r.statusCode === 200 ? 0 : 1)); }).on('error', () => process.exit(2))";
    const stopping = c.stop();
    const began = Date.now();
    const answers: number[] = [];
    // `docker exec` takes a good part of a second each here: a few requests fit in the delay.
    while (Date.now() - began < 1_200) answers.push((await c.exec(['node', '-e', get])).code);
    const { ms, exit } = await stopping;
    recordStop({ scenario: `${SCENARIO}, \`PROCINIT_STOP_DELAY=2s\``, init: 'procinit', timeout: 10, ms, exit });
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((code) => code === 0), String(answers)).toBe(true);
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
    expect(ms).toBeGreaterThanOrEqual(2_000);
    expect(ms).toBeLessThan(8_000);
  });

  test('procinit starts and stops without a word: nothing logged at the default level', async () => {
    const c = await Container.start(docker, { image: IMAGE });
    await c.waitForFile('ready');
    expect((await c.stop()).exit).toBe(0);
    expect(await c.logs()).toBe('');
  });
});
