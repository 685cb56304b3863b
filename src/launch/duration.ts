// Durations as people write them in a Dockerfile: `500ms`, `5s`, `1m`, or bare seconds (`2.5`).
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * The longest wait Node's timers take: 2^31-1 ms, about 24.8 days. Past it setTimeout fires after
 * 1 ms (with a TimeoutOverflowWarning), so a longer duration is refused, never shortened to that.
 */
export const LONGEST_MS = 2 ** 31 - 1;

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!match) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** 800 ms, 1.4 s, 30 s: for people, where formatDuration writes an option's value. */
export function spoken(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 100) / 10;
  return `${Number.isInteger(seconds) ? seconds.toFixed(0) : seconds.toFixed(1)} s`;
}
