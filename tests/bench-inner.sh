#!/bin/sh
# The measuring half of tests/bench.sh, run where /dev/kvm works, in a directory holding vmm,
# measure, qemu-system-x86_64 (with its qemu-data) and bios.bin.
#   bench-inner.sh RUNS
runs=${1:-5}
# median FILE FIELD: the median of "FIELD=N" values
median() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$1" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
row() { printf '%-44s %10s %10s %8s\n' "$1" "$2" "$3" "$4"; }

# The same machine in both: SeaBIOS, its debug log on stdout, no screen shown; first without
# a VGA adapter (QEMU's -nodefaults), then with an ISA VGA and SeaVGABIOS.
qemu="./qemu-system-x86_64 -L ./qemu-data -enable-kvm -M pc -m 128 -nodefaults -display none
 -bios ./bios.bin -chardev stdio,id=dbg -device isa-debugcon,iobase=0x402,chardev=dbg
 -boot menu=off,reboot-timeout=0 -no-reboot"
qemu_vga="$qemu -device isa-vga"
vmm="./vmm --display none --vga none"
vmm_vga="./vmm --display none"

# timed_runs NAME COMMAND...: run it $runs times, keeping measure's lines in NAME.raw; the
# time until "No bootable device" appears on standard output is marker_ms.
mark="No bootable device"
timed_runs() {
	f=$1.raw
	shift
	: >"$f"
	i=0
	while [ $i -lt "$runs" ]; do
		./measure -u "$mark" "$@" >out.txt 2>>"$f" </dev/null
		i=$((i + 1))
	done
	case "$*" in
	*"debugcon none"*) ;; # nothing to show
	*) grep -q "No bootable device" out.txt || echo "bench: $* did not reach 'No bootable device'" ;;
	esac
}

# Exits as the kernel counts them: one traced run each.
tr=/sys/kernel/tracing
[ -d $tr/events ] || mount -t tracefs nodev $tr 2>/dev/null || tr=/sys/kernel/debug/tracing
# trace_command COMMAND...: run it with whatever events the caller enabled, tracing only
# it and the threads and children it makes (set_event_pid with event-fork: other VMs on the
# host stay out), in 8 MiB a CPU; the buffer's size is put back afterwards. Fails when the
# kernel lost events, so a count is never silently short.
trace_command() {
	size=$(awk '{ if ($2 == "(expanded:") { sub(/\)/, "", $3); print $3 } else print $1 }' \
		$tr/buffer_size_kb)
	echo 0 >$tr/tracing_on
	echo 8192 >$tr/buffer_size_kb
	echo >$tr/trace
	echo 1 >$tr/options/event-fork
	echo 1 >$tr/tracing_on
	# shellcheck disable=SC2016 # $$ is the inner shell's, which exec keeps
	sh -c 'echo $$ >"$0/set_event_pid"; exec "$@"' "$tr" "$@" >/dev/null 2>&1 </dev/null
	echo 0 >$tr/tracing_on
	echo >$tr/set_event_pid
	echo 0 >$tr/options/event-fork
	echo "$size" >$tr/buffer_size_kb 2>/dev/null || true
	! grep -q "LOST" $tr/trace
}

traced() { # traced EVENT COMMAND...: how many EVENTs the command caused
	ev=$1
	shift
	if [ ! -w $tr/tracing_on ]; then
		echo -
		return
	fi
	echo 1 >"$tr/events/kvm/$ev/enable"
	if trace_command "$@"; then grep -c " $ev:" $tr/trace; else echo -; fi
	echo 0 >"$tr/events/kvm/$ev/enable"
}

# outside_run COMMAND...: milliseconds its threads spent between the return of one KVM_RUN and
# the start of the next (handling exits in user space, and whatever else that thread did
# there), from the kernel's syscall trace: what the VMM's own code costs, apart from the
# guest and the kernel. ioctl is system call 16; KVM_RUN is request 0xae80.
outside_run() {
	if [ ! -w $tr/tracing_on ] || [ ! -d $tr/events/raw_syscalls ]; then
		echo -
		return
	fi
	for e in sys_enter sys_exit; do
		echo 'id == 16' >$tr/events/raw_syscalls/$e/filter
		echo 1 >$tr/events/raw_syscalls/$e/enable
	done
	# Lines: "  TASK-PID [CPU] FLAGS SECONDS: sys_enter: NR 16 (fd, ae80, ...)"; a
	# task's name may hold blanks (QEMU's "CPU 0/KVM"), so the thread is the field before [CPU].
	if trace_command "$@"; then
		awk '{
			for (i = 1; i <= NF; i++) if ($i ~ /^sys_(enter|exit):$/) break
			if (i > NF) next
			for (c = 2; c < i && $c !~ /^\[[0-9]+\]$/; c++) ;
			t = $(i - 1); sub(":", "", t); id = $(c - 1)
			if ($i == "sys_enter:") {
				run = ($(i + 4) == "ae80,")
				if (run && (id in back)) { total += t - back[id]; delete back[id] }
				inrun[id] = run
			} else if (inrun[id]) back[id] = t
		} END { printf "%d\n", total * 1000 + 0.5 }' $tr/trace
	else
		echo -
	fi
	for e in sys_enter sys_exit; do
		echo 0 >$tr/events/raw_syscalls/$e/enable
		echo 0 >$tr/events/raw_syscalls/$e/filter
	done
}

