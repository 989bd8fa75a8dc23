/* vmm: a legacy x86 PC on Linux KVM that boots SeaBIOS. This file is the core: options,
 * the BIOS image, the VM set up in the classic order, and the run loop that hands each VM
 * exit to the device model that owns the port. The device models live in devices/. */
#include "vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifdef VMM_SANITIZED
#include <sanitizer/lsan_interface.h>
#endif
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#define KiB 1024ull
#define MiB (1024 * KiB)
#define GiB (1024 * MiB)

#define BIOS_MIN	  (64 * KiB)
#define BIOS_MAX	  (16 * MiB)
#define BIOS_LOW_MAX	  (128 * KiB) /* how much of the image also appears below 1 MiB */
#define RAM_DEFAULT	  (128 * MiB)
#define RAM_MIN		  (16 * MiB) /* SeaBIOS keeps its relocated init code below the top */
#define RAM_MAX		  (1024 * GiB)
#define RAM_BELOW_4G_MAX  (3 * GiB)   /* the rest of the first 4 GiB is the PCI hole and BIOS */
#define IDENTITY_MAP_ADDR 0xfeffc000u /* one page, then the three-page TSS (Intel only) */
#define TSS_ADDR	  0xfeffd000u
#define COM1_PORT	  0x3f8
#define COM1_IRQ	  4

int debug_level;

/* ---- options ------------------------------------------------------------------------- */

#ifndef VMM_NO_MAIN
static const char usage_text[] =
    "Usage: vmm [OPTIONS]\n"
    "Boot a legacy x86 PC with SeaBIOS on Linux KVM.\n"
    "\n"
    "  -b, --bios FILE     BIOS image to boot instead of the built-in SeaBIOS\n"
    "                      (a multiple of 64 KiB, from 64 KiB to 16 MiB)\n"
    "  -m, --memory SIZE   guest RAM, with optional K, M, G or T suffix; a plain\n"
    "                      number means MiB (default 128M, at least 16M)\n"
    "  -d, --debug LEVEL   0 errors only (default), 1 each setup step and the reason\n"
    "                      vmm stops, 2 also unhandled ports, 3 also every VM exit\n"
    "      --boot-menu     let SeaBIOS offer its boot menu (\"Press ESC\")\n"
    "      --no-seccomp    do not confine the run loop to its few system calls\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "The BIOS debug log (port 0x402) and COM1 go to standard output; vmm's own\n"
    "messages go to standard error.\n"
    "\n"
    "Exit status:\n"
    "  0    the guest asked for a reset or power-off (SeaBIOS does this after\n"
    "       \"No bootable device\")\n"
    "  1    error: unusable BIOS file, no KVM, a failed system call, a VM exit\n"
    "       vmm cannot handle\n"
    "  2    bad command line\n"
    "  3    the guest triple-faulted\n"
    "  4    vmm made a system call its seccomp filter forbids (a bug in vmm)\n"
    "  128+N  stopped by signal N (130 for Ctrl-C, 143 for SIGTERM)\n";
#endif

void log_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("vmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* Parse a size such as 512, 512M, 2G or 65536K; a plain number is MiB, as in QEMU's -m. */
int parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	unsigned shift = 20;
	switch (*p) {
	case '\0': break;
	case 'k':
	case 'K':
		shift = 10;
		p++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		p++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		p++;
		break;
	case 't':
	case 'T':
		shift = 40;
		p++;
		break;
	default: return -1;
	}
	if (*p == 'i' && p[1] == 'B')
		p += 2;
	else if (*p == 'B')
		p++;
	if (*p != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*out = v << shift;
	return 0;
}

/* Returns 0 and fills o, or -1 with a message in err (a usage error). */
int parse_options(int argc, char **argv, struct options *o, char *err, size_t errlen)
{
	static const struct option longopts[] = {
	    {"bios", required_argument, NULL, 'b'},  {"memory", required_argument, NULL, 'm'},
	    {"debug", required_argument, NULL, 'd'}, {"boot-menu", no_argument, NULL, 'M'},
	    {"no-seccomp", no_argument, NULL, 'S'},  {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},     {NULL, 0, NULL, 0}};
	*o = (struct options){.ram_size = RAM_DEFAULT, .seccomp = true};
	optind = 0; /* full rescan, so the parser can run more than once (tests, fuzzing) */
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":b:m:d:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bios_path = optarg; break;
		case 'm':
			if (parse_size(optarg, &o->ram_size) < 0) {
				snprintf(err, errlen, "invalid memory size '%s'", optarg);
				return -1;
			}
			if (o->ram_size < RAM_MIN || o->ram_size > RAM_MAX) {
				snprintf(err, errlen,
					 "memory size '%s' is out of range (16M to 1T)", optarg);
				return -1;
			}
			if (o->ram_size % (4 * KiB)) {
				snprintf(err, errlen, "memory size '%s' is not a multiple of 4K",
					 optarg);
				return -1;
			}
			break;
		case 'd':
			if (optarg[0] < '0' || optarg[0] > '3' || optarg[1] != '\0') {
				snprintf(err, errlen, "invalid debug level '%s' (0 to 3)", optarg);
				return -1;
			}
			o->debug = optarg[0] - '0';
			break;
		case 'M': o->boot_menu = true; break;
		case 'S': o->seccomp = false; break;
		case 'h': o->help = true; break;
		case 'V': o->version = true; break;
		case ':':
			snprintf(err, errlen, "option '%s' needs an argument", argv[optind - 1]);
			return -1;
		default: snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]); return -1;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- the BIOS image ------------------------------------------------------------------ */

