/* The port and MMIO buses: a sorted table of address ranges, each with a device's handlers. */
#include "bus.h"

void bus_init(struct bus *bus, const char *kind, uint64_t limit)
{
	*bus = (struct bus){.kind = kind, .limit = limit};
}

int bus_add(struct bus *bus, uint64_t base, uint64_t len, const struct io_ops *ops, void *dev,
	    const char *name)
{
	if (len == 0 || base >= bus->limit || len > bus->limit - base ||
	    bus->count >= BUS_MAX_REGIONS)
		return -1;
	unsigned at = 0;
	while (at < bus->count && bus->regions[at].base < base)
		at++;
	if (at > 0) {
		const struct bus_region *prev = &bus->regions[at - 1];
		if (prev->base + prev->len > base)
			return -1;
	}
	if (at < bus->count && base + len > bus->regions[at].base)
		return -1;
	for (unsigned i = bus->count; i > at; i--)
		bus->regions[i] = bus->regions[i - 1];
	bus->regions[at] = (struct bus_region){base, len, ops, dev, name};
	bus->count++;
	return 0;
}

void bus_remove(struct bus *bus, const void *dev, const struct io_ops *ops)
{
	unsigned kept = 0;
	for (unsigned i = 0; i < bus->count; i++)
		if (bus->regions[i].dev != dev || bus->regions[i].ops != ops)
			bus->regions[kept++] = bus->regions[i];
	bus->count = kept;
}

const struct bus_region *bus_find(const struct bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->count;
	while (lo < hi) { /* the last region starting at or below addr */
		unsigned mid = lo + (hi - lo) / 2;
		if (bus->regions[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct bus_region *r = &bus->regions[lo - 1];
	return addr - r->base < r->len ? r : NULL;
}

void bus_access(struct bus *bus, uint64_t addr, unsigned size, bool is_write, uint8_t *data)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return;
	const struct bus_region *r = bus_find(bus, addr);
	if (r && r->ops->byte_wide && size > 1) {
		for (unsigned i = 0; i < size; i++)
			bus_access(bus, addr + i, 1, is_write, data + i);
		return;
	}
	if (is_write) {
		uint64_t value = load_le(data, size);
		if (r && r->ops->write) {
			r->ops->write(r->dev, addr - r->base, size, value);
			return;
		}
		bus->unhandled++;
		debug(2, "unhandled %s write 0x%04llx size %u value 0x%llx\n", bus->kind,
		      (unsigned long long)addr, size, (unsigned long long)value);
		return;
	}
	if (r && r->ops->read) {
		store_le(data, size, r->ops->read(r->dev, addr - r->base, size));
		return;
	}
	bus->unhandled++;
	store_le(data, size, ~0ull); /* nothing decodes it: the bus floats high */
	debug(2, "unhandled %s read 0x%04llx size %u\n", bus->kind, (unsigned long long)addr, size);
}
