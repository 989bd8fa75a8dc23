/* Device timers on the machine clock (clock_ns()). A device keeps a struct timer in its state
 * (just a deadline, so the state stays plain data); the board registers the callback once.
 * In vmm one timerfd, watched by the I/O thread, is kept armed for the earliest deadline;
 * the unit tests call timers_run() with a clock of their own. */
#ifndef CORE_TIMER_H
#define CORE_TIMER_H

#include "../vmm.h"

struct timer {
	uint64_t deadline; /* ns on the machine clock; 0: not armed */
};

typedef void timer_fn(void *dev, uint64_t now);

#define TIMERS_MAX 8

/* Wiring, once per timer: fn(dev, now) runs (machine lock held) when the deadline passes. */
int timer_register(struct timer *t, timer_fn *fn, void *dev);
/* Called with the machine lock held, from any thread. */
void timer_arm(struct timer *t, uint64_t deadline);
void timer_cancel(struct timer *t);

/* The timerfd to keep armed (-1: none, as in the tests). */
void timers_use_fd(int fd);
/* Run the callbacks of every expired timer, then re-arm the timerfd for the earliest
 * deadline left. Returns that deadline, 0 if no timer is armed. Machine lock held. */
uint64_t timers_run(uint64_t now);
/* Forget every registration (tests). */
void timers_reset(void);

#endif
