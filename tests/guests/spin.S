/* Spins forever with interrupts off: only a signal to vmm ends it. */
#include "guest.h"
start:
	cli
	PRINT msg, 0x402
1:	jmp 1b
msg: .asciz "spinning\n"
	RESET_VECTOR
