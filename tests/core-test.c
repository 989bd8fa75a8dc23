/* Unit tests of the host-side paths: size and option parsing, BIOS image checks, and the
 * seccomp filter (a forbidden system call must stop the process with status 4, after the
 * violation hook that restores the terminal). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include "../core/console.h"
#include "../core/event.h"
#include "../core/options.h"
#include "../core/sandbox.h"
#include "fake_machine.h"

static int passed, failed;
static void result(int good, const char *name)
{
	if (good)
		passed++;
	else
		failed++;
	printf("%s - core: %s\n", good ? "ok" : "not ok", name);
}

static void test_parse_size(void)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t v;
	} cases[] = {
	    {"128", 1, 128ull << 20},
	    {"128M", 1, 128ull << 20},
	    {"2G", 1, 2ull << 30},
	    {"65536K", 1, 64ull << 20},
	    {"1T", 1, 1ull << 40},
	    {"512MiB", 1, 512ull << 20},
	    {"4g", 1, 4ull << 30},
	    {"", 0, 0},
	    {"M", 0, 0},
	    {"-5", 0, 0},
	    {"12Q", 0, 0},
	    {"1.5G", 0, 0},
	    {"99999999999999999999", 0, 0},
	    {"17179869184T", 0, 0},
	    {"0x10", 0, 0},
	    {"1 G", 0, 0},
	};
	int good = 1;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		int r = parse_size(cases[i].s, &v);
		if ((r == 0) != cases[i].ok || (cases[i].ok && v != cases[i].v)) {
			printf("  parse_size(\"%s\") = %d, 0x%llx\n", cases[i].s, r,
			       (unsigned long long)v);
			good = 0;
		}
	}
	result(good, "parse_size accepts K/M/G/T and rejects garbage and overflow");
}

static int parse(const char *line, struct options *o, char *err)
{
	char buf[256];
	char *argv[16] = {"vmm"};
	int argc = 1;
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *t = strtok(buf, " "); t && argc < 15; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return parse_options(argc, argv, o, err, 200);
}

/* Every command line in bad[] must be refused with a message; 1 if so. */
static int all_refused(const char *const *bad, unsigned n)
{
	struct options o;
	char err[200];
	int good = 1;
	for (unsigned i = 0; i < n; i++) {
		err[0] = 0;
		if (parse(bad[i], &o, err) == 0 || !err[0]) {
			printf("  '%s' was accepted\n", bad[i]);
			good = 0;
		}
	}
	return good;
}

