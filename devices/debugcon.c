/* Debug console (port 0x402): SeaBIOS writes its log here one byte at a time. */
#include "../vmm.h"

static uint32_t debugcon_read(void *dev, uint16_t port, unsigned size)
{
	(void)dev, (void)port, (void)size;
	/* SeaBIOS keeps logging only if this reads back 0xe9 (qemu_debug_preinit). */
	return DEBUGCON_READBACK;
}

static void debugcon_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	(void)dev, (void)port, (void)size;
	uint8_t byte = (uint8_t)value;
	console_write(&byte, 1);
}

int debugcon_init(struct io_bus *bus)
{
	struct io_region r = {.base = DEBUGCON_PORT,
			      .len = 1,
			      .name = "debugcon",
			      .byte_wide = true,
			      .read = debugcon_read,
			      .write = debugcon_write};
	return io_bus_register(bus, &r);
}
