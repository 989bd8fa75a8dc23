/* The run-time threads without KVM, for ThreadSanitizer: a fake vCPU thread drives the board's
 * devices through the port bus while the real I/O thread (event loop, device timers, standard
 * input) and the console's writer thread run, as in vmm. Standard input and output are pipes:
 * a writer feeds 20000 bytes in, a deliberately slow reader takes the output.
 *
 * Checks what a user would see: every byte typed reaches the guest's COM1 in order (more than
 * one buffer's worth), the debug log and COM1 lines come out whole although the guest writes
 * them a byte of each in turn, all of them, in order, through a slow reader; the RTC's
 * periodic interrupt fires from the I/O thread meanwhile. */
#include "fake_machine.h"

#include "../core/board.h"
#include "../core/console.h"
#include "../core/event.h"
#include "../core/timer.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define INPUT_BYTES 20000
#define LINES	    2000

static struct board board;
static FILE *report;
static int passed, failed;
static volatile int vcpu_done;

static void result(int good, const char *name)
{
	good ? passed++ : failed++;
	fprintf(report, "%s - thread: %s\n", good ? "ok" : "not ok", name);
}

/* ---- the outside world: a typist and a slow reader --------------------------------------- */

static void *typist(void *arg)
{
	int fd = *(int *)arg;
	char buf[1000];
	for (int sent = 0; sent < INPUT_BYTES; sent += (int)sizeof(buf)) {
		for (unsigned i = 0; i < sizeof(buf); i++)
			buf[i] = (char)('a' + (sent + (int)i) % 26);
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			break;
	}
	close(fd);
	return NULL;
}

static char output[1 << 20];
static size_t output_len;

static void *slow_reader(void *arg)
{
	int fd = *(int *)arg;
	ssize_t r;
	while (output_len < sizeof(output) &&
	       (r = read(fd, output + output_len,
			 sizeof(output) - output_len > 700 ? 700 : sizeof(output) - output_len)) >
		   0) {
		output_len += (size_t)r;
		struct timespec nap = {.tv_nsec = 2000000}; /* 2 ms between reads of 700 bytes */
		nanosleep(&nap, NULL);
	}
	return NULL;
}

/* ---- the guest ------------------------------------------------------------------------------ */

static uint8_t received[INPUT_BYTES];
static size_t nreceived;

static uint8_t inb(uint16_t port)
{
	uint8_t d = 0;
	bus_access(&board.io, port, 1, false, &d);
	return d;
}

static void outb(uint16_t port, uint8_t v)
{
	bus_access(&board.io, port, 1, true, &v);
}

/* Like a vCPU: each "exit" under the machine lock, and a pause for room before the next. */
static void *vcpu(void *arg)
{
	(void)arg;
	char dbg[64], com[64];
	for (int line = 0; line < LINES || nreceived < INPUT_BYTES; line++) {
		console_wait_for_room();
		machine_lock();
		if (line < LINES) {
			int n = snprintf(dbg, sizeof(dbg), "debug log line %d of the test\n", line);
			int m = snprintf(com, sizeof(com), "com1 line %d, from the serial port\n",
					 line);
			for (int i = 0; i < n || i < m; i++) { /* a byte of each in turn */
				if (i < n)
					outb(0x402, (uint8_t)dbg[i]);
				if (i < m)
					outb(0x3f8, (uint8_t)com[i]);
			}
		}
		while ((inb(0x3fd) & 0x01) && nreceived < INPUT_BYTES)
			received[nreceived++] = inb(0x3f8);
		outb(0x70, 0x0c);
		(void)inb(0x71); /* acknowledge the RTC */
		machine_unlock();
		if (line > 100000)
			break; /* input stalled: the check below says so */
		if (line >= LINES) {
			struct timespec nap = {.tv_nsec = 100000};
			nanosleep(&nap, NULL);
		}
	}
	__atomic_store_n(&vcpu_done, 1, __ATOMIC_SEQ_CST);
	event_wake();
	return NULL;
}

/* ---- the I/O thread's device timer, as in vmm.c ------------------------------------------- */

static int timer_fd;
static void on_device_timer(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	uint64_t n;
	ssize_t r = read(timer_fd, &n, sizeof(n));
	(void)r;
	machine_lock();
	timers_run(clock_ns());
	machine_unlock();
}

