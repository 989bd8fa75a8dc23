/* Terminal bytes to PS/2 scan codes (set 2, US layout). Scan codes: IBM PS/2 keyboard
 * technical reference, scan code set 2; sequences: xterm's ctlseqs (CSI and SS3 keys with
 * their modifier parameter), and the Linux console's ESC [ [ A-E for F1-F5. */
#include "keyboard.h"

#include "../devices/i8042.h"

#include <string.h>

#define ESC	    0x1b
#define ESC_WAIT_NS 50000000ull /* a lone Esc: nothing followed it for 50 ms */

enum {
	KEY_ESC = 0x76,
	KEY_BACKSPACE = 0x66,
	KEY_TAB = 0x0d,
	KEY_ENTER = 0x5a,
	KEY_SPACE = 0x29,
	KEY_LSHIFT = 0x12,
	KEY_LCTRL = 0x14,
	KEY_LALT = 0x11,
	KEY_UP = 0x75, /* the arrow and editing keys are 0xe0-prefixed */
	KEY_DOWN = 0x72,
	KEY_LEFT = 0x6b,
	KEY_RIGHT = 0x74,
	KEY_HOME = 0x6c,
	KEY_END = 0x69,
	KEY_PAGE_UP = 0x7d,
	KEY_PAGE_DOWN = 0x7a,
	KEY_INSERT = 0x70,
	KEY_DELETE = 0x71,
};

/* F1-F12. */
static const uint8_t function_keys[12] = {0x05, 0x06, 0x04, 0x0c, 0x03, 0x0b,
					  0x83, 0x0a, 0x01, 0x09, 0x78, 0x07};

/* Printable ASCII from 0x20: the key, and whether Shift makes it (US layout). */
static const struct {
	uint8_t code;
	bool shift;
} ascii_keys[95] = {
    {0x29, 0}, {0x16, 1}, {0x52, 1}, {0x26, 1}, {0x25, 1}, {0x2e, 1}, {0x3d, 1}, {0x52, 0},
    {0x46, 1}, {0x45, 1}, {0x3e, 1}, {0x55, 1}, {0x41, 0}, {0x4e, 0}, {0x49, 0}, {0x4a, 0},
    {0x45, 0}, {0x16, 0}, {0x1e, 0}, {0x26, 0}, {0x25, 0}, {0x2e, 0}, {0x36, 0}, {0x3d, 0},
    {0x3e, 0}, {0x46, 0}, {0x4c, 1}, {0x4c, 0}, {0x41, 1}, {0x55, 0}, {0x49, 1}, {0x4a, 1},
    {0x1e, 1}, {0x1c, 1}, {0x32, 1}, {0x21, 1}, {0x23, 1}, {0x24, 1}, {0x2b, 1}, {0x34, 1},
    {0x33, 1}, {0x43, 1}, {0x3b, 1}, {0x42, 1}, {0x4b, 1}, {0x3a, 1}, {0x31, 1}, {0x44, 1},
    {0x4d, 1}, {0x15, 1}, {0x2d, 1}, {0x1b, 1}, {0x2c, 1}, {0x3c, 1}, {0x2a, 1}, {0x1d, 1},
    {0x22, 1}, {0x35, 1}, {0x1a, 1}, {0x54, 0}, {0x5d, 0}, {0x5b, 0}, {0x36, 1}, {0x4e, 1},
    {0x0e, 0}, {0x1c, 0}, {0x32, 0}, {0x21, 0}, {0x23, 0}, {0x24, 0}, {0x2b, 0}, {0x34, 0},
    {0x33, 0}, {0x43, 0}, {0x3b, 0}, {0x42, 0}, {0x4b, 0}, {0x3a, 0}, {0x31, 0}, {0x44, 0},
    {0x4d, 0}, {0x15, 0}, {0x2d, 0}, {0x1b, 0}, {0x2c, 0}, {0x3c, 0}, {0x2a, 0}, {0x1d, 0},
    {0x22, 0}, {0x35, 0}, {0x1a, 0}, {0x54, 1}, {0x5d, 1}, {0x5b, 1}, {0x0e, 1},
};

