/* libFuzzer target for the device models: the input is a sequence of port accesses handed to
 * the board's bus, the same bus and handlers the run loop uses, mixed with the other things
 * that reach devices: time passing (timers fire) and input typed into COM1 and the keyboard.
 * Built once per device (FUZZ_DEVICE_x: accesses aimed at its ports) and once for the whole
 * board (FUZZ_DEVICE_bus: any port).
 *
 * Record (7 bytes): u16 port selector, u8 flags (bits 0-1 size 1/2/4/4, bit 2 write, bits 3-7
 * repeat count as in rep ins/outs), u32 value. Flags 0xff: an event instead, by value's low
 * byte: 0-127 advance the clock by value>>8 microseconds, 128-191 type value>>8's low byte
 * into COM1, 192-255 the same into the keyboard. */
#include "../tests/fake_machine.h"

#include "../core/block.h"
#include "../core/board.h"
#include "../core/screen.h"
#include "../core/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const uint16_t ports[] = {
#if defined(FUZZ_DEVICE_cmos)
    0x70, 0x71
#elif defined(FUZZ_DEVICE_pci)
    0xcf8, 0xcfc, 0xcfd, 0xcfe, 0xcff
#elif defined(FUZZ_DEVICE_fw_cfg)
    0x510, 0x511
#elif defined(FUZZ_DEVICE_i8042)
    0x60, 0x64
#elif defined(FUZZ_DEVICE_uart)
    0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc,
    0x3fd, 0x3fe, 0x3ff
#elif defined(FUZZ_DEVICE_sysctl)
    0x80, 0x92, 0xcf9
#elif defined(FUZZ_DEVICE_vga)
    0x3b4, 0x3b5, 0x3ba, 0x3c0, 0x3c1, 0x3c2, 0x3c4, 0x3c5, 0x3c6, 0x3c7,
    0x3c8, 0x3c9, 0x3ca, 0x3cc, 0x3ce, 0x3cf, 0x3d4, 0x3d5, 0x3da
#elif defined(FUZZ_DEVICE_fdc)
    0x3f0, 0x3f1, 0x3f2, 0x3f3, 0x3f4, 0x3f5, 0x3f7, 0x00, 0x02, 0x04, 0x05,
    0x06,  0x08,  0x0a,	 0x0b,	0x0c,  0x0d,  0x0f,  0x81, 0x87
#elif defined(FUZZ_DEVICE_ide)
    /* both channels, then the bus master where the fuzzer puts BAR4 */
    0x1f0, 0x1f1, 0x1f2, 0x1f3, 0x1f4, 0x1f5,  0x1f6,  0x1f7,  0x3f6,  0x170,  0x171, 0x172, 0x173,
    0x174, 0x175, 0x176, 0x177, 0x376, 0xc000, 0xc002, 0xc004, 0xc008, 0xc00a, 0xc00c
#else /* debugcon, and the bus target, which aims anywhere */
    0x402
#endif
};

static struct board board;
static uint8_t vram[0xc0000]; /* guest RAM up to the VGA window's end, for the screen */
static const uint8_t vga_rom[512] = {0x55, 0xaa, 1};

/* What must hold after any access, whatever the guest did. */
static void check_invariants(void)
{
	const struct i8042 *k = &board.i8042;
	if (k->kbd.len > PS2_QUEUE || k->kbd.head >= PS2_QUEUE || k->aux.len > PS2_QUEUE ||
	    k->aux.head >= PS2_QUEUE)
		abort();
	const struct uart *u = &board.com1;
	if (u->rx_len > UART_FIFO || u->rx_head >= UART_FIFO || u->ier > 0x0f)
		abort();
	if (board.cmos.index > 0x7f || (board.cmos.ram[0x0c] & 0x0f))
		abort();
	if (board.fw_cfg.nitems > FW_CFG_MAX_ITEMS)
		abort();
	const struct fdc *fd = &board.fdc;
	if (fd->command_len >= sizeof(fd->command) || fd->result_len > sizeof(fd->result) ||
	    fd->result_pos > fd->result_len || fd->reset_senses > 4)
		abort();
	for (unsigned i = 0; i < 2; i++) {
		const struct ide_channel *ch = &board.ide.channels[i];
		if (ch->len > IDE_BUFFER_SIZE || ch->pos > ch->len || ch->selected > 1 ||
		    (ch->transfer == IDE_XFER_ATAPI && ch->chunk_end > ch->len))
			abort();
	}
	/* Interrupt lines follow their devices' state. */
	if (fake_irq_level[4] != board.com1.irq.level || fake_irq_level[8] != board.cmos.irq.level)
		abort();
}

