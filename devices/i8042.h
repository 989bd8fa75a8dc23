/* Intel 8042 keyboard controller (0x60 data, 0x64 status/command on the PC) with a PS/2
 * keyboard and mouse that answer their commands. The keyboard speaks scan code set 2; the
 * controller translates to set 1 when its command byte asks (bit 6), as PC BIOSes set it. */
#ifndef DEVICES_I8042_H
#define DEVICES_I8042_H

#include "../core/bus.h"
#include "../core/irq.h"

/* Ports, relative to 0x60. */
#define I8042_DATA   0
#define I8042_STATUS 4 /* read: status; write: controller command */

#define PS2_QUEUE 16

struct ps2_queue {
	uint8_t data[PS2_QUEUE];
	uint8_t head, len;
};

struct i8042 {
	/* The controller. */
	uint8_t ram[32];     /* ram[0] is the command byte */
	uint8_t status;	     /* SYS and command/data bits; OBF and AUXB are derived */
	uint8_t pending_cmd; /* a command awaiting its data byte on port 0x60 */
	uint8_t output_port; /* bit 0: reset line (active low), bit 1: A20 */
	uint8_t obuf;	     /* the output buffer, what port 0x60 reads */
	bool obf, obuf_aux;  /* full; and its byte came from the mouse */
	bool reply_waiting, reply_aux;
	uint8_t reply;		   /* a controller reply, or a byte injected by 0xd2/0xd3 */
	bool xlate_break;	   /* translating: a set-2 0xf0 (break) prefix was swallowed */
	struct ps2_queue kbd, aux; /* bytes the devices have sent, not yet in the buffer */
	/* The keyboard. */
	uint8_t kbd_param_cmd; /* command awaiting its parameter */
	uint8_t kbd_set, kbd_leds, kbd_last;
	bool kbd_scanning;
	/* The mouse. */
	uint8_t aux_param_cmd;
	uint8_t aux_rate, aux_resolution;
	bool aux_reporting, aux_remote, aux_wrap, aux_scale21;
	uint8_t stream;			  /* where typed keys come from */
	struct irq_line irq_kbd, irq_aux; /* IRQ 1 and IRQ 12 */
};

extern const struct io_ops i8042_ops; /* 0x60-0x64; 0x61-0x63 are not decoded */
void i8042_init(struct i8042 *k, unsigned irq_kbd, unsigned irq_aux, unsigned stream);
/* Scan codes (set 2) from the keyboard, as typed; returns how many fit. While the guest has
 * scanning disabled they are all taken, and lost, as on a real keyboard. */
size_t i8042_keyboard_input(struct i8042 *k, const uint8_t *codes, size_t n);
/* How many scan codes the keyboard can take now (a key press is taken whole or not at all):
 * none while the guest has scanning disabled, so typed keys wait instead of being lost. */
unsigned i8042_keyboard_room(const struct i8042 *k);

#endif
