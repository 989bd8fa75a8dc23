/* Device timers: a small registry and one timerfd armed for the earliest deadline. */
#include "timer.h"

#include <sys/timerfd.h>

struct timer_registration {
	struct timer *timer;
	timer_fn *fn;
	void *dev;
};
static struct timer_registration timers[TIMERS_MAX];
static unsigned ntimers;
static int timer_fd = -1;
static uint64_t fd_deadline; /* what timer_fd is armed for; 0: disarmed */

int timer_register(struct timer *t, timer_fn *fn, void *dev)
{
	if (ntimers >= TIMERS_MAX)
		return -1;
	timers[ntimers++] = (struct timer_registration){t, fn, dev};
	return 0;
}

void timers_use_fd(int fd)
{
	timer_fd = fd;
	fd_deadline = 0;
}

void timers_reset(void)
{
	ntimers = 0;
	timers_use_fd(-1);
}

static void arm_fd(uint64_t deadline)
{
	if (timer_fd < 0 || deadline == fd_deadline)
		return;
	struct itimerspec its = {
	    .it_value = {.tv_sec = (time_t)(deadline / 1000000000),
			 .tv_nsec = (long)(deadline % 1000000000)},
	};
	/* Absolute on CLOCK_MONOTONIC, the machine clock; 0 disarms. It cannot fail with
	 * these arguments, and a failure would only delay a device interrupt. */
	timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
	fd_deadline = deadline;
}

void timer_arm(struct timer *t, uint64_t deadline)
{
	t->deadline = deadline ? deadline : 1;
	if (fd_deadline == 0 || t->deadline < fd_deadline)
		arm_fd(t->deadline);
}

void timer_cancel(struct timer *t)
{
	t->deadline = 0; /* the timerfd may still fire once: timers_run finds nothing due */
}

uint64_t timers_run(uint64_t now)
{
	for (unsigned i = 0; i < ntimers; i++) {
		struct timer *t = timers[i].timer;
		if (t->deadline && t->deadline <= now) {
			t->deadline = 0;
			timers[i].fn(timers[i].dev, now); /* may arm it again */
		}
	}
	uint64_t next = 0;
	for (unsigned i = 0; i < ntimers; i++) {
		uint64_t d = timers[i].timer->deadline;
		if (d && (!next || d < next))
			next = d;
	}
	fd_deadline = 0; /* after expiry the timerfd is disarmed; arm it for what is left */
	arm_fd(next);
	return next;
}
