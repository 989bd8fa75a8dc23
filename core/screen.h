/* The guest's text screen as a terminal shows it: a snapshot of the VGA text buffer and
 * cursor, turned into the escape sequences that bring a terminal from one snapshot to the
 * next (colours, CP437 as UTF-8, the cursor), or into plain lines for --screendump. */
#ifndef CORE_SCREEN_H
#define CORE_SCREEN_H

#include "../devices/vga.h"

/* The longest frame: every cell of the largest screen with its own colours (SGR 0;9x;10x and
 * blink: 14 bytes) and a 3-byte character, plus a cursor move per row and the rest. */
#define SCREEN_FRAME_MAX (VGA_MAX_ROWS * (VGA_MAX_COLS * 17 + 12) + 64)

struct screen {
	bool shown;    /* a text mode is on (else: blank, or a graphics mode) */
	bool graphics; /* the guest is in a graphics mode */
	unsigned cols, rows;
	uint8_t chars[VGA_MAX_ROWS][VGA_MAX_COLS];
	uint8_t attrs[VGA_MAX_ROWS][VGA_MAX_COLS];
	bool cursor_on;
	unsigned cursor_row, cursor_col;
	bool blink; /* attribute bit 7 blinks rather than brightening the background */
};

/* Take a snapshot: the registers from the VGA, the characters from guest RAM (ram holds
 * ram_size bytes from guest address 0). Machine lock held. */
void screen_capture(struct screen *s, const struct vga *v, const uint8_t *ram, uint64_t ram_size);

/* Whether two snapshots show the same thing. */
bool screen_same(const struct screen *a, const struct screen *b);

/* Escape sequences that make a terminal showing prev (or anything, with prev NULL: a full
 * redraw from a cleared screen) show next. Writes at most cap bytes; returns the length,
 * or 0 if cap is too small (nothing usable written). */
size_t screen_render(const struct screen *prev, const struct screen *next, char *out, size_t cap);

/* What the terminal needs at the end: ordinary colours, the cursor back, line wrapping on,
 * the cursor on the line below the screen. */
size_t screen_render_end(const struct screen *s, char *out, size_t cap);

/* The screen as text: one line per row, UTF-8, trailing spaces trimmed. */
size_t screen_dump(const struct screen *s, char *out, size_t cap);

/* CP437 character to UTF-8 (1 to 3 bytes); returns the length. */
unsigned cp437_to_utf8(uint8_t c, char out[3]);

#endif
