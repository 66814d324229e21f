#!/usr/bin/env bash
# Installs what the tests need: the Debian packages (Docker, busybox for the test image, Chromium,
# systemd's tools and zsh, the build tools code-server's native modules need) and code-server
# itself, from npm, into a cache folder outside the repository. Idempotent: packages already
# present are skipped and a working code-server in the cache is reused, so a second run takes
# seconds. Prints the code-server binary path on its last line.
#   scripts/install-e2e-deps.sh            (env: DECNET_E2E_CACHE, default /var/cache/decnet-reaper-e2e)
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
cache=${DECNET_E2E_CACHE:-/var/cache/decnet-reaper-e2e}
dest="$cache/code-server-$CODE_SERVER_VERSION"
bin="$dest/node_modules/.bin/code-server"

log() { echo "install-e2e-deps: $*" >&2; }

# ---------------------------------------------------------------------------------------------
# 1. Debian packages.
packages=(
  docker.io busybox-static chromium ripgrep sqlite3 unzip ca-certificates openssl mariadb-server mariadb-client
  # chattr: a removal test makes a file in a container's folder on the private daemon immutable.
  e2fsprogs
  openssh-server openssh-client
  # systemd-analyze verify checks contrib/systemd (strace: the system calls the unit allows);
  # zsh checks `decnet-reaper completion zsh`.
  systemd strace zsh
  fonts-liberation fonts-dejavu-core
  # Native modules of code-server / VS Code (node-pty, kerberos, spdlog, argon2, ...).
  build-essential python3 pkg-config libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) == 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  log "Debian packages already present"
fi

# ---------------------------------------------------------------------------------------------
# 2. code-server from npm.
works() {
  # code-server creates config and data folders under XDG dirs even for --version: keep them
  # out of $HOME.
  local xdg
  xdg=$(mktemp -d)
  [[ -x $bin ]] && XDG_CONFIG_HOME=$xdg XDG_DATA_HOME=$xdg "$bin" --version 2>/dev/null | grep -q "^$CODE_SERVER_VERSION"
  local rc=$?
  rm -rf "$xdg"
  return $rc
}

if works; then
  log "code-server $CODE_SERVER_VERSION already installed in $dest"
else
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.install.XXXXXX")
  trap 'rm -rf "$work"' EXIT

  # @vscode/ripgrep's postinstall downloads rg from GitHub, which is not reachable here. It uses a
  # cached archive instead when $TMPDIR/vscode-ripgrep-cache-<its version>/<asset> exists, so
  # prepare that archive (rg at its root) from Debian's ripgrep for every version that
  # code-server's shrinkwraps pin.
  log "reading code-server's shrinkwraps for @vscode/ripgrep versions"
  (cd "$work" && npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null)
  mkdir -p "$work/pkg"
  tar -xzf "$work"/code-server-*.tgz -C "$work/pkg" --wildcards 'package/*npm-shrinkwrap.json'
  mapfile -t rg_versions < <(node -e '
    const fs = require("fs"), path = require("path");
    const out = new Set();
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "npm-shrinkwrap.json") {
        for (const [k, v] of Object.entries(JSON.parse(fs.readFileSync(p, "utf8")).packages || {}))
          if (k.endsWith("node_modules/@vscode/ripgrep")) out.add(v.version);
      } } };
    walk(process.argv[1]); console.log([...out].join("\n"));' "$work/pkg")
  ((${#rg_versions[@]})) || { log "no @vscode/ripgrep version found in the shrinkwraps"; exit 1; }
  rg_bin=$(command -v rg) || { log "ripgrep (rg) is not installed"; exit 1; }
  tmp_root=$(node -p 'require("os").tmpdir()')
  mkdir -p "$work/rg"
  cp "$rg_bin" "$work/rg/rg"
  for v in "${rg_versions[@]}"; do
    rg_cache="$tmp_root/vscode-ripgrep-cache-$v"
    # v13.0.0-10 is the ripgrep build @vscode/ripgrep 1.15.x asks for on x86_64 Linux.
    asset="$rg_cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
    if [[ ! -s $asset ]]; then
      mkdir -p "$rg_cache"
      tar -czf "$asset" -C "$work/rg" rg
      log "prepared $asset from $rg_bin"
    fi
  done

  # Install into a staging folder, then move it in place, so an interrupted install never
  # leaves a half-working code-server that a later run would trust.
  staging="$work/code-server"
  mkdir -p "$staging"
  echo '{ "name": "decnet-reaper-e2e-code-server", "private": true }' >"$staging/package.json"
  log "installing code-server@$CODE_SERVER_VERSION (several minutes: it builds native modules)"
  # - unsafe_perm: code-server's postinstall refuses to run as root without it.
  # - dangerously_allow_all_scripts: npm 11 blocks dependency install scripts unless approved;
  #   code-server's postinstall runs nested `npm install`s in lib/vscode (a package.json we do
  #   not own) whose native modules must build, so the approval has to reach those nested runs
  #   through the environment. It applies to this pinned, shrinkwrapped install only.
  # - nodedir: build native modules against the installed Node headers (no header download).
  nodedir_env=()
  [[ -f /usr/include/node/node.h ]] && nodedir_env=(npm_config_nodedir=/usr)
  env npm_config_yes=true npm_config_unsafe_perm=true npm_config_dangerously_allow_all_scripts=true \
    npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false \
    "${nodedir_env[@]}" \
    npm install --prefix "$staging" --no-save --omit=dev "code-server@$CODE_SERVER_VERSION" >&2

  # The postinstall is what installs lib/vscode's dependencies; check that it really ran.
  for f in lib/vscode/node_modules/@vscode/ripgrep/bin/rg lib/vscode/node_modules/node-pty/package.json \
    lib/vscode/node_modules.asar; do
    [[ -e $staging/node_modules/code-server/$f ]] || {
      log "code-server's postinstall did not complete: missing $f"
      exit 1
    }
  done
  rm -rf "$dest"
  mv "$staging" "$dest"
  works || { log "code-server installed in $dest but \`code-server --version\` fails"; exit 1; }
  log "code-server $CODE_SERVER_VERSION installed in $dest"
fi

echo "$bin"