static void test_parse_options(void)
{
	struct options o;
	char err[200];
	int good = parse("", &o, err) == 0 && o.ram_size == 128ull << 20 && !o.bios_path &&
		   o.debug == 0 && o.seccomp && !o.boot_menu;
	good &= parse("-b x.bin -m 1G -d 3 --boot-menu --no-seccomp -c 4", &o, err) == 0 &&
		strcmp(o.bios_path, "x.bin") == 0 && o.ram_size == 1ull << 30 && o.debug == 3 &&
		o.boot_menu && !o.seccomp && o.cpus == 4;
	good &= parse("", &o, err) == 0 && o.cpus == 1;
	good &= parse("--cpus=64", &o, err) == 0 && o.cpus == 64;
	good &= parse("--bios=y.bin --memory=64M --debug=2", &o, err) == 0 &&
		strcmp(o.bios_path, "y.bin") == 0 && o.ram_size == 64ull << 20 && o.debug == 2;
	good &= parse("-h", &o, err) == 0 && o.help;
	good &= parse("-V", &o, err) == 0 && o.version;
	const char *bad[] = {
	    "-x",    "-m",   "-m 0",  "-m 8M", "-m 2T",	 "-m 1000001K",
	    "-d 4",  "-d",   "-d 12", "stray", "--bios", "-c 0",
	    "-c 65", "-c x", "-c",    "-c -1", "-c 1x",	 "-c 99999999999999999999"};
	good &= all_refused(bad, sizeof(bad) / sizeof(bad[0]));
	result(good, "parse_options: every option, and a message for each bad one");

	/* the disks: which file goes where, read-only or not, and the boot order */
	good = parse("--hda a.img --hdb-ro b.img --cdrom c.iso --fda d.img --fdb-ro e.img "
		     "--snapshot --boot dca",
		     &o, err) == 0 &&
	       strcmp(o.hd[0], "a.img") == 0 && !o.hd_readonly[0] &&
	       strcmp(o.hd[1], "b.img") == 0 && o.hd_readonly[1] && !o.hd[2] &&
	       strcmp(o.cdrom, "c.iso") == 0 && strcmp(o.fd[0], "d.img") == 0 &&
	       !o.fd_readonly[0] && strcmp(o.fd[1], "e.img") == 0 && o.fd_readonly[1] &&
	       o.snapshot && strcmp(o.boot_order, "dca") == 0;
	good &= parse("--hdc-ro x.img --fdb y.img", &o, err) == 0 && !o.hd[0] &&
		strcmp(o.hd[2], "x.img") == 0 && o.hd_readonly[2] && !o.fd[0] &&
		strcmp(o.fd[1], "y.img") == 0 && !o.fd_readonly[1] && !o.snapshot;
	const char *bad_disks[] = {
	    "--hda", "--fda", "--cdrom", "--hda=", "--fdb-ro=", "--boot x", "--boot", "--boot cc"};
	good &= all_refused(bad_disks, sizeof(bad_disks) / sizeof(bad_disks[0]));
	result(good, "parse_options: the disk options, and a message for each bad one");
}

static void write_file(const char *path, size_t size, int byte)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	char chunk[4096];
	memset(chunk, byte, sizeof(chunk));
	while (size) {
		size_t n = size < sizeof(chunk) ? size : sizeof(chunk);
		if (write(fd, chunk, n) != (ssize_t)n)
			break;
		size -= n;
	}
	close(fd);
}

static void test_load_bios(void)
{
	char dir[] = "/tmp/vmm-core-XXXXXX";
	if (!mkdtemp(dir)) {
		result(0, "load_bios: temporary directory");
		return;
	}
	char path[64];
	const uint8_t *img;
	size_t size;
	char err[512];
	int good = 1;
	static const struct {
		size_t size;
		int ok;
		const char *msg;
	} cases[] = {{0, 0, "is empty"},
		     {100000, 0, "not a multiple of 64 KiB"},
		     {32768, 0, "must be 64 KiB to 16 MiB"},
		     {65536, 1, ""},
		     {131072, 1, ""},
		     {16 << 20, 1, ""},
		     {(16 << 20) + 65536, 0, "must be 64 KiB to 16 MiB"}};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/img%u", dir, i);
		write_file(path, cases[i].size, 0xa5);
		err[0] = 0;
		int r = load_bios(path, &img, &size, err, sizeof(err));
		if ((r == 0) != cases[i].ok || (!cases[i].ok && !strstr(err, cases[i].msg)) ||
		    (r == 0 && (size != cases[i].size || img[size - 1] != 0xa5))) {
			printf("  size %zu: r=%d err='%s'\n", cases[i].size, r, err);
			good = 0;
		}
		if (r == 0)
			munmap((void *)img, size);
		unlink(path);
	}
	good &= load_bios(dir, &img, &size, err, sizeof(err)) < 0 && strstr(err, "directory");
	good &= load_bios("/dev/null", &img, &size, err, sizeof(err)) < 0 &&
		strstr(err, "not a regular file");
	snprintf(path, sizeof(path), "%s/missing", dir);
	good &= load_bios(path, &img, &size, err, sizeof(err)) < 0 && strstr(err, "No such file");
	rmdir(dir);
	result(good, "load_bios: sizes from 64 KiB to 16 MiB, clear errors otherwise");
}

static void say(const char *s)
{
	ssize_t r = write(2, s, strlen(s));
	(void)r;
}

