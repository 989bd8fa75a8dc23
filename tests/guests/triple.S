/* Enters protected mode, loads an empty IDT and raises an exception: a triple fault (the
 * way SeaBIOS itself forces a shutdown), so vmm exits 3. */
#include "guest.h"
start:
	cli
	PRINT msg, 0x402
	ENTER_PROTECTED_MODE pm32
	.code32
pm32:
	mov $0x10, %ax
	mov %ax, %ds
	lidt IMAGE_BASE + empty_idt
	int3
1:	jmp 1b
empty_idt:
	.word 0
	.long 0
	GDT
	.code16
msg: .asciz "about to triple-fault\n"
	RESET_VECTOR
