/* Debug console: one port where the BIOS writes its log a byte at a time (QEMU's
 * isa-debugcon protocol). SeaBIOS keeps using it only if a read returns 0xe9. */
#ifndef DEVICES_DEBUGCON_H
#define DEVICES_DEBUGCON_H

#include "../core/bus.h"

#define DEBUGCON_READBACK 0xe9

struct debugcon {
	uint8_t stream; /* enum stream_id the bytes go to */
	bool listening; /* the log goes somewhere: read back 0xe9, so the BIOS keeps writing */
};

extern const struct io_ops debugcon_ops;
void debugcon_init(struct debugcon *d, unsigned stream, bool listening);

#endif
