/* Raw images behind the disk controllers: pread/pwrite as the guest issues its commands, so
 * an acknowledged write is in the file even if vmm is stopped right after; fdatasync on the
 * guest's cache flush and at exit. Snapshot drives keep the guest's writes in an overlay of
 * anonymous memory (pages only where written) with a bitmap of the sectors it holds; the
 * file is only read. */
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct block_drive {
	uint64_t size;
	uint8_t *overlay; /* BLOCK_SNAPSHOT: the written sectors, at their offsets */
	uint8_t *written; /* one bit per OVERLAY_SECTOR */
	const char *path;
	int fd; /* 0: no drive (fds 0-2 are never images) */
	enum block_mode mode;
	bool error_reported;
	uint64_t ahead_at; /* the file's bytes [ahead_at, ahead_at + ahead_len) are in ahead[] */
	size_t ahead_len;
};

static struct block_drive drives[BLOCK_MAX_DRIVES];

/* Read-ahead: a BIOS reads a disk a sector per command or per DRQ block; one pread of 64 KiB
 * then serves the next 127 sectors. (Host memory only where a drive reads.) */
#define READ_AHEAD ((size_t)64 * 1024)
static uint8_t ahead[BLOCK_MAX_DRIVES][READ_AHEAD];

#define OVERLAY_SECTOR 512u

/* Bytes of the snapshot's bitmap for an image of size bytes: a bit per sector. */
static size_t bitmap_bytes(uint64_t size)
{
	return (size_t)(size / OVERLAY_SECTOR / 8 + 1);
}

static struct block_drive *drive_at(unsigned drive)
{
	return drive < BLOCK_MAX_DRIVES && drives[drive].fd > 0 ? &drives[drive] : NULL;
}

