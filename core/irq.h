/* An interrupt line from a device to the in-kernel PIC and IOAPIC. The ISA lines are
 * edge-triggered there: the chip acts on a rising edge, so a device that wants a second
 * interrupt while its line is still high must lower and raise it again. These helpers keep
 * that rule in one place and count the edges, which the unit tests check. */
#ifndef CORE_IRQ_H
#define CORE_IRQ_H

#include "../vmm.h"

struct irq_line {
	uint8_t gsi;
	uint8_t level;
	uint32_t edges; /* rising edges so far */
};

void irq_init(struct irq_line *line, unsigned gsi);
/* Drive the line; the chip is told only when the level changes. */
void irq_set(struct irq_line *line, int level);
static inline void irq_raise(struct irq_line *line)
{
	irq_set(line, 1);
}
static inline void irq_lower(struct irq_line *line)
{
	irq_set(line, 0);
}
/* A fresh rising edge: lower the line if it is high, then raise it. */
void irq_reassert(struct irq_line *line);

#endif
