/* vmm: a legacy x86 PC on Linux KVM. Shared declarations of the core and the device models. */
#ifndef VMM_H
#define VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_VERSION "0.1.0"

/* Exit statuses, documented in --help and the README. */
enum vmm_exit {
	EXIT_GUEST_DONE = 0,   /* the guest asked for a reset or power-off */
	EXIT_ERROR = 1,	       /* bad input file, KVM or host failure, emulation failure */
	EXIT_USAGE = 2,	       /* bad command line */
	EXIT_TRIPLE_FAULT = 3, /* the guest crashed the CPU (triple fault) */
	EXIT_SECCOMP = 4,      /* a forbidden system call was attempted */
	EXIT_SIGNAL_BASE = 128 /* stopped by signal N: 128 + N */
};

/* ---- logging (vmm.c) ---------------------------------------------------------------- */

/* 0 errors only, 1 each setup step, 2 unhandled ports, 3 every exit */
extern int debug_level;

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define debug(level, ...)                                                                          \
	do {                                                                                       \
		if (debug_level >= (level))                                                        \
			log_msg(__VA_ARGS__);                                                      \
	} while (0)

/* ---- the command line and the BIOS image (vmm.c) ------------------------------------------ */

struct options {
	const char *bios_path; /* NULL: the image embedded in this binary */
	uint64_t ram_size;
	int debug;
	bool boot_menu;
	bool seccomp;
	bool help, version;
};

/* Each returns 0, or -1 with a one-line message in err. */
int parse_size(const char *s, uint64_t *out);
int parse_options(int argc, char **argv, struct options *o, char *err, size_t errlen);
int load_bios(const char *path, const uint8_t **image, size_t *size, char *err, size_t errlen);
/* Confine the process to the run loop's system calls; a violation exits EXIT_SECCOMP. */
int install_seccomp(void);

/* ---- what a device may ask of the machine (vmm.c; stubbed in tests and fuzzers) ----- */

/* Drive an interrupt line of the in-kernel PIC/IOAPIC (level 1 = asserted). */
void vm_irq_line(unsigned irq, int level);
/* The guest asked for a system reset; vmm ends (no-reboot semantics). */
void vm_request_reset(const char *how);
/* Bytes the guest wants shown on the terminal (debug console, COM1). */
void console_write(const void *buf, size_t len);

/* ---- port I/O bus (devices/bus.c) ---------------------------------------------------- */

typedef uint32_t io_read_fn(void *dev, uint16_t port, unsigned size);
typedef void io_write_fn(void *dev, uint16_t port, unsigned size, uint32_t value);

struct io_region {
	uint16_t base;
	uint16_t len;
	const char *name;
	void *dev;
	bool byte_wide;	    /* an 8-bit ISA device: wider accesses become byte accesses */
	io_read_fn *read;   /* NULL: reads return all ones */
	io_write_fn *write; /* NULL: writes are dropped */
};

#define IO_BUS_MAX 32

struct io_bus {
	struct io_region regions[IO_BUS_MAX];
	unsigned count;
	uint64_t unhandled; /* accesses nobody answered, for statistics */
};

/* Claim ports [base, base+len); fails on overlap or a full bus. */
int io_bus_register(struct io_bus *bus, const struct io_region *region);
const struct io_region *io_bus_find(const struct io_bus *bus, uint16_t port);
/* One access of 1, 2 or 4 bytes; data is little-endian, as in kvm_run's I/O area. */
void io_bus_access(struct io_bus *bus, uint16_t port, unsigned size, bool is_write, uint8_t *data);

/* ---- device models (one file each in devices/), each owning its state
 * ------------------------------ */

/* Debug console on port 0x402 (QEMU isa-debugcon protocol). */
#define DEBUGCON_PORT	  0x402
#define DEBUGCON_READBACK 0xe9
int debugcon_init(struct io_bus *bus);

/* MC146818 CMOS/RTC on 0x70/0x71 with a clock that tests can inject. */
typedef int64_t clock_fn(void); /* seconds since the Unix epoch, UTC */
struct cmos {
	uint8_t index;
	bool nmi_disabled;
	uint8_t ram[128];
	int64_t offset; /* guest-set time minus host time, seconds */
	clock_fn *now;
};
void cmos_init(struct cmos *c, clock_fn *now, uint64_t ram_below_4g, uint64_t ram_above_4g,
	       unsigned ncpus);
int cmos_register(struct cmos *c, struct io_bus *bus);
uint8_t cmos_read(struct cmos *c, uint8_t reg);
void cmos_write(struct cmos *c, uint8_t reg, uint8_t value);

