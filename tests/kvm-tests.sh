#!/bin/sh
# The KVM test cases: run vmm as a user would and check what the user sees (output, exit
# status, messages). POSIX sh, so it runs on the host or inside the busybox test guest.
#
#   tests/kvm-tests.sh VMM IMAGES_DIR GUESTS_DIR [LABEL [DISKS_DIR]]
#
# IMAGES_DIR holds Debian's bios.bin, bios-256k.bin and bios-microvm.bin; GUESTS_DIR the
# hand-assembled test images; DISKS_DIR the disks of tests/linux-disks.sh. Prints "ok - NAME" or "not ok - NAME: why" per case.
set -u
VMM=$1
IMAGES=$2
GUESTS=$3
LABEL=${4:-kvm}
DISKS=${5:-$GUESTS/../disks}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
LIMIT=${VMM_CASE_TIMEOUT:-60}

now_ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
case_start=$(now_ms)
ok() { pass=$((pass + 1)); echo "ok - $LABEL: $1 [$(($(now_ms) - case_start)) ms]"; case_start=$(now_ms); }
not_ok() {
	case_start=$(now_ms)
	fail=$((fail + 1))
	echo "not ok - $LABEL: $1: $2"
	for f in out err; do
		[ -s "$T/$f" ] && { echo "  --- std$f (last lines):"; tail -n 5 "$T/$f" | sed 's/^/  | /'; }
	done
	return 0
}


# run ARGS...: run vmm, keep stdout, stderr, exit status and time in ms. A hang is killed
# with SIGKILL (status 137, which vmm itself never returns).
run() {
	t0=$(now_ms)
	timeout -s KILL "$LIMIT" "$VMM" "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	ms=$(($(now_ms) - t0))
}

# expect NAME STATUS OUT_REGEX ERR_REGEX: check the last run (an empty regex checks nothing).
expect() {
	name=$1 want=$2 out_re=$3 err_re=$4
	if [ "$rc" != "$want" ]; then
		not_ok "$name" "exit status $rc, expected $want"
	elif [ -n "$out_re" ] && ! grep -Eq -e "$out_re" "$T/out"; then
		not_ok "$name" "stdout lacks /$out_re/"
	elif [ -n "$err_re" ] && ! grep -Eq -e "$err_re" "$T/err"; then
		not_ok "$name" "stderr lacks /$err_re/"
	else
		ok "$name"
	fi
}

# expect_absent NAME FILE REGEX
expect_absent() {
	if grep -Eq -e "$3" "$T/$2"; then not_ok "$1" "std$2 has /$3/"; else ok "$1"; fi
}

BOOTED='SeaBIOS \(version 1\.16'
NOBOOT='No bootable device'
RESET='guest requested a reset \(port 0xcf9\)'

# --- the default boot ----------------------------------------------------------------------
run
expect "no arguments: embedded SeaBIOS boots to 'No bootable device', exit 0" 0 "$NOBOOT" "$RESET"
expect "no arguments: banner on stdout" 0 "$BOOTED" ""
expect_absent "no arguments: no boot-menu wait" out "Press ESC"
expect_absent "no arguments: no 60 s retry" out "Retrying in [1-9]"
expect_absent "no arguments: nothing on stderr but the reason" err "^vmm: .*(error|fail)"
if [ "$ms" -lt 20000 ]; then ok "no arguments: ends by itself (${ms} ms)"; else
	not_ok "no arguments: ends by itself" "took ${ms} ms"; fi
cp "$T/out" "$T/boot.log"
if grep -q "Found 1 serial ports" "$T/boot.log"; then ok "SeaBIOS finds COM1"; else
	not_ok "SeaBIOS finds COM1" "no 'Found 1 serial ports'"; fi
if grep -q "PS2 keyboard initialized" "$T/boot.log"; then ok "SeaBIOS initialises the i8042 keyboard"; else
	not_ok "SeaBIOS initialises the i8042 keyboard" "no 'PS2 keyboard initialized'"; fi
if grep -q "Found 2 PCI devices" "$T/boot.log"; then ok "SeaBIOS finds the i440FX and PIIX3"; else
	not_ok "SeaBIOS finds the i440FX and PIIX3" "no 'Found 2 PCI devices'"; fi
if grep -q "qemu/e820: addr 0x0000000000000000 len 0x0000000008000000 \[RAM\]" "$T/boot.log"; then
	ok "fw_cfg e820 reports 128 MiB by default"; else
	not_ok "fw_cfg e820 reports 128 MiB by default" "no e820 line for 128 MiB"; fi

run --boot-menu
expect "--boot-menu: SeaBIOS offers the menu" 0 "Press ESC for boot menu" "$RESET"

# --- every BIOS image size ----------------------------------------------------------------
for img in bios.bin bios-256k.bin bios-microvm.bin; do
	run -b "$IMAGES/$img"
	expect "-b $img boots to 'No bootable device'" 0 "$NOBOOT" "$RESET"
