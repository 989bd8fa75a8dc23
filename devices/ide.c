/* PIIX3 IDE: ATA hard disks and ATAPI CD-ROMs with PIO transfers (ATA/ATAPI-7, the PIIX3
 * datasheet 2.4 for the function's configuration). Commands complete at once: BSY is never
 * seen, DRQ marks each data block, INTRQ follows the PIO protocols of ATA-7 vol. 2 (data-in:
 * one per block; data-out: one per block written; non-data: at the end). */
#include "ide.h"

#include "../core/block.h"

#include <string.h>

/* Status register (ATA-7 vol. 1, 7.15) */
#define ST_BSY	0x80
#define ST_DRDY 0x40
#define ST_DSC	0x10 /* obsolete "seek complete", still set by every drive */
#define ST_DRQ	0x08
#define ST_ERR	0x01
/* Error register */
#define ERR_UNC	 0x40 /* uncorrectable data: a host read failed */
#define ERR_IDNF 0x10 /* address out of range */
#define ERR_ABRT 0x04
/* Device control register */
#define CTL_SRST 0x04
#define CTL_NIEN 0x02
/* Device register */
#define DEV_LBA 0x40
#define DEV_DEV 0x10
/* ATAPI interrupt reason, in the sector count register (ATA-7 vol. 2, 9.10) */
#define IREASON_COD 0x01
#define IREASON_IO  0x02

/* SCSI sense keys and codes (SPC-3 4.5.6, MMC-5) */
#define SENSE_ILLEGAL_REQUEST  0x05
#define ASC_INVALID_OPCODE     0x20
#define ASC_LBA_OUT_OF_RANGE   0x21
#define ASC_INVALID_FIELD      0x24
#define SENSE_UNIT_ATTENTION   0x06
#define ASC_MEDIUM_CHANGED     0x28
#define SENSE_MEDIUM_ERROR     0x03
#define ASC_UNRECOVERED_READ   0x11
#define ATAPI_BLOCKS_PER_BLOCK (IDE_BUFFER_SIZE / IDE_CD_BLOCK)

static struct ide_drive *selected(struct ide_channel *ch)
{
	return &ch->drives[ch->selected];
}

static void interrupt(struct ide_channel *ch)
{
	if (!(ch->control & CTL_NIEN))
		irq_reassert(&ch->irq);
}

/* The signature a drive leaves after reset or diagnostics (ATA-7 vol. 2, 9.12). */
static void set_signature(struct ide_drive *d)
{
	d->tf.count = d->tf.lba_low = 1;
	d->tf.lba_mid = d->kind == IDE_CDROM ? 0x14 : 0;
	d->tf.lba_high = d->kind == IDE_CDROM ? 0xeb : 0;
	d->tf.device = 0; /* and device 0 is selected */
	d->tf.error = 1;  /* diagnostics passed */
	d->tf.status = d->kind == IDE_CDROM ? 0 : ST_DRDY | ST_DSC;
}

static void reset_channel(struct ide_channel *ch)
{
	for (unsigned i = 0; i < 2; i++) {
		struct ide_drive *d = &ch->drives[i];
		set_signature(d); /* SET MULTIPLE and the CHS translation survive a reset */
		d->sense_key = d->asc = 0;
	}
	ch->transfer = IDE_XFER_NONE;
	ch->selected = 0;
	irq_lower(&ch->irq);
}

/* ---- command endings ---------------------------------------------------------------------- */

static void command_done(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	ch->transfer = IDE_XFER_NONE;
	d->tf.status = ST_DRDY | ST_DSC;
	interrupt(ch);
}

static void command_error(struct ide_channel *ch, uint8_t error)
{
	struct ide_drive *d = selected(ch);
	ch->transfer = IDE_XFER_NONE;
	d->tf.error = error;
	d->tf.status = ST_DRDY | ST_DSC | ST_ERR; /* without DRDY libata would reset */
	interrupt(ch);
}

/* Start a DRQ block of len bytes from or into the buffer. */
static void start_block(struct ide_channel *ch, enum ide_transfer what, uint32_t len)
{
	struct ide_drive *d = selected(ch);
	ch->transfer = (uint8_t)what;
	ch->pos = 0;
	ch->len = len;
	d->tf.status = ST_DRDY | ST_DSC | ST_DRQ;
}

/* ---- ATA: identification ------------------------------------------------------------------ */

static void put_string(uint8_t *id, unsigned word, unsigned words, const char *s)
{
	for (unsigned i = 0; i < words * 2; i++) { /* each word holds two characters, first high */
		uint8_t c = *s ? (uint8_t)*s++ : ' ';
		id[(size_t)word * 2 + (i ^ 1)] = c;
	}
}

static void put_word(uint8_t *id, unsigned word, uint16_t v)
{
	id[(size_t)word * 2] = (uint8_t)v;
	id[(size_t)word * 2 + 1] = (uint8_t)(v >> 8);
}

