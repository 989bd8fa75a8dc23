/* libFuzzer target for the device models: the input is a sequence of port accesses, each
 * handed to the same bus and handlers the run loop uses. Built once per device (FUZZ_DEVICE)
 * and once with every device on one bus as vmm wires them (FUZZ_DEVICE_bus).
 *
 * Record (7 bytes): u16 port selector, u8 flags (bits 0-1 size 1/2/4/4, bit 2 write,
 * bits 3-7 repeat count as in rep ins/outs), u32 value. */
#include "../vmm.h"

#include <stdlib.h>
#include <string.h>

int debug_level;
void log_msg(const char *fmt, ...)
{
	(void)fmt;
}
void vm_irq_line(unsigned irq, int level)
{
	if (irq > 15 || (level != 0 && level != 1))
		abort(); /* a device drove a line that does not exist */
}
void vm_request_reset(const char *how)
{
	(void)how;
}
void console_write(const void *buf, size_t len)
{
	if (len > 4)
		abort(); /* the guest can only ever send one access's worth */
	volatile const unsigned char *p = buf;
	for (size_t i = 0; i < len; i++)
		(void)p[i];
}

static int64_t fuzz_clock(void)
{
	return 1795614330;
}

static struct io_bus bus;
static struct cmos cmos;
static struct pci_bus pci;
static struct i440fx host;
static struct piix3 isa;
static struct fw_cfg fw;
static struct i8042 kbd;
static struct sysctl sys;
static struct uart com1;
static uint8_t e820[40];

/* The ports each target aims at; the bus target aims anywhere. */
static const uint16_t ports[] = {
#if defined(FUZZ_DEVICE_cmos)
    0x70, 0x71
#elif defined(FUZZ_DEVICE_pci)
    0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff
#elif defined(FUZZ_DEVICE_fw_cfg)
    0x510, 0x511
#elif defined(FUZZ_DEVICE_i8042)
    0x60, 0x64
#elif defined(FUZZ_DEVICE_uart)
    0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc,
    0x3fd, 0x3fe, 0x3ff
#elif defined(FUZZ_DEVICE_sysctl)
    0x80, 0x92, 0xcf9
#else /* debugcon, and the bus target, which aims anywhere */
    0x402
#endif
};

static void setup(void)
{
	memset(&bus, 0, sizeof(bus));
	memset(&pci, 0, sizeof(pci));
	cmos_init(&cmos, fuzz_clock, 128u << 20, 0, 1);
	i440fx_init(&host);
	piix3_init(&isa);
	i8042_init(&kbd);
	sysctl_init(&sys);
	uart_init(&com1, 0x3f8, 4);
	fw_cfg_init(&fw);
	e820[11] = 0x08; /* {0, 128 MiB, RAM} */
	e820[16] = 1;
	fw_cfg_add_int(&fw, 0x0005, 1, 2);
	fw_cfg_add_file(&fw, "etc/e820", e820, 20);
	fw_cfg_add_file_int(&fw, "etc/boot-fail-wait", 0, 4);
#if defined(FUZZ_DEVICE_cmos) || defined(FUZZ_DEVICE_bus)
	cmos_register(&cmos, &bus);
#endif
#if defined(FUZZ_DEVICE_pci) || defined(FUZZ_DEVICE_bus)
	pci_add_function(&pci, &host.fn);
	pci_add_function(&pci, &isa.fn);
	pci_register(&pci, &bus);
#endif
#if defined(FUZZ_DEVICE_fw_cfg) || defined(FUZZ_DEVICE_bus)
	fw_cfg_register(&fw, &bus);
#endif
#if defined(FUZZ_DEVICE_i8042) || defined(FUZZ_DEVICE_bus)
	i8042_register(&kbd, &bus);
#endif
#if defined(FUZZ_DEVICE_uart) || defined(FUZZ_DEVICE_bus)
	uart_register(&com1, &bus);
#endif
#if defined(FUZZ_DEVICE_sysctl) || defined(FUZZ_DEVICE_bus)
	sysctl_register(&sys, &bus);
#endif
#if defined(FUZZ_DEVICE_debugcon) || defined(FUZZ_DEVICE_bus)
	debugcon_init(&bus);
#endif
}

/* What must hold after any access, whatever the guest did. */
static void check_invariants(void)
{
	if (kbd.qlen > I8042_QUEUE || kbd.qhead >= I8042_QUEUE)
		abort();
	if (com1.rx_len > UART_RX_QUEUE || com1.rx_head >= UART_RX_QUEUE)
		abort();
	if (cmos.index > 0x7f)
		abort();
	if (fw.nitems > FW_CFG_MAX_ITEMS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[4] = {1, 2, 4, 4};
	setup();
	for (; size >= 7; data += 7, size -= 7) {
		uint16_t sel = (uint16_t)(data[0] | data[1] << 8);
#ifdef FUZZ_DEVICE_bus
		uint16_t port = sel;
		(void)ports;
#else
		uint16_t port = ports[sel % (sizeof(ports) / sizeof(ports[0]))];
#endif
		unsigned access = sizes[data[2] & 3];
		bool is_write = data[2] & 4;
		unsigned repeat = 1 + (data[2] >> 3);
		for (unsigned i = 0; i < repeat; i++) {
			uint8_t buf[4];
			memcpy(buf, data + 3, 4);
			io_bus_access(&bus, port, access, is_write, buf);
			check_invariants();
		}
	}
	return 0;
}
