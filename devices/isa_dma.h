/* The PC's 8237A DMA controllers as the floppy controller needs them: the first (8-bit)
 * controller's four channels at 0x00-0x0f with their page registers (0x81-0x83, 0x87); the
 * second controller (0xc0-0xdf) takes SeaBIOS's set-up writes and moves nothing. */
#ifndef DEVICES_ISA_DMA_H
#define DEVICES_ISA_DMA_H

#include "../core/bus.h"

struct isa_dma {
	uint16_t base_address[4], base_count[4]; /* as programmed */
	uint16_t address[4], count[4];		 /* as the transfer goes: count is bytes - 1 */
	uint8_t mode[4], page[4];
	uint8_t mask;	  /* bit per channel: 1 masked */
	uint8_t status;	  /* terminal count reached, bit per channel */
	uint8_t flipflop; /* which byte of a 16-bit register comes next */
};

extern const struct io_ops isa_dma_ops;	     /* 0x00-0x0f */
extern const struct io_ops isa_dma_page_ops; /* 0x81-0x8f */
extern const struct io_ops isa_dma_high_ops; /* 0xc0-0xdf: the second controller */

void isa_dma_init(struct isa_dma *d);
/* Move up to len bytes between buf and guest memory on channel ch (0-3), as the channel is
 * programmed (mode bits 3-2: 01 the device writes memory, 10 it reads memory). Returns the
 * bytes moved: 0 when the channel is masked, in the wrong direction or at terminal count. */
uint32_t isa_dma_transfer(struct isa_dma *d, unsigned ch, uint8_t *buf, uint32_t len,
			  bool to_memory);
/* The channel reached its terminal count since it was last programmed (EOP to the device). */
bool isa_dma_done(const struct isa_dma *d, unsigned ch);

#endif