/* IDENTIFY DEVICE / IDENTIFY PACKET DEVICE data (ATA-7 vol. 1, 7.16 and 7.17). */
static void identify(struct ide_channel *ch, const struct ide_drive *d, unsigned position)
{
	uint8_t *id = ch->buffer;
	memset(id, 0, IDE_SECTOR);
	char serial[] = "VMM0000000000000000X";
	serial[sizeof(serial) - 2] = (char)('0' + position);
	put_string(id, 10, 10, serial);
	put_string(id, 23, 4, VMM_VERSION);
	put_word(id, 49, d->kind == IDE_DISK ? 0x0300 : 0x0200); /* LBA; DMA for the disk */
	put_word(id, 53, 0x0003);				 /* words 54-58 and 64-70 valid */
	put_word(id, 64, 0x0003);				 /* PIO modes 3 and 4 */
	put_word(id, 65, 120);					 /* cycle times, ns */
	put_word(id, 66, 120);
	put_word(id, 67, 120);
	put_word(id, 68, 120);
	if (d->kind == IDE_CDROM) {
		/* ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets */
		put_word(id, 0, 0x85c0);
		put_string(id, 27, 20, "VMM ATAPI CD-ROM");
		put_word(id, 80, 0x001e); /* ATA/ATAPI-1 to 4 */
		return;
	}
	uint64_t n = d->sectors;
	uint32_t lba28 = n > 0x0fffffff ? 0x0fffffff : (uint32_t)n;
	put_word(id, 0, 0x0040); /* fixed disk */
	put_word(id, 1, d->cylinders);
	put_word(id, 3, d->heads);
	put_word(id, 6, d->sectors_per_track);
	put_string(id, 27, 20, "VMM HARDDISK");
	put_word(id, 47, 0x8000 | IDE_MAX_MULTI);
	uint64_t current = n / ((uint64_t)d->chs_heads * d->chs_sectors);
	uint16_t cylinders = (uint16_t)(current > 65535 ? 65535 : current);
	put_word(id, 54, cylinders); /* the translation INITIALIZE DEVICE PARAMETERS set */
	put_word(id, 55, d->chs_heads);
	put_word(id, 56, d->chs_sectors);
	uint32_t chs = (uint32_t)cylinders * d->chs_heads * d->chs_sectors;
	put_word(id, 57, (uint16_t)chs);
	put_word(id, 58, (uint16_t)(chs >> 16));
	if (d->multi)
		put_word(id, 59, 0x0100 | d->multi);
	put_word(id, 60, (uint16_t)lba28);
	put_word(id, 61, (uint16_t)(lba28 >> 16));
	/* multiword DMA modes 0-2, and the one SET FEATURES selected (the PIIX3 has no UDMA) */
	put_word(id, 63, (uint16_t)(0x0007 | (d->dma_mode ? 0x0100 << (d->dma_mode & 3) : 0)));
	put_word(id, 80, 0x00f0);		    /* ATA-4 to ATA-7 */
	put_word(id, 82, 0x4000 | 0x0020);	    /* write cache */
	put_word(id, 83, 0x4000 | 0x3000 | 0x0400); /* FLUSH CACHE (EXT), LBA48 */
	put_word(id, 84, 0x4000);
	put_word(id, 85, (uint16_t)(0x4000 | (d->write_cache ? 0x0020 : 0)));
	put_word(id, 86, 0x3000 | 0x0400);
	put_word(id, 87, 0x4000);
	put_word(id, 93, position % 2 ? 0x6100 : 0x6001); /* 80-wire cable, this device's bit */
	for (unsigned i = 0; i < 4; i++)
		put_word(id, 100 + i, (uint16_t)(n >> (16 * i)));
}

/* ---- ATA: sector transfers ---------------------------------------------------------------- */

/* The address and count a read/write command gives; false: a CHS address off the disk. */
static bool command_address(const struct ide_drive *d, bool lba48, uint64_t *lba, uint32_t *count)
{
	const struct ide_taskfile *tf = &d->tf;
	if (lba48) {
		*lba = (uint64_t)tf->hob_lba_high << 40 | (uint64_t)tf->hob_lba_mid << 32 |
		       (uint64_t)tf->hob_lba_low << 24 | (uint32_t)tf->lba_high << 16 |
		       (uint32_t)tf->lba_mid << 8 | tf->lba_low;
		*count = (uint32_t)tf->hob_count << 8 | tf->count;
		if (*count == 0)
			*count = 65536;
		return true;
	}
	*count = tf->count ? tf->count : 256;
	if (tf->device & DEV_LBA) {
		*lba = (uint32_t)(tf->device & 0x0f) << 24 | (uint32_t)tf->lba_high << 16 |
		       (uint32_t)tf->lba_mid << 8 | tf->lba_low;
		return true;
	}
	unsigned cylinder = (unsigned)tf->lba_high << 8 | tf->lba_mid, head = tf->device & 0x0f;
	unsigned sector = tf->lba_low;
	if (sector == 0 || sector > d->chs_sectors || head >= d->chs_heads)
		return false;
	*lba = ((uint64_t)cylinder * d->chs_heads + head) * d->chs_sectors + sector - 1;
	return true;
}

