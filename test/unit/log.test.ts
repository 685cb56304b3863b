import { describe, expect, it } from 'vitest';
import { createLog, levelOfVerbosity } from '../../src/observability/log.js';

describe('the log', () => {
  it("follows tini's verbosity scale", () => {
    expect([0, 1, 2, 3, 4, 9].map(levelOfVerbosity)).toEqual(['error', 'warn', 'info', 'debug', 'trace', 'trace']);
  });

  it('does not even create the sink while nothing passes the level', () => {
    let made = 0;
    const log = createLog(1, () => { made++; return () => {}; });
    log.info('quiet');
    log.debug('quiet');
    expect(made).toBe(0);
    log.warn('loud');
    expect(made).toBe(1);
  });

  it('turns itself off instead of throwing when stderr is broken', () => {
    let calls = 0;
    const log = createLog(4, () => () => { calls++; throw Object.assign(new Error('EPIPE'), { code: 'EPIPE' }); });
    expect(() => log.error('one')).not.toThrow();
    expect(() => log.error('two')).not.toThrow();
    expect(calls).toBe(1);
    expect(log.isEnabled('error')).toBe(false);
  });
});
