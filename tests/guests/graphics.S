/* Switches the VGA to a graphics mode (graphics controller register 6, bit 0) and halts:
 * vmm, showing text modes only, says so once and keeps running. */
#include "guest.h"
start:
	cli
	mov $0x3ce, %dx
	mov $0x0506, %ax	/* GR6 = 0x05: graphics, 0xa0000 */
	out %ax, %dx
	PRINT msg, 0x402
1:	hlt
	jmp 1b
msg: .asciz "graphics mode on\n"
	RESET_VECTOR
