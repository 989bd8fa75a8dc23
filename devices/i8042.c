/* Intel 8042 keyboard controller (0x60 data, 0x64 status/command) with a PS/2 keyboard and
 * mouse that answer their commands. Command 0xfe and output-port bit 0 reset the machine.
 * References: IBM PS/2 Technical Reference (keyboard controller), SeaBIOS hw/ps2port.c. */
#include "../vmm.h"

#include <string.h>

#define STATUS_OBF     0x01 /* output buffer full */
#define STATUS_SYS     0x04 /* system flag, set by a passed self-test */
#define STATUS_CMD     0x08 /* last write went to 0x64 */
#define STATUS_UNLOCK  0x10 /* keyboard not inhibited */
#define STATUS_AUX_OBF 0x20 /* the byte waiting came from the mouse */

#define CB_KBD_INT     0x01
#define CB_AUX_INT     0x02
#define CB_KBD_DISABLE 0x10
#define CB_AUX_DISABLE 0x20

#define ACK    0xfa
#define RESEND 0xfe

static void update_irqs(struct i8042 *k)
{
	bool full = k->qlen > 0;
	bool aux = full && k->queue_from_aux[k->qhead];
	int kbd_level = full && !aux && (k->command_byte & CB_KBD_INT);
	int aux_level = full && aux && (k->command_byte & CB_AUX_INT);
	if (kbd_level != k->irq1_level)
		vm_irq_line(1, k->irq1_level = kbd_level);
	if (aux_level != k->irq12_level)
		vm_irq_line(12, k->irq12_level = aux_level);
}

static void push(struct i8042 *k, uint8_t byte, bool from_aux)
{
	if (k->qlen >= I8042_QUEUE)
		return; /* the real controller would lose it too */
	unsigned slot = (k->qhead + k->qlen) % I8042_QUEUE;
	k->queue[slot] = byte;
	k->queue_from_aux[slot] = from_aux;
	k->qlen++;
}

static uint8_t pop(struct i8042 *k)
{
	if (k->qlen == 0)
		return k->last_read; /* reading an empty buffer repeats the last byte */
	k->last_read = k->queue[k->qhead];
	k->qhead = (k->qhead + 1) % I8042_QUEUE;
	k->qlen--;
	return k->last_read;
}

static void keyboard_command(struct i8042 *k, uint8_t cmd)
{
	if (k->pending_kbd) { /* parameter of 0xed (LEDs), 0xf3 (typematic), 0xf0 (scan set) */
		k->pending_kbd = 0;
		push(k, ACK, false);
		return;
	}
	switch (cmd) {
	case 0xff: /* reset and self-test (BAT) */
		push(k, ACK, false);
		push(k, 0xaa, false);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		push(k, ACK, false);
		push(k, 0xab, false);
		push(k, 0x83, false);
		break;
	case 0xee: /* echo */ push(k, 0xee, false); break;
	case 0xed:
	case 0xf3:
	case 0xf0:
		k->pending_kbd = cmd;
		push(k, ACK, false);
		break;
	case 0xf4: /* enable scanning */
	case 0xf5: /* disable scanning, restore defaults */
	case 0xf6: /* restore defaults */ push(k, ACK, false); break;
	default: push(k, RESEND, false);
	}
}

static void mouse_command(struct i8042 *k, uint8_t cmd)
{
	if (k->pending_aux) { /* parameter of 0xe8 (resolution) or 0xf3 (sample rate) */
		k->pending_aux = 0;
		push(k, ACK, true);
		return;
	}
	push(k, ACK, true);
	switch (cmd) {
	case 0xff: /* reset: BAT passed, device ID 0 */
		push(k, 0xaa, true);
		push(k, 0x00, true);
		break;
	case 0xf2: /* get device ID */ push(k, 0x00, true); break;
	case 0xe9: /* status request: stream mode, 4 counts/mm, 100 samples/s */
		push(k, 0x00, true);
		push(k, 0x02, true);
		push(k, 0x64, true);
		break;
	case 0xe8:
	case 0xf3: k->pending_aux = cmd; break;
	}
}

