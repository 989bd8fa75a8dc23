/* A hostile guest: string I/O of up to 64 K elements on every device, writes to the ROM, accesses to
 * unmapped addresses and across the 4 GiB and end-of-RAM boundaries. vmm must survive all of
 * it; the guest then prints "survived" and asks for a reset (exit 0). It avoids the ports that
 * reset the machine (0x64, 0x92, 0xcf9) until the end. */
#include "guest.h"

/* rep outs/ins of \count elements of \width (b, w or l) at \port, data at 0x10000 */
.macro STRING_OUT width, port, count
	mov $\port, %dx
	xor %si, %si
	mov $\count, %cx
	rep outs\width %ds:(%si), %dx
.endm
.macro STRING_IN width, port, count
	mov $\port, %dx
	xor %di, %di
	mov $\count, %cx
	rep ins\width %dx, %es:(%di)
.endm

start:
	cli
	mov $0x1000, %ax /* data and destination segment: 0x10000 */
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0xfff0, %sp
	PRINT msg_start, 0x402
	STRING_OUT b, 0x70, 0xffff
	STRING_OUT b, 0x71, 0x3000
	STRING_OUT b, 0x510, 0x3000
	STRING_OUT w, 0x510, 0x1800
	STRING_OUT b, 0x511, 0x3000
	STRING_OUT l, 0xcf8, 0xc00
	STRING_OUT l, 0xcfc, 0xc00
	STRING_OUT b, 0xcfd, 0x3000
	STRING_OUT b, 0x3f9, 0x3000
	STRING_OUT b, 0x3fb, 0x3000
	STRING_OUT b, 0x3fc, 0x3000
	STRING_OUT b, 0x80, 0x3000
	STRING_OUT b, 0x60, 0x3000
	STRING_OUT b, 0x3c0, 0x3000	/* nonsense into every VGA register */
	STRING_OUT w, 0x3c4, 0x1800
	STRING_OUT w, 0x3ce, 0x1800
	STRING_OUT w, 0x3d4, 0x1800
	STRING_OUT b, 0x3c9, 0x3000
	STRING_OUT b, 0x3c2, 0x100
	STRING_OUT w, 0x1234, 0x1800
	STRING_OUT b, 0xffff, 0x3000
	STRING_OUT l, 0xfffe, 0xc00
	STRING_IN b, 0x511, 0xffff
	STRING_IN l, 0x511, 0xc00
	STRING_IN b, 0x71, 0x3000
	STRING_IN b, 0x60, 0x3000
	STRING_IN b, 0x64, 0x3000
	STRING_IN b, 0x3da, 0x3000
	STRING_IN b, 0x3c1, 0x3000
	STRING_IN b, 0x3c9, 0x3000
	STRING_IN b, 0x3f8, 0x3000
	STRING_IN w, 0xcfc, 0x1800
	STRING_IN l, 0xcfe, 0xc00
	STRING_IN b, 0x402, 0x3000
	STRING_IN l, 0x1234, 0xc00
	STRING_IN b, 0xffff, 0x3000
	PRINT msg_io_done, 0x402
	ENTER_PROTECTED_MODE pm32

	.code32
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x90000, %esp
	/* The ROM: writes must not stick. */
	mov IMAGE_BASE + start, %ebx
	movl $0xdeadbeef, IMAGE_BASE + start
	movb $0x55, 0xffffffff
	cmp IMAGE_BASE + start, %ebx
	jne rom_changed
	/* Nothing there: the PCI hole, the HPET address, past the end of RAM. */
	mov 0xe0000000, %eax
	movl $0x12345678, 0xe0000000
	mov 0xfed00000, %eax
	movl $0, 0xfed00000
	mov 0x40000000, %eax
	movl $1, 0x40000000
	/* Across the end of 128 MiB of RAM and across 4 GiB. */
	mov 0x07fffffe, %eax
	movl $0x11223344, 0x07fffffe
	mov 0xfffffffe, %eax
	/* A string copy from the ROM into the hole: one exit per element. */
	mov $(IMAGE_BASE), %esi
	mov $0xe0000000, %edi
	mov $4096, %ecx
	rep movsb
	PRINT32 msg_survived, 0x402
	RESET
1:	hlt
	jmp 1b
rom_changed:
	PRINT32 msg_rom_changed, 0x402
	RESET
2:	hlt
	jmp 2b

	GDT
msg_start: .asciz "hostile guest: string I/O\n"
msg_io_done: .asciz "hostile guest: memory\n"
msg_survived: .asciz "survived\n"
msg_rom_changed: .asciz "ROM CHANGED\n"
	.code16
	RESET_VECTOR
