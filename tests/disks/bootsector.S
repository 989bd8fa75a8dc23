/* A boot sector for the disk tests: SeaBIOS loads it at 0x7c00 from whatever it boots (hard
 * disk, or a CD-ROM's floppy emulation). Through INT 13h on the boot drive it reads sector 2
 * (CHS 0/0/2, LBA 1), where the test put a zero-terminated message, prints that on the debug
 * port, writes "written by the boot sector" to sector 3 (CHS 0/0/3) and asks for a reset.
 * Prints "boot sector: drive XX", the message, then "write ok" or "write failed". */
	.code16
	.text
	.globl start
start:
	cli
	xor %ax, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov $0x7c00, %sp
	sti
	mov %dl, drive
	mov $msg_boot, %si
	call print
	mov drive, %al
	call print_hex
	mov $msg_newline, %si
	call print
	mov $0x0201, %ax	/* read one sector */
	mov $0x0002, %cx	/* cylinder 0, sector 2 */
	xor %dh, %dh		/* head 0 */
	mov drive, %dl
	mov $0x8000, %bx
	int $0x13
	jc read_failed
	mov $0x8000, %si
	call print
	mov $0x0301, %ax	/* write one sector */
	mov $0x0003, %cx	/* cylinder 0, sector 3 */
	xor %dh, %dh
	mov drive, %dl
	mov $msg_written, %bx
	int $0x13
	mov $msg_write_ok, %si
	jnc 1f
	mov $msg_write_failed, %si
1:	call print
	jmp reset
read_failed:
	mov $msg_read_failed, %si
	call print
reset:
	mov $0xcf9, %dx		/* PIIX reset control: a hard reset ends vmm */
	mov $0x06, %al
	out %al, %dx
2:	hlt
	jmp 2b

/* Print the zero-terminated string at ds:si on the debug port. */
print:
	mov $0x402, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	ret

/* Print al as two hex digits on the debug port. */
print_hex:
	mov $0x402, %dx
	push %ax
	shr $4, %al
	call 1f
	pop %ax
1:	and $0x0f, %al
	add $'0', %al
	cmp $'9', %al
	jbe 2f
	add $'a' - '9' - 1, %al
2:	out %al, %dx
	ret

drive: .byte 0
msg_boot: .asciz "boot sector: drive "
msg_newline: .asciz "\n"
msg_read_failed: .asciz "read failed\n"
msg_write_ok: .asciz "write ok\n"
msg_write_failed: .asciz "write failed\n"
	.org 0x180
msg_written: .asciz "written by the boot sector" /* the sector written: 512 bytes from here */
	.org 510
	.byte 0x55, 0xaa

