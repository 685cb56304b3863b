// Dockerfile.example is documentation that must work: its ENTRYPOINT and CMD are run exactly as
// written in a real container, with this checkout standing in for the installed package (a
// `procinit` link on PATH, as `npm install --global` makes), and the app stops gracefully on
// `docker stop`.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/procs.js';
import { PROJECT, SHARED, cleanUpContainers, runcReady, startContainer } from './runc.js';

const ready = runcReady();
cleanUpContainers();

interface Image { entrypoint: string[]; cmd: string[]; workdir: string; env: string[]; user: string | null }

/** The instructions of a Dockerfile's last stage that decide what a container runs. */
function parseDockerfile(text: string): Image {
  const image: Image = { entrypoint: [], cmd: [], workdir: '/', env: [], user: null };
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const execForm = (keyword: string, rest: string): string[] => {
    let argv: unknown;
    try {
      argv = JSON.parse(rest);
    } catch {
      throw new Error(`${keyword} ${rest} is in shell form: /bin/sh would be PID 1; use the exec form ["...", "..."]`);
    }
    if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) throw new Error(`${keyword} is not a list of strings`);
    return argv;
  };
  for (const line of logical) {
    const [, keyword = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    switch (keyword.toUpperCase()) {
      case 'FROM': Object.assign(image, { entrypoint: [], cmd: [], workdir: '/', env: [], user: null }); break;
      case 'ENTRYPOINT': image.entrypoint = execForm('ENTRYPOINT', rest); image.cmd = []; break;
      case 'CMD': image.cmd = execForm('CMD', rest); break;
      case 'WORKDIR': image.workdir = rest.startsWith('/') ? rest : join(image.workdir, rest); break;
      case 'USER': image.user = rest; break;
      case 'ENV':
        for (const m of rest.matchAll(/(\w+)=("[^"]*"|\S*)/g)) image.env.push(`${m[1]}=${m[2]!.replace(/^"|"$/g, '')}`);
        break;
      default: break;
    }
  }
  return image;
}

/** The node image's `node` user is uid 1000, gid 1000. */
function userOf(user: string | null): { uid: number; gid: number } | undefined {
  if (user === null || user === 'root') return undefined;
  if (user === 'node') return { uid: 1000, gid: 1000 };
  const [uid, gid = uid] = user.split(':').map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`USER ${user}: unknown user`);
  return { uid: uid!, gid: gid! };
}

const image = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile.example'), 'utf8'));

describe('Dockerfile.example', () => {
  test('runs procinit as PID 1 in exec form, with the app as CMD', () => {
    expect(image.entrypoint).toEqual(['procinit', '--']);
    expect(image.cmd).toEqual(['node', 'server.js']);
    expect(image.workdir).toBe('/app');
  });

  test.skipIf(!ready)('its ENTRYPOINT + CMD, run as written, stop gracefully on docker stop', async () => {
    // `npm install --global` links /usr/local/bin/procinit to ../lib/node_modules/procinit/bin/procinit;
    // here a relative link on PATH points at the mounted checkout the same way.
    const c = startContainer({
      args: [...image.entrypoint, ...image.cmd],
      cwd: image.workdir,
      env: [...image.env, `STATE_DIR=${SHARED}`],
      user: userOf(image.user),
      path: ['/opt/bin'],
      symlinks: { '/opt/bin/procinit': `../${basename(PROJECT)}/bin/procinit` },
      mounts: [
        { source: join(ROOT, 'test/e2e/fixtures/app'), destination: image.workdir },
      ],
    });
    const [, port] = (await c.waitForFile('ready', 15_000)).split(' ');
    // procinit is PID 1 and runs as the image's USER.
    const init = c.state()!.pid;
    expect(readFileSync(`/proc/${init}/cmdline`, 'utf8')).toContain('dist/procinit.js');
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${init}/status`, 'utf8'))![1];
    expect(Number(uid)).toBe(userOf(image.user)?.uid ?? 0);
    // It really serves: ask it from inside the container (`docker exec`).
    const get = c.exec(['node', '-e',
      `require('http').get('http://127.0.0.1:${port}/', (r) => r.pipe(process.stdout)).on('error', (e) => { console.error(e.message); process.exit(1); })`]);
    expect(get.stdout + get.stderr).toBe('hello\n');
    const sent = performance.now();
    c.kill('TERM');
    expect(await c.exitCodeWithin(10_000), c.output()).toBe(0);
    expect(c.sharedFile('stopped')).toBe('gracefully');
    expect(performance.now() - sent).toBeLessThan(5_000);
    // Nothing but the app's own records on the way: procinit is quiet by default.
    expect(c.output()).not.toMatch(/"level":(40|50|60)/);
  });
});