extern const uint8_t bios_image_start[], bios_image_end[]; /* bios.S */

/* Read a BIOS image into page-aligned read-only memory. Returns 0, or -1 with err set. */
int load_bios(const char *path, const uint8_t **image, size_t *size, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "opening BIOS image %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "examining BIOS image %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	const char *problem = NULL;
	if (!S_ISREG(st.st_mode))
		problem = S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file";
	else if (st.st_size == 0)
		problem = "is empty";
	else if (st.st_size < (off_t)BIOS_MIN || st.st_size > (off_t)BIOS_MAX)
		problem = "must be 64 KiB to 16 MiB";
	else if (st.st_size % (off_t)BIOS_MIN)
		problem = "is not a multiple of 64 KiB";
	if (problem) {
		snprintf(err, errlen, "BIOS image %s %s (size %lld bytes)", path, problem,
			 (long long)st.st_size);
		close(fd);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		snprintf(err, errlen, "allocating %zu bytes for BIOS image %s: %s", n, path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "reading BIOS image %s: %s", path,
				 r < 0 ? strerror(errno) : "file shrank while being read");
			munmap(buf, n);
			close(fd);
			return -1;
		}
		got += (size_t)r;
	}
	close(fd);
	if (mprotect(buf, n, PROT_READ) < 0) {
		snprintf(err, errlen, "protecting BIOS image %s: %s", path, strerror(errno));
		munmap(buf, n);
		return -1;
	}
	*image = buf;
	*size = n;
	return 0;
}

/* ---- seccomp: after setup, the run loop needs only these system calls -------------------- */

#define SYSCALL_ARG_LOW(n) (offsetof(struct seccomp_data, args) + sizeof(uint64_t) * (n))

static void write_stderr(const char *s, size_t n)
{
	ssize_t r = write(STDERR_FILENO, s, n);
	(void)r;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	/* Only async-signal-safe calls here: format the number by hand, write, exit. */
	static const char head[] = "vmm: seccomp blocked system call ";
	static const char tail[] = "; stopping (--no-seccomp to debug)\n";
	char num[12];
	char *p = num + sizeof(num);
	unsigned nr = (unsigned)si->si_syscall;
	do
		*--p = (char)('0' + nr % 10);
	while ((nr /= 10) != 0);
	write_stderr(head, sizeof(head) - 1);
	write_stderr(p, (size_t)(num + sizeof(num) - p));
	write_stderr(tail, sizeof(tail) - 1);
	syscall(SYS_exit_group, EXIT_SECCOMP); /* raw: no library exit hooks */
}

/* Allow write(v) (console, messages), the KVM ioctls of the run loop, the clock (CMOS),
 * signal return and exit; anything else raises SIGSYS, reported by on_sigsys. */
