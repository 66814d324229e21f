// The CLI built as one file (Node's single executable application, `dist/decnet-reaper-linux-x64`):
// what it carries inside instead of beside it. Anywhere else (the extension, `node dist/cli.js`,
// the tests) there is no such thing and the callers read their files as usual.

/** Node's `node:sea` (Node ≥ 20.12), or undefined where it does not exist or this is not one. */
function seaModule(): typeof import('node:sea') | undefined {
  try {
    // Loaded lazily: an older Node has no such module, and nothing else needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const sea = require('node:sea') as typeof import('node:sea');
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined;
  }
}

/** Whether this process is the single executable. */
export function isSingleExecutable(): boolean {
  return seaModule() !== undefined;
}

/** A copy of the asset `name` embedded in the single executable, or undefined when this is not one. */
export function embeddedAsset(name: string): ArrayBuffer | undefined {
  return seaModule()?.getAsset(name);
}
