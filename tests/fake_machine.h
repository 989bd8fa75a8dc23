/* The machine around the device models, faked for unit tests, the thread test and the
 * fuzzers: interrupt lines, resets and PAM changes are recorded; the clock is the test's. */
#ifndef TESTS_FAKE_MACHINE_H
#define TESTS_FAKE_MACHINE_H

#include "../vmm.h"

#define FAKE_GSIS 24

extern uint64_t fake_now;    /* clock_ns() */
extern int64_t fake_wall;    /* clock_wall_ns() */
extern bool fake_real_clock; /* use the host's clocks instead */
extern int fake_irq_level[FAKE_GSIS];
extern unsigned fake_irq_raised[FAKE_GSIS]; /* rising edges the chip saw */
extern unsigned fake_resets, fake_pam_changes, fake_stops;
extern int fake_stop_status;
#define FAKE_RAM_SIZE ((size_t)2 * 1024 * 1024)
extern uint8_t fake_ram[FAKE_RAM_SIZE]; /* guest RAM from address 0, for DMA */

void fake_machine_reset(void);

/* tests/fake_console.c: what the guest sent on each stream, and input requests. */
extern char fake_stream[STREAM_COUNT][8192];
extern size_t fake_stream_len[STREAM_COUNT];
extern unsigned fake_input_wanted[STREAM_COUNT];
void fake_console_reset(void);

#endif