int install_seccomp(void)
{
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;
	static const uint32_t ioctls[] = {
	    KVM_RUN, KVM_IRQ_LINE, KVM_GET_REGS, KVM_GET_SREGS,
	    TCSETS,  TCGETS, /* restoring the terminal at exit (glibc reads it back) */
	};
	static const uint32_t syscalls[] = {
	    __NR_write,
	    __NR_writev,
	    __NR_read /* stdin for COM1 */,
	    __NR_fcntl /* its flags */,
	    __NR_clock_gettime,
	    __NR_rt_sigreturn,
	    __NR_restart_syscall,
	    __NR_exit_group,
	    __NR_exit,
#ifdef VMM_SANITIZED
	    /* Sanitizer builds: let a report be written out in full. */
	    __NR_mmap,
	    __NR_munmap,
	    __NR_madvise,
	    __NR_futex,
	    __NR_getpid,
	    __NR_gettid,
	    __NR_sched_yield,
	    __NR_openat,
	    __NR_close,
	    __NR_readlink,
	    __NR_rt_sigaction,
	    __NR_rt_sigprocmask,
	    __NR_prctl,
	    __NR_tgkill,
	    __NR_mprotect,
#endif
	};
	const unsigned nioctls = sizeof(ioctls) / sizeof(ioctls[0]);
	const unsigned nsyscalls = sizeof(syscalls) / sizeof(syscalls[0]);
	struct sock_filter filter[8 + 2 * (sizeof(ioctls) + sizeof(syscalls)) / sizeof(uint32_t)];
	unsigned n = 0;
	/* Only x86-64 system calls; then ioctl by request number, everything else by number. */
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, arch));
	filter[n++] =
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						   offsetof(struct seccomp_data, nr));
	/* Not ioctl: skip its argument load, its rules and its trap. */
	filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0,
						   (uint8_t)(2 * nioctls + 2));
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SYSCALL_ARG_LOW(1));
	for (unsigned i = 0; i < nioctls; i++) {
		filter[n++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ioctls[i], 0, 1);
		filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	for (unsigned i = 0; i < nsyscalls; i++) {
		filter[n++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, syscalls[i], 0, 1);
		filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = filter};
#ifdef VMM_SANITIZED
	/* LeakSanitizer's exit-time check needs threads and ptrace: check now, once, instead
	 * (setup is done and the run loop does not allocate). */
	sigset_t stops, old;
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigaddset(&stops, SIGALRM);
	sigprocmask(SIG_BLOCK, &stops, &old); /* a signal mid-check would stall its ptrace */
	__lsan_do_leak_check();
	sigprocmask(SIG_SETMASK, &old, NULL);
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

#ifndef VMM_NO_MAIN

/* ---- the machine --------------------------------------------------------------------- */

static struct machine {
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	struct kvm_coalesced_mmio_ring *ring; /* debug-port writes batched by KVM, or NULL */
	unsigned ring_entries;

	uint8_t *ram;
	uint64_t ram_size, ram_below_4g, ram_above_4g;
	const uint8_t *bios;
	size_t bios_size;

	struct io_bus bus;
	struct cmos cmos;
	struct pci_bus pci;
	struct i440fx host_bridge;
	struct piix3 isa_bridge;
	struct fw_cfg fw_cfg;
	struct i8042 i8042;
	struct sysctl sysctl;
	struct uart com1;
	uint8_t e820[4 * 20];

	bool stopping;
	int exit_status;
	uint64_t exits;
} vm;

static volatile sig_atomic_t stop_signal;

/* The one-line failure message the user sees: what was being done, on what, and why. */
static void __attribute__((noreturn)) die(const char *what, const char *object)
{
	int e = errno;
	fflush(stdout);
	fprintf(stderr, "vmm: %s %s: %s\n", what, object, strerror(e));
	exit(EXIT_ERROR);
}

static void __attribute__((noreturn)) die_msg(const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "vmm: %s\n", msg);
	exit(EXIT_ERROR);
}

/* ---- console: guest output to stdout, batched ----------------------------------------- */

static struct {
	char buf[4096];
	size_t len;
	bool broken;
} console;

static void console_flush(void)
{
	size_t off = 0;
	while (off < console.len && !console.broken) {
		ssize_t r = write(STDOUT_FILENO, console.buf + off, console.len - off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* A closed pipe or full disk: say so once, then stop the machine. */
			fprintf(stderr, "vmm: writing guest output to standard output: %s\n",
				strerror(errno));
			console.broken = true;
			vm.stopping = true;
			vm.exit_status = EXIT_ERROR;
			break;
		}
		off += (size_t)r;
	}
	console.len = 0;
}

void console_write(const void *buf, size_t len)
{
	const char *p = buf;
	while (len--) {
		if (console.len == sizeof(console.buf))
			console_flush();
		console.buf[console.len++] = *p++;
	}
}

/* ---- console input: what the user types goes to COM1 ------------------------------------- */

/* Standard input is read when the kernel signals it readable (O_ASYNC, SIGIO): the guest may
 * sit in HLT for a long time without any exit that would give vmm a chance to look. */
static volatile sig_atomic_t input_ready;
static struct {
	bool active, raw_tty;
	int saved_flags;
	struct termios saved;
	uint8_t pending[256]; /* typed but not yet taken by the UART */
	size_t len;
} input;

static void on_sigio(int sig)
{
	(void)sig;
	input_ready = 1;
	if (vm.run)
		vm.run->immediate_exit = 1;
}

static void input_restore(void)
{
	if (input.raw_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &input.saved);
	if (input.active)
		fcntl(STDIN_FILENO, F_SETFL, input.saved_flags);
}