done
# Larger flash parts: the same SeaBIOS at the top of a bigger zero-filled image.
for kib in 256 512 1024 4096 16384; do
	head -c $(((kib - 128) * 1024)) /dev/zero >"$T/pad.bin"
	cat "$IMAGES/bios.bin" >>"$T/pad.bin"
	run -b "$T/pad.bin"
	expect "-b ${kib} KiB image (bios.bin at its top) boots" 0 "$NOBOOT" "$RESET"
done
rm -f "$T/pad.bin"
run -b "$GUESTS/hello.bin"
expect "-b 64 KiB hand-made BIOS: debug port output" 0 "hello from the debug port" "$RESET"
expect "-b 64 KiB hand-made BIOS: COM1 output" 0 "hello from COM1" ""

# --- memory sizes -------------------------------------------------------------------------
for m in 16M 64M 512M 2G 3G; do
	run -m $m
	expect "-m $m boots" 0 "$NOBOOT" "$RESET"
done
run -m 3G
expect "-m 3G: all of it below 4 GiB" 0 "addr 0x0000000000000000 len 0x00000000c0000000 \[RAM\]" ""
run -m 4G
expect "-m 4G: 1 GiB above 4 GiB" 0 "addr 0x0000000100000000 len 0x0000000040000000 \[RAM\]" ""
run -m 256
expect "-m 256 (plain number = MiB)" 0 "len 0x0000000010000000 \[RAM\]" ""
# More RAM than this host has (the test guest has 4 GiB): only what the guest touches is used.
host_mib=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
big_gib=$((host_mib / 1024 + 3)) # 6G there
run -m ${big_gib}G -d 1
expect "-m ${big_gib}G on a host with $host_mib MiB: boots" 0 "$NOBOOT" "more than this host's"
expect "-m ${big_gib}G on a host with $host_mib MiB: all of it in the e820 map" 0 \
	"addr 0x0000000100000000 len 0x$(printf %016x $(((big_gib - 3) << 30))) \[RAM\]" ""
run -m 2T
expect "-m 2T is refused" 2 "" "out of range"
run -m 1T
if [ "$rc" = 0 ] || { [ "$rc" = 1 ] && grep -Eq "reserving|do not fit" "$T/err"; }; then
	ok "-m 1T: runs or fails with a clear message (status $rc)"
else not_ok "-m 1T: runs or fails with a clear message" "status $rc"; fi

# --- more vCPUs: SeaBIOS starts them through the in-kernel APICs and counts them ---------
for c in 2 4; do
	run -c $c
	expect "-c $c: SeaBIOS finds $c CPUs" 0 "Found $c cpu\(s\) max supported $c cpu\(s\)" "$RESET"
done
run -c 64
expect "-c 64: SeaBIOS finds 64 CPUs" 0 "Found 64 cpu\(s\)" "$RESET"

# --- bad arguments: message and usage on stderr, exit 2, never a signal ------------------
for args in "-x" "--nope" "-m" "-m 0" "-m abc" "-m -5" "-m 12Q" "-m 99999999999999999999999" \
	"-m 15M" "-m 1000001K" "-d 4" "-d x" "-d" "-b" "extra-argument" "-c 0" "-c 65" "-c x" \
	"-c"; do
	# shellcheck disable=SC2086 # split on purpose
	run $args
	expect "bad arguments '$args': exit 2 with usage" 2 "" "Usage: vmm"
done
run -h
expect "-h prints usage on stdout, exit 0" 0 "Usage: vmm" ""
expect "-h documents the exit statuses" 0 "Exit status" ""
run --help
expect "--help prints usage" 0 "--memory SIZE" ""
run -V
expect "-V prints the version" 0 "^vmm [0-9]+\.[0-9]+" ""

# --- bad BIOS images: a clear message, exit 1, before any KVM call ------------------------
run -b "$T/missing.bin"
expect "missing image" 1 "" "opening BIOS image .*missing.bin: No such file"
mkdir "$T/dir.bin"
run -b "$T/dir.bin"
expect "directory as image" 1 "" "is a directory"
: >"$T/empty.bin"
run -b "$T/empty.bin"
expect "empty image" 1 "" "is empty"
head -c 100000 /dev/zero >"$T/odd.bin"
run -b "$T/odd.bin"
expect "image of 100000 bytes" 1 "" "not a multiple of 64 KiB"
head -c 32768 /dev/zero >"$T/small.bin"
run -b "$T/small.bin"
expect "image of 32 KiB" 1 "" "must be 64 KiB to 16 MiB"
head -c $((16 * 1024 * 1024 + 65536)) /dev/zero >"$T/big.bin"
run -b "$T/big.bin"
expect "image over 16 MiB" 1 "" "must be 64 KiB to 16 MiB"
rm -f "$T/big.bin"
run -b /dev/null
expect "a device file as image" 1 "" "not a regular file"
run -b /dev/zero
expect "/dev/zero as image" 1 "" "not a regular file"

# --- how runs end -------------------------------------------------------------------------
run -b "$GUESTS/triple.bin"
expect "triple fault: exit 3 with a reason" 3 "about to triple-fault" "triple-faulted"
run -d 1 -b "$GUESTS/triple.bin"
expect "triple fault at -d 1 dumps registers" 3 "" "rip [0-9a-f]{16}"

