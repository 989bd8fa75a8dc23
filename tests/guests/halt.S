/* Halts with interrupts off, so the vCPU sleeps in the kernel forever: a signal must still
 * stop vmm. */
#include "guest.h"
start:
	cli
	PRINT msg, 0x402
1:	hlt
	jmp 1b
msg: .asciz "halting\n"
	RESET_VECTOR
