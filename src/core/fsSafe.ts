// Reading small configuration files without ever blocking: a FIFO, a device or a huge file
// where a JSON or PEM file is expected is refused with an error that names the path.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
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

/**
 * The bytes of a regular file of at most `maxBytes`. It is opened with O_NONBLOCK (opening a FIFO
 * never waits for a writer) and checked with fstat on the open descriptor before any read: a
 * FIFO, socket, device or directory is refused, so is a larger file. Throws FileReadError.
 */
export function readRegularFile(file: string, maxBytes: number, home?: string): Buffer {
  const shown = displayPath(file, home);
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'does not exist' : e.code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be opened (${e.code ?? e.message})`;
    throw new FileReadError(`${shown} ${why}`, e.code ?? 'EIO', file);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError(`${shown} is not a regular file`, 'ENOTREG', file);
    if (st.size > maxBytes) {
      throw new FileReadError(`${shown} is too large (${st.size} bytes, at most ${maxBytes})`, 'EFBIG', file);
    }
    // One byte more than announced: a file that grows while it is read is noticed.
    const buf = Buffer.alloc(st.size + 1);
    let n = 0;
    while (n < buf.length) {
      let got: number;
      try {
        got = readSync(fd, buf, n, buf.length - n, null);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new FileReadError(`${shown} cannot be read (${e.code ?? e.message})`, e.code ?? 'EIO', file);
      }
      if (got === 0) break;
      n += got;
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
