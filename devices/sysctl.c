/* System control ports. Every reset they can request ends vmm (machine_request_reset). */
#include "sysctl.h"

static uint64_t post_read(void *dev, uint64_t offset, unsigned size)
{
	const struct sysctl *s = dev;
	(void)offset, (void)size;
	return s->post_code;
}

static void post_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct sysctl *s = dev;
	(void)offset, (void)size;
	s->post_code = (uint8_t)value;
	debug(1, "POST code 0x%02x\n", s->post_code);
}

static uint64_t port92_read(void *dev, uint64_t offset, unsigned size)
{
	const struct sysctl *s = dev;
	(void)offset, (void)size;
	return s->port92;
}

static void port92_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct sysctl *s = dev;
	(void)offset, (void)size;
	bool reset = !(s->port92 & 0x01) && (value & 0x01); /* bit 0 rising edge */
	s->port92 = (uint8_t)value & 0x03;		    /* A20 (bit 1) is always on in KVM */
	if (reset)
		machine_request_reset("port 0x92");
}

static uint64_t reset_control_read(void *dev, uint64_t offset, unsigned size)
{
	const struct sysctl *s = dev;
	(void)offset, (void)size;
	return s->rcr;
}

static void reset_control_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	struct sysctl *s = dev;
	(void)offset, (void)size;
	s->rcr = (uint8_t)value & 0x0e;
	if (value & 0x04) /* bit 2: reset the CPU; bit 1 picks hard or soft, the same here */
		machine_request_reset("port 0xcf9");
}

const struct io_ops sysctl_post_ops = {.read = post_read, .write = post_write, .byte_wide = true};
const struct io_ops sysctl_port92_ops = {
    .read = port92_read, .write = port92_write, .byte_wide = true};
const struct io_ops sysctl_reset_control_ops = {
    .read = reset_control_read, .write = reset_control_write, .byte_wide = true};

void sysctl_init(struct sysctl *s)
{
	*s = (struct sysctl){.port92 = 0x02};
}
