/* The fake machine: see fake_machine.h. An impossible request (a line that does not exist,
 * a level other than 0 or 1) aborts, so a fuzzer reports it. */
#include "fake_machine.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t fake_now = 1000000000;
int64_t fake_wall = 1795614330LL * 1000000000; /* 2026-11-25 13:45:30 UTC, a Wednesday */
bool fake_real_clock;
int fake_irq_level[FAKE_GSIS];
unsigned fake_irq_raised[FAKE_GSIS];
unsigned fake_resets, fake_pam_changes, fake_stops;
int fake_stop_status = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
uint8_t fake_ram[FAKE_RAM_SIZE];

bool machine_read_ram(uint64_t gpa, void *buf, size_t len)
{
	if (gpa > FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - gpa)
		return false;
	memcpy(buf, fake_ram + gpa, len);
	return true;
}

bool machine_write_ram(uint64_t gpa, const void *buf, size_t len)
{
	if (gpa > FAKE_RAM_SIZE || len > FAKE_RAM_SIZE - gpa)
		return false;
	memcpy(fake_ram + gpa, buf, len);
	return true;
}

void fake_machine_reset(void)
{
	for (unsigned i = 0; i < FAKE_GSIS; i++)
		fake_irq_level[i] = 0, fake_irq_raised[i] = 0;
	fake_resets = fake_pam_changes = fake_stops = 0;
	fake_stop_status = -1;
}

void machine_lock(void)
{
	pthread_mutex_lock(&lock);
}

void machine_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

void machine_set_irq(unsigned gsi, int level)
{
	if (gsi >= FAKE_GSIS || (level != 0 && level != 1))
		abort(); /* a device drove a line that does not exist */
	if (level && !fake_irq_level[gsi])
		fake_irq_raised[gsi]++;
	fake_irq_level[gsi] = level;
}

void machine_request_reset(const char *why)
{
	(void)why;
	fake_resets++;
}

void machine_stop(int status, const char *fmt, ...)
{
	(void)fmt;
	fake_stops++;
	if (fake_stop_status < 0)
		fake_stop_status = status;
}

void machine_flush_batched(void) {}

void machine_pam_changed(void)
{
	fake_pam_changes++;
}

uint64_t clock_ns(void)
{
	if (!fake_real_clock)
		return fake_now;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t clock_wall_ns(void)
{
	if (!fake_real_clock)
		return fake_wall;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
