// Loads sql.js (SQLite compiled to WebAssembly) once, from a local .wasm file: nothing is fetched.
import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { embeddedAsset } from '../singleExecutable';

let cached: Promise<SqlJsStatic> | null = null;

/**
 * Where `sql-wasm.wasm` is: next to the running bundle first (esbuild copies it to `dist/`),
 * else in the installed sql.js package.
 */
export function findSqlWasm(): string {
  const bundled = path.join(__dirname, 'sql-wasm.wasm');
  if (fs.existsSync(bundled)) return bundled;
  return require.resolve('sql.js/dist/sql-wasm.wasm');
}

/** The sql.js module, initialised once per process. A failed load is retried on the next call. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  if (cached === null) {
    cached = (async () => {
      // The single executable (dist/decnet-reaper-linux-x64) carries its own: never one beside it.
      const embedded = embeddedAsset('sql-wasm.wasm');
      if (embedded) return initSqlJs({ wasmBinary: embedded });
      const bytes = fs.readFileSync(findSqlWasm());
      const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return initSqlJs({ wasmBinary });
    })();
    cached.catch(() => {
      cached = null;
    });
  }
  return cached;
}
