#!/usr/bin/env bash
# Measures the consent ledger on PostgreSQL, side by side in one run with the
# same load generator: one sendgate without a ledger (the closed-loop rate to
# sustain), one with the PostgreSQL ledger, then four replicas sharing that
# one database, driven closed-loop and then open-loop at the first rate.
#
#   bench/ledger-replicas.sh                   # about a minute and a half
#   DURATION=3s WARMUP=1s bench/ledger-replicas.sh
#
# Settings (environment): DURATION (8s), WARMUP (2s), CONCURRENCY (16
# closed-loop callers in all, split over the replicas), SEED (100000
# recipients with an opt-in in the ledger beforehand), PORT (19190..19194),
# PG (postgres://postgres@127.0.0.1:5432/test?sslmode=disable). The ledger
# lives in a schema of its own, dropped on exit; every server listens on
# 127.0.0.1 only and is stopped on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}
CONCURRENCY=${CONCURRENCY:-16}
SEED=${SEED:-100000}
PORT=${PORT:-19190}
PG=${PG:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}

work=$(mktemp -d)
schema=ledgerbench_$$
pids=()
stop_servers() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	pids=()
}
cleanup() {
	stop_servers
	psql "$PG" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "building…" >&2
go build -o "$work/" ./cmd/sendgate ./bench/cmd/loadgen
psql "$PG" -qc "CREATE SCHEMA $schema" >/dev/null
url="$PG&search_path=$schema"
head -c 48 /dev/urandom | base64 >"$work/key"

echo "seeding $SEED opt-ins…" >&2
python3 - "$SEED" >"$work/seed.csv" <<'PY'
import sys
print("type,event_id,business_id,phone,at,channel,wording,scopes")
for i in range(int(sys.argv[1])):
    print(f"opt_in,seed-{i},biz-seed-{i % 50},+3197{i:09d},2025-01-01T00:00:00Z,web,Yes to WhatsApp messages from Seed,UTILITY")
PY
"$work/sendgate" ledger import --ledger "$url" --ledger-key-file "$work/key" "$work/seed.csv" >&2

serve() { # PORT LEDGER
	"$work/sendgate" serve --addr "127.0.0.1:$1" --admin-addr "" --metrics-addr "" --log-level warn \
		--decision-log off --data-dir "$work/data-$1" --ledger "$2" --ledger-key-file "$work/key" \
		>/dev/null 2>"$work/serve-$1.log" &
	pids+=($!)
}
load() { # NAME PORT ARGS…
	local name=$1 port=$2
	shift 2
	"$work/loadgen" -addr "127.0.0.1:$port" -duration "$DURATION" -warmup "$WARMUP" -json "$@" >"$work/$name.json"
}

echo "one server, no ledger…" >&2
serve "$PORT" off
load base "$PORT" -mode closed -concurrency "$CONCURRENCY"
stop_servers

echo "one server, PostgreSQL ledger…" >&2
serve "$PORT" "$url"
load one "$PORT" -mode closed -concurrency "$CONCURRENCY"
stop_servers

echo "four replicas, one PostgreSQL ledger…" >&2
for r in 1 2 3 4; do serve $((PORT + r)) "$url"; done
for r in 1 2 3 4; do load "closed-$r" $((PORT + r)) -mode closed -concurrency $((CONCURRENCY / 4)) & done
wait -n; wait -n; wait -n; wait -n
rate=$(python3 -c "import json; print(round(json.load(open('$work/base.json'))['decisions_per_sec']))")
for r in 1 2 3 4; do load "open-$r" $((PORT + r)) -mode open -rate "$(python3 -c "print($rate / 4)")" & done
wait -n; wait -n; wait -n; wait -n
stop_servers

echo
echo "sendgate ledger on PostgreSQL, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(nproc) cores, $DURATION per run after $WARMUP warmup, $SEED recipients in the ledger, load average $load_start at the start and $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
def get(n): return json.load(open(f"{w}/{n}.json"))
def row(label, runs):
    rate = sum(r["decisions_per_sec"] for r in runs)
    failed = sum(r["failed"] for r in runs)
    p50 = max(r["latency_us"]["p50"] for r in runs)
    p99 = max(r["latency_us"]["p99"] for r in runs)
    print(f"| {label} | {rate:,.0f} | {p50:,.0f} | {p99:,.0f} | {failed} |")
base = get("base")
print("| run | decisions/s | p50 µs (worst replica) | p99 µs (worst replica) | failed |")
print("|---|---|---|---|---|")
row("1 server, no ledger, closed loop", [base])
row("1 server, PostgreSQL ledger, closed loop", [get("one")])
row("4 replicas, one PostgreSQL, closed loop", [get(f"closed-{r}") for r in range(1, 5)])
row(f"4 replicas, one PostgreSQL, open loop at {base['decisions_per_sec']:,.0f}/s in all", [get(f"open-{r}") for r in range(1, 5)])
PY
