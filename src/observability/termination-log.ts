// Kubernetes' termination message: the kubelet mounts a file at /dev/termination-log
// (terminationMessagePath) and shows what the container wrote there, up to 4 KiB, in
// `kubectl describe pod` and the pod's status. procinit writes one paragraph to it as it exits.
// Synchronous (procinit is about to _exit), bounded, and it never throws: O_NONBLOCK, so a FIFO
// with no reader fails at once (ENXIO) instead of holding PID 1's exit, and a full pipe takes
// what fits.
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import type { TerminationLogSetting } from '../launch/options.js';
import { TERMINATION_MESSAGE_BYTES, cutToBytes } from '../core/ending.js';

export type WriteResult = { written: number } | { skipped: 'absent' } | { failed: string };

export function writeTerminationMessage(setting: TerminationLogSetting, text: string): WriteResult {
  const { O_WRONLY, O_TRUNC, O_CREAT, O_NONBLOCK, O_NOCTTY } = constants;
  const bytes = Buffer.from(`${cutToBytes(text, TERMINATION_MESSAGE_BYTES - 1)}\n`, 'utf8');
  let fd: number;
  try {
    fd = openSync(setting.path, O_WRONLY | O_TRUNC | O_NONBLOCK | O_NOCTTY | (setting.create ? O_CREAT : 0), 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    // Kubernetes' default file is there only under Kubernetes: anywhere else, nothing to say.
    return code === 'ENOENT' && !setting.create ? { skipped: 'absent' } : { failed: code };
  }
  try {
    let written = 0;
    while (written < bytes.length) {
      const n = writeSync(fd, bytes, written, bytes.length - written);
      if (n <= 0) break;
      written += n;
    }
    return { written };
  } catch (error) {
    return { failed: (error as NodeJS.ErrnoException).code ?? String(error) };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing more to lose
    }
  }
}
