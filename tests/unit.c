/* Unit tests of the device models, driven through the same port bus the run loop uses.
 * No KVM needed: interrupts, resets and console output are recorded by the stubs below. */
#include "../vmm.h"

#include <stdio.h>
#include <string.h>

int debug_level;
void log_msg(const char *fmt, ...)
{
	(void)fmt;
}

/* ---- what the machine would do, recorded ------------------------------------------------ */
static int irq_levels[16];
static int irq_changes;
static int resets;
static char console[4096];
static size_t console_len;

void vm_irq_line(unsigned irq, int level)
{
	if (irq < 16)
		irq_levels[irq] = level;
	irq_changes++;
}
void vm_request_reset(const char *how)
{
	(void)how;
	resets++;
}
void console_write(const void *buf, size_t len)
{
	if (console_len + len <= sizeof(console)) {
		memcpy(console + console_len, buf, len);
		console_len += len;
	}
}

static void reset_recorders(void)
{
	memset(irq_levels, 0, sizeof(irq_levels));
	irq_changes = resets = 0;
	console_len = 0;
}

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
static void run_test(void (*fn)(void), const char *name)
{
	test_failed = 0;
	reset_recorders();
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

static struct io_bus bus;

static uint32_t in(uint16_t port, unsigned size)
{
	uint8_t d[4] = {0};
	io_bus_access(&bus, port, size, false, d);
	return (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24;
}
static void out(uint16_t port, unsigned size, uint32_t v)
{
	uint8_t d[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	io_bus_access(&bus, port, size, true, d);
}
static uint8_t inb(uint16_t port)
{
	return (uint8_t)in(port, 1);
}
static void outb(uint16_t port, uint8_t v)
{
	out(port, 1, v);
}

/* ---- bus ------------------------------------------------------------------------------------ */
static uint32_t last_write;
static uint32_t probe_read(void *dev, uint16_t port, unsigned size)
{
	(void)dev, (void)size;
	return 0x40u + port;
}
static void probe_write(void *dev, uint16_t port, unsigned size, uint32_t v)
{
	(void)dev, (void)size;
	last_write = (uint32_t)port << 16 | v;
}

static void test_bus_dispatch(void)
{
	memset(&bus, 0, sizeof(bus));
	struct io_region r = {
	    .base = 0x100, .len = 4, .name = "p", .read = probe_read, .write = probe_write};
	CHECK_EQ(io_bus_register(&bus, &r), 0);
	struct io_region overlap = r;
	overlap.base = 0x103;
	CHECK(io_bus_register(&bus, &overlap) < 0);
	struct io_region past_end = {.base = 0xfffe, .len = 4, .name = "x"};
	CHECK(io_bus_register(&bus, &past_end) < 0);
	struct io_region empty = {.base = 0x200, .len = 0, .name = "x"};
	CHECK(io_bus_register(&bus, &empty) < 0);
	CHECK_EQ(in(0x102, 2), 0x142);
	out(0x101, 2, 0xbeef);
	CHECK_EQ(last_write, 0x0101beef);
	CHECK_EQ(inb(0x99), 0xff); /* nobody: floats high */
	CHECK_EQ(in(0x99, 2), 0xffff);
	CHECK_EQ(in(0x99, 4), 0xffffffff);
	CHECK_EQ(bus.unhandled, 3);
	uint8_t odd[4] = {1, 2, 3, 4};
	io_bus_access(&bus, 0x100, 3, false, odd); /* no such access size: untouched */
	CHECK_EQ(odd[0], 1);
}

static void test_bus_byte_wide_split(void)
{
	memset(&bus, 0, sizeof(bus));
	struct cmos c;
	cmos_init(&c, NULL, 16 << 20, 0, 1);
	cmos_register(&c, &bus);
	out(0x70, 2, 0x3c15); /* outw: index 0x15 to 0x70, then 0x3c to 0x71 */
	CHECK_EQ(c.ram[0x15], 0x3c);
}

/* ---- debug console -----------------------------------------------------------------------------
 */
static void test_debugcon(void)
{
	memset(&bus, 0, sizeof(bus));
	CHECK_EQ(debugcon_init(&bus), 0);
	CHECK_EQ(inb(0x402), 0xe9); /* SeaBIOS's readback check */
	outb(0x402, 'o');
	outb(0x402, 'k');
	CHECK_EQ(console_len, 2);
	CHECK(memcmp(console, "ok", 2) == 0);
}

/* ---- CMOS / RTC
 * ---------------------------------------------------------------------------------- */
static int64_t fixed_time = 1795614330; /* 2026-11-25 13:45:30 UTC, a Wednesday */
static int64_t test_clock(void)
{
	return fixed_time;
}

static struct cmos cmos;
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
static void cmos_setup(uint64_t below, uint64_t above)
{
	memset(&bus, 0, sizeof(bus));
	cmos_init(&cmos, test_clock, below, above, 1);
	cmos_register(&cmos, &bus);
}

static void test_cmos_clock_bcd(void)
{
	cmos_setup(128 << 20, 0);
	CHECK_EQ(cmos_get(0x00), 0x30);
	CHECK_EQ(cmos_get(0x02), 0x45);
	CHECK_EQ(cmos_get(0x04), 0x13);
	CHECK_EQ(cmos_get(0x06), 0x04); /* Wednesday = 4 (Sunday = 1) */
	CHECK_EQ(cmos_get(0x07), 0x25);
	CHECK_EQ(cmos_get(0x08), 0x11);
	CHECK_EQ(cmos_get(0x09), 0x26);
	CHECK_EQ(cmos_get(0x32), 0x20);
	CHECK_EQ(cmos_get(0x80 | 0x02), 0x45); /* bit 7 is the NMI mask, not the index */
	CHECK(cmos.nmi_disabled);
	fixed_time += 1;
	CHECK_EQ(cmos_get(0x00), 0x31); /* the clock runs */
	fixed_time -= 1;
}

static void test_cmos_clock_binary_12h(void)
{
	cmos_setup(128 << 20, 0);
	cmos_set(0x0b, 0x04); /* binary, 12-hour */
	CHECK_EQ(cmos_get(0x00), 30);
	CHECK_EQ(cmos_get(0x04), 0x80 | 1); /* 1 PM */
	CHECK_EQ(cmos_get(0x09), 26);
}

static void test_cmos_set_time(void)
{
	cmos_setup(128 << 20, 0);
	cmos_set(0x09, 0x99); /* year 2099 */
	CHECK_EQ(cmos_get(0x09), 0x99);
	CHECK_EQ(cmos_get(0x32), 0x20);
	CHECK_EQ(cmos_get(0x08), 0x11);
	cmos_set(0x04, 0x23);
	CHECK_EQ(cmos_get(0x04), 0x23);
	CHECK_EQ(cmos_get(0x07), 0x25); /* the date did not move */
	fixed_time += 3600;		/* an hour later: past midnight */
	CHECK_EQ(cmos_get(0x04), 0x00);
	CHECK_EQ(cmos_get(0x07), 0x26);
	fixed_time -= 3600;
	/* Garbage BCD cannot break it. */
	for (int reg = 0; reg < 0x10; reg++)
		cmos_set((uint8_t)reg, 0xff);
	cmos_set(0x32, 0xff);
	(void)cmos_get(0x09);
}

static void test_cmos_status_registers(void)
{
	cmos_setup(128 << 20, 0);
	CHECK_EQ(cmos_get(0x0a) & 0x80, 0); /* never "update in progress" */
	CHECK_EQ(cmos_get(0x0b), 0x02);	    /* 24-hour BCD */
	CHECK_EQ(cmos_get(0x0d), 0x80);	    /* valid RAM and time */
	cmos.ram[0x0c] = 0xc0;
	CHECK_EQ(cmos_get(0x0c), 0xc0);
	CHECK_EQ(cmos_get(0x0c), 0x00); /* cleared by the read */
	cmos_set(0x0d, 0x00);
	CHECK_EQ(cmos_get(0x0d), 0x80); /* read-only */
	cmos_set(0x40, 0x5a);
	CHECK_EQ(cmos_get(0x40), 0x5a); /* plain NVRAM */
	CHECK_EQ(inb(0x70), 0xff);	/* the index port is write-only */
}

static void test_cmos_memory_128m(void)
{
	cmos_setup(128 << 20, 0);
	CHECK_EQ(cmos_get(0x15) | cmos_get(0x16) << 8, 640);
	CHECK_EQ(cmos_get(0x17) | cmos_get(0x18) << 8, 0xffff); /* 127 MiB, capped */
	CHECK_EQ(cmos_get(0x30) | cmos_get(0x31) << 8, 0xffff);
	CHECK_EQ(cmos_get(0x34) | cmos_get(0x35) << 8, 0x700); /* 112 MiB in 64 KiB units */
	CHECK_EQ(cmos_get(0x5b) | cmos_get(0x5c) << 8 | cmos_get(0x5d) << 16, 0);
	CHECK_EQ(cmos_get(0x5f), 0); /* one CPU */
}

static void test_cmos_memory_16m(void)
{
	cmos_setup(16 << 20, 0);
	CHECK_EQ(cmos_get(0x30) | cmos_get(0x31) << 8, 15360); /* 15 MiB in KiB */
	CHECK_EQ(cmos_get(0x34) | cmos_get(0x35) << 8, 0);
}

static void test_cmos_memory_above_4g(void)
{
	cmos_setup(3ull << 30, 5ull << 30);
	CHECK_EQ(cmos_get(0x34) | cmos_get(0x35) << 8, ((3u << 30) - (16u << 20)) >> 16);
	CHECK_EQ(cmos_get(0x5b) | cmos_get(0x5c) << 8 | cmos_get(0x5d) << 16, (5ull << 30) >> 16);
}

/* ---- PCI
 * ----------------------------------------------------------------------------------------- */
static struct pci_bus pci;
static struct i440fx host;
static struct piix3 isa;
static void pci_setup_bus(void)
{
	memset(&bus, 0, sizeof(bus));
	memset(&pci, 0, sizeof(pci));
	i440fx_init(&host);
	piix3_init(&isa);
	pci_add_function(&pci, &host.fn);
	pci_add_function(&pci, &isa.fn);
	pci_register(&pci, &bus);
}
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
	pci_setup_bus();
	out(0xcf8, 4, 0x80000000);
	CHECK_EQ(in(0xcf8, 4), 0x80000000); /* SeaBIOS's pci_probe_host() */
	CHECK_EQ(cfg_read(0, 0, 0, 4), 0x12378086);
	CHECK_EQ(cfg_read(1, 0, 0, 4), 0x70008086);
	CHECK_EQ(cfg_read(0, 0, 0x08, 4) >> 8, 0x060000); /* host bridge class */
	CHECK_EQ(cfg_read(1, 0, 0x0a, 2), 0x0601);	  /* ISA bridge class */
	CHECK_EQ(cfg_read(1, 0, 0x0e, 1), 0x80);	  /* multifunction */
	CHECK_EQ(cfg_read(2, 0, 0, 4), 0xffffffff);	  /* empty slot */
	CHECK_EQ(cfg_read(1, 1, 0, 2), 0xffff);		  /* no IDE function */
	out(0xcf8, 4, 0x00000000);			  /* enable bit clear */
	CHECK_EQ(in(0xcfc, 4), 0xffffffff);
	out(0xcf8, 4, 0x80010000); /* bus 1 does not exist */
	CHECK_EQ(in(0xcfc, 4), 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0x02, 2), 0x1237); /* word at 0xcfe */
	CHECK_EQ(cfg_read(0, 0, 0x01, 1), 0x80);   /* byte at 0xcfd */
}

static void test_pci_write_masks(void)
{
	pci_setup_bus();
	cfg_write(0, 0, 0x00, 4, 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0, 4), 0x12378086); /* IDs are read-only */
	cfg_write(0, 0, 0x10, 4, 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0x10, 4), 0); /* no BAR: sizing reads 0 */
	cfg_write(1, 0, 0x30, 4, 0xfffff800);
	CHECK_EQ(cfg_read(1, 0, 0x30, 4), 0); /* no expansion ROM */
	cfg_write(1, 0, 0x60, 4, 0x0b0b0a0a); /* SeaBIOS's PIRQ routing */
	CHECK_EQ(cfg_read(1, 0, 0x60, 4), 0x0b0b0a0a);
	out(0xcf8, 1, 0x12); /* a byte write at 0xcf8 is not an address */
	CHECK_EQ(in(0xcf8, 4) & 0xff, 0x60);
}

