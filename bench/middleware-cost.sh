#!/usr/bin/env bash
# What each stage of the request path costs: server CPU µs per request and req/s for routes that
# go through more and more of it, on one server, c=32, DURATION s each (default 3; about a minute in all).
#
#   bench/middleware-cost.sh [SERVER_CLI]
#
#   /health                 setup + request log + metrics (no limits, no authentication)
#   /-/ping                 + early limits, authentication (anonymous), token limits, body limit
#   /-/ping with a token    + the token check (cached row, cached signature)
#   packument with a token  + the snapshot, rights and rendered bytes (npm route, then the native one)
#   tarball with a token    + the blob cache (npm's tarball URL)
# The packument and tarball rows are answered before Hono (packages/server/src/hot-reads.ts); the
# "through Hono" rows are the same reads with a query string, which hot-reads.ts passes to Hono.
# each at LOG_LEVEL=info (one JSON line per request) and warn. Needs wrk and Postgres at PG.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CLI="${1:-$ROOT/packages/server/dist/cli.js}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-3930}"
DURATION="${DURATION:-3}"
DB=bench_middleware_cost
DATA="$(mktemp -d /tmp/bench-mw-XXXX)"
CLK_TCK="$(getconf CLK_TCK)"
SERVER=
cleanup() { [[ -n "$SERVER" ]] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }; psql "$PG/postgres" -qc "drop database if exists $DB" >/dev/null 2>&1 || true; rm -rf "$DATA"; }
trap cleanup EXIT
psql "$PG/postgres" -qc "drop database if exists $DB" -c "create database $DB" >/dev/null

start() {
  SIGNING_KEY_SECRET=bench-only-secret-bench-only-secret-0123456789 PORT=$PORT DATA_DIR="$DATA" DATABASE_URL="$PG/$DB" \
    RATE_LIMIT_IP_PER_MINUTE=0 RATE_LIMIT_TOKEN_PER_MINUTE=0 LOG_LEVEL="$1" node "$CLI" start >/dev/null 2>"$DATA/server.err" &
  SERVER=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && return; sleep 0.2; done
  cat "$DATA/server.err" >&2; exit 1
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }
ticks() { awk '{print $14+$15}' "/proc/$SERVER/stat"; }

measure() { # label path [header...]
  local label="$1" path="$2"; shift 2
  local hdrs=(); for h in "$@"; do hdrs+=(-H "$h"); done
  wrk -t1 -c32 -d1s "${hdrs[@]}" "http://127.0.0.1:$PORT$path" >/dev/null # warm-up
  local c0; c0="$(ticks)"
  local out; out="$(wrk -t1 -c32 -d"${DURATION}s" --latency "${hdrs[@]}" "http://127.0.0.1:$PORT$path")"
  local c1; c1="$(ticks)"
  local reqs; reqs="$(awk '/requests in/ {print $1}' <<<"$out")"
  local p99; p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  local non2xx; non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
  awk -v l="$label" -v lvl="$LEVEL" -v r="$reqs" -v d="$DURATION" -v a="$c0" -v b="$c1" -v hz="$CLK_TCK" -v p="$p99" -v e="${non2xx:-0}" \
    'BEGIN { printf "| %s | %s | %.0f | %.0f | %s | %s |\n", l, lvl, r/d, (b-a)/hz*1e6/r, p, e }'
}

echo "| route | LOG_LEVEL | req/s | server CPU µs/req | p99 | non-2xx |"
echo "| --- | --- | --: | --: | --: | --: |"
for LEVEL in warn info; do
  start "$LEVEL"
  TOKEN="$(cat "$DATA/admin.token")"
  if [[ "$LEVEL" == warn ]]; then
    node "$HERE/lib/publish-one.mjs" "http://127.0.0.1:$PORT" "$TOKEN" >/dev/null
  fi
  measure '/health' /health
  measure '/-/ping' /-/ping
  measure '/-/ping, token' /-/ping "Authorization: Bearer $TOKEN"
  measure 'abbreviated packument, token' /bench-mw "Authorization: Bearer $TOKEN" 'Accept: application/vnd.npm.install-v1+json'
  measure 'native package document, token' /api/v1/packages/bench-mw "Authorization: Bearer $TOKEN"
  measure 'tarball, token' /bench-mw/-/bench-mw-1.0.9.tgz "Authorization: Bearer $TOKEN"
  measure 'abbreviated packument, token, through Hono' '/bench-mw?via=hono' "Authorization: Bearer $TOKEN" 'Accept: application/vnd.npm.install-v1+json'
  measure 'tarball, token, through Hono' '/bench-mw/-/bench-mw-1.0.9.tgz?via=hono' "Authorization: Bearer $TOKEN"
  stop
done
