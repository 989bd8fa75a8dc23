/* vmm: a legacy x86 PC on Linux KVM. What every part of the program shares: exit statuses,
 * logging, and the few things a device model may ask of the machine around it. Those are
 * implemented by vmm.c and core/ in the real program, and by tests/fake_machine.c in the
 * unit tests and fuzzers, so the device models run without KVM. */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_VERSION "0.2.0"

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses, documented in --help and the README. */
enum vmm_exit {
	EXIT_GUEST_DONE = 0,   /* the guest asked for a reset or power-off */
	EXIT_ERROR = 1,	       /* bad input file, KVM or host failure, emulation failure */
	EXIT_USAGE = 2,	       /* bad command line */
	EXIT_TRIPLE_FAULT = 3, /* the guest crashed the CPU (triple fault) */
	EXIT_SECCOMP = 4,      /* a forbidden system call was attempted */
	EXIT_SIGNAL_BASE = 128 /* stopped by signal N: 128 + N */
};

/* ---- logging (core/console.c) -------------------------------------------------------------- */

/* 0 errors only, 1 each setup step, 2 unhandled accesses, 3 every exit */
extern int debug_level;

/* One message on standard error, prefixed "vmm: ". */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define debug(level, ...)                                                                          \
	do {                                                                                       \
		if (debug_level >= (level))                                                        \
			log_msg(__VA_ARGS__);                                                      \
	} while (0)

/* ---- what a device model may ask of the machine ----------------------------------------------
 * Device models run with the machine lock held (one lock for all of them), on a vCPU thread
 * (port and MMIO exits) or on the I/O thread (timers, input). */

void machine_lock(void);
void machine_unlock(void);

/* Drive interrupt line gsi of the in-kernel PIC and IOAPIC (level 1 = asserted). Devices use
 * the irq_line helpers of core/irq.h, which call this only when the level changes. */
void machine_set_irq(unsigned gsi, int level);

/* The guest asked for a system reset; vmm stops (QEMU's -no-reboot). */
void machine_request_reset(const char *why);

/* Stop the machine from any thread: every vCPU leaves KVM_RUN, the guest's output is written
 * out, the reason is printed (prefixed "vmm: ") and vmm exits with status. The first call
 * wins; later ones are ignored. */
void machine_stop(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Guest RAM for devices that move data themselves (fw_cfg DMA, disk controllers): copy
 * between guest-physical [gpa, gpa + len) and buf. False, and nothing copied, unless all of
 * it is RAM. */
bool machine_read_ram(uint64_t gpa, void *buf, size_t len);
bool machine_write_ram(uint64_t gpa, const void *buf, size_t len);

/* Apply the port writes KVM has batched (see core/board.c), before looking at a device's
 * state from outside a VM exit. Machine lock held. */
void machine_flush_batched(void);

/* The i440FX's PAM registers changed: map 0xc0000-0xfffff as they now say. */
void machine_pam_changed(void);

/* The machine clock: nanoseconds, monotonic, starting anywhere. Device timers use it. */
uint64_t clock_ns(void);
/* The host's wall clock, nanoseconds since the Unix epoch (the RTC starts from it). */
int64_t clock_wall_ns(void);

/* Character streams between the guest and the outside world. A device writes what the
 * guest sends; core/console.c keeps a line buffer per stream, so lines stay whole when
 * streams interleave, and routes each to its output. */
enum stream_id {
	STREAM_DEBUGCON, /* the BIOS debug log, port 0x402 */
	STREAM_COM1,	 /* the first serial port */
	STREAM_KEYBOARD, /* keys typed on the terminal, to the PS/2 keyboard (input only) */
	STREAM_COUNT
};
void stream_write(unsigned stream, const void *buf, size_t len);
/* A device's receiver has room again (the guest read from it): deliver pending input. */
void stream_input_wanted(unsigned stream);

#endif
