/* The PC: an i440FX/PIIX3 board with the legacy ISA devices SeaBIOS and PC operating systems
 * expect. The PIC, PIT, IOAPIC and local APICs are KVM's, inside the kernel. */
#include "board.h"

#include "block.h"
#include "console.h"
#include "keyboard.h"
#include "timer.h"

#include <stdio.h>
#include <string.h>

/* Interrupt lines (ISA IRQs; the same GSI on the IOAPIC). */
enum {
	IRQ_KEYBOARD = 1,
	IRQ_COM1 = 4,
	IRQ_FLOPPY = 6,
	IRQ_RTC = 8,
	IRQ_MOUSE = 12,
	IRQ_IDE0 = 14,
	IRQ_IDE1 = 15
};

#define DEVICE(field) offsetof(struct board, field)

/* The port map: every port a device of ours answers. */
static const struct port_range {
	uint16_t base, len;
	const struct io_ops *ops;
	size_t device; /* offset of the device in struct board */
	const char *name;
} port_map[] = {
    {0x0060, 5, &i8042_ops, DEVICE(i8042), "i8042 keyboard controller"},
    {0x0070, 2, &cmos_ops, DEVICE(cmos), "cmos/rtc"},
    {0x0080, 1, &sysctl_post_ops, DEVICE(sysctl), "post code"},
    {0x0092, 1, &sysctl_port92_ops, DEVICE(sysctl), "port 92 (A20, reset)"},
    {0x03f8, 8, &uart_ops, DEVICE(com1), "com1"},
    {BOARD_DEBUGCON_PORT, 1, &debugcon_ops, DEVICE(debugcon), "debug console"},
    {0x0510, FW_CFG_PORTS, &fw_cfg_ops, DEVICE(fw_cfg), "fw_cfg"},
    {0x0514, FW_CFG_DMA_PORTS, &fw_cfg_dma_ops, DEVICE(fw_cfg), "fw_cfg DMA"},
    {0x0cf8, 1, &pci_address_ops, DEVICE(pci), "pci address"},
    {0x0cf9, 1, &sysctl_reset_control_ops, DEVICE(sysctl), "reset control"},
    {0x0cfc, 4, &pci_data_ops, DEVICE(pci), "pci data"},
    {0x0000, 16, &isa_dma_ops, DEVICE(dma), "dma"},
    {0x0081, 15, &isa_dma_page_ops, DEVICE(dma), "dma pages"},
    {0x00c0, 32, &isa_dma_high_ops, DEVICE(dma), "dma (16-bit)"},
};

const struct port_span board_batched_ports[] = {
    {BOARD_DEBUGCON_PORT, 1}, /* the BIOS log: read back only for its 0xe9 */
    {0x0070, 1},	      /* the CMOS index: used by the next 0x71 access */
    {0x0080, 1},	      /* POST codes: only logged */
    {0x0cf8, 4},	      /* the PCI address latch (with 0xcf9: a reset request then
				 waits for the guest's next exit, or the output tick) */
    {0x0510, 2},	      /* the fw_cfg selector: used by the next data read or DMA */
    {0x0092, 1},	      /* A20 (always on) and fast reset, which waits like 0xcf9's */
    /* IDE task files (features, count, LBA, device select): read only through their ports or
     * used by the command written next (to 0x1f7/0x177, which exits). Not device control:
     * its nIEN lowers the interrupt line at once. */
    {0x01f1, 6},
    {0x0171, 6},
    /* Serial and parallel ports this board does not have: SeaBIOS probes them by writing
     * and reading back; the writes go nowhere, the reads still exit and answer 0xff. */
    {0x0278, 8},
    {0x02e8, 8},
    {0x02f8, 8},
    {0x0378, 8},
    {0x03e8, 8},
    {0x0000, 16}, /* the DMA controllers and page registers: programmed, then */
    {0x0081, 15}, /* used by the floppy's command, which exits */
    {0x00c0, 32},
    /* VGA registers: what a write does shows only in a later read (which exits) or on the
     * screen, whose snapshot replays the batch first. A mode set is thousands of writes. */
    {0x03b4, 2},
    {0x03c0, 1},
    {0x03c2, 1},
    {0x03c4, 6}, /* sequencer, DAC mask, read and write index, data */
    {0x03ce, 2},
    {0x03d4, 2},
};
const unsigned board_batched_port_count = ARRAY_SIZE(board_batched_ports);

