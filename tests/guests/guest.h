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

/* Real-mode data at 0x500 (free RAM above the BIOS data area), addressed with DS = 0. */
#define DATA 0x500

/* Print AL as two hex digits on \port (clobbers AX, DX). */
.macro PRINT_HEX_AL port
	mov $\port, %dx
	mov %al, %ah
	shr $4, %al
	HEX_DIGIT
	mov %ah, %al
	and $0x0f, %al
	HEX_DIGIT
.endm
/* Out the hex digit of AL (0-15) to port DX. */
.macro HEX_DIGIT
	add $'0', %al
	cmp $'9', %al
	jbe 95f
	add $('a' - '0' - 10), %al
95:	out %al, %dx
.endm

/* Print one character on \port (clobbers AL, DX). */
.macro PUTC char, port
	mov $\char, %al
	mov $\port, %dx
	out %al, %dx
.endm

/* The 8259 pair set up as a PC BIOS does (IRQ 0-7 at vectors 8-15, IRQ 8-15 at 0x70-0x77),
 * with the given interrupt masks. */
.macro PIC_INIT mask_master, mask_slave
	mov $0x11, %al /* ICW1: edge triggered, cascade, ICW4 follows */
	out %al, $0x20
	out %al, $0xa0
	mov $0x08, %al /* ICW2: vector bases */
	out %al, $0x21
	mov $0x70, %al
	out %al, $0xa1
	mov $0x04, %al /* ICW3: the slave on IRQ 2 */
	out %al, $0x21
	mov $0x02, %al
	out %al, $0xa1
	mov $0x01, %al /* ICW4: 8086 mode */
	out %al, $0x21
	out %al, $0xa1
	mov $\mask_master, %al
	out %al, $0x21
	mov $\mask_slave, %al
	out %al, $0xa1
.endm

/* Point interrupt vector \vec at \handler in this image (CS 0xf000, the copy below 1 MiB).
 * Needs DS = 0. */
.macro SET_VECTOR vec, handler
	movw $\handler, (\vec * 4)
	movw $0xf000, (\vec * 4 + 2)
.endm

/* DS = SS = 0, a stack below 0x7000. */
.macro REAL_MODE_SETUP
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7000, %sp
.endm

/* CMOS register \reg = \value. */
.macro CMOS_WRITE reg, value
	mov $\reg, %al
	out %al, $0x70
	mov $\value, %al
	out %al, $0x71
.endm
.macro CMOS_READ reg
	mov $\reg, %al
	out %al, $0x70
	in $0x71, %al
.endm
