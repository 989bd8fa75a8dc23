/* Intel 8042 keyboard controller with a PS/2 keyboard and mouse. References: IBM PS/2
 * Technical Reference (keyboard controller, keyboard and auxiliary device chapters), SeaBIOS
 * hw/ps2port.c and Linux drivers/input/serio/i8042.c (what firmware and drivers expect). */
#include "i8042.h"

#include <string.h>

#define STATUS_OBF    0x01 /* output buffer full */
#define STATUS_SYS    0x04 /* system flag: self-test passed */
#define STATUS_CMD    0x08 /* the last write went to port 0x64 */
#define STATUS_UNLOCK 0x10 /* keyboard not inhibited by the key lock */
#define STATUS_AUXB   0x20 /* the byte in the buffer came from the mouse */

#define CB_KBD_INT     0x01
#define CB_AUX_INT     0x02
#define CB_SYS	       0x04
#define CB_KBD_DISABLE 0x10
#define CB_AUX_DISABLE 0x20
#define CB_XLATE       0x40

#define ACK    0xfa
#define RESEND 0xfe
#define BAT_OK 0xaa

/* Set 2 to set 1, as the controller's translator does (IBM PS/2 Technical Reference): the
 * set-1 make code of every key of a 102-key keyboard, by its set-2 code. Codes no PC keyboard
 * sends pass through unchanged, as do 0x84 and up but for SysRq. */
static const uint8_t set2_to_set1[0x85] = {
    [0x76] = 0x01,
    [0x16] = 0x02,
    [0x1e] = 0x03,
    [0x26] = 0x04,
    [0x25] = 0x05,
    [0x2e] = 0x06,
    [0x36] = 0x07,
    [0x3d] = 0x08,
    [0x3e] = 0x09,
    [0x46] = 0x0a,
    [0x45] = 0x0b,
    [0x4e] = 0x0c,
    [0x55] = 0x0d,
    [0x66] = 0x0e,
    [0x0d] = 0x0f,
    [0x15] = 0x10,
    [0x1d] = 0x11,
    [0x24] = 0x12,
    [0x2d] = 0x13,
    [0x2c] = 0x14,
    [0x35] = 0x15,
    [0x3c] = 0x16,
    [0x43] = 0x17,
    [0x44] = 0x18,
    [0x4d] = 0x19,
    [0x54] = 0x1a,
    [0x5b] = 0x1b,
    [0x5a] = 0x1c,
    [0x14] = 0x1d,
    [0x1c] = 0x1e,
    [0x1b] = 0x1f,
    [0x23] = 0x20,
    [0x2b] = 0x21,
    [0x34] = 0x22,
    [0x33] = 0x23,
    [0x3b] = 0x24,
    [0x42] = 0x25,
    [0x4b] = 0x26,
    [0x4c] = 0x27,
    [0x52] = 0x28,
    [0x0e] = 0x29,
    [0x12] = 0x2a,
    [0x5d] = 0x2b,
    [0x1a] = 0x2c,
    [0x22] = 0x2d,
    [0x21] = 0x2e,
    [0x2a] = 0x2f,
    [0x32] = 0x30,
    [0x31] = 0x31,
    [0x3a] = 0x32,
    [0x41] = 0x33,
    [0x49] = 0x34,
    [0x4a] = 0x35,
    [0x59] = 0x36,
    [0x7c] = 0x37,
    [0x11] = 0x38,
    [0x29] = 0x39,
    [0x58] = 0x3a,
    [0x05] = 0x3b,
    [0x06] = 0x3c,
    [0x04] = 0x3d,
    [0x0c] = 0x3e,
    [0x03] = 0x3f,
    [0x0b] = 0x40,
    [0x83] = 0x41,
    [0x0a] = 0x42,
    [0x01] = 0x43,
    [0x09] = 0x44,
    [0x77] = 0x45,
    [0x7e] = 0x46,
    [0x6c] = 0x47,
    [0x75] = 0x48,
    [0x7d] = 0x49,
    [0x7b] = 0x4a,
    [0x6b] = 0x4b,
    [0x73] = 0x4c,
    [0x74] = 0x4d,
    [0x79] = 0x4e,
    [0x69] = 0x4f,
    [0x72] = 0x50,
    [0x7a] = 0x51,
    [0x70] = 0x52,
    [0x71] = 0x53,
    [0x84] = 0x54,
    [0x61] = 0x56,
    [0x78] = 0x57,
    [0x07] = 0x58,
    /* Keys sent with an 0xe0 prefix whose code has no key of its own without it. */
    [0x1f] = 0x5b, /* left Windows */
    [0x27] = 0x5c, /* right Windows */
    [0x2f] = 0x5d, /* menu */
    [0x37] = 0x5e, /* power */
    [0x3f] = 0x5f, /* sleep */
    [0x5e] = 0x63,
    /* wake */[0x02] = 0x41, /* F7's other code; also scan-set
						   reply 2 reads 0x41 translated */
    [0x00] = 0xff,	     /* key detection error */
};

