# vmm: one static musl binary. `make` builds ./vmm, `make test` runs the whole suite,
# `make run` boots it (in a throw-away KVM-capable guest if this host has no /dev/kvm).

BIOS ?= /usr/share/seabios/bios.bin
VGABIOS ?= /usr/share/seabios/vgabios-isavga.bin
CC := musl-gcc
SAN_CC ?= clang
CFLAGS ?= -Os -fno-asynchronous-unwind-tables -fno-unwind-tables
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wno-format-nonliteral
CPPFLAGS := -D_GNU_SOURCE
UAPI := build/uapi

DEVICES := $(wildcard devices/*.c)
CORE := $(wildcard core/*.c)
SRCS := vmm.c $(CORE) $(DEVICES)
HDRS := vmm.h $(wildcard core/*.h devices/*.h)
# What the device tests and fuzzers link: the devices on the board, without KVM or a terminal.
MACHINE := $(DEVICES) core/acpi.c core/block.c core/board.c core/bus.c core/irq.c core/timer.c core/keyboard.c core/screen.c \
	tests/fake_machine.c
FAKE_CONSOLE := tests/fake_console.c

# Debian packages the build needs, and the files that show they are there.
DEB_PKGS := musl-tools seabios linux-libc-dev
DEB_FILES := /usr/bin/musl-gcc /usr/share/seabios/bios.bin /usr/include/linux/kvm.h

.PHONY: all deps guests test run bench fuzz fuzz-long format clean install

all: vmm

deps:
	@missing=""; for f in $(DEB_FILES); do [ -e $$f ] || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing build dependencies: $(DEB_PKGS)"; \
	    (apt-get install -y -q $(DEB_PKGS) >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null && apt-get install -y -q $(DEB_PKGS) >/dev/null)) || exit 1; \
	  else \
	    echo "missing build dependencies; run: sudo apt-get install $(DEB_PKGS)"; exit 1; \
	  fi; \
	fi

# musl-gcc must not see glibc's /usr/include: give it just the kernel's UAPI headers.
$(UAPI)/.done: | deps
	mkdir -p $(UAPI)
	ln -sfn /usr/include/linux $(UAPI)/linux
	ln -sfn /usr/include/asm-generic $(UAPI)/asm-generic
	ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(UAPI)/asm
	touch $@

# The embedded image gets the checks -b applies: a regular file of 64 KiB to 16 MiB, a multiple
# of 64 KiB. The stamp also rebuilds vmm when BIOS= or VGABIOS= names another image.
build/bios-path: FORCE | deps
	@mkdir -p build
	@if [ ! -f '$(BIOS)' ]; then echo "make: BIOS image $(BIOS) is not a regular file"; exit 1; fi; \
	size=$$(stat -L -c %s '$(BIOS)'); \
	if [ $$size -lt 65536 ] || [ $$size -gt 16777216 ]; then \
	  echo "make: BIOS image $(BIOS) must be 64 KiB to 16 MiB (size $$size bytes)"; exit 1; fi; \
	if [ $$((size % 65536)) != 0 ]; then \
	  echo "make: BIOS image $(BIOS) is not a multiple of 64 KiB (size $$size bytes)"; exit 1; fi
	@echo '$(BIOS) $(VGABIOS)' | cmp -s - $@ || echo '$(BIOS) $(VGABIOS)' >$@
FORCE:

vmm: $(SRCS) $(HDRS) bios.S linker.ld $(UAPI)/.done build/bios-path $(wildcard $(BIOS)) \
  $(wildcard $(VGABIOS))
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -isystem $(UAPI) -static -s \
	  -DBIOS_PATH='"$(BIOS)"' -DVGABIOS_PATH='"$(VGABIOS)"' -Wl,-T,linker.ld -Wl,-z,noexecstack \
	  -o $@ $(SRCS) bios.S

# The same program with AddressSanitizer and UndefinedBehaviorSanitizer (glibc, dynamic).
build/vmm-asan: $(SRCS) $(HDRS) bios.S linker.ld build/bios-path $(wildcard $(BIOS) $(VGABIOS)) | deps
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fno-omit-frame-pointer -pthread \
	  -fsanitize=address,undefined -fno-sanitize-recover=all -DVMM_SANITIZED \
	  -DVMM_LEAK_CHECK -DBIOS_PATH='"$(BIOS)"' -DVGABIOS_PATH='"$(VGABIOS)"' -Wl,-T,linker.ld -o $@ $(SRCS) bios.S

# ThreadSanitizer: the vCPU threads, the I/O thread and the output thread of the real
# program, for the KVM tests with several vCPUs.
build/vmm-tsan: $(SRCS) $(HDRS) bios.S linker.ld build/bios-path $(wildcard $(BIOS) $(VGABIOS)) | deps
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fno-omit-frame-pointer -pthread -fsanitize=thread \
	  -DVMM_SANITIZED -DBIOS_PATH='"$(BIOS)"' -DVGABIOS_PATH='"$(VGABIOS)"' -Wl,-T,linker.ld \
	  -o $@ $(SRCS) bios.S

# The static build with debug info and without optimisation tricks, for valgrind.
build/vmm-valgrind: $(SRCS) $(HDRS) bios.S linker.ld $(UAPI)/.done build/bios-path \
  $(wildcard $(BIOS) $(VGABIOS))
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g -isystem $(UAPI) -static -DBIOS_PATH='"$(BIOS)"' -DVGABIOS_PATH='"$(VGABIOS)"' \
	  -Wl,-T,linker.ld -Wl,-z,noexecstack -o $@ $(SRCS) bios.S

# Device-model unit tests: no KVM needed.
build/unit: tests/unit.c $(MACHINE) $(FAKE_CONSOLE) $(HDRS) tests/fake_machine.h
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -o $@ tests/unit.c $(MACHINE) $(FAKE_CONSOLE)

build/unit-asan: tests/unit.c $(MACHINE) $(FAKE_CONSOLE) $(HDRS) tests/fake_machine.h
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ tests/unit.c $(MACHINE) \
	  $(FAKE_CONSOLE)

# The threads without KVM: a fake vCPU thread and the real I/O thread, console and timers
# hammering the devices together, under ThreadSanitizer.
THREAD_TEST := tests/thread-test.c $(MACHINE) core/console.c core/event.c
build/thread-test-tsan: $(THREAD_TEST) $(HDRS) tests/fake_machine.h
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fsanitize=thread -pthread -o $@ $(THREAD_TEST)
build/unit-tsan: tests/unit.c $(MACHINE) $(FAKE_CONSOLE) $(HDRS) tests/fake_machine.h
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fsanitize=thread -pthread -o $@ tests/unit.c \
	  $(MACHINE) $(FAKE_CONSOLE)

# Hand-assembled test BIOS images (64 KiB each).
GUESTS := $(patsubst tests/guests/%.S,build/guests/%.bin,$(wildcard tests/guests/*.S))
guests: $(GUESTS) build/disks/bootsector.bin
# The boot sector of the disk tests: loaded at 0x7c00, 512 bytes.
build/disks/bootsector.bin: tests/disks/bootsector.S
	@mkdir -p build/disks
	gcc -c -o build/disks/bootsector.o $<
	ld -Ttext=0x7c00 -e start --oformat=binary -o $@ build/disks/bootsector.o
build/guests/%.bin: tests/guests/%.S tests/guests/guest.h
	@mkdir -p build/guests
	gcc -c -o build/guests/$*.o $<
	ld -Ttext=0 -e 0 --oformat=binary -o $@ build/guests/$*.o

test:
	./test.sh

run: vmm
	tests/run-vmm.sh ./vmm $(ARGS)

bench: vmm
	tests/bench.sh

build/measure: tests/measure.c $(UAPI)/.done
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(WARN) -O2 -static -o $@ tests/measure.c

FORMATTED = vmm.c vmm.h core/*.[ch] devices/*.[ch] tests/*.[ch] $(wildcard fuzz/*.c)
format:
	clang-format -i $(FORMATTED)

clean:
	rm -rf build vmm

# The host-side paths: options, image checks, the seccomp filter.
CORE_TEST := tests/core-test.c core/options.c core/sandbox.c core/console.c core/event.c \
	tests/fake_machine.c
build/core-test: $(CORE_TEST) $(HDRS)
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -pthread -o $@ $(CORE_TEST)
build/core-test-asan: $(CORE_TEST) $(HDRS)
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -pthread -fsanitize=address,undefined \
	  -fno-sanitize-recover=all -DVMM_SANITIZED -DVMM_LEAK_CHECK -o $@ $(CORE_TEST)

# libFuzzer targets: one per device model, the whole port bus, and the option/image paths.
FUZZ_DEVICES := cmos pci fw_cfg i8042 uart sysctl debugcon vga ide fdc bus
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz-%,$(FUZZ_DEVICES)) build/fuzz/fuzz-args \
  build/fuzz/fuzz-keys
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: $(FUZZ_BINS)
build/fuzz/fuzz-args: fuzz/fuzz_args.c core/options.c $(HDRS)
	@mkdir -p build/fuzz
	$(SAN_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_args.c core/options.c
build/fuzz/fuzz-keys: fuzz/fuzz_keys.c $(MACHINE) $(FAKE_CONSOLE) $(HDRS) tests/fake_machine.h
	@mkdir -p build/fuzz
	$(SAN_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -o $@ fuzz/fuzz_keys.c $(MACHINE) $(FAKE_CONSOLE)
build/fuzz/fuzz-%: fuzz/fuzz_io.c $(MACHINE) $(FAKE_CONSOLE) $(HDRS) tests/fake_machine.h
	@mkdir -p build/fuzz
	$(SAN_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -DFUZZ_DEVICE_$* -o $@ fuzz/fuzz_io.c \
	  $(MACHINE) $(FAKE_CONSOLE)
# At least a million executions of each target, from the seed corpora.
fuzz-long: fuzz
	tests/fuzz.sh -runs=1000000

# Runs a command on a pseudo-terminal (a slow one, or with keys typed): for the KVM tests.
build/ptyrun: tests/ptyrun.c $(UAPI)/.done
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(WARN) -O2 -static -o $@ tests/ptyrun.c

# make install PREFIX=/usr/local (DESTDIR for staging): the binary and its manual page.
PREFIX ?= /usr/local
install: vmm vmm.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0755 vmm $(DESTDIR)$(PREFIX)/bin/vmm
	install -m 0644 vmm.1 $(DESTDIR)$(PREFIX)/share/man/man1/vmm.1
