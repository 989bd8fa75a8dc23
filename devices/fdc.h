/* Intel 82077AA floppy disk controller at 0x3f0-0x3f5 and 0x3f7 (0x3f6 is the IDE's), IRQ 6,
 * DMA channel 2: two drives whose 3.5"/5.25" images live behind the block backend. */
#ifndef DEVICES_FDC_H
#define DEVICES_FDC_H

#include "../core/irq.h"
#include "isa_dma.h"

#define FDC_SECTOR 512

struct fdc_drive {
	uint8_t present, block_drive;
	uint8_t cmos_type;		   /* CMOS 0x10 code: 1 360K ... 5 2.88M */
	uint8_t cylinders, heads, sectors; /* geometry of the image */
	uint8_t cylinder;		   /* where the head is */
	uint8_t media_changed;		   /* DIR bit 7 until the head steps */
	uint8_t readonly;
};

struct fdc {
	struct fdc_drive drives[2];
	uint8_t dor;	    /* digital output register: drive select, nRESET, DMA/IRQ, motors */
	uint8_t command[9]; /* the command being received */
	uint8_t command_len, command_want;
	uint8_t result[10];
	uint8_t result_len, result_pos;
	uint8_t reset_senses; /* SENSE INTERRUPT answers owed after a reset */
	uint8_t st0;	      /* for SENSE INTERRUPT after a seek or recalibrate */
	uint8_t seek_pending; /* a seek's interrupt is still to be sensed */
	uint8_t specify[2];
	uint8_t rate; /* data rate select: 0 500 kb/s, 1 300, 2 250, 3 1 Mb/s */
	struct irq_line irq;
	uint8_t sector[FDC_SECTOR];
};

extern const struct io_ops fdc_ops;	/* 0x3f0-0x3f5 */
extern const struct io_ops fdc_dir_ops; /* 0x3f7: digital input and configuration control */

void fdc_init(struct fdc *f, unsigned irq);
/* Put an open image (block backend drive block_drive) in drive 0 or 1; its size decides the
 * geometry. -1 when the size is not a floppy's (360K, 720K, 1.2M, 1.44M, 2.88M). */
int fdc_attach(struct fdc *f, unsigned drive, unsigned block_drive, uint64_t bytes, bool readonly);
/* The size is a floppy's: 0, or -1. */
int fdc_geometry(uint64_t bytes, uint8_t *cylinders, uint8_t *heads, uint8_t *sectors,
		 uint8_t *cmos_type);
/* CMOS 0x10: drive 0's type in the high nibble, drive 1's in the low. */
uint8_t fdc_cmos_types(const struct fdc *f);
/* The DMA controller the transfers go through (the board's; wiring, not state). */
void fdc_connect_dma(struct isa_dma *dma);

#endif
