/* PIIX3 function 0: SeaBIOS programs its PIRQ routing; the ELCR at 0x4d0/0x4d1 lives in
 * KVM's in-kernel PIC. There is no PIIX4 power-management function: SeaBIOS would wait for
 * an SMI that vmm does not emulate. */
#include "piix3.h"

void piix3_init(struct piix3 *isa, bool multifunction)
{
	/* Header type bit 7 tells the BIOS and the OS to probe functions 1-7 (PCI 2.1 6.2.1):
	 * set only when the IDE function is there, so a diskless machine is not probed 21 times
	 * more for nothing. */
	pci_config_init(&isa->config, 0x8086, 0x7000, 0x06010000, multifunction ? 0x80 : 0x00);
	for (unsigned r = PIIX3_PIRQ_ROUTE; r < PIIX3_PIRQ_ROUTE + 4; r++) {
		isa->config.bytes[r] = 0x80; /* routing disabled until the BIOS sets it */
		isa->config.wmask[r] = 0x8f;
	}
}