/* Run fn in a child whose stderr we capture; return its exit status (or 128+signal). */
static int in_child(void (*fn)(void), char *out, size_t outlen)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		close(p[0]);
		fn();
		_exit(0);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t r;
	while (got + 1 < outlen && (r = read(p[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = 0;
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void restore_terminal_hook(void)
{
	say("violation hook ran\n");
}

static void allowed_then_forbidden(void)
{
	if (sandbox_install(restore_terminal_hook) < 0)
		_exit(99);
	/* What the run loop does is allowed ... */
	say("allowed\n");
	int r = ioctl(-1, KVM_RUN, 0);
	if (r == -1 && errno == EBADF)
		say("ioctl KVM_RUN allowed\n");
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	/* ... anything else is not. */
	syscall(SYS_getppid);
	say("not reached\n");
}

static void forbidden_ioctl(void)
{
	if (sandbox_install(NULL) < 0)
		_exit(99);
	ioctl(-1, KVM_CREATE_VM, 0);
	say("not reached\n");
}

static void test_seccomp(void)
{
	char out[512];
	int st = in_child(allowed_then_forbidden, out, sizeof(out));
	char want[64];
	snprintf(want, sizeof(want), "blocked system call %d;", (int)SYS_getppid);
	int good = st == EXIT_SECCOMP && strstr(out, "allowed\n") &&
		   strstr(out, "ioctl KVM_RUN allowed") && strstr(out, want) &&
		   strstr(out, "violation hook ran") && !strstr(out, "not reached");
	if (!good)
		printf("  status %d, stderr: %s\n", st, out);
	result(good, "seccomp: run-loop calls pass, getppid restores the terminal and stops with "
		     "status 4 and a message");
	st = in_child(forbidden_ioctl, out, sizeof(out));
	good =
	    st == EXIT_SECCOMP && strstr(out, "blocked system call") && !strstr(out, "not reached");
	if (!good)
		printf("  status %d, stderr: %s\n", st, out);
	result(good, "seccomp: an ioctl outside the run loop's set is refused");
}

/* The child's standard input is a terminal: vmm's console puts it in raw mode, then a
 * forbidden call must give it back as it was before vmm exits. */
static int pty_slave = -1;
static void raw_terminal_then_forbidden(void)
{
	dup2(pty_slave, STDIN_FILENO);
	if (event_init() < 0 || console_start(1) < 0)
		_exit(98);
	struct termios t;
	tcgetattr(STDIN_FILENO, &t);
	if (!(t.c_lflag & ICANON))
		say("terminal raw\n");
	if (sandbox_install(console_restore_terminal_now) < 0)
		_exit(99);
	syscall(SYS_getppid);
	say("not reached\n");
}

static void test_seccomp_restores_terminal(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	struct termios before, after;
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    (pty_slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0 ||
	    tcgetattr(pty_slave, &before) < 0) {
		result(0, "seccomp on a terminal: no pseudo-terminal");
		return;
	}
	char out[512];
	int st = in_child(raw_terminal_then_forbidden, out, sizeof(out));
	tcgetattr(pty_slave, &after);
	int good = st == EXIT_SECCOMP && strstr(out, "terminal raw") &&
		   strstr(out, "blocked system call") && after.c_lflag == before.c_lflag &&
		   after.c_iflag == before.c_iflag && after.c_cc[VMIN] == before.c_cc[VMIN];
	if (!good)
		printf("  status %d, lflag %x -> %x, stderr: %s\n", st, (unsigned)before.c_lflag,
		       (unsigned)after.c_lflag, out);
	result(good, "seccomp: a forbidden call gives a raw terminal back before vmm exits");
	close(pty_slave);
	close(master);
}

int main(void)
{
	test_parse_size();
	test_parse_options();
	test_load_bios();
	test_seccomp();
	test_seccomp_restores_terminal();
	printf("# core tests: %d ok, %d not ok\n", passed, failed);
	return failed != 0;
}
