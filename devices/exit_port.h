/* An exit port for test harnesses (QEMU's isa-debug-exit): a byte written to it ends vmm with
 * status (value << 1) | 1, so a guest can report pass or fail and never be mistaken for one
 * that ended normally (status 0). */
#ifndef DEVICES_EXIT_PORT_H
#define DEVICES_EXIT_PORT_H

#include "../core/bus.h"

struct exit_port {
	uint16_t port; /* for the message */
};

extern const struct io_ops exit_port_ops;

#endif
