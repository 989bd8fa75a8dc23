#!/bin/sh
# What test.sh runs where /dev/kvm works (directly, or inside the nested test guest), from the
# payload directory it assembled: the KVM tests with the release and the sanitizer build, a
# few with the ThreadSanitizer build, then
# SeaBIOS boots under valgrind (memcheck, leak check) without seccomp, which valgrind cannot
# live under. (The hostile guest is left to the ASan build: under valgrind in the nested guest
# it can take many minutes.)
sh ./kvm-tests.sh ./vmm ./images ./guests release
sh ./kvm-tests.sh ./vmm-asan ./images ./guests asan
# ThreadSanitizer: the vCPU threads with the I/O and output threads of the real program. A
# report makes the run exit 66; its first lines are shown.
tsan_case() { # tsan_case NAME EXPECTED_OUTPUT VMM_ARGS...
	name=$1 want=$2
	shift 2
	timeout -s KILL 300 ./vmm-tsan "$@" >tsan.out 2>tsan.err </dev/null
	rc=$?
	if [ $rc = 0 ] && grep -q "$want" tsan.out && ! grep -q ThreadSanitizer tsan.err; then
		echo "ok - tsan: $name"
	else
		echo "not ok - tsan: $name: status $rc"
		grep -A 12 ThreadSanitizer tsan.err | head -n 30
	fi
}
if [ -x ./vmm-tsan ]; then
	tsan_case "-c 4: SeaBIOS starts and counts 4 CPUs" "Found 4 cpu(s)" -c 4 --display none
	tsan_case "-c 2, SeaBIOS mirrored to COM1" "No bootable device" -c 2 --display serial
	tsan_case "a guest filling the output buffers" "chatty: done" -c 2 -b guests/chatty.bin
	tsan_case "-c 2, a boot sector reads and writes --hda" "write ok" -c 2 --display serial --snapshot \
		--hda disks/hd.img
else
	echo "not ok - tsan: ./vmm-tsan was not built"
fi
for args in "" "-b images/bios-256k.bin" "-m 1G -b images/bios-microvm.bin"; do
	t0=$(cut -d. -f1 /proc/uptime)
	# shellcheck disable=SC2086 # split on purpose
	VALGRIND_LIB=$PWD/valgrind/lib timeout -s KILL 600 ./valgrind/valgrind -q --error-exitcode=9 \
		--leak-check=full --errors-for-leak-kinds=definite ./vmm-valgrind --no-seccomp $args \
		>vg.out 2>vg.err </dev/null
	rc=$?
	if [ $rc = 0 ] && ! grep -q "^==" vg.err; then
		echo "ok - valgrind: vmm $args is clean [$(($(cut -d. -f1 /proc/uptime) - t0)) s]"
	else
		echo "not ok - valgrind: vmm $args: status $rc"
		grep "^==" vg.err | head -n 20
	fi
done
