#!/bin/sh
# The whole test suite: build checks, device unit tests (plain and with ASan+UBSan), fuzz
# smoke runs, and the KVM tests with the release and the sanitizer build of vmm. The KVM tests
# use /dev/kvm directly when it behaves like hardware KVM, and otherwise run inside a
# throw-away Linux guest that has one (tests/kvm-guest.sh). Ends with "N passed, N failed".
#
# VMM_TEST_KVM=direct|nested|auto (default auto) picks where the KVM tests run.
set -u
cd "$(dirname "$0")"
top=$(pwd)
logs=build/test-logs
mkdir -p "$logs"
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1${2:+: $2}"; }

# step NAME COMMAND...: one check; its output goes to a log, shown only on failure.
step() {
	name=$1
	shift
	log="$logs/$(echo "$name" | tr -c 'A-Za-z0-9\n' '_').log"
	if "$@" >"$log" 2>&1; then ok "$name"; else
		not_ok "$name"
		tail -n 20 "$log" | sed 's/^/  | /'
	fi
}

# count_results FILE: fold "ok - " / "not ok - " lines of a sub-suite into the totals.
count_results() {
	n_ok=$(grep -c '^ok - ' "$1")
	n_bad=$(grep -c '^not ok - ' "$1")
	pass=$((pass + n_ok))
	fail=$((fail + n_bad))
	grep -A6 '^not ok - ' "$1" | grep -v '^ok - ' || true
}

# --- what the suite needs, installed when missing (as root) --------------------------------
pkgs="musl-tools seabios linux-libc-dev gcc make binutils clang libclang-rt-14-dev clang-format
clang-tidy qemu-system-x86 busybox-static cpio util-linux valgrind groff-base man-db"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "installing:$missing"
		# shellcheck disable=SC2086
		apt-get install -y -q $missing >"$logs/apt.log" 2>&1 ||
			{ apt-get update -q >>"$logs/apt.log" 2>&1 &&
				apt-get install -y -q $missing >>"$logs/apt.log" 2>&1; } ||
			{ echo "apt-get install failed:"; tail -n 5 "$logs/apt.log"; }
	else
		echo "missing packages; run: sudo apt-get install$missing"
	fi
fi