/* Read the next DRQ block of a READ command into the buffer and offer it. */
static void read_next_block(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	uint32_t n = ch->left < ch->per_block ? ch->left : ch->per_block;
	if (!block_read(d->block_drive, ch->lba * IDE_SECTOR, ch->buffer, (size_t)n * IDE_SECTOR)) {
		command_error(ch, ERR_UNC);
		return;
	}
	ch->lba += n;
	ch->left -= n;
	start_block(ch, IDE_XFER_READ, n * IDE_SECTOR);
	interrupt(ch);
}

/* The sectors a read, write or verify command names, into ch->lba and ch->left; false (and
 * the command ended with the error) when they are off the disk or the disk takes no writes. */
static bool take_sectors(struct ide_channel *ch, bool write, bool lba48)
{
	struct ide_drive *d = selected(ch);
	uint64_t lba;
	uint32_t count;
	if (!command_address(d, lba48, &lba, &count) || lba > d->sectors ||
	    count > d->sectors - lba) {
		command_error(ch, ERR_IDNF);
		return false;
	}
	if (write && !block_writable(d->block_drive)) {
		command_error(ch, ERR_ABRT);
		return false;
	}
	ch->lba = lba;
	ch->left = count;
	return true;
}

static void ata_read_write(struct ide_channel *ch, bool write, bool lba48, uint32_t per_block)
{
	if (!take_sectors(ch, write, lba48))
		return;
	ch->per_block = per_block;
	if (!write) {
		read_next_block(ch);
		return;
	}
	uint32_t n = ch->left < per_block ? ch->left : per_block;
	start_block(ch, IDE_XFER_WRITE, n * IDE_SECTOR); /* no interrupt for the first block */
}

/* The host has filled the buffer of a WRITE command: write it, then ask for more or end. */
static void write_block_done(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	uint32_t n = ch->len / IDE_SECTOR;
	if (!block_write(d->block_drive, ch->lba * IDE_SECTOR, ch->buffer, ch->len)) {
		command_error(ch, ERR_ABRT);
		return;
	}
	ch->lba += n;
	ch->left -= n;
	if (ch->left == 0) {
		/* with the write cache off, "done" means on the disk */
		if (!d->write_cache && !block_flush(d->block_drive))
			command_error(ch, ERR_ABRT);
		else
			command_done(ch);
		return;
	}
	n = ch->left < ch->per_block ? ch->left : ch->per_block;
	start_block(ch, IDE_XFER_WRITE, n * IDE_SECTOR);
	interrupt(ch);
}

/* ---- ATA: DMA through the channel's bus master ---------------------------------------------- */

#define BM_START     0x01 /* command register: the engine runs */
#define BM_ACTIVE    0x01 /* status register bits */
#define BM_ERROR     0x02
#define BM_INTERRUPT 0x04
#define PRD_LAST     0x80 /* in the descriptor's top byte: the table ends here */

/* Move the whole transfer along the physical region descriptor table (PIIX3 2.7.4: a 32-bit
 * address, a byte count with 0 meaning 64 KiB, the end-of-table bit), then end the command. */
static void bus_master_run(struct ide_channel *ch)
{
	if ((ch->transfer != IDE_XFER_DMA_READ && ch->transfer != IDE_XFER_DMA_WRITE) ||
	    !(ch->bm_command & BM_START))
		return;
	struct ide_drive *d = selected(ch);
	bool to_disk = ch->transfer == IDE_XFER_DMA_WRITE, ok = true;
	uint64_t bytes = (uint64_t)ch->left * IDE_SECTOR, offset = ch->lba * IDE_SECTOR;
	for (unsigned i = 0; ok && bytes && i < 8192; i++) { /* a table is within 64 KiB */
		uint8_t prd[8];
		if (!machine_read_ram((uint64_t)ch->bm_prd + 8ull * i, prd, sizeof(prd))) {
			ok = false;
			break;
		}
		uint64_t address = load_le(prd, 4) & ~1ull;
		uint32_t len = (uint32_t)load_le(prd + 4, 2);
		len = len ? len : 0x10000;
		while (ok && len && bytes) {
			uint32_t n = len < IDE_BUFFER_SIZE ? len : IDE_BUFFER_SIZE;
			n = n < bytes ? n : (uint32_t)bytes;
			ok = to_disk ? machine_read_ram(address, ch->buffer, n) &&
					   block_write(d->block_drive, offset, ch->buffer, n)
				     : block_read(d->block_drive, offset, ch->buffer, n) &&
					   machine_write_ram(address, ch->buffer, n);
			address += n;
			len -= n;
			bytes -= n;
			offset += n;
		}
		if (prd[7] & PRD_LAST)
			break;
	}
	ch->left = 0;
	ch->bm_status = (uint8_t)((ch->bm_status & ~BM_ACTIVE) | BM_INTERRUPT);
	if (!ok || bytes) { /* a host error, or a table too short for the transfer */
		ch->bm_status |= BM_ERROR;
		command_error(ch, to_disk || !ok ? ERR_ABRT : ERR_UNC);
	} else if (to_disk && !d->write_cache && !block_flush(d->block_drive)) {
		command_error(ch, ERR_ABRT);
	} else {
		command_done(ch);
	}
}

