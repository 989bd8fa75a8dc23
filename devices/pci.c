/* PCI configuration mechanism #1. Only bus 0 exists; absent functions read all ones. */
#include "pci.h"

#include <string.h>

#define PCI_ENABLE 0x80000000u

void pci_host_init(struct pci_host *pci)
{
	memset(pci, 0, sizeof(*pci));
}

void pci_config_init(struct pci_config *c, uint16_t vendor, uint16_t device, uint32_t class_rev,
		     uint8_t header_type)
{
	memset(c, 0, sizeof(*c));
	store_le(c->bytes + PCI_VENDOR_ID, 2, vendor);
	store_le(c->bytes + PCI_DEVICE_ID, 2, device);
	store_le(c->bytes + PCI_CLASS_REVISION, 4, class_rev); /* revision, then class code */
	c->bytes[PCI_HEADER_TYPE] = header_type;
	c->wmask[PCI_COMMAND] = 0x07;	   /* I/O, memory, bus master */
	c->w1cmask[PCI_STATUS + 1] = 0xf9; /* parity, abort and SERR bits */
	c->wmask[PCI_LATENCY_TIMER] = 0xff;
	c->wmask[PCI_INTERRUPT_LINE] = 0xff; /* scratch for the BIOS: the IRQ it routed */
}

int pci_add_function(struct pci_host *pci, uint8_t devfn, struct pci_config *config,
		     const struct pci_function_ops *ops, void *dev)
{
	if (pci->count >= PCI_MAX_FUNCTIONS)
		return -1;
	for (unsigned i = 0; i < pci->count; i++)
		if (pci->functions[i].devfn == devfn)
			return -1;
	pci->functions[pci->count++] = (struct pci_function){devfn, config, ops, dev};
	return 0;
}

static struct pci_function *lookup(struct pci_host *pci, uint32_t address)
{
	if (!(address & PCI_ENABLE) || ((address >> 16) & 0xff) != 0)
		return NULL;
	uint8_t devfn = (uint8_t)(address >> 8);
	for (unsigned i = 0; i < pci->count; i++)
		if (pci->functions[i].devfn == devfn)
			return &pci->functions[i];
	return NULL;
}

uint32_t pci_config_read(struct pci_host *pci, uint32_t address, unsigned size)
{
	struct pci_function *fn = lookup(pci, address);
	if (!fn)
		return 0xffffffffu; /* no device: master abort reads all ones */
	unsigned reg = address & 0xff;
	uint32_t v = 0;
	for (unsigned i = 0; i < size && reg + i < 256; i++)
		v |= (uint32_t)fn->config->bytes[reg + i] << (8 * i);
	return v;
}

void pci_config_write(struct pci_host *pci, uint32_t address, unsigned size, uint32_t value)
{
	struct pci_function *fn = lookup(pci, address);
	if (!fn)
		return;
	struct pci_config *c = fn->config;
	unsigned reg = address & 0xff;
	unsigned n = 0;
	for (; n < size && reg + n < 256; n++) {
		uint8_t b = (uint8_t)(value >> (8 * n));
		uint8_t m = c->wmask[reg + n];
		c->bytes[reg + n] = (uint8_t)((c->bytes[reg + n] & ~m) | (b & m));
		c->bytes[reg + n] &= (uint8_t) ~(b & c->w1cmask[reg + n]);
	}
	if (fn->ops && fn->ops->config_written)
		fn->ops->config_written(fn->dev, reg, n);
}

static uint64_t pci_address_read(void *dev, uint64_t offset, unsigned size)
{
	struct pci_host *pci = dev;
	(void)offset;
	return size == 4 ? pci->address : ~0ull;
}

static void pci_address_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct pci_host *pci = dev;
	(void)offset;
	if (size == 4) /* byte and word accesses here belong to other ISA ports */
		pci->address = (uint32_t)value & 0x80fffffcu;
}

/* The data window: an access may not run past 0xcff. */
static uint64_t pci_data_read(void *dev, uint64_t offset, unsigned size)
{
	struct pci_host *pci = dev;
	unsigned n = offset + size > 4 ? 4 - (unsigned)offset : size;
	return pci_config_read(pci, pci->address + (uint32_t)offset, n);
}

static void pci_data_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct pci_host *pci = dev;
	unsigned n = offset + size > 4 ? 4 - (unsigned)offset : size;
	pci_config_write(pci, pci->address + (uint32_t)offset, n, (uint32_t)value);
}

const struct io_ops pci_address_ops = {.read = pci_address_read, .write = pci_address_write};
const struct io_ops pci_data_ops = {.read = pci_data_read, .write = pci_data_write};