int block_open(unsigned drive, const char *path, enum block_mode mode, unsigned sector,
	       uint64_t max_size, char *err, size_t errlen)
{
	if (drive >= BLOCK_MAX_DRIVES || drives[drive].fd > 0 || sector == 0) {
		snprintf(err, errlen, "%s: no free drive for it", path);
		return -1;
	}
	int fd = open(path, (mode == BLOCK_READ_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "opening disk image %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	const char *bad = NULL;
	char why[96];
	if (fstat(fd, &st) < 0) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		bad = why;
	} else if (!S_ISREG(st.st_mode)) {
		bad = "not a regular file";
	} else if (st.st_size == 0) {
		bad = "it is empty";
	} else if ((uint64_t)st.st_size % sector) {
		snprintf(why, sizeof(why), "its size (%lld bytes) is not a multiple of %u bytes",
			 (long long)st.st_size, sector);
		bad = why;
	} else if ((uint64_t)st.st_size > max_size) {
		snprintf(why, sizeof(why), "too large for the drive (%lld bytes)",
			 (long long)st.st_size);
		bad = why;
	}
	if (bad) {
		snprintf(err, errlen, "disk image %s: %s", path, bad);
		close(fd);
		return -1;
	}
	for (unsigned i = 0; i < BLOCK_MAX_DRIVES; i++) {
		struct stat other;
		if (drives[i].fd > 0 && fstat(drives[i].fd, &other) == 0 &&
		    other.st_dev == st.st_dev && other.st_ino == st.st_ino) {
			snprintf(err, errlen, "disk image %s is given twice (also as %s)", path,
				 drives[i].path);
			close(fd);
			return -1;
		}
	}
	/* An open-file-description lock: released when vmm exits, however it exits. */
	struct flock lock = {.l_type = mode == BLOCK_READ_WRITE ? F_WRLCK : F_RDLCK,
			     .l_whence = SEEK_SET};
	if (fcntl(fd, F_OFD_SETLK, &lock) < 0) {
		if (errno == EAGAIN || errno == EACCES)
			snprintf(err, errlen, "disk image %s is in use by another program (locked)",
				 path);
		else
			snprintf(err, errlen, "locking disk image %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	uint8_t *overlay = NULL, *written = NULL;
	size_t bitmap = bitmap_bytes((uint64_t)st.st_size);
	if (mode == BLOCK_SNAPSHOT) { /* address space only: pages come as the guest writes */
		overlay = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		written = mmap(NULL, bitmap, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (overlay == MAP_FAILED || written == MAP_FAILED) {
			if (overlay != MAP_FAILED)
				munmap(overlay, (size_t)st.st_size);
			if (written != MAP_FAILED)
				munmap(written, bitmap);
			snprintf(err, errlen, "reserving memory for the snapshot of %s: %s", path,
				 strerror(errno));
			close(fd);
			return -1;
		}
	}
	drives[drive] = (struct block_drive){.fd = fd,
					     .size = (uint64_t)st.st_size,
					     .mode = mode,
					     .overlay = overlay,
					     .written = written,
					     .path = path};
	debug(1, "drive %u: %s, %llu bytes%s\n", drive, path, (unsigned long long)st.st_size,
	      mode == BLOCK_READ_ONLY  ? ", read-only"
	      : mode == BLOCK_SNAPSHOT ? ", snapshot"
				       : "");
	return 0;
}

uint64_t block_size(unsigned drive)
{
	struct block_drive *d = drive_at(drive);
	return d ? d->size : 0;
}

bool block_writable(unsigned drive)
{
	struct block_drive *d = drive_at(drive);
	return d && d->mode != BLOCK_READ_ONLY;
}

static bool in_range(const struct block_drive *d, uint64_t offset, size_t len)
{
	return d && offset <= d->size && len <= d->size - offset;
}

static bool host_failed(struct block_drive *d, const char *what, int e)
{
	if (!d->error_reported)
		log_msg("%s disk image %s: %s (the guest sees a disk error)\n", what, d->path,
			strerror(e));
	d->error_reported = true;
	return false;
}

/* report: a failure is the guest's disk error (said once); else only this call's. */
static bool pread_full(struct block_drive *d, uint64_t offset, uint8_t *buf, size_t len,
		       bool report)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = pread(d->fd, buf + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* 0: the file shrank under us */
			return report ? host_failed(d, "reading", n < 0 ? errno : EIO) : false;
		done += (size_t)n;
	}
	return true;
}

static bool read_file(struct block_drive *d, uint64_t offset, uint8_t *buf, size_t len)
{
	if (len >= READ_AHEAD)
		return pread_full(d, offset, buf, len, true);
	uint8_t *cache = ahead[d - drives];
	if (offset < d->ahead_at || offset + len > d->ahead_at + d->ahead_len) {
		size_t n = d->size - offset < READ_AHEAD ? (size_t)(d->size - offset) : READ_AHEAD;
		d->ahead_len = 0;
		if (!pread_full(d, offset, cache, n, false)) /* what lies ahead may be what fails */
			return pread_full(d, offset, buf, len, true);
		d->ahead_at = offset;
		d->ahead_len = n;
	}
	memcpy(buf, cache + (offset - d->ahead_at), len);
	return true;
}

static bool overlay_has(const struct block_drive *d, uint64_t sector)
{
	return d->written[sector / 8] & (1u << (sector % 8));
}

bool block_read(unsigned drive, uint64_t offset, void *buf, size_t len)
{
	struct block_drive *d = drive_at(drive);
	if (!in_range(d, offset, len))
		return false;
	uint8_t *out = buf;
	while (len) { /* runs of sectors from the file or from the overlay */
		uint64_t sector = offset / OVERLAY_SECTOR;
		bool from_overlay = d->overlay && overlay_has(d, sector);
		size_t run = 0;
		do {
			size_t in_sector =
			    OVERLAY_SECTOR - (size_t)((offset + run) % OVERLAY_SECTOR);
			run += in_sector < len - run ? in_sector : len - run;
			sector++;
		} while (run < len && (d->overlay && overlay_has(d, sector)) == from_overlay);
		if (from_overlay)
			memcpy(out, d->overlay + offset, run);
		else if (!read_file(d, offset, out, run))
			return false;
		out += run;
		offset += run;
		len -= run;
	}
	return true;
}

bool block_write(unsigned drive, uint64_t offset, const void *buf, size_t len)
{
	struct block_drive *d = drive_at(drive);
	if (!in_range(d, offset, len) || d->mode == BLOCK_READ_ONLY)
		return false;
	if (len == 0)
		return true;
	if (d->overlay) {
		/* a sector written in part takes the rest from the file first */
		uint64_t first = offset / OVERLAY_SECTOR,
			 last = (offset + len - 1) / OVERLAY_SECTOR;
		for (uint64_t s = first; s <= last; s += last - first ? last - first : 1) {
			uint64_t at = s * OVERLAY_SECTOR;
			size_t n = at + OVERLAY_SECTOR <= d->size ? OVERLAY_SECTOR
								  : (size_t)(d->size - at);
			if (!overlay_has(d, s) && !read_file(d, at, d->overlay + at, n))
				return false;
		}
		memcpy(d->overlay + offset, buf, len);
		for (uint64_t s = first; s <= last; s++)
			d->written[s / 8] |= (uint8_t)(1u << (s % 8));
		return true;
	}
	d->ahead_len = 0; /* the file changes: forget what was read ahead */
	for (size_t done = 0; done < len;) {
		ssize_t n =
		    pwrite(d->fd, (const uint8_t *)buf + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return host_failed(d, "writing", n < 0 ? errno : ENOSPC);
		done += (size_t)n;
	}
	return true;
}

bool block_flush(unsigned drive)
{
	struct block_drive *d = drive_at(drive);
	if (!d)
		return false;
	if (d->mode != BLOCK_READ_WRITE)
		return true;
	return fdatasync(d->fd) == 0 || host_failed(d, "flushing", errno);
}

void block_close_all(void)
{
	for (unsigned i = 0; i < BLOCK_MAX_DRIVES; i++) {
		struct block_drive *d = drive_at(i);
		if (!d)
			continue;
		block_flush(i);
		if (d->overlay) {
			munmap(d->overlay, (size_t)d->size);
			munmap(d->written, bitmap_bytes(d->size));
		}
		close(d->fd);
		drives[i] = (struct block_drive){0};
	}
}
