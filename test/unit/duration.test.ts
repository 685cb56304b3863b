import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/launch/duration.js';
import { parseDurationOption } from '../../src/launch/options.js';

describe('parseDuration', () => {
  it.each([['500ms', 500], ['5s', 5000], ['1m', 60_000], ['2', 2000], ['0', 0], ['0.25', 250], ['1.5s', 1500], [' 3s ', 3000], ['1h', 3_600_000]])(
    '%j is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));
  it.each(['', 's', '-1', '5 parsecs', '1e3', '5sec', 'ms'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('durations past what a timer can wait (issue 11, item 4)', () => {
  it.each(['597h', '2147484s', '9'.repeat(400), '99999999999999999999ms'])('%j is refused, never taken as 1 ms', (text) => {
    expect(() => parseDurationOption(text, '--grace')).toThrow(/longer than procinit can wait; use at most 596h/);
  });
  it('takes the longest a timer can wait', () => {
    expect(parseDurationOption('596h', '--grace')).toBe(596 * 3_600_000);
    expect(parseDurationOption(`${2 ** 31 - 1}ms`, '--stop-timeout')).toBe(2 ** 31 - 1);
  });
});
