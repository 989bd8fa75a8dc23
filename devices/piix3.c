/* Intel 82371SB PIIX3 PCI-to-ISA bridge (00:01.0). SeaBIOS programs its PIRQ routing
 * (0x60-0x63, 82371SB datasheet 2.2.7); the ELCR at 0x4d0/0x4d1 lives in KVM's in-kernel PIC.
 * No IDE (function 1) and no PIIX4 power management: the latter makes SeaBIOS wait forever
 * for an SMI that vmm does not emulate. */
#include "../vmm.h"

void piix3_init(struct piix3 *isa)
{
	/* Header type 0x80: multifunction, as on the real part. */
	pci_function_init(&isa->fn, 0x08, 0x8086, 0x7000, 0x06010000, 0x80);
	isa->fn.owner = isa;
	for (unsigned r = 0x60; r <= 0x63; r++) {
		isa->fn.cfg[r] = 0x80; /* routing disabled until the BIOS sets it */
		isa->fn.wmask[r] = 0x8f;
	}
}
