// Global set-up of the Docker suite, once per vitest run that includes a test/docker file: a
// private dockerd and podman, the offline base images imported into both, procinit from
// `npm pack` installed the README's way, and one image with procinit and the fixtures that most
// tests run. The teardown prints the measured stop times and stops both engines.
//
// It never throws: what failed is handed to the test files, which fail under CI=true and skip
// (saying why) elsewhere, like the rest of the suite.
import { cpSync, chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
const WORK_PREFIX = 'procinit-docker-';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

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

  try {
    const problem = prerequisites();
    if (problem) throw new Error(problem);
    [docker, podman] = await startAndPrepare(work, ctx);
  } catch (e) {
    ctx.docker = notReady(message(e));
    ctx.podman = notReady(message(e));
  }
  console.log(`docker suite: set-up took ${seconds(performance.now() - began)}; docker ${ctx.docker.ready
    ? `${ctx.docker.version} ready` : `NOT ready: ${ctx.docker.why}`}; podman ${ctx.podman.ready
    ? `${ctx.podman.version} ready` : `NOT ready: ${ctx.podman.why}`}`);
  project.provide('procinitDocker', ctx);

  return async () => {
    printTimings(ctx.timings);
    await Promise.all([docker?.stop(), podman?.stop()]);
    // A debootstrap that failed half-way may have left /proc mounted in its root.
    await removeTree(work);
  };
}

/**
 * Engines, base images and procinit's package in parallel, then the images in each engine. An
 * engine that fails leaves the other usable; returns the engines that started, to stop later.
 */
async function startAndPrepare(work: string, ctx: DockerSuiteContext): Promise<[DockerEngine | null, PodmanEngine | null]> {
  const nodeBin = await runHost(['node', 'scripts/node-lines.mjs', 'bin', LTS], { cwd: ROOT })
    .then((r) => r.stdout.trim(), (e: unknown) => { throw new Error(`the official Node ${LTS} build: ${message(e)}`); });
  const nodePackage = dirname(nodeBin);
  ctx.nodeVersion = JSON.parse(readFileSync(join(nodePackage, 'package.json'), 'utf8')).version;
  const [d, p, images, packaged] = await Promise.allSettled([
    startDockerd(join(work, 'dockerd')),
    startPodman(join(work, 'podman')),
    baseImages({ version: ctx.nodeVersion, packageDir: nodePackage }, join(work, 'build')),
    packProcinit(work, nodeBin),
  ]);
  const docker = d.status === 'fulfilled' ? d.value : null;
  const podman = p.status === 'fulfilled' ? p.value : null;
  if (images.status === 'fulfilled' && packaged.status === 'fulfilled') {
    ctx.procinit = packaged.value;
    console.log(`docker suite: base images ${images.value.cached ? 'from the cache' : 'built'} in ${seconds(images.value.ms)}, `
      + `npm pack + install ${seconds(packaged.value.ms)}`);
    let fixtures = '';
    try {
      fixtures = fixturesContext(work, ctx);
    } catch (e) {
      ctx.docker = ctx.podman = notReady(`the fixtures image's context: ${message(e)}`);
      return [docker, podman];
    }
    [ctx.docker, ctx.podman] = await Promise.all([
      docker ? prepareDocker(docker, ctx, images.value, fixtures) : notReady(message((d as PromiseRejectedResult).reason)),
      podman ? preparePodman(podman, ctx, images.value.slim, fixtures) : notReady(message((p as PromiseRejectedResult).reason)),
    ]);
  } else {
    const why = images.status === 'rejected' ? `base images: ${message(images.reason)}`
      : `npm pack and install: ${message((packaged as PromiseRejectedResult).reason)}`;
    ctx.docker = notReady(why);
    ctx.podman = notReady(why);
  }
  return [docker, podman];
}

/** procinit installed globally (as /usr/local) and test/docker/fixtures (as /fixtures), on node:24-slim. */
function fixturesContext(work: string, ctx: DockerSuiteContext): string {
  const dir = join(work, 'fixtures-context');
  cpSync(ctx.procinit.globalPrefix, join(dir, 'procinit'), { recursive: true, verbatimSymlinks: true });
  cpSync(join(ROOT, 'test/docker/fixtures'), join(dir, 'fixtures'), { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), `FROM ${ctx.images.slim}\nCOPY procinit/ /usr/local/\nCOPY fixtures/ /fixtures/\n`);
  return dir;
}


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
  images: { slim: string; shellLess: string }, fixtures: string): Promise<EngineContext> {
  const env = { ...process.env, ...engine.env };
  try {
    await Promise.all([
      runHost([engine.cli, 'import', '--change', `ENV ${PATH_ENV}`, '--change', `ENV NODE_VERSION=${ctx.nodeVersion}`,
        '--change', 'CMD ["node"]', images.slim, ctx.images.slim], { env }),
      runHost([engine.cli, 'import', '--change', `ENV ${PATH_ENV}`, '--change', 'CMD ["node"]',
        images.shellLess, ctx.images.shellLess], { env }),
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
