/* The board: which devices this PC has, at which ports and interrupt lines, and what fw_cfg
 * tells the BIOS (the memory map, CPU count, boot options). vmm, the unit tests and the
 * fuzzers all build their machine from here. */
#ifndef CORE_BOARD_H
#define CORE_BOARD_H

#include "acpi.h"
#include "bus.h"
#include "../devices/cmos.h"
#include "../devices/debugcon.h"
#include "../devices/exit_port.h"
#include "../devices/fdc.h"
#include "../devices/fw_cfg.h"
#include "../devices/i440fx.h"
#include "../devices/i8042.h"
#include "../devices/ide.h"
#include "../devices/isa_dma.h"
#include "../devices/pci.h"
#include "../devices/piix3.h"
#include "../devices/sysctl.h"
#include "../devices/uart.h"
#include "../devices/vga.h"

/* The guest-physical memory map. */
#define RAM_BELOW_4G_MAX    (3 * GiB)	/* the rest of the first 4 GiB: PCI hole, APICs, BIOS */
#define KVM_PRIVATE_BASE    0xfeffc000u /* KVM's identity-map page, then its 3-page TSS */
#define KVM_PRIVATE_SIZE    0x4000u
#define BIOS_LOW_WINDOW	    (128 * KiB) /* the image's tail also appears below 1 MiB */
#define E820_MAX_ENTRIES    8
#define BOARD_DEBUGCON_PORT 0x402
#define BOARD_FLOPPY_BLOCK  4 /* the block backend's drives 4 and 5: the floppies */

struct board_config {
	uint64_t ram_size;
	uint64_t bios_size;
	unsigned cpus;
	bool boot_menu;
	const uint8_t *vga_rom; /* the VGA BIOS, handed over as fw_cfg vgaroms/; NULL: no VGA */
	uint32_t vga_rom_size;
	bool serial_console;	/* SeaBIOS mirrors its screen to COM1 (sercon) */
	bool screen_not_in_log; /* screen text stays out of the debug log (etc/screen-and-debug) */
	bool no_debug_log;	/* the debug log goes nowhere: tell the BIOS not to write it */
	uint16_t exit_port;	/* 0: none */
	/* IDE positions 0-3 (primary master ... secondary slave): enum ide_kind; the image is
	 * block backend drive number = position, already open. */
	uint8_t ide_drives[4];
	/* Floppy drives 0 and 1: present (block backend drive BOARD_FLOPPY_BLOCK + n, open). */
	bool floppy_drives[2];
	const char *boot_order; /* drive letters a, c, d; "" or NULL: c, a, d */
};

struct board {
	uint64_t ram_below_4g, ram_above_4g;
	struct bus io, mmio;
	struct debugcon debugcon;
	struct cmos cmos;
	struct pci_host pci;
	struct i440fx host_bridge;
	struct piix3 isa_bridge;
	struct fw_cfg fw_cfg;
	struct i8042 i8042;
	struct sysctl sysctl;
	struct uart com1;
	struct vga vga;
	struct exit_port exit_port;
	struct ide ide; /* on the board only with a drive on it */
	struct isa_dma dma;
	struct fdc fdc;			     /* on the board only with a floppy drive */
	uint8_t e820[20 * E820_MAX_ENTRIES]; /* etc/e820: {u64 addr, u64 len, u32 type} LE */
	unsigned e820_entries;
	char bootorder[256];	 /* fw_cfg bootorder: device paths in boot order (6 drives fit) */
	struct acpi_tables acpi; /* the MADT and what points to it, for the OS */
};

/* Ports whose writes take effect only for a later access that always exits (an index or
 * address latch, a log): KVM may batch them in its coalesced ring, which vmm replays, in
 * order, before it handles any exit. */
struct port_span {
	uint16_t port, len;
};
extern const struct port_span board_batched_ports[];
extern const unsigned board_batched_port_count;

/* Split RAM into what lies below 4 GiB and what goes above it. */
void board_split_ram(uint64_t ram_size, uint64_t *below_4g, uint64_t *above_4g);
/* Build every device and wire it to the buses, timers and streams. 0; -1 on a bug; -2 when
 * the exit port collides with a device's port. */
int board_init(struct board *b, const struct board_config *cfg);

#endif
