/* QEMU's firmware configuration interface, the part SeaBIOS reads (QEMU docs/specs/fw_cfg.rst):
 * a 16-bit selector write picks an item, byte reads stream its contents. Files are items
 * listed in a directory (key 0x19). */
#ifndef DEVICES_FW_CFG_H
#define DEVICES_FW_CFG_H

#include "../core/bus.h"

/* Ports, relative to the base (0x510 on the PC). */
#define FW_CFG_SELECTOR 0
#define FW_CFG_DATA	1
#define FW_CFG_PORTS	2
/* The DMA interface's address registers, relative to their base (0x514): the high and the
 * low 32 bits, big-endian; writing the low half starts the transfer. */
#define FW_CFG_DMA_ADDR_HIGH 0
#define FW_CFG_DMA_ADDR_LOW  4
#define FW_CFG_DMA_PORTS     8

/* Item keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h, hw/i386/fw_cfg.h). */
enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x0000, /* "QEMU" */
	FW_CFG_ID = 0x0001,	   /* feature bits: 1 traditional interface, 2 DMA */
	FW_CFG_RAM_SIZE = 0x0003,
	FW_CFG_NOGRAPHIC = 0x0004,
	FW_CFG_NB_CPUS = 0x0005, /* CPUs present at boot */
	FW_CFG_BOOT_MENU = 0x000e,
	FW_CFG_MAX_CPUS = 0x000f,
	FW_CFG_FILE_DIR = 0x0019,
	FW_CFG_FILE_FIRST = 0x0020,
	FW_CFG_WRITE_CHANNEL = 0x4000, /* a flag in the selector, not part of the key */
	FW_CFG_ARCH_LOCAL = 0x8000,    /* x86 keys: ACPI tables, SMBIOS, IRQ0 override, e820 */
};

#define FW_CFG_MAX_ITEMS 32
#define FW_CFG_MAX_FILES 16
#define FW_CFG_DIR_ENTRY 64
#define FW_CFG_NAME_MAX	 56

struct fw_cfg_item {
	uint16_t key;
	uint32_t size;
	const uint8_t *data; /* the board's data; NULL when empty */
};

/* selected and offset are the device state; items, the directory and storage are the
 * board's configuration, rebuilt from the command line. */
struct fw_cfg {
	uint16_t selected;
	uint32_t offset;
	uint32_t dma_high; /* the high half of the next DMA descriptor's address */
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned nitems, nfiles;
	uint8_t dir[4 + FW_CFG_DIR_ENTRY * FW_CFG_MAX_FILES]; /* big-endian file directory */
	uint8_t storage[256];				      /* small integers added by value */
	unsigned used;
};

extern const struct io_ops fw_cfg_ops;
extern const struct io_ops fw_cfg_dma_ops;
void fw_cfg_init(struct fw_cfg *f);
/* Each returns 0, or -1 when full, the key is taken or the name too long. data must stay
 * valid for the life of the device. Integers are stored little-endian. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t size);
int fw_cfg_add_int(struct fw_cfg *f, uint16_t key, uint64_t value, unsigned size);
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t size);
int fw_cfg_add_file_int(struct fw_cfg *f, const char *name, uint64_t value, unsigned size);

#endif
