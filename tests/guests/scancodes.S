/* Prints every byte the keyboard controller delivers (scan code set 1, translated, polled)
 * on the debug port as hex, one key event per line, until 'q' is released; then asks for a
 * reset. Shows what keys typed on the terminal become. */
#include "guest.h"
start:
	cli
	mov $0x60, %al		/* command byte: translate, no interrupts */
	out %al, $0x64
	mov $0x40, %al
	out %al, $0x60
	PRINT msg, 0x402
1:	in $0x64, %al		/* wait for a byte */
	test $0x01, %al
	jz 1b
	in $0x60, %al
	mov %al, %bl
	PRINT_HEX_AL 0x402
	mov %bl, %al
	cmp $0xe0, %al		/* a prefix: the rest of the event follows on this line */
	je 2f
	PUTC '\n', 0x402
	cmp $0x90, %bl		/* 'q' released */
	jne 1b
	PRINT msg_done, 0x402
	RESET
3:	hlt
	jmp 3b
2:	PUTC ' ', 0x402
	jmp 1b
msg: .asciz "scancodes: ready\n"
msg_done: .asciz "scancodes: done\n"
	RESET_VECTOR