/* READ DMA, WRITE DMA (and EXT): checked now, moved when the bus master starts. */
static void ata_dma(struct ide_channel *ch, bool write, bool lba48)
{
	if (!take_sectors(ch, write, lba48))
		return;
	start_block(ch, write ? IDE_XFER_DMA_WRITE : IDE_XFER_DMA_READ, 0);
	bus_master_run(ch);
}

static uint8_t bus_master_byte(const struct ide_channel *ch, unsigned reg)
{
	switch (reg) {
	case 0: return ch->bm_command;
	case 2: return ch->bm_status;
	case 4:
	case 5:
	case 6:
	case 7: return (uint8_t)(ch->bm_prd >> (8 * (reg - 4)));
	default: return 0;
	}
}

static void bus_master_write_byte(struct ide_channel *ch, unsigned reg, uint8_t v)
{
	if (reg == 0) { /* start/stop and the direction bit */
		uint8_t old = ch->bm_command;
		ch->bm_command = v & 0x09;
		if (!(old & BM_START) && (v & BM_START)) {
			ch->bm_status |= BM_ACTIVE;
			bus_master_run(ch);
		} else if (!(v & BM_START)) {
			ch->bm_status &= (uint8_t)~BM_ACTIVE;
		}
	} else if (reg == 2) { /* drive DMA-capable bits; error and interrupt clear by 1 */
		ch->bm_status = (uint8_t)((ch->bm_status & BM_ACTIVE) | (v & 0x60) |
					  (ch->bm_status & ~v & (BM_ERROR | BM_INTERRUPT)));
	} else if (reg >= 4) { /* the table's address, dword-aligned */
		unsigned shift = 8 * (reg - 4);
		ch->bm_prd = (ch->bm_prd & ~(0xffu << shift)) | (uint32_t)v << shift;
		ch->bm_prd &= ~3u;
	}
}

static uint64_t ide_bus_master_read(void *dev, uint64_t offset, unsigned size)
{
	struct ide *ide = dev;
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned at = (unsigned)(offset + i) % 16;
		v |= (uint64_t)bus_master_byte(&ide->channels[at / 8], at % 8) << (8 * i);
	}
	return v;
}

static void ide_bus_master_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct ide *ide = dev;
	for (unsigned i = 0; i < size; i++) {
		unsigned at = (unsigned)(offset + i) % 16;
		bus_master_write_byte(&ide->channels[at / 8], at % 8, (uint8_t)(value >> (8 * i)));
	}
}

const struct io_ops ide_bus_master_ops = {.read = ide_bus_master_read,
					  .write = ide_bus_master_write};

/* ---- ATAPI (MMC-5 commands over the PACKET protocol) -------------------------------------- */

static void atapi_error(struct ide_channel *ch, uint8_t key, uint8_t asc)
{
	struct ide_drive *d = selected(ch);
	d->sense_key = key;
	d->asc = asc;
	d->tf.count = IREASON_IO | IREASON_COD;
	command_error(ch, (uint8_t)(key << 4 | ERR_ABRT));
}

static void atapi_done(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	d->sense_key = d->asc = 0;
	d->tf.count = IREASON_IO | IREASON_COD;
	command_done(ch);
}

/* Offer the next chunk of ATAPI data: what is left in the buffer, at most the byte count
 * limit the host gave; refill the buffer from the image when a READ has blocks left. */
static void atapi_next_chunk(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	if (ch->pos >= ch->len) {
		if (ch->left == 0) {
			atapi_done(ch);
			return;
		}
		uint32_t n = ch->left < ATAPI_BLOCKS_PER_BLOCK ? ch->left : ATAPI_BLOCKS_PER_BLOCK;
		if (!block_read(d->block_drive, ch->lba * IDE_CD_BLOCK, ch->buffer,
				(size_t)n * IDE_CD_BLOCK)) {
			atapi_error(ch, SENSE_MEDIUM_ERROR, ASC_UNRECOVERED_READ);
			return;
		}
		ch->lba += n;
		ch->left -= n;
		ch->pos = 0;
		ch->len = n * IDE_CD_BLOCK;
	}
	uint32_t limit = ch->per_block; /* the byte count limit, even, for ATAPI */
	uint32_t chunk = ch->len - ch->pos < limit ? ch->len - ch->pos : limit;
	ch->transfer = IDE_XFER_ATAPI;
	ch->chunk_end = ch->pos + chunk;
	d->tf.lba_mid = (uint8_t)chunk;
	d->tf.lba_high = (uint8_t)(chunk >> 8);
	d->tf.count = IREASON_IO;
	d->tf.status = ST_DRDY | ST_DSC | ST_DRQ;
	interrupt(ch);
}

/* Reply with len bytes already in the buffer, at most what the host allocated. */
static void atapi_reply(struct ide_channel *ch, uint32_t len, uint32_t allocation)
{
	ch->pos = 0;
	ch->len = len < allocation ? len : allocation;
	ch->left = 0;
	atapi_next_chunk(ch);
}

