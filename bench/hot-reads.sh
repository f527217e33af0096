#!/usr/bin/env bash
# The hot reads of issue #14 through the shared harness (../shared/bench/), with a token and
# anonymous, beside the bare server: abbreviated and full packuments and a tarball (load.sh), and
# the native package document (GET /api/v1/packages/:name, which load.sh does not ask for: measured
# here the same way, wrk with the harness's report script against the registry and then against
# bare-server.mjs serving the same bytes). Prints one table: ratio to bare, p99, server CPU µs/req.
#
#   bench/hot-reads.sh [SERVER_CLI] [LABEL]
#
# SERVER_CLI defaults to this checkout's packages/server/dist/cli.js. Needs Postgres at PG
# (postgres://postgres@127.0.0.1:5432); creates and drops its own database. Each measuring step
# holds /tmp/bench.lock (the machine is shared); publishing the fixture does not. Env: DURATION (5),
# RUNS (1), AUTHS ("1 0"), WORKLOADS ("abbrev full tarball"), PORT (random).
# Against a registry already running with the fixture published (to compare builds on one database
# without publishing again): REGISTRY_URL, TOKEN and SERVER_PID; nothing is started or dropped then.
# Results: /tmp/bench-run/results-LABEL-{token,anon}-DATE.md and the table on stdout.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SHARED="${SHARED_BENCH:-$ROOT/../shared/bench}"
CLI="${1:-$ROOT/packages/server/dist/cli.js}"
LABEL="${2:-hot-reads}"
PG="${PG:-postgres://postgres@127.0.0.1:5432}"
PORT="${PORT:-$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")}"
DURATION="${DURATION:-5}"
AUTHS="${AUTHS:-1 0}"
DB="bench_${LABEL//[^a-zA-Z0-9]/_}"
DATA="$(mktemp -d /tmp/bench-hot-XXXX)"
BASE="http://127.0.0.1:$PORT"
NATIVE_PATH="/api/v1/packages/@bench%2ftpl-sample"

BARE=""
SERVER=""
if [[ -n "${REGISTRY_URL:-}" ]]; then
  BASE="${REGISTRY_URL%/}"
  SERVER="${SERVER_PID:?SERVER_PID is needed with REGISTRY_URL}"
  : "${TOKEN:?TOKEN is needed with REGISTRY_URL}"
  cleanup() {
    [[ -n "$BARE" ]] && { kill "$BARE" 2>/dev/null || true; wait "$BARE" 2>/dev/null || true; }
    rm -rf "$DATA"
  }
  trap cleanup EXIT
else
  [[ -d /tmp/bench-fixtures ]] || node "$SHARED/make-fixtures.mjs" >/dev/null
  FIX="$DATA/fixtures"; mkdir -p "$FIX"
  jq '.others = []' /tmp/bench-fixtures/manifest.json >"$FIX/manifest.json"
  psql "$PG/postgres" -qc "drop database if exists $DB" -c "create database $DB" >/dev/null
  SIGNING_KEY_SECRET="${SIGNING_KEY_SECRET:-bench-only-secret-bench-only-secret-0123456789}" PORT=$PORT DATA_DIR="$DATA" DATABASE_URL="$PG/$DB" \
    RATE_LIMIT_IP_PER_MINUTE=0 RATE_LIMIT_TOKEN_PER_MINUTE=0 LOG_LEVEL="${LOG_LEVEL:-warn}" node "$CLI" start >"$DATA/server.log" 2>&1 &
  SERVER=$!
  cleanup() {
    [[ -n "$BARE" ]] && { kill "$BARE" 2>/dev/null || true; wait "$BARE" 2>/dev/null || true; }
    kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true
    psql "$PG/postgres" -qc "drop database if exists $DB" >/dev/null 2>&1 || true
    rm -rf "$DATA"
  }
  trap cleanup EXIT
  for _ in $(seq 1 100); do curl -fsS "$BASE/ready" >/dev/null 2>&1 && break; sleep 0.2; done
  [[ -f "$DATA/admin.token" ]] || { cat "$DATA/server.log" >&2; exit 1; }
  TOKEN="$(cat "$DATA/admin.token")"
  timeout 300 node "$SHARED/publish.mjs" "$BASE" "$TOKEN" --name "$LABEL" --fixtures "$FIX" >/dev/null
