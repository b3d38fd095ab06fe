#!/usr/bin/env bash
# Prints the directory of a Node.js >= 22.15 (zstd in node:zlib), installing the pinned one from the npm
# registry into .tools/ when the system Node is older. Used by the Makefile and .ci/run so that nobody
# has to install a Node by hand.
set -euo pipefail
pinned=24.21.0
root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/.tools/node"

is_recent() { # $1 = node binary
  "$1" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=15)?0:1)' 2>/dev/null
}

if command -v node >/dev/null 2>&1 && is_recent "$(command -v node)"; then
  dirname "$(command -v node)"; exit 0
fi
if [[ -x "$tools/node_modules/node/bin/node" ]] && is_recent "$tools/node_modules/node/bin/node"; then
  echo "$tools/node_modules/node/bin"; exit 0
fi
echo "ensure-node: system Node is older than 22.15; installing node@$pinned into .tools/node" >&2
mkdir -p "$tools"
npm install --prefix "$tools" --no-save --no-package-lock --loglevel=error "node@$pinned" >&2
is_recent "$tools/node_modules/node/bin/node" || { echo "ensure-node: node@$pinned did not install" >&2; exit 1; }
echo "$tools/node_modules/node/bin"
