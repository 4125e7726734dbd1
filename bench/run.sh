#!/usr/bin/env bash
# Measures sendgate and the bench echo server side by side, in one run, with
# the same load generator, and prints markdown tables: the in-process
# decision benchmarks (µs/op and allocs/op per mix message), closed-loop
# throughput (sendgate ÷ echo), server CPU per decision, open-loop latency at
# 1,000 and 2,000 decisions/s, CheckBatch decisions/s (batches of 100 and
# 1,000) and sendgate's resident memory under load.
#
#   bench/run.sh                      # about 2½ minutes on 2 cores
#   DURATION=3s WARMUP=1s bench/run.sh  # a quick look
#
# Settings (environment): BENCH_COUNT (5) runs of the in-process benchmarks,
# 0 to skip them; DURATION (8s) and WARMUP (2s) per run, CONCURRENCY
# (16) closed-loop callers for Check, BATCH_CONCURRENCY (4) for CheckBatch,
# PORT (19090; sendgate uses PORT to PORT+3, echo PORT+10), MIX (a JSONL
# mix file; default the built-in mix), TRAFFICS (the generated traffics
# measured after the mix, each reported separately: default "campaign
# transactional conversation mix"; empty for none), UNIQUE_TEXT=1 (a new text every call,
# so no text cache answers), DECISION_LOG (sendgate's --decision-log, e.g.
# off; default as sendgate's default, written to /dev/null), OUT (a directory
# to keep the JSON results in), LEDGER (sendgate's --ledger; default off). Every server listens on 127.0.0.1 only and is killed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-16}
BATCH_CONCURRENCY=${BATCH_CONCURRENCY:-4}
PORT=${PORT:-19090}
MIX=${MIX:-}
TRAFFICS=${TRAFFICS-campaign transactional conversation mix}

