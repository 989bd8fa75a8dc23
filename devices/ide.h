/* PIIX3 IDE (PCI 00:01.1, 8086:7010) in legacy mode: two channels at 0x1f0-0x1f7/0x3f6
 * (IRQ 14) and 0x170-0x177/0x376 (IRQ 15), each with a master and a slave that is an ATA
 * hard disk (PIO, LBA28/LBA48/CHS) or an ATAPI CD-ROM. The images live behind the block
 * backend (core/block.h); a drive holds only its drive number. */
#ifndef DEVICES_IDE_H
#define DEVICES_IDE_H

#include "../core/irq.h"
#include "pci.h"

#define IDE_SECTOR	512
#define IDE_CD_BLOCK	2048
#define IDE_MAX_MULTI	16 /* sectors per DRQ block for READ/WRITE MULTIPLE */
#define IDE_BUFFER_SIZE (IDE_SECTOR * IDE_MAX_MULTI)

enum ide_kind { IDE_NONE, IDE_DISK, IDE_CDROM };

/* The task file (ATA/ATAPI-7 vol. 1, 7.1): LBA48 commands write each register twice, the
 * first value becomes the "previous" (high order) byte. */
struct ide_taskfile {
	uint8_t feature, count, lba_low, lba_mid, lba_high;
	uint8_t hob_feature, hob_count, hob_lba_low, hob_lba_mid, hob_lba_high;
	uint8_t device, status, error;
};

struct ide_drive {
	uint8_t kind; /* enum ide_kind */
	uint8_t block_drive;
	uint64_t sectors; /* 512-byte sectors (disk) or 2048-byte blocks (CD) */
	uint16_t cylinders, heads, sectors_per_track; /* the geometry IDENTIFY reports */
	uint16_t chs_heads, chs_sectors;	      /* INITIALIZE DEVICE PARAMETERS */
	uint8_t dma_mode; /* SET FEATURES transfer mode: 0x20 | n for MWDMA n, else 0 */
	uint8_t multi;	  /* SET MULTIPLE: sectors per block, 0 off */
	bool write_cache; /* SET FEATURES 02h/82h; off: flush each write */
	struct ide_taskfile tf;
	/* ATAPI: sense of the last command (SPC-3 4.5), for REQUEST SENSE */
	uint8_t sense_key, asc;
};

/* What the data register moves now (ATA-7 vol. 2 PIO protocols). */
enum ide_transfer {
	IDE_XFER_NONE,
	IDE_XFER_READ,	    /* disk sectors to the host */
	IDE_XFER_WRITE,	    /* host to disk sectors */
	IDE_XFER_PACKET,    /* the 12-byte ATAPI command */
	IDE_XFER_ATAPI,	    /* ATAPI data to the host */
	IDE_XFER_INFO,	    /* IDENTIFY data, once */
	IDE_XFER_DMA_READ,  /* READ DMA: waits for the bus master's start bit */
	IDE_XFER_DMA_WRITE, /* WRITE DMA: likewise */
};

struct ide_channel {
	struct ide_drive drives[2];
	uint8_t index;	  /* 0 primary, 1 secondary */
	uint8_t selected; /* DEV bit of the device register */
	uint8_t control;  /* device control: nIEN, SRST */
	struct irq_line irq;
	/* the transfer in progress, for the selected drive */
	uint8_t transfer;   /* enum ide_transfer */
	uint32_t pos, len;  /* bytes moved and bytes in the buffer (this DRQ block) */
	uint32_t chunk_end; /* ATAPI: where the DRQ block the host reads now ends */
	uint64_t lba;	    /* next sector (disk) or block (CD) */
	uint32_t left;	    /* sectors or blocks still to move after this block */
	uint32_t per_block; /* sectors per DRQ block; ATAPI: the host's byte count limit */
	uint8_t buffer[IDE_BUFFER_SIZE];
	/* the channel's bus master (PIIX3 datasheet 2.7: BMICx, BMISx, BMIDTPx) */
	uint8_t bm_command, bm_status;
	uint32_t bm_prd; /* the physical region descriptor table */
};

struct ide {
	struct pci_config config;
	struct ide_channel channels[2];
};

/* Handlers for the command block (8 ports) and the control block (1 port) of a channel. */
extern const struct io_ops ide_command_ops, ide_control_ops;
/* The bus-master registers (16 bytes at BAR4: the primary channel's, then the secondary's). */
extern const struct io_ops ide_bus_master_ops;
#define IDE_BAR4 0x20

void ide_init(struct ide *ide, unsigned irq_primary, unsigned irq_secondary);
/* Put an image behind position 0-3 (primary master, primary slave, secondary master,
 * secondary slave); block_drive is its block backend number, already open. */
void ide_attach(struct ide *ide, unsigned position, enum ide_kind kind, unsigned block_drive);
/* CMOS 0x39: the BIOS's CHS translation for each disk (2 bits each: 1 LBA, 0 none), as
 * SeaBIOS reads it on an emulator (block.c get_translation). */
uint8_t ide_cmos_translation(const struct ide *ide);

#endif
