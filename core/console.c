/* The terminal and the guest's character streams: line buffers, sink writer threads, and
 * standard input. See console.h for the model. */
#include "console.h"
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int debug_level;

void log_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[1024];
	int prefix = snprintf(buf, sizeof(buf), "vmm: ");
	int n = vsnprintf(buf + prefix, sizeof(buf) - (size_t)prefix, fmt, ap);
	va_end(ap);
	size_t len = n < 0 ? (size_t)prefix : strnlen(buf, sizeof(buf));
	ssize_t r = write(STDERR_FILENO, buf, len); /* one write: whole lines between threads */
	(void)r;
}

/* ---- output ------------------------------------------------------------------------------ */

#define LINE_MAX_LEN 512
/* What one VM exit can add to a sink: a string I/O exit's data page (4 KiB) and a full line
 * of each stream; plus, once, the debug-port ring. A sink keeps that much room per vCPU
 * beyond the 64 KiB it fills before a vCPU waits, so nothing a guest sends is dropped. */
#define EXIT_OUTPUT_MAX ((size_t)4096 + (size_t)STREAM_COUNT * LINE_MAX_LEN)
#define SINK_FILL	((size_t)64 * 1024)
#define IDLE_LINE_NS	100000000ull /* a partial line idle this long goes out as it is */

/* A descriptor the guest's output is written to, by a thread of its own. */
struct sink {
	int fd;
	const char *name;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	char *buf;
	size_t size, fill; /* capacity; vCPUs wait while more than fill is waiting */
	size_t head, len;
	uint64_t dropped; /* bytes that did not fit: only if the sizing above is wrong */
	bool closing, done, broken, release_waiters, started;
	pthread_t writer;
};

static struct sink stdout_sink; /* zero-initialised: its buffer costs no file space */

struct line {
	char buf[LINE_MAX_LEN];
	size_t len;
	uint64_t stamp; /* machine time of the last byte */
};

static struct stream {
	struct sink *sink;
	struct line line;
} streams[STREAM_COUNT] = {
    [STREAM_DEBUGCON] = {.sink = &stdout_sink},
    [STREAM_COM1] = {.sink = &stdout_sink},
};

static void *sink_writer(void *arg)
{
	struct sink *s = arg;
	pthread_mutex_lock(&s->lock);
	for (;;) {
		while (s->len == 0 && !s->closing)
			pthread_cond_wait(&s->changed, &s->lock);
		if (s->len == 0)
			break;
		size_t n = s->len < s->size - s->head ? s->len : s->size - s->head;
		const char *p = s->buf + s->head;
		pthread_mutex_unlock(&s->lock); /* producers only append behind these bytes */
		ssize_t r = write(s->fd, p, n);
		int err = errno;
		pthread_mutex_lock(&s->lock);
		if (r < 0 && err == EINTR)
			continue;
		if (r <= 0) {
			/* A closed pipe or a full disk: say so once, drop the rest, stop vmm. */
			s->broken = true;
			s->len = 0;
			pthread_cond_broadcast(&s->changed);
			pthread_mutex_unlock(&s->lock);
			machine_stop(EXIT_ERROR, "writing guest output to %s: %s", s->name,
				     strerror(r < 0 ? err : EIO));
			pthread_mutex_lock(&s->lock);
			continue;
		}
		s->head = (s->head + (size_t)r) % s->size;
		s->len -= (size_t)r;
		pthread_cond_broadcast(&s->changed);
	}
	s->done = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int sink_start(struct sink *s, int fd, const char *name, unsigned vcpus)
{
	s->fd = fd;
	s->name = name;
	s->fill = SINK_FILL;
	s->size = SINK_FILL + (vcpus + 1) * EXIT_OUTPUT_MAX;
	s->buf = malloc(s->size);
	if (!s->buf)
		return -1;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, &attr);
	pthread_condattr_destroy(&attr);
	int e = pthread_create(&s->writer, NULL, sink_writer, s);
	if (e) {
		errno = e;
		return -1;
	}
	s->started = true;
	return 0;
}

