/* libFuzzer target for the terminal key decoder: any bytes typed, in any chunks, become key
 * presses for the keyboard, which a guest reads back as it would. Nothing may be lost,
 * duplicated or overrun: every byte is eventually taken, the keyboard's buffer never
 * overflows, and each press ends with its release. */
#include "../tests/fake_machine.h"

#include "../core/board.h"
#include "../core/keyboard.h"

#include <stdlib.h>
#include <string.h>

static struct board board;

static unsigned drain(void)
{
	unsigned n = 0;
	uint8_t d = 0;
	for (;;) {
		bus_access(&board.io, 0x64, 1, false, &d);
		if (!(d & 0x01))
			return n;
		bus_access(&board.io, 0x60, 1, false, &d);
		n++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct board_config config = {
	    .ram_size = 128 * MiB, .bios_size = 128 * KiB, .cpus = 1};
	fake_machine_reset();
	fake_console_reset();
	fake_now = 1000000000;
	if (board_init(&board, &config) < 0)
		abort();
	if (size && (data[0] & 1)) { /* sometimes with the controller translating, as BIOSes set */
		uint8_t cmd = 0x60, cb = 0x40;
		bus_access(&board.io, 0x64, 1, true, &cmd);
		bus_access(&board.io, 0x60, 1, true, &cb);
	}
	/* Each decoded key's codes are taken whole; a chunk may end anywhere. */
	size_t pos = 0;
	unsigned rounds = 0;
	while (pos < size) {
		size_t chunk = 1 + data[pos] % 7;
		if (chunk > size - pos)
			chunk = size - pos;
		size_t took = keyboard_deliver(&board.i8042, data + pos, chunk);
		if (took > chunk || board.i8042.kbd.len > PS2_QUEUE)
			abort();
		if (!took) {
			fake_now += 60000000; /* a lone Esc becomes the key after a pause */
			took = keyboard_deliver(&board.i8042, data + pos, chunk);
			if (!took && drain() == 0 && ++rounds > 3)
				pos += chunk; /* a sequence cut by the input's end: drop it */
		}
		pos += took;
		drain();
	}
	return 0;
}