for sig in TERM INT HUP; do
	for g in spin halt; do
		rm -f "$T/out"
		timeout -s KILL "$LIMIT" "$VMM" -b "$GUESTS/$g.bin" >"$T/out" 2>"$T/err" </dev/null &
		pid=$!
		# Signal it once the guest runs (it prints "spinning" or "halting").
		case $g in spin) word=spinning ;; *) word=halting ;; esac
		n=0
		while [ $n -lt 100 ] && ! grep -q "^$word" "$T/out" 2>/dev/null; do
			sleep 0.2
			n=$((n + 1))
		done
		if [ $n -lt 100 ]; then ok "SIG$sig test: the ${g} guest's output shows while it runs"
		else not_ok "SIG$sig test: the ${g} guest's output shows while it runs" "not within 20 s"; fi
		kill -$sig $pid
		wait $pid
		rc=$?
		case $sig in TERM) want=143 ;; INT) want=130 ;; HUP) want=129 ;; esac
		expect "SIG$sig stops a guest that ${g}s" $want "" "stopped by signal"
	done
done

# Output into a closed pipe: vmm says why and exits 1; it is not killed by SIGPIPE.
( timeout -s KILL "$LIMIT" "$VMM" 2>"$T/err"; echo $? >"$T/rc" ) | head -c 10 >/dev/null
rc=$(cat "$T/rc")
expect "stdout closed early: exit 1, not SIGPIPE" 1 "" "writing guest output"

# Closed standard descriptors must not end up as /dev/kvm's or the VM's numbers.
timeout -s KILL "$LIMIT" "$VMM" <&- >"$T/out" 2>"$T/err"
rc=$?
expect "closed standard input: boots as usual" 0 "$NOBOOT" "$RESET"
timeout -s KILL "$LIMIT" "$VMM" >&- 2>"$T/err"
rc=$?
: >"$T/out"
expect "closed standard output: boots, output discarded" 0 "" "$RESET"

# --- standard input reaches COM1 ---------------------------------------------------------
printf 'hello guest\n' | timeout -s KILL "$LIMIT" "$VMM" -b "$GUESTS/echo.bin" >"$T/out" 2>"$T/err"
rc=$?
expect "piped standard input reaches the guest's COM1" 0 "^got: hello guest" "$RESET"
(sleep 1; printf 'typed later\n') | timeout -s KILL "$LIMIT" "$VMM" -b "$GUESTS/echo.bin" >"$T/out" 2>"$T/err"
rc=$?
expect "input arriving while the guest runs reaches COM1" 0 "^got: typed later" "$RESET"

# --- the devices as guests use them --------------------------------------------------------
run -b "$GUESTS/kbd-irq.bin"
expect "i8042: a keyboard reset's two bytes raise two IRQ 1 interrupts" 0 \
	"irq1 interrupts: 2 bytes: fa aa" "$RESET"
run -b "$GUESTS/rtc-irq.bin"
expect "RTC: periodic interrupts reach the guest on IRQ 8" 0 \
	"rtc interrupts: many, register C [cdef]0" "$RESET" # IRQF and PF (UF may join)
run -b "$GUESTS/date.bin"
expect "RTC: a date set field by field with SET held stays that date" 0 "date: 24-02-15" "$RESET"
run -b "$GUESTS/pam.bin"
expect "PAM: read-write, read-only and ROM-side blocks as the i440FX says, for the CPU and DMA" 0 \
	"pam: rw ok, dma rw ok, ro ok, dma ro ok, rom ok" "$RESET"
run -b "$GUESTS/cpuid.bin"
expect "CPUID: the hypervisor bit and KVM's signature" 0 \
	"cpuid: hypervisor bit 1, signature KVMKVMKVM" "$RESET"
run
expect "SeaBIOS detects KVM and uses kvm-clock" 0 "kvmclock: stable tsc|kvmclock: at" ""

# --- screen, serial console, output routing (not on a terminal: --display serial) -----------
ESC=$(printf '\033')
run
if grep -q "$ESC" "$T/out"; then not_ok "serial console into a pipe: no escape codes" "ESC found"
else ok "serial console into a pipe: no escape codes"; fi
n=$(grep -c "No bootable device" "$T/out")
if [ "$n" = 1 ]; then ok "serial console and debug log share stdout: the screen once"; else
	not_ok "serial console and debug log share stdout: the screen once" "$n times"; fi