/* Append to a sink's buffer; never waits (vCPUs wait for room before entering the guest). */
static void sink_put(struct sink *s, const char *p, size_t n)
{
	pthread_mutex_lock(&s->lock);
	if (!s->broken) {
		size_t room = s->size - s->len;
		if (n > room) {
			s->dropped += n - room; /* reported at the end */
			n = room;
		}
		for (size_t i = 0; i < n; i++)
			s->buf[(s->head + s->len + i) % s->size] = p[i];
		s->len += n;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
}

static void push_line(struct stream *st)
{
	if (st->line.len)
		sink_put(st->sink, st->line.buf, st->line.len);
	st->line.len = 0;
}

void stream_write(unsigned stream, const void *buf, size_t len)
{
	if (stream >= STREAM_COUNT)
		return;
	struct stream *st = &streams[stream];
	const char *p = buf;
	for (size_t i = 0; i < len; i++) {
		st->line.buf[st->line.len++] = p[i];
		if (p[i] == '\n' || st->line.len == LINE_MAX_LEN)
			push_line(st);
	}
	st->line.stamp = clock_ns();
}

static void input_refresh(void);

void console_tick(void)
{
	uint64_t now = clock_ns();
	for (unsigned i = 0; i < STREAM_COUNT; i++)
		if (streams[i].line.len && now - streams[i].line.stamp >= IDLE_LINE_NS)
			push_line(&streams[i]);
	input_refresh(); /* back in the foreground after Ctrl-Z, bg and fg? */
}

static size_t sink_used(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->broken ? 0 : s->len;
	pthread_mutex_unlock(&s->lock);
	return n;
}

bool console_has_room(void)
{
	return sink_used(&stdout_sink) <= stdout_sink.fill;
}

void console_wait_for_room(void)
{
	struct sink *s = &stdout_sink;
	pthread_mutex_lock(&s->lock);
	while (s->len > s->fill && !s->broken && !s->release_waiters)
		pthread_cond_wait(&s->changed, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void console_release_waiters(void)
{
	struct sink *s = &stdout_sink;
	pthread_mutex_lock(&s->lock);
	s->release_waiters = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

bool console_finish(int timeout_ms)
{
	for (unsigned i = 0; i < STREAM_COUNT; i++)
		push_line(&streams[i]);
	struct sink *s = &stdout_sink;
	if (!s->started)
		return true;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&s->lock);
	s->closing = true;
	pthread_cond_broadcast(&s->changed);
	int r = 0;
	while (!s->done && r != ETIMEDOUT) {
		if (timeout_ms < 0)
			pthread_cond_wait(&s->changed, &s->lock);
		else
			r = pthread_cond_timedwait(&s->changed, &s->lock, &deadline);
	}
	bool done = s->done;
	uint64_t dropped = s->dropped;
	pthread_mutex_unlock(&s->lock);
	if (done)
		pthread_join(s->writer, NULL);
	if (done && dropped)
		log_msg("%llu bytes of guest output were dropped (a bug in vmm: please report)\n",
			(unsigned long long)dropped);
	return done;
}

/* ---- input ------------------------------------------------------------------------------- */

enum input_mode {
	INPUT_NONE,  /* no standard input, or none vmm can watch */
	INPUT_EPOLL, /* a terminal, pipe or socket: read when epoll says it is readable */
	INPUT_FILE,  /* a regular file (or /dev/null): read when the guest took what was read */
};

/* Machine lock held for every field; the I/O thread alone reads standard input. */
static struct {
	enum input_mode mode;
	bool job_control; /* our controlling terminal: read it only in the foreground */
	bool want_raw;	  /* raw mode whenever vmm has the terminal */
	bool raw;	  /* raw mode is in effect */
	bool eof, watching, wake_pending;
	pid_t pgrp; /* ours, to tell whether we are the terminal's foreground job */
	struct termios saved;
	uint8_t pending[4096]; /* read but not yet taken by the device */
	size_t len;
	unsigned stream;
	console_deliver_fn *deliver;
	void *dev;
} in;

void console_connect_input(unsigned stream, console_deliver_fn *deliver, void *dev)
{
	in.stream = stream;
	in.deliver = deliver;
	in.dev = dev;
}

static bool foreground(void)
{
	return !in.job_control || tcgetpgrp(STDIN_FILENO) == in.pgrp;
}

static void set_raw(void)
{
	/* Keys go to the guest one at a time, unechoed; Ctrl-C, Ctrl-Z still reach vmm. */
	struct termios raw = in.saved;
	raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
	raw.c_iflag &= (tcflag_t) ~(ICRNL | IXON);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	in.raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void input_deliver(void)
{
	if (!in.len || !in.deliver)
		return;
	size_t n = in.deliver(in.dev, in.pending, in.len);
	memmove(in.pending, in.pending + n, in.len - n);
	in.len -= n;
}

/* Take the terminal back in the foreground (raw mode), and watch standard input only while
 * vmm may read it and has room to: out of the epoll set otherwise, since epoll reports a
 * hang-up whatever it is asked. */
static void input_refresh(void)
{
	if (in.mode != INPUT_EPOLL)
		return;
	bool fg = foreground();
	if (in.want_raw && fg && !in.raw)
		set_raw();
	bool want = fg && !in.eof && in.len < sizeof(in.pending);
	if (want != in.watching && event_modify(STDIN_FILENO, want ? EPOLLIN : 0) == 0)
		in.watching = want;
}

/* Read what fits, without the machine lock (a read is the one call here that may wait):
 * from a terminal or pipe once per readiness report, from a file to the end or until full. */
static void input_read(void)
{
	uint8_t buf[sizeof(in.pending)];
	for (;;) {
		machine_lock();
		size_t room = in.eof ? 0 : sizeof(in.pending) - in.len;
		machine_unlock();
		if (!room)
			return;
		ssize_t r = read(STDIN_FILENO, buf, room);
		int err = errno;
		machine_lock();
		if (r > 0) {
			memcpy(in.pending + in.len, buf, (size_t)r); /* room only grew meanwhile */
			in.len += (size_t)r;
		} else if (r == 0 || (err != EINTR && err != EAGAIN && err != EIO)) {
			if (r < 0)
				debug(1, "reading standard input: %s; no more input\n",
				      strerror(err));
			in.eof = true;
		} /* EIO: a terminal read from the background; input_refresh stops watching */
		machine_unlock();
		if (r <= 0 || in.mode == INPUT_EPOLL)
			return;
	}
}

static void on_stdin(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	machine_lock();
	bool fg = foreground();
	machine_unlock();
	if (fg)
		input_read();
	machine_lock();
	input_deliver();
	input_refresh();
	machine_unlock();
}

static void on_wake(void)
{
	machine_lock();
	in.wake_pending = false;
	bool file = in.mode == INPUT_FILE;
	machine_unlock();
	if (file)
		input_read();
	machine_lock();
	input_deliver();
	input_refresh();
	machine_unlock();
}

void stream_input_wanted(unsigned stream)
{
	if (stream != in.stream || in.mode == INPUT_NONE)
		return;
	input_deliver();
	/* Room again: have the I/O thread read more (a file), or watch the terminal again. */
	bool more =
	    !in.eof && in.len < sizeof(in.pending) && (in.mode == INPUT_FILE || !in.watching);
	if (more && !in.wake_pending) {
		in.wake_pending = true;
		event_wake();
	}
}

void console_restore_terminal(void)
{
	if (in.raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &in.saved);
	in.raw = false;
}

void console_restore_terminal_now(void)
{
	if (in.raw)
		ioctl(STDIN_FILENO, TCSETS, &in.saved);
}

void console_suspend(void)
{
	machine_lock();
	console_restore_terminal();
	if (in.watching && event_modify(STDIN_FILENO, 0) == 0)
		in.watching = false;
	machine_unlock();
}

void console_resume(void)
{
	machine_lock();
	input_refresh(); /* in the foreground again? (after bg, the tick keeps checking) */
	machine_unlock();
}

int console_start(unsigned vcpus)
{
	if (sink_start(&stdout_sink, STDOUT_FILENO, "standard output", vcpus) < 0)
		return -1;
	if (event_on_wake(on_wake) < 0) {
		errno = ENOSPC;
		return -1;
	}
	/* A read or tcsetattr from the background then fails instead of stopping vmm. */
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	if (sigaction(SIGTTIN, &ignore, NULL) < 0 || sigaction(SIGTTOU, &ignore, NULL) < 0)
		return -1;
	bool tty = tcgetattr(STDIN_FILENO, &in.saved) == 0;
	in.pgrp = getpgrp();
	/* A terminal that is not our controlling one (ENOTTY) has no jobs to defer to. */
	in.job_control = tty && tcgetpgrp(STDIN_FILENO) >= 0;
	if (event_watch(STDIN_FILENO, EPOLLIN, on_stdin, NULL) == 0) {
		in.mode = INPUT_EPOLL;
		in.watching = true;
	} else if (errno == EPERM) {
		in.mode = INPUT_FILE; /* epoll cannot wait on it: always readable */
		input_read();
		machine_lock();
		input_deliver();
		machine_unlock();
	} else {
		debug(1, "standard input cannot be watched (%s); not read\n", strerror(errno));
		return 0;
	}
	machine_lock();
	in.want_raw = tty;
	input_refresh();
	machine_unlock();
	if (tty)
		atexit(console_restore_terminal);
	debug(1, "standard input goes to the guest%s\n",
	      in.raw ? " (terminal in raw mode)"
	      : tty  ? " (when in the foreground)"
		     : "");
	return 0;
}
