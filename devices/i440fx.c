/* Intel 82441FX host bridge (00:00.0). Its PAM registers (0x59-0x5f) route 0xc0000-0xfffff
 * to RAM or ROM (82441FX datasheet 3.2.18). vmm keeps that window as RAM preloaded with the
 * BIOS tail, so PAM only needs to read back: SeaBIOS sees PAM0 clear, unlocks it and copies
 * its whole image down from the 4 GiB alias, which is what images over 128 KiB need. */
#include "../vmm.h"

#define I440FX_PAM0	0x59
#define I440FX_PAM_LAST 0x5f

static void i440fx_written(struct pci_function *fn, unsigned reg, unsigned size)
{
	if (reg + size > I440FX_PAM0 && reg <= I440FX_PAM_LAST)
		debug(2, "i440fx: PAM registers now %02x %02x %02x %02x %02x %02x %02x\n",
		      fn->cfg[0x59], fn->cfg[0x5a], fn->cfg[0x5b], fn->cfg[0x5c], fn->cfg[0x5d],
		      fn->cfg[0x5e], fn->cfg[0x5f]);
}

void i440fx_init(struct i440fx *host)
{
	pci_function_init(&host->fn, 0x00, 0x8086, 0x1237, 0x06000002, 0x00);
	host->fn.written = i440fx_written;
	host->fn.owner = host;
	host->fn.wmask[I440FX_PAM0] = 0x30; /* PAM0 covers only 0xf0000-0xfffff: high nibble */
	for (unsigned r = I440FX_PAM0 + 1; r <= I440FX_PAM_LAST; r++)
		host->fn.wmask[r] = 0x33;
	host->fn.wmask[0x72] = 0x78; /* SMRAM control: accepted, SMM is not emulated */
}

unsigned i440fx_pam(const struct i440fx *host, uint32_t addr)
{
	if (addr < 0xc0000 || addr > 0xfffff)
		return 3; /* outside the PAM window memory is plain RAM */
	if (addr >= 0xf0000)
		return (host->fn.cfg[I440FX_PAM0] >> 4) & 3;
	unsigned block = (addr - 0xc0000) >> 14; /* 16 KiB blocks, two per register */
	uint8_t v = host->fn.cfg[I440FX_PAM0 + 1 + block / 2];
	return (block & 1 ? v >> 4 : v) & 3;
}
