/* Unit tests of the device models, driven through the board's port bus as the run loop drives
 * them. No KVM: tests/fake_machine.c records interrupt lines and resets and supplies the
 * clock, which the tests move by hand; timers run when a test calls run_timers(). */
#include "fake_machine.h"

#include "../core/block.h"
#include "../core/board.h"
#include "../core/keyboard.h"
#include "../core/screen.h"
#include "../core/timer.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- a tiny harness ------------------------------------------------------------------------ */
static int passed, failed, test_failed;
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);          \
			test_failed = 1;                                                           \
		}                                                                                  \
	} while (0)
#define CHECK_EQ(a, b)                                                                             \
	do {                                                                                       \
		unsigned long long a_ = (a), b_ = (b);                                             \
		if (a_ != b_) {                                                                    \
			printf("  %s:%d: %s == 0x%llx, expected 0x%llx\n", __FILE__, __LINE__, #a, \
			       a_, b_);                                                            \
			test_failed = 1;                                                           \
		}                                                                                  \
	} while (0)

static struct board board;
static const uint8_t fake_rom[512] = {0x55, 0xaa, 1};
static struct board_config config = {.ram_size = 128 * MiB,
				     .bios_size = 128 * KiB,
				     .cpus = 1,
				     .boot_menu = false,
				     .vga_rom = fake_rom,
				     .vga_rom_size = sizeof(fake_rom)};

static void new_board(void)
{
	fake_machine_reset();
	fake_console_reset();
	fake_now = 1000000000;
	if (board_init(&board, &config) < 0) {
		printf("  board_init failed\n");
		test_failed = 1;
	}
	fake_machine_reset(); /* what init did to the lines does not count */
}

static void run_test(void (*fn)(void), const char *name)
{
	test_failed = 0;
	config = (struct board_config){.ram_size = 128 * MiB,
				       .bios_size = 128 * KiB,
				       .cpus = 1,
				       .boot_menu = false,
				       .vga_rom = fake_rom,
				       .vga_rom_size = sizeof(fake_rom)};
	new_board();
	fn();
	if (test_failed) {
		failed++;
		printf("not ok - unit: %s\n", name);
	} else {
		passed++;
		printf("ok - unit: %s\n", name);
	}
}
#define RUN(fn) run_test(fn, #fn)

static uint32_t in(uint16_t port, unsigned size)
{
	uint8_t d[4] = {0};
	bus_access(&board.io, port, size, false, d);
	return (uint32_t)load_le(d, size);
}
static void out(uint16_t port, unsigned size, uint32_t v)
{
	uint8_t d[4];
	store_le(d, 4, v);
	bus_access(&board.io, port, size, true, d);
}
static uint8_t inb(uint16_t port)
{
	return (uint8_t)in(port, 1);
}
static void outb(uint16_t port, uint8_t v)
{
	out(port, 1, v);
}
/* Move the machine clock and fire what is due. */
static void advance(uint64_t ns)
{
	fake_now += ns;
	timers_run(fake_now);
}

/* ---- the bus, interrupt lines and timers ------------------------------------------------------
 */
struct probe {
	uint64_t last_offset;
	uint64_t last_value;
};
static uint64_t probe_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev, (void)size;
	return 0x40 + offset;
}
static void probe_write(void *dev, uint64_t offset, unsigned size, uint64_t v)
{
	struct probe *p = dev;
	(void)size;
	p->last_offset = offset;
	p->last_value = v;
}
static const struct io_ops probe_ops = {.read = probe_read, .write = probe_write};

static void test_bus_regions_see_offsets(void)
{
	struct bus bus;
	struct probe a = {0}, b = {0};
	bus_init(&bus, "port", 0x10000);
	CHECK_EQ(bus_add(&bus, 0x200, 8, &probe_ops, &b, "b"), 0);
	CHECK_EQ(bus_add(&bus, 0x100, 4, &probe_ops, &a, "a"), 0); /* kept sorted */
	CHECK(bus_add(&bus, 0x103, 2, &probe_ops, &a, "overlap") < 0);
	CHECK(bus_add(&bus, 0x1ff, 2, &probe_ops, &a, "overlap") < 0);
	CHECK(bus_add(&bus, 0xfffe, 4, &probe_ops, &a, "past the end") < 0);
	CHECK(bus_add(&bus, 0x300, 0, &probe_ops, &a, "empty") < 0);
	CHECK_EQ(bus_add(&bus, 0x104, 1, &probe_ops, &a, "adjacent"), 0);
	uint8_t d[4] = {0};
	bus_access(&bus, 0x102, 2, false, d);
	CHECK_EQ(load_le(d, 2), 0x42); /* the handler sees offset 2 */
	store_le(d, 2, 0xbeef);
	bus_access(&bus, 0x205, 2, true, d);
	CHECK_EQ(b.last_offset, 5); /* a second instance needs nothing but its base */
	CHECK_EQ(b.last_value, 0xbeef);
	bus_access(&bus, 0x99, 4, false, d);
	CHECK_EQ(load_le(d, 4), 0xffffffff); /* nobody: the bus floats high */
	CHECK_EQ(bus.unhandled, 1);
	uint8_t odd[4] = {1, 2, 3, 4};
	bus_access(&bus, 0x100, 3, false, odd); /* no such access size: untouched */
	CHECK_EQ(odd[0], 1);
}

static void test_bus_splits_wide_accesses_to_byte_devices(void)
{
	out(0x70, 2, 0x3c15); /* outw: index 0x15 to 0x70, then 0x3c to 0x71 */
	CHECK_EQ(board.cmos.ram[0x15], 0x3c);
}

static void test_irq_line_counts_edges(void)
{
	struct irq_line l;
	irq_init(&l, 5);
	irq_raise(&l);
	irq_raise(&l); /* no change, no edge */
	CHECK_EQ(l.edges, 1);
	CHECK_EQ(fake_irq_raised[5], 1);
	irq_reassert(&l); /* a fresh edge while high */
	CHECK_EQ(l.edges, 2);
	CHECK_EQ(fake_irq_raised[5], 2);
	irq_lower(&l);
	CHECK_EQ(fake_irq_level[5], 0);
}

static int timer_fired;
static void count_timer(void *dev, uint64_t now)
{
	(void)dev, (void)now;
	timer_fired++;
}

static void test_timers(void)
{
	struct timer t = {0}, u = {0};
	timers_reset();
	CHECK_EQ(timer_register(&t, count_timer, NULL), 0);
	CHECK_EQ(timer_register(&u, count_timer, NULL), 0);
	timer_arm(&t, 500);
	timer_arm(&u, 300);
	CHECK_EQ(timers_run(200), 300); /* nothing due; the earliest left */
	CHECK_EQ(timers_run(400), 500);
	CHECK_EQ(timer_fired, 1);
	timer_cancel(&t);
	CHECK_EQ(timers_run(1000), 0);
	CHECK_EQ(timer_fired, 1);
}

/* ---- the board --------------------------------------------------------------------------------
 */
static void test_board_ram_split(void)
{
	uint64_t below, above;
	board_split_ram(16 * MiB, &below, &above);
	CHECK_EQ(below, 16 * MiB);
	CHECK_EQ(above, 0);
	board_split_ram(3 * GiB, &below, &above);
	CHECK_EQ(below, 3 * GiB);
	CHECK_EQ(above, 0);
	board_split_ram(3 * GiB + 4096, &below, &above);
	CHECK_EQ(below, 3 * GiB);
	CHECK_EQ(above, 4096);
	board_split_ram(64 * GiB, &below, &above);
	CHECK_EQ(above, 61 * GiB);
}

static void fw_read(uint16_t key, uint8_t *buf, unsigned n)
{
	out(0x510, 2, key);
	for (unsigned i = 0; i < n; i++)
		buf[i] = inb(0x511);
}

/* Find a fw_cfg file by name; returns its selector and size, or 0. */
static uint16_t fw_file(const char *name, uint32_t *size)
{
	uint8_t count[4];
	fw_read(FW_CFG_FILE_DIR, count, 4);
	unsigned n = (unsigned)(count[0] << 24 | count[1] << 16 | count[2] << 8 | count[3]);
	for (unsigned i = 0; i < n; i++) {
		uint8_t e[64];
		for (unsigned j = 0; j < 64; j++)
			e[j] = inb(0x511);
		if (strcmp((const char *)e + 8, name) == 0) {
			*size = (uint32_t)(e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3]);
			return (uint16_t)(e[4] << 8 | e[5]);
		}
	}
	return 0;
}

static void test_board_e820_and_fw_cfg(void)
{
	config.ram_size = 5 * GiB;
	config.cpus = 4;
	new_board();
	uint32_t size = 0;
	uint16_t key = fw_file("etc/e820", &size);
	CHECK(key >= FW_CFG_FILE_FIRST);
	CHECK_EQ(size, 80);
	uint8_t e[80];
	fw_read(key, e, sizeof(e));
	CHECK_EQ(load_le(e + 0, 8), 0); /* RAM below 4 GiB, up to the PCI hole */
	CHECK_EQ(load_le(e + 8, 8), 3 * GiB);
	CHECK_EQ(load_le(e + 16, 4), 1);
	CHECK_EQ(load_le(e + 20, 8), 4 * GiB); /* the rest above 4 GiB */
	CHECK_EQ(load_le(e + 28, 8), 2 * GiB);
	CHECK_EQ(load_le(e + 56, 4), 2); /* KVM's pages, reserved */
	CHECK_EQ(load_le(e + 60, 8), 4 * GiB - 128 * KiB);
	uint8_t b[4];
	fw_read(FW_CFG_NB_CPUS, b, 2);
	CHECK_EQ(load_le(b, 2), 4);
	fw_read(FW_CFG_MAX_CPUS, b, 2);
	CHECK_EQ(load_le(b, 2), 4);
	CHECK_EQ(board.cmos.ram[CMOS_CPUS_MINUS_1], 3);
	key = fw_file("etc/boot-fail-wait", &size);
	CHECK(key != 0);
	CHECK_EQ(size, 4);
}

/* The memory map at its edges: all RAM below 4 GiB up to exactly 3 GiB, the first byte
 * beyond going above 4 GiB, and the most (1 TiB); e820 and the CMOS size fields agree. */
static void test_board_memory_edges(void)
{
	static const struct {
		uint64_t ram, below, above;
	} cases[] = {
	    {16 * MiB, 16 * MiB, 0},
	    {3 * GiB - 4 * KiB, 3 * GiB - 4 * KiB, 0}, /* odd: not a multiple of 64 KiB */
	    {3 * GiB, 3 * GiB, 0},
	    {3 * GiB + 4 * KiB, 3 * GiB, 4 * KiB},
	    {4 * GiB, 3 * GiB, 1 * GiB},
	    {1024 * GiB, 3 * GiB, 1021 * GiB},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		config.ram_size = cases[i].ram;
		new_board();
		uint32_t size = 0;
		uint16_t key = fw_file("etc/e820", &size);
		uint8_t e[20 * E820_MAX_ENTRIES];
		CHECK(key != 0 && size <= sizeof(e) && size % 20 == 0);
		fw_read(key, e, size);
		uint64_t below = 0, above = 0;
		for (uint32_t at = 0; at < size; at += 20) {
			if (load_le(e + at + 16, 4) != 1)
				continue;
			if (load_le(e + at, 8) == 0)
				below = load_le(e + at + 8, 8);
			else if (load_le(e + at, 8) == 4 * GiB)
				above = load_le(e + at + 8, 8);
			else
				CHECK(!"RAM anywhere else");
		}
		CHECK_EQ(below, cases[i].below);
		CHECK_EQ(above, cases[i].above);
		const uint8_t *ram = board.cmos.ram;
		uint64_t above_16m = (uint64_t)ram[CMOS_MEM_ABOVE_16M] | ram[CMOS_MEM_ABOVE_16M + 1]
									     << 8;
		CHECK_EQ(above_16m, (cases[i].below - 16 * MiB) / (64 * KiB));
		uint64_t above_4g = (uint64_t)ram[CMOS_MEM_ABOVE_4G] |
				    ram[CMOS_MEM_ABOVE_4G + 1] << 8 |
				    (uint64_t)ram[CMOS_MEM_ABOVE_4G + 2] << 16;
		CHECK_EQ(above_4g, cases[i].above / (64 * KiB));
	}
}

/* Run etc/table-loader as SeaBIOS does (romfile_loader.c), with the RSDP placed at rsdp_at
 * and the tables at tables_at, with its checks: the RSDP in the F segment, offsets and ranges
 * inside their files. Fills the two files' final bytes. */
