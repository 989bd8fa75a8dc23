/* Prints 4000 lines of 60 characters on COM1 (240 KB, far more than a terminal buffers),
 * then "chatty: done" on the debug port, and asks for a reset. */
#include "guest.h"
start:
	cli
	mov $4000, %bx
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
