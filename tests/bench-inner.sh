#!/bin/sh
# The measuring half of tests/bench.sh, run where /dev/kvm works, in a directory holding vmm,
# measure, qemu-system-x86_64 (with its qemu-data) and bios.bin.
#   bench-inner.sh RUNS
runs=${1:-5}
# median FILE FIELD: the median of "FIELD=N" values
median() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$1" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
qemu="./qemu-system-x86_64 -L ./qemu-data -enable-kvm -M pc -m 128 -nodefaults -display none
 -bios ./bios.bin -chardev stdio,id=dbg -device isa-debugcon,iobase=0x402,chardev=dbg
 -boot menu=off,reboot-timeout=0 -no-reboot"
# timed_runs NAME COMMAND...: run it $runs times, keeping measure's lines in NAME.raw
timed_runs() {
	f=$1.raw
	shift
	: >"$f"
	i=0
	while [ $i -lt "$runs" ]; do
		./measure "$@" >out.txt 2>>"$f" </dev/null
		i=$((i + 1))
	done
}
timed_runs vmm ./vmm
grep -q "No bootable device" out.txt || echo "bench: vmm did not reach 'No bootable device'"
# shellcheck disable=SC2086 # split on purpose
timed_runs qemu $qemu
grep -q "No bootable device" out.txt || echo "bench: QEMU did not reach 'No bootable device'"
timed_runs small ./vmm -m 16M
timed_runs big ./vmm -m 64G

# Exits as the kernel counts them: one traced run of each.
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null || tr=/sys/kernel/debug/tracing
traced() { # traced EVENT COMMAND...: how many EVENTs the command caused
	ev=$1
	shift
	echo 0 >$tr/tracing_on
	echo >$tr/trace
	echo 16384 >$tr/buffer_size_kb
	echo 1 >"$tr/events/kvm/$ev/enable"
	echo 1 >$tr/tracing_on
	"$@" >/dev/null 2>&1 </dev/null
	echo 0 >$tr/tracing_on
	echo 0 >"$tr/events/kvm/$ev/enable"
	grep -c " $ev:" $tr/trace
}
if [ -w $tr/tracing_on ]; then
	vu=$(traced kvm_userspace_exit ./vmm)
	# shellcheck disable=SC2086
	qu=$(traced kvm_userspace_exit $qemu)
	vk=$(traced kvm_exit ./vmm)
	# shellcheck disable=SC2086
	qk=$(traced kvm_exit $qemu)
else
	vu=- qu=- vk=- qk=-
	echo "bench: no tracefs: exits not counted"
fi
vt=$(median vmm.raw wall_ms) qt=$(median qemu.raw wall_ms)
vr=$(median vmm.raw maxrss_kib) qr=$(median qemu.raw maxrss_kib)
vs=$(($(stat -c %s vmm) / 1024)) qs=$(($(stat -c %s qemu-system-x86_64) / 1024))
printf '%-40s %10s %10s %8s\n' "SeaBIOS to its end, median of $runs" vmm QEMU ratio
printf '%-40s %10s %10s %8s\n' "wall time (ms)" "$vt" "$qt" "$(ratio "$vt" "$qt")"
printf '%-40s %10s %10s %8s\n' "peak RSS (KiB)" "$vr" "$qr" "$(ratio "$vr" "$qr")"
printf '%-40s %10s %10s %8s\n' "exits to user space (kernel count)" "$vu" "$qu" "$(ratio "$vu" "$qu")"
printf '%-40s %10s %10s %8s\n' "VM exits in all (kernel count)" "$vk" "$qk" "$(ratio "$vk" "$qk")"
printf '%-40s %10s %10s %8s\n' "binary size (KiB)" "$vs" "$qs" "$(ratio "$vs" "$qs")"
st=$(median small.raw wall_ms) bt=$(median big.raw wall_ms)
sr=$(median small.raw maxrss_kib) br=$(median big.raw maxrss_kib)
printf '%-40s %10s %10s %8s\n' "vmm, RAM size" "-m 16M" "-m 64G" ratio
printf '%-40s %10s %10s %8s\n' "wall time (ms)" "$st" "$bt" "$(ratio "$bt" "$st")"
printf '%-40s %10s %10s %8s\n' "peak RSS (KiB)" "$sr" "$br" "$(ratio "$br" "$sr")"