static uint32_t be16(const uint8_t *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A TOC address: an LBA, or minutes/seconds/frames counted from the 2-second lead-in. */
static void put_address(uint8_t *p, uint32_t lba, bool msf)
{
	if (!msf) {
		put_be32(p, lba);
		return;
	}
	lba = lba < 255 * 60 * 75 ? lba + 150 : 255 * 60 * 75 + 149; /* minutes are a byte */
	p[0] = 0;
	p[1] = (uint8_t)(lba / (75 * 60));
	p[2] = (uint8_t)(lba / 75 % 60);
	p[3] = (uint8_t)(lba % 75);
}

/* READ TOC/PMA/ATIP formats 0 (tracks) and 1 (sessions) of a one-track data disc. */
static uint32_t read_toc(uint8_t *out, const struct ide_drive *d, const uint8_t *cdb, bool *ok)
{
	bool msf = cdb[1] & 0x02;
	unsigned format = cdb[2] & 0x0f;
	if (format == 0 && (cdb[9] >> 6))
		format = cdb[9] >> 6; /* the old SFF-8020 place for it */
	memset(out, 0, 20);
	out[2] = out[3] = 1; /* first and last track (or session) */
	*ok = true;
	if (format == 0) { /* from the track asked for: track 1, then the lead-out */
		if (cdb[6] > 1 && cdb[6] != 0xaa) {
			*ok = false;
			return 0;
		}
		uint8_t *p = out + 4;
		if (cdb[6] <= 1) {
			p[1] = 0x14; /* ADR 1, data track */
			p[2] = 1;
			put_address(p + 4, 0, msf);
			p += 8;
		}
		p[1] = 0x14;
		p[2] = 0xaa; /* the lead-out */
		put_address(p + 4, (uint32_t)d->sectors, msf);
		p += 8;
		out[1] = (uint8_t)(p - out - 2);
		return (uint32_t)(p - out);
	}
	if (format == 1) {
		out[1] = 10;
		out[5] = 0x14;
		out[6] = 1;
		put_address(out + 8, 0, msf);
		return 12;
	}
	*ok = false;
	return 0;
}

static void atapi_command(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	uint8_t cdb[12], *out = ch->buffer;
	memcpy(cdb, ch->buffer, sizeof(cdb));
	bool ok = true;
	uint32_t len;
	switch (cdb[0]) {
	case 0x00: /* TEST UNIT READY */
	case 0x1b: /* START STOP UNIT */
	case 0x1e: /* PREVENT ALLOW MEDIUM REMOVAL */
	case 0x2b: /* SEEK */
	case 0xbb: /* SET CD SPEED */ atapi_done(ch); return;
	case 0x03: /* REQUEST SENSE: fixed format */
		memset(out, 0, 18);
		out[0] = 0x70;
		out[2] = d->sense_key;
		out[7] = 10;
		out[12] = d->asc;
		d->sense_key = d->asc = 0;
		atapi_reply(ch, 18, cdb[4]);
		return;
	case 0x12: /* INQUIRY */
		if (cdb[1] & 1) {
			atapi_error(ch, SENSE_ILLEGAL_REQUEST,
				    ASC_INVALID_FIELD); /* no VPD pages */
			return;
		}
		memset(out, 0, 36);
		out[0] = 0x05; /* CD/DVD device */
		out[1] = 0x80; /* removable */
		out[2] = 0x05; /* SPC-3 */
		out[3] = 0x32; /* ATAPI, response data format 2 */
		out[4] = 31;
		static const char identity[] = "VMM     VMM ATAPI CD-ROM" VMM_VERSION;
		memcpy(out + 8, identity, 28); /* vendor, product, revision: space-padded */
		atapi_reply(ch, 36, be16(cdb + 3));
		return;
	case 0x25: /* READ CAPACITY: the last block and the block size */
		put_be32(out, (uint32_t)d->sectors - 1);
		put_be32(out + 4, IDE_CD_BLOCK);
		atapi_reply(ch, 8, 8);
		return;
	case 0x28: /* READ(10) */
	case 0xa8: /* READ(12) */ {
		uint32_t lba = be32(cdb + 2);
		uint32_t count = cdb[0] == 0x28 ? be16(cdb + 7) : be32(cdb + 6);
		if (lba > d->sectors || count > d->sectors - lba) {
			atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE);
			return;
		}
		ch->lba = lba;
		ch->left = count;
		ch->pos = ch->len = 0;
		atapi_next_chunk(ch);
		return;
	}
	case 0x43: /* READ TOC/PMA/ATIP */
		len = read_toc(out, d, cdb, &ok);
		if (ok) {
			atapi_reply(ch, len, be16(cdb + 7));
			return;
		}
		break;
	case 0x5a: /* MODE SENSE(10): the capabilities page only */
		if ((cdb[2] & 0x3f) == 0x2a || (cdb[2] & 0x3f) == 0x3f) {
			memset(out, 0, 28);
			out[1] = 26;   /* mode data length */
			out[8] = 0x2a; /* CD capabilities and mechanical status */
			out[9] = 18;
			out[10] = 0x03; /* reads CD-R and CD-RW */
			out[12] = 0x71; /* audio play, mode 2 forms 1 and 2, multi-session */
			out[14] = 0x29; /* tray loading, eject, lock */
			out[16] = 0x1b; /* maximum speed 7040 KB/s (40x) */
			out[17] = 0x90;
			out[22] = 0x1b; /* current speed */
			out[23] = 0x90;
			atapi_reply(ch, 28, be16(cdb + 7));
			return;
		}
		break;
	default: atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE); return;
	}
	atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
}

