/* Intel 82371SB PIIX3 PCI-to-ISA bridge (PCI 00:01.0). Only the configuration space: its
 * ISA devices (PIC, PIT, RTC, DMA) are modelled on their own or live in KVM. */
#ifndef DEVICES_PIIX3_H
#define DEVICES_PIIX3_H

#include <stdbool.h>

#include "pci.h"

#define PIIX3_PIRQ_ROUTE 0x60 /* 0x60-0x63: PIRQA-D to ISA IRQ (datasheet 2.2.7) */

struct piix3 {
	struct pci_config config;
};

/* multifunction: another function of device 1 exists (the IDE controller, 00:01.1). */
void piix3_init(struct piix3 *isa, bool multifunction);

#endif