run --display none
expect "--display none: the debug log carries the screen text" 0 "$NOBOOT" "$RESET"
expect_absent "--display none: no serial console" out "sercon: using ioport"
run --display serial
expect "--display serial: SeaBIOS mirrors its screen to COM1" 0 "sercon: using ioport 0x3f8" ""
run --vga none
expect "--vga none: no VGA BIOS, SeaBIOS still boots" 0 "$NOBOOT" "$RESET"
expect_absent "--vga none: no VGA BIOS ran" out "Start SeaVGABIOS"
run
expect "the built-in SeaVGABIOS runs from fw_cfg" 0 "Start SeaVGABIOS" ""
run --vga-bios "$IMAGES/../images/missing.bin"
expect "--vga-bios with a missing file: status 1" 1 "" "opening VGA BIOS"
run --vga-bios /dev/null
expect "--vga-bios /dev/null: status 1" 1 "" "not a regular file"
run --vga-bios "$GUESTS/hello.bin"
expect "--vga-bios with something that is not an option ROM: status 1" 1 "" "not an option ROM"
run -b "$GUESTS/hello.bin" --serial "$T/com1.txt"
expect "--serial FILE: COM1 goes to the file" 0 "hello from the debug port" ""
if grep -q "hello from COM1" "$T/com1.txt" && ! grep -q "hello from COM1" "$T/out"; then
	ok "--serial FILE: the file has COM1's output, stdout does not"; else
	not_ok "--serial FILE: the file has COM1's output, stdout does not" "$(cat "$T/com1.txt")"; fi
run -b "$GUESTS/hello.bin" --debugcon stderr
expect "--debugcon stderr: the debug log on standard error" 0 "hello from COM1" "hello from the debug port"
run -b "$GUESTS/hello.bin" --debugcon none --serial none
expect_absent "--debugcon none --serial none: no guest output" out "hello"
for args in "--display bogus" "--serial" "--exit-port 0" "--exit-port x" "--exit-port 0x10000" \
	"--vga vesa" "--display text --serial stdio" "--display text --vga none" \
	"--serial /nonexistent/dir/com1.txt" "--screendump /nonexistent/dir/screen.txt" \
	"--exit-port 0x3f8"; do
	# shellcheck disable=SC2086 # split on purpose
	run $args
	expect "bad console options '$args': exit 2 with a message" 2 "" "Usage: vmm"
done
run --exit-port 0x3f8
expect "--exit-port on COM1's port: says whose" 2 "" "belongs to the com1"
run -b "$GUESTS/exitport.bin" --exit-port 0xf4 --screendump "$T/dump.txt"
expect "--exit-port: writing 0x21 ends vmm with status 67" 67 "writing 0x21" "exit port 0xf4"
if [ "$(wc -l <"$T/dump.txt")" = 25 ]; then ok "--screendump after the exit port"; else
	not_ok "--screendump after the exit port" "$(wc -l <"$T/dump.txt") lines"; fi
run --display none -b "$GUESTS/textmode.bin" --screendump "$T/dump.txt"
expect "a guest writing straight into 0xb8000" 0 "text written" ""
if sed -n 11p "$T/dump.txt" | grep -qx "                    HELLO FROM THE TEXT BUFFER" &&
	sed -n 13p "$T/dump.txt" | grep -qx "$(printf '\342\225\224\342\225\220')"; then
	ok "--screendump shows text written to 0xb8000, CP437 as UTF-8"; else
	not_ok "--screendump shows text written to 0xb8000" "$(sed -n 10,13p "$T/dump.txt")"; fi
for sig in TERM INT; do
	rm -f "$T/dump.txt"
	timeout -s KILL "$LIMIT" "$VMM" -b "$GUESTS/spin.bin" --display none \
		--screendump "$T/dump.txt" >"$T/out" 2>"$T/err" </dev/null &
	pid=$!
	sleep 1
	kill -$sig $pid
	wait $pid
	if [ -f "$T/dump.txt" ] && [ "$(wc -l <"$T/dump.txt")" = 25 ]; then
		ok "--screendump written when SIG$sig stops vmm"; else
		not_ok "--screendump written when SIG$sig stops vmm" "no dump"; fi
done
if [ -x "$(dirname "$VMM")/ptyrun" ]; then
	timeout -s KILL "$LIMIT" "$(dirname "$VMM")/ptyrun" -P -w "Press ESC" -i '\e' -k 8000 -- \
		"$VMM" --boot-menu --display serial >"$T/out" 2>"$T/err"
	rc=$?
	expect "Esc through a pipe opens SeaBIOS's boot menu (serial console)" 143 "Select boot device" ""
fi

# --- guest output and standard input -----------------------------------------------------------
run -b "$GUESTS/interleave.bin"
expect "debug port and COM1 written a byte each in turn: the debug line whole" 0 \
	"^RAW-BIOS debug port line$" "$RESET"
expect "debug port and COM1 written a byte each in turn: the COM1 line whole" 0 \
	"^serial console line on COM1$" "$RESET"
awk 'BEGIN { for (i = 1; i <= 600; i++) printf "input line %d of the test\n", i; print "~" }' \
	>"$T/input.txt"
timeout -s KILL "$LIMIT" "$VMM" -b "$GUESTS/cat.bin" <"$T/input.txt" >"$T/out" 2>"$T/err"
rc=$?
expect "standard input from a file reaches COM1 to its end" 0 "^cat: done" "$RESET"
n=$(grep -c "^input line [0-9]* of the test$" "$T/out")
if [ "$n" = 600 ]; then ok "standard input from a file: all 600 lines, none cut"; else
	not_ok "standard input from a file: all 600 lines" "$n lines"; fi
