/* QEMU's firmware configuration interface, the part SeaBIOS reads (docs/specs/fw_cfg.rst in
 * QEMU): a 16-bit selector at 0x510 picks an item, 0x511 streams its bytes. Unknown items
 * and reads past the end return 0, which SeaBIOS relies on for the optional legacy keys. */
#include "../vmm.h"

#include <string.h>

#define FW_CFG_SIGNATURE  0x0000
#define FW_CFG_ID	  0x0001
#define FW_CFG_FILE_DIR	  0x0019
#define FW_CFG_FILE_FIRST 0x0020
#define FW_CFG_DIR_ENTRY  64
#define FW_CFG_NAME_MAX	  56

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
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(value >> (8 * i));
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
	fw_cfg_add_int(f, FW_CFG_ID, 1, 4); /* bit 0: the traditional interface; no DMA */
	fw_cfg_add_bytes(f, FW_CFG_FILE_DIR, f->dir, 4);
}

void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->selected = key;
	f->offset = 0;
}

uint8_t fw_cfg_read_byte(struct fw_cfg *f)
{
	const struct fw_cfg_item *it = find_item(f, f->selected);
	if (!it || f->offset >= it->size)
		return 0;
	return it->data[f->offset++];
}

static uint32_t fw_cfg_io_read(void *dev, uint16_t port, unsigned size)
{
	struct fw_cfg *f = dev;
	if (port != FW_CFG_PORT_DATA)
		return 0;
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++) /* a wide read streams consecutive bytes */
		v |= (uint32_t)fw_cfg_read_byte(f) << (8 * i);
	return v;
}

static void fw_cfg_io_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct fw_cfg *f = dev;
	(void)size;
	if (port == FW_CFG_PORT_SEL)
		fw_cfg_select(f, (uint16_t)value);
	/* Writes to the data port are ignored, as in QEMU since 2.4. */
}

int fw_cfg_register(struct fw_cfg *f, struct io_bus *bus)
{
	struct io_region r = {.base = FW_CFG_PORT_SEL,
			      .len = 2,
			      .name = "fw_cfg",
			      .dev = f,
			      .read = fw_cfg_io_read,
			      .write = fw_cfg_io_write};
	return io_bus_register(bus, &r);
}