static void test_pci_pam(void)
{
	pci_setup_bus();
	CHECK_EQ(i440fx_pam(&host, 0xf0000), 0); /* reset: reads go to the ROM side */
	cfg_write(0, 0, 0x59, 1, 0xff);
	CHECK_EQ(cfg_read(0, 0, 0x59, 1), 0x30); /* PAM0 low nibble is reserved */
	CHECK_EQ(i440fx_pam(&host, 0xfffff), 3);
	cfg_write(0, 0, 0x5a, 2, 0x1133);     /* PAM1 and PAM2 */
	cfg_write(0, 0, 0x5c, 4, 0x00000011); /* PAM3..6 */
	CHECK_EQ(i440fx_pam(&host, 0xc0000), 3);
	CHECK_EQ(i440fx_pam(&host, 0xc4000), 3);
	CHECK_EQ(i440fx_pam(&host, 0xc8000), 1);
	CHECK_EQ(i440fx_pam(&host, 0xcc000), 1);
	CHECK_EQ(i440fx_pam(&host, 0xd0000), 1);
	CHECK_EQ(i440fx_pam(&host, 0xd4000), 1);
	CHECK_EQ(i440fx_pam(&host, 0xd8000), 0);
	CHECK_EQ(i440fx_pam(&host, 0x100000), 3);
	CHECK_EQ(cfg_read(0, 0, 0x5c, 1), 0x11);
	cfg_write(0, 0, 0x5e, 4, 0xffff); /* a dword at 0xcfe only reaches 0x5e..0x5f */
	CHECK_EQ(cfg_read(0, 0, 0x5c, 4), 0x33330011);
	cfg_write(0, 0, 0x5c, 4, 0xffffffff);
	CHECK_EQ(cfg_read(0, 0, 0x5c, 4), 0x33333333);
}

