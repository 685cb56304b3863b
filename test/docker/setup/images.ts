// The suite's base images, made offline: there is no image registry here. A Debian bookworm
// root file system from debootstrap (minbase, from the machine's own mirror), the official Node
// build of the pinned LTS in /usr/local with npm beside it, and a `node` user (uid 1000): the
// stand-in for `node:24-slim`. A second tree holds node and the shared libraries it loads, and
// nothing else (no /bin/sh, no env): the stand-in for a distroless Node image.
//
// Both are tarballs cached under ~/.cache/procinit/images/<key>, the key a hash of everything
// that made them (this file, the mirror, the Node and npm versions), so a rerun only imports.
import { createHash } from 'node:crypto';
import {
  chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync,
  symlinkSync, utimesSync, writeFileSync, appendFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { debianMirror, isAlive, runHost } from './host.js';

/** The npm CLI the image carries, as the official image carries the one its Node bundles. */
export const NPM_VERSION = '11.19.1';
const SUITE = 'bookworm';
const THIS_FILE = fileURLToPath(import.meta.url);
/** Unused cache entries older than this are removed when a new one is made. */
const KEEP_DAYS = 14;

export interface BaseImages {
  /** The node:24-slim stand-in and the shell-less one, as tarballs of their root file systems. */
  slim: string;
  shellLess: string;
  /** True when they came from the cache. */
  cached: boolean;
  ms: number;
}

export interface NodeBuild { version: string; packageDir: string }

function cacheRoot(): string {
  const base = process.env.PROCINIT_IMAGE_CACHE
    ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'procinit', 'images');
  mkdirSync(base, { recursive: true });
  return base;
}

function cacheKey(node: NodeBuild, mirror: string): string {
  const inputs = [readFileSync(THIS_FILE, 'utf8'), mirror, SUITE, node.version, NPM_VERSION, process.arch];
  return createHash('sha256').update(inputs.join('\0')).digest('hex').slice(0, 16);
}

/** The cached tarballs for this Node build, made first if needed. */
export async function baseImages(node: NodeBuild, work: string): Promise<BaseImages> {
  const began = performance.now();
  const mirror = debianMirror(SUITE);
  const root = cacheRoot();
  const dir = join(root, cacheKey(node, mirror));
  const slim = join(dir, 'node-slim.tar');
  const shellLess = join(dir, 'node-shell-less.tar');
  const cached = existsSync(join(dir, 'done'));
  pruneCache(root, dir);
  if (!cached) {
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    try {
      await buildTarballs(node, mirror, work, partial);
      writeFileSync(join(partial, 'done'), JSON.stringify({ mirror, suite: SUITE, node: node.version, npm: NPM_VERSION }));
      // Renamed only when whole; a concurrent run that got there first wins.
      if (!existsSync(dir)) renameSync(partial, dir);
    } finally {
      rmSync(partial, { recursive: true, force: true });
    }
  }
  const now = new Date();
  utimesSync(dir, now, now);
  return { slim, shellLess, cached, ms: performance.now() - began };
}

function pruneCache(root: string, keep: string): void {
  const cutoff = Date.now() - KEEP_DAYS * 86_400_000;
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (path === keep) continue;
    // A partial build is another run's work in progress, unless that run is gone.
    const builder = /\.partial-(\d+)$/.exec(entry)?.[1];
    if (builder ? !isAlive(Number(builder)) : statSync(path).mtimeMs < cutoff) rmSync(path, { recursive: true, force: true });
  }
}

