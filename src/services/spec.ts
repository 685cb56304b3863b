// What a config file describes, once validated: the types the rest of src/services/ works with.

export type ServiceType = 'longrun' | 'oneshot';
export type RestartPolicyName = 'always' | 'on-failure' | 'never';

/** How procinit learns that a longrun is ready. Hosts are numeric: no DNS lookup, no thread. */
export type ReadyCheck =
  | { kind: 'tcp'; hosts: string[]; port: number; text: string }
  | { kind: 'http'; hosts: string[]; port: number; path: string; hostHeader: string; text: string }
  | { kind: 'exec'; command: string[]; text: string }
  | { kind: 'fd'; fd: number; text: string };

export interface ServiceSpec {
  name: string;
  command: string[];
  type: ServiceType;
  dependsOn: string[];
  /** null: ready as soon as it is started (a longrun), or when it exits with success (a oneshot). */
  ready: ReadyCheck | null;
  /** null for a oneshot without one: it may take as long as it needs. */
  readyTimeoutMs: number | null;
  restart: RestartPolicyName;
  successExitCodes: number[];
  /** Failed runs in a row at which a critical service gives up. */
  maxRetries: number;
  critical: boolean;
  stopSignal: number;
  stopTimeoutMs: number;
  /** Signal procinit receives -> signal this service gets (non-stop signals only). */
  signals: Map<number, number>;
  /** Merged over procinit's environment. */
  env: Record<string, string>;
  /** Absolute; null: procinit's own working directory. */
  cwd: string | null;
}

export interface ServicesConfig {
  file: string;
  /** In the order the file lists them. */
  services: ServiceSpec[];
}

export const DEFAULTS = {
  readyTimeoutMs: 90_000,
  maxRetries: 5,
  stopTimeoutMs: 5_000,
  successExitCodes: [0],
} as const;