static void run_table_loader(uint8_t *rsdp, uint32_t rsdp_at, uint8_t *tables, uint32_t tables_at,
			     uint32_t tables_size)
{
	uint32_t size;
	uint16_t key = fw_file("etc/table-loader", &size);
	CHECK(key != 0 && size % 128 == 0 && size <= 16 * 128);
	uint8_t script[16 * 128];
	fw_read(key, script, size);
	for (uint32_t at = 0; at < size; at += 128) {
		const uint8_t *e = script + at;
		const char *file = (const char *)e + 4;
		bool is_rsdp = strcmp(file, "etc/acpi/rsdp") == 0;
		uint8_t *data = is_rsdp ? rsdp : tables;
		uint32_t data_size = is_rsdp ? 20 : tables_size;
		CHECK(is_rsdp || strcmp(file, "etc/acpi/tables") == 0);
		switch (load_le(e, 4)) {
		case 1: { /* ALLOCATE: placed by the caller; the RSDP where the OS searches */
			uint32_t align = (uint32_t)load_le(e + 60, 4);
			CHECK(align && (align & (align - 1)) == 0);
			CHECK_EQ(e[64], is_rsdp ? 2 : 1); /* zone FSEG : HIGH */
			break;
		}
		case 2: { /* ADD_POINTER */
			const char *src = (const char *)e + 60;
			uint32_t offset = (uint32_t)load_le(e + 116, 4);
			CHECK_EQ(e[120], 4);
			CHECK(offset + 4 <= data_size);
			if (offset + 4 > data_size)
				return;
			uint32_t base = strcmp(src, "etc/acpi/rsdp") == 0 ? rsdp_at : tables_at;
			store_le(data + offset, 4, load_le(data + offset, 4) + base);
			break;
		}
		case 3: { /* ADD_CHECKSUM */
			uint32_t offset = (uint32_t)load_le(e + 60, 4);
			uint32_t start = (uint32_t)load_le(e + 64, 4);
			uint32_t len = (uint32_t)load_le(e + 68, 4);
			CHECK(offset < data_size && start + len <= data_size && len <= data_size);
			if (offset >= data_size || start + len > data_size || len > data_size)
				return;
			uint8_t sum = 0;
			for (uint32_t i = start; i < start + len; i++)
				sum = (uint8_t)(sum + data[i]);
			data[offset] = (uint8_t)(data[offset] - sum);
			break;
		}
		default: CHECK(!"a loader command SeaBIOS does not know");
		}
	}
}

static uint8_t byte_sum(const uint8_t *p, uint32_t n)
{
	uint8_t sum = 0;
	while (n--)
		sum = (uint8_t)(sum + *p++);
	return sum;
}

/* The OS finds the RSDP, follows it to the RSDT and the MADT: one enabled local APIC per CPU
 * with APIC IDs 0..N-1, the I/O APIC at 0xfec00000, every checksum right. */
static void test_board_acpi_tables(void)
{
	for (unsigned cpus = 1; cpus <= 64; cpus += 63) /* 1 and the most, 64 */ {
		config.cpus = cpus;
		new_board();
		uint32_t rsdp_size, tables_size;
		uint16_t rsdp_key = fw_file("etc/acpi/rsdp", &rsdp_size);
		uint16_t tables_key = fw_file("etc/acpi/tables", &tables_size);
		CHECK(rsdp_key && tables_key);
		CHECK_EQ(rsdp_size, 20);
		CHECK(tables_size <= 1024);
		uint8_t rsdp[20], tables[1024];
		fw_read(rsdp_key, rsdp, rsdp_size);
		fw_read(tables_key, tables, tables_size);
		const uint32_t tables_at = 0x7ffe000;
		run_table_loader(rsdp, 0xf5a10, tables, tables_at, tables_size);
		CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
		CHECK_EQ(rsdp[15], 0); /* ACPI 1.0: 20 bytes, an RSDT and no XSDT */
		CHECK_EQ(byte_sum(rsdp, 20), 0);
		uint32_t rsdt = (uint32_t)load_le(rsdp + 16, 4) - tables_at;
		CHECK(rsdt < tables_size);
		CHECK(memcmp(tables + rsdt, "RSDT", 4) == 0);
		CHECK_EQ(load_le(tables + rsdt + 4, 4), 40); /* the header and one entry */
		CHECK_EQ(byte_sum(tables + rsdt, 40), 0);
		uint32_t madt = (uint32_t)load_le(tables + rsdt + 36, 4) - tables_at;
		CHECK(madt < tables_size);
		CHECK(memcmp(tables + madt, "APIC", 4) == 0);
		uint32_t madt_len = (uint32_t)load_le(tables + madt + 4, 4);
		CHECK(madt + madt_len <= tables_size);
		CHECK_EQ(byte_sum(tables + madt, madt_len), 0);
		CHECK_EQ(load_le(tables + madt + 36, 4), 0xfee00000);
		CHECK_EQ(load_le(tables + madt + 40, 4), 1); /* PC-AT compatible: 8259s too */
		unsigned lapics = 0, ioapics = 0, overrides = 0, nmis = 0;
		uint32_t at = madt + 44;
		while (at + 2 <= madt + madt_len && tables[at + 1] >= 2 &&
		       at + tables[at + 1] <= madt + madt_len) {
			const uint8_t *m = tables + at;
			if (m[0] == 0) { /* processor local APIC */
				CHECK_EQ(m[1], 8);
				CHECK_EQ(m[2], lapics); /* processor UID */
				CHECK_EQ(m[3], lapics); /* APIC ID, as KVM numbers vCPUs */
				CHECK_EQ(load_le(m + 4, 4), 1);
				lapics++;
			} else if (m[0] == 1) { /* I/O APIC: KVM's, ID 0, GSIs from 0 */
				CHECK_EQ(m[1], 12);
				CHECK_EQ(m[2], 0);
				CHECK_EQ(load_le(m + 4, 4), 0xfec00000);
				CHECK_EQ(load_le(m + 8, 4), 0);
				ioapics++;
			} else if (m[0] == 2) { /* ISA IRQ 0 -> GSI 0, active high, edge */
				CHECK_EQ(m[1], 10);
				CHECK_EQ(m[2], 0);
				CHECK_EQ(m[3], 0);
				CHECK_EQ(load_le(m + 4, 4), 0);
				CHECK_EQ(load_le(m + 8, 2), 0x0005);
				overrides++;
			} else if (m[0] == 4) { /* every CPU's LINT1 is NMI */
				CHECK_EQ(m[1], 6);
				CHECK_EQ(m[2], 0xff);
				CHECK_EQ(m[5], 1);
				nmis++;
			} else {
				CHECK(!"an unknown MADT entry");
			}
			at += m[1];
		}
		CHECK_EQ(at, madt + madt_len); /* the entries fill the table exactly */
		CHECK_EQ(lapics, cpus);
		CHECK_EQ(ioapics, 1);
		CHECK_EQ(overrides, 1);
		CHECK_EQ(nmis, 1);
	}
	struct acpi_tables t;
	CHECK_EQ(acpi_build(&t, 0), -1);
	CHECK_EQ(acpi_build(&t, 1000), -1); /* more than the tables' room */
}

/* ---- debug console
 * ------------------------------------------------------------------------------- */
static void test_debugcon(void)
{
	CHECK_EQ(inb(0x402), 0xe9); /* SeaBIOS's readback check */
	outb(0x402, 'o');
	outb(0x402, 'k');
	CHECK_EQ(fake_stream_len[STREAM_DEBUGCON], 2);
	CHECK(memcmp(fake_stream[STREAM_DEBUGCON], "ok", 2) == 0);
	config.no_debug_log = true; /* nobody listens: the BIOS is told not to write */
	new_board();
	CHECK_EQ(inb(0x402), 0xff);
}

/* ---- CMOS / RTC
 * ---------------------------------------------------------------------------------- */
static uint8_t cmos_get(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}
static void cmos_set(uint8_t reg, uint8_t v)
{
	outb(0x70, reg);
	outb(0x71, v);
}
#define SEC 1000000000ull

static void test_cmos_clock_bcd(void)
{
	CHECK_EQ(cmos_get(0x00), 0x30);
	CHECK_EQ(cmos_get(0x02), 0x45);
	CHECK_EQ(cmos_get(0x04), 0x13);
	CHECK_EQ(cmos_get(0x06), 0x04); /* Wednesday = 4 (Sunday = 1) */
	CHECK_EQ(cmos_get(0x07), 0x25);
	CHECK_EQ(cmos_get(0x08), 0x11);
	CHECK_EQ(cmos_get(0x09), 0x26);
	CHECK_EQ(cmos_get(0x32), 0x20);
	CHECK_EQ(cmos_get(0x37), 0x20);	       /* the PS/2 century alias */
	CHECK_EQ(cmos_get(0x80 | 0x02), 0x45); /* bit 7 is the NMI mask, not the index */
	CHECK(board.cmos.nmi_disabled);
	fake_now += SEC;
	CHECK_EQ(cmos_get(0x00), 0x31); /* the clock runs */
}

static void test_cmos_clock_binary_12h(void)
{
	cmos_set(0x0b, 0x04); /* binary, 12-hour */
	CHECK_EQ(cmos_get(0x00), 30);
	CHECK_EQ(cmos_get(0x04), 0x80 | 1); /* 1 PM */
	CHECK_EQ(cmos_get(0x09), 26);
	fake_now += 11ull * 3600 * SEC; /* 00:45: midnight reads 12 AM */
	CHECK_EQ(cmos_get(0x04), 12);
}

/* The regression: fields written one at a time while SET is held must be taken together. */
static void test_cmos_set_date_with_set_bit(void)
{
	cmos_set(0x0b, 0x82);		/* SET, 24-hour BCD */
	CHECK_EQ(cmos_get(0x00), 0x30); /* frozen at the moment SET went up */
	fake_now += 5 * SEC;
	CHECK_EQ(cmos_get(0x00), 0x30);
	CHECK_EQ(cmos_get(0x0a) & 0x80, 0); /* no update in progress while stopped */
	/* Linux's order: year, month, day, hour, minute, second. February 15 from November 25
	 * goes through "February 25"; from March 31 it would go through "February 31". */
	cmos_set(0x09, 0x24);
	cmos_set(0x08, 0x02);
	cmos_set(0x07, 0x31);
	cmos_set(0x07, 0x15);
	cmos_set(0x04, 0x08);
	cmos_set(0x02, 0x00);
	cmos_set(0x00, 0x00);
	CHECK_EQ(cmos_get(0x08), 0x02); /* read back as written while SET is held */
	cmos_set(0x0b, 0x02);		/* release: the clock runs from 2024-02-15 08:00:00 */
	CHECK_EQ(cmos_get(0x07), 0x15);
	CHECK_EQ(cmos_get(0x08), 0x02);
	CHECK_EQ(cmos_get(0x09), 0x24);
	CHECK_EQ(cmos_get(0x04), 0x08);
	CHECK_EQ(cmos_get(0x06), 0x05); /* a Thursday, derived */
	fake_now += 2 * SEC;
	CHECK_EQ(cmos_get(0x00), 0x02);
}

static void test_cmos_set_time_running(void)
{
	cmos_set(0x09, 0x99); /* year 2099, written while the clock runs */
	CHECK_EQ(cmos_get(0x09), 0x99);
	CHECK_EQ(cmos_get(0x32), 0x20);
	CHECK_EQ(cmos_get(0x08), 0x11);
	cmos_set(0x04, 0x23);
	CHECK_EQ(cmos_get(0x04), 0x23);
	CHECK_EQ(cmos_get(0x07), 0x25); /* the date did not move */
	fake_now += 3600 * SEC;		/* an hour later: past midnight */
	CHECK_EQ(cmos_get(0x04), 0x00);
	CHECK_EQ(cmos_get(0x07), 0x26);
	cmos_set(0x37, 0x19); /* the century through the PS/2 alias */
	CHECK_EQ(cmos_get(0x32), 0x19);
	CHECK_EQ(cmos_get(0x09), 0x99);
	/* Garbage BCD cannot break it. */
	for (int reg = 0; reg < 0x10; reg++)
		cmos_set((uint8_t)reg, 0xff);
	cmos_set(0x32, 0xff);
	(void)cmos_get(0x09);
}

static void test_cmos_divider_reset_freezes(void)
{
	cmos_set(0x0a, 0x70); /* divider held in reset */
	fake_now += 10 * SEC;
	CHECK_EQ(cmos_get(0x00), 0x30);
	cmos_set(0x00, 0x10);
	cmos_set(0x0a, 0x26); /* released: the first update comes half a second later */
	CHECK_EQ(cmos_get(0x00), 0x10);
	fake_now += SEC / 2 - 1000;
	CHECK_EQ(cmos_get(0x00), 0x10);
	fake_now += 1000;
	CHECK_EQ(cmos_get(0x00), 0x11);
}

static void test_cmos_uip_window(void)
{
	/* The clock starts 0 ns into a second (fake_wall is whole). */
	CHECK_EQ(cmos_get(0x0a) & 0x80, 0x80); /* just updated: within the 1984 us cycle */
	fake_now += 2000000;
	CHECK_EQ(cmos_get(0x0a), 0x26);
	fake_now += SEC - 2000000 - 300000; /* 300 us before the next update */
	CHECK_EQ(cmos_get(0x0a) & 0x80, 0);
	fake_now += 100000; /* 200 us before: UIP is up */
	CHECK_EQ(cmos_get(0x0a) & 0x80, 0x80);
}