/* PCI configuration mechanism #1 on 0xcf8/0xcfc with functions on bus 0. */
struct pci_function;
typedef void pci_cfg_written_fn(struct pci_function *fn, unsigned reg, unsigned size);
struct pci_function {
	uint8_t devfn; /* device << 3 | function */
	uint8_t cfg[256];
	uint8_t wmask[256]; /* bits the guest may change */
	pci_cfg_written_fn *written;
	void *owner;
};
#define PCI_MAX_FUNCTIONS 8
struct pci_bus {
	uint32_t address; /* the 0xcf8 latch */
	struct pci_function *fns[PCI_MAX_FUNCTIONS];
	unsigned count;
};
int pci_register(struct pci_bus *pci, struct io_bus *bus);
int pci_add_function(struct pci_bus *pci, struct pci_function *fn);
void pci_function_init(struct pci_function *fn, uint8_t devfn, uint16_t vendor, uint16_t device,
		       uint32_t class_rev, uint8_t header_type);
uint32_t pci_config_read(struct pci_bus *pci, uint32_t address, unsigned size);
void pci_config_write(struct pci_bus *pci, uint32_t address, unsigned size, uint32_t value);

/* i440FX host bridge (00:00.0) with its PAM shadow-RAM registers. */
struct i440fx {
	struct pci_function fn;
};
void i440fx_init(struct i440fx *host);
/* PAM attribute (0-3) of the 16 KiB (or 64 KiB for 0xF0000) block holding addr. */
unsigned i440fx_pam(const struct i440fx *host, uint32_t addr);

/* PIIX3 PCI-to-ISA bridge (00:01.0); no IDE, no power management (see README). */
struct piix3 {
	struct pci_function fn;
};
void piix3_init(struct piix3 *isa);

/* fw_cfg on 0x510 (selector) / 0x511 (data): what SeaBIOS reads to learn the machine. */
#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_MAX_ITEMS 32
#define FW_CFG_MAX_FILES 16
struct fw_cfg_item {
	uint16_t key;
	uint32_t size;
	const uint8_t *data; /* NULL for empty */
};
struct fw_cfg {
	uint16_t selected;
	uint32_t offset;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
	unsigned nitems;
	unsigned nfiles;
	uint8_t dir[4 + 64 * FW_CFG_MAX_FILES]; /* key 0x19: big-endian file directory */
	uint8_t storage[1024];			/* small values added by value */
	unsigned used;
};
void fw_cfg_init(struct fw_cfg *f);
int fw_cfg_register(struct fw_cfg *f, struct io_bus *bus);
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data, uint32_t size);
int fw_cfg_add_int(struct fw_cfg *f, uint16_t key, uint64_t value, unsigned size);
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data, uint32_t size);
int fw_cfg_add_file_int(struct fw_cfg *f, const char *name, uint64_t value, unsigned size);
void fw_cfg_select(struct fw_cfg *f, uint16_t key);
uint8_t fw_cfg_read_byte(struct fw_cfg *f);

/* i8042 keyboard controller on 0x60/0x64 with a keyboard that answers commands. */
#define I8042_QUEUE 16
struct i8042 {
	uint8_t status;
	uint8_t command_byte;
	uint8_t pending_cmd; /* controller command awaiting its data byte */
	uint8_t pending_kbd; /* keyboard command awaiting its parameter */
	uint8_t pending_aux; /* mouse command awaiting its parameter */
	uint8_t output_port; /* bit 0: reset line (active low), bit 1: A20 */
	uint8_t queue[I8042_QUEUE];
	bool queue_from_aux[I8042_QUEUE];
	uint8_t qhead, qlen, last_read;
	int irq1_level, irq12_level;
};
void i8042_init(struct i8042 *k);
int i8042_register(struct i8042 *k, struct io_bus *bus);

/* System control ports: 0x92 (fast A20 / reset), 0xcf9 (reset control), 0x80 (POST code). */
struct sysctl {
	uint8_t port92;
	uint8_t rcr; /* 0xcf9 */
	uint8_t post_code;
};
void sysctl_init(struct sysctl *s);
int sysctl_register(struct sysctl *s, struct io_bus *bus);

/* 16550A UART (COM1 at 0x3f8, IRQ 4); transmit is instant, output goes to the console. */
#define UART_RX_QUEUE 64
struct uart {
	uint16_t base;
	unsigned irq;
	uint8_t ier, lcr, mcr, msr, scr, fcr;
	bool thre_pending; /* "transmitter empty" interrupt not yet acknowledged */
	uint16_t divisor;
	uint8_t rx[UART_RX_QUEUE];
	unsigned rx_head, rx_len;
	bool overrun;
	int irq_level;
};
void uart_init(struct uart *u, uint16_t base, unsigned irq);
int uart_register(struct uart *u, struct io_bus *bus);
/* Queue received bytes (typed by the user); returns how many fit in the FIFO. */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len);

#endif
