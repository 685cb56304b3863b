// Dockerfile.example as a user builds it: beside their package.json and server.js, with
// `docker build`. The one line that reaches the npm registry (`RUN npm install --global
// procinit@0`) becomes a COPY of the same command's result, run on the host from `npm pack` of
// this checkout: there is no registry inside the build. Every other line is the file's own.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/procs.js';
import { contextDir, suite } from './engine.js';

export const EXAMPLE = readFileSync(join(ROOT, 'Dockerfile.example'), 'utf8');
const INSTALL_LINE = /^RUN npm install --global procinit\b.*$/gm;
/** What `npm install --global` made on the host, laid out as /usr/local. */
export const LOCAL_INSTALL = 'COPY .procinit-global/ /usr/local/';

/** Dockerfile.example with its install line pointing at the local package. */
export function exampleDockerfile(): string {
  const installs = EXAMPLE.match(INSTALL_LINE) ?? [];
  if (installs.length !== 1) throw new Error(`Dockerfile.example: expected one "RUN npm install --global procinit" line, found ${installs.length}`);
  return EXAMPLE.replace(INSTALL_LINE, LOCAL_INSTALL);
}

/** A build context as the user's project: package.json, package-lock.json, server.js, Dockerfile. */
export function exampleContext(): string {
  const dir = contextDir('example');
  cpSync(join(ROOT, 'test/docker/fixtures/app'), dir, { recursive: true });
  cpSync(suite.procinit.globalPrefix, join(dir, '.procinit-global'), { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(dir, 'Dockerfile'), exampleDockerfile());
  // As the README and the Dockerfile's comment tell users: COPY . . must not bring node_modules.
  writeFileSync(join(dir, '.dockerignore'), 'node_modules\n.git\n');
  return dir;
}

/** The last FROM, ENTRYPOINT, CMD, USER and WORKDIR of a Dockerfile, as written. */
export function instruction(dockerfile: string, keyword: string): string | undefined {
  const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  return lines.filter((l) => l.toUpperCase().startsWith(`${keyword} `)).pop()?.slice(keyword.length + 1).trim();
}
