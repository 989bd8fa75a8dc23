/* The text screen on the terminal and in --screendump files. */
#include "display.h"

#include "console.h"
#include "event.h"
#include "screen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define FRAME_NS 33333333 /* 30 frames a second */

static const char screen_end[] = "\x1b[0m\x1b[?25h\x1b[?7h\r\n";

static struct {
	const struct vga *vga;
	const uint8_t *ram;
	uint64_t ram_size;
	int fd, timer_fd;
	bool drawing, have_prev, in_graphics;
	unsigned term_rows, term_cols; /* 0: unknown */
	uint64_t redraw_at;	       /* machine time of a full redraw to come; 0: none */
	struct screen prev, next;      /* what the terminal shows; what it should */
	char frame[SCREEN_FRAME_MAX];
} d; /* zero-initialised: its buffers cost no file space */

static int dump_fd = -1;
static char dump_path[4096], dump_tmp[4096 + 32];

void display_attach(const struct vga *v, const uint8_t *ram, uint64_t ram_size)
{
	d.vga = v;
	d.ram = ram;
	d.ram_size = ram_size;
}

static void capture(struct screen *s)
{
	machine_lock();
	machine_flush_batched(); /* the cursor and mode as the guest last wrote them */
	screen_capture(s, d.vga, d.ram, d.ram_size);
	machine_unlock();
}

/* Draw only what fits the terminal: past its edge a cursor move is clamped, and cells
 * there would overwrite its last column or row. */
static void clip(struct screen *s)
{
	if (d.term_cols && s->cols > d.term_cols)
		s->cols = d.term_cols;
	if (d.term_rows && s->rows > d.term_rows)
		s->rows = d.term_rows;
	if (s->cursor_on && (s->cursor_row >= s->rows || s->cursor_col >= s->cols))
		s->cursor_on = false;
}

/* A graphics mode is not drawn: say so on the screen itself, once per switch. */
static void graphics_notice(void)
{
	static const char notice[] =
	    "\x1b[0m\x1b[H\x1b[2J\x1b[?25lvmm: the guest switched to a graphics mode; vmm shows "
	    "text modes only.\r\n";
	if (console_put_screen(d.fd, notice, sizeof(notice) - 1, false)) {
		d.in_graphics = true;
		d.have_prev = false; /* back in text: all of it again */
	}
}

/* One frame: whatever changed since the last one the terminal got. */
static void draw(bool force)
{
	capture(&d.next);
	clip(&d.next);
	if (d.next.graphics) {
		if (!d.in_graphics)
			graphics_notice();
		return;
	}
	d.in_graphics = false;
	if (d.redraw_at && clock_ns() >= d.redraw_at) {
		d.redraw_at = 0;
		d.have_prev = false;
	}
	if (d.have_prev && screen_same(&d.prev, &d.next))
		return;
	size_t n = screen_render(d.have_prev ? &d.prev : NULL, &d.next, d.frame, sizeof(d.frame));
	if (n && console_put_screen(d.fd, d.frame, n, force)) {
		d.prev = d.next;
		d.have_prev = true;
	} /* else the terminal lags: the next frame covers this one's changes too */
}

static void on_frame(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	uint64_t expirations;
	ssize_t r = read(d.timer_fd, &expirations, sizeof(expirations));
	(void)r;
	draw(false);
}

/* Something was written over the screen: redraw it whole in a few seconds. */
static void redraw_soon(void)
{
	d.redraw_at = clock_ns() + 3000000000ull;
}

static void measure_terminal(void)
{
	struct winsize ws;
	if (ioctl(d.fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		d.term_rows = ws.ws_row;
		d.term_cols = ws.ws_col;
	}
}

int display_start(int fd)
{
	d.fd = fd;
	measure_terminal();
	d.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec every = {.it_interval = {.tv_nsec = FRAME_NS},
				   .it_value = {.tv_nsec = FRAME_NS}};
	if (d.timer_fd < 0 || timerfd_settime(d.timer_fd, 0, &every, NULL) < 0 ||
	    event_watch(d.timer_fd, EPOLLIN, on_frame, NULL) < 0)
		return -1;
	d.drawing = true;
	console_on_overwrite(redraw_soon);
	return 0;
}

void display_redraw(void)
{
	measure_terminal();
	d.have_prev = false;
}

void display_suspend(void)
{
	if (!d.drawing)
		return;
	console_put_screen(d.fd, screen_end, sizeof(screen_end) - 1, true);
	console_drain(d.fd, 500); /* the shell gets its cursor and line wrapping back */
	d.have_prev = false;	  /* after fg: all of the screen again */
}

void display_finish(void)
{
	if (!d.drawing)
		return;
	draw(true);
	size_t n = screen_render_end(&d.next, d.frame, sizeof(d.frame));
	console_put_screen(d.fd, d.frame, n, true);
}

void display_restore_now(void)
{
	if (d.drawing) {
		ssize_t r = write(d.fd, screen_end, sizeof(screen_end) - 1);
		(void)r;
	}
}

static void abandon_dump(void)
{
	if (dump_fd >= 0)
		unlink(dump_tmp); /* vmm ended before the guest could run */
}

int screendump_prepare(const char *path, char *err, size_t errlen)
{
	if (strlen(path) >= sizeof(dump_path)) {
		snprintf(err, errlen, "--screendump %s: the name is too long", path);
		return -1;
	}
	snprintf(dump_path, sizeof(dump_path), "%s", path);
	snprintf(dump_tmp, sizeof(dump_tmp), "%s.vmm-%d", path, (int)getpid());
	/* A new file of our own: never through a link someone left in its place. */
	dump_fd =
	    open(dump_tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0666);
	if (dump_fd < 0) {
		snprintf(err, errlen, "--screendump %s: creating %s: %s", path, dump_tmp,
			 strerror(errno));
		return -1;
	}
	atexit(abandon_dump);
	return 0;
}

int screendump_write(void)
{
	if (dump_fd < 0 || !d.vga)
		return 0;
	static struct screen s;
	static char text[VGA_MAX_ROWS * (VGA_MAX_COLS * 3 + 1)];
	capture(&s);
	size_t n = screen_dump(&s, text, sizeof(text));
	for (size_t off = 0; off < n;) {
		ssize_t r = write(dump_fd, text + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			dump_fd = -1;
			return -1;
		}
		off += (size_t)r;
	}
	/* A reader sees the old file or the whole new one, never half of it. */
	int r = (int)syscall(SYS_rename, dump_tmp, dump_path);
	dump_fd = -1; /* written or not, there is nothing left to undo */
	return r;
}
