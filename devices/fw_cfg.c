/* fw_cfg: the selector and data ports. Unknown items and reads past the end return 0, which
 * SeaBIOS relies on for the optional legacy keys (its fw/paravirt.c reads counts from them). */
#include "fw_cfg.h"

#include <string.h>

static struct fw_cfg_item *find_item(struct fw_cfg *f, uint16_t key)
{
	for (unsigned i = 0; i < f->nitems; i++)
		if (f->items[i].key == key)
			return &f->items[i];
	return NULL;
}

int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t size)
{
	if (f->nitems >= FW_CFG_MAX_ITEMS || find_item(f, key))
		return -1;
	f->items[f->nitems++] = (struct fw_cfg_item){.key = key, .size = size, .data = data};
	return 0;
}

/* Keep a small little-endian integer in the device's own storage. */
static const uint8_t *store_int(struct fw_cfg *f, uint64_t value, unsigned size)
{
	if (size > 8 || f->used + size > sizeof(f->storage))
		return NULL;
	uint8_t *p = f->storage + f->used;
	store_le(p, size, value);
	f->used += size;
	return p;
}

int fw_cfg_add_int(struct fw_cfg *f, uint16_t key, uint64_t value, unsigned size)
{
	const uint8_t *p = store_int(f, value, size);
	return p ? fw_cfg_add_bytes(f, key, p, size) : -1;
}

static void put_be(uint8_t *p, uint32_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * (size - 1 - i)));
}

int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t size)
{
	size_t len = strlen(name);
	if (f->nfiles >= FW_CFG_MAX_FILES || len >= FW_CFG_NAME_MAX)
		return -1;
	uint16_t key = (uint16_t)(FW_CFG_FILE_FIRST + f->nfiles);
	if (fw_cfg_add_bytes(f, key, data, size) < 0)
		return -1;
	/* Directory entry: be32 size, be16 select, be16 reserved, char name[56]. */
	uint8_t *e = f->dir + 4 + (size_t)FW_CFG_DIR_ENTRY * f->nfiles;
	put_be(e, size, 4);
	put_be(e + 4, key, 2);
	memcpy(e + 8, name, len + 1); /* with its NUL; the rest of the field is zero */
	f->nfiles++;
	put_be(f->dir, f->nfiles, 4);
	find_item(f, FW_CFG_FILE_DIR)->size = 4 + FW_CFG_DIR_ENTRY * f->nfiles;
	return 0;
}

int fw_cfg_add_file_int(struct fw_cfg *f, const char *name, uint64_t value, unsigned size)
{
	const uint8_t *p = store_int(f, value, size);
	return p ? fw_cfg_add_file(f, name, p, size) : -1;
}

void fw_cfg_init(struct fw_cfg *f)
{
	memset(f, 0, sizeof(*f));
	static const uint8_t signature[4] = {'Q', 'E', 'M', 'U'};
	fw_cfg_add_bytes(f, FW_CFG_SIGNATURE, signature, sizeof(signature));
	fw_cfg_add_int(f, FW_CFG_ID, 3, 4); /* the traditional interface and DMA */
	fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, f->dir, 4);
}

static uint8_t read_byte(struct fw_cfg *f)
{
	const struct fw_cfg_item *it = find_item(f, f->selected);
	if (!it || f->offset >= it->size)
		return 0;
	return it->data[f->offset++];
}

/* As in QEMU's I/O-port fw_cfg: byte reads of either port stream data; wider reads are not
 * decoded (all ones, nothing consumed). */
static uint64_t fw_cfg_read(void *dev, uint64_t offset, unsigned size)
{
	(void)offset;
	return size == 1 ? read_byte(dev) : ~0ull;
}

/* Only a 16-bit write to the selector port selects; the write-channel bit is not part of the
 * key. Byte writes are data writes, which QEMU ignores since 2.4. */
