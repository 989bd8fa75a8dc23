/* System control ports: 0x92 "fast A20 and reset" (PS/2 System Control Port A), 0xcf9 reset
 * control (PIIX3 RCR, datasheet 2.7.8) and 0x80, where BIOSes post progress codes. */
#ifndef DEVICES_SYSCTL_H
#define DEVICES_SYSCTL_H

#include "../core/bus.h"

struct sysctl {
	uint8_t port92;
	uint8_t rcr; /* 0xcf9 */
	uint8_t post_code;
};

extern const struct io_ops sysctl_post_ops;	     /* 0x80 */
extern const struct io_ops sysctl_port92_ops;	     /* 0x92 */
extern const struct io_ops sysctl_reset_control_ops; /* 0xcf9 */
void sysctl_init(struct sysctl *s);

#endif
