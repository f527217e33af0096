#!/usr/bin/env bash
# Hot reads with a token through the shared harness (../shared/bench/), bounded: bench/hot-reads.sh
# with AUTHS=1 (abbrev, full and tarball at c=32 for DURATION s each beside the bare server, plus
# the native package document). Kept under this name for bench/tracing-on.sh and earlier notes.
#
#   bench/cache-reads.sh [SERVER_CLI] [LABEL]
#
# SERVER_CLI defaults to this checkout's packages/server/dist/cli.js. Results:
# /tmp/bench-run/results-LABEL-token-DATE.md and the table on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AUTHS=1 exec "$HERE/hot-reads.sh" "${1:-$HERE/../packages/server/dist/cli.js}" "${2:-cache-reads}"
