/* The console faked for unit tests and fuzzers: streams are recorded, logging is silent. */
#include "fake_machine.h"

#include "../core/console.h"

#include <string.h>

int debug_level;
char fake_stream[STREAM_COUNT][8192];
size_t fake_stream_len[STREAM_COUNT];
unsigned fake_input_wanted[STREAM_COUNT];

void log_msg(const char *fmt, ...)
{
	(void)fmt;
}

void fake_console_reset(void)
{
	memset(fake_stream_len, 0, sizeof(fake_stream_len));
	memset(fake_input_wanted, 0, sizeof(fake_input_wanted));
}

void stream_write(unsigned stream, const void *buf, size_t len)
{
	if (stream >= STREAM_COUNT)
		__builtin_trap(); /* a device wrote to a stream that does not exist */
	size_t room = sizeof(fake_stream[0]) - fake_stream_len[stream];
	if (len > room)
		len = room;
	memcpy(fake_stream[stream] + fake_stream_len[stream], buf, len);
	fake_stream_len[stream] += len;
}

void stream_input_wanted(unsigned stream)
{
	if (stream >= STREAM_COUNT)
		__builtin_trap();
	fake_input_wanted[stream]++;
}

void console_connect_input(unsigned stream, console_deliver_fn *deliver, void *dev)
{
	(void)stream, (void)deliver, (void)dev;
}