cat "$T/input.txt" | timeout -s KILL "$LIMIT" "$VMM" -b "$GUESTS/cat.bin" >"$T/out" 2>"$T/err"
rc=$?
expect "standard input from a pipe: far more than 256 bytes reach COM1" 0 "^cat: done" "$RESET"
n=$(grep -c "^input line [0-9]* of the test$" "$T/out")
if [ "$n" = 600 ]; then ok "standard input from a pipe: all 600 lines"; else
	not_ok "standard input from a pipe: all 600 lines" "$n lines"; fi

# With standard input at its end and the guest halted, vmm sleeps (no busy loop on the
# hung-up pipe): well under a CPU second in 2 s (a busy loop would take all 2).
MEASURE=$(dirname "$VMM")/measure
if [ -x "$MEASURE" ]; then
	printf 'x' | "$MEASURE" timeout -s TERM 2 "$VMM" -b "$GUESTS/halt.bin" >"$T/out" 2>"$T/err"
	cpu=$(sed -n 's/.*cpu_ms=\([0-9]*\).*/\1/p' "$T/err")
	if [ -n "$cpu" ] && [ "$cpu" -lt 600 ]; then ok "idle with standard input ended: ${cpu} ms CPU in 2 s"
	else not_ok "idle with standard input ended" "${cpu:-?} ms CPU in 2 s"; fi
else
	not_ok "idle with standard input ended" "no measure beside $VMM"
fi