/* The regression: periodic interrupts at the register A rate on IRQ 8, register C clears. */
static void test_cmos_periodic_interrupt(void)
{
	fake_now += 3000000;		/* away from the update */
	CHECK_EQ(cmos_get(0x0c), 0x40); /* PF: periods passed, though PIE was off */
	CHECK_EQ(cmos_get(0x0c), 0x00);
	cmos_set(0x0b, 0x42); /* PIE; rate 6 (1024 Hz) from register A 0x26 */
	CHECK_EQ(fake_irq_raised[8], 0);
	advance(976562);
	CHECK_EQ(fake_irq_raised[8], 1);
	CHECK_EQ(fake_irq_level[8], 1);
	advance(976562); /* until register C is read the line stays up: no second edge */
	CHECK_EQ(fake_irq_raised[8], 1);
	CHECK_EQ(cmos_get(0x0c), 0xc0); /* IRQF and PF */
	CHECK_EQ(fake_irq_level[8], 0);
	CHECK_EQ(cmos_get(0x0c), 0x00); /* cleared by the read */
	advance(976562);
	CHECK_EQ(fake_irq_raised[8], 2);
	(void)cmos_get(0x0c);
	cmos_set(0x0a, 0x2f); /* rate 15: 2 Hz */
	advance(976562);
	CHECK_EQ(fake_irq_raised[8], 2);
	advance(SEC / 2);
	CHECK_EQ(fake_irq_raised[8], 3);
	(void)cmos_get(0x0c);
	cmos_set(0x0b, 0x02); /* PIE off: PF is still set each period, without an interrupt */
	advance(SEC);
	CHECK_EQ(fake_irq_raised[8], 3);
	CHECK_EQ(cmos_get(0x0c), 0x50); /* PF, and UF: an update happened meanwhile */
}

static void test_cmos_update_and_alarm_interrupts(void)
{
	fake_now += 3000000;
	(void)cmos_get(0x0c);
	cmos_set(0x0b, 0x12); /* UIE */
	advance(SEC);
	CHECK_EQ(fake_irq_raised[8], 1);
	CHECK_EQ(cmos_get(0x0c) & 0x90, 0x90); /* IRQF and UF */
	cmos_set(0x0b, 0x02);
	cmos_set(0x01, 0x40); /* alarm at xx:xx:40, any hour and minute */
	cmos_set(0x03, 0xc0);
	cmos_set(0x05, 0xff);
	cmos_set(0x0b, 0x22); /* AIE */
	advance(5 * SEC);     /* 13:45:36 */
	CHECK_EQ(fake_irq_raised[8], 1);
	advance(4 * SEC); /* 13:45:40 */
	CHECK_EQ(fake_irq_raised[8], 2);
	CHECK_EQ(cmos_get(0x0c) & 0xa0, 0xa0); /* IRQF and AF */
	advance(60 * SEC);		       /* 13:46:40: again */
	CHECK_EQ(fake_irq_raised[8], 3);
	CHECK_EQ(cmos_get(0x0c) & 0xa0, 0xa0);
	cmos_set(0x0b, 0x92); /* SET clears UIE, and stops updates */
	CHECK_EQ(cmos_get(0x0b), 0x82);
}

static void test_cmos_status_registers(void)
{
	CHECK_EQ(cmos_get(0x0b), 0x02); /* 24-hour BCD */
	CHECK_EQ(cmos_get(0x0d), 0x80); /* valid RAM and time */
	cmos_set(0x0d, 0x00);
	CHECK_EQ(cmos_get(0x0d), 0x80); /* read-only */
	cmos_set(0x0c, 0xff);
	CHECK_EQ(cmos_get(0x0c) & 0x80, 0); /* read-only */
	cmos_set(0x40, 0x5a);
	CHECK_EQ(cmos_get(0x40), 0x5a); /* plain NVRAM */
	CHECK_EQ(inb(0x70), 0xff);	/* the index port is write-only */
}

static void test_cmos_memory_sizes(void)
{
	CHECK_EQ(cmos_get(0x15) | cmos_get(0x16) << 8, 640);
	CHECK_EQ(cmos_get(0x17) | cmos_get(0x18) << 8, 0xffff); /* 127 MiB, capped */
	CHECK_EQ(cmos_get(0x30) | cmos_get(0x31) << 8, 0xffff);
	CHECK_EQ(cmos_get(0x34) | cmos_get(0x35) << 8, 0x700); /* 112 MiB in 64 KiB units */
	CHECK_EQ(cmos_get(0x5b) | cmos_get(0x5c) << 8 | cmos_get(0x5d) << 16, 0);
	CHECK_EQ(cmos_get(0x5f), 0); /* one CPU */
	config.ram_size = 16 * MiB;
	new_board();
	CHECK_EQ(cmos_get(0x30) | cmos_get(0x31) << 8, 15360); /* 15 MiB in KiB */
	CHECK_EQ(cmos_get(0x34) | cmos_get(0x35) << 8, 0);
	config.ram_size = 8 * GiB;
	new_board();
	CHECK_EQ(cmos_get(0x34) | cmos_get(0x35) << 8, ((3u << 30) - (16u << 20)) >> 16);
	CHECK_EQ(cmos_get(0x5b) | cmos_get(0x5c) << 8 | cmos_get(0x5d) << 16, (5ull << 30) >> 16);
}

/* ---- PCI and the i440FX ------------------------------------------------------------------------
 */
static uint32_t cfg_read(unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
	out(0xcf8, 4, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	return in((uint16_t)(0xcfc + (reg & 3)), size);
}
static void cfg_write(unsigned dev, unsigned fn, unsigned reg, unsigned size, uint32_t v)
{
	out(0xcf8, 4, 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc));
	out((uint16_t)(0xcfc + (reg & 3)), size, v);
}

static void test_pci_probe(void)
{
	out(0xcf8, 4, 0x80000000);
	CHECK_EQ(in(0xcf8, 4), 0x80000000); /* SeaBIOS's pci_probe_host() */
	CHECK_EQ(cfg_read(0, 0, 0, 4), 0x12378086);
	CHECK_EQ(cfg_read(1, 0, 0, 4), 0x70008086);
	CHECK_EQ(cfg_read(0, 0, 0x08, 4) >> 8, 0x060000); /* host bridge class */
	CHECK_EQ(cfg_read(1, 0, 0x0a, 2), 0x0601);	  /* ISA bridge class */
	CHECK_EQ(cfg_read(1, 0, 0x0e, 1), 0x00);	  /* single function: no IDE */
	CHECK_EQ(cfg_read(2, 0, 0, 4), 0xffffffff);	  /* empty slot */
	out(0xcf8, 4, 0x00000000);			  /* enable bit clear */
	CHECK_EQ(in(0xcfc, 4), 0xffffffff);
	out(0xcf8, 4, 0x80010000); /* bus 1 does not exist */
	CHECK_EQ(in(0xcfc, 4), 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0x02, 2), 0x1237); /* word at 0xcfe */
	CHECK_EQ(cfg_read(0, 0, 0x01, 1), 0x80);   /* byte at 0xcfd */
}

static void test_pci_write_masks(void)
{
	cfg_write(0, 0, 0x00, 4, 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0, 4), 0x12378086); /* IDs are read-only */
	cfg_write(0, 0, 0x10, 4, 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0x10, 4), 0); /* no BAR: sizing reads 0 */
	cfg_write(1, 0, 0x30, 4, 0xfffff800);
	CHECK_EQ(cfg_read(1, 0, 0x30, 4), 0); /* no expansion ROM */
	cfg_write(1, 0, 0x60, 4, 0x0b0b0a0a); /* SeaBIOS's PIRQ routing */
	CHECK_EQ(cfg_read(1, 0, 0x60, 4), 0x0b0b0a0a);
	cfg_write(1, 0, 0x3c, 1, 0x0b); /* the interrupt line is the BIOS's to write */
	CHECK_EQ(cfg_read(1, 0, 0x3c, 1), 0x0b);
	out(0xcf8, 1, 0x12); /* a byte write at 0xcf8 is not an address */
	CHECK_EQ(in(0xcf8, 4) & 0xff, 0x3c);
}

static void test_pci_status_write_one_to_clear(void)
{
	board.isa_bridge.config.bytes[PCI_STATUS + 1] = 0xf9; /* every error bit set */
	board.isa_bridge.config.bytes[PCI_STATUS] = 0x80;     /* fast back-to-back: read-only */
	cfg_write(1, 0, 0x06, 2, 0x1000); /* write 1 to "received target abort" */
	CHECK_EQ(cfg_read(1, 0, 0x06, 2), 0xe980);
	cfg_write(1, 0, 0x06, 2, 0x0000); /* writing 0 changes nothing */
	CHECK_EQ(cfg_read(1, 0, 0x06, 2), 0xe980);
	cfg_write(1, 0, 0x04, 4, 0xffff0000); /* a dword write to command clears them all */
	CHECK_EQ(cfg_read(1, 0, 0x06, 2), 0x0080);
}

static void test_pam(void)
{
	CHECK_EQ(i440fx_pam(&board.host_bridge, 12), PAM_ROM); /* reset: the ROM side */
	cfg_write(0, 0, 0x59, 1, 0xff);
	CHECK_EQ(cfg_read(0, 0, 0x59, 1), 0x30); /* PAM0's low nibble is reserved */
	CHECK_EQ(i440fx_pam(&board.host_bridge, 12), PAM_RAM);
	CHECK_EQ(fake_pam_changes, 1);	  /* the machine remaps the window */
	cfg_write(0, 0, 0x5a, 2, 0x1132); /* PAM1 and PAM2 */
	CHECK_EQ(i440fx_pam(&board.host_bridge, 0), PAM_WRITE_RAM);
	CHECK_EQ(i440fx_pam(&board.host_bridge, 1), PAM_RAM);
	CHECK_EQ(i440fx_pam(&board.host_bridge, 2), PAM_READ_RAM);
	CHECK_EQ(i440fx_pam(&board.host_bridge, 3), PAM_READ_RAM);
	CHECK_EQ(i440fx_pam(&board.host_bridge, 4), PAM_ROM);
	CHECK_EQ(pam_block_base(4), 0xd0000);
	CHECK_EQ(pam_block_size(11), 0x4000);
	CHECK_EQ(pam_block_size(12), 0x10000);
	cfg_write(0, 0, 0x5e, 4, 0xffff); /* a dword at 0xcfe only reaches 0x5e..0x5f */
	CHECK_EQ(cfg_read(0, 0, 0x5c, 4), 0x33330000);
	unsigned before = fake_pam_changes;
	cfg_write(0, 0, 0x40, 4, 0x12345678); /* elsewhere: no remapping */
	CHECK_EQ(fake_pam_changes, before);
}

/* ---- fw_cfg -------------------------------------------------------------------------------------
 */
static void test_fw_cfg_signature_and_unknown(void)
{
	uint8_t b[8];
	fw_read(FW_CFG_SIGNATURE, b, 4);
	CHECK(memcmp(b, "QEMU", 4) == 0);
	fw_read(FW_CFG_ID, b, 4);
	CHECK_EQ(load_le(b, 4), 3); /* the traditional interface and DMA */
	fw_read(0x8000, b, 2);
	CHECK_EQ(b[0] | b[1], 0); /* unknown keys read 0 */
	fw_read(FW_CFG_SIGNATURE, b, 6);
	CHECK_EQ(b[4] | b[5], 0); /* past the end reads 0 */
	fw_read(FW_CFG_SIGNATURE, b, 1);
	CHECK_EQ(b[0], 'Q'); /* selecting again restarts at offset 0 */
}

static void test_fw_cfg_selector_rules(void)
{
	out(0x510, 2, FW_CFG_SIGNATURE);
	CHECK_EQ(inb(0x511), 'Q');
	outb(0x510, 0x01); /* a byte write is a data write, not a selection */
	CHECK_EQ(inb(0x511), 'E');
	CHECK_EQ(inb(0x510), 'M');	/* a byte read of either port streams data */
	CHECK_EQ(in(0x511, 2), 0xffff); /* wider reads are not decoded ... */
	CHECK_EQ(inb(0x511), 'U');	/* ... and consume nothing */
	out(0x510, 2, FW_CFG_WRITE_CHANNEL | FW_CFG_ID); /* the write-channel bit is a flag */
	CHECK_EQ(inb(0x511), 0x03);
	out(0x510, 4, FW_CFG_SIGNATURE); /* only a 16-bit write selects */
	CHECK_EQ(inb(0x511), 0x00);
}

/* A DMA descriptor at gpa (big-endian), started by a 32-bit write of its address, byte-swapped
 * as SeaBIOS writes it. Returns the control word the device left. */
static uint32_t fw_dma(uint64_t gpa, uint32_t control, uint32_t len, uint64_t to)
{
	uint8_t *d = fake_ram + gpa;
	for (int i = 0; i < 4; i++) {
		d[i] = (uint8_t)(control >> (24 - 8 * i));
		d[4 + i] = (uint8_t)(len >> (24 - 8 * i));
	}
	for (int i = 0; i < 8; i++)
		d[8 + i] = (uint8_t)(to >> (56 - 8 * i));
	uint32_t a = (uint32_t)gpa;
	out(0x518, 4, a >> 24 | (a >> 8 & 0xff00) | (a << 8 & 0xff0000) | a << 24);
	return (uint32_t)(d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]);
}

