/* The command line and the BIOS image file: everything vmm checks before it touches KVM. */
#ifndef CORE_OPTIONS_H
#define CORE_OPTIONS_H

#include "../vmm.h"

#define BIOS_MIN    (64 * KiB)
#define BIOS_MAX    (16 * MiB)
#define RAM_DEFAULT (128 * MiB)
#define RAM_MIN	    (16 * MiB) /* SeaBIOS keeps its relocated init code below the top */
#define RAM_MAX	    (1024 * GiB)
#define CPUS_MAX    64

struct options {
	const char *bios_path; /* NULL: the image embedded in this binary */
	uint64_t ram_size;
	unsigned cpus;
	int debug;
	bool boot_menu;
	bool seccomp;
	bool help, version;
};

extern const char usage_text[];

/* Each returns 0, or -1 with a one-line message in err. */
int parse_size(const char *s, uint64_t *out);
int parse_options(int argc, char **argv, struct options *o, char *err, size_t errlen);
/* Read a BIOS image into page-aligned read-only memory, after checking its size. */
int load_bios(const char *path, const uint8_t **image, size_t *size, char *err, size_t errlen);

#endif