# --- on a terminal (a pseudo-terminal run by ptyrun) -----------------------------------------
PTYRUN=$(dirname "$VMM")/ptyrun
if [ -x "$PTYRUN" ]; then
	# pty LABEL PTYRUN_ARGS... -- VMM_ARGS: run vmm on a terminal
	pty() {
		label=$1
		shift
		timeout -s KILL "$LIMIT" "$PTYRUN" "$@" >"$T/out" 2>"$T/err"
		rc=$?
		if grep -q "ptyrun: terminal restored" "$T/err"; then ok "$label: terminal restored"
		else not_ok "$label: terminal restored" "$(tail -n 1 "$T/err")"; fi
	}
	S="--display serial" # COM1 and the debug log on the terminal, as plain lines
	pty "slow terminal" -r 300 -- "$VMM" $S -b "$GUESTS/chatty.bin"
	expect "slow terminal: a chatty guest's output waits for the reader, not dies" 0 \
		"chatty: done" ""
	n=$(grep -c "a chatty guest writes this line" "$T/out")
	if [ "$n" = 1500 ]; then ok "slow terminal: all 1500 lines arrive"; else
		not_ok "slow terminal: all 1500 lines arrive" "$n lines"; fi
	pty "keys to COM1 on a terminal" -i 'typed keys\r~' -- "$VMM" $S -b "$GUESTS/cat.bin"
	expect "keys typed on a terminal reach COM1 (--display serial)" 0 "typed keys" ""
	n=$(grep -c "typed keys" "$T/out")
	if [ "$n" = 1 ]; then ok "keys typed on a terminal are not echoed by it"; else
		not_ok "keys typed on a terminal are not echoed by it" "seen $n times"; fi
	pty "Ctrl-C to the guest" -i 'x\x03y~' -- "$VMM" $S -b "$GUESTS/cat.bin"
	expect "Ctrl-C typed on a terminal goes to the guest" 0 "$(printf 'x\003y')" ""
	pty "Ctrl-A x" -i '\x01x' -- "$VMM" -b "$GUESTS/spin.bin"
	expect "Ctrl-A x quits with status 0" 0 "quit \(Ctrl-A x\)" ""
	pty "Ctrl-A h" -i '\x01h' -I 300 -k 1500 -- "$VMM" $S -b "$GUESTS/spin.bin"
	expect "Ctrl-A h lists vmm's keys" 143 "Ctrl-A x +quit" ""
	pty "SIGTERM" -k 500 -- "$VMM" -b "$GUESTS/spin.bin"
	expect "SIGTERM on a terminal: stops with 143" 143 "stopped by signal 15" ""
	pty "SIGQUIT" -s 3 -k 500 -- "$VMM" -b "$GUESTS/spin.bin"
	expect "SIGQUIT on a terminal: stops with 131, cleanly" 131 "stopped by signal 3" ""
	pty "Ctrl-A z" -z -- "$VMM" -b "$GUESTS/spin.bin"
	expect "Ctrl-A z gives the terminal back while stopped, and vmm runs on after fg" 0 \
		"quit \(Ctrl-A x\)" "terminal restored while stopped"
	pty "triple fault" -- "$VMM" -b "$GUESTS/triple.bin"
	expect "triple fault on a terminal: status 3" 3 "triple-faulted" ""
	pty "bad image" -- "$VMM" -b "$GUESTS/missing.bin"
	expect "bad image on a terminal: status 1" 1 "missing.bin" ""

	# The text display (the default on a terminal): the VGA screen drawn in it.
	pty "SeaBIOS on a terminal" -- "$VMM" --screendump "$T/screen.txt"
	# A frame may catch SeaBIOS mid-word; the next continues at the cursor: drop the codes.
	# One word only: a frame skips a blank cell that did not change, so words can arrive with
	# a cursor move, not a space, between them (as for ptyrun's -w below).
	if [ "$rc" = 0 ] && tr -d '\033' <"$T/out" | sed 's/\[[0-9;?]*[A-Za-z]//g' | grep -q "bootable"; then
		ok "the text screen: SeaBIOS boots to its end on the terminal"
	else not_ok "the text screen: SeaBIOS boots to its end on the terminal" "status $rc"; fi
	expect "the text screen: drawn with cursor moves and colours" 0 "$(printf '\033')\[0;37;40m" ""
	expect "the text screen: ends below the last screen, which stays" 0 "$(printf '\033')\[\?25h" ""
	if grep -q "^SeaBIOS (version" "$T/screen.txt" && grep -q "^No bootable device" "$T/screen.txt"; then
		ok "--screendump: the banner and 'No bootable device'"; else
		not_ok "--screendump: the banner and 'No bootable device'" "$(head -c 300 "$T/screen.txt")"; fi
	n=$(wc -l <"$T/screen.txt")
	if [ "$n" = 25 ] && ! grep -q ' $' "$T/screen.txt"; then ok "--screendump: 25 lines, trailing spaces trimmed"
	else not_ok "--screendump: 25 lines, trailing spaces trimmed" "$n lines"; fi
	pty "keys to the PS/2 keyboard" -I 1500 -i 'aA\e[A\x03\e[15~q' -- "$VMM" -b "$GUESTS/scancodes.bin" \
		--debugcon "$T/keys.txt"
	expect "keys typed on a terminal reach the PS/2 keyboard" 0 "" ""
	if tr '\n' ' ' <"$T/keys.txt" | grep -q "ready 1e 9e 2a 1e 9e aa e0 48 e0 c8 1d 2e ae 9d 3f bf 10 90 scancodes: done"; then
		ok "keys become set 1 scan codes: a, A, Up, Ctrl-C, F5, q"; else
		not_ok "keys become set 1 scan codes" "$(tr '\n' ' ' <"$T/keys.txt")"; fi
	# One word each: a frame may split a line where an unchanged blank cell is skipped, so
	# "Press ESC" can reach the terminal as "Press", a cursor move, "ESC ...".
	pty "Esc opens the boot menu" -w "ESC" -i '\e' -w "Select" -D 300 -i '\x01x' -- \
		"$VMM" --boot-menu --screendump "$T/menu.txt"
	expect "Esc at 'Press ESC for boot menu' opens SeaBIOS's menu; Ctrl-A x then quits" 0 "" ""
	if grep -q "^Select boot device:" "$T/menu.txt"; then ok "the boot menu is on the screen dump"
	else not_ok "the boot menu is on the screen dump" "$(grep -v '^$' "$T/menu.txt" | head -n 5)"; fi
	pty "graphics mode" -k 2000 -- "$VMM" -b "$GUESTS/graphics.bin"
	expect "a graphics mode: vmm says so and runs on" 143 "switched to a graphics mode" ""
	n=$(grep -c "switched to a graphics mode" "$T/out")
	if [ "$n" = 1 ]; then ok "a graphics mode is mentioned once"; else
		not_ok "a graphics mode is mentioned once" "$n times"; fi
	pty "resized terminal" -W 300 -- "$VMM" --screendump "$T/screen.txt"
	expect "a terminal resized while SeaBIOS runs: boots to its end" 0 "" ""
	pty "hostile guest on a terminal" -- "$VMM" -b "$GUESTS/hostile.bin" --debugcon "$T/log.txt"
	expect "hostile guest on the text screen: nonsense in every VGA register" 0 "" ""
	timeout -s KILL "$LIMIT" "$PTYRUN" -H 500 -- "$VMM" -b "$GUESTS/spin.bin" >"$T/out" 2>"$T/err"
	rc=$?
	expect "a terminal that hangs up: SIGHUP stops vmm (129), no crash" 129 "" ""
else
	not_ok "terminal tests" "no ptyrun beside $VMM"
fi

# --- hostile guests ------------------------------------------------------------------------
run -b "$GUESTS/hostile.bin"
expect "hostile guest (string I/O floods, ROM writes, unmapped MMIO) cannot hurt vmm" 0 \
	"^survived" "$RESET"
expect_absent "hostile guest: the ROM stays read-only" out "ROM CHANGED"
run --no-seccomp -b "$GUESTS/hostile.bin"
expect "hostile guest without seccomp" 0 "^survived" "$RESET"