/* ---- fw_cfg
 * --------------------------------------------------------------------------------------- */
static struct fw_cfg fw;
static void fw_read(uint16_t key, uint8_t *buf, unsigned n)
{
	out(FW_CFG_PORT_SEL, 2, key);
	for (unsigned i = 0; i < n; i++)
		buf[i] = inb(FW_CFG_PORT_DATA);
}

static void test_fw_cfg_signature_and_unknown(void)
{
	memset(&bus, 0, sizeof(bus));
	fw_cfg_init(&fw);
	fw_cfg_register(&fw, &bus);
	uint8_t b[8];
	fw_read(0x0000, b, 4);
	CHECK(memcmp(b, "QEMU", 4) == 0);
	fw_read(0x0001, b, 4);
	CHECK_EQ(b[0] | b[1] << 8 | b[2] << 16 | (unsigned)b[3] << 24, 1); /* no DMA */
	fw_read(0x8000, b, 2);
	CHECK_EQ(b[0] | b[1], 0); /* unknown keys read 0 */
	fw_read(0x0000, b, 6);
	CHECK_EQ(b[4] | b[5], 0); /* past the end reads 0 */
	fw_read(0x0000, b, 1);
	CHECK_EQ(b[0], 'Q'); /* selecting again restarts at offset 0 */
	out(FW_CFG_PORT_SEL, 2, 0x0000);
	CHECK_EQ(in(FW_CFG_PORT_DATA, 4), 0x554d4551); /* a wide read streams 4 bytes */
}