static void test_fw_cfg_dma(void)
{
	memset(fake_ram, 0xaa, 0x3000);
	/* Select the signature and read 6 bytes: 4 of it, then zeros. */
	CHECK_EQ(fw_dma(0x1000, (uint32_t)FW_CFG_SIGNATURE << 16 | 0x08 | 0x02, 6, 0x2000), 0);
	CHECK(memcmp(fake_ram + 0x2000, "QEMU\0\0", 6) == 0);
	CHECK_EQ(fake_ram[0x2006], 0xaa); /* not a byte more */
	/* Select etc/e820 by the directory, skip 8 bytes, read the length field. */
	uint32_t size = 0;
	uint16_t key = fw_file("etc/e820", &size);
	CHECK_EQ(fw_dma(0x1000, (uint32_t)key << 16 | 0x08 | 0x04, 8, 0), 0);
	CHECK_EQ(fw_dma(0x1000, 0x02, 8, 0x2100), 0); /* no select: on from the offset */
	CHECK_EQ(load_le(fake_ram + 0x2100, 8), 128 * MiB);
	/* Writes are refused; a descriptor or a buffer outside RAM cannot hurt. */
	CHECK_EQ(fw_dma(0x1000, 0x10, 4, 0x2000), 0x01); /* only the error bit is left */
	CHECK_EQ(fw_dma(0x1000, 0x02, 16, FAKE_RAM_SIZE - 8) & 0x01, 0x01);
	out(0x518, 4, 0xf0ffffff); /* a descriptor at 0xfffffff0: nothing happens */
	CHECK_EQ(in(0x514, 4), load_le((const uint8_t *)"QEMU", 4)); /* the DMA signature */
}

static void test_fw_cfg_directory_and_limits(void)
{
	struct fw_cfg f;
	fw_cfg_init(&f);
	static const uint8_t data[20] = {1, 2, 3};
	CHECK_EQ(fw_cfg_add_file(&f, "a", data, sizeof(data)), 0);
	CHECK(fw_cfg_add_file(&f, "a-name-far-too-long-for-the-fifty-six-byte-field-of-fw_cfg",
			      data, 1) < 0);
	CHECK_EQ(f.dir[3], 1); /* big-endian count */
	CHECK_EQ(f.dir[4 + 3], 20);
	CHECK_EQ(f.dir[4 + 5], 0x20);			/* the first file selector */
	CHECK(fw_cfg_add_int(&f, FW_CFG_ID, 5, 4) < 0); /* the same key twice */
	int added = 0;
	char name[16];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (fw_cfg_add_file_int(&f, name, (uint64_t)i, 4) == 0)
			added++;
	}
	CHECK_EQ(added, FW_CFG_MAX_FILES - 1);
}

/* ---- i8042 --------------------------------------------------------------------------------------
 */
static void kbd_write_command_byte(uint8_t v)
{
	outb(0x64, 0x60);
	outb(0x60, v);
}

static void test_i8042_self_tests(void)
{
	CHECK_EQ(inb(0x64) & 0x01, 0);
	outb(0x64, 0xaa);
	CHECK_EQ(inb(0x64) & 0x05, 0x05); /* output full, system flag */
	CHECK_EQ(inb(0x60), 0x55);
	CHECK_EQ(inb(0x64) & 0x01, 0);
	CHECK_EQ(inb(0x60), 0x55); /* an empty buffer reads the last byte again */
	outb(0x64, 0xab);
	CHECK_EQ(inb(0x60), 0x00);
	kbd_write_command_byte(0x65);
	outb(0x64, 0x20);
	CHECK_EQ(inb(0x60), 0x65);
}

static void test_i8042_keyboard_commands(void)
{
	kbd_write_command_byte(0x00); /* no interrupts, no translation: poll, as SeaBIOS does */
	outb(0x60, 0xff);	      /* reset */
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0xaa);
	outb(0x60, 0xf2); /* identify */
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0xab);
	CHECK_EQ(inb(0x60), 0x83);
	outb(0x60, 0xed); /* LEDs, then its parameter */
	CHECK_EQ(inb(0x60), 0xfa);
	outb(0x60, 0x07);
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(board.i8042.kbd_leds, 7);
	outb(0x60, 0xf0); /* scan code set: get */
	CHECK_EQ(inb(0x60), 0xfa);
	outb(0x60, 0x00);
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x64) & 0x01, 0x01); /* the answer a polling guest waits for */
	CHECK_EQ(inb(0x60), 0x02);
	outb(0x60, 0x42); /* not a command */
	CHECK_EQ(inb(0x60), 0xfe);
	outb(0x64, 0xd4); /* to the mouse */
	outb(0x60, 0xf2);
	CHECK_EQ(inb(0x64) & 0x21, 0x21); /* mouse data waiting */
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0x00);
	outb(0x64, 0xd4);
	outb(0x60, 0xe9); /* status */
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0x00);
	CHECK_EQ(inb(0x60), 0x02);
	CHECK_EQ(inb(0x60), 100);
	CHECK_EQ(fake_irq_raised[1] + fake_irq_raised[12], 0);
}

static void test_i8042_translation(void)
{
	kbd_write_command_byte(0x40); /* translation on */
	outb(0x60, 0xf2);
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0xab);
	CHECK_EQ(inb(0x60), 0x41); /* 0x83 through the translator */
	outb(0x60, 0xf0);
	CHECK_EQ(inb(0x60), 0xfa);
	outb(0x60, 0x00);
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0x41); /* set 2, translated */
	static const uint8_t keys[] = {0x1c, 0xf0, 0x1c, 0xe0, 0x75, 0xe0, 0xf0, 0x75};
	CHECK_EQ(i8042_keyboard_input(&board.i8042, keys, sizeof(keys)), sizeof(keys));
	static const uint8_t set1[] = {0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8}; /* A, Up */
	for (unsigned i = 0; i < sizeof(set1); i++)
		CHECK_EQ(inb(0x60), set1[i]);
	CHECK_EQ(inb(0x64) & 0x01, 0);
}

/* The regression: every byte raises its own edge on IRQ 1, also back to back. */
static void test_i8042_edge_per_byte(void)
{
	kbd_write_command_byte(0x01); /* keyboard interrupt on */
	outb(0x60, 0xff);	      /* reset: ACK, then 0xaa */
	CHECK_EQ(fake_irq_raised[1], 1);
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(fake_irq_raised[1], 2); /* 0xaa came in: a second edge */
	CHECK_EQ(fake_irq_level[1], 1);
	CHECK_EQ(inb(0x60), 0xaa);
	CHECK_EQ(fake_irq_level[1], 0);
	static const uint8_t make_break[] = {0x1c, 0xf0, 0x1c};
	CHECK_EQ(i8042_keyboard_room(&board.i8042), PS2_QUEUE);
	i8042_keyboard_input(&board.i8042, make_break, 3);
	CHECK_EQ(i8042_keyboard_room(&board.i8042), PS2_QUEUE - 2); /* one went to the buffer */
	CHECK_EQ(fake_irq_raised[1], 3);
	(void)inb(0x60);
	CHECK_EQ(fake_irq_raised[1], 4);
	(void)inb(0x60);
	CHECK_EQ(fake_irq_raised[1], 5);
	(void)inb(0x60);
	CHECK_EQ(fake_irq_raised[1], 5);
	CHECK_EQ(fake_irq_level[1], 0);
	kbd_write_command_byte(0x02); /* mouse interrupt only */
	outb(0x64, 0xd3);	      /* as if from the mouse */
	outb(0x60, 0x5a);
	CHECK_EQ(fake_irq_raised[12], 1);
	CHECK_EQ(inb(0x64) & 0x21, 0x21);
	CHECK_EQ(inb(0x60), 0x5a);
	CHECK_EQ(fake_irq_level[12], 0);
}

static void test_i8042_ports_and_disable(void)
{
	kbd_write_command_byte(0x00);
	outb(0x64, 0xd0); /* output port: reset line high, A20, the clock/data lines idle */
	CHECK_EQ(inb(0x60), 0xcf);
	outb(0x60, 0xee);
	outb(0x64, 0xd0); /* with a keyboard byte waiting, bit 4 says so */
	CHECK_EQ(inb(0x64) & 0x01, 1);
	CHECK_EQ(inb(0x60), 0xee); /* first the echo, then the output port */
	CHECK_EQ(inb(0x60), 0xdf);
	outb(0x64, 0xc0); /* input port */
	CHECK_EQ(inb(0x64) & 0x01, 1);
	(void)inb(0x60);
	outb(0x64, 0xa4); /* password: none */
	CHECK_EQ(inb(0x60), 0xf1);
	outb(0x64, 0xad); /* keyboard disabled: its bytes wait */
	static const uint8_t a[] = {0x1c};
	i8042_keyboard_input(&board.i8042, a, 1);
	CHECK_EQ(inb(0x64) & 0x01, 0);
	outb(0x64, 0xae);
	CHECK_EQ(inb(0x64) & 0x01, 1);
	CHECK_EQ(inb(0x60), 0x1c);
	outb(0x60, 0xf5); /* scanning off: keys are lost, as on a real keyboard */
	(void)inb(0x60);
	CHECK_EQ(i8042_keyboard_input(&board.i8042, a, 1), 1);
	CHECK_EQ(inb(0x64) & 0x01, 0);
}

static void test_i8042_reset(void)
{
	outb(0x64, 0xfe);
	CHECK_EQ(fake_resets, 1);
	outb(0x64, 0xd1);
	outb(0x60, 0x02); /* output port bit 0 low: reset */
	CHECK_EQ(fake_resets, 2);
	outb(0x64, 0xd1);
	outb(0x60, 0x03);
	outb(0x64, 0xff); /* a pulse of no line */
	CHECK_EQ(fake_resets, 2);
	for (int i = 0; i < 100; i++)
		outb(0x60, 0xee); /* flood the keyboard: bytes are dropped, nothing breaks */
	CHECK(board.i8042.kbd.len <= PS2_QUEUE);
}

/* ---- system control ports -----------------------------------------------------------------------
 */
static void test_sysctl(void)
{
	CHECK_EQ(inb(0x92), 0x02); /* A20 on */
	outb(0x92, 0x02);
	CHECK_EQ(fake_resets, 0);
	outb(0x92, 0x03); /* bit 0 rising: reset */
	CHECK_EQ(fake_resets, 1);
	outb(0x92, 0x03);
	CHECK_EQ(fake_resets, 1); /* no edge */
	outb(0xcf9, 0x02);
	CHECK_EQ(fake_resets, 1);
	outb(0xcf9, 0x06);
	CHECK_EQ(fake_resets, 2);
	outb(0x80, 0x42);
	CHECK_EQ(inb(0x80), 0x42);
}

/* ---- 16550A UART -------------------------------------------------------------------------------
 */
static void test_uart_seabios_detect(void)
{
	outb(0x3f9, 0x02);
	CHECK_EQ(inb(0x3f9), 0x02);
	CHECK_EQ(inb(0x3fa) & 0x3f, 0x02); /* THR empty interrupt pending */
	CHECK_EQ(inb(0x3fa) & 0x3f, 0x01); /* acknowledged by the read */
	outb(0x3f9, 0x00);
	outb(0x3f9, 0x02); /* re-enabling raises it again (Linux's THRE test) */
	CHECK_EQ(inb(0x3fa) & 0x3f, 0x02);
}

static void test_uart_linux_autoconfig(void)
{
	outb(0x3f9, 0x00);
	CHECK_EQ(inb(0x3f9) & 0x0f, 0);
	outb(0x3f9, 0x0f);
	CHECK_EQ(inb(0x3f9), 0x0f);
	outb(0x3f9, 0x00);
	outb(0x3fa, 0x01); /* FIFOs on: IIR bits 7-6 read 11 (a 16550A) */
	CHECK_EQ(inb(0x3fa) >> 6, 3);
	outb(0x3fa, 0x21); /* bit 5 (64-byte FIFO on a 16750) does not stick */
	CHECK_EQ(inb(0x3fa) >> 5, 6);
	outb(0x3fc, 0x1a); /* loopback with RTS and OUT2: CTS and DCD */
	CHECK_EQ(inb(0x3fe) & 0xf0, 0x90);
	outb(0x3ff, 0xa5);
	CHECK_EQ(inb(0x3ff), 0xa5); /* scratch */
	/* size_fifo: loopback at divisor 1, 256 bytes out, count what comes back. */
	for (int i = 0; i < 256; i++)
		outb(0x3f8, (uint8_t)i);
	unsigned n = 0;
	while ((inb(0x3fd) & 0x01) && n < 300) {
		(void)inb(0x3f8);
		n++;
	}
	CHECK_EQ(n, 16);
	outb(0x3fa, 0x00); /* FIFOs off: a single receive register */
	outb(0x3f8, 'a');
	outb(0x3f8, 'b'); /* overwrites, overrun */
	CHECK_EQ(inb(0x3fd) & 0x03, 0x03);
	CHECK_EQ(inb(0x3f8), 'b');
	CHECK_EQ(inb(0x3fd) & 0x03, 0x00);
}

static void test_uart_transmit(void)
{
	CHECK_EQ(inb(0x3fd) & 0x60, 0x60);
	outb(0x3f8, 'h');
	outb(0x3f8, 'i');
	CHECK_EQ(fake_stream_len[STREAM_COM1], 2);
	CHECK(memcmp(fake_stream[STREAM_COM1], "hi", 2) == 0);
	CHECK_EQ(inb(0x3fd) & 0x60, 0x60); /* sent at once */
	outb(0x3fb, 0x83);		   /* DLAB: the divisor, not data */
	outb(0x3f8, 0x01);
	outb(0x3f9, 0x00);
	CHECK_EQ(inb(0x3f8), 0x01);
	outb(0x3fb, 0x03);
	CHECK_EQ(board.com1.divisor, 1); /* 115200 baud */
	CHECK_EQ(fake_stream_len[STREAM_COM1], 2);
}

