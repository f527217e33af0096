#!/usr/bin/env bash
# Hot reads with a token through the shared harness (../shared/bench/), bounded: one run of
# abbrev, full and tarball at c=32 for DURATION s each, beside the bare server.
#
#   bench/cache-reads.sh [SERVER_CLI] [LABEL]
#
# SERVER_CLI defaults to this checkout's packages/server/dist/cli.js (pass another build's to
# compare, e.g. /work/main/packages/server/dist/cli.js). Needs Postgres at PG (postgres://postgres@127.0.0.1:5432);
# creates and drops its own database. Results: /tmp/bench-run/results-LABEL-DATE.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
CLI="${1:-$ROOT/packages/server/dist/cli.js}"
LABEL="${2:-cache-reads}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-3920}"
DB="bench_${LABEL//[^a-zA-Z0-9]/_}"
DATA="$(mktemp -d /tmp/bench-cache-XXXX)"

[[ -d /tmp/bench-fixtures ]] || node "$SHARED/make-fixtures.mjs" >/dev/null
# Only the template package: the ~200 search fixtures are not read here, and publishing them takes minutes.
FIX="$DATA/fixtures"; mkdir -p "$FIX"
jq '.others = []' /tmp/bench-fixtures/manifest.json >"$FIX/manifest.json"
psql "$PG/postgres" -qc "drop database if exists $DB" -c "create database $DB" >/dev/null
SIGNING_KEY_SECRET="${SIGNING_KEY_SECRET:-bench-only-secret-bench-only-secret-0123456789}" PORT=$PORT DATA_DIR="$DATA" DATABASE_URL="$PG/$DB" RATE_LIMIT_IP_PER_MINUTE=0 RATE_LIMIT_TOKEN_PER_MINUTE=0 \
  LOG_LEVEL="${LOG_LEVEL:-warn}" node "$CLI" start >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; psql "$PG/postgres" -qc "drop database if exists $DB" >/dev/null 2>&1 || true; rm -rf "$DATA"; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break; sleep 0.2; done
[[ -f "$DATA/admin.token" ]] || { cat "$DATA/server.log" >&2; exit 1; }
TOKEN="$(cat "$DATA/admin.token")"
timeout 300 node "$SHARED/publish.mjs" "http://127.0.0.1:$PORT" "$TOKEN" --name "$LABEL" --fixtures "$FIX" >/dev/null
DURATION="${DURATION:-5}" RUNS="${RUNS:-1}" CONCS="${CONCS:-32}" INSTALL_REPS="${INSTALL_REPS:-0}" \
  WORKLOADS="${WORKLOADS:-abbrev full tarball}" SERVER_PIDS="$SERVER" REGISTRY_LABEL="$LABEL ($CLI)" \
  timeout 300 "$SHARED/load.sh" "http://127.0.0.1:$PORT" "$TOKEN" "$LABEL"
