/* The guest's text screen on a terminal: snapshots, their difference as ANSI escape
 * sequences, and plain-text dumps. */
#include "screen.h"

#include <stdio.h>
#include <string.h>

/* Code page 437, the PC's character set, as Unicode (IBM's glyphs for the control range,
 * as the VGA draws them; Unicode's CP437.TXT and IBMGRAPH.TXT mappings). */
static const uint16_t cp437_low[32] = {
    0x0020, 0x263a, 0x263b, 0x2665, 0x2666, 0x2663, 0x2660, 0x2022, 0x25d8, 0x25cb, 0x25d9,
    0x2642, 0x2640, 0x266a, 0x266b, 0x263c, 0x25ba, 0x25c4, 0x2195, 0x203c, 0x00b6, 0x00a7,
    0x25ac, 0x21a8, 0x2191, 0x2193, 0x2192, 0x2190, 0x221f, 0x2194, 0x25b2, 0x25bc,
};
static const uint16_t cp437_high[128] = {
    0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8, 0x00ef,
    0x00ee, 0x00ec, 0x00c4, 0x00c5, 0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9,
    0x00ff, 0x00d6, 0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192, 0x00e1, 0x00ed, 0x00f3, 0x00fa,
    0x00f1, 0x00d1, 0x00aa, 0x00ba, 0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255d, 0x255c, 0x255b, 0x2510, 0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f,
    0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256b, 0x256a, 0x2518, 0x250c, 0x2588, 0x2584, 0x258c, 0x2590, 0x2580,
    0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4, 0x03a6, 0x0398, 0x03a9, 0x03b4,
    0x221e, 0x03c6, 0x03b5, 0x2229, 0x2261, 0x00b1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00f7, 0x2248,
    0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

unsigned cp437_to_utf8(uint8_t c, char out[3])
{
	uint16_t u = c < 0x20	 ? cp437_low[c]
		     : c == 0x7f ? 0x2302
		     : c >= 0x80 ? cp437_high[c - 0x80]
				 : c;
	if (u < 0x80) {
		out[0] = (char)u;
		return 1;
	}
	if (u < 0x800) {
		out[0] = (char)(0xc0 | u >> 6);
		out[1] = (char)(0x80 | (u & 0x3f));
		return 2;
	}
	out[0] = (char)(0xe0 | u >> 12);
	out[1] = (char)(0x80 | ((u >> 6) & 0x3f));
	out[2] = (char)(0x80 | (u & 0x3f));
	return 3;
}

void screen_capture(struct screen *s, const struct vga *v, const uint8_t *ram, uint64_t ram_size)
{
	struct vga_text_layout t;
	vga_text_layout(v, &t);
	memset(s, 0, sizeof(*s));
	s->graphics = t.graphics;
	/* The text buffer wraps within the memory map the graphics controller selects. */
	uint32_t window = t.base == 0xa0000 ? 0x10000 : 0x8000;
	if (!t.enabled || t.base + window > ram_size)
		return;
	s->shown = true;
	s->cols = t.cols;
	s->rows = t.rows;
	s->blink = t.blink;
	const uint8_t *mem = ram + t.base;
	unsigned cells = window / 2;
	for (unsigned r = 0; r < t.rows; r++)
		for (unsigned c = 0; c < t.cols; c++) {
			unsigned cell = (t.start + r * t.stride + c) % cells;
			s->chars[r][c] = mem[(size_t)2 * cell];
			s->attrs[r][c] = mem[(size_t)2 * cell + 1];
		}
	unsigned cursor = (t.cursor + cells - t.start % cells) % cells;
	if (t.cursor_on && cursor / t.stride < t.rows && cursor % t.stride < t.cols) {
		s->cursor_on = true;
		s->cursor_row = cursor / t.stride;
		s->cursor_col = cursor % t.stride;
	}
}

bool screen_same(const struct screen *a, const struct screen *b)
{
	if (a->shown != b->shown || a->graphics != b->graphics || a->cols != b->cols ||
	    a->rows != b->rows || a->cursor_on != b->cursor_on || a->blink != b->blink ||
	    (a->cursor_on && (a->cursor_row != b->cursor_row || a->cursor_col != b->cursor_col)))
		return false;
	for (unsigned r = 0; a->shown && r < a->rows; r++)
		if (memcmp(a->chars[r], b->chars[r], a->cols) != 0 ||
		    memcmp(a->attrs[r], b->attrs[r], a->cols) != 0)
			return false;
	return true;
}

/* An output buffer that remembers running out of room. */
struct sink_buf {
	char *p;
	size_t len, cap;
	bool full;
};

static void put(struct sink_buf *b, const char *s, size_t n)
{
	if (b->full || n > b->cap - b->len) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define PUT_LITERAL(b, s) put(b, s, sizeof(s) - 1)

static void putf(struct sink_buf *b, const char *fmt, unsigned x, unsigned y)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), fmt, x, y);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The attribute as SGR: VGA colour order (blue, green, red bits) to ANSI (red, green, blue);
 * bright colours as 90-97 and 100-107. */
