/* 16550A UART. Interrupt sources in priority order (datasheet table 4): line status, received
 * data or character timeout, transmitter empty, modem status. On the PC the interrupt line is
 * driven only with MCR OUT2 set, and loopback forces OUT2 inactive. */
#include "uart.h"

#include <string.h>

enum { RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define IER_RDA		  0x01
#define IER_THRE	  0x02
#define IER_RLS		  0x04
#define IER_MSI		  0x08
#define IIR_NONE	  0x01
#define IIR_MSI		  0x00
#define IIR_THRE	  0x02
#define IIR_RDA		  0x04
#define IIR_RLS		  0x06
#define IIR_TIMEOUT	  0x0c
#define IIR_FIFO	  0xc0
#define FCR_ENABLE	  0x01
#define FCR_CLEAR_RX	  0x02
#define FCR_CLEAR_TX	  0x04
#define LCR_DLAB	  0x80
#define MCR_OUT2	  0x08
#define MCR_LOOP	  0x10
#define LSR_DR		  0x01
#define LSR_OE		  0x02
#define LSR_THRE	  0x20
#define LSR_TEMT	  0x40
#define THRE_DELAY_MAX_NS 100000
#define MSR_CTS		  0x10
#define MSR_DSR		  0x20
#define MSR_RI		  0x40
#define MSR_DCD		  0x80

static bool fifo_on(const struct uart *u)
{
	return u->fcr & FCR_ENABLE;
}

static unsigned rx_capacity(const struct uart *u)
{
	return fifo_on(u) ? UART_FIFO : 1;
}

static unsigned trigger_level(const struct uart *u)
{
	static const uint8_t levels[4] = {1, 4, 8, 14};
	return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* One character on the line at the programmed rate: start, data, parity and stop bits. */
static uint64_t char_ns(const struct uart *u)
{
	unsigned bits =
	    1 + 5 + (u->lcr & 3) + ((u->lcr & 0x08) ? 1 : 0) + ((u->lcr & 0x04) ? 2 : 1);
	unsigned divisor = u->divisor ? u->divisor : 1;
	return (uint64_t)bits * divisor * 1000000000ull / 115200;
}

static uint8_t interrupt_id(const struct uart *u)
{
	if ((u->ier & IER_RLS) && u->lsr_errors)
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->timeout_pending)
		return IIR_TIMEOUT;
	if ((u->ier & IER_RDA) && u->rx_len >= trigger_level(u))
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_MSI) && (u->msr & 0x0f))
		return IIR_MSI;
	return IIR_NONE;
}

static void update_irq(struct uart *u)
{
	bool gated = (u->mcr & MCR_OUT2) && !(u->mcr & MCR_LOOP);
	irq_set(&u->irq, gated && interrupt_id(u) != IIR_NONE);
}

/* The modem inputs: a cable with the other side ready, or in loopback the MCR outputs. A
 * change sets its delta bit (for RI: the trailing edge). */
static void set_modem_lines(struct uart *u)
{
	uint8_t lines = MSR_DCD | MSR_DSR | MSR_CTS;
	if (u->mcr & MCR_LOOP)
		lines =
		    (uint8_t)(((u->mcr & 0x01) ? MSR_DSR : 0) | ((u->mcr & 0x02) ? MSR_CTS : 0) |
			      ((u->mcr & 0x04) ? MSR_RI : 0) | ((u->mcr & 0x08) ? MSR_DCD : 0));
	uint8_t old = u->msr, changed = (uint8_t)(old ^ lines);
	uint8_t deltas =
	    (uint8_t)(((changed & MSR_CTS) ? 0x01 : 0) | ((changed & MSR_DSR) ? 0x02 : 0) |
		      ((old & MSR_RI) && !(lines & MSR_RI) ? 0x04 : 0) |
		      ((changed & MSR_DCD) ? 0x08 : 0));
	u->msr = (uint8_t)(lines | ((old | deltas) & 0x0f));
}

static void clear_rx(struct uart *u)
{
	u->rx_len = 0;
	u->rx_head = 0;
	u->timeout_pending = false;
	timer_cancel(&u->timeout_timer);
}

/* Data arrived or was read: with data left in the FIFO, a timeout follows four character
 * times of silence. */
static void restart_timeout(struct uart *u)
{
	u->timeout_pending = false;
	if (fifo_on(u) && u->rx_len)
		timer_arm(&u->timeout_timer, clock_ns() + 4 * char_ns(u));
	else
		timer_cancel(&u->timeout_timer);
}

static size_t receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n = 0;
	while (n < len && u->rx_len < rx_capacity(u))
		u->rx[(u->rx_head + u->rx_len++) % UART_FIFO] = buf[n++];
	if (n)
		restart_timeout(u);
	return n;
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	if (u->mcr & MCR_LOOP)
		return 0; /* the receiver listens to the transmitter */
	size_t n = receive(u, buf, len);
	update_irq(u);
	return n;
}

void uart_timeout_expired(void *dev, uint64_t now)
{
	struct uart *u = dev;
	(void)now;
	if (fifo_on(u) && u->rx_len)
		u->timeout_pending = true;
	update_irq(u);
}