static uint8_t translate(uint8_t code)
{
	if (code < sizeof(set2_to_set1) && set2_to_set1[code])
		return set2_to_set1[code];
	return code;
}

/* ---- queues and the output buffer -------------------------------------------------------- */

static bool queue_push(struct ps2_queue *q, uint8_t byte)
{
	if (q->len >= PS2_QUEUE)
		return false; /* the device's buffer is full: the byte is lost, as on hardware */
	q->data[(q->head + q->len++) % PS2_QUEUE] = byte;
	return true;
}

static uint8_t queue_pop(struct ps2_queue *q)
{
	uint8_t b = q->data[q->head];
	q->head = (uint8_t)((q->head + 1) % PS2_QUEUE);
	q->len--;
	return b;
}

static void update_irqs(struct i8042 *k)
{
	uint8_t cb = k->ram[0];
	irq_set(&k->irq_kbd, k->obf && !k->obuf_aux && (cb & CB_KBD_INT) && !(cb & CB_KBD_DISABLE));
	irq_set(&k->irq_aux, k->obf && k->obuf_aux && (cb & CB_AUX_INT));
}

/* With the buffer empty, move the next byte in: a controller reply first, then keyboard,
 * then mouse, each only while its interface is enabled. */
static void fill_buffer(struct i8042 *k)
{
	uint8_t cb = k->ram[0];
	if (!k->obf && k->reply_waiting) {
		k->reply_waiting = false;
		k->obuf = k->reply;
		k->obuf_aux = k->reply_aux;
		k->obf = true;
	}
	while (!k->obf && k->kbd.len && !(cb & CB_KBD_DISABLE)) {
		uint8_t b = queue_pop(&k->kbd);
		if (cb & CB_XLATE) {
			if (b == 0xf0) { /* a break prefix: the next code gets bit 7 instead */
				k->xlate_break = true;
				continue;
			}
			b = (uint8_t)(translate(b) | (k->xlate_break ? 0x80 : 0));
			k->xlate_break = false;
		}
		k->obuf = b;
		k->obuf_aux = false;
		k->obf = true;
	}
	if (!k->obf && k->aux.len && !(cb & CB_AUX_DISABLE)) {
		k->obuf = queue_pop(&k->aux);
		k->obuf_aux = true;
		k->obf = true;
	}
	update_irqs(k);
}

/* A reply of the controller itself (one byte at a time, as on the 8042). */
static void controller_reply(struct i8042 *k, uint8_t byte, bool aux)
{
	k->reply = byte;
	k->reply_aux = aux;
	k->reply_waiting = true;
}

/* Reading the data port empties the buffer and drops the line; the next byte, if any, comes
 * in at once and raises it again: one rising edge per byte for the edge-triggered PIC. */
static uint8_t read_data(struct i8042 *k)
{
	uint8_t v = k->obuf; /* with the buffer empty: the last byte again */
	if (k->obf) {
		bool typed = !k->obuf_aux;
		k->obf = false;
		update_irqs(k);
		fill_buffer(k);
		if (typed && k->kbd.len < PS2_QUEUE / 2)
			stream_input_wanted(k->stream); /* room for the next key */
	}
	return v;
}

