/* VGA registers (IBM VGA Technical Reference; ports 0x3b0-0x3df on the PC): the sequencer,
 * CRT controller, graphics controller, attribute controller, DAC and general registers, as
 * SeaVGABIOS programs them. Video memory (0xa0000-0xbffff) is ordinary guest RAM: text
 * mode needs no plane logic, so the display reads the text straight from it. */
#ifndef DEVICES_VGA_H
#define DEVICES_VGA_H

#include "../core/bus.h"

#define VGA_PORT_BASE  0x3b0
#define VGA_PORT_COUNT 0x30
#define VGA_MAX_COLS   132
#define VGA_MAX_ROWS   60

struct vga {
	uint8_t misc;	 /* miscellaneous output: bit 0 selects the 0x3dx (colour) ports */
	uint8_t feature; /* feature control */
	uint8_t seq_index, seq[8];
	uint8_t gc_index, gc[16];
	uint8_t crtc_index, crtc[32];
	uint8_t attr_index;  /* bit 5: palette address source (display enabled) */
	bool attr_data_next; /* the attribute flip-flop: the next write to 0x3c0 is data */
	uint8_t attr[32];
	uint8_t dac_read_index, dac_write_index, dac_component, dac_state;
	uint8_t dac_mask;
	uint8_t dac[256][3];
	uint8_t status_toggle; /* input status 1 alternates, so retrace polling loops end */
};

extern const struct io_ops vga_ops;
void vga_init(struct vga *v);

/* What the screen shows, worked out from the registers: a text mode's geometry and cursor,
 * or that a graphics mode is on. */
struct vga_text_layout {
	bool enabled;  /* the guest set up a text mode (else: nothing to show yet) */
	bool graphics; /* a graphics mode: no text to show */
	unsigned cols, rows;
	uint32_t base;	 /* guest-physical address of the text buffer (0xb8000 in colour) */
	unsigned start;	 /* cell of the top-left character */
	unsigned stride; /* cells from one row to the next */
	bool cursor_on;
	unsigned cursor; /* cell of the cursor */
	bool blink;	 /* attribute bit 7 blinks (else: bright background) */
};
void vga_text_layout(const struct vga *v, struct vga_text_layout *t);

#endif
