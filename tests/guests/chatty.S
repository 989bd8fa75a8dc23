/* Prints 1500 lines of 60 characters on COM1 (90 KB, more than a terminal and vmm buffer),
 * then "chatty: done" on the debug port, and asks for a reset. */
#include "guest.h"
start:
	cli
	mov $1500, %bx
1:	PRINT line, 0x3f8
	dec %bx
	jnz 1b
	PRINT msg_done, 0x402
	RESET
2:	hlt
	jmp 2b
line: .asciz "a chatty guest writes this line many times over to its COM1\n"
msg_done: .asciz "chatty: done\n"
	RESET_VECTOR
