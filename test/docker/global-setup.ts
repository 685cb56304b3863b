// Global set-up of the Docker suite, once per vitest run that includes a test/docker file: a
// private dockerd and podman, the offline base images imported into both, procinit from
// `npm pack` installed the README's way, and one image with procinit and the fixtures that most
// tests run. The teardown prints the measured stop times and stops both engines.
//
// It never throws: what failed is handed to the test files, which fail under CI=true and skip
// (saying why) elsewhere, like the rest of the suite.
import { cpSync, chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ROOT } from '../helpers/procs.js';
import type { DockerSuiteContext, EngineContext } from './context.js';
import { isAlive, runHost, which } from './setup/host.js';
import { baseImages } from './setup/images.js';
import { packProcinit } from './setup/package.js';
import { removeTree, startDockerd, startPodman, type DockerEngine, type PodmanEngine } from './setup/engines.js';
import { printTimings } from './setup/timings.js';

const LTS = '24';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const FIXTURES_DOCKERFILE = 'FROM node:24-slim\nCOPY procinit/ /usr/local/\nCOPY fixtures/ /fixtures/\n';

const notReady = (why: string): EngineContext => ({ ready: false, why, argv: [], env: {}, version: '' });
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const began = performance.now();
  await sweepDeadRuns();
  const work = mkdtempSync(join(tmpdir(), WORK_PREFIX));
  chmodSync(work, 0o755);
  writeFileSync(join(work, 'owner.pid'), String(process.pid));
  const ctx: DockerSuiteContext = {
    docker: notReady('not set up'), podman: notReady('not set up'), work, timings: join(work, 'timings.jsonl'),
    nodeVersion: '', compose: which('docker-compose'),
    images: { slim: `node:${LTS}-slim`, shellLess: `procinit-test/node-shell-less:${LTS}`, fixtures: 'procinit-test/fixtures' },
    procinit: { tarball: '', globalPrefix: '', localApp: '' },
  };
  writeFileSync(ctx.timings, '');
  let docker: DockerEngine | null = null;
  let podman: PodmanEngine | null = null;

  const problem = prerequisites();
  if (problem) {
    ctx.docker = notReady(problem);
    ctx.podman = notReady(problem);
  } else {
    const nodeBin = (await runHost(['node', 'scripts/node-lines.mjs', 'bin', LTS], { cwd: ROOT })).stdout.trim();
    const nodePackage = dirname(nodeBin);
    ctx.nodeVersion = JSON.parse(readFileSync(join(nodePackage, 'package.json'), 'utf8')).version;
    const [d, p, images, packaged] = await Promise.allSettled([
      startDockerd(join(work, 'dockerd')),
      startPodman(join(work, 'podman')),
      baseImages({ version: ctx.nodeVersion, packageDir: nodePackage }, join(work, 'build')),
      packProcinit(work, nodeBin),
    ]);
    if (d.status === 'fulfilled') docker = d.value;
    if (p.status === 'fulfilled') podman = p.value;
    const common = images.status === 'rejected' ? `base images: ${message(images.reason)}`
      : packaged.status === 'rejected' ? `npm pack and install: ${message(packaged.reason)}` : null;
    const fixtures = join(work, 'fixtures-context');
    if (!common && images.status === 'fulfilled' && packaged.status === 'fulfilled') {
      ctx.procinit = packaged.value;
      cpSync(packaged.value.globalPrefix, join(fixtures, 'procinit'), { recursive: true, verbatimSymlinks: true });
      cpSync(join(ROOT, 'test/docker/fixtures'), join(fixtures, 'fixtures'), { recursive: true });
      writeFileSync(join(fixtures, 'Dockerfile'), FIXTURES_DOCKERFILE);
      console.log(`docker suite: base images ${images.value.cached ? 'from the cache' : 'built'} in ${seconds(images.value.ms)}, `
        + `npm pack + install ${seconds(packaged.value.ms)}`);
    }
    const [dockerCtx, podmanCtx] = await Promise.all([
      d.status === 'rejected' ? notReady(message(d.reason)) : common ? notReady(common)
        : prepareDocker(docker!, ctx, images.status === 'fulfilled' ? images.value : null, fixtures),
      p.status === 'rejected' ? notReady(message(p.reason)) : common ? notReady(common)
        : preparePodman(podman!, ctx, images.status === 'fulfilled' ? images.value.slim : '', fixtures),
    ]);
    ctx.docker = dockerCtx;
    ctx.podman = podmanCtx;
  }
  console.log(`docker suite: set-up took ${seconds(performance.now() - began)}; docker ${ctx.docker.ready
    ? `${ctx.docker.version} ready` : `NOT ready: ${ctx.docker.why}`}; podman ${ctx.podman.ready
    ? `${ctx.podman.version} ready` : `NOT ready: ${ctx.podman.why}`}`);
  project.provide('procinitDocker', ctx);

  return async () => {
    printTimings(ctx.timings);
    await Promise.all([docker?.stop(), podman?.stop()]);
    rmSync(work, { recursive: true, force: true });
  };
}

const WORK_PREFIX = 'procinit-docker-';

/**
 * A run that died without its teardown (killed, crashed) left its folder: its engines died with
 * it (--pdeathsig), what they mounted may not have. Never another live run's.
 */
async function sweepDeadRuns(): Promise<void> {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(WORK_PREFIX)) continue;
    const dir = join(tmpdir(), entry);
    let owner = 0;
    try {
      owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
    } catch {
      continue;
    }
    if (owner > 0 && !isAlive(owner)) await removeTree(dir);
  }
}

function prerequisites(): string | null {
  if (process.getuid?.() !== 0) return 'the Docker suite needs root (a private dockerd, debootstrap)';
  const missing = ['dockerd', 'debootstrap', 'podman', 'setpriv'].filter((tool) => !which(tool));
  return missing.length ? `missing ${missing.join(', ')} (apt-get install docker.io debootstrap podman util-linux)` : null;
}

async function prepareDocker(engine: DockerEngine, ctx: DockerSuiteContext,
  images: { slim: string; shellLess: string } | null, fixtures: string): Promise<EngineContext> {
  const env = { ...process.env, ...engine.env };
  try {
    await Promise.all([
      runHost([engine.cli, 'import', '--change', `ENV ${PATH_ENV}`, '--change', `ENV NODE_VERSION=${ctx.nodeVersion}`,
        '--change', 'CMD ["node"]', images!.slim, ctx.images.slim], { env }),
      runHost([engine.cli, 'import', '--change', `ENV ${PATH_ENV}`, '--change', 'CMD ["node"]',
        images!.shellLess, ctx.images.shellLess], { env }),
    ]);
    await runHost([engine.cli, 'build', '--network', 'none', '-q', '-t', ctx.images.fixtures, fixtures], { env });
    return { ready: true, why: '', argv: [engine.cli], env: engine.env, version: engine.version };
  } catch (e) {
    return notReady(`docker: ${message(e)}`);
  }
}

async function preparePodman(engine: PodmanEngine, ctx: DockerSuiteContext, slim: string, fixtures: string): Promise<EngineContext> {
  const env = { ...process.env, ...engine.env };
  try {
    await runHost([...engine.argv, 'import', '--change', `ENV ${PATH_ENV}`, '--change', 'CMD ["node"]',
      slim, `docker.io/library/${ctx.images.slim}`], { env });
    await runHost([...engine.argv, 'build', '--network', 'none', '-q', '-t', ctx.images.fixtures, fixtures], { env });
    return { ready: true, why: '', argv: engine.argv, env: engine.env, version: engine.version };
  } catch (e) {
    return notReady(`podman: ${message(e)}`);
  }
}