# run_for SECS ARGS...: like run, but SIGTERM after SECS seconds (status 143 then).
run_for() {
	secs=$1
	shift
	timeout -s KILL "$LIMIT" "$VMM" "$@" >"$T/out" 2>"$T/err" </dev/null &
	pid=$!
	(sleep "$secs"; kill -TERM $pid 2>/dev/null) &
	killer=$!
	wait $pid
	rc=$?
	kill $killer 2>/dev/null
	wait $killer 2>/dev/null
}
# Random bytes as BIOS images of every size: vmm ends with a reason (0, 1, 3) or is stopped
# by our SIGTERM (143); it never dies of a signal of its own.
for kib in 64 128 192 1024 16384; do
	for i in 1; do
		head -c $((kib * 1024)) /dev/urandom >"$T/random.bin"
		run_for 2 -b "$T/random.bin"
		case $rc in
		0 | 1 | 3 | 143)
			if grep -q "Sanitizer\|runtime error" "$T/err"; then
				not_ok "random ${kib} KiB image #$i" "sanitizer report"
			else ok "random ${kib} KiB image #$i: status $rc"; fi ;;
		*) not_ok "random ${kib} KiB image #$i" "status $rc" ;;
		esac
	done
done
rm -f "$T/random.bin"

# --- seccomp --------------------------------------------------------------------------------
run -d 1
expect "-d 1: the seccomp filter is installed before the guest runs" 0 "" "seccomp filter installed"
run --no-seccomp -d 1
expect "--no-seccomp boots without the filter" 0 "$NOBOOT" "running"
expect_absent "--no-seccomp: no filter" err "seccomp filter installed"

# --- disks: IDE hard disks and the ATAPI CD-ROM --------------------------------------------
# sector N (1-based) of FILE, up to its first NUL or newline
sector() { dd if="$1" bs=512 skip=$(($2 - 1)) count=1 2>/dev/null | tr '\000' '\n' | head -n 1; }
# boot_sector OPTION IMAGE DRIVE BOOTS READS: tests/disks/bootsector.S from IMAGE given with
# OPTION starts as BIOS drive DRIVE, reads sector 2 and writes sector 3 into the file.
boot_sector() {
	run "$1" "$2"
	expect "$1: SeaBIOS boots $4" 0 "boot sector: drive $3" "$RESET"
	expect "$1: the boot sector reads $5" 0 "sector two says hello" ""
	expect "$1: the boot sector's write succeeds" 0 "write ok" ""
	if [ "$(sector "$2" 3)" = "written by the boot sector" ]; then ok "$1: the written sector is in the image"
	else not_ok "$1: the written sector is in the image" "sector 3: $(sector "$2" 3)"; fi
}
# untouched NAME COPY ORIGINAL: COPY, made from ORIGINAL, must still be the same bytes
untouched() {
	if cmp -s "$3" "$2"; then ok "$1"; else not_ok "$1" "it changed"; fi
}
cp "$DISKS/hd.img" "$T/hd.img"
boot_sector --hda "$T/hd.img" 80 "the boot sector from the hard disk" "the sector the test put there"
run -d 1 --hda "$T/hd.img"
expect "--hda: SeaBIOS sees an ATA disk" 0 "ata0-0: VMM HARDDISK ATA-7 Hard-Disk \(1 MiBytes\)" ""
cp "$DISKS/hd.img" "$T/snap.img"
run --snapshot --hda "$T/snap.img"
expect "--snapshot: the guest writes" 0 "write ok" ""
untouched "--snapshot: the image file is untouched" "$T/snap.img" "$DISKS/hd.img"
run --hda-ro "$T/snap.img"
expect "--hda-ro: the guest's write fails" 0 "write failed" ""
untouched "--hda-ro: the image file is untouched" "$T/snap.img" "$DISKS/hd.img"
# a second vmm on an image in use
"$VMM" --hda "$T/hd.img" -b "$GUESTS/spin.bin" >/dev/null 2>&1 </dev/null &
holder=$!
sleep 1
run --hda "$T/hd.img"
expect "a disk image in use by another vmm: refused at once, named" 1 "" "hd.img is in use"
run --snapshot --hda "$T/hd.img"
expect "--snapshot of an image another vmm writes: refused too" 1 "" "hd.img is in use"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
# bad images: a message naming the file, status 1, before the guest starts
: >"$T/empty.img"
head -c 1000 /dev/zero >"$T/odd.img"
head -c 65536 /dev/zero >"$T/notiso.iso"
for bad in "--hda $T/missing.img:missing.img: No such file" "--hda $T/empty.img:empty.img: it is empty" \
	"--hdb $T:$T: Is a directory" "--hdb-ro $T:$T: not a regular file" \
	"--hdc $T/odd.img:odd.img: its size .1000 bytes. is not a multiple of 512" \
	"--cdrom $T/notiso.iso:notiso.iso: not an ISO 9660" "--cdrom $T/odd.img:odd.img: its size"; do
	args=${bad%%:*}
	# shellcheck disable=SC2086 # split on purpose
	run $args
	expect "bad disk: $args" 1 "" "${bad#*:}"
	expect_absent "bad disk: $args: the guest never starts" out "SeaBIOS"
