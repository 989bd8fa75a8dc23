/* measure: run a command, then print its wall time, CPU time and peak resident memory on
 * stderr. With -u MARKER the command's standard output passes through a pipe and the time
 * until MARKER first appears in it is printed too (marker_ms=-1 if it never does).
 *   measure [-u MARKER] COMMAND [ARGS...]
 *     ->   "measure: wall_ms=N cpu_ms=N maxrss_kib=N status=N [marker_ms=N]" */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Copy fd to standard output until its end; the ms at which marker first went by, or -1. */
static long watch_for(int fd, const char *marker, const struct timespec *t0)
{
	size_t mlen = strlen(marker);
	char buf[8192], tail[256] = ""; /* tail: the last bytes seen, for a marker split in two */
	size_t tail_len = 0;
	long found = -1;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		if (found >= 0)
			continue;
		char window[sizeof(tail) + sizeof(buf)];
		memcpy(window, tail, tail_len);
		memcpy(window + tail_len, buf, (size_t)n);
		size_t wlen = tail_len + (size_t)n;
		if (memmem(window, wlen, marker, mlen)) {
			found = ms_since(t0);
			continue;
		}
		tail_len = wlen < mlen ? wlen : mlen - 1;
		memcpy(tail, window + wlen - tail_len, tail_len);
	}
	fflush(stdout);
	return found;
}

int main(int argc, char **argv)
{
	const char *marker = NULL;
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "-u") == 0) {
		marker = argc > 2 ? argv[2] : "";
		first = 3;
	}
	if (argc <= first || (marker && (!*marker || strlen(marker) >= 256))) {
		fputs("usage: measure [-u MARKER] COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	int out[2] = {-1, -1};
	if (marker && pipe(out) < 0) {
		perror("measure: pipe");
		return 1;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 1;
	}
	if (pid == 0) {
		if (marker &&
		    (dup2(out[1], STDOUT_FILENO) < 0 || close(out[0]) < 0 || close(out[1]) < 0)) {
			perror("measure: dup2");
			_exit(127);
		}
		execvp(argv[first], argv + first);
		perror("measure: exec");
		_exit(127);
	}
	long marker_ms = -1;
	if (marker) {
		close(out[1]);
		marker_ms = watch_for(out[0], marker, &t0);
		close(out[0]); /* a read error must not leave the command blocked on a full pipe */
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("measure: wait4");
		return 1;
	}
	long ms = ms_since(&t0);
	long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	fprintf(stderr, "measure: wall_ms=%ld cpu_ms=%ld maxrss_kib=%ld status=%d", ms, cpu,
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	if (marker)
		fprintf(stderr, " marker_ms=%ld", marker_ms);
	fputc('\n', stderr);
	return 0;
}
