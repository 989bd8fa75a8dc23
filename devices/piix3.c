/* PIIX3 function 0: SeaBIOS programs its PIRQ routing; the ELCR at 0x4d0/0x4d1 lives in
 * KVM's in-kernel PIC. There is no PIIX4 power-management function: SeaBIOS would wait for
 * an SMI that vmm does not emulate. */
#include "piix3.h"

void piix3_init(struct piix3 *isa)
{
	/* Header type 0x80: multifunction, as on the real part. */
	pci_config_init(&isa->config, 0x8086, 0x7000, 0x06010000, 0x80);
	for (unsigned r = PIIX3_PIRQ_ROUTE; r < PIIX3_PIRQ_ROUTE + 4; r++) {
		isa->config.bytes[r] = 0x80; /* routing disabled until the BIOS sets it */
		isa->config.wmask[r] = 0x8f;
	}
}
