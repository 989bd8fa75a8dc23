# vmm: one static musl binary. `make` builds ./vmm, `make test` runs the whole suite,
# `make run` boots it (in a throw-away KVM-capable guest if this host has no /dev/kvm).

BIOS ?= /usr/share/seabios/bios.bin
CC := musl-gcc
SAN_CC ?= clang
CFLAGS ?= -O2
WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 -Wno-format-nonliteral
CPPFLAGS := -D_GNU_SOURCE
UAPI := build/uapi

SRCS := vmm.c $(wildcard devices/*.c)
DEVICES := $(wildcard devices/*.c)
HDRS := vmm.h

# Debian packages the build needs, and the files that show they are there.
DEB_PKGS := musl-tools seabios linux-libc-dev
DEB_FILES := /usr/bin/musl-gcc /usr/share/seabios/bios.bin /usr/include/linux/kvm.h

.PHONY: all deps guests test run bench fuzz fuzz-long format clean

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

# Rebuild when BIOS= names another image, not only when the image changes.
build/bios-path: FORCE
	@mkdir -p build
	@echo '$(BIOS)' | cmp -s - $@ || echo '$(BIOS)' >$@
FORCE:

vmm: $(SRCS) $(HDRS) bios.S linker.ld $(UAPI)/.done $(BIOS) build/bios-path
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -isystem $(UAPI) -static -s \
	  -DBIOS_PATH='"$(BIOS)"' -Wl,-T,linker.ld -Wl,-z,noexecstack \
	  -o $@ $(SRCS) bios.S

# The same program with AddressSanitizer and UndefinedBehaviorSanitizer (glibc, dynamic).
build/vmm-asan: $(SRCS) $(HDRS) bios.S linker.ld | deps
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all -DVMM_SANITIZED \
	  -DBIOS_PATH='"$(BIOS)"' -Wl,-T,linker.ld -o $@ $(SRCS) bios.S

# The static build with debug info and without optimisation tricks, for valgrind.
build/vmm-valgrind: $(SRCS) $(HDRS) bios.S linker.ld $(UAPI)/.done
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g -isystem $(UAPI) -static -DBIOS_PATH='"$(BIOS)"' \
	  -Wl,-T,linker.ld -Wl,-z,noexecstack -o $@ $(SRCS) bios.S

# Device-model unit tests: no KVM needed.
build/unit: tests/unit.c $(DEVICES) $(HDRS)
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -o $@ tests/unit.c $(DEVICES)

build/unit-asan: tests/unit.c $(DEVICES) $(HDRS)
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fno-omit-frame-pointer \
	  -fsanitize=address,undefined -fno-sanitize-recover=all -o $@ tests/unit.c $(DEVICES)

# Hand-assembled test BIOS images (64 KiB each).
GUESTS := $(patsubst tests/guests/%.S,build/guests/%.bin,$(wildcard tests/guests/*.S))
guests: $(GUESTS)
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

format:
	clang-format -i vmm.c vmm.h devices/*.c tests/*.c $(wildcard fuzz/*.c)

clean:
	rm -rf build vmm

# vmm.c's host-side paths (options, image checks, seccomp), without main().
build/core-test: tests/core-test.c vmm.c $(HDRS)
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -DVMM_NO_MAIN -o $@ tests/core-test.c vmm.c
build/core-test-asan: tests/core-test.c vmm.c $(HDRS)
	@mkdir -p build
	$(SAN_CC) $(CPPFLAGS) $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -DVMM_SANITIZED -DVMM_NO_MAIN -o $@ tests/core-test.c vmm.c

# libFuzzer targets: one per device model, the whole port bus, and the option/image paths.
FUZZ_DEVICES := cmos pci fw_cfg i8042 uart sysctl debugcon bus
FUZZ_BINS := $(patsubst %,build/fuzz/fuzz-%,$(FUZZ_DEVICES)) build/fuzz/fuzz-args
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz: $(FUZZ_BINS)
build/fuzz/fuzz-args: fuzz/fuzz_args.c vmm.c $(HDRS)
	@mkdir -p build/fuzz
	$(SAN_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -DVMM_SANITIZED -DVMM_NO_MAIN -o $@ fuzz/fuzz_args.c vmm.c
build/fuzz/fuzz-%: fuzz/fuzz_io.c $(DEVICES) $(HDRS)
	@mkdir -p build/fuzz
	$(SAN_CC) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -DFUZZ_DEVICE_$* -o $@ fuzz/fuzz_io.c $(DEVICES)
# At least a million executions of each target, from the seed corpora.
fuzz-long: fuzz
	tests/fuzz.sh -runs=1000000
