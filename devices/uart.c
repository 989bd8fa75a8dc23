/* National Semiconductor 16550A UART (PC16550D datasheet). Transmission is instant: every
 * byte written to THR goes straight to the console, so the line status always shows the
 * transmitter empty. Loopback (MCR bit 4) feeds output back to the receiver. */
#include "../vmm.h"

#include <string.h>

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RX	     0x01
#define IER_THRE     0x02
#define IIR_NONE     0x01
#define IIR_THRE     0x02
#define IIR_RX	     0x04
#define IIR_FIFO     0xc0
#define LCR_DLAB     0x80
#define MCR_OUT2     0x08 /* gates the interrupt line on PC serial cards */
#define MCR_LOOP     0x10
#define LSR_DR	     0x01
#define LSR_OE	     0x02
#define LSR_THRE     0x20
#define LSR_TEMT     0x40
#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

static uint8_t interrupt_id(const struct uart *u)
{
	if ((u->ier & IER_RX) && u->rx_len)
		return IIR_RX;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	return IIR_NONE;
}

static void update_irq(struct uart *u)
{
	int level = interrupt_id(u) != IIR_NONE && (u->mcr & MCR_OUT2);
	if (level != u->irq_level) {
		u->irq_level = level;
		vm_irq_line(u->irq, level);
	}
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	for (; n < len; n++) {
		if (u->rx_len == UART_RX_QUEUE)
			break; /* the caller keeps the rest: nothing is lost */
		u->rx[(u->rx_head + u->rx_len++) % UART_RX_QUEUE] = buf[n];
	}
	update_irq(u);
	return n;
}

static void transmit(struct uart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP) {
		if (uart_receive(u, &byte, 1) == 0)
			u->overrun = true; /* looped back into a full FIFO: the byte is lost */
	} else
		console_write(&byte, 1);
	u->thre_pending = true; /* sent at once: the holding register is empty again */
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
	switch (reg) {
	case RBR_THR: {
		if (u->lcr & LCR_DLAB)
			return (uint8_t)u->divisor;
		if (!u->rx_len)
			return 0;
		uint8_t b = u->rx[u->rx_head];
		u->rx_head = (u->rx_head + 1) % UART_RX_QUEUE;
		u->rx_len--;
		return b;
	}
	case IER: return (u->lcr & LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
	case IIR_FCR: {
		uint8_t id = interrupt_id(u);
		if (id == IIR_THRE) /* reading IIR acknowledges a THRE interrupt */
			u->thre_pending = false;
		return (uint8_t)(id | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0));
	}
	case LCR: return u->lcr;
	case MCR: return u->mcr;
	case LSR: {
		uint8_t v =
		    LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
		u->overrun = false; /* error bits clear on read */
		return v;
	}
	case MSR:
		if (u->mcr & MCR_LOOP) /* loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD */
			return (uint8_t)(((u->mcr & 0x01) << 5) | ((u->mcr & 0x02) << 3) |
					 ((u->mcr & 0x04) << 4) | ((u->mcr & 0x08) << 4));
		return 0xb0; /* carrier, data set ready and clear to send: a cable is attached */
	default: return u->scr;
	}
}

static void write_reg(struct uart *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
		else
			transmit(u, v);
		break;
	case IER:
		if (u->lcr & LCR_DLAB) {
			u->divisor = (uint16_t)((u->divisor & 0x00ff) | v << 8);
		} else {
			/* Enabling the THRE interrupt with THR empty raises it at once. */
			if (!(u->ier & IER_THRE) && (v & IER_THRE))
				u->thre_pending = true;
			u->ier = v & 0x0f;
		}
		break;
	case IIR_FCR:
		u->fcr = v & 0xc9;
		if (v & FCR_CLEAR_RX)
			u->rx_len = 0;
		break;
	case LCR: u->lcr = v; break;
	case MCR: u->mcr = v & 0x1f; break;
	case SCR: u->scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
}

static uint32_t uart_io_read(void *dev, uint16_t port, unsigned size)
{
	struct uart *u = dev;
	(void)size;
	uint8_t v = read_reg(u, port - u->base);
	update_irq(u);
	return v;
}

static void uart_io_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct uart *u = dev;
	(void)size;
	write_reg(u, port - u->base, (uint8_t)value);
	update_irq(u);
}

void uart_init(struct uart *u, uint16_t base, unsigned irq)
{
	memset(u, 0, sizeof(*u));
	u->base = base;
	u->irq = irq;
	u->divisor = 12; /* 9600 baud */
	u->lcr = 0x03;	 /* 8N1 */
}

int uart_register(struct uart *u, struct io_bus *bus)
{
	struct io_region r = {.base = u->base,
			      .len = 8,
			      .name = "uart",
			      .dev = u,
			      .byte_wide = true,
			      .read = uart_io_read,
			      .write = uart_io_write};
	return io_bus_register(bus, &r);
}