# --- build ---------------------------------------------------------------------------------
# Nothing stale may stand in for a build that fails.
rm -f vmm build/vmm-asan build/vmm-tsan build/vmm-valgrind build/ptyrun build/measure build/guests/*.bin \
	build/disks/bootsector.bin
step "build: make (static musl vmm)" make vmm
step "build: vmm has no dynamic section" sh -c 'readelf -d vmm | grep -q "no dynamic section"'
step "build: vmm is at most 300 KiB" sh -c '[ $(stat -c %s vmm) -le 307200 ]'
check_embedded() {
	objcopy -O binary --only-section=.bios vmm build/embedded.bin &&
		head -c "$(stat -c %s /usr/share/seabios/bios.bin)" build/embedded.bin |
		cmp - /usr/share/seabios/bios.bin
}
step "build: the embedded BIOS is Debian's bios.bin, page-aligned" check_embedded
step "build: BIOS section is read-only" sh -c 'readelf -SW vmm | grep " .bios " | grep -qv "W"'
step "build: clang-format clean" clang-format --dry-run --Werror vmm.c vmm.h core/*.[ch] \
	devices/*.[ch] tests/*.[ch] fuzz/*.c
# One file per run: clang-tidy 14's va_list check reports phantom errors across files.
tidy_each() {
	for f in vmm.c core/*.c devices/*.c tests/*.c fuzz/*.c; do
		clang-tidy -quiet "$f" -- -D_GNU_SOURCE -std=c11 || return 1
	done
}
step "build: clang-tidy clean (checks in .clang-tidy)" tidy_each
check_bad_bios() {
	t=$(mktemp -d)
	head -c 32768 /dev/zero >"$t/small.bin"
	head -c 100000 /dev/zero >"$t/odd.bin"
	head -c $((16 * 1024 * 1024 + 65536)) /dev/zero >"$t/big.bin"
	ok=0
	make -s BIOS="$t/small.bin" vmm >"$t/out" 2>&1 && ok=1
	grep -q "must be 64 KiB to 16 MiB" "$t/out" || ok=1
	make -s BIOS="$t/odd.bin" vmm >"$t/out" 2>&1 && ok=1
	grep -q "not a multiple of 64 KiB" "$t/out" || ok=1
	make -s BIOS="$t/big.bin" vmm >"$t/out" 2>&1 && ok=1
	make -s BIOS="$t/missing.bin" vmm >"$t/out" 2>&1 && ok=1
	grep -q "missing.bin is not a regular file" "$t/out" || ok=1
	rm -rf "$t"
	return $ok
}
step "build: make BIOS= refuses images -b would refuse" check_bad_bios
step "build: sanitizer vmm (ASan+UBSan)" make build/vmm-asan
step "build: ThreadSanitizer vmm" make build/vmm-tsan
step "build: test BIOS images" make guests
step "build: the pty runner for terminal tests" make build/ptyrun
step "build: the time and memory meter" make build/measure
check_install() {
	d=$(mktemp -d)
	make -s install PREFIX=/usr DESTDIR="$d" && [ -x "$d/usr/bin/vmm" ] &&
		[ -f "$d/usr/share/man/man1/vmm.1" ] && cmp -s vmm "$d/usr/bin/vmm"
	r=$?
	rm -rf "$d"
	return $r
}
step "build: make install puts vmm and its manual page under PREFIX" check_install
step "build: the manual page renders without warnings" sh -c \
	'[ -z "$(groff -man -Tutf8 -ww vmm.1 2>&1 >/dev/null)" ] && man ./vmm.1 | grep -q "exit-port"'

step "build: valgrind vmm (static, debug info)" make build/vmm-valgrind

# --- device unit tests -----------------------------------------------------------------------
for u in unit unit-asan unit-tsan thread-test-tsan core-test core-test-asan; do
	if make "build/$u" >"$logs/$u-build.log" 2>&1; then
		"./build/$u" >"$logs/$u.log" 2>&1
		rc=$?
		sed -i "s/^ok - \(unit\|core\|thread\): /ok - $u: /; s/^not ok - \(unit\|core\|thread\): /not ok - $u: /" "$logs/$u.log"
		count_results "$logs/$u.log"
		grep '^# ' "$logs/$u.log"
		[ $rc = 0 ] || [ "$(grep -c '^not ok' "$logs/$u.log")" != 0 ] || not_ok "$u" "exit status $rc"
	else
		not_ok "build $u"
		tail -n 20 "$logs/$u-build.log"
	fi
done

# --- fuzzing: a short run of every target from its seeds (make fuzz-long: a million each) ---
tests/fuzz.sh -max_total_time=${VMM_FUZZ_SECONDS:-3} >"$logs/fuzz.log" 2>&1
count_results "$logs/fuzz.log"
grep '^ok - fuzz' "$logs/fuzz.log" | sed 's/^ok - /# /'
grep -q '^not ok - fuzz: build' "$logs/fuzz.log" && tail -n 5 "$logs/fuzz.log"

# --- KVM tests ---------------------------------------------------------------------------------
payload=build/payload
rm -rf "$payload"
mkdir -p "$payload/images" "$payload/guests"
cp vmm build/vmm-asan build/vmm-tsan tests/kvm-tests.sh "$payload/" 2>/dev/null
cp /usr/share/seabios/bios.bin /usr/share/seabios/bios-256k.bin \
	/usr/share/seabios/bios-microvm.bin "$payload/images/"
cp build/guests/*.bin "$payload/guests/" 2>/dev/null
mkdir -p "$payload/valgrind/lib"
cp build/vmm-valgrind "$payload/" 2>/dev/null
cp /usr/bin/valgrind.bin "$payload/valgrind/valgrind" 2>/dev/null
for f in memcheck-amd64-linux vgpreload_core-amd64-linux.so vgpreload_memcheck-amd64-linux.so default.supp; do
	cp "/usr/libexec/valgrind/$f" "$payload/valgrind/lib/" 2>/dev/null
done
# The disks: boot sectors, and Linux (the nested guest's kernel) on syslinux and isolinux.
if tests/kvm-guest.sh --fetch >"$logs/disks.log" 2>&1 &&
	tests/linux-disks.sh "$payload/disks" build/disks/bootsector.bin build/kvm-guest >>"$logs/disks.log" 2>&1; then
	ok "build: test disks (boot sector, syslinux disk, isolinux and floppy-emulation CDs)"
else
	not_ok "build: test disks" "$(tail -n 5 "$logs/disks.log")"
fi
cp tests/kvm-payload.sh "$payload/run.sh"
cp build/ptyrun build/measure "$payload/" 2>/dev/null

mode=${VMM_TEST_KVM:-auto}
if [ "$mode" = auto ]; then
	# Direct only if /dev/kvm behaves like hardware KVM: a triple fault must stop the guest.
	if [ -c /dev/kvm ] && [ -x vmm ] && [ -f build/guests/triple.bin ] &&
		timeout -s KILL 20 ./vmm -b build/guests/triple.bin >/dev/null 2>&1; [ $? = 3 ]; then
		mode=direct
	else
		mode=nested
	fi
fi
echo "# KVM tests: $mode (VMM_TEST_KVM=direct|nested to choose)"
if [ "$mode" = direct ]; then
	(cd "$payload" && sh ./run.sh) >"$logs/kvm.log" 2>&1
else
	tests/kvm-guest.sh "$payload" sh ./run.sh >"$logs/kvm-all.log" 2>&1
	# A test guest that stalled was booted again and ran every case again: its last boot counts.
	grep -B3 '^kvm-guest: RESTART' "$logs/kvm-all.log" || true
	awk '/^kvm-guest: RESTART/ { n = NR } { line[NR] = $0 } END { for (i = n + 1; i <= NR; i++) print line[i] }' \
		"$logs/kvm-all.log" >"$logs/kvm.log"
fi
count_results "$logs/kvm.log"
grep '^# kvm tests' "$logs/kvm.log"
for label in release asan; do
	grep -q "^# kvm tests $label: " "$logs/kvm.log" ||
		{ not_ok "kvm tests ($label) did not finish" "see $logs/kvm.log"; tail -n 15 "$logs/kvm.log"; }
done
grep -q '^ok - tsan: ' "$logs/kvm.log" || not_ok "ThreadSanitizer KVM tests did not run" "see $logs/kvm.log"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
