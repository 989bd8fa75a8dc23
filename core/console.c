/* The terminal and the guest's character streams: line buffers, sink writer threads, and
 * standard input. See console.h for the model. */
#include "console.h"
#include "event.h"
#include "screen.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
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
#define SCREEN_ROOM	((size_t)SCREEN_FRAME_MAX) /* a full redraw of the largest screen */
#define IDLE_LINE_NS	100000000ull /* a partial line idle this long goes out as it is */
#define SINKS_MAX	4

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
	char last;	  /* the last byte queued */
	bool tty;	  /* fd is a terminal (asked before the sandbox, which forbids asking) */
	bool closing, done, broken, release_waiters, started, screen;
	pthread_t writer;
};

static struct sink sinks[SINKS_MAX]; /* zero-initialised: no file space */
static unsigned nsinks;

struct line {
	char buf[LINE_MAX_LEN];
	size_t len;
	uint64_t stamp; /* machine time of the last byte */
};

/* Terminal control sequences a stream drops when its output is not a terminal. */
enum escape_state { ESC_NONE, ESC_SEEN, ESC_CSI, ESC_INTERMEDIATE, ESC_STRING, ESC_STRING_END };

static struct stream {
	struct sink *sink; /* NULL: the stream goes nowhere */
	struct line line;
	bool strip;   /* plain text: no control sequences, no CR before LF */
	bool held_cr; /* stripping: a CR that is dropped if LF follows */
	enum escape_state esc;
} streams[STREAM_COUNT];

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

/* The sink writing to fd, made on first use (streams naming the same fd share it, so their
 * lines keep their order). */
static struct sink *sink_for(int fd, const char *name)
{
	for (unsigned i = 0; i < nsinks; i++)
		if (sinks[i].fd == fd)
			return &sinks[i];
	if (nsinks == SINKS_MAX)
		return NULL;
	struct sink *s = &sinks[nsinks++];
	s->fd = fd;
	s->name = name;
	return s;
}

static int sink_start(struct sink *s, unsigned vcpus)
{
	s->tty = isatty(s->fd);
	s->fill = SINK_FILL;
	s->size = SINK_FILL + (vcpus + 1) * EXIT_OUTPUT_MAX + (s->screen ? SCREEN_ROOM : 0);
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
		if (n)
			s->last = p[n - 1];
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&s->lock);
}

int console_route_output(unsigned stream, int fd, const char *name, bool strip)
{
	if (stream >= STREAM_COUNT)
		return -1;
	streams[stream].strip = strip;
	if (fd < 0) {
		streams[stream].sink = NULL;
		return 0;
	}
	streams[stream].sink = sink_for(fd, name);
	return streams[stream].sink ? 0 : -1;
}

int console_route_screen(int fd)
{
	struct sink *s = sink_for(fd, "the terminal");
	if (!s)
		return -1;
	s->screen = true;
	return 0;
}

bool console_put_screen(int fd, const char *p, size_t n, bool force)
{
	for (unsigned i = 0; i < nsinks; i++) {
		struct sink *s = &sinks[i];
		if (s->fd != fd || !s->started)
			continue;
		/* A frame waits for the terminal to take the last ones: the screen is redrawn
		 * from its state, never queued up behind a slow terminal (and never holds the
		 * guest back). The last frame, and what ends the screen, always go. */
		pthread_mutex_lock(&s->lock);
		bool room = !s->broken && (force ? s->len + n <= s->size : s->len + n <= s->fill);
		pthread_mutex_unlock(&s->lock);
		if (room)
			sink_put(s, p, n);
		return room;
	}
	return false;
}

static void push_line(struct stream *st)
{
	if (st->line.len && st->sink)
		sink_put(st->sink, st->line.buf, st->line.len);
	st->line.len = 0;
}

/* Whether byte c is part of a terminal control sequence (ECMA-48: ESC c, ESC ( B, ESC # 8,
 * CSI ... final, OSC ... BEL or ST). A control character ends a broken sequence and stays. */
static bool in_escape(struct stream *st, uint8_t c)
{
	switch (st->esc) {
	case ESC_NONE:
		if (c != 0x1b)
			return false;
		st->esc = ESC_SEEN;
		return true;
	case ESC_SEEN:
		if (c < 0x20 && c != 0x1b) {
			st->esc = ESC_NONE;
			return false;
		}
		st->esc = c == '['		   ? ESC_CSI
			  : c == ']' || c == 'P'   ? ESC_STRING
			  : c >= 0x20 && c <= 0x2f ? ESC_INTERMEDIATE
						   : ESC_NONE;
		return true;
	case ESC_CSI:
	case ESC_INTERMEDIATE:
		if (c < 0x20 && c != 0x1b) {
			st->esc = ESC_NONE;
			return false;
		}
		if ((st->esc == ESC_CSI && c >= 0x40 && c <= 0x7e) ||
		    (st->esc == ESC_INTERMEDIATE && c >= 0x30 && c <= 0x7e))
			st->esc = ESC_NONE; /* the final byte */
		return true;
	case ESC_STRING: /* until BEL, or ESC \ */
		if (c == 0x07)
			st->esc = ESC_NONE;
		else if (c == 0x1b)
			st->esc = ESC_STRING_END;
		return true;
	default: st->esc = c == '\\' ? ESC_NONE : ESC_STRING; return true;
	}
}