static void fw_cfg_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct fw_cfg *f = dev;
	if (offset != FW_CFG_SELECTOR || size != 2)
		return;
	f->selected = (uint16_t)value & (uint16_t)~FW_CFG_WRITE_CHANNEL;
	f->offset = 0;
}

const struct io_ops fw_cfg_ops = {.read = fw_cfg_read, .write = fw_cfg_write};

/* ---- DMA: one exit moves a whole item into guest memory (QEMU docs/specs/fw_cfg.rst) ---- */

#define DMA_ERROR  0x01
#define DMA_READ   0x02
#define DMA_SKIP   0x04
#define DMA_SELECT 0x08
#define DMA_WRITE  0x10

static uint64_t get_be(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

/* Copy len bytes of the selected item from the current offset to gpa; past its end the
 * guest gets zeros. */
static bool dma_read(struct fw_cfg *f, uint64_t gpa, uint32_t len)
{
	static uint8_t zeros[4096]; /* never written; not const, so it costs the binary nothing */
	const struct fw_cfg_item *it = find_item(f, f->selected);
	uint32_t have = it && f->offset < it->size ? it->size - f->offset : 0;
	uint32_t n = have < len ? have : len;
	if (n && !machine_write_ram(gpa, it->data + f->offset, n))
		return false;
	f->offset += n;
	for (uint32_t done = n; done < len;) {
		uint32_t chunk = len - done < sizeof(zeros) ? len - done : (uint32_t)sizeof(zeros);
		if (!machine_write_ram(gpa + done, zeros, chunk))
			return false;
		done += chunk;
	}
	return true;
}

/* The descriptor at gpa: be32 control, be32 length, be64 address. The control word is
 * written back as 0 when done, or with the error bit. */
static void dma_transfer(struct fw_cfg *f, uint64_t gpa)
{
	uint8_t desc[16];
	if (!machine_read_ram(gpa, desc, sizeof(desc)))
		return; /* nowhere to report anything */
	uint32_t control = (uint32_t)get_be(desc, 4), len = (uint32_t)get_be(desc + 4, 4);
	uint64_t address = get_be(desc + 8, 8);
	bool ok = true;
	if (control & DMA_SELECT) {
		f->selected = (uint16_t)(control >> 16) & (uint16_t)~FW_CFG_WRITE_CHANNEL;
		f->offset = 0;
	}
	if (control & DMA_WRITE)
		ok = false; /* no item here takes writes */
	else if (control & DMA_READ)
		ok = dma_read(f, address, len);
	else if (control & DMA_SKIP) {
		const struct fw_cfg_item *it = find_item(f, f->selected);
		uint32_t size = it ? it->size : 0;
		f->offset =
		    len > size - (f->offset < size ? f->offset : size) ? size : f->offset + len;
	}
	uint8_t result[4] = {0, 0, 0, ok ? 0 : DMA_ERROR};
	machine_write_ram(gpa, result, sizeof(result));
}

static uint32_t swap32(uint32_t v)
{
	return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static void fw_cfg_dma_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct fw_cfg *f = dev;
	if (size != 4)
		return; /* the registers take 32-bit writes */
	if (offset == FW_CFG_DMA_ADDR_HIGH) {
		f->dma_high = swap32((uint32_t)value);
	} else if (offset == FW_CFG_DMA_ADDR_LOW) {
		dma_transfer(f, (uint64_t)f->dma_high << 32 | swap32((uint32_t)value));
		f->dma_high = 0;
	}
}

/* Reading the address register gives the signature "QEMU CFG" (big-endian). */
static uint64_t fw_cfg_dma_read(void *dev, uint64_t offset, unsigned size)
{
	static const uint8_t signature[8] = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};
	(void)dev;
	if (size != 4 || (offset != FW_CFG_DMA_ADDR_HIGH && offset != FW_CFG_DMA_ADDR_LOW))
		return ~0ull;
	return load_le(signature + offset, 4);
}

const struct io_ops fw_cfg_dma_ops = {.read = fw_cfg_dma_read, .write = fw_cfg_dma_write};
