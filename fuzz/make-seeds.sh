#!/bin/sh
# Record the port traffic of a real SeaBIOS boot (vmm -d 3) and turn it into seed inputs for
# the fuzz targets: fuzz/corpus/<target>/seabios-boot. Needs a working /dev/kvm; the seeds are
# committed, so the tests do not. Record format: see fuzz/fuzz_io.c.
set -eu
cd "$(dirname "$0")/.."
make -s vmm
log=$(mktemp)
trap 'rm -f "$log"' EXIT
./vmm -d 3 --no-seccomp 2>"$log" >/dev/null || true
# target: the ports it aims at, in the order fuzz_io.c lists them (the selector is the index)
for spec in "cmos 0x70 0x71" "pci 0xcf8 0xcfc 0xcfd 0xcfe 0xcff" "fw_cfg 0x510 0x511" \
	"i8042 0x60 0x64" "uart 0x3f8 0x3f9 0x3fa 0x3fb 0x3fc 0x3fd 0x3fe 0x3ff" \
	"sysctl 0x80 0x92 0xcf9" "debugcon 0x402" "bus any"; do
	set -- $spec
	target=$1
	shift
	mkdir -p "fuzz/corpus/$target"
	LC_ALL=C awk -v ports="$*" '
		function hex(s,   v, i) {
			v = 0; s = tolower(substr(s, 3))
			for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		BEGIN { n = split(ports, p, " "); for (i = 1; i <= n; i++) idx[hex(p[i])] = i - 1 }
		/exit: (in|out) port/ {
			port = hex($5); size = $7; count = $9; value = hex($11)
			if (ports == "any") sel = port; else if (port in idx) sel = idx[port]; else next
			rep = count > 32 ? 31 : count - 1
			flags = (size == 1 ? 0 : size == 2 ? 1 : 2) + ($3 == "out" ? 4 : 0) + rep * 8
			printf "%c%c%c%c%c%c%c", sel % 256, int(sel / 256), flags, value % 256,
				int(value / 256) % 256, int(value / 65536) % 256, int(value / 16777216) % 256
		}' "$log" >"fuzz/corpus/$target/seabios-boot"
	echo "$target: $(($(stat -c %s "fuzz/corpus/$target/seabios-boot") / 7)) accesses"
done
# The option/image target: a few real command lines (first byte picks the path).
mkdir -p fuzz/corpus/args
printf '\000-m\000512M\000-d\0003' >fuzz/corpus/args/options
printf '\000--bios\000x.bin\000--boot-menu\000--no-seccomp' >fuzz/corpus/args/long-options
printf '\201\000\000\002\000\352\133\340\000\360' >fuzz/corpus/args/image-128k
