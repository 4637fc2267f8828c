#!/bin/sh
# Counts the fsync-family system calls one durable enqueue costs: runs
# store's BenchmarkEnqueue for N entries under strace, and again for 0
# entries (opening the file, the benchmark's warm-up), and divides the
# difference by N. Needs strace (make deps installs it).
set -eu
N=${1:-1000}
GO=${GO:-go}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
$GO test -c -o "$out/store.test" ./store/
count() {
	strace -f -qq -c -e trace=fsync,fdatasync,sync_file_range -o "$out/strace.txt" \
		"$out/store.test" -test.run '^$' -test.bench BenchmarkEnqueue -test.benchtime "$1x" >"$out/bench.txt"
	awk '$NF ~ /^(fsync|fdatasync|sync_file_range)$/ { n += $4 } END { print n + 0 }' "$out/strace.txt"
}
with=$(count "$N")
grep 'durable enqueue' "$out/bench.txt" || true
base=$(count 1)
echo "labelstation bench: fsync-family calls per durable enqueue: $(awk -v a="$with" -v b="$base" -v n="$N" 'BEGIN { printf "%.2f", (a - b) / n }') ($with calls for $N entries, $base for 1)"
