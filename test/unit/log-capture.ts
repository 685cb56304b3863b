import { createLog, type Fields, type Level, type Log } from '../../src/observability/log.js';

export interface Captured { level: Level; msg: string; fields: Fields }

/** A real Log (levels and all) whose records land in an array instead of stderr. */
export function capturingLog(verbosity = 4): { log: Log; records: Captured[] } {
  const records: Captured[] = [];
  const log = createLog(verbosity, () => (level, fields, msg) => records.push({ level, msg, fields }));
  return { log, records };
}
