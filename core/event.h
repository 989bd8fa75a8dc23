/* The I/O thread's event loop: one epoll set of file descriptors (standard input, the timer
 * fds, the signalfd), each with a handler, and an eventfd other threads write to wake it. */
#ifndef CORE_EVENT_H
#define CORE_EVENT_H

#include "../vmm.h"

typedef void event_fn(void *arg, uint32_t events);

/* Returns 0, or -1 with errno set. */
int event_init(void);
/* Watch fd for events (EPOLLIN ...); fails with EPERM for files epoll cannot wait on. */
int event_watch(int fd, uint32_t events, event_fn *fn, void *arg);
/* Change what fd is watched for; 0 takes it out of the set for now (epoll would still
 * report a hang-up otherwise), and its handler stays registered for later. */
int event_modify(int fd, uint32_t events);
/* From any thread: make the loop return from its wait (and call the wake handler). */
void event_wake(void);
/* Add something to do whenever the loop is woken (at most four). */
int event_on_wake(void (*fn)(void));
/* Wait up to timeout_ms (-1: no limit) and run the handlers of what is ready. Returns the
 * number of events handled, or -1 with errno set. */
int event_run_once(int timeout_ms);

#endif
