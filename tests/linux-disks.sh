#!/bin/sh
# Build the disks the KVM tests boot from, into OUT_DIR:
#   hd.img      1 MiB hard disk: tests/disks/bootsector.S, a message in sector 2
#   fd.img      a 1.44 MB floppy with the same boot sector and message
#   fdemu.iso   an El Torito CD whose boot image is that floppy (floppy emulation)
#   linux.img   48 MiB hard disk: a FAT file system made with Debian's syslinux holding the
#               test kernel and an initramfs (below); the last 8 MiB are outside it, for
#               the Linux guest to read and write
#   linux.iso   the same kernel and initramfs on an isolinux CD (no emulation)
# The Linux guest loads the IDE drivers, reports what it found on COM1 ("linux-guest: ...")
# and reboots. The kernel and its modules come from the nested test guest's cache
# (tests/kvm-guest.sh --fetch).
#   tests/linux-disks.sh OUT_DIR BOOTSECTOR CACHE
set -eu
out=$1 bootsector=$2 cache=$3
need=""
for f in /usr/bin/syslinux:syslinux /usr/lib/ISOLINUX/isolinux.bin:isolinux \
	/usr/bin/xorriso:xorriso /usr/bin/mcopy:mtools /usr/sbin/mkfs.fat:dosfstools; do
	[ -e "${f%%:*}" ] || need="$need ${f#*:}"
done
if [ -n "$need" ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get install -y -q $need >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null && apt-get install -y -q $need >/dev/null; }
	else
		echo "linux-disks: missing packages; run: sudo apt-get install$need" >&2
		exit 1
	fi
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The boot sector disks.
head -c 1048576 /dev/zero >"$out/hd.img"
dd if="$bootsector" of="$out/hd.img" conv=notrunc status=none
printf 'sector two says hello\n\000' | dd of="$out/hd.img" bs=512 seek=1 conv=notrunc status=none
mkdir "$work/fd"
head -c 1474560 /dev/zero >"$work/fd/floppy.img"
dd if="$out/hd.img" of="$work/fd/floppy.img" bs=1024 count=1 conv=notrunc status=none
xorriso -as mkisofs -quiet -o "$out/fdemu.iso" -b floppy.img -c boot.cat "$work/fd"
cp "$work/fd/floppy.img" "$out/fd.img"

# The Linux guest's initramfs.
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules"
cp /bin/busybox "$root/bin/busybox"
cp "$cache"/disk-modules/*.ko "$root/lib/modules/"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "linux-guest: userspace up"
echo "linux-guest: cpus: $(grep -c ^processor /proc/cpuinfo), online $(cat /sys/devices/system/cpu/online)"
for m in scsi_common scsi_mod libata ata_piix sd_mod cdrom sr_mod; do
	insmod /lib/modules/$m.ko || echo "linux-guest: insmod $m failed"
done
i=0
while [ $i -lt 50 ] && [ ! -b /dev/sda ] && [ ! -b /dev/sr0 ]; do sleep 0.2; i=$((i + 1)); done
sleep 1
dmesg | sed -n 's/^\[[^]]*\] \(ata[0-9.]*: \(ATA[-P][^:]*:\|configured for\).*\)/linux-guest: \1/p'
if [ -b /dev/sda ]; then
	last=$(($(cat /sys/block/sda/size) - 1))
	echo "linux-guest: sda has $((last + 1)) sectors"
	echo "linux-guest: sda last sector: $(dd if=/dev/sda bs=512 skip=$last count=1 2>/dev/null | head -n 1)"
	echo "written by linux" | dd of=/dev/sda bs=512 seek=$((last - 1)) conv=notrunc,fsync 2>/dev/null &&
		echo "linux-guest: sda written"
fi
if [ -b /dev/sr0 ]; then
	echo "linux-guest: sr0 volume descriptor: $(dd if=/dev/sr0 bs=2048 skip=16 count=1 2>/dev/null | dd bs=1 skip=1 count=5 2>/dev/null)"
fi
echo "linux-guest: done"
sync
reboot -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$work/initrd.gz"
append="console=ttyS0 quiet panic=-1"

# syslinux on a FAT file system (no partition table) in the first 40 MiB of a 48 MiB disk.
head -c 50331648 /dev/zero >"$out/linux.img"
mkfs.fat -n VMMTEST "$out/linux.img" 40960 >/dev/null
printf 'DEFAULT linux\nPROMPT 0\nTIMEOUT 0\nLABEL linux\n  KERNEL vmlinuz\n  INITRD initrd.gz\n  APPEND %s\n' \
	"$append" >"$work/syslinux.cfg"
syslinux --install "$out/linux.img"
mcopy -i "$out/linux.img" "$cache/vmlinuz" ::vmlinuz
mcopy -i "$out/linux.img" "$work/initrd.gz" ::initrd.gz
mcopy -i "$out/linux.img" "$work/syslinux.cfg" ::syslinux.cfg
printf 'the last sector, for linux to read\n' | dd of="$out/linux.img" bs=512 seek=98303 conv=notrunc status=none

# isolinux on an ISO 9660 CD, booted without emulation.
mkdir -p "$work/iso/isolinux"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$work/iso/isolinux/"
cp "$cache/vmlinuz" "$work/iso/vmlinuz"
cp "$work/initrd.gz" "$work/iso/initrd.gz"
sed 's/^  KERNEL vmlinuz/  KERNEL \/vmlinuz/; s/^  INITRD initrd.gz/  INITRD \/initrd.gz/' "$work/syslinux.cfg" \
	>"$work/iso/isolinux/isolinux.cfg"
xorriso -as mkisofs -quiet -o "$out/linux.iso" -b isolinux/isolinux.bin -c isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table "$work/iso"
