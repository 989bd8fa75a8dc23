/* MC146818A RTC and CMOS RAM. The guest clock is the machine clock plus an epoch the guest
 * may move; interrupt flags are worked out from elapsed time when they matter (a register
 * read, a timer), so an idle RTC costs nothing. References: MC146818A datasheet (register
 * A/B/C semantics, update cycle timing), SeaBIOS hw/rtc.c and clock.c (what a BIOS needs). */
#include "cmos.h"

#include <string.h>

#define NS		   1000000000LL
#define UIP_LEAD_NS	   244000  /* UIP rises 244 us before an update ... */
#define UPDATE_NS	   1984000 /* ... which takes 1984 us at 32.768 kHz */
#define NO_ALARM	   INT64_MAX
#define RTC_IRQ_SOURCES	   (REG_C_PF | REG_C_AF | REG_C_UF)
#define ALARM_DONT_CARE(v) (((v)&0xc0) == 0xc0)

/* ---- calendar arithmetic --------------------------------------------------------------- */

struct civil_time {
	int64_t year;
	int month, day, hour, minute, second, weekday; /* weekday 1 = Sunday, as the RTC counts */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, struct civil_time *t)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	t->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	t->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	t->year = yoe + era * 400 + (t->month <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void time_from_seconds(int64_t s, struct civil_time *t)
{
	int64_t days = floor_div(s, 86400);
	int64_t rem = s - days * 86400;
	civil_from_days(days, t);
	t->hour = (int)(rem / 3600);
	t->minute = (int)(rem / 60 % 60);
	t->second = (int)(rem % 60);
	int64_t wd = (days + 4) % 7; /* 1970-01-01 was a Thursday */
	t->weekday = (int)(wd < 0 ? wd + 7 : wd) + 1;
}

static int64_t seconds_from_time(const struct civil_time *t)
{
	return days_from_civil(t->year, t->month, t->day) * 86400 + (int64_t)t->hour * 3600 +
	       (int64_t)t->minute * 60 + t->second;
}

/* ---- register formats: BCD or binary, 12 or 24 hours (register B) -------------------------- */

static uint8_t encode(const struct cmos *c, int v)
{
	if (c->ram[RTC_REG_B] & REG_B_BINARY)
		return (uint8_t)v;
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static int decode(const struct cmos *c, uint8_t v)
{
	if (c->ram[RTC_REG_B] & REG_B_BINARY)
		return v;
	return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t encode_hours(const struct cmos *c, int hour)
{
	if (c->ram[RTC_REG_B] & REG_B_24H)
		return encode(c, hour);
	int h12 = hour % 12 == 0 ? 12 : hour % 12; /* midnight is 12 AM, noon 12 PM */
	return (uint8_t)(encode(c, h12) | (hour >= 12 ? 0x80 : 0));
}

static int decode_hours(const struct cmos *c, uint8_t v)
{
	if (c->ram[RTC_REG_B] & REG_B_24H)
		return decode(c, v);
	return decode(c, v & 0x7f) % 12 + ((v & 0x80) ? 12 : 0);
}

/* ---- the running clock --------------------------------------------------------------------- */

/* Updates stop while the guest holds SET or keeps the divider in reset (register A 11x). */
static bool divider_reset(const struct cmos *c)
{
	return (c->ram[RTC_REG_A] & 0x60) == 0x60;
}
static bool stopped(const struct cmos *c)
{
	return (c->ram[RTC_REG_B] & REG_B_SET) || divider_reset(c);
}

/* Whole seconds the guest clock has moved since its epoch (negative before it). */
static int64_t seconds_since_epoch(const struct cmos *c, uint64_t now)
{
	return floor_div((int64_t)now - c->epoch_ns, NS);
}
static int64_t guest_seconds(const struct cmos *c, uint64_t now)
{
	return c->epoch_s + seconds_since_epoch(c, now);
}
/* Nanoseconds into the current guest second. */
static int64_t phase_ns(const struct cmos *c, uint64_t now)
{
	return (int64_t)now - c->epoch_ns - seconds_since_epoch(c, now) * NS;
}

static bool is_time_register(uint8_t reg)
{
	return reg <= RTC_YEAR && reg != RTC_SECONDS_ALARM && reg != RTC_MINUTES_ALARM &&
	       reg != RTC_HOURS_ALARM;
}

static uint8_t clock_field(const struct cmos *c, const struct civil_time *t, uint8_t reg)
{
	switch (reg) {
	case RTC_SECONDS: return encode(c, t->second);
	case RTC_MINUTES: return encode(c, t->minute);
	case RTC_HOURS: return encode_hours(c, t->hour);
	case RTC_WEEKDAY: return encode(c, t->weekday);
	case RTC_DAY: return encode(c, t->day);
	case RTC_MONTH: return encode(c, t->month);
	case RTC_YEAR: return encode(c, (int)(((t->year % 100) + 100) % 100));
	default: return encode(c, (int)(((t->year / 100) % 100 + 100) % 100)); /* century */
	}
}

/* Copy the running time into the registers, where the guest sees and edits it while stopped. */
static void latch_time(struct cmos *c, uint64_t now)
{
	struct civil_time t;
	time_from_seconds(guest_seconds(c, now), &t);
	static const uint8_t regs[] = {RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_WEEKDAY,
				       RTC_DAY,	    RTC_MONTH,	 RTC_YEAR,  RTC_CENTURY};
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++)
		c->ram[regs[i]] = clock_field(c, &t, regs[i]);
}

/* Take the time registers together as the new guest time, phase ns into its first second. */
static void commit_time(struct cmos *c, uint64_t now, int64_t phase)
{
	struct civil_time t;
	int v;
	t.second = decode(c, c->ram[RTC_SECONDS]) % 60;
	t.minute = decode(c, c->ram[RTC_MINUTES]) % 60;
	t.hour = decode_hours(c, c->ram[RTC_HOURS]) % 24;
	v = decode(c, c->ram[RTC_DAY]);
	t.day = v < 1 ? 1 : v > 31 ? 31 : v;
	v = decode(c, c->ram[RTC_MONTH]);
	t.month = v < 1 ? 1 : v > 12 ? 12 : v;
	t.year = (int64_t)(decode(c, c->ram[RTC_CENTURY]) % 100) * 100 +
		 decode(c, c->ram[RTC_YEAR]) % 100;
	c->epoch_s = seconds_from_time(&t);
	c->epoch_ns = (int64_t)now - phase;
	c->flags_checked = now; /* the jump is not an update: no UF or AF for it */
}

/* The periodic interrupt's period in ns (register A rate select), 0 when off. */
static uint64_t periodic_ns(const struct cmos *c)
{
	unsigned rs = c->ram[RTC_REG_A] & REG_A_RATE;
	if (rs == 0 || divider_reset(c))
		return 0;
	if (rs <= 2)
		rs += 7; /* with a 32.768 kHz time base, rates 1 and 2 repeat rates 8 and 9 */
	return ((uint64_t)1 << (rs - 1)) * NS / 32768;
}

/* The first second after guest second s whose time matches the alarm, or NO_ALARM. A byte
 * with its two top bits set matches anything. */
static int64_t next_alarm(const struct cmos *c, int64_t s)
{
	uint8_t ah = c->ram[RTC_HOURS_ALARM], am = c->ram[RTC_MINUTES_ALARM];
	uint8_t as = c->ram[RTC_SECONDS_ALARM];
	int want_h = ALARM_DONT_CARE(ah) ? -1 : decode_hours(c, ah);
	int want_m = ALARM_DONT_CARE(am) ? -1 : decode(c, am);
	int want_s = ALARM_DONT_CARE(as) ? -1 : decode(c, as);
	if (want_h > 23 || want_m > 59 || want_s > 59)
		return NO_ALARM; /* never matches a valid time */
	int64_t day = floor_div(s, 86400);
	int64_t after = s - day * 86400; /* second of the day that must be passed */
	for (int d = 0; d < 2; d++, day++, after = -1) {
		for (int h = 0; h < 24; h++) {
			if ((want_h >= 0 && h != want_h) || (h + 1) * 3600 - 1 <= after)
				continue;
			for (int m = 0; m < 60; m++) {
				if ((want_m >= 0 && m != want_m) ||
				    h * 3600 + (m + 1) * 60 - 1 <= after)
					continue;
				for (int sec = 0; sec < 60; sec++) {
					int64_t tod = h * 3600 + m * 60 + sec;
					if ((want_s < 0 || sec == want_s) && tod > after)
						return day * 86400 + tod;
				}
			}
		}
	}
	return NO_ALARM;
}

/* ---- interrupts (register C) --------------------------------------------------------------- */

/* Set PF, UF and AF for what happened since the last look. PF is set whatever PIE says, as
 * the datasheet has it; UF and AF only while the clock runs. */
static void account(struct cmos *c, uint64_t now)
{
	uint64_t from = c->flags_checked;
	if (now <= from)
		return;
	uint64_t period = periodic_ns(c);
	if (period && now / period > from / period)
		c->ram[RTC_REG_C] |= REG_C_PF;
	if (!stopped(c)) {
		int64_t before = seconds_since_epoch(c, from), after = seconds_since_epoch(c, now);
		if (after > before) {
			c->ram[RTC_REG_C] |= REG_C_UF;
			if (next_alarm(c, c->epoch_s + before) <= c->epoch_s + after)
				c->ram[RTC_REG_C] |= REG_C_AF;
		}
	}
	c->flags_checked = now;
}

/* IRQF follows the enabled flags; the line (IRQ 8, an edge at the PIC) follows IRQF. */
static void update_irq(struct cmos *c)
{
	if (c->ram[RTC_REG_C] & c->ram[RTC_REG_B] & RTC_IRQ_SOURCES)
		c->ram[RTC_REG_C] |= REG_C_IRQF;
	irq_set(&c->irq, (c->ram[RTC_REG_C] & REG_C_IRQF) != 0);
}

/* Arm the timer for the next interrupt an enabled source raises; none is needed while IRQF
 * is set, since the line stays high until the guest reads register C. */
static void schedule(struct cmos *c, uint64_t now)
{
	uint8_t b = c->ram[RTC_REG_B];
	uint64_t next = UINT64_MAX;
	if (!(c->ram[RTC_REG_C] & REG_C_IRQF)) {
		uint64_t period = periodic_ns(c);
		if ((b & REG_B_PIE) && period)
			next = (now / period + 1) * period;
		if (!stopped(c) && (b & (REG_B_UIE | REG_B_AIE))) {
			int64_t k = seconds_since_epoch(c, now);
			uint64_t boundary = (uint64_t)(c->epoch_ns + (k + 1) * NS);
			if ((b & REG_B_UIE) && boundary < next)
				next = boundary;
			int64_t alarm = (b & REG_B_AIE) ? next_alarm(c, c->epoch_s + k) : NO_ALARM;
			if (alarm != NO_ALARM) {
				uint64_t at = (uint64_t)(c->epoch_ns + (alarm - c->epoch_s) * NS);
				if (at < next)
					next = at;
			}
		}
	}
	if (next == UINT64_MAX)
		timer_cancel(&c->timer);
	else
		timer_arm(&c->timer, next);
}

void cmos_timer_expired(void *dev, uint64_t now)
{
	struct cmos *c = dev;
	account(c, now);
	update_irq(c);
	schedule(c, now);
}

/* ---- the registers ----------------------------------------------------------------------- */

/* Write registers A and B together: the clock stops or restarts with them. */
static void set_control(struct cmos *c, uint64_t now, uint8_t a, uint8_t b)
{
	bool was_stopped = stopped(c), was_reset = divider_reset(c);
	if (!was_stopped)
		latch_time(c, now);
	c->ram[RTC_REG_A] = a & (uint8_t)~REG_A_UIP;
	c->ram[RTC_REG_B] = b;
	if (was_stopped && !stopped(c)) {
		/* Out of divider reset the first update comes half a second later; after SET
		 * the divider kept running, so the second keeps its phase. */
		int64_t phase = was_reset && !divider_reset(c) ? NS / 2 : phase_ns(c, now);
		commit_time(c, now, phase);
	}
}

uint8_t cmos_read(struct cmos *c, uint8_t reg)
{
	reg &= 0x7f;
	if (reg == RTC_CENTURY_PS2)
		reg = RTC_CENTURY;
	if (reg > RTC_REG_D && reg != RTC_CENTURY)
		return c->ram[reg];
	uint64_t now = clock_ns();
	account(c, now);
	update_irq(c);
	if (is_time_register(reg) || reg == RTC_CENTURY) {
		if (stopped(c))
			return c->ram[reg];
		struct civil_time t;
		time_from_seconds(guest_seconds(c, now), &t);
		return clock_field(c, &t, reg);
	}
	switch (reg) {
	case RTC_REG_A: {
		int64_t phase = phase_ns(c, now);
		bool uip = !stopped(c) && (phase >= NS - UIP_LEAD_NS || phase < UPDATE_NS);
		return (uint8_t)(c->ram[RTC_REG_A] | (uip ? REG_A_UIP : 0));
	}
	case RTC_REG_C: {
		uint8_t v = c->ram[RTC_REG_C]; /* reading clears every flag and the line */
		c->ram[RTC_REG_C] = 0;
		irq_lower(&c->irq);
		schedule(c, now);
		return v;
	}
	case RTC_REG_D: return REG_D_VRT; /* battery good */
	default: return c->ram[reg];	  /* the alarm bytes and register B */
	}
}

void cmos_write(struct cmos *c, uint8_t reg, uint8_t value)
{
	reg &= 0x7f;
	if (reg == RTC_CENTURY_PS2)
		reg = RTC_CENTURY;
	if (reg > RTC_REG_D && reg != RTC_CENTURY) {
		c->ram[reg] = value;
		return;
	}
	uint64_t now = clock_ns();
	account(c, now);
	if (is_time_register(reg) || reg == RTC_CENTURY) {
		if (stopped(c)) {
			c->ram[reg] = value; /* taken together when the clock restarts */
			return;
		}
		/* A write while the clock runs: take all fields at once, not this one alone. */
		latch_time(c, now);
		c->ram[reg] = value;
		commit_time(c, now, phase_ns(c, now));
	} else if (reg == RTC_REG_A) {
		set_control(c, now, value, c->ram[RTC_REG_B]);
	} else if (reg == RTC_REG_B) {
		if (value & REG_B_SET)
			value &= (uint8_t)~REG_B_UIE; /* setting SET clears UIE */
		set_control(c, now, c->ram[RTC_REG_A], value);
		c->ram[RTC_REG_C] &= (uint8_t)~REG_C_IRQF; /* re-derived from the new enables */
	} else if (reg != RTC_REG_C && reg != RTC_REG_D) {
		c->ram[reg] = value; /* an alarm byte */
	}
	update_irq(c);
	schedule(c, now);
}

static uint64_t cmos_io_read(void *dev, uint64_t offset, unsigned size)
{
	struct cmos *c = dev;
	(void)size; /* byte-wide: the bus splits wider accesses */
	return offset == 0 ? 0xff : cmos_read(c, c->index); /* the index is write-only */
}

static void cmos_io_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct cmos *c = dev;
	(void)size;
	if (offset == 0) {
		c->nmi_disabled = value & 0x80; /* bit 7 gates NMI on the PC; not an index bit */
		c->index = value & 0x7f;
		return;
	}
	cmos_write(c, c->index, (uint8_t)value);
}

const struct io_ops cmos_ops = {.read = cmos_io_read, .write = cmos_io_write, .byte_wide = true};

static void put16(uint8_t *ram, unsigned reg, uint64_t v)
{
	ram[reg] = (uint8_t)v;
	ram[reg + 1] = (uint8_t)(v >> 8);
}

void cmos_init(struct cmos *c, unsigned irq, uint64_t ram_below_4g, uint64_t ram_above_4g,
	       unsigned ncpus)
{
	memset(c, 0, sizeof(*c));
	irq_init(&c->irq, irq);
	/* Start from the host's wall clock (UTC); from then on the machine clock drives it. */
	uint64_t now = clock_ns();
	int64_t wall = clock_wall_ns();
	c->epoch_s = floor_div(wall, NS);
	c->epoch_ns = (int64_t)now - (wall - c->epoch_s * NS);
	c->flags_checked = now;
	c->ram[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
	c->ram[RTC_REG_B] = REG_B_24H;
	c->ram[RTC_REG_D] = REG_D_VRT;
	c->ram[CMOS_EQUIPMENT] = 0x02; /* FPU present, VGA-class display, no floppy */
	put16(c->ram, CMOS_BASE_KB, 640);
	uint64_t ext_kb = ram_below_4g > MiB ? (ram_below_4g - MiB) >> 10 : 0;
	put16(c->ram, CMOS_EXT_KB, ext_kb > 0xffff ? 0xffff : ext_kb);
	put16(c->ram, CMOS_EXT_KB2, ext_kb > 0xffff ? 0xffff : ext_kb);
	uint64_t above_16m = ram_below_4g > 16 * MiB ? (ram_below_4g - 16 * MiB) >> 16 : 0;
	put16(c->ram, CMOS_MEM_ABOVE_16M, above_16m > 0xffff ? 0xffff : above_16m);
	uint64_t above_4g = ram_above_4g >> 16;
	if (above_4g > 0xffffff)
		above_4g = 0xffffff;
	put16(c->ram, CMOS_MEM_ABOVE_4G, above_4g);
	c->ram[CMOS_MEM_ABOVE_4G + 2] = (uint8_t)(above_4g >> 16);
	c->ram[CMOS_CPUS_MINUS_1] = (uint8_t)(ncpus - 1);
	/* Boot order hard disk, floppy, CD-ROM (1 floppy, 2 disk, 3 CD, one nibble each). */
	c->ram[CMOS_BOOT_FLAG2] = 0x12;
	c->ram[CMOS_BOOT_FLAG1] = 0x30;
}
