/* ptyrun: run a command on a pseudo-terminal, as a user's terminal would, for the KVM tests.
 *
 *   ptyrun [-r USEC] [-i TEXT] [-I MS] [-w TEXT] [-k MS] [-z] [-P] -- COMMAND [ARGS...]
 *
 * The command gets a new session with the pty as its controlling terminal and standard input,
 * output and error, in the foreground. ptyrun copies what it writes to its own standard output,
 * reading at most 64 bytes at a time with USEC microseconds between reads (-r: a slow
 * terminal), types TEXT MS milliseconds after the command's first output (-I, default 300: by
 * then the command has its terminal set up; C escapes \n \r \e \xHH) or
 * once the output has shown the text of the -w before it (-w A -i X -w B -D 2000 -i Y: X when
 * A shows, then Y two seconds after B; at most 8 steps), and, counting from the command's
 * first output (by then it handles signals), sends SIGTERM (or signal -s N) after MS ms (-k),
 * makes the terminal 40x10 after MS ms (-W: the command gets SIGWINCH), hangs it up after MS ms
 * (-H: the command gets SIGHUP),
 * or with -z presses Ctrl-A z after 300 ms, checks while the command is stopped that the
 * terminal is back in its original mode, continues it and presses Ctrl-A x. At the end it
 * prints on standard error whether the terminal's mode is as it was before ("ptyrun: terminal
 * restored" or "ptyrun: terminal NOT restored") and exits with the command's status (128+N for
 * signal N). With -P the command gets pipes instead of a terminal (typing and -w still work). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
	if (!s)
		return 0;
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

/* Keep the last text of the output, without terminal control sequences: a screen drawn a
 * frame at a time moves the cursor between the parts of a line it adds, and "Press" then
 * "ESC" still read "Press ESC". */
static void remember(char *recent, size_t size, int *esc, const char *buf, size_t n)
{
	size_t keep = strlen(recent);
	for (size_t i = 0; i < n; i++) {
		char c = buf[i];
		if (*esc == 1) { /* after ESC: '[' starts a sequence, anything else ends it */
			*esc = c == '[' ? 2 : 0;
			continue;
		}
		if (*esc == 2) { /* in ESC [ ...: until the final byte */
			if (c >= 0x40 && c <= 0x7e)
				*esc = 0;
			continue;
		}
		if (c == 0x1b) {
			*esc = 1;
			continue;
		}
		if (!c)
			continue;
		if (keep + 1 >= size) {
			memmove(recent, recent + size / 2, keep - size / 2);
			keep -= size / 2;
		}
		recent[keep++] = c;
	}
	recent[keep] = 0;
}

static int same_mode(const struct termios *a, const struct termios *b)
{
	return a->c_iflag == b->c_iflag && a->c_oflag == b->c_oflag && a->c_lflag == b->c_lflag &&
	       a->c_cflag == b->c_cflag && a->c_cc[VMIN] == b->c_cc[VMIN] &&
	       a->c_cc[VTIME] == b->c_cc[VTIME];
}

