/* The command line and the BIOS image file. */
#include "options.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char usage_text[] =
    "Usage: vmm [OPTIONS]\n"
    "Boot a legacy x86 PC with SeaBIOS on Linux KVM.\n"
    "\n"
    "  -b, --bios FILE     BIOS image to boot instead of the built-in SeaBIOS\n"
    "                      (a multiple of 64 KiB, from 64 KiB to 16 MiB)\n"
    "  -m, --memory SIZE   guest RAM, with optional K, M, G or T suffix; a plain\n"
    "                      number means MiB (default 128M, at least 16M)\n"
    "  -c, --cpus N        virtual CPUs, 1 to 64 (default 1)\n"
    "  -d, --debug LEVEL   0 errors only (default), 1 each setup step and the reason\n"
    "                      vmm stops, 2 also unhandled ports, 3 also every VM exit\n"
    "      --display MODE  text: the VGA text screen in this terminal, keys to the\n"
    "                      guest's keyboard (the default on a terminal); serial: the\n"
    "                      BIOS screen on COM1, COM1 on standard input and output (the\n"
    "                      default otherwise); none: no screen\n"
    "      --serial WHERE  COM1: stdio, a FILE it writes to, or none\n"
    "      --debugcon WHERE  the BIOS debug log (port 0x402): stdout, stderr, a FILE,\n"
    "                      or none\n"
    "      --vga-bios FILE VGA BIOS instead of the built-in SeaVGABIOS\n"
    "      --vga none      no VGA adapter\n"
    "      --screendump FILE  write the last text screen to FILE when vmm ends\n"
    "      --exit-port PORT  writing V to this I/O port ends vmm with status\n"
    "                      (V << 1) | 1, as QEMU's isa-debug-exit\n"
    "      --hda FILE      raw hard disk image (also --hdb, --hdc); --hda-ro FILE\n"
    "                      and so on: the guest may not write it\n"
    "      --cdrom FILE    ISO image for the ATAPI CD-ROM (read-only)\n"
    "      --fda FILE      floppy image for drive A: (also --fdb): 360K, 720K,\n"
    "                      1.2M, 1.44M or 2.88M; --fda-ro FILE: write-protected\n"
    "      --snapshot      guest writes stay in memory; the images are untouched\n"
    "      --boot ORDER    boot from c (hard disk), d (CD-ROM), a (floppy) in this\n"
    "                      order, e.g. dc (default: c, then a, then d)\n"
    "      --boot-menu     let SeaBIOS offer its boot menu (\"Press ESC\")\n"
    "      --no-seccomp    do not confine vmm to the few system calls it needs\n"
    "                      once the guest runs\n"
    "  -h, --help          show this help and exit\n"
    "  -V, --version       show the version and exit\n"
    "\n"
    "On a terminal vmm shows the guest's screen and sends your keys to its\n"
    "keyboard; COM1 and the BIOS debug log go nowhere unless --serial and\n"
    "--debugcon say where. Otherwise the BIOS screen comes through COM1 and, with\n"
    "the debug log, goes to standard output as plain lines; standard input goes to\n"
    "COM1. On a terminal Ctrl-A x quits, Ctrl-A z suspends, Ctrl-A h lists more;\n"
    "Ctrl-C goes to the guest. vmm's own messages go to standard error.\n"
    "\n"
    "Exit status:\n"
    "  0    the guest asked for a reset or power-off (SeaBIOS does this after\n"
    "       \"No bootable device\")\n"
    "  1    error: unusable BIOS file, no KVM, a failed system call, a VM exit\n"
    "       vmm cannot handle\n"
    "  2    bad command line\n"
    "  3    the guest triple-faulted\n"
    "  4    vmm made a system call its seccomp filter forbids (a bug in vmm)\n"
    "  (V << 1) | 1  the guest wrote V to the --exit-port (modulo 256)\n"
    "  128+N  stopped by signal N (130 for Ctrl-C, 143 for SIGTERM)\n";

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
	enum {
		OPT_DISPLAY = 256,
		OPT_SERIAL,
		OPT_DEBUGCON,
		OPT_VGA,
		OPT_VGA_BIOS,
		OPT_SCREENDUMP,
		OPT_EXIT_PORT,
		OPT_HDA,
		OPT_HDA_RO = OPT_HDA + 3,
		OPT_CDROM = OPT_HDA_RO + 3,
		OPT_SNAPSHOT,
		OPT_BOOT,
		OPT_FDA,
		OPT_FDB,
		OPT_FDA_RO,
		OPT_FDB_RO
	};
	static const struct option longopts[] = {
	    {"bios", required_argument, NULL, 'b'},
	    {"memory", required_argument, NULL, 'm'},
	    {"debug", required_argument, NULL, 'd'},
	    {"boot-menu", no_argument, NULL, 'M'},
	    {"cpus", required_argument, NULL, 'c'},
	    {"display", required_argument, NULL, OPT_DISPLAY},
	    {"serial", required_argument, NULL, OPT_SERIAL},
	    {"debugcon", required_argument, NULL, OPT_DEBUGCON},
	    {"vga", required_argument, NULL, OPT_VGA},
	    {"vga-bios", required_argument, NULL, OPT_VGA_BIOS},
	    {"screendump", required_argument, NULL, OPT_SCREENDUMP},
	    {"exit-port", required_argument, NULL, OPT_EXIT_PORT},
	    {"hda", required_argument, NULL, OPT_HDA},
	    {"hdb", required_argument, NULL, OPT_HDA + 1},
	    {"hdc", required_argument, NULL, OPT_HDA + 2},
	    {"hda-ro", required_argument, NULL, OPT_HDA_RO},
	    {"hdb-ro", required_argument, NULL, OPT_HDA_RO + 1},
	    {"hdc-ro", required_argument, NULL, OPT_HDA_RO + 2},
	    {"cdrom", required_argument, NULL, OPT_CDROM},
	    {"fda", required_argument, NULL, OPT_FDA},
	    {"fdb", required_argument, NULL, OPT_FDB},
	    {"fda-ro", required_argument, NULL, OPT_FDA_RO},
	    {"fdb-ro", required_argument, NULL, OPT_FDB_RO},
	    {"snapshot", no_argument, NULL, OPT_SNAPSHOT},
	    {"boot", required_argument, NULL, OPT_BOOT},
	    {"no-seccomp", no_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0}};
	*o = (struct options){.ram_size = RAM_DEFAULT, .cpus = 1, .vga = true, .seccomp = true};
	optind = 0; /* full rescan, so the parser can run more than once (tests, fuzzing) */
	opterr = 0;
	int c;
	int longindex = 0;
	while ((c = getopt_long(argc, argv, ":b:m:c:d:hV", longopts, &longindex)) != -1) {
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
		case 'c': {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno || n < 1 ||
			    n > CPUS_MAX) {
				snprintf(err, errlen, "invalid CPU count '%s' (1 to %d)", optarg,
					 CPUS_MAX);
				return -1;
			}
			o->cpus = (unsigned)n;
			break;
		}
		case 'd':
			if (optarg[0] < '0' || optarg[0] > '3' || optarg[1] != '\0') {
				snprintf(err, errlen, "invalid debug level '%s' (0 to 3)", optarg);
				return -1;
			}
			o->debug = optarg[0] - '0';
			break;
		case OPT_DISPLAY:
			if (strcmp(optarg, "text") == 0)
				o->display = DISPLAY_TEXT;
			else if (strcmp(optarg, "serial") == 0)
				o->display = DISPLAY_SERIAL;
			else if (strcmp(optarg, "none") == 0)
				o->display = DISPLAY_NONE;
			else {
				snprintf(err, errlen, "invalid display '%s' (text, serial or none)",
					 optarg);
				return -1;
			}
			break;
		case OPT_SERIAL:
		case OPT_DEBUGCON:
		case OPT_VGA_BIOS:
		case OPT_SCREENDUMP:
			if (!optarg[0]) {
				snprintf(err, errlen, "option '--%s' needs a name",
					 c == OPT_SERIAL     ? "serial"
					 : c == OPT_DEBUGCON ? "debugcon"
					 : c == OPT_VGA_BIOS ? "vga-bios"
							     : "screendump");
				return -1;
			}
			if (c == OPT_SERIAL)
				o->serial = optarg;
			else if (c == OPT_DEBUGCON)
				o->debugcon = optarg;
			else if (c == OPT_VGA_BIOS)
				o->vga_bios = optarg;
			else
				o->screendump = optarg;
			break;
		case OPT_VGA:
			if (strcmp(optarg, "none") != 0 && strcmp(optarg, "std") != 0) {
				snprintf(err, errlen, "invalid VGA '%s' (std or none)", optarg);
				return -1;
			}
			o->vga = strcmp(optarg, "std") == 0;
			break;
		case OPT_EXIT_PORT: {
			char *end;
			errno = 0;
			unsigned long port = strtoul(optarg, &end, 0);
			if (optarg[0] < '0' || optarg[0] > '9' || *end || errno || port == 0 ||
			    port > 0xffff) {
				snprintf(err, errlen, "invalid exit port '%s' (1 to 0xffff)",
					 optarg);
				return -1;
			}
			o->exit_port = (uint16_t)port;
			break;
		}
		case OPT_HDA:
		case OPT_HDA + 1:
		case OPT_HDA + 2:
		case OPT_HDA_RO:
		case OPT_HDA_RO + 1:
		case OPT_HDA_RO + 2:
		case OPT_FDA:
		case OPT_FDB:
		case OPT_FDA_RO:
		case OPT_FDB_RO:
		case OPT_CDROM: {
			if (!optarg[0]) {
				snprintf(err, errlen, "option '--%s' needs a file name",
					 longopts[longindex].name);
				return -1;
			}
			if (c == OPT_CDROM) {
				o->cdrom = optarg;
				break;
			}
			if (c >= OPT_FDA) {
				unsigned n = (unsigned)(c - OPT_FDA) % 2;
				o->fd[n] = optarg;
				o->fd_readonly[n] = c >= OPT_FDA_RO;
				break;
			}
			unsigned i = (unsigned)(c - OPT_HDA) % 3;
			o->hd[i] = optarg;
			o->hd_readonly[i] = c >= OPT_HDA_RO;
			break;
		}
		case OPT_SNAPSHOT: o->snapshot = true; break;
		case OPT_BOOT: {
			size_t n = strlen(optarg);
			bool ok = n >= 1 && n <= 3;
			for (size_t i = 0; ok && i < n; i++)
				ok = strchr("acd", optarg[i]) && !memchr(optarg, optarg[i], i);
			if (!ok) {
				snprintf(
				    err, errlen,
				    "invalid boot order '%s' (up to three of a, c, d, e.g. dc)",
				    optarg);
				return -1;
			}
			memcpy(o->boot_order, optarg, n + 1);
			break;
		}
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

