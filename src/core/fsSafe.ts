// Reading small configuration files without ever blocking: a FIFO, a device or a huge file
// where a JSON or PEM file is expected is refused with an error that names the path.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const MAX_JSON_BYTES = 1024 * 1024;
export const MAX_PEM_BYTES = 4 * 1024 * 1024;

/** Why a file could not be read; `code` is the system's (`ENOENT`, `EACCES`) or ours (`ENOTREG`, `EFBIG`). */
export class FileReadError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'FileReadError';
  }
}

/** A path as people read it: under the home folder as `~/…`. */
export function displayPath(p: string, home = os.homedir()): string {
  const rel = home ? path.relative(home, p) : '';
  return home && rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `~/${rel}` : p;
}

/** Opening for reading without ever blocking: a FIFO opens at once (O_NONBLOCK), a terminal is never adopted. */
const OPEN_READ_NONBLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);

/**
 * Opens `file` read-only without ever blocking and fstats the open descriptor, so that the caller
 * checks what it is (a regular file?) before reading it. The caller closes `fd`. Throws the
 * system's error (`ENOENT`, `EACCES`...).
 */
export function openNonBlocking(file: string): { fd: number; st: Stats } {
  const fd = openSync(file, OPEN_READ_NONBLOCKING);
  try {
    return { fd, st: fstatSync(fd) };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads into `buf` from `position` until it is full or the file ends; returns the bytes read. */
export function preadFully(fd: number, buf: Buffer, position: number): number {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, position + off);
    if (n === 0) break;
    off += n;
  }
  return off;
}

/**
 * The bytes of a regular file of at most `maxBytes`. It is opened with O_NONBLOCK (opening a FIFO
 * never waits for a writer) and checked with fstat on the open descriptor before any read: a
 * FIFO, socket, device or directory is refused, so is a larger file. Throws FileReadError.
 */
export function readRegularFile(file: string, maxBytes: number, home?: string): Buffer {
  const shown = displayPath(file, home);
  let fd: number;
  let st: Stats;
  try {
    ({ fd, st } = openNonBlocking(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT'
        ? 'does not exist'
        : e.code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : `cannot be opened (${e.code ?? e.message})`;
    throw new FileReadError(`${shown} ${why}`, e.code ?? 'EIO', file);
  }
  try {
    if (!st.isFile()) throw new FileReadError(`${shown} is not a regular file`, 'ENOTREG', file);
    if (st.size > maxBytes) {
      throw new FileReadError(`${shown} is too large (${st.size} bytes, at most ${maxBytes})`, 'EFBIG', file);
    }
    // One byte more than announced: a file that grows while it is read is noticed.
    const buf = Buffer.alloc(st.size + 1);
    let n: number;
    try {
      n = preadFully(fd, buf, 0);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new FileReadError(`${shown} cannot be read (${e.code ?? e.message})`, e.code ?? 'EIO', file);
    }
    if (n > st.size) throw new FileReadError(`${shown} changed while it was read`, 'EAGAIN', file);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** The same, or undefined when the file does not exist. */
export function readRegularFileIfExists(file: string, maxBytes: number, home?: string): Buffer | undefined {
  try {
    return readRegularFile(file, maxBytes, home);
  } catch (err) {
    if (err instanceof FileReadError && (err.code === 'ENOENT' || err.code === 'ENOTDIR')) return undefined;
    throw err;
  }
}
