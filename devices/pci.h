/* PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2): the address
 * latch at 0xcf8 and the data window at 0xcfc-0xcff, with the functions of bus 0 behind it. */
#ifndef DEVICES_PCI_H
#define DEVICES_PCI_H

#include "../core/bus.h"

/* Configuration space registers of a type 0 header. */
enum {
	PCI_VENDOR_ID = 0x00,
	PCI_DEVICE_ID = 0x02,
	PCI_COMMAND = 0x04,
	PCI_STATUS = 0x06,
	PCI_CLASS_REVISION = 0x08,
	PCI_LATENCY_TIMER = 0x0d,
	PCI_HEADER_TYPE = 0x0e,
	PCI_BAR0 = 0x10,
	PCI_INTERRUPT_LINE = 0x3c,
	PCI_INTERRUPT_PIN = 0x3d,
};

/* One function's 256 bytes, with which bits the guest may set and which are write-1-to-clear
 * (the error bits of the status register). */
struct pci_config {
	uint8_t bytes[256];
	uint8_t wmask[256];
	uint8_t w1cmask[256];
};

/* A function's reaction to configuration writes (NULL: none). */
struct pci_function_ops {
	void (*config_written)(void *dev, unsigned reg, unsigned size);
};

#define PCI_MAX_FUNCTIONS 8

struct pci_function {
	uint8_t devfn; /* device << 3 | function */
	struct pci_config *config;
	const struct pci_function_ops *ops;
	void *dev;
};

/* address is the state; the function table is the board's wiring. */
struct pci_host {
	uint32_t address; /* the 0xcf8 latch */
	struct pci_function functions[PCI_MAX_FUNCTIONS];
	unsigned count;
};

extern const struct io_ops pci_address_ops; /* 0xcf8, dword accesses */
extern const struct io_ops pci_data_ops;    /* 0xcfc-0xcff */

void pci_host_init(struct pci_host *pci);
int pci_add_function(struct pci_host *pci, uint8_t devfn, struct pci_config *config,
		     const struct pci_function_ops *ops, void *dev);
/* A header with IDs, class and header type; command, latency timer and interrupt line
 * writable, status error bits write-1-to-clear. */
void pci_config_init(struct pci_config *c, uint16_t vendor, uint16_t device, uint32_t class_rev,
		     uint8_t header_type);
/* address as written to 0xcf8: enable bit, bus, device, function, register. */
uint32_t pci_config_read(struct pci_host *pci, uint32_t address, unsigned size);
void pci_config_write(struct pci_host *pci, uint32_t address, unsigned size, uint32_t value);

#endif