static void append(struct stream *st, char c)
{
	st->line.buf[st->line.len++] = c;
	if (c == '\n' || st->line.len == LINE_MAX_LEN)
		push_line(st);
}

void stream_write(unsigned stream, const void *buf, size_t len)
{
	if (stream >= STREAM_COUNT || !streams[stream].sink)
		return;
	struct stream *st = &streams[stream];
	const char *p = buf;
	for (size_t i = 0; i < len; i++) {
		if (st->strip) {
			if (in_escape(st, (uint8_t)p[i]))
				continue;
			bool cr = st->held_cr;
			st->held_cr = p[i] == '\r';
			if (st->held_cr)
				continue; /* "\r\n" is "\n" in a file; a lone CR stays */
			if (cr && p[i] != '\n')
				append(st, '\r');
		}
		append(st, p[i]);
	}
	st->line.stamp = clock_ns();
}

static void input_refresh(void);
static void input_tick(void);

void console_tick(void)
{
	uint64_t now = clock_ns();
	for (unsigned i = 0; i < STREAM_COUNT; i++)
		if (streams[i].line.len && now - streams[i].line.stamp >= IDLE_LINE_NS)
			push_line(&streams[i]);
	input_tick(); /* a lone Esc key; back in the foreground after Ctrl-Z, bg and fg? */
}

static size_t sink_used(struct sink *s)
{
	pthread_mutex_lock(&s->lock);
	size_t n = s->broken ? 0 : s->len;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void console_drain(int fd, int timeout_ms)
{
	for (unsigned i = 0; i < nsinks; i++) {
		struct sink *s = &sinks[i];
		if (s->fd != fd || !s->started)
			continue;
		struct timespec deadline;
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_nsec += (long)timeout_ms * 1000000;
		deadline.tv_sec += deadline.tv_nsec / 1000000000;
		deadline.tv_nsec %= 1000000000;
		pthread_mutex_lock(&s->lock);
		int r = 0;
		while (s->len && !s->broken && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&s->changed, &s->lock, &deadline);
		pthread_mutex_unlock(&s->lock);
	}
}

/* The screen's sink holds nobody back: frames wait for room themselves (console_put_screen). */
bool console_has_room(void)
{
	for (unsigned i = 0; i < nsinks; i++)
		if (sinks[i].started && !sinks[i].screen && sink_used(&sinks[i]) > sinks[i].fill)
			return false;
	return true;
}

void console_wait_for_room(void)
{
	for (unsigned i = 0; i < nsinks; i++) {
		struct sink *s = &sinks[i];
		if (!s->started || s->screen)
			continue;
		pthread_mutex_lock(&s->lock);
		while (s->len > s->fill && !s->broken && !s->release_waiters)
			pthread_cond_wait(&s->changed, &s->lock);
		pthread_mutex_unlock(&s->lock);
	}
}

void console_release_waiters(void)
{
	for (unsigned i = 0; i < nsinks; i++) {
		struct sink *s = &sinks[i];
		if (!s->started)
			continue;
		pthread_mutex_lock(&s->lock);
		s->release_waiters = true;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->lock);
	}
}

void console_flush_lines(void)
{
	for (unsigned i = 0; i < STREAM_COUNT; i++) {
		if (streams[i].held_cr) { /* a CR at the very end stays */
			streams[i].held_cr = false;
			append(&streams[i], '\r');
		}
		push_line(&streams[i]);
	}
}

bool console_finish(int timeout_ms)
{
	console_flush_lines();
	/* On a terminal, vmm's last message starts a line of its own. */
	for (unsigned i = 0; i < nsinks; i++)
		if (sinks[i].started && !sinks[i].closing && sinks[i].last &&
		    sinks[i].last != '\n' && sinks[i].tty)
			sink_put(&sinks[i], "\r\n", 2);
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	bool all_done = true;
	for (unsigned i = 0; i < nsinks; i++) {
		struct sink *s = &sinks[i];
		if (!s->started)
			continue;
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
		if (done) {
			pthread_join(s->writer, NULL);
			s->started = false;
			if (dropped)
				log_msg("%llu bytes of guest output to %s were dropped (a bug in "
					"vmm: please report)\n",
					(unsigned long long)dropped, s->name);
		}
		all_done &= done;
	}
	return all_done;
}

