/* National Semiconductor 16550A UART (PC16550D datasheet): COM1 at 0x3f8, IRQ 4 on the PC.
 * A byte written to THR leaves at once (to the guest stream); received bytes come from the
 * console through uart_receive(). */
#ifndef DEVICES_UART_H
#define DEVICES_UART_H

#include "../core/bus.h"
#include "../core/irq.h"
#include "../core/timer.h"

#define UART_FIFO 16 /* the 16550A's receive FIFO; one byte (RBR) when FIFOs are off */

struct uart {
	uint8_t stream; /* enum stream_id: where transmitted bytes go, where input comes from */
	uint8_t ier, lcr, mcr, scr, fcr;
	uint16_t divisor;
	uint8_t lsr_errors;   /* overrun, until LSR is read */
	uint8_t msr;	      /* modem lines (high nibble) and their change bits (low nibble) */
	bool thre_pending;    /* "transmitter empty" interrupt not yet acknowledged */
	bool timeout_pending; /* character timeout: data waits below the trigger level */
	uint8_t rx[UART_FIFO];
	uint8_t rx_head, rx_len;
	struct timer thre_timer;    /* the THRE interrupt after a transmitted byte */
	struct timer timeout_timer; /* four character times without receiver activity */
	struct irq_line irq;
};

extern const struct io_ops uart_ops;
void uart_init(struct uart *u, unsigned irq, unsigned stream);
/* Timer callbacks (registered by the board). */
void uart_thre_expired(void *dev, uint64_t now);
void uart_timeout_expired(void *dev, uint64_t now);
/* Bytes from outside (typed, piped); returns how many the receiver took. The caller keeps
 * the rest and offers it again when the device asks (stream_input_wanted). */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);

#endif