static void atapi_packet(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	if (d->tf.feature & 0x01) { /* DMA: there is no bus master */
		atapi_error(ch, SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD);
		return;
	}
	uint32_t limit = (uint32_t)d->tf.lba_high << 8 | d->tf.lba_mid;
	if (limit == 0 || limit == 0xffff)
		limit = 0xfffe;
	ch->per_block = limit & ~1u ? limit & ~1u : 2; /* an odd limit: the even size below */
	start_block(ch, IDE_XFER_PACKET, 12);
	d->tf.count = IREASON_COD; /* the device wants the command packet */
}

/* ---- the command register ---------------------------------------------------------------- */

static void execute(struct ide_channel *ch, uint8_t command)
{
	struct ide_drive *d = selected(ch);
	bool disk = d->kind == IDE_DISK;
	ch->transfer = IDE_XFER_NONE;
	irq_lower(&ch->irq);
	switch (command) {
	case 0xec: /* IDENTIFY DEVICE */
	case 0xa1: /* IDENTIFY PACKET DEVICE */
		if (disk != (command == 0xec)) {
			if (!disk)
				set_signature(d); /* tells the host this is a packet device */
			command_error(ch, ERR_ABRT);
			return;
		}
		identify(ch, d, ch->index * 2u + ch->selected);
		start_block(ch, IDE_XFER_INFO, IDE_SECTOR);
		interrupt(ch);
		return;
	case 0x08: /* DEVICE RESET */
		if (disk)
			break;
		set_signature(d);
		return;
	case 0x90: /* EXECUTE DEVICE DIAGNOSTIC */
		set_signature(&ch->drives[0]);
		set_signature(&ch->drives[1]);
		ch->selected = 0;
		interrupt(ch);
		return;
	case 0xa0: /* PACKET */
		if (disk)
			break;
		atapi_packet(ch);
		return;
	case 0xef: /* SET FEATURES: the write cache on (02h) or off (82h); the rest accepted */
		if (d->tf.feature == 0x02 || d->tf.feature == 0x82)
			d->write_cache = d->tf.feature == 0x02;
		if (d->tf.feature == 0x03 && (d->tf.count & 0xf8) == 0x20) /* MWDMA n */
			d->dma_mode = d->tf.count;
		command_done(ch);
		return;
	case 0xe7: /* FLUSH CACHE */
	case 0xea: /* FLUSH CACHE EXT */
		if (disk && !block_flush(d->block_drive)) {
			command_error(ch, ERR_ABRT);
			return;
		}
		command_done(ch);
		return;
	case 0xe0:		    /* STANDBY IMMEDIATE */
	case 0xe1:		    /* IDLE IMMEDIATE */
	case 0xe2:		    /* STANDBY */
	case 0xe3:		    /* IDLE */
	case 0xe5:		    /* CHECK POWER MODE */
		d->tf.count = 0xff; /* active or idle */
		command_done(ch);
		return;
	default: break;
	}
	if (!disk) {
		set_signature(d); /* an ATA command to a packet device: say what it is */
		command_error(ch, ERR_ABRT);
		return;
	}
	switch (command) {
	case 0xc8: /* READ DMA */
	case 0x25: /* READ DMA EXT */
	case 0xca: /* WRITE DMA */
	case 0x35: /* WRITE DMA EXT */
		ata_dma(ch, command == 0xca || command == 0x35, command == 0x25 || command == 0x35);
		return;
	case 0x20: /* READ SECTORS (with and without retries) */
	case 0x21:
	case 0x24: /* READ SECTORS EXT */ ata_read_write(ch, false, command == 0x24, 1); return;
	case 0x30: /* WRITE SECTORS */
	case 0x31:
	case 0x34: /* WRITE SECTORS EXT */ ata_read_write(ch, true, command == 0x34, 1); return;
	case 0xc4: /* READ MULTIPLE */
	case 0x29: /* READ MULTIPLE EXT */
	case 0xc5: /* WRITE MULTIPLE */
	case 0x39: /* WRITE MULTIPLE EXT */
		if (!d->multi)
			break;
		ata_read_write(ch, command == 0xc5 || command == 0x39,
			       command == 0x29 || command == 0x39, d->multi);
		return;
	case 0x40: /* READ VERIFY SECTORS */
	case 0x41:
	case 0x42: /* READ VERIFY SECTORS EXT */
		if (take_sectors(ch, false, command == 0x42))
			command_done(ch);
		return;
	case 0xc6: /* SET MULTIPLE MODE: a power of two up to IDE_MAX_MULTI, or 0 (off) */
		if (d->tf.count > IDE_MAX_MULTI || (d->tf.count & (d->tf.count - 1)))
			break;
		d->multi = d->tf.count;
		command_done(ch);
		return;
	case 0x91: /* INITIALIZE DEVICE PARAMETERS: the CHS translation */
		if (d->tf.count == 0)
			break;
		d->chs_sectors = d->tf.count;
		d->chs_heads = (uint16_t)((d->tf.device & 0x0f) + 1);
		command_done(ch);
		return;
	default:
		if (command == 0x70 || (command & 0xf0) == 0x10) { /* SEEK, RECALIBRATE */
			command_done(ch);
			return;
		}
		break;
	}
	command_error(ch, ERR_ABRT);
}

