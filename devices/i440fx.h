/* Intel 82441FX host bridge (PCI 00:00.0). Its PAM registers (0x59-0x5f, 82441FX datasheet
 * 3.2.18) decide, per block of 0xc0000-0xfffff, whether the CPU sees RAM or the ROM side. */
#ifndef DEVICES_I440FX_H
#define DEVICES_I440FX_H

#include "pci.h"

#define I440FX_PAM0	0x59 /* 0xf0000-0xfffff in its high nibble */
#define I440FX_PAM_LAST 0x5f
#define I440FX_SMRAM	0x72

/* PAM attributes: where reads and writes of a block go. */
enum pam_mode {
	PAM_ROM = 0,	   /* both to the ROM side (the BIOS alias, or nothing) */
	PAM_READ_RAM = 1,  /* reads from RAM, writes to the ROM side (dropped) */
	PAM_WRITE_RAM = 2, /* reads from the ROM side, writes to RAM */
	PAM_RAM = 3,	   /* both to RAM */
};

/* The window's blocks: twelve of 16 KiB at 0xc0000-0xeffff, then 0xf0000-0xfffff whole. */
#define PAM_BLOCKS 13
#define PAM_BASE   0xc0000u

struct i440fx {
	struct pci_config config;
};

extern const struct pci_function_ops i440fx_pci_ops;
void i440fx_init(struct i440fx *host);
enum pam_mode i440fx_pam(const struct i440fx *host, unsigned block);
/* Guest address and size of a block. */
uint32_t pam_block_base(unsigned block);
uint32_t pam_block_size(unsigned block);

#endif
