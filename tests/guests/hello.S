/* Says hello on the debug port and on COM1, then asks for a reset: vmm exits 0. */
#include "guest.h"
start:
	cli
	PRINT msg_debug, 0x402
	PRINT msg_com1, 0x3f8
	RESET
1:	hlt
	jmp 1b
msg_debug: .asciz "hello from the debug port\n"
msg_com1: .asciz "hello from COM1\n"
	RESET_VECTOR