/* ---- the data register -------------------------------------------------------------------- */

/* One block is through the data register: what comes next. */
static void block_finished(struct ide_channel *ch)
{
	struct ide_drive *d = selected(ch);
	switch (ch->transfer) {
	case IDE_XFER_READ:
		if (ch->left) {
			read_next_block(ch);
			return;
		}
		ch->transfer = IDE_XFER_NONE;
		d->tf.status = ST_DRDY | ST_DSC; /* no interrupt after the last block */
		return;
	case IDE_XFER_WRITE: write_block_done(ch); return;
	case IDE_XFER_PACKET: atapi_command(ch); return;
	case IDE_XFER_ATAPI: atapi_next_chunk(ch); return;
	default:
		ch->transfer = IDE_XFER_NONE;
		d->tf.status = ST_DRDY | ST_DSC;
		return;
	}
}

static uint32_t chunk_end(const struct ide_channel *ch)
{
	return ch->transfer == IDE_XFER_ATAPI ? ch->chunk_end : ch->len;
}

static uint64_t data_read(struct ide_channel *ch, unsigned size)
{
	bool out = ch->transfer == IDE_XFER_READ || ch->transfer == IDE_XFER_ATAPI ||
		   ch->transfer == IDE_XFER_INFO;
	if (!out || ch->drives[ch->selected].kind == IDE_NONE)
		return 0xffffffff;
	uint64_t value = 0;
	uint32_t end = chunk_end(ch);
	for (unsigned i = 0; i < size && ch->pos < end; i++)
		value |= (uint64_t)ch->buffer[ch->pos++] << (8 * i);
	if (ch->pos >= end)
		block_finished(ch);
	return value;
}

static void data_write(struct ide_channel *ch, unsigned size, uint64_t value)
{
	if (ch->transfer != IDE_XFER_WRITE && ch->transfer != IDE_XFER_PACKET)
		return;
	for (unsigned i = 0; i < size && ch->pos < ch->len; i++)
		ch->buffer[ch->pos++] = (uint8_t)(value >> (8 * i));
	if (ch->pos >= ch->len)
		block_finished(ch);
}

/* ---- port handlers ------------------------------------------------------------------------ */

enum {
	REG_DATA,
	REG_ERROR_FEATURE,
	REG_COUNT,
	REG_LBA_LOW,
	REG_LBA_MID,
	REG_LBA_HIGH,
	REG_DEVICE,
	REG_STATUS_COMMAND
};

static bool channel_empty(const struct ide_channel *ch)
{
	return ch->drives[0].kind == IDE_NONE && ch->drives[1].kind == IDE_NONE;
}

static uint8_t status_of(struct ide_channel *ch)
{
	const struct ide_drive *d = selected(ch);
	if (d->kind == IDE_NONE)
		return 0; /* an absent slave beside a master */
	return ch->control & CTL_SRST ? ST_BSY : d->tf.status;
}

static uint64_t ide_command_read(void *dev, uint64_t offset, unsigned size)
{
	struct ide_channel *ch = dev;
	if (channel_empty(ch))
		return 0xffffffff; /* nothing on the cable: the bus floats */
	if (offset == REG_DATA)
		return data_read(ch, size);
	const struct ide_drive *d = selected(ch);
	if (d->kind == IDE_NONE)
		return offset == REG_DEVICE ? d->tf.device : 0;
	bool hob = ch->control & 0x80; /* HOB: read the previous (high order) bytes */
	switch (offset) {
	case REG_ERROR_FEATURE: return d->tf.error;
	case REG_COUNT: return hob ? d->tf.hob_count : d->tf.count;
	case REG_LBA_LOW: return hob ? d->tf.hob_lba_low : d->tf.lba_low;
	case REG_LBA_MID: return hob ? d->tf.hob_lba_mid : d->tf.lba_mid;
	case REG_LBA_HIGH: return hob ? d->tf.hob_lba_high : d->tf.lba_high;
	case REG_DEVICE: return d->tf.device;
	default: /* status: reading it acknowledges the interrupt */
		irq_lower(&ch->irq);
		return status_of(ch);
	}
}

/* A task file register write reaches both drives; the previous value becomes the high-order
 * byte for LBA48 commands. */
static void write_register(uint8_t *reg, uint8_t *hob, uint8_t value)
{
	*hob = *reg;
	*reg = value;
}