static void write_output_port(struct i8042 *k, uint8_t value)
{
	k->output_port = value;
	if (!(value & 0x01)) /* bit 0 drives the CPU reset line, active low */
		vm_request_reset("i8042 output port");
}

static void controller_data(struct i8042 *k, uint8_t value)
{
	uint8_t cmd = k->pending_cmd;
	k->pending_cmd = 0;
	switch (cmd) {
	case 0x60: k->command_byte = value; break;
	case 0xd1: write_output_port(k, value); break;
	case 0xd2: /* pretend the keyboard sent this byte */ push(k, value, false); break;
	case 0xd3: /* pretend the mouse sent this byte */ push(k, value, true); break;
	case 0xd4: mouse_command(k, value); break;
	default: keyboard_command(k, value);
	}
}

static void controller_command(struct i8042 *k, uint8_t cmd)
{
	switch (cmd) {
	case 0x20: push(k, k->command_byte, false); break;
	case 0x60:
	case 0xd1:
	case 0xd2:
	case 0xd3:
	case 0xd4: k->pending_cmd = cmd; break;
	case 0xa7: k->command_byte |= CB_AUX_DISABLE; break;
	case 0xa8: k->command_byte &= (uint8_t)~CB_AUX_DISABLE; break;
	case 0xa9: push(k, 0x00, false); break; /* mouse interface test: passed */
	case 0xaa:				/* controller self-test */
		k->status |= STATUS_SYS;
		push(k, 0x55, false);
		break;
	case 0xab: push(k, 0x00, false); break; /* keyboard interface test: passed */
	case 0xad: k->command_byte |= CB_KBD_DISABLE; break;
	case 0xae: k->command_byte &= (uint8_t)~CB_KBD_DISABLE; break;
	case 0xc0: push(k, 0x80, false); break; /* input port: keyboard not inhibited */
	case 0xd0: push(k, k->output_port, false); break;
	case 0xdd: k->output_port &= (uint8_t)~0x02; break; /* A20 off (KVM keeps it on) */
	case 0xdf: k->output_port |= 0x02; break;
	default:
		if (cmd >= 0xf0 && !(cmd & 0x01)) /* pulse output lines; bit 0 low = reset */
			vm_request_reset("i8042 command 0xfe");
		break;
	}
}

static uint32_t i8042_io_read(void *dev, uint16_t port, unsigned size)
{
	struct i8042 *k = dev;
	(void)size;
	if (port == 0x64) {
		uint8_t s = k->status & (uint8_t) ~(STATUS_OBF | STATUS_AUX_OBF);
		if (k->qlen)
			s |= STATUS_OBF | (k->queue_from_aux[k->qhead] ? STATUS_AUX_OBF : 0);
		return s;
	}
	uint8_t v = pop(k);
	update_irqs(k);
	return v;
}

static void i8042_io_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct i8042 *k = dev;
	(void)size;
	if (port == 0x64) {
		k->status |= STATUS_CMD;
		controller_command(k, (uint8_t)value);
	} else {
		k->status &= (uint8_t)~STATUS_CMD;
		controller_data(k, (uint8_t)value);
	}
	update_irqs(k);
}

void i8042_init(struct i8042 *k)
{
	memset(k, 0, sizeof(*k));
	k->status = STATUS_UNLOCK;
	k->command_byte = CB_KBD_INT | CB_AUX_INT;
	k->output_port = 0x03; /* reset line inactive, A20 on */
}

int i8042_register(struct i8042 *k, struct io_bus *bus)
{
	struct io_region data = {.base = 0x60,
				 .len = 1,
				 .name = "i8042-data",
				 .dev = k,
				 .byte_wide = true,
				 .read = i8042_io_read,
				 .write = i8042_io_write};
	struct io_region cmd = data;
	cmd.base = 0x64;
	cmd.name = "i8042-command";
	if (io_bus_register(bus, &data) < 0)
		return -1;
	return io_bus_register(bus, &cmd);
}
