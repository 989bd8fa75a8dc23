/* Interrupt lines: level tracking and edge counting in front of machine_set_irq(). */
#include "irq.h"

void irq_init(struct irq_line *line, unsigned gsi)
{
	*line = (struct irq_line){.gsi = (uint8_t)gsi};
}

void irq_set(struct irq_line *line, int level)
{
	uint8_t l = level != 0;
	if (l == line->level)
		return;
	line->level = l;
	if (l)
		line->edges++;
	machine_set_irq(line->gsi, l);
}

void irq_reassert(struct irq_line *line)
{
	irq_set(line, 0);
	irq_set(line, 1);
}
