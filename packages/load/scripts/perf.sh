#!/usr/bin/env bash
# Issue 14's measurement in one go, for a before/after comparison on a busy machine:
#   1. a native shop (scripts/shop.ts, ports +10000) with every service under `node --cpu-prof`,
#      loaded with the checkout benchmark (logged-in shoppers, one line, success card) at RATE for
#      DURATION; each service's CPU time over the run (from /proc) per checkout confirmed, the
#      saga's step timings (billing's billing_saga_step_duration_seconds), the load summary;
#   2. a fresh shop, again profiled, under `bench-shop.ts` (the pages against a bare express server
#      measured in the same run);
#   3. profile-top.ts over both sets of profiles.
# Everything goes into OUT (default load-reports/perf/<time>, ignored by git, as the .cpuprofile
# files are). It holds /tmp/trio-heavy.lock for the whole run (about 3-4 minutes).
#   npm run perf -w @trio/load -- [OUT] [RATE] [DURATION] [BENCH_SECONDS]
set -euo pipefail
self=$(realpath "$0")
root=$(cd "$(dirname "$self")/../../.." && pwd)
out=$(realpath -m "${1:-$root/load-reports/perf/$(date -u +%Y%m%dT%H%M%S)}")
rate=${2:-8/s}
duration=${3:-30s}
bench_seconds=${4:-4}
mkdir -p "$out"
cd "$root"
database=postgres://postgres@127.0.0.1:5432/trio_load

if [[ -z "${TRIO_PERF_LOCKED:-}" ]]; then
  TRIO_PERF_LOCKED=1 exec flock /tmp/trio-heavy.lock "$self" "$out" "$rate" "$duration" "$bench_seconds"
fi

shop_pid=
start_shop() { # $1: profile directory, $2: log file
  node packages/load/scripts/shop.ts --cpu-prof "$1" --logs "$1/logs" >"$2" 2>&1 &
  shop_pid=$!
  for _ in $(seq 1 360); do
    grep -q 'shop ready' "$2" && return 0
    kill -0 "$shop_pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "the shop did not start; see $2" >&2
  stop_shop
  exit 1
}
stop_shop() {
  [[ -n "$shop_pid" ]] || return 0
  kill -INT "$shop_pid" 2>/dev/null || true
  wait "$shop_pid" || true
  shop_pid=
}
trap stop_shop EXIT

