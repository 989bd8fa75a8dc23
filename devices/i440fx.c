/* Intel 82441FX host bridge: IDs, the PAM registers and SMRAM control. The machine maps the
 * PAM window as the registers say whenever they change (machine_pam_changed). */
#include "i440fx.h"

static void i440fx_config_written(void *dev, unsigned reg, unsigned size)
{
	(void)dev;
	if (reg + size > I440FX_PAM0 && reg <= I440FX_PAM_LAST)
		machine_pam_changed();
}

const struct pci_function_ops i440fx_pci_ops = {.config_written = i440fx_config_written};

void i440fx_init(struct i440fx *host)
{
	pci_config_init(&host->config, 0x8086, 0x1237, 0x06000002, 0x00);
	host->config.wmask[I440FX_PAM0] = 0x30; /* the low nibble is reserved */
	for (unsigned r = I440FX_PAM0 + 1; r <= I440FX_PAM_LAST; r++)
		host->config.wmask[r] = 0x33;
	host->config.wmask[I440FX_SMRAM] = 0x78; /* accepted; SMM is not emulated */
	host->config.bytes[I440FX_SMRAM] = 0x02; /* C_BASE_SEG: SMRAM at 0xa0000 */
}

uint32_t pam_block_base(unsigned block)
{
	return PAM_BASE + block * 0x4000u;
}

uint32_t pam_block_size(unsigned block)
{
	return block == PAM_BLOCKS - 1 ? 0x10000u : 0x4000u;
}

/* PAM1..PAM6 hold two 16 KiB blocks each, the lower in the low nibble. */
enum pam_mode i440fx_pam(const struct i440fx *host, unsigned block)
{
	if (block >= PAM_BLOCKS - 1)
		return (enum pam_mode)((host->config.bytes[I440FX_PAM0] >> 4) & 3);
	uint8_t v = host->config.bytes[I440FX_PAM0 + 1 + block / 2];
	return (enum pam_mode)((block & 1 ? v >> 4 : v) & 3);
}
