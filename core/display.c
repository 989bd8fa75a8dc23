/* The text screen on the terminal and in --screendump files. */
#include "display.h"

#include "console.h"
#include "event.h"
#include "screen.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define FRAME_NS 33333333 /* 30 frames a second */

static struct {
	const struct vga *vga;
	const uint8_t *ram;
	uint64_t ram_size;
	int fd, timer_fd;
	bool drawing, have_prev, noted_graphics;
	struct screen prev, next; /* what the terminal shows; what it should */
	char frame[128 * 1024];
	char dump_path[4096], dump_tmp[4096 + 32];
} d; /* zero-initialised: its buffers cost no file space */
static int dump_fd = -1;

void display_attach(const struct vga *v, const uint8_t *ram, uint64_t ram_size)
{
	d.vga = v;
	d.ram = ram;
	d.ram_size = ram_size;
}

static void capture(struct screen *s)
{
	machine_lock();
	screen_capture(s, d.vga, d.ram, d.ram_size);
	machine_unlock();
}

/* One frame: whatever changed since the last one the terminal got. */
static void draw(bool force)
{
	capture(&d.next);
	if (d.next.graphics && !d.noted_graphics) {
		d.noted_graphics = true;
		log_msg("the guest switched to a graphics mode; vmm shows text modes only\n");
	}
	if (d.have_prev && screen_same(&d.prev, &d.next))
		return;
	size_t n = screen_render(d.have_prev ? &d.prev : NULL, &d.next, d.frame, sizeof(d.frame));
	if (!n)
		return; /* cannot happen: the buffer holds a full redraw of the largest screen */
	if (console_put_screen(d.fd, d.frame, n) || force) {
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

int display_start(int fd)
{
	d.fd = fd;
	d.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec every = {.it_interval = {.tv_nsec = FRAME_NS},
				   .it_value = {.tv_nsec = FRAME_NS}};
	if (d.timer_fd < 0 || timerfd_settime(d.timer_fd, 0, &every, NULL) < 0 ||
	    event_watch(d.timer_fd, EPOLLIN, on_frame, NULL) < 0)
		return -1;
	d.drawing = true;
	return 0;
}

void display_redraw(void)
{
	d.have_prev = false;
}

void display_finish(void)
{
	if (!d.drawing)
		return;
	draw(true);
	size_t n = screen_render_end(&d.next, d.frame, sizeof(d.frame));
	console_put_screen(d.fd, d.frame, n);
}

int screendump_prepare(const char *path, char *err, size_t errlen)
{
	if (strlen(path) >= sizeof(d.dump_path)) {
		snprintf(err, errlen, "--screendump %s: the name is too long", path);
		return -1;
	}
	snprintf(d.dump_path, sizeof(d.dump_path), "%s", path);
	snprintf(d.dump_tmp, sizeof(d.dump_tmp), "%s.vmm-%d", path, (int)getpid());
	dump_fd = open(d.dump_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
	if (dump_fd < 0) {
		snprintf(err, errlen, "--screendump %s: creating %s: %s", path, d.dump_tmp,
			 strerror(errno));
		return -1;
	}
	return 0;
}

int screendump_write(void)
{
	if (dump_fd < 0)
		return 0;
	static struct screen s;
	static char text[VGA_MAX_ROWS * (VGA_MAX_COLS * 3 + 1)];
	capture(&s);
	size_t n = screen_dump(&s, text, sizeof(text));
	for (size_t off = 0; off < n;) {
		ssize_t r = write(dump_fd, text + off, n - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	/* A reader sees the old file or the whole new one, never half of it. */
	if (syscall(SYS_rename, d.dump_tmp, d.dump_path) < 0)
		return -1;
	dump_fd = -1;
	return 0;
}