void board_split_ram(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g)
{
	*below_4g = ram_size < RAM_BELOW_4G_MAX ? ram_size : RAM_BELOW_4G_MAX;
	*above_4g = ram_size - *below_4g;
}

static void add_e820(struct board *b, uint64_t addr, uint64_t len, uint32_t type)
{
	if (b->e820_entries >= E820_MAX_ENTRIES)
		return;
	uint8_t *e = b->e820 + (size_t)20 * b->e820_entries++;
	store_le(e, 8, addr);
	store_le(e + 8, 8, len);
	store_le(e + 16, 4, type);
}

enum { E820_RAM = 1, E820_RESERVED = 2 };

/* What fw_cfg tells SeaBIOS. Everything else it asks for reads as 0, its default. */
static int fill_fw_cfg(struct board *b, const struct board_config *cfg)
{
	struct fw_cfg *f = &b->fw_cfg;
	add_e820(b, 0, b->ram_below_4g, E820_RAM);
	if (b->ram_above_4g)
		add_e820(b, 4 * GiB, b->ram_above_4g, E820_RAM);
	add_e820(b, KVM_PRIVATE_BASE, KVM_PRIVATE_SIZE, E820_RESERVED);
	add_e820(b, 4 * GiB - cfg->bios_size, cfg->bios_size, E820_RESERVED);
	int err = fw_cfg_add_int(f, FW_CFG_NB_CPUS, cfg->cpus, 2);
	err |= fw_cfg_add_int(f, FW_CFG_MAX_CPUS, cfg->cpus, 2);
	err |= fw_cfg_add_int(f, FW_CFG_BOOT_MENU, cfg->boot_menu, 2); /* "Press ESC" or not */
	err |= fw_cfg_add_file(f, "etc/e820", b->e820, 20 * b->e820_entries);
	/* After "No bootable device" reboot at once instead of in 60 s; vmm then stops. */
	err |= fw_cfg_add_file_int(f, "etc/boot-fail-wait", 0, 4);
	if (cfg->vga_rom) /* SeaBIOS runs every vgaroms/ file as a VGA BIOS (optionroms.c) */
		err |= fw_cfg_add_file(f, "vgaroms/vgabios.bin", cfg->vga_rom, cfg->vga_rom_size);
	if (cfg->serial_console)
		err |= fw_cfg_add_file_int(f, "etc/sercon-port", 0x3f8, 2);
	if (cfg->screen_not_in_log)
		err |= fw_cfg_add_file_int(f, "etc/screen-and-debug", 0, 1);
	/* ACPI: SeaBIOS allocates both files, patches them as etc/table-loader says. */
	if (acpi_build(&b->acpi, cfg->cpus) < 0)
		return -1;
	err |= fw_cfg_add_file(f, "etc/acpi/rsdp", b->acpi.rsdp, sizeof(b->acpi.rsdp));
	err |= fw_cfg_add_file(f, "etc/acpi/tables", b->acpi.tables, b->acpi.tables_size);
	err |= fw_cfg_add_file(f, "etc/table-loader", b->acpi.loader, b->acpi.loader_size);
	return err;
}

/* The guest programmed the IDE function: its bus master answers where BAR4 now points, while
 * I/O decoding is on. (The sizing value 0xfff0 maps nothing.) */