static void setup_input(void)
{
	int flags = fcntl(STDIN_FILENO, F_GETFL);
	struct stat st;
	if (flags < 0 || fstat(STDIN_FILENO, &st) < 0 || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return; /* no standard input, or one that cannot signal readiness */
	bool tty = tcgetattr(STDIN_FILENO, &input.saved) == 0;
	pid_t fg = tty ? tcgetpgrp(STDIN_FILENO) : -1;
	if (fg > 0 && fg != getpgrp())
		return; /* in the background: reading our terminal would stop us (SIGTTIN) */
	struct sigaction sa = {.sa_handler = on_sigio};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGIO, &sa, NULL) < 0 || fcntl(STDIN_FILENO, F_SETOWN, getpid()) < 0 ||
	    fcntl(STDIN_FILENO, F_SETFL, flags | O_ASYNC | O_NONBLOCK) < 0)
		return; /* input is a convenience: run without it */
	input.active = true;
	input.saved_flags = flags;
	if (tty) {
		/* Keys go to the guest one at a time, unechoed; Ctrl-C still stops vmm. */
		struct termios raw = input.saved;
		raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		raw.c_iflag &= (tcflag_t) ~(ICRNL | IXON);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		input.raw_tty = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	atexit(input_restore);
	input_ready = 1; /* whatever was typed or piped before now */
	debug(1, "standard input goes to COM1%s\n", input.raw_tty ? " (terminal in raw mode)" : "");
}

/* Read what is there, then hand the UART as much as its receive FIFO takes. */
static void input_poll(void)
{
	if (input_ready) {
		input_ready = 0;
		ssize_t r;
		while (input.len < sizeof(input.pending) &&
		       (r = read(STDIN_FILENO, input.pending + input.len,
				 sizeof(input.pending) - input.len)) > 0)
			input.len += (size_t)r;
	}
	if (input.len) {
		size_t n = uart_receive(&vm.com1, input.pending, input.len);
		memmove(input.pending, input.pending + n, input.len - n);
		input.len -= n;
	}
}

/* ---- what devices ask of the machine ---------------------------------------------------- */

void vm_irq_line(unsigned irq, int level)
{
	struct kvm_irq_level l = {.irq = irq, .level = (uint32_t)level};
	if (ioctl(vm.vm_fd, KVM_IRQ_LINE, &l) < 0)
		die("KVM_IRQ_LINE", "the VM");
}