/* Read n bytes: n, fewer when the file ends first (it shrank), or -1 with errno. */
static ssize_t read_full(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

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
	ssize_t got = read_full(fd, buf, n);
	if (got != (ssize_t)n) {
		snprintf(err, errlen, "reading BIOS image %s: %s", path,
			 got < 0 ? strerror(errno) : "file shrank while being read");
		munmap(buf, n);
		close(fd);
		return -1;
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

int load_vga_bios(const char *path, const uint8_t **image, size_t *size, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "opening VGA BIOS %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	const char *problem = NULL;
	if (fstat(fd, &st) < 0)
		problem = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		problem = S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file";
	else if (st.st_size < 512 || st.st_size > (off_t)(128 * KiB))
		problem = "must be 512 bytes to 128 KiB";
	if (problem) {
		snprintf(err, errlen, "VGA BIOS %s %s", path, problem);
		close(fd);
		return -1;
	}
	size_t n = (size_t)st.st_size;
	uint8_t *buf = malloc(n);
	if (!buf) {
		snprintf(err, errlen, "VGA BIOS %s: %s", path, strerror(ENOMEM));
		close(fd);
		return -1;
	}
	ssize_t got = read_full(fd, buf, n);
	if (got != (ssize_t)n)
		problem = got < 0 ? strerror(errno) : "shrank while being read";
	close(fd);
	if (!problem && (buf[0] != 0x55 || buf[1] != 0xaa))
		problem = "is not an option ROM (no 0x55 0xaa signature)";
	if (problem) {
		snprintf(err, errlen, "VGA BIOS %s %s", path, problem);
		free(buf);
		return -1;
	}
	*image = buf;
	*size = n;
	return 0;
}