int main(int argc, char **argv)
{
	long read_delay_us = 0, input_ms = 300, kill_ms = -1, resize_ms = -1, hangup_ms = -1;
	int kill_sig = SIGTERM;
	struct {
		const char *wait_for, *input;
		long delay_ms;
	} steps[8] = {{0}};
	unsigned nsteps = 0, step = 0;
	const char *wait_for = NULL;
	long delay_ms = 0;
	int ctrl_z = 0, pipes = 0, opt;
	while ((opt = getopt(argc, argv, "+r:i:I:k:w:D:s:W:H:zP")) != -1) {
		switch (opt) {
		case 'r': read_delay_us = strtol(optarg, NULL, 10); break;
		case 'i':
			if (nsteps < 8) {
				steps[nsteps].wait_for = wait_for;
				steps[nsteps].delay_ms = delay_ms;
				steps[nsteps++].input = optarg;
			}
			wait_for = NULL;
			delay_ms = 0;
			break;
		case 'D': delay_ms = strtol(optarg, NULL, 10); break;
		case 's': kill_sig = (int)strtol(optarg, NULL, 10); break;
		case 'W': resize_ms = strtol(optarg, NULL, 10); break;
		case 'H': hangup_ms = strtol(optarg, NULL, 10); break;
		case 'I': input_ms = strtol(optarg, NULL, 10); break;
		case 'k': kill_ms = strtol(optarg, NULL, 10); break;
		case 'z': ctrl_z = 1; break;
		case 'w': wait_for = optarg; break;
		case 'P': pipes = 1; break;
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
	int master, slave, in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
	struct termios before;
	if (pipes) {
		if (pipe(in_pipe) < 0 || pipe(out_pipe) < 0) {
			perror("ptyrun: pipes");
			return 1;
		}
		master = out_pipe[0]; /* read the output here; type into in_pipe[1] */
		slave = -1;
	} else {
		master = posix_openpt(O_RDWR | O_NOCTTY);
		if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
			perror("ptyrun: opening a pseudo-terminal");
			return 1;
		}
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
		if (slave < 0 || tcgetattr(slave, &before) < 0) {
			perror("ptyrun: opening the terminal side");
			return 1;
		}
	}
	int typing = pipes ? in_pipe[1] : master;
	pid_t pid = fork();
	if (pid == 0) {
		if (pipes) {
			dup2(in_pipe[0], 0);
			dup2(out_pipe[1], 1);
			dup2(out_pipe[1], 2);
			close(in_pipe[1]);
			close(out_pipe[0]);
			execvp(argv[optind], argv + optind);
			perror("ptyrun: exec");
			_exit(127);
		}
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
	if (pipes) {
		close(in_pipe[0]);
		close(out_pipe[1]);
	}
	long start = now_ms(), first_output = -1;
	int status = -1, done = 0, killed = 0, z_stage = 0;
	int seen = nsteps && !steps[0].wait_for;
	char buf[64], text[4096], recent[512] = "";
	int esc = 0;
	for (;;) {
		long t = now_ms() - start;
		/* A first text without -w goes -I ms after the first output (5 s later than -I if
		 * there is none), later ones when due. */
		long due = step == 0 && !steps[0].wait_for
			       ? (first_output < 0 ? input_ms + 5000 : first_output + input_ms)
			       : input_ms;
		if (step < nsteps && seen && t >= due) {
			size_t n = unescape(steps[step].input, text, sizeof(text));
			if (write(typing, text, n) < 0)
				perror("ptyrun: typing");
			step++;
			seen = step < nsteps && !steps[step].wait_for;
			recent[0] = 0;
		}
		if (kill_ms >= 0 && !killed && first_output >= 0 && t >= first_output + kill_ms) {
			kill(pid, kill_sig);
			killed = 1;
		}
		if (resize_ms >= 0 && first_output >= 0 && t >= first_output + resize_ms &&
		    !pipes) {
			struct winsize ws = {.ws_row = 10, .ws_col = 40};
			ioctl(master, TIOCSWINSZ, &ws);
			resize_ms = -1;
		}
		if (hangup_ms >= 0 && first_output >= 0 && t >= first_output + hangup_ms &&
		    !pipes) {
			close(master); /* the terminal hangs up: SIGHUP to its session */
			master = -1;
			hangup_ms = -1;
		}
		if (ctrl_z && z_stage == 0 && t >= 300) {
			if (write(typing, "\x01z", 2) < 0)
				perror("ptyrun: Ctrl-A z");
			z_stage = 1;
		}
		if (!done) {
			int r = waitpid(pid, &status, WNOHANG | WUNTRACED);
			if (r == pid && WIFSTOPPED(status)) {
				struct termios during;
				if (!pipes) {
					tcgetattr(slave, &during);
					fprintf(stderr,
						"ptyrun: stopped; terminal %s while stopped\n",
						same_mode(&before, &during) ? "restored"
									    : "NOT restored");
				}
				kill(pid, SIGCONT);
				z_stage = 2;
			} else if (r == pid) {
				done = 1;
			}
		}
		if (ctrl_z && z_stage == 2 && t >= 900) {
			if (write(typing, "\x01x", 2) < 0)
				perror("ptyrun: Ctrl-A x");
			z_stage = 3;
		}
		if (master < 0) { /* hung up: only wait for the command */
			if (done)
				break;
			usleep(20000);
			continue;
		}
		struct pollfd p = {.fd = master, .events = POLLIN};
		int ready = poll(&p, 1, 20);
		if (ready > 0 && (p.revents & POLLIN)) {
			ssize_t n = read(master, buf, sizeof(buf));
			if (n > 0) {
				if (first_output < 0)
					first_output = now_ms() - start;
				fwrite(buf, 1, (size_t)n, stdout);
				if (step < nsteps && !seen) { /* the text shown lately, for -w */
					remember(recent, sizeof(recent), &esc, buf, (size_t)n);
					seen = strstr(recent, steps[step].wait_for) != NULL;
					if (seen)
						input_ms = now_ms() - start + steps[step].delay_ms;
				}
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
	if (!pipes) {
		struct termios after;
		tcgetattr(slave, &after);
		fprintf(stderr, "ptyrun: terminal %s\n",
			same_mode(&before, &after) ? "restored" : "NOT restored");
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
