/* Debug console: SeaBIOS writes its log here one byte at a time. */
#include "debugcon.h"

/* SeaBIOS's qemu_debug_preinit() logs only if this reads 0xe9: with nobody listening it does
 * not, and saves a VM exit per byte of its log. */
static uint64_t debugcon_read(void *dev, uint64_t offset, unsigned size)
{
	const struct debugcon *d = dev;
	(void)offset, (void)size;
	return d->listening ? DEBUGCON_READBACK : 0xff;
}

static void debugcon_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct debugcon *d = dev;
	(void)offset, (void)size;
	uint8_t byte = (uint8_t)value;
	stream_write(d->stream, &byte, 1);
}

const struct io_ops debugcon_ops = {
    .read = debugcon_read, .write = debugcon_write, .byte_wide = true};

void debugcon_init(struct debugcon *d, unsigned stream, bool listening)
{
	d->stream = (uint8_t)stream;
	d->listening = listening;
}
