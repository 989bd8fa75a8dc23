/* Waits on the RTC's periodic interrupt (IRQ 8, 1024 Hz), as a BIOS's INT 15h AH=86h wait
 * does, counting interrupts for four ticks of the PIT (IRQ 0, 18.2 Hz, about 220 ms). Prints
 * "rtc interrupts: many, register C c0" (at least 16 came; the handler's reads of C ORed
 * together: IRQF|PF, perhaps UF and AF)
 * or "rtc interrupts: none", then asks for a reset. */
#include "guest.h"
#define TICKS DATA
#define RTC_COUNT (DATA + 2)
#define FIRST_C (DATA + 4) /* register C as the handler read it, ORed */
start:
	cli
	REAL_MODE_SETUP
	movw $0, TICKS
	movw $0, RTC_COUNT
	movb $0, FIRST_C
	PIC_INIT 0xfa, 0xfe	/* IRQ 0, the cascade (IRQ 2) and IRQ 8 */
	SET_VECTOR 0x08, timer_interrupt
	SET_VECTOR 0x70, rtc_interrupt
	mov $0x34, %al		/* PIT channel 0: rate generator, divisor 65536 */
	out %al, $0x43
	xor %al, %al
	out %al, $0x40
	out %al, $0x40
	CMOS_WRITE 0x0a, 0x26	/* 1024 Hz */
	CMOS_WRITE 0x0b, 0x42	/* periodic interrupt enable, 24-hour BCD */
	CMOS_READ 0x0c		/* clear what is pending */
	sti
1:	hlt
	cmpw $4, TICKS
	jb 1b
	cli
	CMOS_WRITE 0x0b, 0x02
	PRINT msg, 0x402
	cmpw $16, RTC_COUNT
	jb 2f
	PRINT msg_many, 0x402
	mov FIRST_C, %al
	PRINT_HEX_AL 0x402
	PUTC '\n', 0x402
	jmp 3f
2:	PRINT msg_none, 0x402
3:	RESET
4:	hlt
	jmp 4b

timer_interrupt:
	push %ax
	incw TICKS
	mov $0x20, %al
	out %al, $0x20
	pop %ax
	iret

rtc_interrupt:
	push %ax
	CMOS_READ 0x0c		/* acknowledge: reading register C clears it */
	orb %al, FIRST_C	/* a flag raised before the sti may have been read already */
	incw RTC_COUNT
	mov $0x20, %al		/* end of interrupt, slave then master */
	out %al, $0xa0
	out %al, $0x20
	pop %ax
	iret

msg: .asciz "rtc interrupts: "
msg_many: .asciz "many, register C "
msg_none: .asciz "none\n"
	RESET_VECTOR