static void put_attr(struct sink_buf *b, uint8_t attr, bool blink)
{
	static const uint8_t ansi[8] = {0, 4, 2, 6, 1, 5, 3, 7};
	unsigned fg = attr & 0x0f, bg = (attr >> 4) & (blink ? 0x07 : 0x0f);
	unsigned fg_code = fg < 8 ? 30 + ansi[fg] : 90 + ansi[fg - 8];
	unsigned bg_code = bg < 8 ? 40 + ansi[bg] : 100 + ansi[bg - 8];
	putf(b, "\x1b[0;%u;%um", fg_code, bg_code);
	if (blink && (attr & 0x80))
		PUT_LITERAL(b, "\x1b[5m");
}

size_t screen_render(const struct screen *prev, const struct screen *next, char *out, size_t cap)
{
	struct sink_buf b = {out, 0, cap, false};
	bool full = !prev || prev->cols != next->cols || prev->rows != next->rows ||
		    prev->shown != next->shown || prev->blink != next->blink;
	if (full) /* no line wrapping: a narrow terminal clips instead of scrambling */
		PUT_LITERAL(&b, "\x1b[?7l\x1b[0m\x1b[H\x1b[2J");
	int attr = -1;
	unsigned at_row = ~0u, at_col = ~0u; /* where the terminal's cursor is */
	for (unsigned r = 0; next->shown && r < next->rows; r++) {
		for (unsigned c = 0; c < next->cols; c++) {
			if (!full && next->chars[r][c] == prev->chars[r][c] &&
			    next->attrs[r][c] == prev->attrs[r][c])
				continue;
			/* A short run of unchanged cells is cheaper to rewrite than to skip. */
			unsigned from = c;
			if (r == at_row && c > at_col && c - at_col <= 4)
				from = at_col;
			else if (r != at_row || c != at_col)
				putf(&b, "\x1b[%u;%uH", r + 1, c + 1);
			for (unsigned x = from; x <= c; x++) {
				uint8_t a = next->attrs[r][x];
				if (a != attr)
					put_attr(&b, a, next->blink);
				attr = a;
				char u[3];
				put(&b, u, cp437_to_utf8(next->chars[r][x], u));
			}
			at_row = r;
			at_col = c + 1;
		}
	}
	if (next->cursor_on)
		putf(&b, "\x1b[%u;%uH\x1b[?25h", next->cursor_row + 1, next->cursor_col + 1);
	else
		PUT_LITERAL(&b, "\x1b[?25l");
	return b.full ? 0 : b.len;
}

size_t screen_render_end(const struct screen *s, char *out, size_t cap)
{
	struct sink_buf b = {out, 0, cap, false};
	PUT_LITERAL(&b, "\x1b[0m\x1b[?25h\x1b[?7h");
	putf(&b, "\x1b[%u;%uH\r\n", (s->shown ? s->rows : 0) + 0, 1);
	return b.full ? 0 : b.len;
}

size_t screen_dump(const struct screen *s, char *out, size_t cap)
{
	struct sink_buf b = {out, 0, cap, false};
	unsigned rows = s->shown ? s->rows : 25;
	for (unsigned r = 0; r < rows; r++) {
		unsigned end = s->shown ? s->cols : 0;
		while (end > 0 && (s->chars[r][end - 1] == ' ' || s->chars[r][end - 1] == 0 ||
				   s->chars[r][end - 1] == 0xff))
			end--;
		for (unsigned c = 0; c < end; c++) {
			char u[3];
			put(&b, u, cp437_to_utf8(s->chars[r][c], u));
		}
		PUT_LITERAL(&b, "\n");
	}
	return b.full ? 0 : b.len;
}
