#!/usr/bin/env bash
# Installs the Debian packages ciiguard needs to build and test, when run as root.
# Usage: scripts/deps.sh [run|check]   ("run" needs the build set, "check" adds the test tools,
#        among them Debian's chromium and the Noto CJK fonts for the web console's browser tests)
#        scripts/deps.sh packages NAME...  (those packages, for scripts/node-deps.sh)
set -euo pipefail
want=${1:-run}
pkgs=(gcc make cmake pkg-config gettext libsqlite3-dev libyaml-dev libjansson-dev libssl-dev libpq-dev libargon2-dev libmicrohttpd-dev
  libjemalloc-dev)
if [ "$want" = packages ]; then
  shift
  pkgs=("$@")
elif [ "$want" = check ]; then
  pkgs+=(libcmocka-dev clang libclang-rt-14-dev sqlite3 openssl jq postgresql-15 postgresql-client-15 curl
    chromium fonts-noto-cjk fonts-liberation)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "ciiguard: missing Debian packages: ${missing[*]}" >&2
  echo "ciiguard: install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "ciiguard: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
