#!/usr/bin/env node
// The Node lines procinit supports and tests, pinned here and nowhere else, and the official builds
// of each (npm's node-linux-<arch> packages), fetched once into a cache that later runs reuse.
//
//   node scripts/node-lines.mjs fetch         fetch every pinned line that is not cached yet
//   node scripts/node-lines.mjs bin 24        print the directory holding line 24's `node`
//   node scripts/node-lines.mjs list          print the pinned versions, one a line
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const NODE_LINES = { 20: '20.20.2', 22: '22.23.5', 24: '24.22.3', 26: '26.12.1' };
/** The line users run: the whole suite runs on it. */
export const LTS = 24;

const cacheRoot = join(process.env.PROCINIT_NODE_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'procinit'), 'node');

export function binDir(line) {
  const version = NODE_LINES[line];
  if (!version) throw new Error(`no pinned Node line ${line}; pinned: ${Object.keys(NODE_LINES).join(', ')}`);
  return join(cacheRoot, version, 'package', 'bin');
}

export function fetchLine(line) {
  const dir = binDir(line);
  if (existsSync(join(dir, 'node'))) return dir;
  const version = NODE_LINES[line];
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const work = join(cacheRoot, `${version}.partial`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const tarball = execFileSync('npm', ['pack', '--silent', `node-linux-${arch}@${version}`], { cwd: work, encoding: 'utf8' }).trim();
  execFileSync('tar', ['xzf', tarball], { cwd: work });
  rmSync(join(work, tarball));
  // Renamed only when whole, so an interrupted fetch is never taken for a cached one.
  renameSync(work, join(cacheRoot, version));
  return dir;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [command, line] = process.argv.slice(2);
  if (command === 'fetch') for (const l of Object.keys(NODE_LINES)) console.log(fetchLine(l));
  else if (command === 'bin') console.log(fetchLine(line));
  else if (command === 'list') for (const v of Object.values(NODE_LINES)) console.log(v);
  else {
    console.error('usage: node scripts/node-lines.mjs fetch | bin <line> | list');
    process.exit(2);
  }
}
