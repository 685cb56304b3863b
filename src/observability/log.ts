// Logs are pino JSON lines on stderr, written synchronously so nothing is lost when PID 1 exits.
// pino is loaded on the first record that passes the level: a quiet run never pays for it.
// A log call never throws: a closed or broken stderr turns logging off, it does not kill PID 1.
import { createRequire } from 'node:module';

export type Level = 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type Fields = Record<string, unknown>;

const LEVELS: Level[] = ['error', 'warn', 'info', 'debug', 'trace'];

export interface Log {
  error(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  trace(msg: string, fields?: Fields): void;
  isEnabled(level: Level): boolean;
}

type Sink = (level: Level, fields: Fields, msg: string) => void;

/** tini's scale: 0 errors only, 1 warnings (the default), 2 info, 3 debug, 4 trace. */
export function levelOfVerbosity(verbosity: number): Level {
  return LEVELS[Math.max(0, Math.min(verbosity, LEVELS.length - 1))]!;
}

/**
 * pino-pretty would print an event's `pid` (the child's, an orphan's) as `(procinit/42)`, the
 * place where a logger's own pid goes, and leave it out of the fields: it goes after the message.
 * (pino's own pid is not in the records: `base` replaces it.)
 */
export const PRETTY_OPTIONS = {
  destination: 2,
  sync: true,
  singleLine: true,
  ignore: 'pid,hostname',
  messageFormat: (record: Record<string, unknown>, messageKey: string) =>
    (record.pid === undefined ? `${record[messageKey]}` : `${record[messageKey]} pid=${record.pid}`),
};

/**
 * Creating process.stdout or process.stderr makes fd 1 or 2 O_NONBLOCK (libuv opens it as a
 * stream), and the children share that open file description: a child's write to a full pipe then
 * fails with EAGAIN. Loading pino does it (its `assert` pulls in Node's colour check of stderr),
 * so does pino-pretty (Node's Readable.pipe compares with process.stdout). procinit writes both
 * with writeSync only: they become plain synchronous writers before anything asks for them.
 */
function keepStdioBlocking(require: NodeJS.Require): void {
  const { Writable } = require('node:stream') as typeof import('node:stream');
  const { writeSync } = require('node:fs') as typeof import('node:fs');
  for (const [name, fd] of [['stdout', 1], ['stderr', 2]] as const) {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        try {
          writeSync(fd, chunk);
        } catch {
          // closed: nothing written there matters more than PID 1
        }
        done();
      },
    });
    Object.defineProperty(process, name, { configurable: true, enumerable: true, value: Object.assign(stream, { fd }) });
  }
}

/** JSON lines on fd 2, or with `pretty` pino-pretty's coloured lines; both written synchronously. */
export function pinoSink(format: 'json' | 'pretty') {
  return (level: Level): Sink => {
    const require = createRequire(__filename);
    keepStdioBlocking(require);
    const pino = require('pino') as typeof import('pino');
    const destination = format === 'pretty'
      ? (require('pino-pretty') as typeof import('pino-pretty'))(PRETTY_OPTIONS)
      // `dest`, not `fd`: pino reads process.stdout.fd when `dest` is missing, and merely touching
      // process.stdout makes fd 1 O_NONBLOCK, for the children that share it too.
      : pino.destination({ dest: 2, sync: true });
    const logger = pino({ level, base: { name: 'procinit' } }, destination);
    return (recordLevel, fields, msg) => logger[recordLevel](fields, msg);
  };
}

export function createLog(verbosity: number, makeSink: (level: Level) => Sink = pinoSink('json')): Log {
  const threshold = LEVELS.indexOf(levelOfVerbosity(verbosity));
  let sink: Sink | null = null;
  let broken = false;
  const isEnabled = (level: Level) => !broken && LEVELS.indexOf(level) <= threshold;
  const write = (level: Level) => (msg: string, fields: Fields = {}) => {
    if (!isEnabled(level)) return;
    try {
      sink ??= makeSink(levelOfVerbosity(verbosity));
      sink(level, fields, msg);
    } catch {
      broken = true;
    }
  };
  return {
    error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'),
    trace: write('trace'), isEnabled,
  };
}