/* ---- the keyboard ------------------------------------------------------------------------ */

static void kbd_send(struct i8042 *k, uint8_t byte)
{
	k->kbd_last = byte;
	queue_push(&k->kbd, byte);
}

static void kbd_defaults(struct i8042 *k)
{
	k->kbd_set = 2;
	k->kbd_leds = 0;
}

static void kbd_enable_scanning(struct i8042 *k);

static void keyboard_command(struct i8042 *k, uint8_t cmd)
{
	/* A parameter byte has bit 7 clear; anything from 0xed up is a new command. */
	if (k->kbd_param_cmd && cmd < 0xed) {
		uint8_t pending = k->kbd_param_cmd;
		k->kbd_param_cmd = 0;
		if (pending == 0xed)
			k->kbd_leds = cmd & 0x07;
		if (pending == 0xf0) {
			if (cmd == 0) { /* report the current set */
				kbd_send(k, ACK);
				kbd_send(k, k->kbd_set);
				return;
			}
			if (cmd > 3) {
				kbd_send(k, RESEND);
				return;
			}
			k->kbd_set = cmd;
		}
		kbd_send(k, ACK);
		return;
	}
	k->kbd_param_cmd = 0;
	k->kbd.len = 0; /* a command makes the keyboard drop what it had not sent */
	k->xlate_break = false;
	switch (cmd) {
	case 0xff: /* reset: basic assurance test passed */
		kbd_defaults(k);
		kbd_enable_scanning(k);
		kbd_send(k, ACK);
		kbd_send(k, BAT_OK);
		break;
	case 0xfe: queue_push(&k->kbd, k->kbd_last); break; /* resend */
	case 0xf2:					    /* identify: an MF2 keyboard */
		kbd_send(k, ACK);
		kbd_send(k, 0xab);
		kbd_send(k, 0x83);
		break;
	case 0xee: kbd_send(k, 0xee); break; /* echo */
	case 0xed:			     /* LEDs */
	case 0xf3:			     /* typematic rate */
	case 0xf0:			     /* scan code set */
	case 0xfb:			     /* set-3 key attributes */
	case 0xfc:
	case 0xfd:
		k->kbd_param_cmd = cmd;
		kbd_send(k, ACK);
		break;
	case 0xf4: /* enable scanning */
		kbd_enable_scanning(k);
		kbd_send(k, ACK);
		break;
	case 0xf5: /* disable scanning, defaults */
		kbd_defaults(k);
		k->kbd_scanning = false;
		kbd_send(k, ACK);
		break;
	case 0xf6: /* defaults, scanning on */
		kbd_defaults(k);
		kbd_enable_scanning(k);
		kbd_send(k, ACK);
		break;
	case 0xf7: /* set-3 all-keys modes */
	case 0xf8:
	case 0xf9:
	case 0xfa: kbd_send(k, ACK); break;
	default: kbd_send(k, RESEND);
	}
}

size_t i8042_keyboard_input(struct i8042 *k, const uint8_t *codes, size_t n)
{
	if (!k->kbd_scanning)
		return n;
	size_t i = 0;
	for (; i < n && k->kbd.len < PS2_QUEUE; i++)
		queue_push(&k->kbd, codes[i]);
	fill_buffer(k);
	return i;
}

unsigned i8042_keyboard_room(const struct i8042 *k)
{
	return k->kbd_scanning ? PS2_QUEUE - k->kbd.len : 0;
}

static void kbd_enable_scanning(struct i8042 *k)
{
	k->kbd_scanning = true;
	stream_input_wanted(k->stream); /* keys typed meanwhile waited: now they come */
}

/* ---- the mouse --------------------------------------------------------------------------- */

static void aux_send(struct i8042 *k, uint8_t byte)
{
	queue_push(&k->aux, byte);
}

