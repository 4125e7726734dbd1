#!/usr/bin/env bash
# Measures the server CPU per decision of the HTTP/JSON API against gRPC,
# side by side on one "sendgate serve": the default mix sent over gRPC and
# over HTTP/JSON in alternating rounds (bench/cmd/httpcpu), first with the
# mix's texts repeated, then with every text unique.
#
#   bench/http.sh                         # about 1½ minutes on 2 cores
#   ROUNDS=1 DURATION=2s bench/http.sh    # a quick look
#
# Settings (environment): ROUNDS (3), DURATION (5s) per round and protocol,
# WARMUP (2s), CONCURRENCY (8), PORT (19190; gRPC on PORT, HTTP on PORT+3),
# PPROF (an address for serve's --pprof-addr, e.g. 127.0.0.1:6060, to
# profile the server under the rounds: go tool pprof -top -cum
# http://127.0.0.1:6060/debug/pprof/profile?seconds=10).
# The server listens on 127.0.0.1 only and is killed on exit. Its decision
# timeout is 2 s: on a busy shared machine a call past the default 50 ms
# would end the run, and only CPU is measured here.
set -euo pipefail

cd "$(dirname "$0")/.."
PORT=${PORT:-19190}
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$work/" ./cmd/sendgate ./bench/cmd/httpcpu
"$work/sendgate" serve --addr "127.0.0.1:$PORT" --http-addr "127.0.0.1:$((PORT + 3))" \
	--admin-addr "" --metrics-addr "" --log-level warn --decision-timeout 2s ${PPROF:+--pprof-addr "$PPROF"} >/dev/null 2>"$work/serve.log" &
pid=$!
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/127.0.0.1/$((PORT + 3))") 2>/dev/null && break
	sleep 0.1
done
# The first activation runs while the ports already answer: wait for a
# decision (a 503 until the bundle is active).
for _ in $(seq 600); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((PORT + 3))/v1/check" -d @examples/allow-utility.json)" = 200 ] && break
	sleep 0.1
done
echo "Command: bench/http.sh (sendgate serve --addr 127.0.0.1:$PORT --http-addr 127.0.0.1:$((PORT + 3)); decision log to /dev/null)"
echo
for text in "" -unique-text; do
	"$work/httpcpu" -grpc "127.0.0.1:$PORT" -http "127.0.0.1:$((PORT + 3))" -server-pid "$pid" $text \
		-rounds "${ROUNDS:-3}" -duration "${DURATION:-5s}" -warmup "${WARMUP:-2s}" -concurrency "${CONCURRENCY:-8}"
	echo
done
