/* Programs the i440FX's PAM1 register (0x5a: 0xc0000-0xc7fff) as SeaBIOS does and checks
 * what the block does: RAM read-write (0x33), read-only (0x11: writes are lost), and the ROM
 * side (0x00: nothing behind a 64 KiB image, reads 0xff). Prints "pam: rw ok, ro ok, rom ok". */
#include "guest.h"
.macro SET_PAM1 value
	mov $0xcf8, %dx
	mov $0x80000058, %eax	/* the dword holding 0x58-0x5b */
	out %eax, %dx
	mov $0xcfe, %dx		/* 0x5a */
	mov $\value, %al
	out %al, %dx
.endm
start:
	cli
	REAL_MODE_SETUP
	mov $0xc000, %ax
	mov %ax, %es
	PRINT msg, 0x402
	SET_PAM1 0x33
	movw $0x1234, %es:0
	cmpw $0x1234, %es:0
	jne 1f
	PRINT msg_rw, 0x402
1:	SET_PAM1 0x11
	movw $0x5678, %es:0
	cmpw $0x1234, %es:0
	jne 2f
	PRINT msg_ro, 0x402
2:	SET_PAM1 0x00
	cmpw $0xffff, %es:0
	jne 3f
	PRINT msg_rom, 0x402
3:	PUTC '\n', 0x402
	RESET
4:	hlt
	jmp 4b
msg: .asciz "pam:"
msg_rw: .asciz " rw ok"
msg_ro: .asciz ", ro ok"
msg_rom: .asciz ", rom ok"
	RESET_VECTOR