# CPU ms of a fixed piece of work (JSON, hashing, closures: what services do), best of 5: CPU per
# checkout divided by it compares runs on a machine whose other load changes how fast a CPU ms goes.
calibrate() {
  node -e '
    const { createHash } = require("node:crypto");
    const doc = { items: Array.from({ length: 50 }, (_, i) => ({ sku: "SKU-" + i, qty: i, name: "x".repeat(40) })) };
    let best = Infinity;
    for (let round = 0; round < 5; round++) {
      const start = process.cpuUsage();
      for (let i = 0; i < 2000; i++) createHash("sha256").update(JSON.stringify(JSON.parse(JSON.stringify(doc)))).digest();
      const used = process.cpuUsage(start);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    console.log(best.toFixed(1));'
}

# "<service> <cpu ticks>" for each service process of the shop (utime + stime, in 1/100 s).
cpu_ticks() {
  for pid in $(pgrep -P "$shop_pid"); do
    local name stat
    name=$(basename "$(readlink "/proc/$pid/cwd")")
    stat=$(cut -d')' -f2 "/proc/$pid/stat")
    echo "$name $(awk '{print $12 + $13}' <<<"$stat")"
  done | sort
}

echo "== checkout: $rate for $duration ($out/checkout)"
start_shop "$out/prof-checkout" "$out/shop-checkout.log"
cpu_ticks >"$out/cpu-before.txt"
xacts() { psql -Atq "$database" -c "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"; }
xacts_before=$(xacts)
# Per table: scans (index and sequential), rows inserted, updated, deleted; where the transactions go.
table_ops() {
  psql -Atq -F ' ' "$database" -c "SELECT schemaname || '.' || relname, seq_scan + COALESCE(idx_scan, 0),
    n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables" | sort
}
table_ops >"$out/tables-before.txt"
calibration_before=$(calibrate)
since=$(date +%s%3N)
node packages/load/dist/cli.js --target http://127.0.0.1:18080 --database-url "$database" \
  --mix checkout=1 --think 0 --cards success=1 --accounts 10 --rate "$rate" --duration "$duration" \
  --progress off --out "$out/checkout" | tee "$out/checkout.txt"
cpu_ticks >"$out/cpu-after.txt"
sleep 1 # pg_stat_database is updated when a backend reports, at most every second
xacts_after=$(xacts)
table_ops >"$out/tables-after.txt"
calibration=$(awk -v a="$calibration_before" -v b="$(calibrate)" 'BEGIN { printf "%.1f", (a + b) / 2 }')
echo "--since $since --until $(date +%s%3N)" >"$out/window-checkout.txt"
curl -s http://127.0.0.1:13004/metrics | grep '^billing_saga_step_duration_seconds_\(sum\|count\)' \
  >"$out/saga-steps.txt" || true
stop_shop
confirmed=$(grep -o 'success card: confirmed [0-9]*' "$out/checkout.txt" | grep -o '[0-9]*$' || echo 0)
{
  echo "CPU per confirmed checkout ($confirmed confirmed), ms, by service:"
  join "$out/cpu-before.txt" "$out/cpu-after.txt" | awk -v n="$confirmed" \
    '{ ms = ($3 - $2) * 10; total += ms; printf "  %-16s %7.1f\n", $1, (n ? ms / n : 0) }
     END { printf "  %-16s %7.1f\n", "all", (n ? total / n : 0) }'  | tee "$out/cpu-table.txt"
  echo "calibration (fixed work, best of 5, before and after the run): $calibration ms; CPU per checkout in calibrations: $(
    awk '$1 == "all" { print $2 }' "$out/cpu-table.txt" | awk -v c="$calibration" '{ printf "%.2f", $1 / c }')"
  echo "PostgreSQL transactions (each statement outside one counts as one) per confirmed checkout: $(
    awk -v a="$xacts_after" -v b="$xacts_before" -v n="$confirmed" 'BEGIN { printf "%.1f", n ? (a - b) / n : 0 }')"
  echo "per confirmed checkout, by table: scans, rows inserted, updated, deleted (tables with any):"
  join "$out/tables-before.txt" "$out/tables-after.txt" | awk -v n="$confirmed" \
    'n > 0 && ($6 - $2) + ($7 - $3) + ($8 - $4) + ($9 - $5) > 0 {
       printf "  %-40s %6.2f %6.2f %6.2f %6.2f\n", $1, ($6 - $2) / n, ($7 - $3) / n, ($8 - $4) / n, ($9 - $5) / n }'
  echo "saga steps (mean ms, count), by starting state and outcome:"
  awk '{ match($1, /\{.*\}/); key = substr($1, RSTART, RLENGTH)
         if ($1 ~ /_sum/) sum[key] = $2; else count[key] = $2 }
       END { for (k in sum) if (count[k] > 0) printf "  %-48s %7.1f %6d\n", k, sum[k] / count[k] * 1000, count[k] }' \
    "$out/saga-steps.txt" | sort
} | tee "$out/checkout-cpu.txt"

echo "== pages: bench-shop, $bench_seconds s per path"
start_shop "$out/prof-pages" "$out/shop-pages.log"
since=$(date +%s%3N)
node packages/load/scripts/bench-shop.ts --target http://127.0.0.1:18080 --admin http://127.0.0.1:13008 \
  --seconds "$bench_seconds" | tee "$out/bench.txt"
echo "--since $since --until $(date +%s%3N)" >"$out/window-pages.txt"
stop_shop

# shellcheck disable=SC2046 # the window's two options
node packages/load/scripts/profile-top.ts "$out/prof-checkout" --top 10 $(cat "$out/window-checkout.txt") >"$out/top-checkout.txt"
# shellcheck disable=SC2046
node packages/load/scripts/profile-top.ts "$out/prof-pages" --top 10 $(cat "$out/window-pages.txt") >"$out/top-pages.txt"
echo "== done: $out (checkout-cpu.txt, bench.txt, top-checkout.txt, top-pages.txt)"
