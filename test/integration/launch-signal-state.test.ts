// Issue 10, item 6: the signal state the caller gave. Signals the caller ignored stay ignored in
// the child (so `nohup procinit -- app` survives a hangup, as under tini), and only those: Node's
// own SIG_IGN of SIGPIPE and SIGXFSZ never reaches the child.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODES, TINI_INIT, requireTools, tempDir } from '../helpers/procs.js';
import { canRun, initCommand } from '../helpers/inits.js';
import { LAUNCH_FORMS } from '../helpers/launch-forms.js';
import { start } from '../helpers/procs.js';

const hasTools = requireTools('nohup', 'env');

function sigIgn(statusFile: string): string {
  return /^SigIgn:\s*(\S+)$/m.exec(readFileSync(statusFile, 'utf8'))![1]!;
}

/** The bin/procinit forms: the direct form's Node resets what its caller ignored before procinit runs. */
const FORMS = LAUNCH_FORMS.filter((f) => !f.name.includes('dist/procinit.js'));

describe.each([...FORMS, TINI_INIT])('%s', (init) => {
  describe.each(MODES)('as %s', (mode) => {
    it.skipIf(!hasTools || !canRun(init, mode))('nohup: the child ignores SIGHUP and survives one', async () => {
      const dir = tempDir();
      const out = join(dir, 'out');
      const result = await start(['nohup', ...initCommand(init, mode, [], ['sh', '-c', `kill -HUP $$; echo survived > ${out}`])],
        { stdio: ['ignore', 'pipe', 'pipe'] }).done;
      expect(result.code).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe('survived\n');
    });

    it.skipIf(!hasTools || !canRun(init, mode))('the caller\'s ignored SIGPIPE and SIGUSR2 are the child\'s; nothing more', async () => {
      const dir = tempDir();
      const status = join(dir, 'status');
      writeFileSync(status, '');
      const child = ['sh', '-c', `cat /proc/self/status > ${status}`];
      let result = await start(['env', '--ignore-signal=PIPE,USR2', ...initCommand(init, mode, [], child)]).done;
      expect(result.code).toBe(0);
      expect(sigIgn(status)).toBe('0000000000001800');
      result = await start(['env', '--default-signal', ...initCommand(init, mode, [], child)]).done;
      expect(result.code).toBe(0);
      expect(sigIgn(status)).toBe('0000000000000000');
    });
  });
});