static void ide_command_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct ide_channel *ch = dev;
	uint8_t v = (uint8_t)value;
	if (offset == REG_DATA) {
		data_write(ch, size, value);
		return;
	}
	ch->control &= (uint8_t)~0x80; /* any write clears HOB */
	if (offset == REG_STATUS_COMMAND) {
		if ((selected(ch)->kind != IDE_NONE || v == 0x90) && !(ch->control & CTL_SRST))
			execute(ch, v);
		return;
	}
	if (ch->transfer != IDE_XFER_NONE)
		return; /* the task file is the command's until its data has moved (ATA-7 6.2) */
	for (unsigned i = 0; i < 2; i++) {
		struct ide_taskfile *tf = &ch->drives[i].tf;
		switch (offset) {
		case REG_ERROR_FEATURE: write_register(&tf->feature, &tf->hob_feature, v); break;
		case REG_COUNT: write_register(&tf->count, &tf->hob_count, v); break;
		case REG_LBA_LOW: write_register(&tf->lba_low, &tf->hob_lba_low, v); break;
		case REG_LBA_MID: write_register(&tf->lba_mid, &tf->hob_lba_mid, v); break;
		case REG_LBA_HIGH: write_register(&tf->lba_high, &tf->hob_lba_high, v); break;
		default: tf->device = v; break;
		}
	}
	if (offset == REG_DEVICE)
		ch->selected = (v & DEV_DEV) ? 1 : 0;
}

/* The control block: alternate status (no interrupt acknowledge) and device control. */
static uint64_t ide_control_read(void *dev, uint64_t offset, unsigned size)
{
	(void)offset;
	(void)size;
	struct ide_channel *ch = dev;
	return channel_empty(ch) ? 0xff : status_of(ch);
}

static void ide_control_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	(void)offset;
	(void)size;
	struct ide_channel *ch = dev;
	uint8_t old = ch->control;
	ch->control = (uint8_t)value;
	if ((old & CTL_SRST) && !(value & CTL_SRST))
		reset_channel(ch); /* the reset ends when SRST is released */
	else if (!(old & CTL_SRST) && (value & CTL_SRST))
		ch->transfer = IDE_XFER_NONE;
	if (value & CTL_NIEN)
		irq_lower(&ch->irq);
}

const struct io_ops ide_command_ops = {.read = ide_command_read, .write = ide_command_write};
const struct io_ops ide_control_ops = {
    .read = ide_control_read, .write = ide_control_write, .byte_wide = true};

/* ---- PCI function and set-up -------------------------------------------------------------- */

#define IDE_TIMING_PRIMARY   0x40 /* IDETIM (PIIX3 datasheet 2.4.9); bit 15 decodes the channel */
#define IDE_TIMING_SECONDARY 0x42
#define IDE_SLAVE_TIMING     0x44

void ide_init(struct ide *ide, unsigned irq_primary, unsigned irq_secondary)
{
	memset(ide, 0, sizeof(*ide));
	/* mass storage, IDE, programming interface 0x80: legacy ports, bus master capable */
	pci_config_init(&ide->config, 0x8086, 0x7010, 0x01018000, 0x00);
	for (unsigned r = IDE_TIMING_PRIMARY; r <= IDE_SLAVE_TIMING; r++)
		ide->config.wmask[r] = 0xff;
	ide->config.bytes[IDE_TIMING_PRIMARY + 1] = 0x80; /* both channels decoded from reset */
	ide->config.bytes[IDE_TIMING_SECONDARY + 1] = 0x80;
	ide->config.bytes[IDE_BAR4] = 0x01; /* 16 bytes of I/O space for the bus master */
	ide->config.wmask[IDE_BAR4] =
	    0xf0; /* all 32 bits take writes, as the BIOS's sizing wants */
	ide->config.wmask[IDE_BAR4 + 1] = 0xff;
	ide->config.wmask[IDE_BAR4 + 2] = 0xff;
	ide->config.wmask[IDE_BAR4 + 3] = 0xff;
	irq_init(&ide->channels[0].irq, irq_primary);
	irq_init(&ide->channels[1].irq, irq_secondary);
	ide->channels[1].index = 1;
}

void ide_attach(struct ide *ide, unsigned position, enum ide_kind kind, unsigned block_drive)
{
	struct ide_channel *ch = &ide->channels[position / 2 % 2];
	struct ide_drive *d = &ch->drives[position % 2];
	memset(d, 0, sizeof(*d));
	d->kind = (uint8_t)kind;
	d->block_drive = (uint8_t)block_drive;
	uint64_t bytes = block_size(block_drive);
	d->sectors = bytes / (kind == IDE_CDROM ? IDE_CD_BLOCK : IDE_SECTOR);
	d->write_cache = true;
	if (kind == IDE_DISK) { /* the usual translation: 16 heads, 63 sectors a track */
		uint64_t cylinders = d->sectors / (16 * 63ull);
		d->cylinders = (uint16_t)(cylinders > 16383 ? 16383 : cylinders ? cylinders : 1);
		d->heads = 16;
		d->sectors_per_track = 63;
	}
	d->chs_heads = d->heads ? d->heads : 1; /* a CD has no geometry; keep the divisions safe */
	d->chs_sectors = d->sectors_per_track ? d->sectors_per_track : 1;
	reset_channel(ch);
}

uint8_t ide_cmos_translation(const struct ide *ide)
{
	uint8_t flags = 0;
	for (unsigned i = 0; i < 4; i++) {
		const struct ide_drive *d = &ide->channels[i / 2].drives[i % 2];
		if (d->kind == IDE_DISK && d->sectors > 1024ull * 16 * 63)
			flags |=
			    (uint8_t)(1 << (2 * i)); /* LBA translation beyond 1024 cylinders */
	}
	return flags;
}