/* One byte, as typed without Esc before it. */
static void plain_key(uint8_t c, struct key *k)
{
	*k = (struct key){0};
	if (c >= 0x20 && c < 0x7f) {
		k->code = ascii_keys[c - 0x20].code;
		k->shift = ascii_keys[c - 0x20].shift;
		return;
	}
	switch (c) {
	case '\r':
	case '\n': k->code = KEY_ENTER; return;
	case '\t': k->code = KEY_TAB; return;
	case 0x08:
	case 0x7f: k->code = KEY_BACKSPACE; return;
	case ESC: k->code = KEY_ESC; return;
	case 0x00: k->code = KEY_SPACE; break; /* Ctrl-Space (Ctrl-@) */
	case 0x1c: k->code = 0x5d; break;      /* Ctrl-\ */
	case 0x1d: k->code = 0x5b; break;      /* Ctrl-] */
	case 0x1e: k->code = 0x36; break;      /* Ctrl-^ */
	case 0x1f: k->code = 0x4e; break;      /* Ctrl-_ */
	default:
		if (c >= 0x01 && c <= 0x1a) { /* Ctrl-A to Ctrl-Z */
			k->code = ascii_keys['a' + c - 1 - 0x20].code;
			break;
		}
		return; /* bytes 0x80 and up: no key on a US keyboard */
	}
	k->ctrl = true;
}

/* xterm's modifier parameter: 1 + (1 shift, 2 alt, 4 ctrl). */
static void modifiers(unsigned m, struct key *k)
{
	if (m < 2)
		return;
	m--;
	k->shift = m & 1;
	k->alt = m & 2;
	k->ctrl = m & 4;
}

/* ESC [ params final, or ESC O final; buf points after the ESC. */
static size_t escape_sequence(const uint8_t *buf, size_t len, struct key *k)
{
	unsigned params[2] = {0, 0}, n = 0;
	size_t i = 1;
	if (buf[0] == '[' && len > 1 && buf[1] == '[') { /* Linux console F1-F5 */
		if (len < 3)
			return 0;
		if (buf[2] >= 'A' && buf[2] <= 'E')
			k->code = function_keys[buf[2] - 'A'];
		return 3;
	}
	for (; i < len; i++) {
		uint8_t c = buf[i];
		if (c >= '0' && c <= '9') {
			if (n < 2 && params[n] < 1000)
				params[n] = params[n] * 10 + (c - '0');
		} else if (c == ';') {
			n++;
		} else if (c >= 0x40 && c <= 0x7e) {
			break;
		} else if (i >= 16) {
			return i + 1; /* not a key: swallow it */
		}
	}
	if (i >= len)
		return 0;
	uint8_t final = buf[i];
	static const char *const letters = "ABCDHFPQRS";
	static const uint8_t letter_keys[] = {KEY_UP,  KEY_DOWN, KEY_RIGHT, KEY_LEFT, KEY_HOME,
					      KEY_END, 0x05,	 0x06,	    0x04,     0x0c};
	const char *at = strchr(letters, final);	      /* final is never NUL */
	static const char *const keypad = "Mjkmnopqrstuvwxy"; /* SS3 keypad in application mode */
	static const struct {
		uint8_t code;
		bool extended;
	} keypad_keys[] = {{KEY_ENTER, 1}, {0x7c, 0}, {0x79, 0}, {0x7b, 0}, {0x71, 0}, {0x4a, 1},
			   {0x70, 0},	   {0x69, 0}, {0x72, 0}, {0x7a, 0}, {0x6b, 0}, {0x73, 0},
			   {0x74, 0},	   {0x6c, 0}, {0x75, 0}, {0x7d, 0}};
	const char *pad = buf[0] == 'O' ? strchr(keypad, final) : NULL;
	if (pad) {
		k->code = keypad_keys[pad - keypad].code;
		k->extended = keypad_keys[pad - keypad].extended;
	} else if (at) {
		k->code = letter_keys[at - letters];
		k->extended = at - letters < 6;
		modifiers(params[1] ? params[1] : params[0] == 1 ? 0 : params[0], k);
	} else if (final == 'Z') { /* back-tab */
		k->code = KEY_TAB;
		k->shift = true;
	} else if (final == '~') {
		static const uint8_t tilde_keys[25] = {
		    [1] = KEY_HOME,    [2] = KEY_INSERT,    [3] = KEY_DELETE, [4] = KEY_END,
		    [5] = KEY_PAGE_UP, [6] = KEY_PAGE_DOWN, [7] = KEY_HOME,   [8] = KEY_END,
		    [11] = 0x05,       [12] = 0x06,	    [13] = 0x04,      [14] = 0x0c,
		    [15] = 0x03,       [17] = 0x0b,	    [18] = 0x83,      [19] = 0x0a,
		    [20] = 0x01,       [21] = 0x09,	    [23] = 0x78,      [24] = 0x07};
		if (params[0] < 25 && tilde_keys[params[0]]) {
			k->code = tilde_keys[params[0]];
			k->extended = params[0] <= 8;
			modifiers(params[1], k);
		}
	}
	return i + 1;
}