static void test_uart_thre_interrupt_follows_the_byte(void)
{
	outb(0x3fc, 0x08); /* OUT2: the line reaches the PIC */
	outb(0x3f9, 0x02);
	CHECK_EQ(fake_irq_raised[4], 1);
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x02);
	CHECK_EQ(fake_irq_level[4], 0);
	outb(0x3f8, 'x');
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x01); /* not yet: the byte is on the wire */
	advance(100000);
	CHECK_EQ(fake_irq_raised[4], 2);
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x02);
}

static void test_uart_receive_fifo_and_timeout(void)
{
	outb(0x3fc, 0x08);
	outb(0x3fa, 0x81); /* FIFOs on, trigger level 8 */
	outb(0x3f9, 0x01); /* received-data interrupts */
	uint8_t typed[40];
	memset(typed, 'k', sizeof(typed));
	CHECK_EQ(uart_receive(&board.com1, typed, 3), 3);
	CHECK_EQ(fake_irq_level[4], 0); /* below the trigger level */
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x01);
	advance(4ull * 1042000); /* four characters at 9600 baud: the timeout */
	CHECK_EQ(fake_irq_level[4], 1);
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x0c);
	CHECK_EQ(inb(0x3f8), 'k');
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x01);	     /* reading restarts the timeout */
	CHECK_EQ(fake_input_wanted[STREAM_COM1], 3); /* the MCR and FCR writes, then the read */
	CHECK_EQ(uart_receive(&board.com1, typed, sizeof(typed)), 14); /* 16 in all */
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x04);			       /* at the trigger level */
	CHECK_EQ(fake_irq_level[4], 1);
	outb(0x3fa, 0x80); /* FIFOs off: both emptied, and more input is asked for */
	CHECK_EQ(inb(0x3fd) & 0x01, 0);
	CHECK_EQ(fake_input_wanted[STREAM_COM1], 4);
	outb(0x3fc, 0x18); /* in loopback the receiver listens to the transmitter only */
	CHECK_EQ(uart_receive(&board.com1, typed, 1), 0);
	outb(0x3fc, 0x08); /* back from loopback: input again */
	CHECK_EQ(fake_input_wanted[STREAM_COM1], 5);
	CHECK_EQ(uart_receive(&board.com1, typed, sizeof(typed)), 1);
	outb(0x3fa, 0x81); /* and on again: emptied again */
	CHECK_EQ(inb(0x3fd) & 0x01, 0);
}

static void test_uart_line_status_interrupt(void)
{
	outb(0x3fc, 0x18); /* loopback and OUT2 */
	outb(0x3f9, 0x04); /* line status interrupts */
	outb(0x3f8, 'a');
	outb(0x3f8, 'b'); /* FIFOs off: overrun */
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x06);
	CHECK_EQ(fake_irq_level[4], 0); /* loopback keeps OUT2 off the line */
	outb(0x3fc, 0x08);
	CHECK_EQ(fake_irq_level[4], 1);
	CHECK_EQ(inb(0x3fd) & 0x02, 0x02);
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x01); /* cleared by reading LSR */
	CHECK_EQ(fake_irq_level[4], 0);
}

static void test_uart_modem_status(void)
{
	CHECK_EQ(inb(0x3fe), 0xb0); /* DCD, DSR, CTS: a cable */
	outb(0x3f9, 0x08);
	outb(0x3fc, 0x10); /* loopback, all outputs off: the lines fall */
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x00);
	CHECK_EQ(inb(0x3fe), 0x0b); /* delta DCD, DSR, CTS */
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x01);
	outb(0x3fc, 0x14); /* OUT1 -> RI up, then down: the trailing edge */
	outb(0x3fc, 0x10);
	CHECK_EQ(inb(0x3fe) & 0x0f, 0x04);
}

/* ---- VGA ---------------------------------------------------------------------------------------
 */
static void test_vga_power_on_is_text_mode(void)
{
	struct vga_text_layout t;
	vga_text_layout(&board.vga, &t);
	CHECK(t.enabled);
	CHECK(!t.graphics);
	CHECK_EQ(t.cols, 80);
	CHECK_EQ(t.rows, 25);
	CHECK_EQ(t.base, 0xb8000);
	CHECK_EQ(t.stride, 80);
	CHECK(t.cursor_on);
	CHECK(t.blink);
	CHECK_EQ(inb(0x3cc), 0x67); /* misc output: colour ports, as SeaVGABIOS reads it */
}

static void test_vga_registers_read_back(void)
{
	out(0x3c4, 2, 0x0f02); /* outw: index 2, then 0x0f: the bus splits it */
	CHECK_EQ(inb(0x3c4), 0x02);
	CHECK_EQ(inb(0x3c5), 0x0f);
	out(0x3ce, 2, 0x0506);
	CHECK_EQ(board.vga.gc[6], 0x05);
	out(0x3d4, 2, 0x120e); /* cursor high */
	outb(0x3d4, 0x0f);
	outb(0x3d5, 0x34);
	CHECK_EQ(board.vga.crtc[0x0e] << 8 | board.vga.crtc[0x0f], 0x1234);
	outb(0x3d4, 0x11);
	outb(0x3d5, 0x80); /* protect CR0-CR7 */
	outb(0x3d4, 0x01);
	outb(0x3d5, 0x27);
	CHECK_EQ(inb(0x3d5), 0x4f); /* unchanged */
	CHECK_EQ(inb(0x3b5), 0xff); /* the monochrome CRTC is not decoded in colour mode */
	outb(0x3c2, 0x66);	    /* monochrome */
	outb(0x3b4, 0x01);
	CHECK_EQ(inb(0x3b5), 0x4f);
	CHECK_EQ(inb(0x3d5), 0xff);
	outb(0x3c2, 0x67);
	/* DAC: three components per entry, auto-incrementing, six bits each. */
	outb(0x3c8, 5);
	outb(0x3c9, 0x3f);
	outb(0x3c9, 0xff);
	outb(0x3c9, 0x01);
	outb(0x3c7, 5);
	CHECK_EQ(inb(0x3c7), 0x03); /* reading */
	CHECK_EQ(inb(0x3c9), 0x3f);
	CHECK_EQ(inb(0x3c9), 0x3f);
	CHECK_EQ(inb(0x3c9), 0x01);
	/* Status 1 toggles (retrace polls end) and resets the attribute flip-flop. */
	uint8_t s1 = inb(0x3da), s2 = inb(0x3da);
	CHECK_EQ(s1 ^ s2, 0x09);
	outb(0x3c0, 0x10); /* index */
	outb(0x3c0, 0x08); /* data: blink on, graphics off */
	CHECK_EQ(board.vga.attr[0x10], 0x08);
	outb(0x3c0, 0x12); /* index again */
	(void)inb(0x3da);
	outb(0x3c0, 0x33); /* after the reset this is an index: 0x13 with the PAS bit */
	CHECK_EQ(inb(0x3c0), 0x33);
	CHECK_EQ(board.vga.attr[0x12], 0x0f);
	out(0x3ce, 2, 0x0106); /* a graphics mode */
	struct vga_text_layout t;
	vga_text_layout(&board.vga, &t);
	CHECK(t.graphics);
	CHECK(!t.enabled);
}

/* ---- the screen on a terminal ------------------------------------------------------------------
 */
static uint8_t vram[0xc0000];

static void write_text(unsigned row, unsigned col, const char *s, uint8_t attr)
{
	for (; *s; s++, col++) {
		vram[0xb8000 + 2 * (row * 80 + col)] = (uint8_t)*s;
		vram[0xb8000 + 2 * (row * 80 + col) + 1] = attr;
	}
}

static void test_screen_capture_and_dump(void)
{
	static struct screen s;
	memset(vram, 0, sizeof(vram));
	write_text(0, 0, "SeaBIOS", 0x07);
	write_text(2, 10, "menu \xc9\xcd", 0x1f);
	board.vga.crtc[0x0e] = 0;
	board.vga.crtc[0x0f] = 2 * 80 + 15;
	screen_capture(&s, &board.vga, vram, sizeof(vram));
	CHECK(s.shown);
	CHECK_EQ(s.chars[2][10], 'm');
	CHECK_EQ(s.attrs[2][10], 0x1f);
	CHECK(s.cursor_on);
	CHECK_EQ(s.cursor_row, 2);
	CHECK_EQ(s.cursor_col, 15);
	static char text[8192];
	size_t n = screen_dump(&s, text, sizeof(text));
	text[n] = 0;
	CHECK(strncmp(text, "SeaBIOS\n\n          menu \xe2\x95\x94\xe2\x95\x90\n\n", 32) == 0);
	unsigned lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	CHECK_EQ(lines, 25);
	CHECK(!strstr(text, " \n")); /* trailing spaces trimmed */
	board.vga.crtc[0x0c] = 0;    /* scrolled by a row: the start address moves */
	board.vga.crtc[0x0d] = 80;
	screen_capture(&s, &board.vga, vram, sizeof(vram));
	CHECK_EQ(s.chars[1][10], 'm');
	CHECK_EQ(s.cursor_row, 1);
}

static void test_screen_render(void)
{
	static struct screen a, b;
	static char out_buf[65536];
	memset(vram, 0, sizeof(vram));
	write_text(0, 0, "A", 0x1f); /* bright white on blue */
	screen_capture(&a, &board.vga, vram, sizeof(vram));
	size_t n = screen_render(NULL, &a, out_buf, sizeof(out_buf) - 1);
	out_buf[n] = 0;
	CHECK(n > 0);
	CHECK(strstr(out_buf, "\x1b[2J") != NULL); /* a full redraw clears first */
	CHECK(strstr(out_buf, "\x1b[0;97;44mA") != NULL);
	CHECK(strstr(out_buf, "\x1b[?7l") != NULL); /* no wrapping on a narrow terminal */
	b = a;
	write_text(5, 40, "\x01", 0x4e); /* yellow on red: a smiley */
	screen_capture(&b, &board.vga, vram, sizeof(vram));
	n = screen_render(&a, &b, out_buf, sizeof(out_buf) - 1);
	out_buf[n] = 0;
	CHECK(strstr(out_buf, "\x1b[2J") == NULL); /* only what changed */
	CHECK(strstr(out_buf, "\x1b[6;41H\x1b[0;93;41m\xe2\x98\xba") != NULL);
	CHECK(n < 64);
	CHECK_EQ(screen_render(NULL, &a, out_buf, 10), 0); /* too small: nothing half-done */
	n = screen_render_end(&b, out_buf, sizeof(out_buf) - 1);
	out_buf[n] = 0;
	CHECK(strstr(out_buf, "\x1b[?25h") && strstr(out_buf, "\x1b[?7h") &&
	      strstr(out_buf, "\x1b[0m"));
	char u[3];
	CHECK_EQ(cp437_to_utf8('A', u), 1);
	CHECK_EQ(cp437_to_utf8(0xb0, u), 3); /* light shade */
	CHECK(memcmp(u, "\xe2\x96\x91", 3) == 0);
	CHECK_EQ(cp437_to_utf8(0x82, u), 2); /* e acute */
	CHECK(memcmp(u, "\xc3\xa9", 2) == 0);
}

/* ---- keys from the terminal --------------------------------------------------------------------
 */
static bool codes_are(const char *typed, bool final, const uint8_t *want, unsigned nwant)
{
	struct key k;
	size_t len = strlen(typed);
	size_t used = key_decode((const uint8_t *)typed, len, final, &k);
	uint8_t got[KEY_CODES_MAX];
	unsigned n = key_scancodes(&k, got);
	if (used != len || n != nwant || memcmp(got, want, n) != 0) {
		printf("  '%s': took %zu of %zu, %u codes:", typed, used, len, n);
		for (unsigned i = 0; i < n; i++)
			printf(" %02x", got[i]);
		printf("\n");
		return false;
	}
	return true;
}

