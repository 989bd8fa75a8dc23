/* Writes a line to the debug port and another to COM1 a byte of each in turn, then asks for
 * a reset. Each stream must still come out as whole lines. */
#include "guest.h"
start:
	cli
	mov $line_debug, %si
	mov $line_com1, %di
1:	lodsb %cs:(%si), %al
	test %al, %al
	jz 2f
	mov $0x402, %dx
	out %al, %dx
	mov %cs:(%di), %al
	inc %di
	test %al, %al
	jz 1b
	mov $0x3f8, %dx
	out %al, %dx
	jmp 1b
2:	mov %cs:(%di), %al	/* the rest of the COM1 line */
	inc %di
	test %al, %al
	jz 3f
	mov $0x3f8, %dx
	out %al, %dx
	jmp 2b
3:	RESET
4:	hlt
	jmp 4b
line_debug: .asciz "RAW-BIOS debug port line\n"
line_com1: .asciz "serial console line on COM1\n"
	RESET_VECTOR