done
run --boot x --hda "$T/hd.img"
expect "--boot x: usage error" 2 "" "invalid boot order"
run --hda
expect "--hda without a file: usage error" 2 "" "needs an argument"
# the floppy drive: the same boot sector from --fda, through the 82077AA and ISA DMA
cp "$DISKS/fd.img" "$T/fd.img"
boot_sector --fda "$T/fd.img" 00 "the floppy" "the next sector"
cp "$DISKS/fd.img" "$T/fd-ro.img"
run --fda-ro "$T/fd-ro.img"
expect "--fda-ro: the floppy is write-protected, the guest's write fails" 0 "write failed" ""
untouched "--fda-ro: the image file is untouched" "$T/fd-ro.img" "$DISKS/fd.img"
run --fda "$T/hd.img"
expect "--fda with an image of no floppy's size: refused, named" 1 "" "hd.img: 1048576 bytes is not a floppy's size"
run --hda "$T/hd.img" --fda "$T/fd.img" --boot ac
expect "--boot ac: the floppy boots before the hard disk" 0 "boot sector: drive 00" ""
# El Torito floppy emulation from the CD-ROM; --boot picks the CD over the hard disk
run --cdrom "$DISKS/fdemu.iso"
expect "--cdrom: El Torito floppy emulation boots the boot sector as drive 00" 0 "boot sector: drive 00" ""
expect "--cdrom: floppy emulation reads the next sector" 0 "sector two says hello" ""
run --hda "$T/hd.img" --cdrom "$DISKS/fdemu.iso"
expect "--hda with --cdrom: the hard disk boots first" 0 "boot sector: drive 80" ""
run --hda "$T/hd.img" --cdrom "$DISKS/fdemu.iso" --boot dc
expect "--boot dc: the CD-ROM boots first" 0 "boot sector: drive 00" ""
run --hdc "$T/hd.img" --cdrom "$DISKS/fdemu.iso" -d 1
expect "--hdc with --cdrom: the CD-ROM is the secondary slave" 0 "ata1-1: VMM ATAPI CD-ROM" ""

# Linux from the disks (release build only: each is a whole Linux boot)
if [ "$LABEL" = release ] && [ -f "$DISKS/linux.img" ]; then
	cp "$DISKS/linux.img" "$T/linux.img"
	LIMIT=400 run -c 2 --hda "$T/linux.img"
	expect "syslinux disk: Linux reaches userspace" 0 "linux-guest: userspace up" ""
	expect "syslinux disk, -c 2: Linux has 2 CPUs online (from the ACPI MADT)" 0 \
		"linux-guest: cpus: 2, online 0-1" ""
		expect "syslinux disk: ata_piix finds the disk, with multiword DMA" 0 "linux-guest: ata1.00: ATA-7: VMM HARDDISK, .*, max MWDMA2" ""
	expect "syslinux disk: Linux reads the last sector" 0 "sda last sector: the last sector, for linux to read" ""
	expect "syslinux disk: Linux writes and reboots" 0 "linux-guest: sda written" ""
	if [ "$(sector "$T/linux.img" 98303)" = "written by linux" ]; then ok "syslinux disk: Linux's write is in the image"
	else not_ok "syslinux disk: Linux's write is in the image" "sector: $(sector "$T/linux.img" 98303)"; fi
	LIMIT=400 run -c 4 --cdrom "$DISKS/linux.iso"
	expect "isolinux CD: Linux reaches userspace" 0 "linux-guest: userspace up" ""
	expect "isolinux CD, -c 4: Linux has 4 CPUs online" 0 "linux-guest: cpus: 4, online 0-3" ""
	expect "isolinux CD: ata_piix finds the ATAPI CD-ROM" 0 "linux-guest: ata2.00: ATAPI: VMM ATAPI CD-ROM" ""
	expect "isolinux CD: sr_mod reads the CD" 0 "sr0 volume descriptor: CD001" ""
fi

# --- debug levels ---------------------------------------------------------------------------
run -d 1
expect "-d 1 shows setup steps" 0 "" "KVM_CREATE|opened /dev/kvm"
expect "-d 1 shows the memory map" 0 "" "slot [0-9]+: guest 0x0fffe0000-0x0ffffffff BIOS image \(read-only\)"
expect_absent "-d 1 does not show exits" err "exit: "
run -d 2
expect "-d 2 shows unhandled ports" 0 "" "unhandled port (read|write) 0x"
run -d 3
expect "-d 3 shows every exit" 0 "" "exit: vCPU 0 (in|out) port 0x0402"

# --- no /dev/kvm --------------------------------------------------------------------------
if command -v unshare >/dev/null; then
	timeout -s KILL "$LIMIT" unshare -m sh -c \
		'mount -t tmpfs none /dev && exec "$0"' "$VMM" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	expect "no /dev/kvm: the message names it" 1 "" "/dev/kvm.*No such file"
	timeout -s KILL "$LIMIT" unshare -m sh -c \
		'mount --bind /dev/null /dev/kvm && exec "$0"' "$VMM" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	expect "/dev/kvm that is not KVM: clear message" 1 "" "KVM API|/dev/kvm"
else
	not_ok "no /dev/kvm" "unshare is not available to hide /dev/kvm"
fi

echo "# kvm tests $LABEL: $pass ok, $fail not ok"
[ "$fail" = 0 ]
