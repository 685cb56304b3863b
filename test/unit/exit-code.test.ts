import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, exitCodeOfSpawnError } from '../../src/core/exit-code.js';

describe('exitCodeOf', () => {
  it.each([0, 1, 3, 127, 200, 255])('passes exit code %i through', (code) => {
    expect(exitCodeOf({ exited: code })).toBe(code);
  });

  it.each([[9, 137], [15, 143], [2, 130], [11, 139], [64, 192]])('maps death by signal %i to %i', (signal, code) => {
    expect(exitCodeOf({ signaled: signal })).toBe(code);
  });

  it('remaps listed codes to 0, after the signal mapping as tini does', () => {
    const remap = new Set([3, 143]);
    expect(exitCodeOf({ exited: 3 }, remap)).toBe(0);
    expect(exitCodeOf({ signaled: 15 }, remap)).toBe(0);
    expect(exitCodeOf({ exited: 4 }, remap)).toBe(4);
  });
});

describe('exitCodeOfSpawnError', () => {
  it.each(['ENOENT', 'ENOTDIR'])('%s is "not found": 127', (code) => {
    expect(exitCodeOfSpawnError(code)).toBe(EXIT.NOT_FOUND);
  });
  it.each(['EACCES', 'ENOEXEC', 'EISDIR', 'ELOOP'])('%s is "cannot execute": 126', (code) => {
    expect(exitCodeOfSpawnError(code)).toBe(EXIT.NOT_EXECUTABLE);
  });
  it('anything else is procinit failing to start it: 1', () => {
    expect(exitCodeOfSpawnError('EAGAIN')).toBe(EXIT.INTERNAL);
  });
});
