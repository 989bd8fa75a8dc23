/* Intel 82077AA floppy disk controller (datasheet: the MSR handshake, the command set's
 * phases, ST0-ST3), with the drives' images behind the block backend and data moved by
 * DMA channel 2. Seeks are instant: every command completes when its last byte arrives. */
#include "fdc.h"

#include "../core/block.h"

#include <string.h>

#define DOR_DRIVE	 0x03
#define DOR_NRESET	 0x04
#define DOR_IRQ		 0x08 /* IRQ and DMA enabled */
#define MSR_RQM		 0x80 /* ready for a byte */
#define MSR_DIO		 0x40 /* the byte goes to the host */
#define MSR_BUSY	 0x10
#define ST0_ABNORMAL	 0x40
#define ST0_INVALID	 0x80
#define ST0_SEEK_END	 0x20
#define ST0_NOT_READY	 0x08
#define ST1_NO_DATA	 0x04
#define ST1_MISSING_MARK 0x01
#define ST1_OVERRUN	 0x10
#define ST1_DATA_ERROR	 0x20
#define ST1_NOT_WRITABLE 0x02
#define DMA_CHANNEL	 2

static struct isa_dma *dma; /* the board's DMA controller */

void fdc_connect_dma(struct isa_dma *d)
{
	dma = d;
}

/* Command bytes (with the opcode) by the opcode's low five bits; the rest take one (SENSE
 * INTERRUPT STATUS, VERSION, LOCK, and the invalid ones, whose result says so). */
static unsigned command_length(uint8_t op)
{
	static const uint8_t lengths[32] = {
	    [0x03] = 3, /* SPECIFY */
	    [0x04] = 2, /* SENSE DRIVE STATUS */
	    [0x05] = 9, /* WRITE DATA */
	    [0x06] = 9, /* READ DATA */
	    [0x07] = 2, /* RECALIBRATE */
	    [0x0a] = 2, /* READ ID */
	    [0x0d] = 6, /* FORMAT TRACK */
	    [0x0f] = 3, /* SEEK */
	    [0x12] = 2, /* PERPENDICULAR MODE */
	    [0x13] = 4, /* CONFIGURE */
	};
	return lengths[op & 0x1f] ? lengths[op & 0x1f] : 1;
}

static void interrupt(struct fdc *f)
{
	if (f->dor & DOR_IRQ)
		irq_reassert(&f->irq);
}

/* The data rate the guest chose (DSR/CCR bits 1-0: 500, 300, 250 kb/s, 1 Mb/s) must be the
 * medium's, as SeaBIOS's and Linux's media sensing expect; a 360K disk reads at 250 or 300. */
static bool rate_fits(const struct fdc *f, const struct fdc_drive *d)
{
	static const uint8_t rate_of_type[6] = {0, 1, 0, 2, 0, 3}; /* by CMOS type */
	return f->rate == rate_of_type[d->cmos_type % 6] || (d->cmos_type == 1 && f->rate == 2);
}

/* Where sector (cylinder, head, sector from 1) of the drive's image starts. */
static uint64_t sector_offset(const struct fdc_drive *d, unsigned cyl, unsigned head, unsigned sec)
{
	return (((uint64_t)cyl * d->heads + head) * d->sectors + sec - 1) * FDC_SECTOR;
}

static void reply(struct fdc *f, const uint8_t *bytes, unsigned n)
{
	memcpy(f->result, bytes, n);
	f->result_len = (uint8_t)n;
	f->result_pos = 0;
}

static void controller_reset(struct fdc *f)
{
	f->command_len = f->result_len = f->result_pos = 0;
	f->seek_pending = 0;
	f->reset_senses = 4; /* one SENSE INTERRUPT per drive says the reset is over */
	interrupt(f);
}

/* READ DATA, WRITE DATA: sector by sector from R to EOT (and on to head 1 with MT), each
 * through the DMA channel, until its terminal count. */
