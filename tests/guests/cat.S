/* Copies everything COM1 receives back to COM1 (polling the line status register) until a
 * '~' arrives, then prints "cat: done" on the debug port and asks for a reset. Shows that all
 * of standard input reaches the guest, however long, from a pipe or a file. */
#include "guest.h"
start:
	cli
	PRINT msg_ready, 0x402
1:	mov $0x3fd, %dx		/* wait for data */
	in %dx, %al
	test $0x01, %al
	jz 1b
	mov $0x3f8, %dx
	in %dx, %al
	cmp $'~', %al
	je 2f
	out %al, %dx		/* THR is always empty here: vmm sends at once */
	jmp 1b
2:	PRINT msg_done, 0x402
	RESET
3:	hlt
	jmp 3b
msg_ready: .asciz "cat: ready\n"
msg_done: .asciz "cat: done\n"
	RESET_VECTOR