static void stop(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void stop(int status, const char *fmt, ...)
{
	if (vm.stopping)
		return;
	vm.stopping = true;
	vm.exit_status = status;
	console_flush();
	va_list ap;
	va_start(ap, fmt);
	fputs("vmm: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void vm_request_reset(const char *how)
{
	stop(EXIT_GUEST_DONE, "guest requested a reset (%s); stopping", how);
}

/* ---- setup, in the classic order -------------------------------------------------------- */

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what, const char *on)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die(what, on);
	return r;
}

static void open_kvm(void)
{
	vm.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm.kvm_fd < 0) {
		int e = errno;
		fprintf(stderr, "vmm: opening /dev/kvm: %s (%s)\n", strerror(e),
			e == ENOENT ? "is the kvm module loaded? does the CPU have VT-x or AMD-V?"
				    : "are you root or in the kvm group?");
		exit(EXIT_ERROR);
	}
	int api = ioctl(vm.kvm_fd, KVM_GET_API_VERSION, 0);
	if (api < 0)
		die("KVM_GET_API_VERSION on", "/dev/kvm");
	if (api != KVM_API_VERSION) {
		fprintf(stderr, "vmm: /dev/kvm speaks KVM API %d, vmm needs %d\n", api,
			KVM_API_VERSION);
		exit(EXIT_ERROR);
	}
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
	    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
	    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
	    {KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM"},
	    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
	    {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
	    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
	};
	for (unsigned i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		if (ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			fprintf(stderr, "vmm: /dev/kvm lacks %s, which vmm needs\n", caps[i].name);
			exit(EXIT_ERROR);
		}
	}
	debug(1, "opened /dev/kvm (API %d)\n", api);
}

static void add_memory(unsigned slot, uint64_t gpa, uint64_t size, const void *host, uint32_t flags,
		       const char *what)
{
	struct kvm_userspace_memory_region r = {.slot = slot,
						.flags = flags,
						.guest_phys_addr = gpa,
						.memory_size = size,
						.userspace_addr = (uint64_t)(uintptr_t)host};
	kvm_ioctl(vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &r, "KVM_SET_USER_MEMORY_REGION for", what);
	debug(1, "slot %u: guest 0x%09llx-0x%09llx %s%s\n", slot, (unsigned long long)gpa,
	      (unsigned long long)(gpa + size - 1), what,
	      (flags & KVM_MEM_READONLY) ? " (read-only)" : "");
}

/* Guest RAM from 0 (and above 4 GiB), the BIOS image so that it ends at 4 GiB, and its last
 * 128 KiB again below 1 MiB, in RAM the BIOS can write (shadow RAM behind PAM). */
static void map_memory(void)
{
	add_memory(0, 0, vm.ram_below_4g, vm.ram, 0, "RAM");
	if (vm.ram_above_4g)
		add_memory(1, 4 * GiB, vm.ram_above_4g, vm.ram + vm.ram_below_4g, 0,
			   "RAM above 4 GiB");
	add_memory(2, 4 * GiB - vm.bios_size, vm.bios_size, vm.bios, KVM_MEM_READONLY,
		   "BIOS image");
	size_t low = vm.bios_size < BIOS_LOW_MAX ? vm.bios_size : BIOS_LOW_MAX;
	memcpy(vm.ram + MiB - low, vm.bios + vm.bios_size - low, low);
	debug(1, "BIOS: last %zu KiB copied to 0x%05llx-0xfffff\n", (size_t)(low / KiB),
	      (unsigned long long)(MiB - low));
}

/* Pass the host's CPUID through, with this vCPU's APIC ID (0). */
static void setup_cpuid(void)
{
	unsigned n = 64;
	struct kvm_cpuid2 *cpuid = NULL;
	for (;;) {
		cpuid = calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("allocating", "the CPUID table");
		cpuid->nent = n;
		if (ioctl(vm.kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || n >= 4096)
			die("KVM_GET_SUPPORTED_CPUID on", "/dev/kvm");
		free(cpuid);
		n *= 2;
	}
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == 1)
			e->ebx &= 0x00ffffff; /* EBX[31:24]: initial APIC ID */
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = 0; /* x2APIC ID */
	}
	kvm_ioctl(vm.vcpu_fd, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2 on", "vCPU 0");
	debug(1, "CPUID: %u leaves from KVM_GET_SUPPORTED_CPUID\n", cpuid->nent);
	free(cpuid);
}

/* Real mode at the reset vector: CS 0xf000 with base 0xffff0000, so the first fetch is at
 * 0xfffffff0 (the top of the image); the far jump there then lands in the copy below 1 MiB. */
static void setup_registers(void)
{
	struct kvm_sregs sregs;
	kvm_ioctl(vm.vcpu_fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS on", "vCPU 0");
	sregs.cs.selector = 0xf000;
	sregs.cs.base = 0xffff0000;
	struct kvm_segment *data[] = {&sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss};
	for (unsigned i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		data[i]->selector = 0;
		data[i]->base = 0;
	}
	kvm_ioctl(vm.vcpu_fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS on", "vCPU 0");
	struct kvm_regs regs;
	kvm_ioctl(vm.vcpu_fd, KVM_GET_REGS, &regs, "KVM_GET_REGS on", "vCPU 0");
	regs.rip = 0xfff0;
	regs.rflags = 0x2;
	kvm_ioctl(vm.vcpu_fd, KVM_SET_REGS, &regs, "KVM_SET_REGS on", "vCPU 0");
	debug(1, "vCPU 0 at %04x:%04llx (real mode)\n", sregs.cs.selector,
	      (unsigned long long)regs.rip);
}

static void on_flush_timer(int sig)
{
	(void)sig; /* being delivered is the point: KVM_RUN returns with EINTR */
}

static void map_run_area(void)
{
	int size = ioctl(vm.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		die("KVM_GET_VCPU_MMAP_SIZE on", "/dev/kvm");
	vm.run_size = (size_t)size;
	vm.run = mmap(NULL, vm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm.vcpu_fd, 0);
	if (vm.run == MAP_FAILED)
		die("mapping kvm_run of", "vCPU 0");

	/* Let KVM batch debug-port writes in a ring instead of exiting for every byte. */
	int page = ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	long pagesize = sysconf(_SC_PAGESIZE);
	if (page <= 0 || ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0 ||
	    (size_t)(page + 1) * (size_t)pagesize > vm.run_size)
		return;
	struct kvm_coalesced_mmio_zone zone = {.addr = DEBUGCON_PORT, .size = 1, .pio = 1};
	kvm_ioctl(vm.vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone, "KVM_REGISTER_COALESCED_MMIO for",
		  "the debug port");
	vm.ring = (void *)((char *)vm.run + (size_t)page * (size_t)pagesize);
	vm.ring_entries =
	    (unsigned)(((size_t)pagesize - sizeof(*vm.ring)) / sizeof(struct kvm_coalesced_mmio));
	debug(1, "debug port writes coalesced (%u-entry ring)\n", vm.ring_entries);

	/* A guest may print and then spin without another exit: a 10 Hz timer signal interrupts
	 * KVM_RUN so the loop still drains the ring and the output appears. */
	struct sigaction sa = {.sa_handler = on_flush_timer};
	sigemptyset(&sa.sa_mask);
	struct itimerval tick = {.it_interval = {.tv_usec = 100000},
				 .it_value = {.tv_usec = 100000}};
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &tick, NULL) < 0)
		die("starting the output flush timer for", "vmm");
}

static void add_e820(unsigned *n, uint64_t addr, uint64_t len, uint32_t type)
{
	uint8_t *e = vm.e820 + (size_t)20 * (*n)++;
	for (int i = 0; i < 8; i++) {
		e[i] = (uint8_t)(addr >> (8 * i));
		e[8 + i] = (uint8_t)(len >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		e[16 + i] = (uint8_t)(type >> (8 * i));
}

static clock_fn host_clock;
static int64_t host_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void setup_devices(const struct options *o)
{
	struct io_bus *bus = &vm.bus;
	cmos_init(&vm.cmos, host_clock, vm.ram_below_4g, vm.ram_above_4g, 1);
	i440fx_init(&vm.host_bridge);
	piix3_init(&vm.isa_bridge);
	i8042_init(&vm.i8042);
	sysctl_init(&vm.sysctl);
	uart_init(&vm.com1, COM1_PORT, COM1_IRQ);

	fw_cfg_init(&vm.fw_cfg);
	unsigned n = 0;
	add_e820(&n, 0, vm.ram_below_4g, 1);
	if (vm.ram_above_4g)
		add_e820(&n, 4 * GiB, vm.ram_above_4g, 1);
	add_e820(&n, IDENTITY_MAP_ADDR, 4 * 4096ull, 2);
	add_e820(&n, 4 * GiB - vm.bios_size, vm.bios_size, 2);
	struct fw_cfg *f = &vm.fw_cfg;
	int err = fw_cfg_add_int(f, 0x0005, 1, 2);	   /* NB_CPUS */
	err |= fw_cfg_add_int(f, 0x000f, 1, 2);		   /* MAX_CPUS */
	err |= fw_cfg_add_int(f, 0x000e, o->boot_menu, 2); /* BOOT_MENU: "Press ESC" or not */
	err |= fw_cfg_add_file(f, "etc/e820", vm.e820, 20 * n);
	/* After "No bootable device" reboot at once instead of in 60 s; vmm then stops. */
	err |= fw_cfg_add_file_int(f, "etc/boot-fail-wait", 0, 4);

	err |= debugcon_init(bus);
	err |= cmos_register(&vm.cmos, bus);
	err |= pci_add_function(&vm.pci, &vm.host_bridge.fn);
	err |= pci_add_function(&vm.pci, &vm.isa_bridge.fn);
	err |= pci_register(&vm.pci, bus);
	err |= fw_cfg_register(f, bus);
	err |= i8042_register(&vm.i8042, bus);
	err |= sysctl_register(&vm.sysctl, bus);
	err |= uart_register(&vm.com1, bus);
	if (err)
		die_msg("internal error: device setup failed");
	for (unsigned i = 0; i < bus->count; i++)
		debug(1, "port 0x%04x-0x%04x: %s\n", bus->regions[i].base,
		      bus->regions[i].base + bus->regions[i].len - 1, bus->regions[i].name);
}

/* ---- the run loop --------------------------------------------------------------------- */

static void dump_registers(void)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(vm.vcpu_fd, KVM_GET_REGS, &r) < 0 || ioctl(vm.vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return;
	fprintf(stderr,
		"vmm: rip %016llx rsp %016llx rflags %08llx\n"
		"vmm: rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"vmm: rsi %016llx rdi %016llx rbp %016llx\n"
		"vmm: cs %04x base %08llx ss %04x ds %04x es %04x cr0 %08llx cr3 %08llx "
		"cr4 %08llx efer %llx\n",
		(unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags,
		(unsigned long long)r.rax, (unsigned long long)r.rbx, (unsigned long long)r.rcx,
		(unsigned long long)r.rdx, (unsigned long long)r.rsi, (unsigned long long)r.rdi,
		(unsigned long long)r.rbp, s.cs.selector, (unsigned long long)s.cs.base,
		s.ss.selector, s.ds.selector, s.es.selector, (unsigned long long)s.cr0,
		(unsigned long long)s.cr3, (unsigned long long)s.cr4, (unsigned long long)s.efer);
}

/* Replay the debug-port writes KVM batched, oldest first, before anything else happens. */
static void drain_coalesced(void)
{
	if (!vm.ring)
		return;
	while (vm.ring->first != __atomic_load_n(&vm.ring->last, __ATOMIC_ACQUIRE)) {
		uint32_t i = vm.ring->first % vm.ring_entries;
		struct kvm_coalesced_mmio *e = &vm.ring->coalesced_mmio[i];
		uint32_t len = e->len <= 4 ? e->len : 4;
		if (e->pio && e->phys_addr <= 0xffff)
			io_bus_access(&vm.bus, (uint16_t)e->phys_addr, len, true, e->data);
		__atomic_store_n(&vm.ring->first, (i + 1) % vm.ring_entries, __ATOMIC_RELEASE);
	}
}

static void handle_io(void)
{
	struct kvm_run *run = vm.run;
	unsigned size = run->io.size;
	uint64_t bytes = (uint64_t)size * run->io.count;
	if ((size != 1 && size != 2 && size != 4) || run->io.data_offset > vm.run_size ||
	    bytes > vm.run_size - run->io.data_offset) {
		stop(EXIT_ERROR, "malformed I/O exit (port 0x%x size %u count %u)", run->io.port,
		     size, run->io.count);
		return;
	}
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	for (uint32_t i = 0; i < run->io.count; i++) /* rep ins/outs arrive as one exit */
		io_bus_access(&vm.bus, run->io.port, size, is_write, data + (size_t)i * size);
	if (debug_level >= 3) {
		uint32_t v = 0;
		for (unsigned i = 0; i < size; i++)
			v |= (uint32_t)data[i] << (8 * i);
		log_msg("exit: %s port 0x%04x size %u count %u value 0x%x\n",
			is_write ? "out" : "in", run->io.port, size, run->io.count, v);
	}
}

static void handle_mmio(void)
{
	struct kvm_run *run = vm.run;
	uint64_t addr = run->mmio.phys_addr;
	uint32_t len = run->mmio.len <= 8 ? run->mmio.len : 8;
	debug(3, "exit: mmio %s 0x%llx len %u\n", run->mmio.is_write ? "write" : "read",
	      (unsigned long long)addr, len);
	if (run->mmio.is_write) {
		bool rom = addr >= 4 * GiB - vm.bios_size && addr < 4 * GiB;
		debug(2, "unhandled %s write 0x%llx len %u\n", rom ? "ROM" : "MMIO",
		      (unsigned long long)addr, len);
		return;
	}
	memset(run->mmio.data, 0xff, len); /* nothing decodes it: the bus floats high */
	debug(2, "unhandled MMIO read 0x%llx len %u\n", (unsigned long long)addr, len);
}

static void handle_exit(void)
{
	struct kvm_run *run = vm.run;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: handle_io(); break;
	case KVM_EXIT_MMIO: handle_mmio(); break;
	case KVM_EXIT_INTR: break;
	case KVM_EXIT_SHUTDOWN:
		stop(EXIT_TRIPLE_FAULT, "guest triple-faulted (shutdown); stopping");
		if (debug_level >= 1)
			dump_registers();
		break;
	case KVM_EXIT_HLT: stop(EXIT_GUEST_DONE, "guest halted the CPU; stopping"); break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			vm_request_reset("system event");
		else
			stop(EXIT_GUEST_DONE, "guest powered off (system event %u); stopping",
			     run->system_event.type);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		stop(EXIT_ERROR, "KVM could not enter the guest (hardware reason 0x%llx)",
		     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		if (debug_level >= 1)
			dump_registers();
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		stop(EXIT_ERROR, "KVM internal error %u while running the guest",
		     run->internal.suberror);
		if (debug_level >= 1)
			dump_registers();
		break;
	default:
		stop(EXIT_ERROR, "unexpected VM exit reason %u", run->exit_reason);
		if (debug_level >= 1)
			dump_registers();
	}
}

static void run_loop(void)
{
	while (!vm.stopping) {
		console_flush();
		/* Clear SIGIO's request first: a stop signal arriving after this sets it again. */
		vm.run->immediate_exit = 0;
		if (stop_signal || vm.stopping) /* the flush may have failed */
			break;
		if (input.active)
			input_poll();
		if (ioctl(vm.vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				drain_coalesced();
				continue;
			}
			die("KVM_RUN on", "vCPU 0");
		}
		vm.exits++;
		drain_coalesced();
		handle_exit();
	}
	drain_coalesced();
	console_flush();
	if (stop_signal && !vm.stopping) {
		fprintf(stderr, "vmm: stopped by signal %d (%s)\n", (int)stop_signal,
			strsignal(stop_signal));
		vm.exit_status = EXIT_SIGNAL_BASE + stop_signal;
	}
}

static void on_stop_signal(int sig)
{
	stop_signal = sig;
	if (vm.run)
		vm.run->immediate_exit = 1; /* KVM_RUN returns at once, even if not yet entered */
}

static void setup_signals(void)
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	sigemptyset(&sa.sa_mask);
	int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			die("installing the handler for", strsignal(sigs[i]));
	/* A closed output pipe becomes EPIPE from write(), reported by console_flush(). */
	struct sigaction ign = {.sa_handler = SIG_IGN};
	if (sigaction(SIGPIPE, &ign, NULL) < 0)
		die("ignoring", "SIGPIPE");
}

/* With fd 0, 1 or 2 closed, /dev/kvm or the VM would take its number and receive console
 * traffic: point any closed one at /dev/null first. */
static void ensure_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n != fd) {
			fprintf(stderr, "vmm: opening /dev/null for closed descriptor %d: %s\n", fd,
				n < 0 ? strerror(errno) : "got another descriptor");
			exit(EXIT_ERROR);
		}
	}
}

int main(int argc, char **argv)
{
	struct options o;
	char err[512];
	ensure_standard_fds();
	if (parse_options(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n\n%s", err, usage_text);
		return EXIT_USAGE;
	}
	if (o.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (o.version) {
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	debug_level = o.debug;
	setup_signals();

	/* 1. The BIOS image, checked before anything touches KVM. */
	if (o.bios_path) {
		if (load_bios(o.bios_path, &vm.bios, &vm.bios_size, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm: %s\n", err);
			return EXIT_ERROR;
		}
	} else {
		vm.bios = bios_image_start;
		vm.bios_size = (size_t)(bios_image_end - bios_image_start);
	}
	debug(1, "BIOS image %s: %zu KiB\n", o.bios_path ? o.bios_path : "(built in)",
	      (size_t)(vm.bios_size / KiB));

	/* 2. Guest RAM: anonymous memory; the kernel supplies pages as the guest touches them. */
	vm.ram_size = o.ram_size;
	vm.ram_below_4g = o.ram_size < RAM_BELOW_4G_MAX ? o.ram_size : RAM_BELOW_4G_MAX;
	vm.ram_above_4g = o.ram_size - vm.ram_below_4g;
	vm.ram =
	    mmap(NULL, vm.ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm.ram == MAP_FAILED) {
		snprintf(err, sizeof(err), "%llu MiB of guest RAM",
			 (unsigned long long)(vm.ram_size / MiB));
		die("reserving", err);
	}
	debug(1, "guest RAM: %llu MiB\n", (unsigned long long)(vm.ram_size / MiB));

	/* 3. KVM: the VM, its in-kernel interrupt controllers and timer, one vCPU. */
	open_kvm();
	vm.vm_fd = kvm_ioctl(vm.kvm_fd, KVM_CREATE_VM, 0, "KVM_CREATE_VM on", "/dev/kvm");
	uint64_t identity = IDENTITY_MAP_ADDR;
	kvm_ioctl(vm.vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity, "KVM_SET_IDENTITY_MAP_ADDR on",
		  "the VM");
	kvm_ioctl(vm.vm_fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)TSS_ADDR, "KVM_SET_TSS_ADDR on",
		  "the VM");
	kvm_ioctl(vm.vm_fd, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP on", "the VM");
	debug(1, "in-kernel PIC, IOAPIC and local APIC created\n");
	/* SPEAKER_DUMMY: KVM also answers port 0x61, whose OUT2 bit SeaBIOS polls. */
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	kvm_ioctl(vm.vm_fd, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2 on", "the VM");
	debug(1, "in-kernel PIT created\n");
	vm.vcpu_fd = kvm_ioctl(vm.vm_fd, KVM_CREATE_VCPU, 0, "KVM_CREATE_VCPU on", "the VM");
	map_memory();
	setup_cpuid();
	setup_registers();
	map_run_area();
	setup_devices(&o);
	setup_input();
	if (o.seccomp) {
		if (install_seccomp() < 0)
			die("installing the seccomp filter on", "vmm");
		debug(1, "seccomp filter installed\n");
	}

	debug(1, "running\n");
	run_loop();
	debug(1, "%llu VM exits, %llu unhandled port accesses\n", (unsigned long long)vm.exits,
	      (unsigned long long)vm.bus.unhandled);
	return vm.exit_status;
}

#endif /* VMM_NO_MAIN */
