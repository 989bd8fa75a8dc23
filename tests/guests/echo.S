/* Reads a line from COM1 (polling the line status register) and echoes it on the debug port
 * as "got: LINE", then asks for a reset: shows that standard input reaches the guest. */
#include "guest.h"
start:
	cli
	PRINT msg, 0x402
	mov $0x402, %dx
	mov $'g', %al
	out %al, %dx
	mov $'o', %al
	out %al, %dx
	mov $'t', %al
	out %al, %dx
	mov $':', %al
	out %al, %dx
	mov $' ', %al
	out %al, %dx
	mov $80, %cx /* at most 80 characters */
1:	mov $0x3fd, %dx /* LSR: wait for data ready */
	in %dx, %al
	test $0x01, %al
	jz 1b
	mov $0x3f8, %dx
	in %dx, %al
	mov $0x402, %dx
	out %al, %dx
	cmp $'\n', %al
	je 2f
	cmp $'\r', %al /* Enter on a raw terminal */
	je 2f
	loop 1b
2:	RESET
3:	hlt
	jmp 3b
msg: .asciz "type a line:\n"
	RESET_VECTOR
