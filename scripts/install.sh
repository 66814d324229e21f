#!/usr/bin/env bash
# Builds the bundles, packages the .vsix, installs it into VS Code when `code` is on PATH, and
# installs the `decnet-reaper` CLI into npm's global bin with its bash and zsh completion.
#
#   npm run setup                 the single executable, dist/decnet-reaper-linux-x64, on Linux x64
#                                 (it keeps working whatever becomes of this Node, and it is the file
#                                 copied to DECNET hosts); elsewhere the script below
#   npm run setup -- --script     the script (dist/cli.js and sql.js's wasm, about 2 MB) run by the
#                                 `node` on PATH, which must then stay Node >= 20
set -euo pipefail
cd "$(dirname "$0")/.."

mode=binary
for arg in "$@"; do
  case $arg in
    --script) mode=script ;;
    --binary) mode=binary ;;
    *)
      echo "usage: npm run setup [-- --script | --binary]" >&2
      exit 2
      ;;
  esac
done

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
target="$prefix/bin/decnet-reaper"
mkdir -p "$prefix/bin"
# Whatever an earlier setup left there (a link to the script, an older binary) goes first: a copy
# onto a link would write through it.
rm -f "$target"
if [[ $mode == binary && ! -x dist/decnet-reaper-linux-x64 ]]; then
  echo "dist/decnet-reaper-linux-x64 was not built here (see above): installing the script instead."
  mode=script
fi
if [[ $mode == binary ]]; then
  install -m 0755 dist/decnet-reaper-linux-x64 "$target"
  rm -rf "$lib"
  what="the single executable, $(du -h "$target" | cut -f1), no Node needed"
else
  mkdir -p "$lib"
  cp dist/cli.js dist/sql-wasm.wasm "$lib/"
  chmod +x "$lib/cli.js"
  ln -sf "$lib/cli.js" "$target"
  what="the script, run by the node on PATH (Node >= 20)"
fi

# Completion where bash-completion (2.9 and later: <PATH dir>/../share/bash-completion/completions)
# and zsh (site-functions, when in $fpath) look for it.
bash_dir="$prefix/share/bash-completion/completions"
zsh_dir="$prefix/share/zsh/site-functions"
mkdir -p "$bash_dir" "$zsh_dir"
"$target" completion bash >"$bash_dir/decnet-reaper"
"$target" completion zsh >"$zsh_dir/_decnet-reaper"

echo "Installed the CLI: $target, $what ($("$target" --version))"
echo "  $(command -v decnet-reaper >/dev/null 2>&1 && echo 'on PATH' || echo "add $prefix/bin to PATH")"
echo "  completion: $bash_dir/decnet-reaper, $zsh_dir/_decnet-reaper (docs/cli.md, Completion)"
