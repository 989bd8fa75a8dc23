/* The block backend: raw disk images the disk controllers read and write. A device keeps
 * only a drive number (plain data); the file, its size and its lock live here. */
#ifndef CORE_BLOCK_H
#define CORE_BLOCK_H

#include "../vmm.h"

#define BLOCK_MAX_DRIVES 6 /* IDE positions 0-3, floppies 4-5 */

enum block_mode {
	BLOCK_READ_WRITE,
	BLOCK_READ_ONLY, /* the guest gets a write-protect error */
	BLOCK_SNAPSHOT,	 /* the guest may write; the writes stay in memory, the file untouched */
};

/* Open path as drive number drive, locked against other writers (an OFD lock: a writer
 * excludes everyone, readers share). The size must be a non-zero multiple of sector and at
 * most max_size. 0; -1 with a one-line message in err that names the file. */
int block_open(unsigned drive, const char *path, enum block_mode mode, unsigned sector,
	       uint64_t max_size, char *err, size_t errlen);
/* The image's size in bytes (0: no such drive). */
uint64_t block_size(unsigned drive);
/* Whether the guest may write the drive (snapshot drives: yes). */
bool block_writable(unsigned drive);
/* Move len bytes at offset; false on a range outside the image or a host error (reported
 * once per drive on standard error), which the device turns into an error for the guest. */
bool block_read(unsigned drive, uint64_t offset, void *buf, size_t len);
bool block_write(unsigned drive, uint64_t offset, const void *buf, size_t len);
/* Make what was written durable (fdatasync); false on a host error. */
bool block_flush(unsigned drive);
/* Flush every image and close them all (every way out of vmm comes here). */
void block_close_all(void);

#endif