static void read_write(struct fdc *f, bool write)
{
	const uint8_t *c = f->command;
	unsigned unit = c[1] & 3, cyl = c[2], head = c[3], sec = c[4], eot = c[6];
	struct fdc_drive *d = &f->drives[unit & 1];
	uint8_t st0 = (uint8_t)(unit | (c[1] & 4)), st1 = 0;
	bool multitrack = c[0] & 0x80;
	if (unit > 1 || !d->present) {
		st0 |= ST0_ABNORMAL | ST0_NOT_READY;
	} else if (write && d->readonly) {
		st0 |= ST0_ABNORMAL;
		st1 = ST1_NOT_WRITABLE;
	} else if (!rate_fits(f, d)) {
		st0 |= ST0_ABNORMAL;
		st1 = ST1_MISSING_MARK; /* no sector can be read at this data rate */
	} else {
		for (;;) {
			if (cyl >= d->cylinders || head >= d->heads || sec == 0 ||
			    sec > d->sectors || c[5] != 2) {
				st0 |= ST0_ABNORMAL;
				st1 = ST1_NO_DATA;
				break;
			}
			uint64_t offset = sector_offset(d, cyl, head, sec);
			bool moved, ok = true;
			if (write) {
				moved = dma && isa_dma_transfer(dma, DMA_CHANNEL, f->sector,
								FDC_SECTOR, false) == FDC_SECTOR;
				ok = !moved ||
				     block_write(d->block_drive, offset, f->sector, FDC_SECTOR);
			} else {
				ok = block_read(d->block_drive, offset, f->sector, FDC_SECTOR);
				moved = ok && dma &&
					isa_dma_transfer(dma, DMA_CHANNEL, f->sector, FDC_SECTOR,
							 true) == FDC_SECTOR;
			}
			if (!ok || !moved) { /* a host error, or the DMA did not keep up */
				st0 |= ST0_ABNORMAL;
				st1 = ok ? ST1_OVERRUN : ST1_DATA_ERROR;
				break;
			}
			bool last_on_track = sec >= eot;
			if (last_on_track && multitrack && head == 0 && d->heads > 1) {
				head = 1;
				sec = 1;
				last_on_track = false;
			} else if (last_on_track) {
				cyl++;
				head = multitrack ? 0 : head;
				sec = 1;
			} else {
				sec++;
			}
			if (last_on_track || isa_dma_done(dma, DMA_CHANNEL))
				break; /* the end of the track or the terminal count */
		}
	}
	uint8_t r[7] = {st0, st1, 0, (uint8_t)cyl, (uint8_t)head, (uint8_t)sec, c[5]};
	reply(f, r, 7);
	interrupt(f);
}

/* FORMAT TRACK: an ID (C, H, R, N) per sector by DMA, each sector filled with the fill byte. */
static void format_track(struct fdc *f)
{
	const uint8_t *c = f->command;
	unsigned unit = c[1] & 3, head = (c[1] >> 2) & 1;
	struct fdc_drive *d = &f->drives[unit & 1];
	uint8_t st0 = (uint8_t)(unit | head << 2), st1 = 0, id[4] = {0};
	if (unit > 1 || !d->present) {
		st0 |= ST0_ABNORMAL | ST0_NOT_READY;
	} else if (d->readonly) {
		st0 |= ST0_ABNORMAL;
		st1 = ST1_NOT_WRITABLE;
	} else {
		memset(f->sector, c[5], FDC_SECTOR);
		for (unsigned i = 0; i < c[3]; i++) {
			if (!dma || isa_dma_transfer(dma, DMA_CHANNEL, id, 4, false) != 4)
				break;
			if (id[0] >= d->cylinders || id[1] >= d->heads || id[2] == 0 ||
			    id[2] > d->sectors) {
				st0 |= ST0_ABNORMAL;
				st1 = ST1_NO_DATA;
				break;
			}
			uint64_t offset = sector_offset(d, id[0], id[1], id[2]);
			if (!block_write(d->block_drive, offset, f->sector, FDC_SECTOR)) {
				st0 |= ST0_ABNORMAL;
				st1 = ST1_DATA_ERROR;
				break;
			}
		}
	}
	uint8_t r[7] = {st0, st1, 0, id[0], id[1], id[2], id[3]};
	reply(f, r, 7);
	interrupt(f);
}