static void test_fw_cfg_directory(void)
{
	memset(&bus, 0, sizeof(bus));
	fw_cfg_init(&fw);
	fw_cfg_register(&fw, &bus);
	static const uint8_t e820[20] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 0, 8, 0, 0, 0, 0, 1, 0, 0, 0};
	CHECK_EQ(fw_cfg_add_file(&fw, "etc/e820", e820, sizeof(e820)), 0);
	CHECK_EQ(fw_cfg_add_file_int(&fw, "etc/boot-fail-wait", 0, 4), 0);
	CHECK(fw_cfg_add_file(&fw, "a-name-far-too-long-for-the-fifty-six-byte-field-of-fw_cfg",
			      e820, 1) < 0);
	uint8_t d[4 + 2 * 64];
	fw_read(0x0019, d, sizeof(d));
	CHECK_EQ(d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3], 2); /* big-endian count */
	const uint8_t *e = d + 4;
	CHECK_EQ(e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3], 20);
	CHECK_EQ(e[4] << 8 | e[5], 0x20); /* first file selector */
	CHECK(strcmp((const char *)e + 8, "etc/e820") == 0);
	e += 64;
	CHECK_EQ(e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3], 4);
	CHECK_EQ(e[4] << 8 | e[5], 0x21);
	CHECK(strcmp((const char *)e + 8, "etc/boot-fail-wait") == 0);
	uint8_t f[21];
	fw_read(0x20, f, 21);
	CHECK(memcmp(f, e820, 20) == 0);
	CHECK_EQ(f[20], 0);
}

