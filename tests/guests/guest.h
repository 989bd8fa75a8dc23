/* Shared pieces of the hand-assembled test BIOS images. Each image is 64 KiB: the CPU starts
 * at its last 16 bytes (0xfffffff0) with CS base 0xffff0000, so a near jump to offset 0
 * reaches the code at the start of the image. */
	.code16
	.text

/* Print the zero-terminated string at label \msg (in the code segment) on \port. */
.macro PRINT msg, port
	mov $\msg, %si
	mov $\port, %dx
99:	lodsb %cs:(%si), %al
	test %al, %al
	jz 98f
	out %al, %dx
	jmp 99b
98:
.endm

/* Ask for a reset through the PIIX reset control register. */
.macro RESET
	mov $0xcf9, %dx
	mov $0x06, %al
	out %al, %dx
.endm

/* The reset vector: the last 16 bytes of the 64 KiB image. */
.macro RESET_VECTOR
	.org 0xfff0
	jmp start
	.org 0x10000
.endm

/* Enter 32-bit protected mode with flat 4 GiB code (0x08) and data (0x10) segments and
 * continue at label \target (assembled with .code32). The image sits at 0xffff0000. */
#define IMAGE_BASE 0xffff0000
.macro ENTER_PROTECTED_MODE target
	lgdtl %cs:gdt_descriptor
	mov %cr0, %eax
	or $1, %eax
	mov %eax, %cr0
	ljmpl $0x08, $(IMAGE_BASE + \target)
.endm

.macro GDT
	.balign 8
gdt:	.quad 0
	.quad 0x00cf9b000000ffff /* code: base 0, limit 4 GiB, 32-bit */
	.quad 0x00cf93000000ffff /* data: base 0, limit 4 GiB */
gdt_descriptor:
	.word 3 * 8 - 1
	.long IMAGE_BASE + gdt
.endm

/* PRINT for 32-bit code with flat DS. */
.macro PRINT32 msg, port
	mov $(IMAGE_BASE + \msg), %esi
	mov $\port, %dx
97:	lodsb
	test %al, %al
	jz 96f
	out %al, %dx
	jmp 97b
96:
.endm
