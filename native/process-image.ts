// What procinit was given, byte for byte: its environment as the C library holds it, and its
// argv as the kernel keeps it. Node decodes both as UTF-8 and so turns any other byte into
// U+FFFD; an init must pass them on unchanged, as tini does.
import { readFileSync } from 'node:fs';
import type { LibraryHandle } from 'koffi';

type Koffi = typeof import('koffi');

/** The strings of a block of NUL-terminated ones (an environment block, a cmdline). Pure. */
export function splitNul(block: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = block.indexOf(0); i !== -1; i = block.indexOf(0, start)) {
    out.push(block.subarray(start, i));
    start = i + 1;
  }
  if (start < block.length) out.push(block.subarray(start));
  return out;
}

/** The NUL-separated strings of a /proc file, or null where /proc cannot be read. */
export function procStrings(file: string): Buffer[] | null {
  try {
    return splitNul(readFileSync(file));
  } catch {
    return null;
  }
}

/**
 * The `environ` array, entry by entry. Looked up in the program itself, not in libc: an executable
 * that uses environ gets its own copy of the variable (a copy relocation), and libc's then stays
 * empty. Needs no /proc.
 */
export function readEnviron(koffi: Koffi, program: LibraryHandle, strlen: (p: unknown) => number): Buffer[] {
  const array = koffi.decode(program.symbol('environ'), 'void *');
  const out: Buffer[] = [];
  if (array === null) return out;
  // Pointers are 8 bytes on x64 and arm64, the only platforms koffi ships for Linux.
  for (let i = 0; ; i++) {
    const entry = koffi.decode(array, i * 8, 'void *');
    if (entry === null) break;
    out.push(Buffer.from(new Uint8Array(koffi.view(entry, strlen(entry)))));
  }
  return out;
}
