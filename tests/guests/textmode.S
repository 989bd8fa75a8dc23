/* Writes straight into the VGA text buffer (0xb8000) with no VGA BIOS: a line at row 10,
 * column 20, white on blue, and a box-drawing corner (CP437 0xc9); then asks for a reset. */
#include "guest.h"
start:
	cli
	mov $0xb800, %ax
	mov %ax, %es
	mov $(10 * 160 + 20 * 2), %di
	mov $line, %si
	mov $0x1f, %ah		/* white on blue */
1:	lodsb %cs:(%si), %al
	test %al, %al
	jz 2f
	stosw
	jmp 1b
2:	mov $(12 * 160), %di
	mov $0x07c9, %ax	/* the double-line top-left corner */
	stosw
	mov $0x07cd, %ax	/* and a double horizontal line */
	stosw
	PRINT msg, 0x402
	RESET
3:	hlt
	jmp 3b
line: .asciz "HELLO FROM THE TEXT BUFFER"
msg: .asciz "text written\n"
	RESET_VECTOR
