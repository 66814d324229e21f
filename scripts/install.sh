#!/usr/bin/env bash
# Builds the bundle, packages the .vsix, installs it into VS Code when `code` is on PATH,
# and installs the `decnet-reaper` CLI (bundle + sql.js wasm) next to npm's global bin.
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent typecheck
npm run --silent package
vsix=dist/decnet-topology-reaper.vsix
echo "Packaged $vsix ($(du -h "$vsix" | cut -f1))"

if command -v code >/dev/null 2>&1; then
  code --install-extension "$vsix" --force
else
  echo "VS Code's \`code\` is not on PATH: install $vsix from the Extensions view (… → Install from VSIX…)."
fi

prefix=$(npm prefix -g)
lib="$prefix/lib/decnet-reaper"
mkdir -p "$lib" "$prefix/bin"
cp dist/cli.js dist/sql-wasm.wasm "$lib/"
chmod +x "$lib/cli.js"
ln -sf "$lib/cli.js" "$prefix/bin/decnet-reaper"
echo "Installed the CLI: $prefix/bin/decnet-reaper ($(decnet-reaper --help >/dev/null 2>&1 && echo 'on PATH' || echo "add $prefix/bin to PATH"))"
