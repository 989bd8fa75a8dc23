/* Intel 8237A DMA controller (datasheet: registers 0x0-0xf, the byte pointer flip-flop) with
 * the PC's page registers: enough for single transfers on the 8-bit channels. */
#include "isa_dma.h"

#include <string.h>

#define MODE_TRANSFER  0x0c /* 01 write (to memory), 10 read (from memory) */
#define MODE_AUTOINIT  0x10
#define MODE_DECREMENT 0x20

/* Page register port (offset from 0x80) for each channel, as the PC/AT wired them. */
static const uint8_t page_port[4] = {0x07, 0x03, 0x01, 0x02};

static uint8_t dma_read(struct isa_dma *d, unsigned reg)
{
	if (reg < 8) { /* current address or count, a byte at a time */
		unsigned ch = reg / 2;
		uint16_t v = reg & 1 ? d->count[ch] : d->address[ch];
		uint8_t byte = d->flipflop ? (uint8_t)(v >> 8) : (uint8_t)v;
		d->flipflop ^= 1;
		return byte;
	}
	if (reg == 8) { /* status: reading it clears the terminal count bits */
		uint8_t s = d->status;
		d->status &= 0xf0;
		return s;
	}
	return 0xff;
}

static void dma_write(struct isa_dma *d, unsigned reg, uint8_t v)
{
	if (reg < 8) { /* base and current address or count */
		unsigned ch = reg / 2;
		uint16_t *base = reg & 1 ? &d->base_count[ch] : &d->base_address[ch];
		*base = d->flipflop ? (uint16_t)((*base & 0x00ff) | v << 8)
				    : (uint16_t)((*base & 0xff00) | v);
		d->flipflop ^= 1;
		d->address[ch] = d->base_address[ch];
		d->count[ch] = d->base_count[ch];
		d->status &= (uint8_t) ~(1u << ch); /* programmed again: a new transfer */
		return;
	}
	switch (reg) {
	case 0x0a: /* single mask bit */
		d->mask = (uint8_t)((d->mask & ~(1u << (v & 3))) | ((v >> 2 & 1u) << (v & 3)));
		break;
	case 0x0b: d->mode[v & 3] = v; break;
	case 0x0c: d->flipflop = 0; break;
	case 0x0d: /* master clear */
		d->flipflop = 0;
		d->status = 0;
		d->mask = 0x0f;
		break;
	case 0x0e: d->mask = 0; break;
	case 0x0f: d->mask = v & 0x0f; break;
	default: break; /* command and request registers: nothing to do here */
	}
}

static uint64_t isa_dma_read(void *dev, uint64_t offset, unsigned size)
{
	(void)size;
	return dma_read(dev, (unsigned)offset);
}

static void isa_dma_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	(void)size;
	dma_write(dev, (unsigned)offset, (uint8_t)value);
}

static uint64_t page_read(void *dev, uint64_t offset, unsigned size)
{
	struct isa_dma *d = dev;
	(void)size;
	for (unsigned ch = 0; ch < 4; ch++)
		if (page_port[ch] == offset + 1)
			return d->page[ch];
	return 0xff;
}

static void page_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct isa_dma *d = dev;
	(void)size;
	for (unsigned ch = 0; ch < 4; ch++)
		if (page_port[ch] == offset + 1)
			d->page[ch] = (uint8_t)value;
}

const struct io_ops isa_dma_ops = {.read = isa_dma_read, .write = isa_dma_write, .byte_wide = true};
const struct io_ops isa_dma_page_ops = {.read = page_read, .write = page_write, .byte_wide = true};
const struct io_ops isa_dma_high_ops = {.byte_wide = true}; /* writes dropped, reads 0xff */

void isa_dma_init(struct isa_dma *d)
{
	memset(d, 0, sizeof(*d));
	d->mask = 0x0f;
}

bool isa_dma_done(const struct isa_dma *d, unsigned ch)
{
	return d->status >> (ch & 3) & 1;
}

uint32_t isa_dma_transfer(struct isa_dma *d, unsigned ch, uint8_t *buf, uint32_t len,
			  bool to_memory)
{
	ch &= 3;
	unsigned want = to_memory ? 0x04 : 0x08;
	if ((d->mask >> ch & 1) || (d->mode[ch] & MODE_TRANSFER) != want)
		return 0;
	uint32_t moved = 0;
	while (moved < len) {
		/* one run up to the end of the count or the 64 KiB page (the address wraps there)
		 */
		uint32_t left = (uint32_t)d->count[ch] + 1;
		bool down = d->mode[ch] & MODE_DECREMENT;
		uint32_t room = down ? (uint32_t)d->address[ch] + 1 : 0x10000u - d->address[ch];
		uint32_t n = len - moved;
		n = n < left ? n : left;
		n = n < room ? n : room;
		if (down)
			n = 1; /* backwards: a byte at a time */
		uint64_t gpa = (uint64_t)d->page[ch] << 16 | d->address[ch];
		bool ok = to_memory ? machine_write_ram(gpa, buf + moved, n)
				    : machine_read_ram(gpa, buf + moved, n);
		if (!ok)
			memset(buf + moved, 0xff,
			       to_memory ? 0 : n); /* no RAM there: the bus floats */
		moved += n;
		d->address[ch] = (uint16_t)(down ? d->address[ch] - n : d->address[ch] + n);
		if (n == left) { /* terminal count: the device sees it (EOP) in either mode */
			d->status |= (uint8_t)(1u << ch);
			if (d->mode[ch] & MODE_AUTOINIT) {
				d->address[ch] = d->base_address[ch];
				d->count[ch] = d->base_count[ch];
				break;
			} else { /* the channel masks itself until programmed again */
				d->count[ch] = 0xffff;
				d->mask |= (uint8_t)(1u << ch);
				break;
			}
		} else {
			d->count[ch] = (uint16_t)(d->count[ch] - n);
		}
	}
	return moved;
}
