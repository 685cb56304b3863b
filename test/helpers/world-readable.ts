// Tests that run procinit as another user (a container's `USER node`, `nobody` for the probe's
// user-namespace path) need a checkout that user can reach. A clone under /root or a mktemp
// directory is mode 0700; then this makes, once per test process, a copy other users can read:
// hard links where the file system allows (instant), a plain copy where not.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './procs.js';

const NEEDED = ['bin', 'dist', 'node_modules', 'package.json', 'test'];

function isReachableByOthers(path: string): boolean {
  for (let dir = path; ; dir = dirname(dir)) {
    // Others need to search every directory on the way (o+x), and list the checkout itself (o+r).
    const need = dir === path ? 0o005 : 0o001;
    if ((statSync(dir).mode & need) !== need) return false;
    if (dir === dirname(dir)) return true;
  }
}

let copy: string | null = null;

export function worldReadableCheckout(): string {
  if (isReachableByOthers(ROOT)) return ROOT;
  if (copy) return copy;
  const dir = mkdtempSync(join(tmpdir(), 'procinit-checkout-'));
  chmodSync(dir, 0o755);
  const sources = NEEDED.map((name) => join(ROOT, name));
  const linked = spawnSync('cp', ['-al', ...sources, dir]);
  if (linked.status !== 0) {
    const copied = spawnSync('cp', ['-a', ...sources, dir]);
    if (copied.status !== 0) throw new Error(`cannot copy the checkout to ${dir}: ${copied.stderr}`);
  }
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  copy = dir;
  return dir;
}
