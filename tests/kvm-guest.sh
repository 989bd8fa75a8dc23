#!/bin/sh
# Run a command where /dev/kvm works, on a host that has none: a throw-away Linux guest under
# QEMU's software emulator (TCG), which emulates AMD SVM, so the guest's kvm-amd offers a real
# /dev/kvm. The guest is Debian's cloud kernel and a busybox initramfs, built here once.
#
#   tests/kvm-guest.sh PAYLOAD_DIR COMMAND...
#
# With --fetch it only puts the kernel and its modules in the cache ($VMM_GUEST_CACHE, by
# default build/kvm-guest). PAYLOAD_DIR is copied into the guest as /p; COMMAND runs there with /p as its working
# directory; its output streams to ours and its exit status becomes ours. Dynamic ELF files in
# the payload bring their shared libraries along.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMM_GUEST_CACHE:-$top/build/kvm-guest}
timeout_s=${VMM_GUEST_TIMEOUT:-1500}
memory=${VMM_GUEST_MEMORY:-4G} # less than some -m tests give vmm: RAM is used only when touched

fetch_only=false
if [ "${1:-}" = --fetch ]; then
	fetch_only=true # only the kernel and modules into the cache (tests/linux-disks.sh uses them)
else
	[ $# -ge 2 ] || { echo "usage: $0 PAYLOAD_DIR COMMAND... | $0 --fetch" >&2; exit 2; }
	payload=$(cd "$1" && pwd)
	shift
fi

say() { echo "kvm-guest: $*" >&2; }

need_pkgs=""
command -v qemu-system-x86_64 >/dev/null || need_pkgs="$need_pkgs qemu-system-x86"
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx insmod || need_pkgs="$need_pkgs busybox-static"
command -v cpio >/dev/null || need_pkgs="$need_pkgs cpio"
if [ -n "$need_pkgs" ]; then
	if [ "$(id -u)" = 0 ]; then
		say "installing$need_pkgs"
		apt-get install -y -q $need_pkgs >/dev/null 2>&1 ||
			{ apt-get update -q >/dev/null && apt-get install -y -q $need_pkgs >/dev/null; }
	else
		say "missing packages; run: sudo apt-get install$need_pkgs"
		exit 1
	fi
fi
if ! ldd /bin/busybox >/dev/null 2>&1; then :; else
	say "/bin/busybox is dynamically linked; install busybox-static"
	exit 1
fi

# The kernel: Debian's cloud image, unpacked from its .deb (not installed).
mkdir -p "$cache"
# The disk drivers stay in the cache for the Linux guests vmm itself boots (tests/linux-disks.sh).
disk_modules="scsi_common scsi_mod libata ata_piix sd_mod cdrom sr_mod isofs"
if [ ! -f "$cache/vmlinuz" ] || [ ! -f "$cache/disk-modules/sr_mod.ko" ]; then
	pkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	if [ -z "$pkg" ]; then
		apt-get update -q >/dev/null 2>&1 || true
		pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || { say "cannot find the linux-image-cloud-amd64 package"; exit 1; }
	say "fetching $pkg"
	rm -rf "$cache/dl" && mkdir -p "$cache/dl"
	(cd "$cache/dl" && apt-get download "$pkg" >/dev/null 2>&1) || { say "apt-get download $pkg failed"; exit 1; }
	dpkg -x "$cache"/dl/*.deb "$cache/dl/root"
	kver=$(ls "$cache/dl/root/lib/modules")
	mkdir -p "$cache/modules"
	for m in virt/lib/irqbypass arch/x86/kvm/kvm arch/x86/kvm/kvm-amd; do
		src=$(ls "$cache/dl/root/lib/modules/$kver/kernel/$m".ko* | head -n 1)
		case "$src" in
		*.xz) xz -dc "$src" >"$cache/modules/$(basename "$m").ko" ;;
		*.zst) zstd -qdc "$src" >"$cache/modules/$(basename "$m").ko" ;;
		*) cp "$src" "$cache/modules/$(basename "$m").ko" ;;
		esac
	done
	mkdir -p "$cache/disk-modules"
	for m in $disk_modules; do
		src=$(find "$cache/dl/root/lib/modules/$kver/kernel" -name "$m.ko*" | head -n 1)
		case "$src" in
		*.xz) xz -dc "$src" >"$cache/disk-modules/$m.ko" ;;
		*.zst) zstd -qdc "$src" >"$cache/disk-modules/$m.ko" ;;
		*) cp "$src" "$cache/disk-modules/$m.ko" ;;
		esac
	done
	cp "$cache"/dl/root/boot/vmlinuz-* "$cache/vmlinuz.tmp"
	rm -rf "$cache/dl"
	mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
fi

$fetch_only && exit 0
# The initramfs: busybox, the modules, the payload and what its programs link against.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/lib/modules" "$stage/p"
cp /bin/busybox "$stage/bin/busybox"
cp "$cache"/modules/*.ko "$stage/lib/modules/"
cp -RL "$payload/." "$stage/p/"
find "$stage/p" -type f | while read -r f; do
	if head -c 4 "$f" | grep -q ELF && ldd "$f" >/dev/null 2>&1; then
		ldd "$f" | awk '/=> \// {print $3} /^\t\/[^ ]+ \(/ {print $1}' | while read -r lib; do
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
	fi
done
printf '%s\n' "$*" >"$stage/p/.command"
cat >"$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts
for m in irqbypass kvm kvm-amd; do
	insmod /lib/modules/$m.ko || echo "kvm-guest: insmod $m failed"
done
[ -c /dev/kvm ] || echo "kvm-guest: no /dev/kvm in the guest"
cd /p
sh ./.command
echo "KVM-GUEST-EXIT=$?"
poweroff -f
EOF
chmod +x "$stage/init"
(cd "$stage" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$stage.cpio.gz"
trap 'rm -rf "$stage" "$stage".*' EXIT

# One boot of the guest: stream its console, keep a copy to find the exit marker. QEMU also
# writes the console to $stage.raw unbuffered, which the watchdog reads to see progress.
#
# The watchdog. Rarely the emulated guest stops for good in the middle of a run: QEMU takes
# no more CPU time, the guest's CPU sits in HLT, and neither its timers nor an NMI wake it
# (interrupts look held, as if SVM's global interrupt flag stayed clear in the emulation).
# When the console has been silent for $quiet_s seconds and QEMU has used under 50 ms of CPU
# in the last minute (an idle guest takes about 250), the watchdog shows where the CPU is,
# tries an NMI, and if nothing moves within a minute ends that boot as stalled. Once it stopped
# differently: the inner guest (4 vCPUs on the one emulated CPU) spun at one address and its
# host never ran again, QEMU at full CPU; so a console silent for $stuck_s seconds also ends
# the boot, however busy QEMU is. A stalled boot is started again, up to $retries times,
# after a line "kvm-guest: RESTART" (test.sh counts the results after the last).
quiet_s=${VMM_GUEST_QUIET:-150}
stuck_s=${VMM_GUEST_STUCK:-720} # longer than any test case may take (Linux 400 s, valgrind 600 s)
retries=${VMM_GUEST_RETRIES:-2}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
boot_guest() {
	rm -f "$stage.raw" "$stage.log" "$stage.pid" "$stage.stalled" "$stage".mon.*
	mkfifo "$stage.mon.in" "$stage.mon.out"
	timeout "$timeout_s" qemu-system-x86_64 -M q35 -cpu max -accel tcg -m "$memory" -smp 1 \
		-nodefaults -display none -no-reboot -monitor pipe:"$stage.mon" \
		-pidfile "$stage.pid" -chardev stdio,id=console,logfile="$stage.raw" \
		-serial chardev:console -kernel "$cache/vmlinuz" -initrd "$stage.cpio.gz" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1" </dev/null 2>&1 |
		tr -d '\r' | tee "$stage.log" | grep -av '^KVM-GUEST-EXIT=' &
	pipeline=$!
	cat "$stage.mon.out" >"$stage.mon.log" 2>/dev/null &
	monitor_reader=$!
	exec 9<>"$stage.mon.in"
	(
		last=-1 still=0 nmi_at=-1 n=0
		hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
		while sleep 10; do
			kill -0 "$pipeline" 2>/dev/null || break # the boot is over
			size=$(stat -c %s "$stage.raw" 2>/dev/null || echo 0)
			if [ "$size" = "$last" ]; then still=$((still + 10)); else still=0 last=$size nmi_at=-1; fi
			pid=$(cat "$stage.pid" 2>/dev/null)
			[ -n "$pid" ] || continue
			# QEMU's CPU time now and 60 s ago (t0..t6: the last seven readings)
			n=$((n + 1))
			now=$(cpu_ticks "$pid")
			eval "t$((n % 7))=$now"
			eval "ago=\${t$(((n + 1) % 7)):-}"
			idle=0
			[ -n "$ago" ] && [ $((now - ago)) -lt $((hz / 20)) ] && idle=1 # an idle guest: ~hz/4
			if [ "$still" -ge "$stuck_s" ]; then # busy, but no case is ever this quiet
				say "watchdog: no console output for $still s while QEMU runs: this boot is stuck; the guest's CPU:"
				printf 'info registers\n' >&9
				sleep 2
				grep -a -E '^(RIP|EFL|CR0)=' "$stage.mon.log" | tail -n 2 >&2
				: >"$stage.stalled"
				kill -KILL "$pid"
				break
			fi
			if [ "$nmi_at" -ge 0 ] && [ $((still - nmi_at)) -ge 60 ] && [ "$idle" = 1 ]; then
				say "watchdog: no progress for $still s, not even after the NMI: this boot stalled"
				: >"$stage.stalled"
				kill -KILL "$pid"
				break
			fi
			if [ "$nmi_at" -lt 0 ] && [ "$still" -ge "$quiet_s" ] && [ "$idle" = 1 ]; then
				say "watchdog: no console output for $still s, QEMU used $((now - ago)) of $hz ticks a second in the last minute; the guest's CPU:"
				printf 'info registers\n' >&9
				sleep 2
				grep -a -E '^(RIP|EFL|CR0)=' "$stage.mon.log" | tail -n 2 >&2
				say "watchdog: sending the guest an NMI"
				printf 'nmi\n' >&9
				nmi_at=$still
			fi
		done
	) &
	watchdog=$!
	wait "$pipeline"
	kill "$watchdog" "$monitor_reader" 2>/dev/null
	exec 9>&-
}

# Interrupted: take the guest and the watchdog down too.
trap 'kill ${watchdog:-} ${monitor_reader:-} $(cat "$stage.pid" 2>/dev/null) 2>/dev/null; exit 1' INT TERM
set +e
attempt=0
while :; do
	boot_guest
	# only a boot that stalled before its command ended is worth another
	[ -f "$stage.stalled" ] && ! grep -q '^KVM-GUEST-EXIT=' "$stage.log" &&
		[ "$attempt" -lt "$retries" ] || break
	attempt=$((attempt + 1))
	echo "kvm-guest: RESTART: the emulated guest stalled; booting it again (attempt $((attempt + 1)))"
done
set -e
rc=$(sed -n 's/^KVM-GUEST-EXIT=\([0-9]*\)$/\1/p' "$stage.log" | tail -n 1)
if [ -z "$rc" ]; then
	say "the guest did not finish (see the console output above)"
	exit 1
fi
exit "$rc"
