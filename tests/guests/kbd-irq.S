/* Counts the i8042's keyboard interrupts (IRQ 1): a keyboard reset answers two bytes, ACK and
 * the self-test result, so two interrupts must come, each taking its byte from port 0x60.
 * Prints "irq1 interrupts: 2 bytes: fa aa" on the debug port, then asks for a reset. */
#include "guest.h"
#define COUNT DATA
#define BYTES (DATA + 1)
start:
	cli
	REAL_MODE_SETUP
	movb $0, COUNT
	PIC_INIT 0xfd, 0xff	/* IRQ 1 only */
	SET_VECTOR 9, keyboard_interrupt
	mov $0x60, %al		/* command byte: keyboard interrupt, no translation */
	out %al, $0x64
	mov $0x01, %al
	out %al, $0x60
	sti
	mov $0xff, %al		/* keyboard reset */
	out %al, $0x60
	mov $0x40, %bx		/* wait a while for both interrupts */
1:	mov $0xffff, %cx
2:	loop 2b
	cmpb $2, COUNT
	jae 3f
	dec %bx
	jnz 1b
3:	cli
	PRINT msg_count, 0x402
	mov COUNT, %al
	add $'0', %al
	mov $0x402, %dx
	out %al, %dx
	PRINT msg_bytes, 0x402
	mov BYTES, %al
	PRINT_HEX_AL 0x402
	PUTC ' ', 0x402
	mov BYTES + 1, %al
	PRINT_HEX_AL 0x402
	PUTC '\n', 0x402
	RESET
4:	hlt
	jmp 4b

keyboard_interrupt:
	push %ax
	push %bx
	in $0x60, %al
	movzbw COUNT, %bx
	and $3, %bx
	mov %al, BYTES(%bx)
	incb COUNT
	mov $0x20, %al		/* end of interrupt */
	out %al, $0x20
	pop %bx
	pop %ax
	iret

msg_count: .asciz "irq1 interrupts: "
msg_bytes: .asciz " bytes: "
	RESET_VECTOR
