/* MC146818A real-time clock and CMOS RAM (ports 0x70 index, 0x71 data).
 * The clock is the host's (UTC) plus whatever offset the guest set; the memory-size bytes
 * follow the layout BIOSes read (IBM AT technical reference, SeaBIOS fw/paravirt.c). */
#include "../vmm.h"

enum {
	RTC_SECONDS = 0x00,
	RTC_MINUTES = 0x02,
	RTC_HOURS = 0x04,
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
	CMOS_BOOT_FLAG1 = 0x38,
	CMOS_BOOT_FLAG2 = 0x3d,
	CMOS_MEM_ABOVE_4G = 0x5b, /* 0x5b-0x5d: 64 KiB units */
	CMOS_CPUS_MINUS_1 = 0x5f,
};

#define REG_A_UIP    0x80
#define REG_B_BINARY 0x04
#define REG_B_24H    0x02
#define REG_D_VRT    0x80

struct civil_time {
	int64_t year;
	int month, day, hour, minute, second, weekday; /* weekday 1 = Sunday, as the RTC counts */
};

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, struct civil_time *t)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
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
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void time_from_seconds(int64_t s, struct civil_time *t)
{
	int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
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

static uint8_t to_bcd(int v)
{
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}
static int from_bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t encode(const struct cmos *c, int v)
{
	return (c->ram[RTC_REG_B] & REG_B_BINARY) ? (uint8_t)v : to_bcd(v);
}

static int decode(const struct cmos *c, uint8_t v)
{
	return (c->ram[RTC_REG_B] & REG_B_BINARY) ? v : from_bcd(v);
}

static void guest_time(const struct cmos *c, struct civil_time *t)
{
	/* The offset stays within years 0-9999, so this cannot overflow. */
	time_from_seconds(c->now() + c->offset, t);
}

static uint8_t read_hours(const struct cmos *c, int hour)
{
	if (c->ram[RTC_REG_B] & REG_B_24H)
		return encode(c, hour);
	int h12 = hour % 12 == 0 ? 12 : hour % 12;
	return (uint8_t)(encode(c, h12) | (hour >= 12 ? 0x80 : 0));
}

/* The registers that show the running clock; the rest of the 128 bytes are plain CMOS RAM
 * or status registers. */
static bool is_clock_register(uint8_t reg)
{
	switch (reg) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_WEEKDAY:
	case RTC_DAY:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY: return true;
	default: return false;
	}
}

static uint8_t read_clock(const struct cmos *c, uint8_t reg)
{
	struct civil_time t;
	guest_time(c, &t);
	switch (reg) {
	case RTC_SECONDS: return encode(c, t.second);
	case RTC_MINUTES: return encode(c, t.minute);
	case RTC_HOURS: return read_hours(c, t.hour);
	case RTC_WEEKDAY: return encode(c, t.weekday);
	case RTC_DAY: return encode(c, t.day);
	case RTC_MONTH: return encode(c, t.month);
	case RTC_YEAR: return encode(c, (int)(((t.year % 100) + 100) % 100));
	default: return encode(c, (int)(((t.year / 100) % 100 + 100) % 100));
	}
}

uint8_t cmos_read(struct cmos *c, uint8_t reg)
{
	reg &= 0x7f;
	if (is_clock_register(reg))
		return read_clock(c, reg);
	switch (reg) {
	case RTC_REG_A: return c->ram[reg] & (uint8_t)~REG_A_UIP; /* never mid-update */
	case RTC_REG_C: {
		uint8_t v = c->ram[reg]; /* interrupt flags clear on read */
		c->ram[reg] = 0;
		return v;
	}
	default: return c->ram[reg];
	}
}

/* The guest sets the clock: keep the host clock running and remember the difference. */
static void set_time_field(struct cmos *c, uint8_t reg, uint8_t value)
{
	struct civil_time t;
	guest_time(c, &t);
	int v = decode(c, value & (reg == RTC_HOURS ? 0x7f : 0xff));
	switch (reg) {
	case RTC_SECONDS: t.second = v % 60; break;
	case RTC_MINUTES: t.minute = v % 60; break;
	case RTC_HOURS:
		if (!(c->ram[RTC_REG_B] & REG_B_24H)) {
			v = v % 12 + ((value & 0x80) ? 12 : 0);
		}
		t.hour = v % 24;
		break;
	case RTC_WEEKDAY: return; /* derived from the date */
	case RTC_DAY: t.day = v < 1 ? 1 : v > 31 ? 31 : v; break;
	case RTC_MONTH: t.month = v < 1 ? 1 : v > 12 ? 12 : v; break;
	case RTC_YEAR: t.year = t.year / 100 * 100 + v % 100; break;
	case RTC_CENTURY: t.year = (int64_t)(v % 100) * 100 + t.year % 100; break;
	}
	c->offset = seconds_from_time(&t) - c->now();
}

void cmos_write(struct cmos *c, uint8_t reg, uint8_t value)
{
	reg &= 0x7f;
	if (is_clock_register(reg)) {
		set_time_field(c, reg, value);
		return;
	}
	switch (reg) {
	case RTC_REG_A: c->ram[reg] = value & (uint8_t)~REG_A_UIP; break;
	case RTC_REG_C:
	case RTC_REG_D: break; /* read-only */
	default: c->ram[reg] = value;
	}
}

static void put16(uint8_t *ram, unsigned reg, uint64_t v)
{
	ram[reg] = (uint8_t)v;
	ram[reg + 1] = (uint8_t)(v >> 8);
}

void cmos_init(struct cmos *c, clock_fn *now, uint64_t ram_below_4g, uint64_t ram_above_4g,
	       unsigned ncpus)
{
	*c = (struct cmos){.now = now};
	c->ram[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
	c->ram[RTC_REG_B] = REG_B_24H;
	c->ram[RTC_REG_D] = REG_D_VRT; /* battery good */
	c->ram[CMOS_EQUIPMENT] = 0x02; /* FPU present, VGA-class display, no floppy */
	put16(c->ram, CMOS_BASE_KB, 640);
	uint64_t ext_kb = ram_below_4g > 0x100000 ? (ram_below_4g - 0x100000) >> 10 : 0;
	if (ext_kb > 0xffff)
		ext_kb = 0xffff;
	put16(c->ram, CMOS_EXT_KB, ext_kb);
	put16(c->ram, CMOS_EXT_KB2, ext_kb);
	uint64_t above_16m = ram_below_4g > 0x1000000 ? (ram_below_4g - 0x1000000) >> 16 : 0;
	if (above_16m > 0xffff)
		above_16m = 0xffff;
	put16(c->ram, CMOS_MEM_ABOVE_16M, above_16m);
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

static uint32_t cmos_io_read(void *dev, uint16_t port, unsigned size)
{
	struct cmos *c = dev;
	(void)size; /* the bus splits wider accesses into bytes */
	if (port == 0x70)
		return 0xff; /* the index register is write-only */
	return cmos_read(c, c->index);
}

static void cmos_io_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct cmos *c = dev;
	(void)size;
	if (port == 0x70) {
		c->nmi_disabled = value & 0x80; /* bit 7 gates NMI on the PC; not an index bit */
		c->index = value & 0x7f;
		return;
	}
	cmos_write(c, c->index, (uint8_t)value);
}

int cmos_register(struct cmos *c, struct io_bus *bus)
{
	struct io_region r = {.base = 0x70,
			      .len = 2,
			      .name = "cmos",
			      .dev = c,
			      .byte_wide = true,
			      .read = cmos_io_read,
			      .write = cmos_io_write};
	return io_bus_register(bus, &r);
}