static void test_keys_to_scancodes(void)
{
	CHECK(codes_are("a", false, (const uint8_t[]){0x1c, 0xf0, 0x1c}, 3));
	CHECK(codes_are("A", false, (const uint8_t[]){0x12, 0x1c, 0xf0, 0x1c, 0xf0, 0x12}, 6));
	CHECK(codes_are("\r", false, (const uint8_t[]){0x5a, 0xf0, 0x5a}, 3));
	CHECK(codes_are("\x7f", false, (const uint8_t[]){0x66, 0xf0, 0x66}, 3));
	CHECK(codes_are("\x03", false, (const uint8_t[]){0x14, 0x21, 0xf0, 0x21, 0xf0, 0x14}, 6));
	CHECK(codes_are("\x1b[A", false, (const uint8_t[]){0xe0, 0x75, 0xe0, 0xf0, 0x75}, 5));
	CHECK(codes_are("\x1bOD", false, (const uint8_t[]){0xe0, 0x6b, 0xe0, 0xf0, 0x6b}, 5));
	CHECK(codes_are("\x1b[3~", false, (const uint8_t[]){0xe0, 0x71, 0xe0, 0xf0, 0x71}, 5));
	CHECK(codes_are("\x1b[6~", false, (const uint8_t[]){0xe0, 0x7a, 0xe0, 0xf0, 0x7a}, 5));
	CHECK(codes_are("\x1bOP", false, (const uint8_t[]){0x05, 0xf0, 0x05}, 3));
	CHECK(codes_are("\x1b[15~", false, (const uint8_t[]){0x03, 0xf0, 0x03}, 3));
	CHECK(codes_are("\x1b[24~", false, (const uint8_t[]){0x07, 0xf0, 0x07}, 3));
	CHECK(codes_are("\x1b[[A", false, (const uint8_t[]){0x05, 0xf0, 0x05}, 3));
	CHECK(codes_are("\x1b[1;5A", false,
			(const uint8_t[]){0x14, 0xe0, 0x75, 0xe0, 0xf0, 0x75, 0xf0, 0x14}, 8));
	CHECK(codes_are("\x1bx", false, (const uint8_t[]){0x11, 0x22, 0xf0, 0x22, 0xf0, 0x11}, 6));
	CHECK(codes_are("\x1b", true, (const uint8_t[]){0x76, 0xf0, 0x76}, 3));
	struct key k;
	CHECK_EQ(key_decode((const uint8_t *)"\x1b", 1, false, &k), 0); /* more may follow */
	CHECK_EQ(key_decode((const uint8_t *)"\x1b[1", 3, false, &k), 0);
	CHECK_EQ(key_decode((const uint8_t *)"\x1b[1", 3, true, &k), 1); /* an Esc after all */
	CHECK_EQ(k.code, 0x76);
	CHECK_EQ(key_decode((const uint8_t *)"\xc3", 1, false, &k), 1); /* no US key: dropped */
	CHECK_EQ(k.code, 0);
	for (int c = 0x20; c < 0x7f; c++) { /* every printable character has a key */
		uint8_t b = (uint8_t)c;
		key_decode(&b, 1, false, &k);
		CHECK(k.code != 0);
	}
}

static void test_keys_wait_for_room(void)
{
	/* Eight key presses do not fit in the keyboard's 16-byte buffer at once. */
	const char *typed = "abcdefgh";
	size_t took = keyboard_deliver(&board.i8042, (const uint8_t *)typed, 8);
	CHECK(took > 0 && took < 8);
	unsigned bytes = 0;
	while (inb(0x64) & 0x01) {
		(void)inb(0x60);
		bytes++;
	}
	CHECK_EQ(bytes, took * 3);
	CHECK(fake_input_wanted[STREAM_KEYBOARD] > 0); /* reading made room: more, please */
	CHECK_EQ(keyboard_deliver(&board.i8042, (const uint8_t *)typed + took, 8 - took), 8 - took);
	while (inb(0x64) & 0x01)
		(void)inb(0x60);
	/* While the guest has scanning off, typed keys wait rather than vanish. */
	outb(0x60, 0xf5);
	(void)inb(0x60);
	CHECK_EQ(keyboard_deliver(&board.i8042, (const uint8_t *)"x", 1), 0);
	unsigned asked = fake_input_wanted[STREAM_KEYBOARD];
	outb(0x60, 0xf4);
	CHECK(fake_input_wanted[STREAM_KEYBOARD] > asked);
	(void)inb(0x60);
	CHECK_EQ(keyboard_deliver(&board.i8042, (const uint8_t *)"x", 1), 1);
	CHECK(codes_are("\x1bOM", false, (const uint8_t[]){0xe0, 0x5a, 0xe0, 0xf0, 0x5a}, 5));
	CHECK(codes_are("\x1bOq", false, (const uint8_t[]){0x69, 0xf0, 0x69}, 3)); /* keypad 1 */
}

/* ---- IDE: ATA disks and the ATAPI CD-ROM against image files made here ------------------- */
#define DISK_SECTORS 4096 /* 2 MiB: 4 cylinders of 16 heads x 63 sectors, and some */

static char image_dir[] = "/tmp/vmm-unit-XXXXXX";

/* An image whose every 512-byte sector starts with its number; path receives its name. */
static void make_image(char *path, size_t pathlen, const char *name, size_t bytes)
{
	snprintf(path, pathlen, "%s/%s", image_dir, name);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	uint8_t sector[512];
	for (size_t off = 0; fd >= 0 && off < bytes; off += sizeof(sector)) {
		memset(sector, (int)(off / 512 % 251), sizeof(sector));
		store_le(sector, 4, (uint32_t)(off / 512));
		if (pwrite(fd, sector, sizeof(sector), (off_t)off) != (ssize_t)sizeof(sector))
			test_failed = 1;
	}
	if (fd < 0)
		test_failed = 1;
	else
		close(fd);
}

static uint32_t file_word(const char *path, uint64_t offset)
{
	uint8_t b[4] = {0};
	int fd = open(path, O_RDONLY);
	if (fd < 0 || pread(fd, b, 4, (off_t)offset) != 4)
		test_failed = 1;
	if (fd >= 0)
		close(fd);
	return (uint32_t)load_le(b, 4);
}

static char disk_path[128], cd_path[128];

/* A board with a disk as primary master (mode as given) and a CD-ROM as secondary master. */
static void ide_board(enum block_mode disk_mode)
{
	block_close_all();
	make_image(disk_path, sizeof(disk_path), "disk.img", (size_t)DISK_SECTORS * 512);
	make_image(cd_path, sizeof(cd_path), "cd.iso", (size_t)64 * 2048);
	char err[256];
	CHECK(block_open(0, disk_path, disk_mode, 512, UINT64_MAX, err, sizeof(err)) == 0);
	CHECK(block_open(2, cd_path, BLOCK_READ_ONLY, 2048, UINT64_MAX, err, sizeof(err)) == 0);
	config.ide_drives[0] = IDE_DISK;
	config.ide_drives[2] = IDE_CDROM;
	new_board();
}

static void ata_command(uint16_t base, uint8_t device, uint8_t count, uint32_t lba, uint8_t command)
{
	outb(base + 6, device);
	outb(base + 2, count);
	outb(base + 3, (uint8_t)lba);
	outb(base + 4, (uint8_t)(lba >> 8));
	outb(base + 5, (uint8_t)(lba >> 16));
	outb(base + 7, command);
}

/* Read what a command offers until DRQ drops (the task file is the command's until then). */
static void drain(uint16_t base)
{
	for (unsigned i = 0; i < 65536 && (inb(base + 0x206) & 0x08); i++)
		in(base, 2);
}

static void test_ide_pci_function_and_detection(void)
{
	ide_board(BLOCK_READ_WRITE);
	uint32_t fn = 0x80000000u | 1u << 11 | 1u << 8; /* 00:01.1 */
	out(0xcf8, 4, 0x80000800u | 0x0c); /* 00:01.0 says there is more than one function */
	CHECK_EQ(in(0xcfe, 1), 0x80);
	out(0xcf8, 4, fn);
	CHECK_EQ(in(0xcfc, 4), 0x70108086);
	out(0xcf8, 4, fn | 0x08);
	CHECK_EQ(in(0xcfc, 4) >> 8, 0x010180); /* IDE, legacy mode, bus master capable */
	out(0xcf8, 4, fn | 0x40);
	CHECK_EQ(in(0xcfc, 4), 0x80008000); /* both channels decoded (Linux checks bit 15) */
	/* SeaBIOS's presence test: the registers hold what was written */
	outb(0x1f6, 0xa0);
	outb(0x1f2, 0x55);
	outb(0x1f3, 0xaa);
	CHECK_EQ(inb(0x1f2), 0x55);
	CHECK_EQ(inb(0x1f3), 0xaa);
	CHECK_EQ(inb(0x1f6), 0xa0);
	outb(0x1f6, 0xb0); /* no slave: status 0, its registers read 0 */
	CHECK_EQ(inb(0x1f7), 0);
	CHECK_EQ(inb(0x1f2), 0);
	/* A disk refuses IDENTIFY PACKET (SeaBIOS asks that first), answers IDENTIFY */
	outb(0x3f6, 0x0a); /* nIEN: polled, as SeaBIOS does */
	ata_command(0x1f0, 0xa0, 0, 0, 0xa1);
	CHECK_EQ(inb(0x1f7), 0x51);
	CHECK_EQ(inb(0x1f1), 0x04);
	ata_command(0x1f0, 0xa0, 0, 0, 0xec);
	CHECK_EQ(inb(0x1f7), 0x58);
	uint16_t id[256];
	for (unsigned i = 0; i < 256; i++)
		id[i] = (uint16_t)in(0x1f0, 2);
	CHECK_EQ(inb(0x1f7), 0x50);
	CHECK_EQ(id[0], 0x0040);
	CHECK_EQ(id[1], 4); /* cylinders of 16 x 63 */
	CHECK_EQ(id[3], 16);
	CHECK_EQ(id[6], 63);
	CHECK_EQ(id[60] | (uint32_t)id[61] << 16, DISK_SECTORS);
	CHECK_EQ(id[100], DISK_SECTORS);
	CHECK_EQ(id[27], 'V' << 8 | 'M');  /* "VMM HARDDISK", two characters a word, first high */
	CHECK_EQ(id[83] & 0xc400, 0x4400); /* LBA48 */
	CHECK_EQ(fake_irq_raised[14], 0);  /* nIEN kept the line quiet */
	/* The CD-ROM: the packet signature after IDENTIFY's refusal, then IDENTIFY PACKET */
	ata_command(0x170, 0xa0, 0, 0, 0xec);
	CHECK_EQ(inb(0x177), 0x51);
	CHECK_EQ(inb(0x174), 0x14);
	CHECK_EQ(inb(0x175), 0xeb);
	ata_command(0x170, 0xa0, 0, 0, 0xa1);
	CHECK_EQ(inb(0x177), 0x58);
	CHECK_EQ(in(0x170, 2), 0x85c0);
	CHECK_EQ(fake_irq_raised[15], 2); /* interrupts were on there: the refusal, the data */
	/* CMOS: no translation for a small disk; boot order c, a, d by default */
	CHECK_EQ(board.cmos.ram[0x39], 0);
	CHECK_EQ(board.cmos.ram[0x3d], 0x12);
	CHECK_EQ(board.cmos.ram[0x38], 0x30);
}

static void test_ide_software_reset_signatures(void)
{
	ide_board(BLOCK_READ_WRITE);
	outb(0x3f6, 0x0c); /* SRST */
	CHECK_EQ(inb(0x3f6), 0x80);
	outb(0x3f6, 0x08);
	CHECK_EQ(inb(0x1f7), 0x50);
	CHECK_EQ(inb(0x1f1), 0x01);
	CHECK_EQ(inb(0x1f2), 0x01);
	CHECK_EQ(inb(0x1f3), 0x01);
	CHECK_EQ(inb(0x1f4), 0x00);
	CHECK_EQ(inb(0x1f5), 0x00);
	outb(0x376, 0x04);
	outb(0x376, 0x00);
	CHECK_EQ(inb(0x174), 0x14);
	CHECK_EQ(inb(0x175), 0xeb);
	/* a channel with nothing on it floats */
	block_close_all();
	config.ide_drives[2] = IDE_NONE;
	new_board();
	CHECK_EQ(inb(0x177), 0xff);
	CHECK_EQ(inb(0x376), 0xff);
}

