// The child's environment is procinit's, with the app's NODE_OPTIONS put back: bin/procinit moved
// it aside so that `--inspect` or `--require apm` meant for the app do not apply to procinit's Node.
export const SAVED_NODE_OPTIONS = 'PROCINIT_APP_NODE_OPTIONS';
/** Set by bin/procinit: the descriptors procinit inherited, for the child to inherit in turn. */
export const INHERITED_FDS = 'PROCINIT_INHERITED_FDS';

/** Without the launcher's list (procinit run as `node dist/procinit.js`), pass stdio only. */
export function inheritedDescriptors(env: Record<string, string | undefined>): number[] {
  const listed = env[INHERITED_FDS];
  if (listed === undefined) return [0, 1, 2];
  return listed.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number);
}

export function childEnvironment(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || key === SAVED_NODE_OPTIONS || key === INHERITED_FDS || key === 'NODE_OPTIONS') {
      continue;
    }
    out.push(`${key}=${value}`);
  }
  const saved = env[SAVED_NODE_OPTIONS];
  if (saved !== undefined) out.push(`NODE_OPTIONS=${saved}`);
  else if (env.NODE_OPTIONS !== undefined) out.push(`NODE_OPTIONS=${env.NODE_OPTIONS}`);
  return out;
}