async function buildTarballs(node: NodeBuild, mirror: string, work: string, out: string): Promise<void> {
  const rootfs = join(work, 'rootfs');
  const npmDir = join(work, 'npm-cli');
  mkdirSync(npmDir, { recursive: true });
  // debootstrap (~30 s) and fetching npm's tarball overlap.
  const [, npmTarball] = await Promise.all([
    runHost(['debootstrap', '--variant=minbase', SUITE, rootfs, mirror]),
    runHost(['npm', 'pack', '--silent', `npm@${NPM_VERSION}`], { cwd: npmDir }).then((r) => join(npmDir, r.stdout.trim())),
  ]);
  // What the official slim image leaves out too: apt's lists and caches, docs, manuals, locales.
  for (const path of ['var/lib/apt/lists', 'var/cache/apt', 'usr/share/doc', 'usr/share/man', 'usr/share/locale']) {
    rmSync(join(rootfs, path), { recursive: true, force: true });
    mkdirSync(join(rootfs, path), { recursive: true });
  }
  await addNode(rootfs, node, npmTarball);
  addUser(rootfs, 'node', 1000, '/home/node', '/bin/bash');
  await runHost(['tar', '-C', rootfs, '--numeric-owner', '-cf', join(out, 'node-slim.tar'), '.']);

  const bare = join(work, 'shell-less');
  await shellLessTree(rootfs, bare);
  await runHost(['tar', '-C', bare, '--numeric-owner', '-cf', join(out, 'node-shell-less.tar'), '.']);
  rmSync(rootfs, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
}

/**
 * /usr/local/bin/node, its headers (/usr/local/include/node: the official image has them, and
 * bin/procinit reads the version from them), and npm as the official image has it
 * (lib/node_modules/npm, bin links).
 */
async function addNode(rootfs: string, node: NodeBuild, npmTarball: string): Promise<void> {
  const local = join(rootfs, 'usr/local');
  copyFileSync(join(node.packageDir, 'bin/node'), join(local, 'bin/node'));
  chmodSync(join(local, 'bin/node'), 0o755);
  cpSync(join(node.packageDir, 'include'), join(local, 'include'), { recursive: true });
  const npm = join(local, 'lib/node_modules/npm');
  mkdirSync(npm, { recursive: true });
  await runHost(['tar', '-xzf', npmTarball, '--strip-components=1', '--no-same-owner', '-C', npm]);
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
}

function addUser(rootfs: string, name: string, id: number, home: string, shell: string): void {
  appendFileSync(join(rootfs, 'etc/passwd'), `${name}:x:${id}:${id}::${home}:${shell}\n`);
  appendFileSync(join(rootfs, 'etc/group'), `${name}:x:${id}:\n`);
  if (existsSync(join(rootfs, 'etc/shadow'))) appendFileSync(join(rootfs, 'etc/shadow'), `${name}:*:19000:0:99999:7:::\n`);
  mkdirSync(join(rootfs, home), { recursive: true });
  chownSync(join(rootfs, home), id, id);
}

/**
 * node and exactly the libraries its loader resolves (asked of the image's own loader, so the
 * list is the image's, not the host's), passwd and group (root, node, nonroot as in distroless),
 * and /tmp. Nothing that could run a shell command.
 */
async function shellLessTree(rootfs: string, bare: string): Promise<void> {
  const listed = await runHost(['chroot', rootfs, '/lib64/ld-linux-x86-64.so.2', '--list', '/usr/local/bin/node']);
  const paths = ['/usr/local/bin/node'];
  for (const line of listed.stdout.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.push(m[1]!);
  }
  if (!paths.some((p) => p.includes('ld-linux'))) throw new Error(`no loader in: ${listed.stdout}`);
  for (const path of paths) {
    mkdirSync(join(bare, dirname(path)), { recursive: true });
    // cp -L: the image's merged /lib is a link into usr/; here each file sits where it is looked up.
    await runHost(['cp', '-L', join(rootfs, path), join(bare, path)]);
  }
  mkdirSync(join(bare, 'etc'));
  writeFileSync(join(bare, 'etc/passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnode:x:1000:1000::/home/node:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n');
  writeFileSync(join(bare, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnonroot:x:65532:\n');
  mkdirSync(join(bare, 'tmp'));
  chmodSync(join(bare, 'tmp'), 0o1777);
  for (const [home, id] of [['home/node', 1000], ['home/nonroot', 65532]] as const) {
    mkdirSync(join(bare, home), { recursive: true });
    chownSync(join(bare, home), id, id);
  }
}
