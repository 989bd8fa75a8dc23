/* System control ports: 0x92 "fast A20 and reset" (PS/2 System Control Port A), 0xcf9
 * reset control (PIIX3 RCR, datasheet 2.7.8) and 0x80, where BIOSes post progress codes. */
#include "../vmm.h"

#define PORT_POST 0x80
#define PORT_A	  0x92
#define PORT_RCR  0xcf9

static uint32_t sysctl_io_read(void *dev, uint16_t port, unsigned size)
{
	struct sysctl *s = dev;
	(void)size;
	switch (port) {
	case PORT_POST: return s->post_code;
	case PORT_A: return s->port92;
	default: return s->rcr;
	}
}

static void sysctl_io_write(void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct sysctl *s = dev;
	uint8_t v = (uint8_t)value;
	(void)size;
	switch (port) {
	case PORT_POST:
		s->post_code = v;
		debug(1, "POST code 0x%02x\n", v);
		break;
	case PORT_A: {
		bool reset = !(s->port92 & 0x01) && (v & 0x01); /* bit 0 rising edge */
		s->port92 = v & 0x03; /* A20 (bit 1) is always on in KVM */
		if (reset)
			vm_request_reset("port 0x92");
		break;
	}
	default:
		s->rcr = v & 0x0e;
		if (v & 0x04) /* bit 2: reset CPU; bit 1 picks hard or soft, same here */
			vm_request_reset("port 0xcf9");
	}
}

void sysctl_init(struct sysctl *s)
{
	*s = (struct sysctl){.port92 = 0x02};
}

int sysctl_register(struct sysctl *s, struct io_bus *bus)
{
	static const struct {
		uint16_t port;
		const char *name;
	} ports[] = {{PORT_POST, "post"}, {PORT_A, "port92"}, {PORT_RCR, "reset-control"}};
	for (unsigned i = 0; i < sizeof(ports) / sizeof(ports[0]); i++) {
		struct io_region r = {.base = ports[i].port,
				      .len = 1,
				      .name = ports[i].name,
				      .dev = s,
				      .byte_wide = true,
				      .read = sysctl_io_read,
				      .write = sysctl_io_write};
		if (io_bus_register(bus, &r) < 0)
			return -1;
	}
	return 0;
}
