/* Keys typed on the terminal, for the guest's PS/2 keyboard: the bytes a terminal in raw mode
 * sends (ASCII, control characters, VT/xterm escape sequences for arrows, editing and
 * function keys, Alt as an Esc prefix) turned into scan code set 2, a make and a break per
 * key with Shift, Ctrl and Alt around it, for the i8042 to translate as the guest asks. */
#ifndef CORE_KEYBOARD_H
#define CORE_KEYBOARD_H

#include "../vmm.h"

#define KEY_CODES_MAX 16 /* the longest press and release: Ctrl+Alt+Shift and an 0xe0 key */

struct key {
	uint8_t code;  /* set-2 make code; 0: bytes that are no key (consumed, ignored) */
	bool extended; /* sent with an 0xe0 prefix */
	bool shift, ctrl, alt;
};

/* Decode the key at the start of buf. Returns the bytes it takes, or 0 when buf ends in the
 * middle of a sequence; final says no more bytes are coming soon (a lone Esc is the key). */
size_t key_decode(const uint8_t *buf, size_t len, bool final, struct key *key);
/* The scan codes of pressing and releasing key; returns how many (at most KEY_CODES_MAX). */
unsigned key_scancodes(const struct key *key, uint8_t out[KEY_CODES_MAX]);
/* The console's receiver for the keyboard stream (dev: the i8042): takes whole keys while
 * the keyboard has room for them. */
size_t keyboard_deliver(void *dev, const uint8_t *buf, size_t len);

#endif