static void test_fw_cfg_limits(void)
{
	fw_cfg_init(&fw);
	int added = 0;
	char name[16];
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		if (fw_cfg_add_file_int(&fw, name, (uint64_t)i, 8) == 0)
			added++;
	}
	CHECK_EQ(added, FW_CFG_MAX_FILES);
	CHECK(fw_cfg_add_int(&fw, 0x0001, 5, 4) < 0); /* the same key twice */
}

/* ---- i8042
 * ----------------------------------------------------------------------------------------- */
static struct i8042 kbd;
static void kbd_setup(void)
{
	memset(&bus, 0, sizeof(bus));
	i8042_init(&kbd);
	i8042_register(&kbd, &bus);
}

static void test_i8042_self_tests(void)
{
	kbd_setup();
	CHECK_EQ(inb(0x64) & 0x01, 0);
	outb(0x64, 0xaa);
	CHECK_EQ(inb(0x64) & 0x05, 0x05); /* output full, system flag */
	CHECK_EQ(inb(0x60), 0x55);
	CHECK_EQ(inb(0x64) & 0x01, 0);
	outb(0x64, 0xab);
	CHECK_EQ(inb(0x60), 0x00);
	outb(0x64, 0x60);
	outb(0x60, 0x65);
	outb(0x64, 0x20);
	CHECK_EQ(inb(0x60), 0x65);
}

static void test_i8042_keyboard_commands(void)
{
	kbd_setup();
	outb(0x64, 0x60);
	outb(0x60, 0x00); /* no interrupts: poll, as SeaBIOS does during init */
	outb(0x60, 0xff); /* reset */
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
	outb(0x64, 0xd4); /* to the mouse */
	outb(0x60, 0xf2);
	CHECK_EQ(inb(0x64) & 0x21, 0x21); /* mouse data waiting */
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(inb(0x60), 0x00);
	CHECK_EQ(irq_changes, 0);
}

static void test_i8042_irq(void)
{
	kbd_setup();
	outb(0x64, 0x60);
	outb(0x60, 0x01); /* keyboard interrupt on */
	outb(0x60, 0xf4);
	CHECK_EQ(irq_levels[1], 1);
	CHECK_EQ(inb(0x60), 0xfa);
	CHECK_EQ(irq_levels[1], 0);
}

static void test_i8042_reset(void)
{
	kbd_setup();
	outb(0x64, 0xfe);
	CHECK_EQ(resets, 1);
	outb(0x64, 0xd1);
	outb(0x60, 0x02); /* output port bit 0 low: reset */
	CHECK_EQ(resets, 2);
	outb(0x64, 0xd1);
	outb(0x60, 0x03);
	CHECK_EQ(resets, 2);
	for (int i = 0; i < 100; i++)
		outb(0x64, 0xaa); /* overflow the queue: bytes are dropped, nothing breaks */
	CHECK_EQ(kbd.qlen, I8042_QUEUE);
}

/* ---- system control ports
 * ------------------------------------------------------------------------- */
static struct sysctl sys;
static void test_sysctl(void)
{
	memset(&bus, 0, sizeof(bus));
	sysctl_init(&sys);
	sysctl_register(&sys, &bus);
	CHECK_EQ(inb(0x92), 0x02); /* A20 on */
	outb(0x92, 0x02);
	CHECK_EQ(resets, 0);
	outb(0x92, 0x03); /* bit 0 rising: reset */
	CHECK_EQ(resets, 1);
	outb(0x92, 0x03);
	CHECK_EQ(resets, 1); /* no edge */
	outb(0xcf9, 0x02);
	CHECK_EQ(resets, 1);
	outb(0xcf9, 0x06);
	CHECK_EQ(resets, 2);
	outb(0x80, 0x42);
	CHECK_EQ(inb(0x80), 0x42);
}

