#!/bin/sh
# Benchmark: vmm against QEMU on the same KVM, booting the same SeaBIOS to its end ("No
# bootable device", then the reboot both turn into an exit). Several runs of each; prints the
# medians of wall time and peak memory side by side with their ratio, the exits the kernel
# counted (ftrace kvm:kvm_userspace_exit and kvm:kvm_exit, one traced run each), binary sizes,
# vmm's start-up with 16 MiB against 64 GiB of RAM, and the time to a Linux guest's userspace
# from a syslinux hard disk (tests/linux-disks.sh). Runs where the KVM tests run: directly
# on hardware-like /dev/kvm, else in the nested test guest. The table is also kept in
# tests/bench-results/DATE-HHMM.txt (UTC), one file a run.
#   tests/bench.sh [RUNS]      (VMM_TEST_KVM=direct|nested|auto as in test.sh)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-5}
make -s vmm build/measure build/guests/triple.bin build/guests/hello.bin
command -v qemu-system-x86_64 >/dev/null || apt-get install -y -q qemu-system-x86 >/dev/null
p=build/bench
rm -rf "$p"
mkdir -p "$p/qemu-data"
cp vmm build/measure /usr/share/seabios/bios.bin build/guests/triple.bin "$p/"
cp "$(command -v qemu-system-x86_64)" "$p/qemu-system-x86_64"
cp -L /usr/share/qemu/kvmvapic.bin /usr/share/qemu/linuxboot_dma.bin "$p/qemu-data/" 2>/dev/null || true
cp -L /usr/share/seabios/vgabios-isavga.bin "$p/qemu-data/vgabios.bin" # QEMU's isa-vga ROM
cp tests/bench-inner.sh "$p/"
# The Linux guest on a syslinux disk, as the KVM tests boot it.
make -s build/disks/bootsector.bin
tests/kvm-guest.sh --fetch
tests/linux-disks.sh "$p/disks" build/disks/bootsector.bin build/kvm-guest >/dev/null 2>&1 ||
	echo "bench: could not build the Linux disk; that row is skipped"
mode=${VMM_TEST_KVM:-auto}
if [ "$mode" = auto ]; then
	mode=nested
	if [ -c /dev/kvm ]; then
		timeout -s KILL 20 ./vmm -b build/guests/triple.bin >/dev/null 2>&1 || [ $? != 3 ] || mode=direct
	fi
fi
mkdir -p tests/bench-results
result=tests/bench-results/$(date -u +%Y-%m-%d-%H%M).txt # one file a run: earlier ones stay
version=$(git describe --always --dirty 2>/dev/null || echo unknown) # before tee rewrites $result
{
	echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $mode KVM, vmm $version"
	if [ "$mode" = direct ]; then
		(cd "$p" && sh ./bench-inner.sh "$runs")
	else
		echo "# nested: QEMU $(qemu-system-x86_64 --version | head -n 1 | awk '{print $4}') TCG with SVM, Debian cloud kernel, kvm-amd"
		tests/kvm-guest.sh "$p" sh ./bench-inner.sh "$runs" 2>&1 | grep -av '^\[ *[0-9.]*\]'
	fi
} | tee "$result"
echo "bench: kept in $result"
