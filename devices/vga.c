/* VGA registers. Index/data pairs for the sequencer (0x3c4), graphics controller (0x3ce) and
 * CRTC (0x3d4, or 0x3b4 in monochrome); the attribute controller's single port with its
 * index/data flip-flop (0x3c0), reset by reading input status 1 (0x3da); the DAC's
 * three-component palette access (0x3c7-0x3c9). References: IBM VGA Technical Reference,
 * SeaVGABIOS vgasrc/stdvga.c and stdvgaio.c (what it writes and reads back). */
#include "vga.h"

#include <string.h>

enum {
	ATTR_INDEX = 0x10, /* 0x3c0, relative to 0x3b0 */
	ATTR_DATA_READ = 0x11,
	MISC_WRITE = 0x12, /* read: input status 0 */
	SEQ_INDEX = 0x14,
	SEQ_DATA = 0x15,
	DAC_MASK = 0x16,
	DAC_READ_INDEX = 0x17, /* read: DAC state */
	DAC_WRITE_INDEX = 0x18,
	DAC_DATA = 0x19,
	FEATURE_READ = 0x1a,
	MISC_READ = 0x1c,
	GC_INDEX = 0x1e,
	GC_DATA = 0x1f,
	CRTC_INDEX_MONO = 0x04,
	CRTC_DATA_MONO = 0x05,
	STATUS1_MONO = 0x0a, /* write: feature control */
	CRTC_INDEX_COLOUR = 0x24,
	CRTC_DATA_COLOUR = 0x25,
	STATUS1_COLOUR = 0x2a,
};

#define MISC_COLOUR	 0x01
#define CRTC_PROTECT	 0x80 /* CR11 bit 7: CR00-CR07 are read-only */
#define ATTR_PAS	 0x20 /* palette address source: the display runs */
#define GC_MISC_GRAPHICS 0x01
#define ATTR_MODE_BLINK	 0x08

static bool colour(const struct vga *v)
{
	return v->misc & MISC_COLOUR;
}

/* The CRTC and input status 1 answer at 0x3dx in colour, 0x3bx in monochrome, not both. */
static bool crtc_port(const struct vga *v, uint64_t off, unsigned which)
{
	unsigned base = colour(v) ? 0x20 : 0x00;
	return off == base + which;
}

static void crtc_write(struct vga *v, uint8_t value)
{
	uint8_t i = v->crtc_index & 0x1f;
	if (i <= 0x07 && (v->crtc[0x11] & CRTC_PROTECT)) {
		if (i == 0x07) /* only the line compare bit stays writable */
			v->crtc[7] = (uint8_t)((v->crtc[7] & ~0x10) | (value & 0x10));
		return;
	}
	v->crtc[i] = value;
}

static uint8_t dac_read(struct vga *v)
{
	uint8_t c = v->dac[v->dac_read_index][v->dac_component];
	if (++v->dac_component == 3) {
		v->dac_component = 0;
		v->dac_read_index++;
	}
	return c;
}

static void dac_write(struct vga *v, uint8_t value)
{
	v->dac[v->dac_write_index][v->dac_component] = value & 0x3f;
	if (++v->dac_component == 3) {
		v->dac_component = 0;
		v->dac_write_index++;
	}
}

static uint64_t vga_read(void *dev, uint64_t off, unsigned size)
{
	struct vga *v = dev;
	(void)size;
	if (crtc_port(v, off, 0x04))
		return v->crtc_index;
	if (crtc_port(v, off, 0x05))
		return v->crtc[v->crtc_index & 0x1f];
	if (crtc_port(v, off, 0x0a)) {
		v->attr_data_next = false; /* reading input status 1 resets the flip-flop */
		v->status_toggle ^= 0x09;  /* display enable and vertical retrace alternate */
		return v->status_toggle;
	}
	switch (off) {
	case ATTR_INDEX: return v->attr_index;
	case ATTR_DATA_READ: return v->attr[v->attr_index & 0x1f];
	case MISC_WRITE: return 0x00; /* input status 0 */
	case SEQ_INDEX: return v->seq_index;
	case SEQ_DATA: return v->seq[v->seq_index & 7];
	case DAC_MASK: return v->dac_mask;
	case DAC_READ_INDEX: return v->dac_state;
	case DAC_WRITE_INDEX: return v->dac_write_index;
	case DAC_DATA: return dac_read(v);
	case FEATURE_READ: return v->feature;
	case MISC_READ: return v->misc;
	case GC_INDEX: return v->gc_index;
	case GC_DATA: return v->gc[v->gc_index & 0x0f];
	default: return 0xff; /* the other adapter's ports, or nothing */
	}
}

