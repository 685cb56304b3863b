// Docker Compose (Debian's docker-compose) with the README's own service definition: `init:
// false` and `stop_grace_period`, building Dockerfile.example. An override file adds only what
// this machine needs (no network, and the /shared folder the app reports through).
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT, isCI, start, waitFor } from '../helpers/procs.js';
import { docker, engineReady, recordStop, suite } from './engine.js';
import { exampleContext } from './example.js';

const ready = engineReady('docker');
if (ready && !suite.compose && isCI) throw new Error('CI=true and docker-compose is not installed (apt-get install docker-compose)');
if (ready && !suite.compose) console.warn('skipping the Compose test: docker-compose is not installed');

/** The YAML block under the README's "Docker Compose" heading. */
function readmeCompose(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Docker Compose'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README: no yaml block under "### Docker Compose"');
  return block[1]!;
}

describe.skipIf(!ready || !suite.compose)('docker-compose with init: false and stop_grace_period', () => {
  test('the README\'s service builds, runs procinit as PID 1, and stops gracefully', async () => {
    const yaml = readmeCompose();
    expect(yaml).toMatch(/init: false/);
    expect(yaml).toMatch(/stop_grace_period: 15s/);
    const dir = exampleContext();
    const shared = join(dir, 'shared');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    writeFileSync(join(dir, 'compose.yml'), yaml);
    writeFileSync(join(dir, 'override.yml'), [
      'services:', '  web:', '    build:', '      context: .', '      network: none', '    network_mode: none',
      '    environment:', '      STATE_DIR: /shared', '    volumes:', `      - ${shared}:/shared`, '',
    ].join('\n'));
    const project = `procinit${process.pid}`;
    // compose runs in the context folder, as a user runs it beside their Dockerfile.
    const inDir = (args: string[]) => start(['sh', '-c', 'cd "$0" && exec "$@"', dir, suite.compose!, '-p', project,
      '-f', 'compose.yml', '-f', 'override.yml', ...args], { env: { ...process.env, ...suite.docker.env } }).done;
    try {
      const up = await inDir(['up', '-d', '--build']);
      expect(up.code, up.stderr).toBe(0);
      const id = (await inDir(['ps', '-q', 'web'])).stdout.trim();
      expect(id).not.toBe('');
      await waitFor(() => { try { return readFileSync(join(shared, 'ready'), 'utf8'); } catch { return undefined; } }, 'the app to listen', 20_000);
      const inspect = (f: string) => docker.ok(['inspect', '-f', f, id]).then((s) => s.trim());
      expect(await inspect('{{.HostConfig.Init}}')).toBe('false');
      // stop_grace_period is the container's own stop timeout: Docker's SIGKILL comes after 15 s.
      expect(await inspect('{{.Config.StopTimeout}}')).toBe('15');
      expect(readFileSync(`/proc/${await inspect('{{.State.Pid}}')}/comm`, 'utf8').trim()).toBe('procinit');
      expect(await inspect('{{range .Config.Env}}{{println .}}{{end}}')).toMatch(/^PROCINIT_GRACE=5s$/m);

      const stop = await inDir(['stop']);
      expect(stop.code, stop.stderr).toBe(0);
      const exit = Number(await inspect('{{.State.ExitCode}}'));
      recordStop({ command: 'docker-compose stop', scenario: 'Dockerfile.example\'s app, the README\'s service', init: 'procinit', timeout: 15, ms: stop.ms, exit });
      expect(exit).toBe(0);
      expect(readFileSync(join(shared, 'stopped'), 'utf8')).toBe('gracefully');
      expect(stop.ms).toBeLessThan(5_000);
    } finally {
      await inDir(['down', '--rmi', 'local', '-v', '--timeout', '1']);
    }
  }, 240_000);
});
