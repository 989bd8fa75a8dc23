#!/bin/sh
# Benchmark: vmm against QEMU on the same KVM, booting the same SeaBIOS to its end
# ("No bootable device", then the reboot that both turn into an exit). Prints the median
# time and peak memory of several runs of each, side by side, and vmm's exit count.
# Runs where the KVM tests run: directly on hardware-like /dev/kvm, else in the nested guest.
#   tests/bench.sh [RUNS]      (VMM_TEST_KVM=direct|nested|auto as in test.sh)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-5}
make -s vmm build/measure build/guests/triple.bin
command -v qemu-system-x86_64 >/dev/null || apt-get install -y -q qemu-system-x86 >/dev/null
p=build/bench
rm -rf "$p"
mkdir -p "$p/qemu-data"
cp vmm build/measure /usr/share/seabios/bios.bin "$p/"
cp "$(command -v qemu-system-x86_64)" "$p/qemu-system-x86_64"
cp -L /usr/share/qemu/kvmvapic.bin /usr/share/qemu/linuxboot_dma.bin "$p/qemu-data/" 2>/dev/null || true
cat >"$p/bench-inner.sh" <<INNER
runs=$runs
INNER
cat >>"$p/bench-inner.sh" <<'INNER'
# median FILE FIELD: the median of "FIELD=N" values
median() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" "$1" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
qemu_cmd="./qemu-system-x86_64 -L ./qemu-data -enable-kvm -M pc -m 128 -nodefaults -display none
 -bios ./bios.bin -chardev stdio,id=dbg -device isa-debugcon,iobase=0x402,chardev=dbg
 -boot menu=off,reboot-timeout=0 -no-reboot"
: >vmm.txt
: >qemu.txt
i=0
while [ $i -lt $runs ]; do
	./measure ./vmm >vmm.out 2>>vmm.txt
	./measure $qemu_cmd >qemu.out 2>>qemu.txt </dev/null
	i=$((i + 1))
done
grep -q "No bootable device" vmm.out || echo "bench: vmm did not reach 'No bootable device'"
grep -q "No bootable device" qemu.out || echo "bench: QEMU did not reach 'No bootable device'"
exits=$(./vmm -d 1 2>&1 >/dev/null | sed -n 's/.*vmm: \([0-9]*\) VM exits.*/\1/p')
printf '%-34s %12s %12s\n' "SeaBIOS to its end, median of $runs" vmm QEMU
printf '%-34s %12s %12s\n' "wall time (ms)" "$(median vmm.txt wall_ms)" "$(median qemu.txt wall_ms)"
printf '%-34s %12s %12s\n' "peak RSS (KiB)" "$(median vmm.txt maxrss_kib)" "$(median qemu.txt maxrss_kib)"
printf '%-34s %12s %12s\n' "exits to user space" "$exits" "-"
printf '%-34s %12s %12s\n' "binary size (KiB)" "$(($(stat -c %s vmm) / 1024))" "$(($(stat -c %s qemu-system-x86_64) / 1024))"
INNER
mode=${VMM_TEST_KVM:-auto}
if [ "$mode" = auto ]; then
	mode=nested
	if [ -c /dev/kvm ]; then
		timeout -s KILL 20 ./vmm -b build/guests/triple.bin >/dev/null 2>&1 || [ $? != 3 ] || mode=direct
	fi
fi
echo "bench: running on $mode KVM"
if [ "$mode" = direct ]; then
	(cd "$p" && sh ./bench-inner.sh)
else
	tests/kvm-guest.sh "$p" sh ./bench-inner.sh 2>&1 | grep -v '^\[ *[0-9.]*\]'
fi
