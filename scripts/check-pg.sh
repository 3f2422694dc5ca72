#!/usr/bin/env bash
# Runs ctest in BUILD_DIR against a throwaway PostgreSQL cluster, which it starts first and
# stops afterwards, even when tests fail or the run is interrupted.
#   scripts/check-pg.sh BUILD_DIR [ctest arguments...]
set -euo pipefail
build=$(cd "${1:?build directory}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/ciiguard-pg.XXXXXX")
chmod 755 "$dir" # the server runs as the unprivileged postgres user when we are root
stop() { bash "$here/pg-cluster.sh" stop "$dir/cluster"; rm -rf "$dir"; }
trap stop EXIT INT TERM
uri=$(bash "$here/pg-cluster.sh" start "$dir/cluster")
echo "check-pg: PostgreSQL test cluster at $uri"
cd "$build"
CG_TEST_PG=$uri ctest "$@"