work=$(mktemp -d)
bin=$work/bin
results=${OUT:-$work/results}
mkdir -p "$bin" "$results"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	rm -rf "$bin" "$work/logs"
	[ -n "${OUT:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
echo "building…" >&2
go build -o "$bin/" ./bench/cmd/loadgen ./bench/cmd/echo ./bench/cmd/benchtable
have_pdp=false
if [ -d cmd/sendgate ] && go build -o "$bin/sendgate" ./cmd/sendgate; then
	have_pdp=true
fi

# The in-process benchmarks first, while no server competes for the CPU.
BENCH_COUNT=${BENCH_COUNT:-5}
inproc_cmd="go test ./internal/engine -run '^\$' -bench 'Decide\$|DecideTraffic' -benchmem -count $BENCH_COUNT"
if [ "$BENCH_COUNT" -gt 0 ]; then
	echo "in-process benchmarks…" >&2
	go test ./internal/engine -run '^$' -bench 'Decide$|DecideTraffic' -benchmem -count "$BENCH_COUNT" >"$results/inproc.txt"
fi

mkdir -p "$work/logs"
echo_addr=127.0.0.1:$((PORT + 10))
"$bin/echo" -addr "$echo_addr" >/dev/null 2>"$work/logs/echo.log" &
echo_pid=$!
pids+=("$echo_pid")

pdp_addr=127.0.0.1:$PORT
if $have_pdp; then
	# Flags the serve command may or may not have yet: keep every listener
	# on loopback and quiet.
	serve_help=$("$bin/sendgate" serve -h 2>&1 || true)
	extra=()
	grep -q -- '-admin-addr' <<<"$serve_help" && extra+=(--admin-addr "127.0.0.1:$((PORT + 1))")
	grep -q -- '-metrics-addr' <<<"$serve_help" && extra+=(--metrics-addr "127.0.0.1:$((PORT + 2))")
	grep -q -- '-http-addr' <<<"$serve_help" && extra+=(--http-addr "127.0.0.1:$((PORT + 3))")
	grep -q -- '-data-dir' <<<"$serve_help" && extra+=(--data-dir "$work/data")
	# The consent ledger is measured on its own (docs/PERFORMANCE.md); here
	# decisions carry their consent, as before the ledger existed.
	grep -q -- '-ledger ' <<<"$serve_help" && extra+=(--ledger "${LEDGER:-off}")
	grep -q -- '-log-level' <<<"$serve_help" && extra+=(--log-level warn)
	# The decision log stays as configured by default (stdout), written to
	# /dev/null: its encoding is measured, not a terminal or a disk.
	grep -q -- '-decision-log ' <<<"$serve_help" && [ -n "${DECISION_LOG:-}" ] && extra+=(--decision-log "$DECISION_LOG")
	"$bin/sendgate" serve --addr "$pdp_addr" "${extra[@]}" >/dev/null 2>"$work/logs/pdp.log" &
	pdp_pid=$!
	pids+=("$pdp_pid")
else
	echo "cmd/sendgate does not build: measuring the echo server only" >&2
fi

mix=()
[ -n "$MIX" ] && mix=(-mix "$MIX")
[ "${UNIQUE_TEXT:-0}" = 1 ] && mix+=(-unique-text)
commands=()

# measure NAME ARGS…: one loadgen run against echo and one against sendgate,
# saved as echo-NAME.json and pdp-NAME.json.
measure() {
	local name=$1
	shift
	local target addr pid args
	for target in echo pdp; do
		if [ "$target" = echo ]; then
			addr=$echo_addr pid=$echo_pid
		else
			$have_pdp || continue
			addr=$pdp_addr pid=$pdp_pid
		fi
		args=(-addr "$addr" -duration "$DURATION" -warmup "$WARMUP" "${mix[@]}" "$@")
		commands+=("loadgen ${args[*]} -server-pid \$(pgrep -n ${target/pdp/sendgate}) -json")
		echo "$target $name…" >&2
		if ! "$bin/loadgen" "${args[@]}" -server-pid "$pid" -json >"$results/$target-$name.json"; then
			echo "loadgen against $target failed; the server's log ends:" >&2
			tail -n 20 "$work/logs/$target.log" >&2
			exit 1
		fi
	done
}

measure closed -mode closed -concurrency "$CONCURRENCY"
measure open-1000 -mode open -rate 1000
measure open-2000 -mode open -rate 2000
measure batch-100 -mode closed -rpc batch -batch-size 100 -concurrency "$BATCH_CONCURRENCY"
measure batch-1000 -mode closed -rpc batch -batch-size 1000 -concurrency "$BATCH_CONCURRENCY"

# The same three scenarios for each generated traffic (internal/workload):
# a campaign, unique transactional texts, in-window conversation replies,
# and the mix in turn.
saved_mix=("${mix[@]}")
for traffic in $TRAFFICS; do
	mix=(-traffic "$traffic")
	measure "closed-$traffic" -mode closed -concurrency "$CONCURRENCY"
	measure "open-2000-$traffic" -mode open -rate 2000
	measure "batch-1000-$traffic" -mode closed -rpc batch -batch-size 1000 -concurrency "$BATCH_CONCURRENCY"
done
mix=("${saved_mix[@]}")

echo
echo "sendgate bench, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+changes'), $(go env GOVERSION), $(nproc) cores, ${DURATION} per run after ${WARMUP} warmup, mix: ${MIX:-built-in}$([ "${UNIQUE_TEXT:-0}" = 1 ] && echo ', every text unique'), load average $load_start at the start and $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown) at the end"
echo
"$bin/benchtable" "$results"
echo
echo "Commands (bench/run.sh ran each after starting \`echo -addr $echo_addr\` and \`sendgate serve --addr $pdp_addr\`):"
echo
if [ "$BENCH_COUNT" -gt 0 ]; then
	echo "    $inproc_cmd"
fi
for c in "${commands[@]}"; do
	echo "    $c"
done
if [ -n "${OUT:-}" ]; then
	echo
	echo "JSON results in $results"
fi