void uart_thre_expired(void *dev, uint64_t now)
{
	struct uart *u = dev;
	(void)now;
	u->thre_pending = true;
	update_irq(u);
}

static void transmit(struct uart *u, uint8_t byte)
{
	if (u->mcr & MCR_LOOP) {
		if (receive(u, &byte, 1) == 0) {
			u->lsr_errors |= LSR_OE; /* a full receiver: the byte is lost */
			if (!fifo_on(u))
				u->rx[u->rx_head] = byte; /* RBR is overwritten */
		}
	} else {
		stream_write(u->stream, &byte, 1);
	}
	/* The byte is gone at once (LSR shows THR empty), but the interrupt that says so
	 * comes a little later, as on the wire (a character time, at most 100 us): a driver
	 * that refills the FIFO from its interrupt handler then leaves it between bursts. */
	u->thre_pending = false;
	uint64_t delay = char_ns(u) < THRE_DELAY_MAX_NS ? char_ns(u) : THRE_DELAY_MAX_NS;
	timer_arm(&u->thre_timer, clock_ns() + delay);
}

static uint8_t read_rbr(struct uart *u)
{
	if (!u->rx_len)
		return u->rx[u->rx_head]; /* the last byte again */
	uint8_t b = u->rx[u->rx_head];
	u->rx_len--;
	if (u->rx_len)
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO);
	restart_timeout(u);
	if (!(u->mcr & MCR_LOOP))
		stream_input_wanted(u->stream);
	return b;
}

static uint8_t read_reg(struct uart *u, unsigned reg)
{
	switch (reg) {
	case RBR_THR: return (u->lcr & LCR_DLAB) ? (uint8_t)u->divisor : read_rbr(u);
	case IER: return (u->lcr & LCR_DLAB) ? (uint8_t)(u->divisor >> 8) : u->ier;
	case IIR_FCR: {
		uint8_t id = interrupt_id(u);
		if (id == IIR_THRE) /* reading IIR acknowledges a THRE interrupt */
			u->thre_pending = false;
		return (uint8_t)(id | (fifo_on(u) ? IIR_FIFO : 0));
	}
	case LCR: return u->lcr;
	case MCR: return u->mcr;
	case LSR: {
		uint8_t v =
		    (uint8_t)(LSR_THRE | LSR_TEMT | (u->rx_len ? LSR_DR : 0) | u->lsr_errors);
		u->lsr_errors = 0; /* error bits clear on read */
		return v;
	}
	case MSR: {
		uint8_t v = u->msr;
		u->msr &= 0xf0; /* the change bits clear on read */
		return v;
	}
	default: return u->scr;
	}
}

static void write_fcr(struct uart *u, uint8_t v)
{
	if ((v ^ u->fcr) & FCR_ENABLE)
		v |= FCR_CLEAR_RX | FCR_CLEAR_TX; /* turning FIFOs on or off empties them */
	if (v & FCR_CLEAR_RX)
		clear_rx(u);
	if (v & FCR_CLEAR_TX) { /* nothing waits to be sent: THR is empty */
		timer_cancel(&u->thre_timer);
		u->thre_pending = true;
	}
	u->fcr = v & 0xc9; /* enable, DMA mode, trigger level; the clear bits self-clear */
	if (!fifo_on(u))
		u->timeout_pending = false;
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
			break;
		}
		/* Enabling the THRE interrupt with THR empty raises it at once (SeaBIOS's
		 * port detection and Linux's THRE test rely on it); disabling drops it. */
		if (!(u->ier & IER_THRE) && (v & IER_THRE))
			u->thre_pending = true;
		else if (!(v & IER_THRE))
			u->thre_pending = false;
		u->ier = v & 0x0f;
		break;
	case IIR_FCR: write_fcr(u, v); break;
	case LCR: u->lcr = v; break;
	case MCR:
		u->mcr = v & 0x1f;
		set_modem_lines(u);
		break;
	case SCR: u->scr = v; break;
	default: break; /* LSR and MSR are read-only */
	}
}

static uint64_t uart_io_read(void *dev, uint64_t offset, unsigned size)
{
	struct uart *u = dev;
	(void)size;
	uint8_t v = read_reg(u, (unsigned)offset);
	update_irq(u);
	return v;
}

static void uart_io_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct uart *u = dev;
	(void)size;
	write_reg(u, (unsigned)offset, (uint8_t)value);
	update_irq(u);
	/* Emptying the FIFO, resizing it or leaving loopback makes room for input. */
	if ((offset == IIR_FCR || offset == MCR) && !(u->mcr & MCR_LOOP) &&
	    u->rx_len < rx_capacity(u))
		stream_input_wanted(u->stream);
}

const struct io_ops uart_ops = {.read = uart_io_read, .write = uart_io_write, .byte_wide = true};

void uart_init(struct uart *u, unsigned irq, unsigned stream)
{
	memset(u, 0, sizeof(*u));
	u->stream = (uint8_t)stream;
	irq_init(&u->irq, irq);
	u->divisor = 12; /* 9600 baud */
	u->lcr = 0x03;	 /* 8N1 */
	set_modem_lines(u);
	u->msr &= 0xf0; /* no changes at power-on */
}