static void ide_config_written(void *dev, unsigned reg, unsigned size)
{
	struct board *b = dev;
	(void)reg, (void)size;
	bus_remove(&b->io, &b->ide, &ide_bus_master_ops);
	uint32_t base = (uint32_t)load_le(&b->ide.config.bytes[IDE_BAR4], 4) & ~0xfu;
	if ((b->ide.config.bytes[PCI_COMMAND] & 1) && base && base <= 0xfff0 - 16 &&
	    bus_add(&b->io, base, 16, &ide_bus_master_ops, &b->ide, "ide bus master") < 0)
		debug(1, "IDE bus master at 0x%04x: the ports are taken\n", base);
}

static const struct pci_function_ops ide_pci_ops = {.config_written = ide_config_written};

/* The IDE function and its drives, when there is a drive. */
static bool has_ide(const struct board_config *cfg)
{
	bool any = false;
	for (unsigned i = 0; i < 4; i++)
		any |= cfg->ide_drives[i] != IDE_NONE;
	return any;
}

static int add_ide(struct board *b, const struct board_config *cfg)
{
	if (!has_ide(cfg))
		return 0;
	ide_init(&b->ide, IRQ_IDE0, IRQ_IDE1);
	for (unsigned i = 0; i < 4; i++)
		if (cfg->ide_drives[i] != IDE_NONE)
			ide_attach(&b->ide, i, cfg->ide_drives[i], i);
	int err = bus_add(&b->io, 0x1f0, 8, &ide_command_ops, &b->ide.channels[0], "ide0");
	err |= bus_add(&b->io, 0x3f6, 1, &ide_control_ops, &b->ide.channels[0], "ide0 control");
	err |= bus_add(&b->io, 0x170, 8, &ide_command_ops, &b->ide.channels[1], "ide1");
	err |= bus_add(&b->io, 0x376, 1, &ide_control_ops, &b->ide.channels[1], "ide1 control");
	err |= pci_add_function(&b->pci, 0x09, &b->ide.config, &ide_pci_ops, b); /* 00:01.1 */
	b->cmos.ram[0x39] = ide_cmos_translation(&b->ide);
	return err;
}

/* The boot order goes both ways SeaBIOS reads it: the CMOS boot flags (as QEMU's -boot)
 * and fw_cfg bootorder, a device path per drive in that order. */
static int set_boot_order(struct board *b, const struct board_config *cfg)
{
	const char *order = cfg->boot_order && cfg->boot_order[0] ? cfg->boot_order : "cad";
	unsigned flags = 0;
	size_t used = 0; /* six paths of at most 40 bytes fit in b->bootorder */
	for (unsigned i = 0; order[i] && i < 3; i++) {
		char c = order[i];
		flags |= (c == 'a' ? 1u : c == 'c' ? 2u : 3u) << (4 * i); /* SeaBIOS boot_init */
		for (unsigned fd = 0; c == 'a' && fd < 2; fd++)
			if (cfg->floppy_drives[fd])
				used += (size_t)snprintf(
				    b->bootorder + used, sizeof(b->bootorder) - used,
				    "/pci@i0cf8/isa@1/fdc@03f0/floppy@%u\n", fd);
		for (unsigned pos = 0; c != 'a' && pos < 4; pos++)
			if (cfg->ide_drives[pos] == (c == 'd' ? IDE_CDROM : IDE_DISK))
				used += (size_t)snprintf(
				    b->bootorder + used, sizeof(b->bootorder) - used,
				    "/pci@i0cf8/ide@1,1/drive@%u/disk@%u\n", pos / 2, pos % 2);
	}
	b->cmos.ram[0x3d] = (uint8_t)flags;		    /* first and second device */
	b->cmos.ram[0x38] = (uint8_t)((flags >> 4) & 0xf0); /* the third, high nibble */
	return used ? fw_cfg_add_file(&b->fw_cfg, "bootorder", b->bootorder, (uint32_t)used + 1)
		    : 0;
}