static void aux_defaults(struct i8042 *k)
{
	k->aux_rate = 100;
	k->aux_resolution = 2;
	k->aux_reporting = k->aux_remote = k->aux_scale21 = false;
}

static void mouse_command(struct i8042 *k, uint8_t cmd)
{
	if (k->aux_param_cmd) { /* the parameter of 0xe8 (resolution) or 0xf3 (sample rate) */
		if (k->aux_param_cmd == 0xe8)
			k->aux_resolution = cmd & 3;
		else
			k->aux_rate = cmd;
		k->aux_param_cmd = 0;
		aux_send(k, ACK);
		return;
	}
	if (k->aux_wrap && cmd != 0xec && cmd != 0xff) {
		aux_send(k, cmd); /* wrap mode echoes */
		return;
	}
	switch (cmd) {
	case 0xff: /* reset: BAT passed, device ID 0 */
		aux_defaults(k);
		k->aux_wrap = false;
		aux_send(k, ACK);
		aux_send(k, BAT_OK);
		aux_send(k, 0x00);
		break;
	case 0xf6: /* defaults */
		aux_defaults(k);
		aux_send(k, ACK);
		break;
	case 0xf5: /* disable reporting */
	case 0xf4: /* enable reporting */
		k->aux_reporting = cmd == 0xf4;
		aux_send(k, ACK);
		break;
	case 0xf3: /* sample rate */
	case 0xe8: /* resolution */
		k->aux_param_cmd = cmd;
		aux_send(k, ACK);
		break;
	case 0xf2: /* device ID: a standard PS/2 mouse */
		aux_send(k, ACK);
		aux_send(k, 0x00);
		break;
	case 0xf0: /* remote mode */
	case 0xea: /* stream mode */
		k->aux_remote = cmd == 0xf0;
		aux_send(k, ACK);
		break;
	case 0xee: /* wrap mode */
	case 0xec: /* leave wrap mode */
		k->aux_wrap = cmd == 0xee;
		aux_send(k, ACK);
		break;
	case 0xeb: /* read data: a packet with no movement and no buttons */
		aux_send(k, ACK);
		aux_send(k, 0x08);
		aux_send(k, 0x00);
		aux_send(k, 0x00);
		break;
	case 0xe9: /* status: mode bits, resolution, sample rate */
		aux_send(k, ACK);
		aux_send(k, (uint8_t)((k->aux_remote ? 0x40 : 0) | (k->aux_reporting ? 0x20 : 0) |
				      (k->aux_scale21 ? 0x10 : 0)));
		aux_send(k, k->aux_resolution);
		aux_send(k, k->aux_rate);
		break;
	case 0xe7: /* scaling 2:1 */
	case 0xe6: /* scaling 1:1 */
		k->aux_scale21 = cmd == 0xe7;
		aux_send(k, ACK);
		break;
	default: aux_send(k, RESEND);
	}
}

/* ---- the controller ---------------------------------------------------------------------- */

static void write_output_port(struct i8042 *k, uint8_t value)
{
	k->output_port = value;
	if (!(value & 0x01)) /* bit 0 drives the CPU reset line, active low */
		machine_request_reset("i8042 output port");
}

/* The output port as command 0xd0 reads it: reset and A20 lines, which buffer holds data
 * (bits 4 and 5), and the clock and data lines of both ports (idle high). */
static uint8_t read_output_port(const struct i8042 *k)
{
	return (uint8_t)(0xcc | (k->output_port & 0x03) | (k->obf && !k->obuf_aux ? 0x10 : 0) |
			 (k->obf && k->obuf_aux ? 0x20 : 0));
}

