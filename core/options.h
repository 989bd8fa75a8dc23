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

enum display_mode {
	DISPLAY_AUTO,	/* text on a terminal, serial otherwise */
	DISPLAY_TEXT,	/* the VGA text screen drawn in the terminal, keys to the keyboard */
	DISPLAY_SERIAL, /* the BIOS screen mirrored to COM1 (SeaBIOS sercon), COM1 on stdio */
	DISPLAY_NONE,	/* no screen */
};

struct options {
	const char *bios_path; /* NULL: the image embedded in this binary */
	const char *vga_bios;  /* NULL: the embedded SeaVGABIOS */
	bool vga;	       /* a VGA adapter at all */
	uint64_t ram_size;
	unsigned cpus;
	int debug;
	enum display_mode display;
	const char *serial;	/* "stdio", "none" or a file; NULL: as the display says */
	const char *debugcon;	/* "stdout", "stderr", "none" or a file; NULL: likewise */
	const char *screendump; /* the final text screen goes here */
	uint16_t exit_port;	/* 0: none */
	bool boot_menu;
	const char *hd[3];   /* --hda, --hdb, --hdc: raw hard disk images */
	bool hd_readonly[3]; /* given as --hda-ro and so on */
	const char *cdrom;   /* an ISO image */
	const char *fd[2];   /* --fda, --fdb: floppy images */
	bool fd_readonly[2]; /* given as --fda-ro, --fdb-ro */
	bool snapshot;	     /* guest writes stay in memory */
	char boot_order[4];  /* --boot: drive letters a, c, d in order ("" = default) */
	bool seccomp;
	bool help, version;
};

extern const char usage_text[];

/* Each returns 0, or -1 with a one-line message in err. */
int parse_size(const char *s, uint64_t *out);
int parse_options(int argc, char **argv, struct options *o, char *err, size_t errlen);
/* Read a BIOS image into page-aligned read-only memory, after checking its size. */
int load_bios(const char *path, const uint8_t **image, size_t *size, char *err, size_t errlen);
/* Read a VGA BIOS (an option ROM of at most 128 KiB: 0xc0000-0xdffff). */
int load_vga_bios(const char *path, const uint8_t **image, size_t *size, char *err, size_t errlen);

#endif
