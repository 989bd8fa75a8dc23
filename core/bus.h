/* The buses the run loop dispatches VM exits to: one for port I/O, one for MMIO. A device
 * claims an address range with a constant table of handlers (its io_ops) and an instance;
 * a handler sees the offset within its range, so a second instance needs no code. */
#ifndef CORE_BUS_H
#define CORE_BUS_H

#include "../vmm.h"

struct io_ops {
	/* Return the value read (little-endian, size bytes); NULL: reads float high. */
	uint64_t (*read)(void *dev, uint64_t offset, unsigned size);
	/* NULL: writes are dropped. */
	void (*write)(void *dev, uint64_t offset, unsigned size, uint64_t value);
	/* An 8-bit ISA device: the bus splits wider accesses into byte accesses. */
	bool byte_wide;
};

struct bus_region {
	uint64_t base, len;
	const struct io_ops *ops;
	void *dev;
	const char *name;
};

#define BUS_MAX_REGIONS 48

struct bus {
	const char *kind;			    /* "port" or "MMIO", for messages */
	uint64_t limit;				    /* addresses end here: 0x10000 for ports */
	struct bus_region regions[BUS_MAX_REGIONS]; /* sorted by base, never overlapping */
	unsigned count;
	uint64_t unhandled; /* accesses nobody answered */
};

void bus_init(struct bus *bus, const char *kind, uint64_t limit);
/* Claim [base, base+len); fails (-1) on overlap, an empty or out-of-range span, a full bus. */
int bus_add(struct bus *bus, uint64_t base, uint64_t len, const struct io_ops *ops, void *dev,
	    const char *name);
/* Give up every range dev claimed with ops (a PCI BAR the guest moves). */
void bus_remove(struct bus *bus, const void *dev, const struct io_ops *ops);
const struct bus_region *bus_find(const struct bus *bus, uint64_t addr);
/* One access of 1, 2, 4 or 8 bytes; data is little-endian, as in kvm_run. */
void bus_access(struct bus *bus, uint64_t addr, unsigned size, bool is_write, uint8_t *data);

/* Little-endian helpers for device registers and data buffers. */
static inline uint64_t load_le(const uint8_t *p, unsigned size)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}
static inline void store_le(uint8_t *p, unsigned size, uint64_t v)
{
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
