// What a trial measures. Every field describes the namespace as a container runtime would see it:
// PID 1's end is the container's end; the "main" process is the app (PID 1 itself without an
// init, procinit's child under procinit).

export type TrialName = 'withoutInit' | 'withProcinit';

export interface TrialResult {
  /** PID 1 ended by itself within --timeout after the signal. */
  stopped: boolean;
  /**
   * Milliseconds from the signal to the end of PID 1 (to its death by SIGKILL when the probe had
   * to kill it); null when PID 1 ended before the signal was sent.
   */
  ms: number | null;
  /** PID 1's exit code, what the runtime records (procinit reports a child's death by signal N as 128+N). */
  exitCode: number | null;
  /** The signal PID 1 died of (SIGKILL when the probe killed it), when it did not exit. */
  signal: string | null;
  /** The probe SIGKILLed PID 1 because --timeout ran out. */
  killed: boolean;
  /** PID 1 ended before the probe sent the signal. */
  exitedBeforeSignal: boolean;
  /**
   * Zombies in the namespace when the signal was sent that were already zombies in a sample
   * taken 40 to 90 ms earlier: processes that have ended and that nobody reaps.
   */
  zombies: number;
  /**
   * Processes of the namespace other than PID 1 and the main process that were running (not
   * zombies) in the last sample (every 5 ms after the signal) taken while the main process ran:
   * what was still running when the app ended. When the probe killed PID 1, the last sample
   * before the kill.
   */
  leftovers: number;
  /** The leftovers' command names (comm). */
  leftoverCommands: string[];
  /** PID 1's command name when the signal was sent (after any exec by a shell). */
  pid1: string | null;
  /** The main process's command name when the signal was sent. */
  main: string | null;
}
