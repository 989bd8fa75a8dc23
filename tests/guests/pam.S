/* Programs the i440FX's PAM1 register (0x5a: 0xc0000-0xc7fff) as SeaBIOS does and checks
 * what the block does: RAM read-write (0x33), read-only (0x11: writes are lost), and the ROM
 * side (0x00: nothing behind a 64 KiB image, reads 0xff); a device's DMA (fw_cfg's) sees the
 * block as the CPU does. Prints "pam: rw ok, dma rw ok, ro ok, dma ro ok, rom ok". */
#include "guest.h"
.macro SET_PAM1 value
	mov $0xcf8, %dx
	mov $0x80000058, %eax	/* the dword holding 0x58-0x5b */
	out %eax, %dx
	mov $0xcfe, %dx		/* 0x5a */
	mov $\value, %al
	out %al, %dx
.endm
/* fw_cfg DMA of item 0, the signature "QEMU", to 0xc0000. The descriptor at DATA and the
 * address written to ports 0x514/0x518 are big-endian. */
.macro DMA_SIGNATURE
	xor %ax, %ax
	mov %ax, %ds
	movl $0x0a000000, DATA		/* control: item 0, select and read */
	movl $0x04000000, DATA + 4	/* length 4 */
	movl $0, DATA + 8		/* address 0x00000000_000c0000 */
	movl $0x00000c00, DATA + 12
	mov $0x514, %dx
	xor %eax, %eax
	out %eax, %dx
	mov $0x518, %dx
	mov $0x00050000, %eax		/* DATA, 0x500, big-endian: the write starts it */
	out %eax, %dx
.endm
start:
	cli
	REAL_MODE_SETUP
	mov $0xc000, %ax
	mov %ax, %es
	PRINT msg, 0x402
	SET_PAM1 0x33
	movw $0x1234, %es:0
	cmpw $0x1234, %es:0
	jne 1f
	PRINT msg_rw, 0x402
1:	DMA_SIGNATURE
	cmpw $0x4551, %es:0	/* "QE" */
	jne 5f
	PRINT msg_dma_rw, 0x402
5:	movw $0x1234, %es:0
	SET_PAM1 0x11
	movw $0x5678, %es:0
	cmpw $0x1234, %es:0
	jne 2f
	PRINT msg_ro, 0x402
2:	DMA_SIGNATURE
	cmpw $0x1234, %es:0
	jne 6f
	PRINT msg_dma_ro, 0x402
6:	SET_PAM1 0x00
	cmpw $0xffff, %es:0
	jne 3f
	PRINT msg_rom, 0x402
3:	PUTC '\n', 0x402
	RESET
4:	hlt
	jmp 4b
msg: .asciz "pam:"
msg_rw: .asciz " rw ok"
msg_dma_rw: .asciz ", dma rw ok"
msg_ro: .asciz ", ro ok"
msg_dma_ro: .asciz ", dma ro ok"
msg_rom: .asciz ", rom ok"
	RESET_VECTOR
