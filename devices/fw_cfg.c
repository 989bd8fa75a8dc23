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
	fw_cfg_add_int(f, FW_CFG_ID, 1, 4); /* the traditional interface only, no DMA */
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
