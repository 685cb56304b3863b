// Dockerfile.example is documentation that must work: built with `docker build` as the README
// says, it runs procinit as PID 1 under `USER node`, serves, and stops gracefully on `docker stop`
// in milliseconds. The same image with the app itself as PID 1 (`--entrypoint node`), and with
// Docker's tini in front (`--init`), stands beside it: this app handles SIGTERM, so all three stop.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { Container, cleanUpContainers } from './container.js';
import { DOCKER_INIT, commandLine, docker, engineReady, recordStop, runsProgram, suite } from './engine.js';
import { EXAMPLE, exampleContext, exampleDockerfile, instruction } from './example.js';

const ready = engineReady('docker');
cleanUpContainers();

const IMAGE = 'procinit-test/example';
const SCENARIO = 'Dockerfile.example\'s app (it handles SIGTERM)';

describe('Dockerfile.example', () => {
  test('is exec form throughout, on the Node LTS image, as USER node', () => {
    expect(instruction(EXAMPLE, 'FROM')).toBe(suite.images.slim);
    expect(JSON.parse(instruction(EXAMPLE, 'ENTRYPOINT')!)).toEqual(['procinit', '--']);
    expect(JSON.parse(instruction(EXAMPLE, 'CMD')!)).toEqual(['node', 'server.js']);
    expect(instruction(EXAMPLE, 'USER')).toBe('node');
    // Only the install line differs from the file when built here.
    const changed = exampleDockerfile().split('\n').filter((line, i) => line !== EXAMPLE.split('\n')[i]);
    expect(changed).toEqual(['COPY .procinit-global/ /usr/local/']);
  });
});

describe.skipIf(!ready)('Dockerfile.example, built with docker build', () => {
  beforeAll(async () => {
    await docker.build(IMAGE, exampleContext());
  }, 180_000);

  test('procinit is PID 1 as the node user, the app serves, and docker stop ends it gracefully', async () => {
    const c = await Container.start(docker, { image: IMAGE, options: ['-e', 'STATE_DIR=/shared'] });
    const [, port] = (await c.waitForFile('ready')).split(' ');
    const init = await c.hostPid();
    expect(readFileSync(`/proc/${init}/comm`, 'utf8').trim()).toBe('procinit');
    expect(readFileSync(`/proc/${init}/status`, 'utf8')).toMatch(/^Uid:\s+1000\s/m);
    const get = await c.exec(['node', '-e',
      `require('http').get('http://127.0.0.1:${port}/', (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); })`]);
    expect(get.stdout + get.stderr).toBe('hello\n');

    const { ms, exit } = await c.stop();
    recordStop({ scenario: SCENARIO, init: 'procinit', timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
    expect(ms).toBeLessThan(5_000);
    // procinit is quiet by default: no warning or error on the way.
    expect(await c.logs()).not.toMatch(/"level":(40|50|60)/);
  });

  test.each([['none', false], ['tini', true]] as const)('beside it: %s as PID 1 (--entrypoint node)', async (init, withTini) => {
    const c = await Container.start(docker, {
      image: IMAGE, init: withTini, options: ['-e', 'STATE_DIR=/shared', '--entrypoint', 'node'], command: ['server.js'],
    });
    await c.waitForFile('ready');
    const pid = await c.hostPid();
    if (withTini) expect(runsProgram(pid, DOCKER_INIT)).toBe(true);
    else expect(commandLine(pid)).toEqual(['node', 'server.js']);
    const { ms, exit } = await c.stop();
    recordStop({ scenario: SCENARIO, init, timeout: 10, ms, exit });
    expect(exit, await c.describe()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
  });
});
