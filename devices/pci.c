/* PCI configuration mechanism #1: the address latch at 0xcf8 and the data window at
 * 0xcfc-0xcff (PCI Local Bus Specification 3.0, section 3.2.2.3.2). Only bus 0 exists. */
#include "../vmm.h"

#include <string.h>

#define PCI_ADDRESS_PORT 0xcf8
#define PCI_DATA_PORT	 0xcfc
#define PCI_ENABLE	 0x80000000u

void pci_function_init(struct pci_function *fn, uint8_t devfn, uint16_t vendor, uint16_t device,
		       uint32_t class_rev, uint8_t header_type)
{
	memset(fn, 0, sizeof(*fn));
	fn->devfn = devfn;
	fn->cfg[0x00] = (uint8_t)vendor;
	fn->cfg[0x01] = (uint8_t)(vendor >> 8);
	fn->cfg[0x02] = (uint8_t)device;
	fn->cfg[0x03] = (uint8_t)(device >> 8);
	for (int i = 0; i < 4; i++)
		fn->cfg[0x08 + i] = (uint8_t)(class_rev >> (8 * i)); /* revision, class code */
	fn->cfg[0x0e] = header_type;
	fn->wmask[0x04] = 0x07; /* command: I/O, memory, bus master */
	fn->wmask[0x0d] = 0xff; /* latency timer */
}

int pci_add_function(struct pci_bus *pci, struct pci_function *fn)
{
	if (pci->count >= PCI_MAX_FUNCTIONS)
		return -1;
	for (unsigned i = 0; i < pci->count; i++)
		if (pci->fns[i]->devfn == fn->devfn)
			return -1;
	pci->fns[pci->count++] = fn;
	return 0;
}

static struct pci_function *pci_lookup(struct pci_bus *pci, uint32_t address)
{
	if (!(address & PCI_ENABLE) || ((address >> 16) & 0xff) != 0)
		return NULL;
	uint8_t devfn = (uint8_t)(address >> 8);
	for (unsigned i = 0; i < pci->count; i++)
		if (pci->fns[i]->devfn == devfn)
			return pci->fns[i];
	return NULL;
}

/* address: enable bit, bus, device, function and the byte offset of the register */
uint32_t pci_config_read(struct pci_bus *pci, uint32_t address, unsigned size)
{
	struct pci_function *fn = pci_lookup(pci, address);
	if (!fn)
		return 0xffffffffu; /* no device: master abort reads all ones */
	unsigned reg = address & 0xff;
	uint32_t v = 0;
	for (unsigned i = 0; i < size && reg + i < 256; i++)
		v |= (uint32_t)fn->cfg[reg + i] << (8 * i);
	return v;
}

void pci_config_write(struct pci_bus *pci, uint32_t address, unsigned size, uint32_t value)
{
	struct pci_function *fn = pci_lookup(pci, address);
	if (!fn)
		return;
	unsigned reg = address & 0xff;
	unsigned n = 0;
	for (; n < size && reg + n < 256; n++) {
		uint8_t m = fn->wmask[reg + n];
		uint8_t b = (uint8_t)(value >> (8 * n));
		fn->cfg[reg + n] = (uint8_t)((fn->cfg[reg + n] & ~m) | (b & m));
	}
	if (fn->written)
		fn->written(fn, reg, n);
}

static uint32_t pci_io_read(void *dev, uint16_t port, unsigned size)
{
	struct pci_bus *pci = dev;
	if (port == PCI_ADDRESS_PORT)
		return size == 4 ? pci->address : 0xffffffffu;
	unsigned off = port - PCI_DATA_PORT;
	if (off + size > 4)
		size = 4 - off; /* an access may not cross the dword window */
	return pci_config_read(pci, (pci->address & ~3u) + off, size);
}

static void pci_io_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct pci_bus *pci = dev;
	if (port == PCI_ADDRESS_PORT) {
		if (size == 4) /* byte writes here belong to other ISA ports */
			pci->address = value & 0x80fffffcu;
		return;
	}
	unsigned off = port - PCI_DATA_PORT;
	if (off + size > 4)
		size = 4 - off;
	pci_config_write(pci, (pci->address & ~3u) + off, size, value);
}

int pci_register(struct pci_bus *pci, struct io_bus *bus)
{
	struct io_region address = {.base = PCI_ADDRESS_PORT,
				    .len = 1,
				    .name = "pci-address",
				    .dev = pci,
				    .read = pci_io_read,
				    .write = pci_io_write};
	struct io_region data = address;
	data.base = PCI_DATA_PORT;
	data.len = 4;
	data.name = "pci-data";
	if (io_bus_register(bus, &address) < 0)
		return -1;
	return io_bus_register(bus, &data);
}