/* ---- routing: the options -------------------------------------------------------------- */

/* "stdio" or "stdout", "stderr", "none", or a file (opened once, however often named). */
static int open_route(const char *where, const char *option, char *err, size_t errlen)
{
	static struct {
		const char *path;
		int fd;
	} files[2];
	if (strcmp(where, "none") == 0)
		return -1;
	if (strcmp(where, "stdio") == 0 || strcmp(where, "stdout") == 0)
		return STDOUT_FILENO;
	if (strcmp(where, "stderr") == 0)
		return STDERR_FILENO;
	for (unsigned i = 0; i < ARRAY_SIZE(files); i++)
		if (files[i].path && strcmp(files[i].path, where) == 0)
			return files[i].fd;
	int fd = open(where, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0) {
		snprintf(err, errlen, "%s %s: %s", option, where, strerror(errno));
		return -2;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(files); i++)
		if (!files[i].path) {
			files[i].path = where;
			files[i].fd = fd;
			break;
		}
	return fd;
}

int console_configure(const struct options *o, struct console_plan *plan, char *err, size_t errlen)
{
	enum display_mode display = o->display;
	/* Auto: the screen in the terminal, unless standard output is not one, or was given to
	 * COM1 or the debug log, or there is no VGA to show. */
	bool stdout_taken =
	    (o->serial && (!strcmp(o->serial, "stdio") || !strcmp(o->serial, "stdout"))) ||
	    (o->debugcon && (!strcmp(o->debugcon, "stdio") || !strcmp(o->debugcon, "stdout")));
	if (display == DISPLAY_AUTO)
		display = isatty(STDOUT_FILENO) && o->vga && !stdout_taken ? DISPLAY_TEXT
									   : DISPLAY_SERIAL;
	if (display == DISPLAY_TEXT && !o->vga) {
		snprintf(err, errlen, "--display text needs the VGA adapter (not --vga none)");
		return -1;
	}
	bool text = display == DISPLAY_TEXT;
	const char *serial = o->serial ? o->serial : text ? "none" : "stdio";
	const char *debugcon = o->debugcon ? o->debugcon : text ? "none" : "stdout";
	if (text && stdout_taken) {
		snprintf(err, errlen,
			 "with --display text the screen takes standard output: "
			 "send COM1 and the debug log to a file, stderr or none");
		return -1;
	}
	int com1 = open_route(serial, "--serial", err, errlen);
	int log = open_route(debugcon, "--debugcon", err, errlen);
	if (com1 == -2 || log == -2)
		return -1;
	/* Terminal control codes (SeaBIOS's serial console sends them) only to a terminal. */
	int e = console_route_output(STREAM_COM1, com1,
				     com1 == STDOUT_FILENO ? "standard output" : serial,
				     com1 >= 0 && !isatty(com1));
	e |= console_route_output(STREAM_DEBUGCON, log,
				  log == STDOUT_FILENO	 ? "standard output"
				  : log == STDERR_FILENO ? "standard error"
							 : debugcon,
				  false);
	if (text)
		e |= console_route_screen(STDOUT_FILENO);
	if (e) {
		snprintf(err, errlen, "too many output files");
		return -1;
	}
	console_input_to(text			 ? STREAM_KEYBOARD
			 : com1 == STDOUT_FILENO ? STREAM_COM1
						 : STREAM_COUNT);
	*plan = (struct console_plan){
	    .display = display,
	    .serial_console = display == DISPLAY_SERIAL,
	    .screen_not_in_log = display == DISPLAY_SERIAL && com1 >= 0 && com1 == log,
	    .no_debug_log = log < 0,
	};
	return 0;
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
	bool tty;	  /* a terminal: raw mode, and the Ctrl-A commands */
	bool job_control; /* our controlling terminal: read it only in the foreground */
	bool want_raw;	  /* raw mode whenever vmm has the terminal */
	bool raw;	  /* raw mode is in effect */
	bool eof, watching, wake_pending;
	bool ctrl_a;	 /* Ctrl-A was typed: the next key is a command for vmm */
	pid_t pid, pgrp; /* ours; is the terminal's foreground job ours? */
	struct termios saved;
	uint8_t pending[4096]; /* read but not yet taken by the device */
	size_t len;
	struct {
		console_deliver_fn *deliver;
		void *dev;
	} inputs[STREAM_COUNT];
} in;					    /* zero-initialised: its buffer costs no file space */
static unsigned input_stream = STREAM_COM1; /* where standard input goes */

