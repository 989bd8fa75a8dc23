#!/bin/sh
# Run every libFuzzer target from its seed corpus (fuzz/corpus/<target>) with the given
# libFuzzer options, e.g. -max_total_time=3 (the test suite) or -runs=1000000 (make fuzz-long).
# Prints "ok - fuzz: TARGET (N runs, cov: C)" or "not ok" with the crash report.
set -u
cd "$(dirname "$0")/.."
make -s fuzz >build/fuzz-build.log 2>&1 || { echo "not ok - fuzz: build"; tail build/fuzz-build.log; exit 1; }
status=0
for t in cmos pci fw_cfg i8042 uart sysctl debugcon vga ide fdc bus keys args; do
	work=$(mktemp -d)
	log=build/fuzz/$t.log
	build/fuzz/fuzz-$t "$@" -artifact_prefix="build/fuzz/$t-" "$work" "fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	rm -rf "$work"
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	if [ $rc = 0 ] && [ -n "$runs" ]; then
		echo "ok - fuzz: $t ($runs runs, $cov)"
	else
		echo "not ok - fuzz: $t: exit status $rc"
		grep -A12 -E '^==[0-9]+==ERROR|runtime error|deadly signal' "$log" | head -n 20 | sed 's/^/  | /'
		status=1
	fi
done
exit $status