static void test_ide_pio_read_write(void)
{
	ide_board(BLOCK_READ_WRITE);
	outb(0x3f6, 0x08); /* interrupts on */
	/* READ SECTORS, LBA 100, 2 sectors: one interrupt and one DRQ block per sector */
	ata_command(0x1f0, 0xe0, 2, 100, 0x20);
	CHECK_EQ(fake_irq_raised[14], 1);
	CHECK_EQ(inb(0x1f7), 0x58);
	CHECK_EQ(fake_irq_level[14], 0); /* reading the status acknowledged it */
	CHECK_EQ(in(0x1f0, 4), 100);
	for (unsigned i = 1; i < 128; i++)
		in(0x1f0, 4);
	CHECK_EQ(fake_irq_raised[14], 2);
	CHECK_EQ(in(0x1f0, 4), 101);
	for (unsigned i = 1; i < 128; i++)
		in(0x1f0, 4);
	CHECK_EQ(inb(0x3f6), 0x50); /* done, no third interrupt */
	CHECK_EQ(fake_irq_raised[14], 2);
	/* WRITE SECTORS, LBA 7, 2 sectors: the first block without an interrupt */
	ata_command(0x1f0, 0xe0, 2, 7, 0x30);
	CHECK_EQ(inb(0x1f7), 0x58);
	CHECK_EQ(fake_irq_raised[14], 2);
	for (unsigned i = 0; i < 256; i++)
		out(0x1f0, 2, i == 0 ? 0xbeef : i == 1 ? 0xdead : 0);
	CHECK_EQ(fake_irq_raised[14], 3);
	CHECK_EQ(inb(0x1f7), 0x58);
	for (unsigned i = 0; i < 128; i++)
		out(0x1f0, 4, 0x12345678);
	CHECK_EQ(fake_irq_raised[14], 4);
	CHECK_EQ(inb(0x1f7), 0x50);
	CHECK_EQ(file_word(disk_path, 7 * 512ull), 0xdeadbeef); /* in the file at once */
	CHECK_EQ(file_word(disk_path, 8 * 512ull + 508), 0x12345678);
	CHECK_EQ(file_word(disk_path, 9 * 512ull), 9);
	/* FLUSH CACHE */
	ata_command(0x1f0, 0xe0, 0, 0, 0xe7);
	CHECK_EQ(inb(0x1f7), 0x50);
	/* READ SECTORS EXT: LBA 4000 as 48 bits, high bytes written first */
	outb(0x1f6, 0x40);
	outb(0x1f2, 0);
	outb(0x1f2, 1);
	outb(0x1f3, 0);
	outb(0x1f3, 4000 & 0xff);
	outb(0x1f4, 0);
	outb(0x1f4, 4000 >> 8);
	outb(0x1f5, 0);
	outb(0x1f5, 0);
	outb(0x1f7, 0x24);
	CHECK_EQ(inb(0x1f7), 0x58);
	CHECK_EQ(in(0x1f0, 4), 4000);
	drain(0x1f0);
	outb(0x1f2, 1); /* now the registers take writes again */
	CHECK_EQ(inb(0x1f2), 1);
	/* CHS: cylinder 1, head 2, sector 3 = (1 * 16 + 2) * 63 + 2 */
	ata_command(0x1f0, 0xa2, 1, 3 | 1 << 8, 0x20);
	CHECK_EQ(inb(0x1f7), 0x58);
	CHECK_EQ(in(0x1f0, 4), (1 * 16 + 2) * 63 + 2);
	drain(0x1f0);
	/* READ MULTIPLE needs SET MULTIPLE first; then 4 sectors a block */
	ata_command(0x1f0, 0xe0, 8, 0, 0xc4);
	CHECK_EQ(inb(0x1f7), 0x51);
	ata_command(0x1f0, 0xe0, 3, 0, 0xc6);
	CHECK_EQ(inb(0x1f7), 0x51); /* not a power of two */
	ata_command(0x1f0, 0xe0, 4, 0, 0xc6);
	CHECK_EQ(inb(0x1f7), 0x50);
	ata_command(0x1f0, 0xe0, 8, 16, 0xc4);
	CHECK_EQ(inb(0x1f7), 0x58);
	for (unsigned i = 0; i < 512; i++)
		CHECK_EQ(in(0x1f0, 4), i % 128 == 0 ? 16 + i / 128 : (16 + i / 128) * 0x01010101u);
	CHECK_EQ(inb(0x1f7), 0x58); /* the second block of four */
	drain(0x1f0);
	/* A software reset keeps SET MULTIPLE (and the CHS translation); DEV reads 0 after it */
	outb(0x1f6, 0xb0);
	outb(0x3f6, 0x0c);
	outb(0x3f6, 0x08);
	CHECK_EQ(inb(0x1f6), 0x00);
	ata_command(0x1f0, 0xe0, 8, 16, 0xc4);
	CHECK_EQ(inb(0x1f7), 0x58);
	drain(0x1f0);
	/* The write cache: on from power-on (IDENTIFY word 85 bit 5), off with SET FEATURES 82h */
	outb(0x1f1, 0x82);
	ata_command(0x1f0, 0xe0, 0, 0, 0xef);
	CHECK_EQ(inb(0x1f7), 0x50);
	ata_command(0x1f0, 0xe0, 0, 0, 0xec);
	uint16_t id[256];
	for (unsigned i = 0; i < 256; i++)
		id[i] = (uint16_t)in(0x1f0, 2);
	CHECK_EQ(id[82] & 0x20, 0x20);
	CHECK_EQ(id[85] & 0x20, 0);
	CHECK_EQ(id[59], 0x0104); /* multiple mode: 4 sectors */
}

static void test_ide_out_of_range_and_read_only(void)
{
	ide_board(BLOCK_READ_ONLY);
	ata_command(0x1f0, 0xe0, 2, DISK_SECTORS - 1, 0x20); /* runs off the end */
	CHECK_EQ(inb(0x1f7), 0x51);
	CHECK_EQ(inb(0x1f1), 0x10);
	ata_command(0x1f0, 0xe0, 1, DISK_SECTORS - 1, 0x20); /* the last one is fine */
	CHECK_EQ(inb(0x1f7), 0x58);
	outb(0x1f6, 0xf0); /* mid-transfer the task file is not the guest's to change */
	CHECK_EQ(inb(0x1f6), 0xe0);
	drain(0x1f0);
	ata_command(0x1f0, 0xe0, 0, 0x0fffffff, 0x40); /* READ VERIFY far away */
	CHECK_EQ(inb(0x1f7), 0x51);
	ata_command(0x1f0, 0xa0, 1, 64, 0x20); /* CHS sector 0 does not exist */
	CHECK_EQ(inb(0x1f7), 0x51);
	ata_command(0x1f0, 0xe0, 1, 5, 0x30); /* a read-only image */
	CHECK_EQ(inb(0x1f7), 0x51);
	CHECK_EQ(inb(0x1f1), 0x04);
	for (unsigned i = 0; i < 256; i++) /* data with no transfer goes nowhere */
		out(0x1f0, 2, 0xffff);
	CHECK_EQ(file_word(disk_path, 5 * 512ull), 5);
	ata_command(0x1f0, 0xe0, 0, 0, 0x55); /* an unknown command */
	CHECK_EQ(inb(0x1f7), 0x51);
	CHECK_EQ(inb(0x1f1), 0x04);
}

static void test_ide_bus_master_dma(void)
{
	ide_board(BLOCK_READ_WRITE);
	uint32_t fn = 0x80000000u | 1u << 11 | 1u << 8; /* 00:01.1 */
	out(0xcf8, 4, fn | 0x20);
	out(0xcfc, 4, 0xffffffff); /* sizing BAR4: 16 bytes of I/O */
	CHECK_EQ(in(0xcfc, 4), 0xfffffff1);
	out(0xcfc, 4, 0xc000);
	out(0xcf8, 4, fn | 0x04);
	out(0xcfc, 2, 0x0005); /* I/O decoding and bus mastering on */
	outb(0x3f6, 0x08);
	/* READ DMA, LBA 10, 2 sectors into 0x30000 through a one-entry table at 0x1000 */
	store_le(fake_ram + 0x1000, 4, 0x30000);
	store_le(fake_ram + 0x1004, 4, 0x80000000u | 1024);
	out(0xc004, 4, 0x1000);
	ata_command(0x1f0, 0xe0, 2, 10, 0xc8);
	CHECK_EQ(inb(0x3f6), 0x58); /* waiting for the engine */
	CHECK_EQ(fake_irq_raised[14], 0);
	outb(0xc000, 0x09); /* start, towards memory */
	CHECK_EQ(fake_irq_raised[14], 1);
	CHECK_EQ(inb(0xc002), 0x04); /* interrupt, no longer active */
	CHECK_EQ(inb(0x1f7), 0x50);
	CHECK_EQ(load_le(fake_ram + 0x30000, 4), 10);
	CHECK_EQ(load_le(fake_ram + 0x30200, 4), 11);
	outb(0xc000, 0x00);
	outb(0xc002, 0x04); /* write 1 to clear */
	CHECK_EQ(inb(0xc002), 0x00);
	/* WRITE DMA with the engine started first: LBA 20 from 0x40000 */
	memcpy(fake_ram + 0x40000, "dma write", 10);
	store_le(fake_ram + 0x1004, 4, 0x80000000u | 512);
	store_le(fake_ram + 0x1000, 4, 0x40000);
	outb(0xc000, 0x01);
	ata_command(0x1f0, 0xe0, 1, 20, 0xca);
	CHECK_EQ(inb(0x1f7), 0x50);
	CHECK_EQ(file_word(disk_path, 20 * 512ull), 0x20616d64); /* "dma " */
	outb(0xc000, 0x00);
	/* a table shorter than the transfer: the error bit and an aborted command */
	ata_command(0x1f0, 0xe0, 4, 0, 0xc8);
	outb(0xc000, 0x09);
	CHECK_EQ(inb(0xc002) & 0x06, 0x06);
	CHECK_EQ(inb(0x1f7), 0x51);
	/* IDENTIFY offers multiword DMA 0-2, and shows the mode SET FEATURES chose */
	outb(0x1f1, 0x03);
	ata_command(0x1f0, 0xe0, 0x22, 0, 0xef);
	ata_command(0x1f0, 0xe0, 0, 0, 0xec);
	uint16_t id[256];
	for (unsigned i = 0; i < 256; i++)
		id[i] = (uint16_t)in(0x1f0, 2);
	CHECK_EQ(id[63], 0x0407);
	CHECK_EQ(id[49] & 0x0100, 0x0100);
}

/* Send a 12-byte ATAPI packet to the secondary master with the given byte count limit. */
static void atapi_packet(const uint8_t *cdb, uint16_t limit)
{
	outb(0x176, 0xa0);
	outb(0x171, 0);
	outb(0x174, (uint8_t)limit);
	outb(0x175, (uint8_t)(limit >> 8));
	outb(0x177, 0xa0);
	CHECK_EQ(inb(0x177), 0x58);
	CHECK_EQ(inb(0x172), 0x01); /* CoD: the command is wanted */
	for (unsigned i = 0; i < 12; i += 4)
		out(0x170, 4, (uint32_t)load_le(cdb + i, 4));
}

static void test_atapi_commands(void)
{
	ide_board(BLOCK_READ_WRITE);
	uint8_t tur[12] = {0x00}, inquiry[12] = {0x12, 0, 0, 0, 36};
	uint8_t capacity[12] = {0x25}, read10[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 2};
	uint8_t bogus[12] = {0xff}, sense[12] = {0x03, 0, 0, 0, 18};
	uint8_t past_end[12] = {0x28, 0, 0, 0, 0, 63, 0, 0, 2};
	atapi_packet(tur, 0);
	CHECK_EQ(inb(0x177), 0x50);
	CHECK_EQ(inb(0x172), 0x03); /* IO|CoD: the command is over */
	atapi_packet(inquiry, 96);
	CHECK_EQ(inb(0x177), 0x58);
	CHECK_EQ(inb(0x172), 0x02); /* IO: data for the host */
	CHECK_EQ(inb(0x174) | inb(0x175) << 8, 36);
	CHECK_EQ(in(0x170, 2), 0x8005); /* CD/DVD, removable */
	for (unsigned i = 1; i < 18; i++)
		in(0x170, 2);
	CHECK_EQ(inb(0x177), 0x50);
	atapi_packet(capacity, 8);
	CHECK_EQ(in(0x170, 4), 63u << 24);  /* the last block, big-endian */
	CHECK_EQ(in(0x170, 4), 0x00080000); /* 2048 */
	/* READ(10) of blocks 5 and 6 with a 2048-byte limit: one DRQ block each, as SeaBIOS reads
	 */
	atapi_packet(read10, 2048);
	for (unsigned b = 0; b < 2; b++) {
		CHECK_EQ(inb(0x177), 0x58);
		CHECK_EQ(inb(0x174) | inb(0x175) << 8, 2048);
		CHECK_EQ(in(0x170, 4),
			 (5 + b) * 4ull); /* the 512-byte sector numbers of the image */
		for (unsigned i = 1; i < 512; i++)
			in(0x170, 4);
	}
	CHECK_EQ(inb(0x177), 0x50);
	/* errors: CHECK CONDITION, then REQUEST SENSE tells why */
	atapi_packet(bogus, 18);
	CHECK_EQ(inb(0x177), 0x51);
	CHECK_EQ(inb(0x171) >> 4, 5);
	atapi_packet(sense, 18);
	CHECK_EQ(in(0x170, 4) & 0xff00ff, 0x050070); /* fixed format, ILLEGAL REQUEST */
	for (unsigned i = 1; i < 3; i++)
		in(0x170, 4);
	CHECK_EQ(in(0x170, 4) & 0xff, 0x20); /* invalid command operation code */
	in(0x170, 2);
	CHECK_EQ(inb(0x177), 0x50);
	atapi_packet(past_end, 2048);
	CHECK_EQ(inb(0x177), 0x51);
	/* READ TOC from track AAh: the lead-out alone (Linux's sr_read_tocentry reads it) */
	uint8_t toc_leadout[12] = {0x43, 0, 0, 0, 0, 0, 0xaa, 0, 12};
	atapi_packet(toc_leadout, 12);
	CHECK_EQ(in(0x170, 4), 0x01010a00); /* length 10 (big-endian), tracks 1 to 1 */
	CHECK_EQ(in(0x170, 4), 0x00aa1400); /* the lead-out's descriptor */
	CHECK_EQ(in(0x170, 4), 64u << 24);  /* at block 64, big-endian */
	CHECK_EQ(inb(0x177), 0x50);
	/* ATA reads are refused by a packet device */
	ata_command(0x170, 0xe0, 1, 0, 0x20);
	CHECK_EQ(inb(0x177), 0x51);
}

/* ---- the floppy controller and the DMA controller ----------------------------------------- */
static void fdc_send(const uint8_t *bytes, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(inb(0x3f4) & 0xc0, 0x80); /* RQM, host to controller */
		outb(0x3f5, bytes[i]);
	}
}

