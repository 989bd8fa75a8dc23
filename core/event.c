/* The event loop: epoll_wait, then each ready descriptor's handler. */
#include "event.h"

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define EVENT_MAX 16

static int epoll_fd = -1, wake_fd = -1;
static struct watch {
	int fd;
	bool in_set; /* in the epoll set now */
	event_fn *fn;
	void *arg;
} watches[EVENT_MAX];
static unsigned nwatches;
static void (*wake_handlers[4])(void);
static unsigned nwake_handlers;

static void on_wake(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	uint64_t n;
	ssize_t r = read(wake_fd, &n, sizeof(n)); /* resets the counter; EAGAIN if raced */
	(void)r;
	for (unsigned i = 0; i < nwake_handlers; i++)
		wake_handlers[i]();
}

int event_init(void)
{
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (epoll_fd < 0)
		return -1;
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0)
		return -1;
	return event_watch(wake_fd, EPOLLIN, on_wake, NULL);
}

int event_watch(int fd, uint32_t events, event_fn *fn, void *arg)
{
	if (nwatches >= EVENT_MAX) {
		errno = ENOSPC;
		return -1;
	}
	struct epoll_event ev = {.events = events, .data.u32 = nwatches};
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	watches[nwatches++] = (struct watch){fd, true, fn, arg};
	return 0;
}

int event_modify(int fd, uint32_t events)
{
	for (unsigned i = 0; i < nwatches; i++) {
		struct watch *w = &watches[i];
		if (w->fd != fd)
			continue;
		struct epoll_event ev = {.events = events, .data.u32 = i};
		int op = !events ? EPOLL_CTL_DEL : w->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
		if (!events && !w->in_set)
			return 0;
		if (epoll_ctl(epoll_fd, op, fd, &ev) < 0)
			return -1;
		w->in_set = events != 0;
		return 0;
	}
	errno = ENOENT;
	return -1;
}

void event_wake(void)
{
	uint64_t one = 1;
	ssize_t r = write(wake_fd, &one, sizeof(one)); /* only fails when already pending */
	(void)r;
}

int event_on_wake(void (*fn)(void))
{
	if (nwake_handlers >= ARRAY_SIZE(wake_handlers))
		return -1;
	wake_handlers[nwake_handlers++] = fn;
	return 0;
}

int event_run_once(int timeout_ms)
{
	struct epoll_event ready[EVENT_MAX];
	int n = epoll_wait(epoll_fd, ready, EVENT_MAX, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	for (int i = 0; i < n; i++) {
		const struct watch *w = &watches[ready[i].data.u32];
		w->fn(w->arg, ready[i].events);
	}
	return n;
}
