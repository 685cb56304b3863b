// tini's and dumb-init's variables read as their C reads them. The integration test
// (dropin-tini-env) holds the same values against the real tini; these pin down the arithmetic.
import { describe, expect, it } from 'vitest';
import { cAtoi, dumbInitSetsid, tiniVerbosity, tiniVerbosityOverride } from '../../src/launch/compat-env.js';

describe("glibc's atoi", () => {
  it.each([
    ['', 0], ['abc', 0], ['3abc', 3], ['-1', -1], ['+2', 2], [' \t\n\v\f\r7', 7], ['- 1', 0], ['0x10', 0],
    ['007', 7], ['2147483647', 2147483647], ['2147483648', -2147483648], ['4294967298', 2],
    // strtol saturates at LONG_MAX / LONG_MIN before the cast to int keeps the low 32 bits.
    ['9'.repeat(400), -1], ['-' + '9'.repeat(400), 0], ['\u00a05', 0], ['\u0665', 0],
  ])('atoi(%j) is %i', (text, expected) => {
    expect(cAtoi(text)).toBe(expected);
  });
});

describe('TINI_VERBOSITY', () => {
  it.each([['', 0], ['abc', 0], ['3abc', 3], ['-1', 4], ['1', 1], [' 2', 2], ['4294967298', 2], ['99', 4]])(
    '%j is level %i (an unsigned int, capped at trace)', (text, expected) => {
      expect(tiniVerbosity(text)).toBe(expected);
    });

  it('replaces -v only when set, and gives way to PROCINIT_VERBOSITY', () => {
    expect(tiniVerbosityOverride({})).toBeUndefined();
    expect(tiniVerbosityOverride({ TINI_VERBOSITY: '' })).toBe(0);
    expect(tiniVerbosityOverride({ TINI_VERBOSITY: '3', PROCINIT_VERBOSITY: '1' })).toBeUndefined();
  });
});

describe('DUMB_INIT_SETSID', () => {
  it.each([[undefined, undefined], ['0', false], ['1', true], ['', true], ['00', true], ['no', true]])(
    '%j means signals to the group: %j', (value, expected) => {
      expect(dumbInitSetsid(value === undefined ? {} : { DUMB_INIT_SETSID: value })).toBe(expected);
    });
});