static void fdc_receive(uint8_t *bytes, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		CHECK_EQ(inb(0x3f4) & 0xc0, 0xc0); /* RQM, controller to host */
		bytes[i] = inb(0x3f5);
	}
	CHECK_EQ(inb(0x3f4) & 0xc0, 0x80); /* and no more */
}

/* Channel 2 for len bytes at addr, as SeaBIOS's dma_floppy programs it. */
static void dma_channel2(uint32_t addr, uint16_t len, bool to_memory)
{
	outb(0x0a, 0x06);
	outb(0x0c, 0);
	outb(0x04, (uint8_t)addr);
	outb(0x04, (uint8_t)(addr >> 8));
	outb(0x0c, 0);
	outb(0x05, (uint8_t)(len - 1));
	outb(0x05, (uint8_t)((len - 1) >> 8));
	outb(0x0b, to_memory ? 0x46 : 0x4a);
	outb(0x81, (uint8_t)(addr >> 16));
	outb(0x0a, 0x02);
}

static void test_floppy_read_write(void)
{
	char path[128], err[256];
	block_close_all();
	make_image(path, sizeof(path), "floppy.img", 1474560);
	CHECK(block_open(BOARD_FLOPPY_BLOCK, path, BLOCK_READ_WRITE, 512, UINT64_MAX, err,
			 sizeof(err)) == 0);
	config.floppy_drives[0] = true;
	new_board();
	CHECK_EQ(board.cmos.ram[0x10], 0x40); /* drive A: 1.44 MB */
	CHECK_EQ(inb(0x3f7) & 0x80, 0x80);    /* a disk was put in */
	/* leave reset with interrupts on: IRQ 6, then a SENSE INTERRUPT per drive */
	outb(0x3f2, 0x08);
	outb(0x3f2, 0x1c);
	CHECK_EQ(fake_irq_raised[6], 1);
	uint8_t r[7], sense[1] = {0x08}, specify[3] = {0x03, 0xaf, 0x02};
	for (unsigned i = 0; i < 4; i++) {
		fdc_send(sense, 1);
		fdc_receive(r, 2);
		CHECK_EQ(r[0], 0xc0 + i);
	}
	fdc_send(sense, 1); /* nothing more to sense */
	fdc_receive(r, 1);
	CHECK_EQ(r[0], 0x80);
	fdc_send(specify, 3);
	uint8_t seek[3] = {0x0f, 0x00, 1};
	fdc_send(seek, 3);
	CHECK_EQ(fake_irq_raised[6], 2);
	fdc_send(sense, 1);
	fdc_receive(r, 2);
	CHECK_EQ(r[0], 0x20);
	CHECK_EQ(r[1], 1);
	CHECK_EQ(inb(0x3f7) & 0x80, 0); /* the step cleared the change line */
	/* READ DATA: cylinder 1, head 1, sectors 17-18 -> 2 sectors by DMA to 0x10000 */
	dma_channel2(0x10000, 1024, true);
	uint8_t read[9] = {0xe6, 0x04, 1, 1, 17, 2, 18, 0x1b, 0xff};
	fdc_send(read, 9);
	CHECK_EQ(fake_irq_raised[6], 3);
	fdc_receive(r, 7);
	CHECK_EQ(r[0], 0x04);
	CHECK_EQ(r[1], 0);
	CHECK_EQ(r[3], 2); /* the next sector: cylinder 2, head 0, sector 1 */
	CHECK_EQ(r[4], 0);
	CHECK_EQ(r[5], 1);
	uint32_t lba = (1 * 2 + 1) * 18 + 16;
	CHECK_EQ(load_le(fake_ram + 0x10000, 4), lba);
	CHECK_EQ(load_le(fake_ram + 0x10200, 4), lba + 1);
	/* WRITE DATA: one sector from memory to cylinder 0, head 0, sector 5 */
	memcpy(fake_ram + 0x20000, "floppy write", 13);
	dma_channel2(0x20000, 512, false);
	uint8_t write[9] = {0xc5, 0x00, 0, 0, 5, 2, 18, 0x1b, 0xff};
	fdc_send(write, 9);
	fdc_receive(r, 7);
	CHECK_EQ(r[0] & 0xc0, 0);
	CHECK_EQ(file_word(path, 4 * 512ull), 0x706f6c66); /* "flop", in the file at once */
	/* sectors off the disk or a bad size code end abnormally */
	dma_channel2(0x10000, 512, true);
	uint8_t bad[9] = {0xe6, 0x00, 90, 0, 1, 2, 18, 0x1b, 0xff};
	fdc_send(bad, 9);
	fdc_receive(r, 7);
	CHECK_EQ(r[0] & 0xc0, 0x40);
	CHECK_EQ(r[1], 0x04);
	/* a masked DMA channel moves nothing: an overrun, not a silent success */
	outb(0x0a, 0x06);
	uint8_t again[9] = {0xe6, 0x00, 0, 0, 1, 2, 18, 0x1b, 0xff};
	fdc_send(again, 9);
	fdc_receive(r, 7);
	CHECK_EQ(r[0] & 0xc0, 0x40);
	CHECK_EQ(r[1], 0x10);
	/* the wrong data rate finds no sector (media sensing relies on it) */
	outb(0x3f7, 0x03); /* 1 Mb/s: a 2.88 MB rate */
	uint8_t read_id[2] = {0x4a, 0x00};
	fdc_send(read_id, 2);
	fdc_receive(r, 7);
	CHECK_EQ(r[0] & 0xc0, 0x40);
	CHECK_EQ(r[1], 0x01);
	outb(0x3f7, 0x00); /* 500 kb/s: the 1.44 MB rate */
	fdc_send(read_id, 2);
	fdc_receive(r, 7);
	CHECK_EQ(r[0] & 0xc0, 0);
	uint8_t dumpreg[1] = {0x0e}, regs[10];
	fdc_send(dumpreg, 1);
	fdc_receive(regs, 10);
	CHECK_EQ(regs[4], 0xaf); /* SPECIFY's step rate and head unload */
	uint8_t version[1] = {0x10};
	fdc_send(version, 1);
	fdc_receive(r, 1);
	CHECK_EQ(r[0], 0x90);
	uint8_t c, h, s, type;
	CHECK(fdc_geometry(1474560 + 512, &c, &h, &s, &type) < 0);
	CHECK(fdc_geometry(737280, &c, &h, &s, &type) == 0 && c == 80 && s == 9 && type == 3);
	block_close_all();
}

static void test_block_backend(void)
{
	char path[128], err[256];
	block_close_all();
	make_image(path, sizeof(path), "odd.img", 1000);
	truncate(path, 1000);
	CHECK(block_open(0, path, BLOCK_READ_WRITE, 512, UINT64_MAX, err, sizeof(err)) < 0);
	CHECK(strstr(err, "not a multiple of 512") != NULL);
	make_image(path, sizeof(path), "empty.img", 0);
	CHECK(block_open(0, path, BLOCK_READ_WRITE, 512, UINT64_MAX, err, sizeof(err)) < 0);
	CHECK(strstr(err, "empty") != NULL);
	CHECK(block_open(0, image_dir, BLOCK_READ_ONLY, 512, UINT64_MAX, err, sizeof(err)) < 0);
	CHECK(strstr(err, image_dir) != NULL);
	make_image(path, sizeof(path), "big.img", 4096);
	CHECK(block_open(0, path, BLOCK_READ_WRITE, 512, 2048, err, sizeof(err)) < 0);
	CHECK(strstr(err, "too large") != NULL);
	/* a writer elsewhere (another open file description: another vmm) locks everyone out */
	int other = open(path, O_RDWR);
	struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	CHECK(other >= 0 && fcntl(other, F_OFD_SETLK, &lock) == 0);
	CHECK(block_open(0, path, BLOCK_READ_ONLY, 512, UINT64_MAX, err, sizeof(err)) < 0);
	CHECK(strstr(err, "in use") != NULL && strstr(err, path) != NULL);
	close(other);
	CHECK(block_open(0, path, BLOCK_READ_WRITE, 512, UINT64_MAX, err, sizeof(err)) == 0);
	other = open(path, O_RDONLY); /* and a reader cannot take its share while we write */
	lock.l_type = F_RDLCK;
	CHECK(other >= 0 && fcntl(other, F_OFD_SETLK, &lock) < 0);
	close(other);
	CHECK(block_open(1, path, BLOCK_READ_ONLY, 512, UINT64_MAX, err, sizeof(err)) < 0);
	CHECK(strstr(err, "given twice") != NULL);
	uint8_t buf[8] = "written", seen[8];
	CHECK(block_read(0, 4000, seen, 8)); /* read ahead to the end, then written: */
	CHECK(block_write(0, 4088, buf, 8));
	CHECK(block_read(0, 4088, seen, 8) && memcmp(seen, buf, 8) == 0); /* not stale */
	CHECK(!block_write(0, 4090, buf, 8));				  /* past the end */
	CHECK(!block_read(0, UINT64_MAX - 2, buf, 8));
	block_close_all();
	CHECK_EQ(file_word(path, 4088), 0x74697277); /* "writ" */
	/* a snapshot reads the file, keeps its writes, leaves the file alone */
	CHECK(block_open(0, path, BLOCK_SNAPSHOT, 512, UINT64_MAX, err, sizeof(err)) == 0);
	uint8_t more[4] = "abcd", back[4];
	CHECK(block_write(0, 512, more, 4));
	CHECK(block_read(0, 512, back, 4) && memcmp(back, "abcd", 4) == 0);
	CHECK_EQ(file_word(path, 512), 1);
	uint8_t span[600]; /* bytes 500-1099: file, overlay (its sector completed from the file),
			      file */
	CHECK(block_read(0, 500, span, sizeof(span)));
	CHECK(span[11] == 0 && memcmp(span + 12, "abcd", 4) == 0 && span[16] == 1 &&
	      span[523] == 1);
	CHECK(span[524] == 2 && span[525] == 0 && span[528] == 2);
	block_close_all();
	CHECK(block_open(1, path, BLOCK_READ_ONLY, 512, UINT64_MAX, err, sizeof(err)) == 0);
	CHECK(!block_write(1, 512, more, 4)); /* read-only */
	CHECK(block_write(1, 512, more, 0) == false);
	block_close_all();
	CHECK_EQ(file_word(path, 512), 1);
}

int main(void)
{
	if (!mkdtemp(image_dir)) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_bus_regions_see_offsets);
	RUN(test_bus_splits_wide_accesses_to_byte_devices);
	RUN(test_irq_line_counts_edges);
	RUN(test_timers);
	RUN(test_board_ram_split);
	RUN(test_board_e820_and_fw_cfg);
	RUN(test_board_memory_edges);
	RUN(test_board_acpi_tables);
	RUN(test_debugcon);
	RUN(test_cmos_clock_bcd);
	RUN(test_cmos_clock_binary_12h);
	RUN(test_cmos_set_date_with_set_bit);
	RUN(test_cmos_set_time_running);
	RUN(test_cmos_divider_reset_freezes);
	RUN(test_cmos_uip_window);
	RUN(test_cmos_periodic_interrupt);
	RUN(test_cmos_update_and_alarm_interrupts);
	RUN(test_cmos_status_registers);
	RUN(test_cmos_memory_sizes);
	RUN(test_pci_probe);
	RUN(test_pci_write_masks);
	RUN(test_pci_status_write_one_to_clear);
	RUN(test_pam);
	RUN(test_fw_cfg_signature_and_unknown);
	RUN(test_fw_cfg_selector_rules);
	RUN(test_fw_cfg_directory_and_limits);
	RUN(test_fw_cfg_dma);
	RUN(test_i8042_self_tests);
	RUN(test_i8042_keyboard_commands);
	RUN(test_i8042_translation);
	RUN(test_i8042_edge_per_byte);
	RUN(test_i8042_ports_and_disable);
	RUN(test_i8042_reset);
	RUN(test_sysctl);
	RUN(test_uart_seabios_detect);
	RUN(test_uart_linux_autoconfig);
	RUN(test_uart_transmit);
	RUN(test_uart_thre_interrupt_follows_the_byte);
	RUN(test_uart_receive_fifo_and_timeout);
	RUN(test_uart_line_status_interrupt);
	RUN(test_uart_modem_status);
	RUN(test_vga_power_on_is_text_mode);
	RUN(test_vga_registers_read_back);
	RUN(test_screen_capture_and_dump);
	RUN(test_screen_render);
	RUN(test_keys_to_scancodes);
	RUN(test_keys_wait_for_room);
	RUN(test_ide_pci_function_and_detection);
	RUN(test_ide_software_reset_signatures);
	RUN(test_ide_pio_read_write);
	RUN(test_ide_out_of_range_and_read_only);
	RUN(test_atapi_commands);
	RUN(test_ide_bus_master_dma);
	RUN(test_block_backend);
	RUN(test_floppy_read_write);
	block_close_all();
	static const char *const images[] = {"disk.img",  "cd.iso",  "odd.img",
					     "empty.img", "big.img", "floppy.img"};
	for (unsigned i = 0; i < ARRAY_SIZE(images); i++) {
		char path[128];
		snprintf(path, sizeof(path), "%s/%s", image_dir, images[i]);
		unlink(path);
	}
	if (rmdir(image_dir) < 0)
		printf("# could not remove %s\n", image_dir);
	printf("# unit tests: %d ok, %d not ok\n", passed, failed);
	return failed != 0;
}
