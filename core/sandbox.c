/* The seccomp filter: a BPF program built from two tables, the allowed ioctl requests and the
 * allowed system calls, so no jump offset is counted by hand. */
#include "sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#ifdef VMM_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

#define SYSCALL_ARG_LOW(n) (offsetof(struct seccomp_data, args) + sizeof(uint64_t) * (n))

static void (*violation_hook)(void);

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
	if (violation_hook)
		violation_hook();
	write_stderr(head, sizeof(head) - 1);
	write_stderr(p, (size_t)(num + sizeof(num) - p));
	write_stderr(tail, sizeof(tail) - 1);
	syscall(SYS_exit_group, EXIT_SECCOMP); /* raw: no library exit hooks */
}

/* The ioctls: the vCPU's run, interrupt lines, PAM memory slots, the crash register dump,
 * and the terminal: restoring it (glibc's tcsetattr reads the settings back), after Ctrl-Z
 * and fg checking that vmm is in the foreground before taking it again, and its size when
 * it changes (the screen is drawn only where it fits). */
static const uint32_t allowed_ioctls[] = {
    KVM_RUN,	  KVM_IRQ_LINE,	 KVM_SET_USER_MEMORY_REGION,
    KVM_GET_REGS, KVM_GET_SREGS, TCSETS,
    TCGETS,	  TIOCGPGRP,	 TIOCGWINSZ,
};

static const uint32_t allowed_syscalls[] = {
    __NR_read,			     /* standard input, signalfd, timerfd, eventfd */
    __NR_write,			     /* guest output, messages, waking the I/O thread */
    __NR_writev,		     /* stdio's messages (register dump) */
    __NR_epoll_wait,		     /* the I/O thread's wait (glibc) */
    __NR_epoll_pwait,		     /* the same (musl) */
    __NR_epoll_ctl,		     /* watching standard input only while there is room */
    __NR_futex,			     /* the machine lock, output buffers, thread joins */
    __NR_timerfd_settime,	     /* device timers */
    __NR_clock_gettime,		     /* the machine clock, where the vDSO cannot answer */
    __NR_tgkill,		     /* kicking a vCPU out of KVM_RUN; Ctrl-Z stopping vmm */
    __NR_rt_sigreturn,		     /* return from the kick and SIGSYS handlers */
    __NR_rt_sigprocmask,	     /* thread exit blocks signals */
    __NR_madvise,		     /* thread exit releases its stack (glibc) */
    __NR_munmap,		     /* joining a thread frees its stack */
    __NR_rename,		     /* --screendump puts its file in place */
    __NR_pread64, __NR_pwrite64,     /* disk images */
    __NR_fdatasync, __NR_close,	     /* disk images flushed and closed at the end */
    __NR_restart_syscall, __NR_exit, /* a thread ends */
    __NR_exit_group /* vmm ends */,
#ifdef VMM_SANITIZED
    /* Sanitizer builds: let a report be written out in full. */
    __NR_mmap, __NR_mprotect, __NR_getpid, __NR_gettid, __NR_sched_yield, __NR_openat, __NR_close,
    __NR_readlink, __NR_rt_sigaction, __NR_prctl, __NR_nanosleep,
    __NR_gettimeofday, /* ThreadSanitizer's background thread */
    __NR_sigaltstack,  /* a thread's exit */
#endif
};

int sandbox_install(void (*on_violation)(void))
{
	violation_hook = on_violation;
	struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return -1;
	const unsigned nioctls = ARRAY_SIZE(allowed_ioctls);
	const unsigned nsyscalls = ARRAY_SIZE(allowed_syscalls);
	struct sock_filter
	    filter[8 + 2 * (ARRAY_SIZE(allowed_ioctls) + ARRAY_SIZE(allowed_syscalls))];
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
		filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							   allowed_ioctls[i], 0, 1);
		filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	for (unsigned i = 0; i < nsyscalls; i++) {
		filter[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							   allowed_syscalls[i], 0, 1);
		filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	filter[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = filter};
#ifdef VMM_LEAK_CHECK
	/* LeakSanitizer's exit-time check needs threads and ptrace: check now, once, instead
	 * (setup is done and the run loop does not allocate). */
	sigset_t stops, old;
	sigfillset(&stops);
	pthread_sigmask(SIG_BLOCK, &stops, &old); /* a signal mid-check would stall its ptrace */
	__lsan_do_leak_check();
	pthread_sigmask(SIG_SETMASK, &old, NULL);
#endif
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	/* TSYNC: the threads already started (vCPUs, I/O, output) get the filter too. A
	 * positive result names a thread that could not take it: no filter anywhere. */
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (r > 0)
		errno = EAGAIN;
	return r == 0 ? 0 : -1;
}
