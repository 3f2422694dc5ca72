#!/usr/bin/env bash
# Makes sure node (18 or newer) and npm are present, then installs the pinned node packages of
# web/package-lock.json into web/node_modules when they are missing or the lock file changed.
# The machine's node is used when it is 18 or newer (20 or newer where there is one); otherwise
# Debian's nodejs (18) is installed, as root. Debian's npm is installed only when there is no npm
# at all: it conflicts with node installed by other means.
# Usage: scripts/node-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
apt_install() { bash scripts/deps.sh packages "$@"; }
major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || [ "$(major)" -lt 18 ]; then
	apt_install nodejs
fi
if [ "$(major)" -lt 18 ]; then
	echo "ciiguard: node $(node --version 2>/dev/null || echo missing) is too old: 18 or newer is needed" >&2
	exit 1
fi
command -v npm >/dev/null || apt_install npm
stamp=web/node_modules/.ciiguard-lock
want="$(sha256sum web/package-lock.json | cut -c1-64) node-$(major)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	exit 0
fi
echo "ciiguard: installing the node packages of web/package-lock.json" >&2
# --ignore-scripts: no package runs code at install time; none needs to.
(cd web && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
echo "$want" >"$stamp"
