/* measure: run a command, then print its wall time, CPU time and peak resident memory on
 * stderr.
 *   measure COMMAND [ARGS...]   ->   "measure: wall_ms=N cpu_ms=N maxrss_kib=N status=N" */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: measure COMMAND [ARGS...]\n", stderr);
		return 2;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("measure: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		perror("measure: exec");
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("measure: wait4");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	long cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000 +
		   (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000;
	fprintf(stderr, "measure: wall_ms=%ld cpu_ms=%ld maxrss_kib=%ld status=%d\n", ms, cpu,
		ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}
