/* MC146818A real-time clock and CMOS RAM (index port 0x70, data port 0x71 on the PC):
 * the guest's calendar clock with its periodic, alarm and update-ended interrupts (IRQ 8),
 * and the bytes a BIOS reads to learn the memory size and CPU count. */
#ifndef DEVICES_CMOS_H
#define DEVICES_CMOS_H

#include "../core/bus.h"
#include "../core/irq.h"
#include "../core/timer.h"

/* Registers (MC146818A datasheet; IBM AT and PS/2 technical references for the rest). */
enum {
	RTC_SECONDS = 0x00,
	RTC_SECONDS_ALARM = 0x01,
	RTC_MINUTES = 0x02,
	RTC_MINUTES_ALARM = 0x03,
	RTC_HOURS = 0x04,
	RTC_HOURS_ALARM = 0x05,
	RTC_WEEKDAY = 0x06,
	RTC_DAY = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	CMOS_EQUIPMENT = 0x14,
	CMOS_BASE_KB = 0x15, /* and 0x16 */
	CMOS_EXT_KB = 0x17,  /* and 0x18: KiB above 1 MiB */
	CMOS_EXT_KB2 = 0x30, /* and 0x31: the same, for BIOSes that read this copy */
	RTC_CENTURY = 0x32,
	CMOS_MEM_ABOVE_16M = 0x34, /* and 0x35: 64 KiB units */
	RTC_CENTURY_PS2 = 0x37,	   /* IBM PS/2: an alias of 0x32 */
	CMOS_BOOT_FLAG1 = 0x38,
	CMOS_BOOT_FLAG2 = 0x3d,
	CMOS_MEM_ABOVE_4G = 0x5b, /* 0x5b-0x5d: 64 KiB units */
	CMOS_CPUS_MINUS_1 = 0x5f,
};

#define REG_A_UIP     0x80 /* update in progress */
#define REG_A_DIVIDER 0x70 /* 010: 32.768 kHz time base running; 11x: divider held in reset */
#define REG_A_RATE    0x0f /* periodic interrupt rate select */
#define REG_B_SET     0x80 /* updates stopped: the guest is setting the clock */
#define REG_B_PIE     0x40
#define REG_B_AIE     0x20
#define REG_B_UIE     0x10
#define REG_B_BINARY  0x04
#define REG_B_24H     0x02
#define REG_C_IRQF    0x80
#define REG_C_PF      0x40 /* periodic */
#define REG_C_AF      0x20 /* alarm */
#define REG_C_UF      0x10 /* update ended */
#define REG_D_VRT     0x80

/* The time registers are meaningful in ram[] only while the clock is stopped (SET held or
 * the divider in reset); otherwise reads compute them from the machine clock. */
struct cmos {
	uint8_t index;
	bool nmi_disabled;
	uint8_t ram[128];
	int64_t epoch_s;	/* the guest clock read epoch_s (seconds since 1970) ... */
	int64_t epoch_ns;	/* ... at this machine time (ns); seconds tick from there */
	uint64_t flags_checked; /* machine time up to which PF, AF and UF are accounted */
	struct timer timer;	/* next interrupt an enabled source will raise */
	struct irq_line irq;
};

extern const struct io_ops cmos_ops;
void cmos_init(struct cmos *c, unsigned irq, uint64_t ram_below_4g, uint64_t ram_above_4g,
	       unsigned ncpus);
/* The device timer's callback (registered by the board). */
void cmos_timer_expired(void *dev, uint64_t now);
uint8_t cmos_read(struct cmos *c, uint8_t reg);
void cmos_write(struct cmos *c, uint8_t reg, uint8_t value);

#endif