/* ---- 16550 UART
 * -------------------------------------------------------------------------------------- */
static struct uart com1;
static void uart_setup(void)
{
	memset(&bus, 0, sizeof(bus));
	uart_init(&com1, 0x3f8, 4);
	uart_register(&com1, &bus);
}

static void test_uart_seabios_detect(void)
{
	uart_setup();
	outb(0x3f9, 0x02);
	CHECK_EQ(inb(0x3f9), 0x02);
	CHECK_EQ(inb(0x3fa) & 0x3f, 0x02); /* THR empty interrupt pending */
	CHECK_EQ(inb(0x3fa) & 0x3f, 0x01); /* acknowledged by the read */
	outb(0x3f9, 0x00);
}

static void test_uart_transmit(void)
{
	uart_setup();
	CHECK_EQ(inb(0x3fd) & 0x60, 0x60);
	outb(0x3f8, 'h');
	outb(0x3f8, 'i');
	CHECK_EQ(console_len, 2);
	CHECK(memcmp(console, "hi", 2) == 0);
	outb(0x3fb, 0x83); /* DLAB: the divisor, not data */
	outb(0x3f8, 0x01);
	outb(0x3f9, 0x00);
	CHECK_EQ(inb(0x3f8), 0x01);
	outb(0x3fb, 0x03);
	CHECK_EQ(com1.divisor, 1); /* 115200 baud */
	CHECK_EQ(console_len, 2);
	outb(0x3ff, 0x5a);
	CHECK_EQ(inb(0x3ff), 0x5a); /* scratch */
}

static void test_uart_loopback_and_irq(void)
{
	uart_setup();
	outb(0x3fc, 0x18); /* loopback, OUT2 */
	outb(0x3f9, 0x01); /* receive interrupt */
	outb(0x3f8, 'x');
	CHECK_EQ(console_len, 0);
	CHECK_EQ(inb(0x3fd) & 0x01, 0x01);
	CHECK_EQ(irq_levels[4], 1);
	CHECK_EQ(inb(0x3fa) & 0x0f, 0x04);
	CHECK_EQ(inb(0x3f8), 'x');
	CHECK_EQ(irq_levels[4], 0);
	CHECK_EQ(inb(0x3fe) & 0x80, 0x80); /* OUT2 loops back to DCD */
	uint8_t many[100];
	memset(many, 'a', sizeof(many));
	CHECK_EQ(uart_receive(&com1, many, sizeof(many)), UART_RX_QUEUE); /* the rest waits */
	CHECK_EQ(inb(0x3fd) & 0x03, 0x01);				  /* no overrun */
	outb(0x3f8, 'z');		   /* looped back into the full FIFO: lost */
	CHECK_EQ(inb(0x3fd) & 0x03, 0x03); /* data ready, overrun */
	CHECK_EQ(inb(0x3fd) & 0x02, 0x00); /* overrun clears on read */
}

int main(void)
{
	RUN(test_bus_dispatch);
	RUN(test_bus_byte_wide_split);
	RUN(test_debugcon);
	RUN(test_cmos_clock_bcd);
	RUN(test_cmos_clock_binary_12h);
	RUN(test_cmos_set_time);
	RUN(test_cmos_status_registers);
	RUN(test_cmos_memory_128m);
	RUN(test_cmos_memory_16m);
	RUN(test_cmos_memory_above_4g);
	RUN(test_pci_probe);
	RUN(test_pci_write_masks);
	RUN(test_pci_pam);
	RUN(test_fw_cfg_signature_and_unknown);
	RUN(test_fw_cfg_directory);
	RUN(test_fw_cfg_limits);
	RUN(test_i8042_self_tests);
	RUN(test_i8042_keyboard_commands);
	RUN(test_i8042_irq);
	RUN(test_i8042_reset);
	RUN(test_sysctl);
	RUN(test_uart_seabios_detect);
	RUN(test_uart_transmit);
	RUN(test_uart_loopback_and_irq);
	printf("# unit tests: %d ok, %d not ok\n", passed, failed);
	return failed != 0;
}
