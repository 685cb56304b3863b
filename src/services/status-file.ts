// The status file `procinit status` reads: rewritten atomically (write, then rename) on every
// change of state, in a runtime directory that is writable on a read-only root filesystem.
// Docker mounts a tmpfs at /dev/shm in every container; /run is where a writable root (or a
// Kubernetes emptyDir) usually has it; XDG_RUNTIME_DIR and the temp directory come last.
import { mkdirSync, renameSync, rmSync, writeFileSync, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceRecord } from './states.js';

export const STATUS_FILE_ENV = 'PROCINIT_STATUS_FILE';

export interface MainStatus {
  command: string[];
  state: 'WAITING' | 'RUNNING' | 'EXITED';
  pid: number | null;
  startedAt: number | null;
  exitCode: number | null;
}

export interface StatusSnapshot {
  version: 1;
  /** procinit's own pid, as its namespace sees it. */
  pid: number;
  startedAt: number;
  updatedAt: number;
  /** True once procinit is stopping everything (a stop signal, the main's end, a give-up). */
  stopping: boolean;
  main: MainStatus | null;
  services: ServiceRecord[];
}

/** Where to look, in order; the writer takes the first it can write to. */
export function runtimeDirectories(env: Record<string, string | undefined>): string[] {
  const dirs = ['/run', '/dev/shm', env.XDG_RUNTIME_DIR, tmpdir()].filter((d): d is string => !!d);
  return [...new Set(dirs.map((d) => join(d, 'procinit')))];
}

/** PID 1 (a container) writes status.json; anything else status-<pid>.json, so several can share a host. */
export function statusFileName(pid: number): string {
  return pid === 1 ? 'status.json' : `status-${pid}.json`;
}

function writableDirectory(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export function chooseStatusFile(env: Record<string, string | undefined>, pid: number, explicit: string | null): string | null {
  if (explicit) return explicit;
  const dir = runtimeDirectories(env).find(writableDirectory);
  return dir ? join(dir, statusFileName(pid)) : null;
}

export class StatusFile {
  constructor(readonly path: string) {}

  /** Never throws: a full or read-only disk costs `procinit status`, not PID 1. */
  write(snapshot: StatusSnapshot): boolean {
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(snapshot)}\n`, { mode: 0o644 });
      renameSync(temporary, this.path);
      return true;
    } catch {
      this.remove(temporary);
      return false;
    }
  }

  remove(path = this.path): void {
    try {
      rmSync(path, { force: true });
    } catch {
      // gone already, or the directory went read-only: nothing to do
    }
  }
}
