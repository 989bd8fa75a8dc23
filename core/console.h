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

#include "../vmm.h"

typedef size_t console_deliver_fn(void *dev, const uint8_t *buf, size_t len);

/* Where a stream's input goes: deliver returns how many bytes the device took. */
void console_connect_input(unsigned stream, console_deliver_fn *deliver, void *dev);
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