static void execute(struct fdc *f)
{
	const uint8_t *c = f->command;
	unsigned unit = c[1] & 3;
	struct fdc_drive *d = &f->drives[unit & 1];
	bool present = unit < 2 && d->present;
	uint8_t r[7];
	switch (c[0] & 0x1f) {
	case 0x03: /* SPECIFY: step rate, head load and unload times, non-DMA bit */
		memcpy(f->specify, c + 1, 2);
		return;
	case 0x04: /* SENSE DRIVE STATUS: ST3 */
		r[0] =
		    (uint8_t)(unit | (c[1] & 4) | 0x20 | (present && d->cylinder == 0 ? 0x10 : 0) |
			      (present && d->heads > 1 ? 0x08 : 0) |
			      (present && d->readonly ? 0x40 : 0));
		reply(f, r, 1);
		return;
	case 0x05: read_write(f, true); return;
	case 0x06: read_write(f, false); return;
	case 0x07: /* RECALIBRATE */
	case 0x0f: /* SEEK */ {
		uint8_t target = (c[0] & 0x1f) == 0x07 ? 0 : c[2];
		if (present && target != d->cylinder)
			d->media_changed = 0; /* a step pulse clears the disk change line */
		if (present)
			d->cylinder = target < d->cylinders ? target : (uint8_t)(d->cylinders - 1);
		f->st0 = (uint8_t)(ST0_SEEK_END | (c[1] & 7) | (present ? 0 : ST0_ABNORMAL));
		f->seek_pending = 1;
		interrupt(f);
		return;
	}
	case 0x08: /* SENSE INTERRUPT STATUS */
		irq_lower(&f->irq);
		if (f->reset_senses) {
			r[0] = (uint8_t)(0xc0 | (4 - f->reset_senses));
			r[1] = f->drives[(4 - f->reset_senses) & 1].cylinder;
			f->reset_senses--;
			reply(f, r, 2);
		} else if (f->seek_pending) {
			f->seek_pending = 0;
			r[0] = f->st0;
			r[1] = f->drives[f->st0 & 1].cylinder;
			reply(f, r, 2);
		} else {
			r[0] = ST0_INVALID;
			reply(f, r, 1);
		}
		return;
	case 0x0a: /* READ ID: the next sector under the head */
		r[0] = (uint8_t)(unit | (c[1] & 4) | (present ? 0 : ST0_ABNORMAL | ST0_NOT_READY));
		r[1] = r[2] = 0;
		if (present && !rate_fits(f, d)) {
			r[0] |= ST0_ABNORMAL;
			r[1] = ST1_MISSING_MARK;
		}
		r[3] = present ? d->cylinder : 0;
		r[4] = (c[1] >> 2) & 1;
		r[5] = 1;
		r[6] = 2;
		reply(f, r, 7);
		interrupt(f);
		return;
	case 0x0d: format_track(f); return;
	case 0x0e: { /* DUMPREG: cylinders, SPECIFY's values; the rest as after reset */
		uint8_t regs[10] = {f->drives[0].cylinder, f->drives[1].cylinder, 0, 0,
				    f->specify[0],	   f->specify[1]};
		reply(f, regs, sizeof(regs));
		return;
	}
	case 0x10: /* VERSION: an 82077AA */
		r[0] = 0x90;
		reply(f, r, 1);
		return;
	case 0x12: /* PERPENDICULAR MODE */
	case 0x13: /* CONFIGURE */ return;
	case 0x14: /* LOCK */
		r[0] = (uint8_t)((c[0] & 0x80) >> 3);
		reply(f, r, 1);
		return;
	default:
		r[0] = ST0_INVALID;
		reply(f, r, 1);
		return;
	}
}

static uint8_t main_status(const struct fdc *f)
{
	if (!(f->dor & DOR_NRESET))
		return 0;
	if (f->result_pos < f->result_len)
		return MSR_RQM | MSR_DIO | MSR_BUSY;
	return (uint8_t)(MSR_RQM | (f->command_len ? MSR_BUSY : 0));
}

