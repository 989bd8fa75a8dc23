/* The exit port: one write ends the machine. */
#include "exit_port.h"

static void exit_port_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	const struct exit_port *e = dev;
	(void)offset, (void)size;
	unsigned v = (unsigned)value & 0xff;
	machine_stop((int)(v << 1 | 1), "the guest wrote 0x%02x to the exit port 0x%x; stopping", v,
		     e->port);
}

const struct io_ops exit_port_ops = {.write = exit_port_write, .byte_wide = true};