/* The floppy controller and its drives, when there is a floppy. */
static int add_floppies(struct board *b, const struct board_config *cfg)
{
	if (!cfg->floppy_drives[0] && !cfg->floppy_drives[1])
		return 0;
	fdc_init(&b->fdc, IRQ_FLOPPY);
	fdc_connect_dma(&b->dma);
	unsigned n = 0;
	for (unsigned i = 0; i < 2; i++) {
		unsigned drive = BOARD_FLOPPY_BLOCK + i;
		if (cfg->floppy_drives[i] &&
		    fdc_attach(&b->fdc, i, drive, block_size(drive), !block_writable(drive)) < 0)
			return -1;
		n += cfg->floppy_drives[i];
	}
	b->cmos.ram[0x10] = fdc_cmos_types(&b->fdc);
	b->cmos.ram[0x14] =
	    (uint8_t)((b->cmos.ram[0x14] & 0x3e) | 1 | (n - 1) << 6); /* equipment */
	int err = bus_add(&b->io, 0x3f0, 6, &fdc_ops, &b->fdc, "floppy");
	err |= bus_add(&b->io, 0x3f7, 1, &fdc_dir_ops, &b->fdc, "floppy input/control");
	return err;
}

static size_t deliver_to_uart(void *dev, const uint8_t *buf, size_t len)
{
	return uart_receive(dev, buf, len);
}

int board_init(struct board *b, const struct board_config *cfg)
{
	memset(b, 0, sizeof(*b));
	board_split_ram(cfg->ram_size, &b->ram_below_4g, &b->ram_above_4g);
	bus_init(&b->io, "port", 0x10000);
	bus_init(&b->mmio, "MMIO", UINT64_MAX);
	timers_reset();

	debugcon_init(&b->debugcon, STREAM_DEBUGCON, !cfg->no_debug_log);
	cmos_init(&b->cmos, IRQ_RTC, b->ram_below_4g, b->ram_above_4g, cfg->cpus);
	pci_host_init(&b->pci);
	i440fx_init(&b->host_bridge);
	piix3_init(&b->isa_bridge, has_ide(cfg));
	fw_cfg_init(&b->fw_cfg);
	i8042_init(&b->i8042, IRQ_KEYBOARD, IRQ_MOUSE, STREAM_KEYBOARD);
	sysctl_init(&b->sysctl);
	uart_init(&b->com1, IRQ_COM1, STREAM_COM1);
	vga_init(&b->vga);
	isa_dma_init(&b->dma);

	int err = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(port_map); i++) {
		const struct port_range *p = &port_map[i];
		err |= bus_add(&b->io, p->base, p->len, p->ops, (char *)b + p->device, p->name);
	}
	if (cfg->vga_rom)
		err |= bus_add(&b->io, VGA_PORT_BASE, VGA_PORT_COUNT, &vga_ops, &b->vga, "vga");
	err |= pci_add_function(&b->pci, 0x00, &b->host_bridge.config, &i440fx_pci_ops,
				&b->host_bridge);				   /* 00:00.0 */
	err |= pci_add_function(&b->pci, 0x08, &b->isa_bridge.config, NULL, NULL); /* 00:01.0 */
	err |= timer_register(&b->cmos.timer, cmos_timer_expired, &b->cmos);
	err |= timer_register(&b->com1.thre_timer, uart_thre_expired, &b->com1);
	err |= timer_register(&b->com1.timeout_timer, uart_timeout_expired, &b->com1);
	console_connect_input(STREAM_COM1, deliver_to_uart, &b->com1);
	console_connect_input(STREAM_KEYBOARD, keyboard_deliver, &b->i8042);
	err |= fill_fw_cfg(b, cfg);
	err |= add_ide(b, cfg);
	err |= add_floppies(b, cfg);
	err |= set_boot_order(b, cfg);
	if (err)
		return -1;
	b->exit_port.port = cfg->exit_port;
	if (cfg->exit_port &&
	    bus_add(&b->io, cfg->exit_port, 1, &exit_port_ops, &b->exit_port, "exit port") < 0)
		return -2;
	return 0;
}
