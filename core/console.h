/* The terminal and the guest's character streams (vmm.h's enum stream_id).
 *
 * Output: each stream keeps its own line buffer; whole lines (or a partial line that has sat
 * idle for a moment, such as a prompt) go to the stream's sink, standard output, where a
 * writer thread of its own writes them with ordinary blocking writes. A slow reader makes the
 * guest wait (vCPUs pause before re-entering the guest while a sink is nearly full); nothing
 * ever changes the flags of a descriptor vmm shares with its parent.
 *
 * Input: standard input feeds one stream (COM1). The I/O thread reads it when epoll says it
 * is readable, or, for a regular file, whenever the guest has taken what was read before;
 * a terminal is put in raw mode while vmm runs in its foreground. */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include "options.h"

typedef size_t console_deliver_fn(void *dev, const uint8_t *buf, size_t len);

/* What --display, --serial and --debugcon come to. */
struct console_plan {
	enum display_mode display; /* never DISPLAY_AUTO */
	bool serial_console;	   /* SeaBIOS mirrors its screen to COM1 */
	bool screen_not_in_log;	   /* the debug log shares COM1's output: keep screen text out */
	bool no_debug_log;	   /* the debug log goes nowhere */
};
/* Resolve the options: open the files named, route the streams, pick what standard input
 * feeds. 0, or -1 with a message in err (a usage error). */
int console_configure(const struct options *o, struct console_plan *plan, char *err, size_t errlen);

/* A stream's receiver: deliver returns how many bytes it took (it is also called with no
 * bytes, on each tick, for a decoder that waits to tell a lone Esc from a sequence). */
void console_connect_input(unsigned stream, console_deliver_fn *deliver, void *dev);
/* Which stream standard input feeds (COM1 unless told otherwise); before console_start. */
void console_input_to(unsigned stream);
/* Where a stream's output goes: a descriptor (streams naming the same one share its writer,
 * so their lines keep their order) or nowhere (fd -1); strip drops terminal control
 * sequences. Before console_start. 0, or -1 when there are too many descriptors. */
int console_route_output(unsigned stream, int fd, const char *name, bool strip);
/* The text screen is drawn on fd (its sink gets room for whole frames). Before start. */
int console_route_screen(int fd);
/* Queue a frame for fd; false (nothing queued) when the terminal lags behind, unless force
 * (the last frame, the end of the screen). */
bool console_put_screen(int fd, const char *p, size_t n, bool force);
/* Wait up to timeout_ms for fd's queued output to be written (before suspending). */
void console_drain(int fd, int timeout_ms);
/* What to call when vmm wrote something of its own over the terminal (Ctrl-A h). */
void console_on_overwrite(void (*fn)(void));
/* Push every partial line out now. Machine lock held. */
void console_flush_lines(void);
/* Start the output writer and standard input (needs the event loop), sized for this many
 * vCPUs writing at once. 0, or -1 with errno. */
int console_start(unsigned vcpus);

/* Machine lock held (I/O thread): move idle partial lines out. */
void console_tick(void);
/* Whether the sinks have room for a burst of output (the I/O thread produces only then). */
bool console_has_room(void);
/* vCPU thread, machine lock not held: wait while a sink is nearly full, unless stopping. */
void console_wait_for_room(void);
/* Stop making anyone wait for room (the machine is stopping). */
void console_release_waiters(void);
/* The end: push out partial lines and wait up to timeout_ms (-1: no limit) for the writers
 * to finish. Returns false if output was still waiting when time ran out. */
bool console_finish(int timeout_ms);

/* Put the terminal back as it was (registered with atexit; safe to call twice). */
void console_restore_terminal(void);
/* The same from a signal handler: async-signal-safe. */
void console_restore_terminal_now(void);
/* Ctrl-Z and fg: give the terminal back while stopped, take it again after. */
void console_suspend(void);
void console_resume(void);

#endif
