/* The port I/O bus: device models claim port ranges, the run loop hands each access here. */
#include "../vmm.h"

int io_bus_register(struct io_bus *bus, const struct io_region *region)
{
	if (region->len == 0 || (uint32_t)region->base + region->len > 0x10000)
		return -1;
	if (bus->count >= IO_BUS_MAX)
		return -1;
	for (unsigned i = 0; i < bus->count; i++) {
		const struct io_region *r = &bus->regions[i];
		if (region->base < r->base + r->len && r->base < region->base + region->len)
			return -1;
	}
	bus->regions[bus->count++] = *region;
	return 0;
}

const struct io_region *io_bus_find(const struct io_bus *bus, uint16_t port)
{
	for (unsigned i = 0; i < bus->count; i++) {
		const struct io_region *r = &bus->regions[i];
		if (port >= r->base && port - r->base < r->len)
			return r;
	}
	return NULL;
}

static uint32_t load_le(const uint8_t *data, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)data[i] << (8 * i);
	return v;
}

static void store_le(uint8_t *data, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

void io_bus_access(struct io_bus *bus, uint16_t port, unsigned size, bool is_write, uint8_t *data)
{
	if (size != 1 && size != 2 && size != 4)
		return;
	const struct io_region *r = io_bus_find(bus, port);
	if (r && r->byte_wide && size > 1) {
		for (unsigned i = 0; i < size; i++)
			io_bus_access(bus, (uint16_t)(port + i), 1, is_write, data + i);
		return;
	}
	if (is_write) {
		uint32_t value = load_le(data, size);
		if (r && r->write) {
			r->write(r->dev, port, size, value);
			return;
		}
		bus->unhandled++;
		debug(2, "unhandled port write 0x%04x size %u value 0x%x\n", port, size, value);
		return;
	}
	if (r && r->read) {
		store_le(data, size, r->read(r->dev, port, size));
		return;
	}
	bus->unhandled++;
	store_le(data, size, 0xffffffff); /* an empty ISA bus floats high */
	debug(2, "unhandled port read 0x%04x size %u\n", port, size);
}
