/* Sets the RTC to 2024-03-31, then to 2024-02-15 as Linux does (SET held, year, month, day),
 * and prints what it reads back: "date: 24-02-15". Taking each field alone would make
 * "February 31" on the way, which becomes March. */
#include "guest.h"
.macro PRINT_CMOS reg
	CMOS_READ \reg
	PRINT_HEX_AL 0x402
.endm
start:
	cli
	REAL_MODE_SETUP
	CMOS_WRITE 0x0b, 0x82	/* SET, 24-hour BCD */
	CMOS_WRITE 0x09, 0x24
	CMOS_WRITE 0x08, 0x03
	CMOS_WRITE 0x07, 0x31
	CMOS_WRITE 0x04, 0x12
	CMOS_WRITE 0x02, 0x00
	CMOS_WRITE 0x00, 0x00
	CMOS_WRITE 0x0b, 0x02	/* running from 2024-03-31 12:00:00 */
	CMOS_WRITE 0x0b, 0x82
	CMOS_WRITE 0x09, 0x24
	CMOS_WRITE 0x08, 0x02
	CMOS_WRITE 0x07, 0x15
	CMOS_WRITE 0x0b, 0x02
	PRINT msg, 0x402
	PRINT_CMOS 0x09
	PUTC '-', 0x402
	PRINT_CMOS 0x08
	PUTC '-', 0x402
	PRINT_CMOS 0x07
	PUTC '\n', 0x402
	RESET
1:	hlt
	jmp 1b
msg: .asciz "date: "
	RESET_VECTOR