size_t key_decode(const uint8_t *buf, size_t len, bool final, struct key *k)
{
	*k = (struct key){0};
	if (!len)
		return 0;
	if (buf[0] != ESC) {
		plain_key(buf[0], k);
		return 1;
	}
	if (len == 1) {
		if (!final)
			return 0;
		k->code = KEY_ESC;
		return 1;
	}
	if (buf[1] == '[' || buf[1] == 'O') {
		size_t n = escape_sequence(buf + 1, len - 1, k);
		if (n)
			return n + 1;
		if (!final)
			return 0;
		k->code = KEY_ESC; /* an Esc typed before '[': the rest follows as keys */
		return 1;
	}
	plain_key(buf[1], k); /* Esc before a key: Alt and that key */
	k->alt = true;
	return 2;
}

unsigned key_scancodes(const struct key *k, uint8_t out[KEY_CODES_MAX])
{
	unsigned n = 0;
	if (!k->code)
		return 0;
	if (k->ctrl)
		out[n++] = KEY_LCTRL;
	if (k->alt)
		out[n++] = KEY_LALT;
	if (k->shift)
		out[n++] = KEY_LSHIFT;
	if (k->extended)
		out[n++] = 0xe0;
	out[n++] = k->code;
	if (k->extended)
		out[n++] = 0xe0;
	out[n++] = 0xf0;
	out[n++] = k->code;
	if (k->shift) {
		out[n++] = 0xf0;
		out[n++] = KEY_LSHIFT;
	}
	if (k->alt) {
		out[n++] = 0xf0;
		out[n++] = KEY_LALT;
	}
	if (k->ctrl) {
		out[n++] = 0xf0;
		out[n++] = KEY_LCTRL;
	}
	return n;
}

size_t keyboard_deliver(void *dev, const uint8_t *buf, size_t len)
{
	static uint64_t esc_since; /* an Esc waits this long for the rest of a sequence */
	struct i8042 *kbd = dev;
	size_t used = 0;
	while (used < len) {
		bool final = esc_since && clock_ns() - esc_since >= ESC_WAIT_NS;
		struct key k;
		size_t n = key_decode(buf + used, len - used, final, &k);
		if (!n) {
			if (!esc_since)
				esc_since = clock_ns();
			break;
		}
		uint8_t codes[KEY_CODES_MAX];
		unsigned m = key_scancodes(&k, codes);
		if (m > i8042_keyboard_room(kbd))
			break; /* the guest reads the keys before: the rest waits */
		if (m)
			i8042_keyboard_input(kbd, codes, m);
		used += n;
		esc_since = 0;
	}
	return used;
}
