#!/usr/bin/env bash
# What tracing costs when it is on: bench/cache-reads.sh with every request traced and exported
# (OTLP http/protobuf, the default) to a sink collector on loopback that counts and drops the spans.
# Compare its "reg CPU µs/req" with a plain bench/cache-reads.sh run of the same build (tracing off).
#
# (hot-reads.sh takes /tmp/bench.lock itself for each measuring step: do not wrap this in flock.)
#   bench/tracing-on.sh [SERVER_CLI] [LABEL]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORTFILE="$(mktemp)"
node -e '
  const s = require("node:http").createServer((req, res) => {
    let bytes = 0;
    req.on("data", (c) => (bytes += c.length)).on("end", () => { posts++; total += bytes; res.writeHead(200).end(); });
  });
  let posts = 0, total = 0;
  process.on("SIGTERM", () => { console.error(`[tracing-on] collector received ${posts} exports, ${(total / 1e6).toFixed(1)} MB`); process.exit(0); });
  s.listen(0, "127.0.0.1", () => require("node:fs").writeFileSync(process.argv[1], String(s.address().port)));
' "$PORTFILE" &
SINK=$!
trap 'kill "$SINK" 2>/dev/null || true; wait "$SINK" 2>/dev/null || true; rm -f "$PORTFILE"' EXIT
for _ in $(seq 1 50); do [[ -s "$PORTFILE" ]] && break; sleep 0.1; done
OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$(cat "$PORTFILE")" "$HERE/cache-reads.sh" "${1:-}" "${2:-tracing-on}"