fi

# The native document: registry, then the bare server holding its bytes (as its "full" answer).
curl -fsS -H 'Accept: application/json' "$BASE$NATIVE_PATH" -o "$DATA/native.json"
BARE_PORT="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
node "$SHARED/bare-server.mjs" --port "$BARE_PORT" --abbrev "$DATA/native.json" --full "$DATA/native.json" --tarball "$DATA/native.json" 2>/dev/null &
BARE=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$BARE_PORT/-/ping" >/dev/null 2>&1 && break; sleep 0.1; done
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
native_wrk() { # native_wrk AUTH TARGET(registry|bare) RECORD(1/0) -> appends a results.jsonl line
  local auth="$1" target="$2" url pid hdrs=(-H 'Accept: application/json') c0 c1 out
  [[ "$auth" == 1 ]] && hdrs+=(-H "Authorization: Bearer $TOKEN")
  if [[ "$target" == registry ]]; then url="$BASE$NATIVE_PATH"; pid=$SERVER; else url="http://127.0.0.1:$BARE_PORT$NATIVE_PATH"; pid=$BARE; fi
  c0="$(ticks "$pid")"
  out="$(wrk -t1 -c32 -d"$([[ $3 == 1 ]] && echo "$DURATION" || echo 2)s" --timeout 10s --latency -s "$SHARED/wrk-report.lua" "${hdrs[@]}" "$url" 2>&1)"
  c1="$(ticks "$pid")"
  [[ "$3" == 1 ]] || return 0
  grep '^{"requests"' <<<"$out" | jq -c --arg target "$target" --argjson cpu "$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN{print (b-a)/hz}')" \
    '. + {workload:"native", target:$target, conc:32, server_cpu_s:$cpu}'
}

declare -A RESULTS
for auth in $AUTHS; do
  kind=$([[ "$auth" == 1 ]] && echo token || echo anon)
  OUT="/tmp/bench-run/results-$LABEL-$kind-$(date -u +%F).md"
  AUTH="$auth" DURATION="$DURATION" RUNS="${RUNS:-1}" CONCS=32 INSTALL_REPS=0 WARMUP=2 WORKLOADS="${WORKLOADS:-abbrev full tarball}" \
    SERVER_PIDS="$SERVER" REGISTRY_LABEL="$LABEL $kind ($CLI)" OUT_MD="$OUT" \
    flock /tmp/bench.lock timeout 280 "$SHARED/load.sh" "$BASE" "$TOKEN" "$LABEL-$kind" >&2
  RESULTS[$kind]="${OUT%.md}.jsonl"
  flock /tmp/bench.lock bash -c "$(declare -f native_wrk ticks); $(declare -p TOKEN BASE NATIVE_PATH SERVER BARE BARE_PORT DURATION SHARED)
    native_wrk $auth registry 0; native_wrk $auth bare 0; native_wrk $auth registry 1; native_wrk $auth bare 1" >>"${RESULTS[$kind]}"
done

echo "| auth | workload | ratio to bare | registry req/s | p99 ms | registry CPU µs/req | bare req/s | bare CPU µs/req |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for kind in token anon; do
  [[ -n "${RESULTS[$kind]:-}" ]] || continue
  jq -rs --arg kind "$kind" '
    map(select(.conc == 32 and .workload != null and .requests != null)) | group_by(.workload) | .[] |
    (map(select(.target == "registry"))) as $r | (map(select(.target == "bare"))) as $b |
    def avg(f): (map(f) | add / length);
    def us(x): if (x | map(.server_cpu_s) | all(. != null)) then ((x | map(.server_cpu_s) | add) * 1e6 / (x | map(.requests) | add) | floor) else "-" end;
    "| \($kind) | \(.[0].workload) | \(($r | avg(.rps)) / ($b | avg(.rps)) * 100 | floor / 100) | \($r | avg(.rps) | floor) | \($r | avg(.p99_ms) * 10 | floor / 10) | \(us($r)) | \($b | avg(.rps) | floor) | \(us($b)) |"
  ' "${RESULTS[$kind]}"
done
