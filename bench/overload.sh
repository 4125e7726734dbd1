#!/usr/bin/env bash
# Overload: measures sendgate's capacity (Checks back to back from
# CONCURRENCY callers), then drives it in an open loop at FACTOR times that
# rate and reports, side by side, the p99 of the calls it admitted against
# the p99 at capacity, how many it refused with RESOURCE_EXHAUSTED, and its
# resident memory. A server that sheds load keeps the admitted calls' p99
# within a few times the p99 at capacity; one that queues everything lets
# it grow with the queue.
#
#   bench/overload.sh                       # about 40 s
#   FACTOR=3 DURATION=15s bench/overload.sh
#
# Settings (environment): FACTOR (3), DURATION (15s) of the overload run,
# CAPACITY_DURATION (8s), WARMUP (2s), CONCURRENCY (16), PORT (19190),
# MAX_QUEUE (sendgate's --max-queue; default its own), TRAFFIC (a traffic of
# loadgen -traffic; default the mix), SERVER_CPUS (0.5: sendgate gets half
# a core through a cgroup v1 CPU quota, GOMAXPROCS=1, when
# /sys/fs/cgroup/cpu is writable; 0 for no limit). The load generator costs
# about half as much CPU per call as sendgate, so on a small machine it can
# offer three times sendgate's capacity only when sendgate has a fraction of
# the cores; without the limit the generator itself falls behind and its
# late sends, timed from when they were due, measure the client. Everything
# listens on 127.0.0.1 and is killed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
FACTOR=${FACTOR:-3}
DURATION=${DURATION:-15s}
CAPACITY_DURATION=${CAPACITY_DURATION:-8s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-16}
PORT=${PORT:-19190}
SERVER_CPUS=${SERVER_CPUS:-0.5}
# The most calls the load generator keeps in flight: one connection's worth
# of streams (serve allows 256), so that calls wait in the server, where
# they are admitted or refused, not in the client's transport.
MAX_IN_FLIGHT=${MAX_IN_FLIGHT:-256}

work=$(mktemp -d)
pid=
cgroup=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	[ -n "$cgroup" ] && rmdir "$cgroup" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$work/" ./cmd/sendgate ./bench/cmd/loadgen
serve=("$work/sendgate" serve --addr "127.0.0.1:$PORT" --metrics-addr "127.0.0.1:$((PORT + 2))"
	--admin-addr "" --http-addr "" --data-dir "$work/data" --ledger off --decision-log off --log-level warn)
[ -n "${MAX_QUEUE:-}" ] && serve+=(--max-queue "$MAX_QUEUE")
limited=no
if [ "$SERVER_CPUS" != 0 ] && mkdir "/sys/fs/cgroup/cpu/sendgate-overload-$$" 2>/dev/null; then
	cgroup=/sys/fs/cgroup/cpu/sendgate-overload-$$
	# A 10 ms period, so that a throttled server waits milliseconds, not
	# the default period's tens of them.
	echo 10000 >"$cgroup/cpu.cfs_period_us"
	quota=$(awk -v c="$SERVER_CPUS" 'BEGIN { printf "%d", c * 10000 }')
	echo "$quota" >"$cgroup/cpu.cfs_quota_us"
	GOMAXPROCS=1 "${serve[@]}" 2>"$work/sendgate.log" &
	pid=$!
	echo "$pid" >"$cgroup/cgroup.procs"
	limited="$SERVER_CPUS of a core (cgroup CPU quota), GOMAXPROCS=1"
else
	"${serve[@]}" 2>"$work/sendgate.log" &
	pid=$!
fi
traffic=()
[ -n "${TRAFFIC:-}" ] && traffic=(-traffic "$TRAFFIC")
load() {
	"$work/loadgen" -addr "127.0.0.1:$PORT" -warmup "$WARMUP" "${traffic[@]}" -server-pid "$pid" -json "$@"
}

echo "capacity: closed loop, $CONCURRENCY callers, $CAPACITY_DURATION…" >&2
load -mode closed -concurrency "$CONCURRENCY" -duration "$CAPACITY_DURATION" >"$work/capacity.json"
rate=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["calls_per_sec"]))' "$work/capacity.json")
over=$((rate * FACTOR))
echo "overload: open loop at $over/s ($FACTOR × $rate/s) for $DURATION…" >&2
load -mode open -rate "$over" -max-in-flight "$MAX_IN_FLIGHT" -duration "$DURATION" >"$work/overload.json"
curl -s "http://127.0.0.1:$((PORT + 2))/metrics" | grep -E '^sendgate_overload_refused_total ' >"$work/refused.txt" || true

python3 - "$work/capacity.json" "$work/overload.json" "$work/refused.txt" "$FACTOR" <<'EOF'
import json, sys
cap, over = (json.load(open(p)) for p in sys.argv[1:3])
refused_metric = open(sys.argv[3]).read().split()[-1] if open(sys.argv[3]).read().strip() else "?"
factor = sys.argv[4]
p99c, p99o = cap["latency_us"]["p99"], over["latency_us"]["p99"]
errors = over.get("errors") or {}
exhausted = errors.get("ResourceExhausted", 0)
other = {k: v for k, v in errors.items() if k != "ResourceExhausted"}
rss = max(cap.get("server_memory", {}).get("peak_kib", 0), over.get("server_memory", {}).get("peak_kib", 0)) / 1024
print(f"| measurement | at capacity | at {factor} × capacity |")
print("|---|---:|---:|")
print(f"| offered, calls/s | {cap['calls_per_sec']:,.0f} (closed loop) | {over['rate']:,.0f} (open loop) |")
print(f"| admitted (decided), calls/s | {cap['calls_per_sec']:,.0f} | {over['calls_per_sec']:,.0f} |")
print(f"| p50 / p99 of admitted calls, µs | {cap['latency_us']['p50']:,.0f} / {p99c:,.0f} | {over['latency_us']['p50']:,.0f} / {p99o:,.0f} |")
print(f"| p99 at {factor} × ÷ p99 at capacity | | {p99o / p99c:.2f} × (target ≤ 5 ×) |")
print(f"| refused with RESOURCE_EXHAUSTED | {cap.get('errors', {}).get('ResourceExhausted', 0):,} | {exhausted:,} of {over['calls']:,} ({100 * exhausted / max(over['calls'], 1):.1f} %); sendgate_overload_refused_total {refused_metric} |")
print(f"| other errors, unsent | {cap.get('failed', 0) - cap.get('errors', {}).get('ResourceExhausted', 0):,} | {sum(other.values()):,} {other if other else ''}, {over.get('unsent', 0):,} unsent |")
print(f"| server RSS peak, MiB | | {rss:.1f} (target ≤ 200) |")
EOF
echo
echo "sendgate limited to: $limited"
echo "Commands: sendgate serve ${serve[*]:1}; loadgen -mode closed -concurrency $CONCURRENCY -duration $CAPACITY_DURATION; loadgen -mode open -rate $over -max-in-flight "$MAX_IN_FLIGHT" -duration $DURATION (each with -warmup $WARMUP -server-pid)"
