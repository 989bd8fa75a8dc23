/* ptyrun: run a command on a pseudo-terminal, as a user's terminal would, for the KVM tests.
 *
 *   ptyrun [-r USEC] [-i TEXT] [-I MS] [-k MS] [-z] -- COMMAND [ARGS...]
 *
 * The command gets a new session with the pty as its controlling terminal and standard input,
 * output and error, in the foreground. ptyrun copies what it writes to its own standard output,
 * reading at most 64 bytes at a time with USEC microseconds between reads (-r: a slow
 * terminal), types TEXT after MS milliseconds (-I, default 300; C escapes \n \r \xHH), sends
 * SIGTERM after MS milliseconds (-k), or with -z presses Ctrl-Z after 300 ms, checks while the
 * command is stopped that the terminal is back in its original mode, continues it and presses
 * Ctrl-C. At the end it prints on standard error whether the terminal's mode is as it was
 * before ("ptyrun: terminal restored" or "ptyrun: terminal NOT restored") and exits with the
 * command's status (128+N for signal N). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t unescape(const char *s, char *out, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		if (*s != '\\' || !s[1]) {
			out[n++] = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n':
			out[n++] = '\n';
			s++;
			break;
		case 'r':
			out[n++] = '\r';
			s++;
			break;
		case 'e':
			out[n++] = 27;
			s++;
			break;
		case 'x': {
			char hex[3] = {0};
			hex[0] = s[1];
			if (s[1])
				hex[1] = s[2];
			out[n++] = (char)strtol(hex, NULL, 16);
			s += 1 + strlen(hex);
			break;
		}
		default: out[n++] = *s++;
		}
	}
	return n;
}

static int same_mode(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_lflag == b->c_lflag &&
	       a->c_cflag == b->c_cflag && a->c_cc[VMIN] == b->c_cc[VMIN] &&
	       a->c_cc[VTIME] == b->c_cc[VTIME];
}

int main(int argc, char **argv)
{
	long read_delay_us = 0, input_ms = 300, kill_ms = -1;
	const char *input = NULL;
	int ctrl_z = 0, opt;
	while ((opt = getopt(argc, argv, "+r:i:I:k:z")) != -1) {
		switch (opt) {
		case 'r': read_delay_us = strtol(optarg, NULL, 10); break;
		case 'i': input = optarg; break;
		case 'I': input_ms = strtol(optarg, NULL, 10); break;
		case 'k': kill_ms = strtol(optarg, NULL, 10); break;
		case 'z': ctrl_z = 1; break;
		default:
			fprintf(stderr,
				"usage: ptyrun [-r USEC] [-i TEXT] [-I MS] [-k MS] [-z] -- CMD\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "ptyrun: no command\n");
		return 2;
	}
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		perror("ptyrun: opening a pseudo-terminal");
		return 1;
	}
	const char *slave_name = ptsname(master);
	struct termios before;
	int slave = open(slave_name, O_RDWR | O_NOCTTY);
	if (slave < 0 || tcgetattr(slave, &before) < 0) {
		perror("ptyrun: opening the terminal side");
		return 1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		setsid();
		ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, 0);
		dup2(slave, 1);
		dup2(slave, 2);
		if (slave > 2)
			close(slave);
		close(master);
		execvp(argv[optind], argv + optind);
		perror("ptyrun: exec");
		_exit(127);
	}
	long start = now_ms();
	int status = -1, done = 0, typed = 0, killed = 0, z_stage = 0;
	char buf[64], text[4096];
	for (;;) {
		long t = now_ms() - start;
		if (input && !typed && t >= input_ms) {
			size_t n = unescape(input, text, sizeof(text));
			if (write(master, text, n) < 0)
				perror("ptyrun: typing");
			typed = 1;
		}
		if (kill_ms >= 0 && !killed && t >= kill_ms) {
			kill(pid, SIGTERM);
			killed = 1;
		}
		if (ctrl_z && z_stage == 0 && t >= 300) {
			if (write(master, "\x1a", 1) < 0)
				perror("ptyrun: Ctrl-Z");
			z_stage = 1;
		}
		if (!done) {
			int r = waitpid(pid, &status, WNOHANG | WUNTRACED);
			if (r == pid && WIFSTOPPED(status)) {
				struct termios during;
				tcgetattr(slave, &during);
				fprintf(stderr, "ptyrun: stopped; terminal %s while stopped\n",
					same_mode(&before, &during) ? "restored" : "NOT restored");
				kill(pid, SIGCONT);
				z_stage = 2;
			} else if (r == pid) {
				done = 1;
			}
		}
		if (ctrl_z && z_stage == 2 && t >= 900) {
			if (write(master, "\x03", 1) < 0)
				perror("ptyrun: Ctrl-C");
			z_stage = 3;
		}
		struct pollfd p = {.fd = master, .events = POLLIN};
		int ready = poll(&p, 1, 20);
		if (ready > 0 && (p.revents & POLLIN)) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n > 0) {
				fwrite(buf, 1, (size_t)n, stdout);
				if (read_delay_us)
					usleep((useconds_t)read_delay_us);
				continue;
			}
		}
		if (done && ready <= 0)
			break; /* the command ended and nothing more is waiting */
		if (ready > 0 && !(p.revents & POLLIN) && done)
			break;
	}
	fflush(stdout);
	struct termios after;
	tcgetattr(slave, &after);
	fprintf(stderr, "ptyrun: terminal %s\n",
		same_mode(&before, &after) ? "restored" : "NOT restored");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