void console_connect_input(unsigned stream, console_deliver_fn *deliver, void *dev)
{
	if (stream < STREAM_COUNT)
		in.inputs[stream].deliver = deliver, in.inputs[stream].dev = dev;
}

void console_input_to(unsigned stream)
{
	input_stream = stream;
}

static bool foreground(void)
{
	return !in.job_control || tcgetpgrp(STDIN_FILENO) == in.pgrp;
}

static void set_raw(void)
{
	/* Every key goes to the guest as it is typed, unechoed, Ctrl-C and Ctrl-Z too: vmm's
	 * own commands follow Ctrl-A. Output keeps its newline translation. */
	struct termios raw = in.saved;
	raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO | ISIG | IEXTEN);
	raw.c_iflag &= (tcflag_t) ~(ICRNL | INLCR | IGNCR | IXON | ISTRIP);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	in.raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static void input_deliver(void)
{
	if (input_stream >= STREAM_COUNT)
		return; /* standard input goes nowhere */
	console_deliver_fn *deliver = in.inputs[input_stream].deliver;
	if (!deliver)
		return;
	/* Even with nothing pending: a decoder may have a key to finish (a lone Esc). */
	size_t n = deliver(in.inputs[input_stream].dev, in.pending, in.len);
	memmove(in.pending, in.pending + n, in.len - n);
	in.len -= n;
}

static void (*overwritten)(void);

void console_on_overwrite(void (*fn)(void))
{
	overwritten = fn;
}

static const char ctrl_a_help[] = "Ctrl-A x  quit vmm (status 0)\r\n"
				  "Ctrl-A z  suspend vmm (fg resumes it)\r\n"
				  "Ctrl-A a  send Ctrl-A to the guest (Ctrl-A Ctrl-A too)\r\n"
				  "Ctrl-A h  this help\r\n";

/* Typed on vmm's terminal, Ctrl-A starts a command for vmm, as in QEMU. Machine lock held. */
static size_t take_commands(uint8_t *buf, size_t n)
{
	size_t out = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = buf[i];
		if (!in.ctrl_a) {
			if (c == 0x01)
				in.ctrl_a = true;
			else
				buf[out++] = c;
			continue;
		}
		in.ctrl_a = false;
		switch (c) {
		case 'x':
		case 'X': machine_stop(EXIT_GUEST_DONE, "quit (Ctrl-A x)"); break;
		case 'z':
		case 'Z': syscall(SYS_tgkill, in.pid, in.pid, SIGTSTP); break;
		case 'a':
		case 0x01: buf[out++] = 0x01; break;
		case 'h':
		case 'H':
		case '?': {
			ssize_t r = write(STDERR_FILENO, ctrl_a_help, sizeof(ctrl_a_help) - 1);
			(void)r;
			if (overwritten) /* the help was written over the screen */
				overwritten();
			break;
		}
		default: break; /* not a command: nothing */
		}
	}
	return out;
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
			size_t n = in.tty ? take_commands(buf, (size_t)r) : (size_t)r;
			memcpy(in.pending + in.len, buf, n); /* room only grew meanwhile */
			in.len += n;
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
	if (stream != input_stream)
		return;
	input_deliver();
	/* Room again: have the I/O thread read more (a file), or watch the terminal again. */
	bool more = in.mode != INPUT_NONE && !in.eof && in.len < sizeof(in.pending) &&
		    (in.mode == INPUT_FILE || !in.watching);
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

/* Every tick: a decoder may finish a key (Esc), and the terminal may be ours again. */
static void input_tick(void)
{
	input_deliver();
	input_refresh();
}

void console_resume(void)
{
	machine_lock();
	input_refresh(); /* in the foreground again? (after bg, the tick keeps checking) */
	machine_unlock();
}

int console_start(unsigned vcpus)
{
	for (unsigned i = 0; i < nsinks; i++)
		if (sink_start(&sinks[i], vcpus) < 0)
			return -1;
	if (event_on_wake(on_wake) < 0) {
		errno = ENOSPC;
		return -1;
	}
	if (input_stream >= STREAM_COUNT)
		return 0; /* standard input goes nowhere: leave it and the terminal alone */
	/* A read or tcsetattr from the background then fails instead of stopping vmm. */
	struct sigaction ignore = {.sa_handler = SIG_IGN};
	if (sigaction(SIGTTIN, &ignore, NULL) < 0 || sigaction(SIGTTOU, &ignore, NULL) < 0)
		return -1;
	bool tty = tcgetattr(STDIN_FILENO, &in.saved) == 0;
	in.tty = tty;
	in.pid = getpid();
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