static uint64_t fdc_read(void *dev, uint64_t offset, unsigned size)
{
	struct fdc *f = dev;
	(void)size;
	switch (offset) {
	case 2: return f->dor;
	case 4: return main_status(f);
	case 5:
		if (f->result_pos >= f->result_len)
			return 0xff;
		irq_lower(&f->irq);
		if (f->result_pos + 1 == f->result_len) {
			uint8_t last = f->result[f->result_pos];
			f->result_pos = f->result_len = 0; /* back to the command phase */
			return last;
		}
		return f->result[f->result_pos++];
	case 7: /* DIR: the disk change line of the selected drive */
		return f->drives[f->dor & 1].media_changed ? 0x80 : 0x00;
	default: return 0xff;
	}
}

static void fdc_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct fdc *f = dev;
	uint8_t v = (uint8_t)value;
	(void)size;
	switch (offset) {
	case 2: { /* DOR: leaving reset (nRESET 0 -> 1) ends it */
		uint8_t old = f->dor;
		f->dor = v;
		if (!(v & DOR_NRESET)) {
			f->command_len = f->result_len = f->result_pos = 0;
			irq_lower(&f->irq);
		} else if (!(old & DOR_NRESET)) {
			controller_reset(f);
		}
		return;
	}
	case 4: /* DSR: bit 7 a software reset, bits 1-0 the data rate */
		f->rate = v & 3;
		if (v & 0x80)
			controller_reset(f);
		return;
	case 5:
		if (!(f->dor & DOR_NRESET) || f->result_pos < f->result_len)
			return; /* not ready for a command byte */
		irq_lower(&f->irq);
		if (f->command_len == 0)
			f->command_want = (uint8_t)command_length(v);
		f->command[f->command_len++] = v;
		if (f->command_len >= f->command_want) {
			f->command_len = 0;
			execute(f);
		}
		return;
	case 7: f->rate = v & 3; return; /* CCR: the data rate */
	default: return;		 /* the tape drive register */
	}
}

/* 0x3f7 on a bus region of its own (0x3f6 between is the IDE's) */
static uint64_t fdc_dir_read(void *dev, uint64_t offset, unsigned size)
{
	return fdc_read(dev, offset + 7, size);
}

static void fdc_dir_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	fdc_write(dev, offset + 7, size, value);
}

const struct io_ops fdc_ops = {.read = fdc_read, .write = fdc_write, .byte_wide = true};
const struct io_ops fdc_dir_ops = {.read = fdc_dir_read, .write = fdc_dir_write, .byte_wide = true};

void fdc_init(struct fdc *f, unsigned irq)
{
	memset(f, 0, sizeof(*f));
	irq_init(&f->irq, irq);
}

int fdc_geometry(uint64_t bytes, uint8_t *cylinders, uint8_t *heads, uint8_t *sectors,
		 uint8_t *cmos_type)
{
	static const struct {
		uint32_t kib;
		uint8_t cylinders, heads, sectors, cmos_type;
	} formats[] = {{360, 40, 2, 9, 1},
		       {1200, 80, 2, 15, 2},
		       {720, 80, 2, 9, 3},
		       {1440, 80, 2, 18, 4},
		       {2880, 80, 2, 36, 5}};
	for (unsigned i = 0; i < ARRAY_SIZE(formats); i++) {
		if (bytes == (uint64_t)formats[i].kib * 1024) {
			*cylinders = formats[i].cylinders;
			*heads = formats[i].heads;
			*sectors = formats[i].sectors;
			*cmos_type = formats[i].cmos_type;
			return 0;
		}
	}
	return -1;
}

int fdc_attach(struct fdc *f, unsigned drive, unsigned block_drive, uint64_t bytes, bool readonly)
{
	struct fdc_drive *d = &f->drives[drive & 1];
	memset(d, 0, sizeof(*d));
	if (fdc_geometry(bytes, &d->cylinders, &d->heads, &d->sectors, &d->cmos_type) < 0)
		return -1;
	d->present = 1;
	d->block_drive = (uint8_t)block_drive;
	d->readonly = readonly;
	d->media_changed = 1; /* a disk was put in */
	return 0;
}

uint8_t fdc_cmos_types(const struct fdc *f)
{
	return (uint8_t)(f->drives[0].cmos_type << 4 | f->drives[1].cmos_type);
}