static void controller_data(struct i8042 *k, uint8_t value)
{
	uint8_t cmd = k->pending_cmd;
	k->pending_cmd = 0;
	if (cmd >= 0x60 && cmd <= 0x7f) { /* write controller RAM; byte 0 is the command byte */
		k->ram[cmd - 0x60] = value;
		if (cmd == 0x60)
			k->status = (uint8_t)((k->status & ~STATUS_SYS) | (value & CB_SYS));
		return;
	}
	switch (cmd) {
	case 0xd1: write_output_port(k, value); break;
	case 0xd2: controller_reply(k, value, false); break; /* as if from the keyboard */
	case 0xd3: controller_reply(k, value, true); break;  /* as if from the mouse */
	case 0xd4:
		k->ram[0] &= (uint8_t)~CB_AUX_DISABLE;
		mouse_command(k, value);
		break;
	default: /* no command pending: the byte is for the keyboard, which it enables */
		k->ram[0] &= (uint8_t)~CB_KBD_DISABLE;
		keyboard_command(k, value);
	}
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	if (cmd >= 0x20 && cmd <= 0x3f) { /* read controller RAM */
		controller_reply(k, k->ram[cmd - 0x20], false);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		k->pending_cmd = cmd; /* the data byte follows on port 0x60 */
		return;
	}
	switch (cmd) {
	case 0xa4: controller_reply(k, 0xf1, false); break; /* no password installed */
	case 0xa7: k->ram[0] |= CB_AUX_DISABLE; break;
	case 0xa8: k->ram[0] &= (uint8_t)~CB_AUX_DISABLE; break;
	case 0xa9: controller_reply(k, 0x00, false); break; /* mouse interface test: passed */
	case 0xaa:					    /* controller self-test */
		k->status |= STATUS_SYS;
		controller_reply(k, 0x55, false);
		break;
	case 0xab: controller_reply(k, 0x00, false); break; /* keyboard interface test */
	case 0xad: k->ram[0] |= CB_KBD_DISABLE; break;
	case 0xae: k->ram[0] &= (uint8_t)~CB_KBD_DISABLE; break;
	case 0xc0: controller_reply(k, 0xa0, false); break; /* input port: not inhibited */
	case 0xd0: controller_reply(k, read_output_port(k), false); break;
	case 0xdd: k->output_port &= (uint8_t)~0x02; break; /* A20 off (KVM keeps it on) */
	case 0xdf: k->output_port |= 0x02; break;
	case 0xe0: controller_reply(k, 0x00, false); break; /* test inputs: clocks low */
	default:
		if (cmd >= 0xf0 && !(cmd & 0x01)) /* pulse output lines; bit 0 low = reset */
			machine_request_reset("i8042 command 0xfe");
		break; /* other commands do nothing here */
	}
}

static uint64_t i8042_io_read(void *dev, uint64_t offset, unsigned size)
{
	struct i8042 *k = dev;
	(void)size;
	if (offset == I8042_STATUS)
		return (uint8_t)(k->status | STATUS_UNLOCK | (k->obf ? STATUS_OBF : 0) |
				 (k->obf && k->obuf_aux ? STATUS_AUXB : 0));
	if (offset == I8042_DATA)
		return read_data(k);
	return 0xff; /* 0x61-0x63: other devices' ports */
}

static void i8042_io_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct i8042 *k = dev;
	(void)size;
	if (offset == I8042_STATUS) {
		k->status |= STATUS_CMD;
		controller_command(k, (uint8_t)value);
	} else if (offset == I8042_DATA) {
		k->status &= (uint8_t)~STATUS_CMD;
		controller_data(k, (uint8_t)value);
	}
	fill_buffer(k);
}

const struct io_ops i8042_ops = {.read = i8042_io_read, .write = i8042_io_write, .byte_wide = true};

void i8042_init(struct i8042 *k, unsigned irq_kbd, unsigned irq_aux, unsigned stream)
{
	memset(k, 0, sizeof(*k));
	k->stream = (uint8_t)stream;
	irq_init(&k->irq_kbd, irq_kbd);
	irq_init(&k->irq_aux, irq_aux);
	k->ram[0] = CB_KBD_INT | CB_AUX_INT;
	k->output_port = 0x03; /* reset line inactive, A20 on */
	k->kbd_scanning = true;
	kbd_defaults(k);
	aux_defaults(k);
}
