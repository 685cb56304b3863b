// The ways a user starts procinit (issue 10): bin/procinit itself, npm's .bin link to it, and
// `node <package>/dist/procinit.js` with no shell in front (a distroless image's ENTRYPOINT).
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PROCINIT_INIT, ROOT, type Init, tempDir } from './procs.js';

let linkDir: string | null = null;

/** node_modules/.bin/procinit -> ../procinit/bin/procinit, as `npm install procinit` lays it out. */
export function npmBinLink(): string {
  if (!linkDir) {
    linkDir = tempDir('procinit-npm-');
    mkdirSync(join(linkDir, 'node_modules/.bin'), { recursive: true });
    symlinkSync(ROOT, join(linkDir, 'node_modules/procinit'));
    symlinkSync('../procinit/bin/procinit', join(linkDir, 'node_modules/.bin/procinit'));
  }
  return join(linkDir, 'node_modules/.bin/procinit');
}

export const NPM_LINK_INIT: Init = { name: 'procinit (npm .bin link)', argv: () => [npmBinLink(), '--'] };
/** The suite's own node: in CI the line under test is first on PATH, and this is it. */
export const DIRECT_INIT: Init = {
  name: 'procinit (node dist/procinit.js)', argv: () => [process.execPath, join(ROOT, 'dist/procinit.js'), '--'],
};
export const LAUNCH_FORMS: Init[] = [PROCINIT_INIT, NPM_LINK_INIT, DIRECT_INIT];