int main(void)
{
	report = fdopen(dup(STDOUT_FILENO), "w");
	setvbuf(report, NULL, _IOLBF, 0);
	fake_real_clock = true;
	int in_pipe[2], out_pipe[2];
	if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0 || dup2(in_pipe[0], STDIN_FILENO) < 0 ||
	    dup2(out_pipe[1], STDOUT_FILENO) < 0) {
		perror("thread-test: pipes");
		return 1;
	}
	close(in_pipe[0]);
	close(out_pipe[1]);

	static const struct board_config config = {
	    .ram_size = 128 * MiB, .bios_size = 128 * KiB, .cpus = 1};
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (event_init() < 0 || board_init(&board, &config) < 0 || timer_fd < 0 ||
	    console_route_output(STREAM_DEBUGCON, STDOUT_FILENO, "standard output", false) < 0 ||
	    console_route_output(STREAM_COM1, STDOUT_FILENO, "standard output", false) < 0 ||
	    event_watch(timer_fd, EPOLLIN, on_device_timer, NULL) < 0 || console_start(1) < 0) {
		perror("thread-test: setup");
		return 1;
	}
	timers_use_fd(timer_fd);
	/* The guest's set-up, before any input can arrive: turning the FIFOs on clears them, as
	 * on a 16550A, and would drop a byte the I/O thread had already delivered. */
	machine_lock();
	outb(0x3fa, 0x01); /* FIFOs on */
	outb(0x70, 0x0b);  /* RTC periodic interrupts at 1024 Hz */
	outb(0x71, 0x42);
	machine_unlock();

	pthread_t t_typist, t_reader, t_vcpu;
	pthread_create(&t_typist, NULL, typist, &in_pipe[1]);
	pthread_create(&t_reader, NULL, slow_reader, &out_pipe[0]);
	pthread_create(&t_vcpu, NULL, vcpu, NULL);
	unsigned long wakeups = 0;
	while (!__atomic_load_n(&vcpu_done, __ATOMIC_SEQ_CST)) {
		event_run_once(100);
		wakeups++;
	}
	pthread_join(t_vcpu, NULL);
	pthread_join(t_typist, NULL);
	/* The typist is gone: a while of the guest idling with standard input at its end. */
	for (int i = 0; i < 20; i++)
		event_run_once(10);
	console_finish(-1);
	close(STDOUT_FILENO); /* the reader sees the end */
	pthread_join(t_reader, NULL);

	int in_order = nreceived == INPUT_BYTES;
	for (size_t i = 0; in_order && i < nreceived; i++)
		in_order = received[i] == 'a' + i % 26;
	if (!in_order)
		fprintf(report, "  received %zu of %d bytes\n", nreceived, INPUT_BYTES);
	result(in_order, "all 20000 bytes of piped input reach COM1, in order");

	int next_dbg = 0, next_com = 0, whole = 1;
	char *save = NULL;
	output[output_len < sizeof(output) ? output_len : sizeof(output) - 1] = 0;
	for (char *l = strtok_r(output, "\n", &save); l && whole; l = strtok_r(NULL, "\n", &save)) {
		char want_dbg[64], want_com[64];
		snprintf(want_dbg, sizeof(want_dbg), "debug log line %d of the test", next_dbg);
		snprintf(want_com, sizeof(want_com), "com1 line %d, from the serial port",
			 next_com);
		if (strcmp(l, want_dbg) == 0)
			next_dbg++;
		else if (strcmp(l, want_com) == 0)
			next_com++;
		else {
			fprintf(report, "  unexpected line: '%s'\n", l);
			whole = 0;
		}
	}
	result(whole && next_dbg == LINES && next_com == LINES,
	       "interleaved debug-log and COM1 output arrives as whole lines, all of them, "
	       "through a slow reader");
	machine_lock();
	unsigned rtc = fake_irq_raised[8];
	machine_unlock();
	fprintf(report, "# %u RTC interrupts from the I/O thread, %lu I/O thread wake-ups\n", rtc,
		wakeups);
	/* Standard input ended long before the guest did: a hung-up pipe must not wake the I/O
	 * thread over and over (epoll reports a hang-up whatever it is asked for). */
	result(wakeups < 20000, "the I/O thread sleeps once standard input has ended");
	result(rtc > 10, "the RTC's periodic interrupt fires from the I/O thread meanwhile");
	fprintf(report, "# thread tests: %d ok, %d not ok\n", passed, failed);
	return failed != 0;
}
