// procinit as a user gets it: `npm pack` of this checkout (the tarball npm publishes), installed
// on the host the two ways the README tells users, so that images only COPY the result and their
// builds need no network:
// - global: `npm install --global` into a prefix laid out like the image's /usr/local
//   (lib/node_modules/procinit, and bin/procinit linking to it);
// - local: `npm install` into an app directory (node_modules/procinit, node_modules/.bin/procinit).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../helpers/procs.js';
import { runHost } from './host.js';

export interface PackagedProcinit {
  tarball: string;
  /** A prefix to COPY to /usr/local. */
  globalPrefix: string;
  /** An app directory holding node_modules/procinit: COPY it (or its node_modules) to /app. */
  localApp: string;
  ms: number;
}

const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

export async function packProcinit(work: string, nodeBinDir: string): Promise<PackagedProcinit> {
  const began = performance.now();
  if (!existsSync(join(ROOT, 'dist/procinit.js'))) throw new Error('dist/procinit.js is missing: run npm run build first');
  // The installs run koffi's install script under the Node line the images carry.
  const env = { ...process.env, PATH: `${nodeBinDir}:${process.env.PATH}` };
  const packDir = join(work, 'pack');
  mkdirSync(packDir, { recursive: true });
  // dist/ as built (npm test built it); --ignore-scripts keeps `prepare` from rebuilding it now.
  const packed = await runHost(['npm', 'pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: ROOT, env });
  const tarball = join(packDir, JSON.parse(packed.stdout)[0].filename);

  const globalPrefix = join(work, 'global');
  const localApp = join(work, 'local');
  mkdirSync(localApp, { recursive: true });
  writeFileSync(join(localApp, 'package.json'), '{"name":"app","version":"1.0.0","private":true}\n');
  await Promise.all([
    runHost(['npm', 'install', '--global', '--prefix', globalPrefix, ...NPM_FLAGS, tarball], { env }),
    runHost(['npm', 'install', ...NPM_FLAGS, tarball], { cwd: localApp, env }),
  ]);
  for (const path of [join(globalPrefix, 'bin/procinit'), join(localApp, 'node_modules/procinit/dist/procinit.js')]) {
    if (!existsSync(path)) throw new Error(`npm install did not make ${path}`);
  }
  return { tarball, globalPrefix, localApp, ms: performance.now() - began };
}