# compare TITLE VMM_COMMAND QEMU_COMMAND: the table for one pair
compare() {
	# shellcheck disable=SC2086 # split on purpose
	timed_runs v $2
	# shellcheck disable=SC2086
	timed_runs q $3
	# shellcheck disable=SC2086
	vu=$(traced kvm_userspace_exit $2)
	# shellcheck disable=SC2086
	qu=$(traced kvm_userspace_exit $3)
	# shellcheck disable=SC2086
	vk=$(traced kvm_exit $2)
	# shellcheck disable=SC2086
	qk=$(traced kvm_exit $3)
	# shellcheck disable=SC2086
	vo=$(outside_run $2)
	# shellcheck disable=SC2086
	qo=$(outside_run $3)
	vt=$(median v.raw wall_ms) qt=$(median q.raw wall_ms)
	vm=$(median v.raw marker_ms) qm=$(median q.raw marker_ms)
	vr=$(median v.raw maxrss_kib) qr=$(median q.raw maxrss_kib)
	row "$1, median of $runs" vmm QEMU ratio
	row "  ms to \"No bootable device\"" "$vm" "$qm" "$(ratio "$vm" "$qm")"
	row "  wall time to the end (ms)" "$vt" "$qt" "$(ratio "$vt" "$qt")"
	row "  peak RSS (KiB)" "$vr" "$qr" "$(ratio "$vr" "$qr")"
	row "  exits to user space (kernel count)" "$vu" "$qu" "$(ratio "$vu" "$qu")"
	row "  VM exits in all (kernel count)" "$vk" "$qk" "$(ratio "$vk" "$qk")"
	row "  ms in user space between KVM_RUNs" "$vo" "$qo" "$(ratio "$vo" "$qo")"
}

compare "SeaBIOS to its end, no VGA" "$vmm" "$qemu"
compare "SeaBIOS to its end, ISA VGA" "$vmm_vga" "$qemu_vga"
vs=$(($(stat -c %s vmm) / 1024)) qs=$(($(stat -c %s qemu-system-x86_64) / 1024))
row "binary size (KiB), every ROM inside vmm" "$vs" "$qs" "$(ratio "$vs" "$qs")"

# What vmm's display costs: the same boot with each.
row "vmm's displays, SeaBIOS to its end" "ms" exits ""
for args in "--vga none --display none" "--display none" "--display serial" \
	"--display none --debugcon none"; do
	# shellcheck disable=SC2086
	timed_runs d ./vmm $args
	# shellcheck disable=SC2086
	row "  $args" "$(median d.raw wall_ms)" "$(traced kvm_userspace_exit ./vmm $args)" ""
done

# The floor: a 64 KiB BIOS that prints a line and triple-faults at once (tests/guests/
# triple.S): what creating and ending the VM costs each, before any BIOS work. (Not a reset
# through port 0xcf9: vmm batches that port's writes, so a guest that then halts for good
# is only seen to reset at the next 10 Hz output tick.)
: >fv.raw
: >fq.raw
i=0
while [ $i -lt "$runs" ]; do
	./measure ./vmm --display none --vga none -b triple.bin >/dev/null 2>>fv.raw </dev/null
	# shellcheck disable=SC2086 # split on purpose
	./measure $(echo "$qemu" | sed 's|-bios ./bios.bin|-bios ./triple.bin|') >/dev/null 2>>fq.raw </dev/null
	i=$((i + 1))
done
fv=$(median fv.raw wall_ms) fq=$(median fq.raw wall_ms)
row "a BIOS that stops at once, median of $runs" vmm QEMU ratio
row "  wall time (ms): the fixed cost of a VM" "$fv" "$fq" "$(ratio "$fv" "$fq")"

# Start-up flat in RAM size: the same boot with 16 MiB and with 64 GiB.
timed_runs small $vmm -m 16M
timed_runs big $vmm -m 64G
st=$(median small.raw wall_ms) bt=$(median big.raw wall_ms)
sr=$(median small.raw maxrss_kib) br=$(median big.raw maxrss_kib)
row "vmm, RAM size (no VGA)" "-m 16M" "-m 64G" ratio
row "  wall time (ms)" "$st" "$bt" "$(ratio "$bt" "$st")"
row "  peak RSS (KiB)" "$sr" "$br" "$(ratio "$br" "$sr")"

# A Linux guest from the same syslinux disk: ms from start until COM1 shows its userspace
# marker (/proc/uptime, 10 ms steps). Both keep the image untouched (snapshot).
marker_ms() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	"$@" </dev/null 2>/dev/null | while IFS= read -r line; do
		case "$line" in
		*"linux-guest: userspace up"*)
			awk -v a="$t0" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "ms=%d\n", (b - a) * 1000 }'
			cat >/dev/null
			;;
		esac
	done
}
if [ -f disks/linux.img ]; then
	mkdir -p /var/tmp 2>/dev/null # QEMU 7.2 keeps its -snapshot overlay there
	: >lv.raw
	: >lq.raw
	i=0
	while [ $i -lt "$runs" ]; do
		marker_ms ./vmm --display none --vga none --snapshot --hda disks/linux.img >>lv.raw
						marker_ms ./qemu-system-x86_64 -L ./qemu-data -bios ./bios.bin -enable-kvm -M pc -m 128 -nodefaults \
			-display none -serial stdio -no-reboot -snapshot \
			-drive file=disks/linux.img,format=raw,if=ide >>lq.raw
		i=$((i + 1))
	done
	lv=$(median lv.raw ms) lq=$(median lq.raw ms)
	row "Linux from a syslinux disk, median of $runs" vmm QEMU ratio
	row "  ms to the guest's userspace marker" "${lv:--}" "${lq:--}" "$(ratio "${lv:-0}" "${lq:-0}")"
fi
