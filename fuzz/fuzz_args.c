/* libFuzzer target for vmm's input paths outside the guest: command-line parsing (the input
 * split at NUL bytes into argv) and BIOS image loading (an in-memory file of a size the input
 * picks, holding the input's bytes). */
#include "../core/options.h"

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void fuzz_options(const uint8_t *data, size_t size)
{
	char buf[512];
	char *argv[18] = {"vmm"};
	int argc = 1;
	size_t n = size < sizeof(buf) - 1 ? size : sizeof(buf) - 1;
	memcpy(buf, data, n);
	buf[n] = 0;
	for (char *p = buf; p < buf + n && argc < 17; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	struct options o;
	char err[256];
	if (parse_options(argc, argv, &o, err, sizeof(err)) == 0) {
		if (o.debug < 0 || o.debug > 3 || o.ram_size < (16u << 20) ||
		    o.ram_size > (1ull << 40) || o.ram_size % 4096)
			__builtin_trap(); /* an accepted option outside its documented range */
	} else if (!memchr(err, 0, sizeof(err)) || !err[0]) {
		__builtin_trap(); /* every rejection says why */
	}
	uint64_t v;
	parse_size(buf, &v);
}

static void fuzz_image(const uint8_t *data, size_t size)
{
	if (size < 4)
		return;
	/* Sizes around the interesting boundaries: 0 to 17 MiB. */
	uint32_t want =
	    (uint32_t)(data[0] | data[1] << 8 | data[2] << 16 | (uint32_t)data[3] << 24);
	off_t file_size = (off_t)(want % (17u << 20));
	if (data[0] & 1)
		file_size &= ~(off_t)0xffff; /* often a multiple of 64 KiB */
	int fd = memfd_create("bios", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (ftruncate(fd, file_size) == 0 && pwrite(fd, data + 4, size - 4, 0) >= 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		const uint8_t *img;
		size_t img_size;
		char err[512];
		if (load_bios(path, &img, &img_size, err, sizeof(err)) == 0) {
			if (img_size < 65536 || img_size > (16u << 20) || img_size % 65536)
				__builtin_trap();
			munmap((void *)img, img_size);
		}
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] & 0x80)
		fuzz_image(data + 1, size - 1);
	else
		fuzz_options(data + 1, size - 1);
	return 0;
}