static void vga_write(void *dev, uint64_t off, unsigned size, uint64_t value)
{
	struct vga *v = dev;
	uint8_t b = (uint8_t)value;
	(void)size;
	if (crtc_port(v, off, 0x04)) {
		v->crtc_index = b;
		return;
	}
	if (crtc_port(v, off, 0x05)) {
		crtc_write(v, b);
		return;
	}
	if (crtc_port(v, off, 0x0a)) {
		v->feature = b;
		return;
	}
	switch (off) {
	case ATTR_INDEX:
		if (v->attr_data_next)
			v->attr[v->attr_index & 0x1f] = b;
		else
			v->attr_index = b & 0x3f;
		v->attr_data_next = !v->attr_data_next;
		break;
	case MISC_WRITE: v->misc = b; break;
	case SEQ_INDEX: v->seq_index = b; break;
	case SEQ_DATA: v->seq[v->seq_index & 7] = b; break;
	case DAC_MASK: v->dac_mask = b; break;
	case DAC_READ_INDEX:
		v->dac_read_index = b;
		v->dac_component = 0;
		v->dac_state = 0x03; /* reading */
		break;
	case DAC_WRITE_INDEX:
		v->dac_write_index = b;
		v->dac_component = 0;
		v->dac_state = 0x00;
		break;
	case DAC_DATA: dac_write(v, b); break;
	case GC_INDEX: v->gc_index = b; break;
	case GC_DATA: v->gc[v->gc_index & 0x0f] = b; break;
	default: break;
	}
}

const struct io_ops vga_ops = {.read = vga_read, .write = vga_write, .byte_wide = true};

/* Power-on state: 80x25 colour text (mode 3), as a VGA BIOS leaves it, so a BIOS without
 * one of its own can write text to 0xb8000 and have it shown. */
void vga_init(struct vga *v)
{
	static const uint8_t seq[5] = {0x03, 0x00, 0x03, 0x00, 0x02};
	static const uint8_t gc[9] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff};
	static const uint8_t crtc[25] = {0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00,
					 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x9c, 0x8e,
					 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
	static const uint8_t attr[21] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14,
					 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d,
					 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};
	memset(v, 0, sizeof(*v));
	v->misc = 0x67;
	memcpy(v->seq, seq, sizeof(seq));
	memcpy(v->gc, gc, sizeof(gc));
	memcpy(v->crtc, crtc, sizeof(crtc));
	memcpy(v->attr, attr, sizeof(attr));
	v->attr_index = ATTR_PAS;
	v->dac_mask = 0xff;
}

void vga_text_layout(const struct vga *v, struct vga_text_layout *t)
{
	memset(t, 0, sizeof(*t));
	const uint8_t *cr = v->crtc;
	t->graphics = v->gc[6] & GC_MISC_GRAPHICS;
	/* Vertical display end is 10 bits: CR12 and overflow bits in CR07 (bits 1 and 6). */
	unsigned lines = (cr[0x12] | (cr[0x07] & 0x02) << 7 | (cr[0x07] & 0x40) << 3) + 1u;
	unsigned char_height = (cr[0x09] & 0x1f) + 1u;
	t->cols = cr[0x01] + 1u;
	t->rows = lines / char_height;
	t->stride = cr[0x13] * 2u;
	t->start = (unsigned)(cr[0x0c] << 8 | cr[0x0d]);
	t->cursor = (unsigned)(cr[0x0e] << 8 | cr[0x0f]);
	t->cursor_on = !(cr[0x0a] & 0x20) && (cr[0x0a] & 0x1f) <= (cr[0x0b] & 0x1f);
	t->blink = v->attr[0x10] & ATTR_MODE_BLINK;
	static const uint32_t map_base[4] = {0xa0000, 0xa0000, 0xb0000, 0xb8000};
	t->base = map_base[(v->gc[6] >> 2) & 3];
	/* Only a sane text mode is shown: the guest may program anything. */
	t->enabled = !t->graphics && (v->attr_index & ATTR_PAS) && t->cols >= 8 &&
		     t->cols <= VGA_MAX_COLS && t->rows >= 2 && t->rows <= VGA_MAX_ROWS &&
		     t->stride >= t->cols && (v->seq[1] & 0x20) == 0; /* SR01 bit 5: screen off */
	if (t->cols > VGA_MAX_COLS)
		t->cols = VGA_MAX_COLS;
	if (t->rows > VGA_MAX_ROWS)
		t->rows = VGA_MAX_ROWS;
}
