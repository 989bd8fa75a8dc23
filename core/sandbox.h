/* The seccomp sandbox: once the guest runs, vmm's threads may make only the system calls
 * the run loop, the I/O thread and the output writers need (the README lists them). */
#ifndef CORE_SANDBOX_H
#define CORE_SANDBOX_H

#include "../vmm.h"

/* Confine every thread of the process. A forbidden call runs on_violation (which must be
 * async-signal-safe, e.g. the terminal restore), prints the call's number and exits with
 * EXIT_SECCOMP. Returns 0, or -1 with errno set. */
int sandbox_install(void (*on_violation)(void));

#endif