static void event(uint32_t value)
{
	uint8_t kind = (uint8_t)value, arg = (uint8_t)(value >> 8);
	if (kind < 128) {
		fake_now += (uint64_t)(value >> 8) * 1000;
		timers_run(fake_now);
	} else if (kind < 192) {
		uart_receive(&board.com1, &arg, 1);
	} else {
		i8042_keyboard_input(&board.i8042, &arg, 1);
	}
}

/* Images in memory for the IDE drives: a 1 MiB disk (snapshot: its writes never pile up in
 * a file) as primary master and a 128 KiB CD as secondary master. */
static void open_images(void)
{
	static bool opened;
	static const struct {
		unsigned drive, bytes, sector;
		enum block_mode mode;
	} images[] = {{0, 1 << 20, 512, BLOCK_SNAPSHOT},
		      {2, 1 << 17, 2048, BLOCK_READ_ONLY},
		      {BOARD_FLOPPY_BLOCK, 1474560, 512, BLOCK_SNAPSHOT}};
	if (opened)
		return;
	opened = true;
	for (unsigned i = 0; i < ARRAY_SIZE(images); i++) {
		int fd = memfd_create("image", 0);
		char path[64], err[256];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (fd < 0 || ftruncate(fd, images[i].bytes) < 0 ||
		    block_open(images[i].drive, path, images[i].mode, images[i].sector, UINT64_MAX,
			       err, sizeof(err)) < 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[4] = {1, 2, 4, 4};
	static const struct board_config config = {.ram_size = 128 * MiB,
						   .bios_size = 128 * KiB,
						   .cpus = 1,
						   .vga_rom = vga_rom,
						   .vga_rom_size = sizeof(vga_rom),
						   .ide_drives = {IDE_DISK, IDE_NONE, IDE_CDROM},
						   .floppy_drives = {true, false}};
	open_images();
	fake_machine_reset();
	fake_console_reset();
	fake_now = 1000000000;
	if (board_init(&board, &config) < 0)
		abort();
	/* The IDE bus master at 0xc000, as a BIOS would place it (00:01.1 BAR4, I/O on). */
	pci_config_write(&board.pci, 0x80000920u, 4, 0xc000);
	pci_config_write(&board.pci, 0x80000904u, 2, 0x0005);
	/* The text buffer holds the input's first bytes: any characters and attributes. */
	memcpy(vram + 0xb8000, data, size < 0x8000 ? size : 0x8000);
	for (; size >= 7; data += 7, size -= 7) {
		uint16_t sel = (uint16_t)(data[0] | data[1] << 8);
		uint32_t value = (uint32_t)load_le(data + 3, 4);
		if (data[2] == 0xff) {
			event(value);
			check_invariants();
			continue;
		}
#ifdef FUZZ_DEVICE_bus
		uint16_t port = sel;
		(void)ports;
#else
		uint16_t port = ports[sel % (sizeof(ports) / sizeof(ports[0]))];
#endif
		unsigned access = sizes[data[2] & 3];
		bool is_write = data[2] & 4;
		unsigned repeat = 1 + (data[2] >> 3);
		for (unsigned i = 0; i < repeat; i++) {
			uint8_t buf[4];
			memcpy(buf, data + 3, 4);
			bus_access(&board.io, port, access, is_write, buf);
			check_invariants();
		}
	}
	/* Whatever the guest programmed, the screen shown from it stays in bounds. */
	static struct screen before, after;
	static char frame[128 * 1024];
	screen_capture(&after, &board.vga, vram, sizeof(vram));
	if (after.shown && (after.cols > VGA_MAX_COLS || after.rows > VGA_MAX_ROWS ||
			    (after.cursor_on &&
			     (after.cursor_row >= after.rows || after.cursor_col >= after.cols))))
		abort();
	if (!screen_render(NULL, &after, frame, sizeof(frame)) ||
	    !screen_render(&before, &after, frame, sizeof(frame)))
		abort(); /* the frame buffer holds a full redraw of the largest screen */
	before = after;
	return 0;
}
