// The last lines of a container's log, as Show Logs opens them: both streams, with timestamps,
// without terminal escape sequences, and with the values of the container's environment masked
// wherever they appear (secrets are passed to honeypots that way), as Inspect masks them.
import type Docker from 'dockerode';

/** How many lines of a container's log are read. */
export const LOG_TAIL_LINES = 200;

/** The log's last `LOG_TAIL_LINES` lines, masked. Throws Docker's error (the caller reports it). */
export async function readContainerLogs(docker: Pick<Docker, 'getContainer'>, id: string): Promise<string> {
  const container = docker.getContainer(id);
  const info = (await container.inspect()) as unknown as { Config?: { Tty?: boolean; Env?: unknown } };
  const raw: unknown = await container.logs({ stdout: true, stderr: true, timestamps: true, tail: LOG_TAIL_LINES, follow: false });
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw));
  return maskValues(plainLog(bytes, info.Config?.Tty === true), envValues(info.Config?.Env));
}

/**
 * The text of `docker logs`: without a terminal (Tty) Docker multiplexes stdout and stderr in
 * frames of an 8-byte header (stream, 0, 0, 0, size) and the bytes; with one, it is the bytes.
 * ANSI escape sequences (CSI, OSC) are removed.
 */
export function plainLog(raw: Buffer, tty: boolean): string {
  let bytes = raw;
  if (!tty) {
    const parts: Buffer[] = [];
    let off = 0;
    while (off + 8 <= raw.length && raw[off] <= 2 && raw[off + 1] === 0 && raw[off + 2] === 0 && raw[off + 3] === 0) {
      const size = raw.readUInt32BE(off + 4);
      parts.push(raw.subarray(off + 8, off + 8 + size));
      off += 8 + size;
    }
    // Not framed after all (or a remainder): kept as it is.
    if (off < raw.length) parts.push(raw.subarray(off));
    bytes = Buffer.concat(parts);
  }

  return bytes.toString('utf8').replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)/g, '');
}

/** The values of `KEY=value` entries long enough to be worth hiding (short ones would mask everything). */
export function envValues(env: unknown): string[] {
  if (!Array.isArray(env)) return [];
  return env
    .filter((e): e is string => typeof e === 'string' && e.includes('='))
    .map((e) => e.slice(e.indexOf('=') + 1))
    .filter((v) => v.length >= 4)
    .sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each value replaced by `***`. */
export function maskValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const v of values) out = out.split(v).join('***');
  return out;
}
