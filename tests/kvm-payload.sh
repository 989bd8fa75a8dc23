#!/bin/sh
# What test.sh runs where /dev/kvm works (directly, or inside the nested test guest), from the
# payload directory it assembled: the KVM tests with the release and the sanitizer build, then
# SeaBIOS boots under valgrind (memcheck, leak check) without seccomp, which valgrind cannot
# live under. (The hostile guest is left to the ASan build: under valgrind in the nested guest
# it can take many minutes.)
sh ./kvm-tests.sh ./vmm ./images ./guests release
sh ./kvm-tests.sh ./vmm-asan ./images ./guests asan
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
