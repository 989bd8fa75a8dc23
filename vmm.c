/* vmm: a legacy x86 PC on Linux KVM that boots SeaBIOS. This file sets the VM up in the
 * classic order (BIOS image, guest RAM, /dev/kvm, the VM, its in-kernel interrupt controllers
 * and timer, the vCPUs, memory slots, real-mode registers, kvm_run) and runs it: one thread
 * per vCPU in KVM_RUN, handing each exit to the bus, and the I/O thread (this one) waiting on
 * signals, timers and the terminal. The devices are in devices/, the board in core/board.c. */
#include "vmm.h"

#include "core/block.h"
#include "core/board.h"
#include "core/console.h"
#include "core/display.h"
#include "core/event.h"
#include "core/options.h"
#include "core/sandbox.h"
#include "core/timer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#define IDENTITY_MAP_ADDR KVM_PRIVATE_BASE /* one page, then the three-page TSS (Intel) */
#define TSS_ADDR	  (KVM_PRIVATE_BASE + 0x1000)
#define SIG_KICK	  SIGUSR1   /* interrupts a vCPU's KVM_RUN */
#define TICK_NS		  100000000 /* the output tick: 10 Hz */

/* Memory slots. */
enum {
	SLOT_RAM_LOW,	   /* 0 - 0xbffff */
	SLOT_RAM_HIGH,	   /* 1 MiB - the top of RAM below 4 GiB */
	SLOT_RAM_ABOVE_4G, /* 4 GiB - */
	SLOT_BIOS,	   /* the image, ending at 4 GiB */
	SLOT_PAM_FIRST,	   /* one per PAM block of 0xc0000-0xfffff */
};

struct vcpu {
	unsigned id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	pid_t tid;
	uint64_t exits;
};

static struct machine {
	int kvm_fd, vm_fd;
	struct vcpu vcpus[CPUS_MAX];
	unsigned ncpus;
	unsigned phys_bits; /* the guest-physical address width KVM's CPUID reports */
	size_t run_size;
	struct kvm_coalesced_mmio_ring *ring; /* debug-port writes batched by KVM, or NULL */
	unsigned ring_entries;
	pid_t pid;

	uint8_t *ram;
	uint64_t ram_size, ram_below_4g, ram_above_4g;
	const uint8_t *bios;
	size_t bios_size;
	const uint8_t *vga_bios; /* NULL: no VGA adapter */
	size_t vga_bios_size;
	struct console_plan console;
	enum pam_mode pam_mapped[PAM_BLOCKS];
	bool pam_slot_used[PAM_BLOCKS];

	struct board board;
	pthread_mutex_t lock; /* the machine lock: every device model runs under it */

	int stop_claimed; /* atomic: the first machine_stop() call wins ... */
	int stopping;	  /* ... and sets this once exit_status and stop_reason are written */
	int exit_status;
	bool stopped_by_signal; /* then the last output gets 2 s to be written, no more */
	char stop_reason[256];
	/* The vCPUs wait here until the sandbox is in place. */
	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	unsigned ready;
	bool go;
} vm = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .start_lock = PTHREAD_MUTEX_INITIALIZER,
    .start_cond = PTHREAD_COND_INITIALIZER,
};

extern const uint8_t bios_image_start[], bios_image_end[];	 /* bios.S */
extern const uint8_t vgabios_image_start[], vgabios_image_end[]; /* bios.S */

/* The one-line failure message of setup: what was being done, on what, and why. */
static void __attribute__((noreturn)) die(const char *what, const char *object)
{
	int e = errno;
	fprintf(stderr, "vmm: %s %s: %s\n", what, object, strerror(e));
	exit(EXIT_ERROR);
}

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what, const char *on)
{
	int r;
	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		die(what, on);
	return r;
}

/* ---- what devices ask of the machine ------------------------------------------------------- */

void machine_lock(void)
{
	pthread_mutex_lock(&vm.lock);
}

void machine_unlock(void)
{
	pthread_mutex_unlock(&vm.lock);
}

uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t clock_wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool stopping(void)
{
	return __atomic_load_n(&vm.stopping, __ATOMIC_SEQ_CST);
}

/* Make every vCPU leave KVM_RUN: immediate_exit covers a vCPU about to enter, the signal
 * one inside. Neither is ever undone: vCPUs are only kicked to stop. */
static void kick_vcpus(void)
{
	for (unsigned i = 0; i < vm.ncpus; i++) {
		struct vcpu *v = &vm.vcpus[i];
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		pid_t tid = __atomic_load_n(&v->tid, __ATOMIC_SEQ_CST);
		if (tid)
			syscall(SYS_tgkill, vm.pid, tid, SIG_KICK);
	}
}

void machine_stop(int status, const char *fmt, ...)
{
	int expected = 0;
	if (!__atomic_compare_exchange_n(&vm.stop_claimed, &expected, 1, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return;
	vm.exit_status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vm.stop_reason, sizeof(vm.stop_reason), fmt, ap);
	va_end(ap);
	__atomic_store_n(&vm.stopping, 1, __ATOMIC_SEQ_CST);
	kick_vcpus();
	console_release_waiters();
	event_wake();
}

void machine_request_reset(const char *why)
{
	machine_stop(EXIT_GUEST_DONE, "guest requested a reset (%s); stopping", why);
}

void machine_set_irq(unsigned gsi, int level)
{
	struct kvm_irq_level l = {.irq = gsi, .level = (uint32_t)level};
	if (ioctl(vm.vm_fd, KVM_IRQ_LINE, &l) < 0)
		machine_stop(EXIT_ERROR, "KVM_IRQ_LINE for IRQ %u: %s", gsi, strerror(errno));
}

/* Host memory behind guest RAM [gpa, gpa + len), or NULL if any of it is not RAM. */
static uint8_t *ram_at(uint64_t gpa, size_t len)
{
	if (gpa <= vm.ram_below_4g && len <= vm.ram_below_4g - gpa)
		return vm.ram + gpa;
	if (gpa >= 4 * GiB && gpa - 4 * GiB <= vm.ram_above_4g &&
	    len <= vm.ram_above_4g - (gpa - 4 * GiB))
		return vm.ram + vm.ram_below_4g + (gpa - 4 * GiB);
	return NULL;
}

/* ---- memory ---------------------------------------------------------------------------------- */

static int set_memory(unsigned slot, uint64_t gpa, uint64_t size, const void *host, uint32_t flags)
{
	struct kvm_userspace_memory_region r = {.slot = slot,
						.flags = flags,
						.guest_phys_addr = gpa,
						.memory_size = size,
						.userspace_addr = (uint64_t)(uintptr_t)host};
	return ioctl(vm.vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

static void add_memory(unsigned slot, uint64_t gpa, uint64_t size, const void *host, uint32_t flags,
		       const char *what)
{
	if (set_memory(slot, gpa, size, host, flags) < 0)
		die("KVM_SET_USER_MEMORY_REGION for", what);
	debug(1, "slot %u: guest 0x%09llx-0x%09llx %s%s\n", slot, (unsigned long long)gpa,
	      (unsigned long long)(gpa + size - 1), what,
	      (flags & KVM_MEM_READONLY) ? " (read-only)" : "");
}

/* What the ROM side of the PAM window holds at addr: the last 128 KiB of the image (all of a
 * smaller one) end at 1 MiB; below that, nothing. */
static const uint8_t *rom_behind(uint32_t addr)
{
	size_t low = vm.bios_size < BIOS_LOW_WINDOW ? vm.bios_size : BIOS_LOW_WINDOW;
	if (addr < MiB - low)
		return NULL;
	return vm.bios + vm.bios_size - (MiB - addr);
}

/* Map one PAM block as its attribute says: RAM read-write or read-only, or the ROM side
 * read-only (reads of nothing and writes to ROM exit to shadow_ops). */
static int map_pam_block(unsigned block, enum pam_mode mode)
{
	uint32_t base = pam_block_base(block), size = pam_block_size(block);
	unsigned slot = SLOT_PAM_FIRST + block;
	if (vm.pam_slot_used[block] && set_memory(slot, base, 0, NULL, 0) < 0)
		return -1;
	vm.pam_slot_used[block] = false;
	const void *host = vm.ram + base;
	if (mode == PAM_ROM || mode == PAM_WRITE_RAM)
		host = rom_behind(base);
	uint32_t flags = mode == PAM_RAM ? 0 : KVM_MEM_READONLY;
	if (host) {
		if (set_memory(slot, base, size, host, flags) < 0)
			return -1;
		vm.pam_slot_used[block] = true;
	}
	vm.pam_mapped[block] = mode;
	return 0;
}

void machine_pam_changed(void)
{
	for (unsigned i = 0; i < PAM_BLOCKS; i++) {
		enum pam_mode mode = i440fx_pam(&vm.board.host_bridge, i);
		if (mode == vm.pam_mapped[i])
			continue;
		if (map_pam_block(i, mode) < 0) {
			machine_stop(EXIT_ERROR,
				     "KVM_SET_USER_MEMORY_REGION for PAM block 0x%05x: %s",
				     pam_block_base(i), strerror(errno));
			return;
		}
		debug(2, "PAM: 0x%05x-0x%05x now mode %d\n", pam_block_base(i),
		      pam_block_base(i) + pam_block_size(i) - 1, mode);
	}
}

/* Accesses that reach the PAM window as MMIO: reads where nothing is mapped, and writes to
 * read-only blocks, which go to RAM only in write-only mode. */
static uint64_t shadow_read(void *dev, uint64_t offset, unsigned size)
{
	(void)dev, (void)offset, (void)size;
	return ~0ull; /* nothing on the ROM side here */
}

/* The PAM block holding addr, an address in the window. */
static unsigned pam_block_of(uint64_t addr)
{
	uint64_t block = (addr - PAM_BASE) / 0x4000;
	return block < PAM_BLOCKS ? (unsigned)block : PAM_BLOCKS - 1;
}

/* How the CPU and devices reach addr: as its PAM block says in the window, else plain RAM. */
static enum pam_mode pam_mode_at(uint64_t addr)
{
	return addr >= PAM_BASE && addr < MiB ? vm.pam_mapped[pam_block_of(addr)] : PAM_RAM;
}

static void shadow_write(void *dev, uint64_t offset, unsigned size, uint64_t value)
{
	(void)dev;
	for (unsigned i = 0; i < size; i++) {
		uint32_t addr = PAM_BASE + (uint32_t)offset + i;
		if (pam_mode_at(addr) == PAM_WRITE_RAM)
			vm.ram[addr] = (uint8_t)(value >> (8 * i));
	}
}

static const struct io_ops shadow_ops = {.read = shadow_read, .write = shadow_write};

/* Device DMA sees the PAM window as the CPU does: RAM where the block's attribute lets the
 * access reach RAM, else the ROM side (writes dropped, reads of the image or of nothing). */
static bool touches_pam(uint64_t gpa, size_t len)
{
	return gpa < MiB && gpa + len > PAM_BASE;
}

bool machine_read_ram(uint64_t gpa, void *buf, size_t len)
{
	const uint8_t *p = ram_at(gpa, len);
	if (!p)
		return false;
	if (!touches_pam(gpa, len)) {
		memcpy(buf, p, len);
		return true;
	}
	uint8_t *out = buf;
	for (size_t i = 0; i < len; i++) {
		enum pam_mode mode = pam_mode_at(gpa + i);
		const uint8_t *rom = rom_behind((uint32_t)(gpa + i));
		out[i] = mode == PAM_RAM || mode == PAM_READ_RAM ? p[i] : rom ? *rom : 0xff;
	}
	return true;
}

bool machine_write_ram(uint64_t gpa, const void *buf, size_t len)
{
	uint8_t *p = ram_at(gpa, len);
	if (!p)
		return false;
	if (!touches_pam(gpa, len)) {
		memcpy(p, buf, len);
		return true;
	}
	const uint8_t *in = buf;
	for (size_t i = 0; i < len; i++) {
		enum pam_mode mode = pam_mode_at(gpa + i);
		if (mode == PAM_RAM || mode == PAM_WRITE_RAM)
			p[i] = in[i];
	}
	return true;
}

/* Guest RAM from 0 (and above 4 GiB) around the PAM window, the BIOS image ending at 4 GiB
 * (where the CPU fetches its first instruction) and the window as the PAM registers say:
 * at reset the ROM side, so the image's tail shows below 1 MiB until the BIOS shadows it. */
static void map_memory(void)
{
	uint64_t top = vm.ram_above_4g ? 4 * GiB + vm.ram_above_4g : 4 * GiB;
	if (vm.phys_bits < 64 && top > 1ull << vm.phys_bits) {
		fprintf(stderr,
			"vmm: %llu MiB of guest RAM do not fit this CPU's %u-bit guest-physical "
			"address space (at most %llu MiB with the PCI hole below 4 GiB)\n",
			(unsigned long long)(vm.ram_size / MiB), vm.phys_bits,
			(unsigned long long)(((1ull << vm.phys_bits) - GiB) / MiB));
		exit(EXIT_ERROR);
	}
	add_memory(SLOT_RAM_LOW, 0, PAM_BASE, vm.ram, 0, "RAM");
	add_memory(SLOT_RAM_HIGH, MiB, vm.ram_below_4g - MiB, vm.ram + MiB, 0, "RAM");
	if (vm.ram_above_4g)
		add_memory(SLOT_RAM_ABOVE_4G, 4 * GiB, vm.ram_above_4g, vm.ram + vm.ram_below_4g, 0,
			   "RAM above 4 GiB");
	add_memory(SLOT_BIOS, 4 * GiB - vm.bios_size, vm.bios_size, vm.bios, KVM_MEM_READONLY,
		   "BIOS image");
	for (unsigned i = 0; i < PAM_BLOCKS; i++) {
		vm.pam_mapped[i] = PAM_RAM; /* anything else: force the first mapping */
		if (map_pam_block(i, PAM_ROM) < 0)
			die("KVM_SET_USER_MEMORY_REGION for", "the PAM window");
	}
	debug(1, "PAM window 0xc0000-0xfffff: the ROM side (image tail at 0x%05llx)\n",
	      (unsigned long long)(MiB - (vm.bios_size < BIOS_LOW_WINDOW ? vm.bios_size
									 : BIOS_LOW_WINDOW)));
}

/* ---- vCPUs ----------------------------------------------------------------------------------- */

/* KVM's CPUID with this vCPU's APIC ID, the hypervisor bit and KVM's signature leaves, as
 * other KVM VMMs expose them (a Linux guest then finds kvm-clock). */
static void setup_cpuid(struct vcpu *v, const struct kvm_cpuid2 *supported)
{
	size_t bytes = sizeof(*supported) + (supported->nent + 2) * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *cpuid = calloc(1, bytes);
	if (!cpuid)
		die("allocating", "the CPUID table");
	memcpy(cpuid, supported,
	       sizeof(*supported) + supported->nent * sizeof(supported->entries[0]));
	bool signature = false, features = false;
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffff) | v->id << 24; /* initial APIC ID */
			e->ecx |= 1u << 31; /* running under a hypervisor */
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = v->id; /* x2APIC ID */
		if (e->function == 0x8000001e) {
			/* AMD topology (APM vol. 3, CPUID Fn8000_001E), where KVM offers the host's
			 * values or zeros: each vCPU is a core of its own, one thread, node 0. */
			e->eax = v->id;	       /* extended APIC ID */
			e->ebx = v->id & 0xff; /* core ID; threads per core - 1 = 0 */
			e->ecx = 0;	       /* node 0, one node per processor */
		}
		signature |= e->function == 0x40000000;
		features |= e->function == 0x40000001;
	}
	if (!signature) /* "KVMKVMKVM\0\0\0", leaves up to 0x40000001 */
		cpuid->entries[cpuid->nent++] = (struct kvm_cpuid_entry2){.function = 0x40000000,
									  .eax = 0x40000001,
									  .ebx = 0x4b4d564b,
									  .ecx = 0x564b4d56,
									  .edx = 0x4d};
	if (!features)
		cpuid->entries[cpuid->nent++] = (struct kvm_cpuid_entry2){.function = 0x40000001};
	char name[32];
	snprintf(name, sizeof(name), "vCPU %u", v->id);
	kvm_ioctl(v->fd, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2 on", name);
	free(cpuid);
}

static struct kvm_cpuid2 *supported_cpuid(void)
{
	for (unsigned n = 64;; n *= 2) {
		struct kvm_cpuid2 *cpuid =
		    calloc(1, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));
		if (!cpuid)
			die("allocating", "the CPUID table");
		cpuid->nent = n;
		if (ioctl(vm.kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return cpuid;
		if (errno != E2BIG || n >= 4096)
			die("KVM_GET_SUPPORTED_CPUID on", "/dev/kvm");
		free(cpuid);
	}
}

static void create_vcpus(void)
{
	struct kvm_cpuid2 *supported = supported_cpuid();
	vm.phys_bits = 36;
	for (unsigned i = 0; i < supported->nent; i++)
		if (supported->entries[i].function == 0x80000008)
			vm.phys_bits = supported->entries[i].eax & 0xff;
	for (unsigned i = 0; i < vm.ncpus; i++) {
		struct vcpu *v = &vm.vcpus[i];
		v->id = i;
		v->fd = kvm_ioctl(vm.vm_fd, KVM_CREATE_VCPU, (void *)(uintptr_t)i,
				  "KVM_CREATE_VCPU on", "the VM");
		setup_cpuid(v, supported);
	}
	debug(1, "%u vCPU(s) created; CPUID: %u leaves from KVM_GET_SUPPORTED_CPUID\n", vm.ncpus,
	      supported->nent);
	free(supported);
}

/* Real mode at the reset vector: CS 0xf000 with base 0xffff0000, so the first fetch is at
 * 0xfffffff0 (the top of the image); the far jump there then lands in the copy below 1 MiB.
 * The other vCPUs wait for the BIOS's INIT and startup IPIs in KVM's reset state. */
static void setup_registers(void)
{
	int fd = vm.vcpus[0].fd;
	struct kvm_sregs sregs;
	kvm_ioctl(fd, KVM_GET_SREGS, &sregs, "KVM_GET_SREGS on", "vCPU 0");
	sregs.cs.selector = 0xf000;
	sregs.cs.base = 0xffff0000;
	struct kvm_segment *data[] = {&sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss};
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
		data[i]->selector = 0;
		data[i]->base = 0;
	}
	kvm_ioctl(fd, KVM_SET_SREGS, &sregs, "KVM_SET_SREGS on", "vCPU 0");
	struct kvm_regs regs;
	kvm_ioctl(fd, KVM_GET_REGS, &regs, "KVM_GET_REGS on", "vCPU 0");
	regs.rip = 0xfff0;
	regs.rflags = 0x2;
	kvm_ioctl(fd, KVM_SET_REGS, &regs, "KVM_SET_REGS on", "vCPU 0");
	debug(1, "vCPU 0 at %04x:%04llx (real mode)\n", sregs.cs.selector,
	      (unsigned long long)regs.rip);
}

static void map_run_areas(void)
{
	int size = ioctl(vm.kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		die("KVM_GET_VCPU_MMAP_SIZE on", "/dev/kvm");
	if (size < (int)sizeof(struct kvm_run)) {
		fprintf(stderr, "vmm: /dev/kvm's run area is %d bytes, too small for kvm_run\n",
			size);
		exit(EXIT_ERROR);
	}
	vm.run_size = (size_t)size;
	for (unsigned i = 0; i < vm.ncpus; i++) {
		struct vcpu *v = &vm.vcpus[i];
		v->run = mmap(NULL, vm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED)
			die("mapping kvm_run of", "a vCPU");
	}

	/* Let KVM batch writes to latches and the debug port in a ring instead of exiting for
	 * each: the ring is there before any zone, so whatever is batched gets replayed. */
	int page = ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	long pagesize = sysconf(_SC_PAGESIZE);
	if (page <= 0 || ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO) <= 0 ||
	    (size_t)(page + 1) * (size_t)pagesize > vm.run_size)
		return;
	vm.ring = (void *)((char *)vm.vcpus[0].run + (size_t)page * (size_t)pagesize);
	vm.ring_entries =
	    (unsigned)(((size_t)pagesize - sizeof(*vm.ring)) / sizeof(struct kvm_coalesced_mmio));
	for (unsigned i = 0; i < board_batched_port_count; i++) {
		struct kvm_coalesced_mmio_zone zone = {.addr = board_batched_ports[i].port,
						       .size = board_batched_ports[i].len,
						       .pio = 1};
		if (ioctl(vm.vm_fd, KVM_REGISTER_COALESCED_MMIO, &zone) < 0) {
			debug(1, "port writes not batched: %s\n", strerror(errno));
			return; /* an optimisation: each write then exits */
		}
	}
	debug(1, "writes to %u port ranges batched (%u-entry ring)\n", board_batched_port_count,
	      vm.ring_entries);
}

/* ---- the run loop ------------------------------------------------------------------------------
 */

static void dump_registers(const struct vcpu *v)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return;
	log_msg("vCPU %u: rip %016llx rsp %016llx rflags %08llx\n", v->id,
		(unsigned long long)r.rip, (unsigned long long)r.rsp, (unsigned long long)r.rflags);
	log_msg("rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", (unsigned long long)r.rax,
		(unsigned long long)r.rbx, (unsigned long long)r.rcx, (unsigned long long)r.rdx);
	log_msg("rsi %016llx rdi %016llx rbp %016llx\n", (unsigned long long)r.rsi,
		(unsigned long long)r.rdi, (unsigned long long)r.rbp);
	log_msg("cs %04x base %08llx ss %04x ds %04x es %04x cr0 %08llx cr3 %08llx cr4 %08llx "
		"efer %llx\n",
		s.cs.selector, (unsigned long long)s.cs.base, s.ss.selector, s.ds.selector,
		s.es.selector, (unsigned long long)s.cr0, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer);
}

/* Replay the debug-port writes KVM batched, oldest first; machine lock held. Runs before any
 * exit is handled, so the log keeps its order with everything else. */
static void drain_coalesced(void)
{
	if (!vm.ring)
		return;
	while (vm.ring->first != __atomic_load_n(&vm.ring->last, __ATOMIC_ACQUIRE)) {
		uint32_t i = vm.ring->first % vm.ring_entries;
		struct kvm_coalesced_mmio *e = &vm.ring->coalesced_mmio[i];
		uint32_t len = e->len <= 4 ? e->len : 4;
		if (e->pio && e->phys_addr <= 0xffff && len)
			bus_access(&vm.board.io, e->phys_addr, len, true, e->data);
		__atomic_store_n(&vm.ring->first, (i + 1) % vm.ring_entries, __ATOMIC_RELEASE);
	}
}

void machine_flush_batched(void)
{
	drain_coalesced();
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned size = run->io.size;
	uint64_t bytes = (uint64_t)size * run->io.count;
	if ((size != 1 && size != 2 && size != 4) || run->io.data_offset > vm.run_size ||
	    bytes > vm.run_size - run->io.data_offset) {
		machine_stop(EXIT_ERROR, "malformed I/O exit (port 0x%x size %u count %u)",
			     run->io.port, size, run->io.count);
		return;
	}
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	for (uint32_t i = 0; i < run->io.count; i++) /* rep ins/outs arrive as one exit */
		bus_access(&vm.board.io, run->io.port, size, is_write, data + (size_t)i * size);
	if (debug_level >= 3)
		log_msg("exit: vCPU %u %s port 0x%04x size %u count %u value 0x%llx\n", v->id,
			is_write ? "out" : "in", run->io.port, size, run->io.count,
			(unsigned long long)load_le(data, size));
}

static void handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned len = run->mmio.len;
	debug(3, "exit: vCPU %u mmio %s 0x%llx len %u\n", v->id,
	      run->mmio.is_write ? "write" : "read", (unsigned long long)run->mmio.phys_addr, len);
	if (len != 1 && len != 2 && len != 4 && len != 8) {
		machine_stop(EXIT_ERROR, "malformed MMIO exit (address 0x%llx length %u)",
			     (unsigned long long)run->mmio.phys_addr, len);
		return;
	}
	uint64_t addr = run->mmio.phys_addr;
	if (run->mmio.is_write && addr >= 4 * GiB - vm.bios_size && addr < 4 * GiB) {
		debug(2, "ROM write 0x%llx len %u dropped\n", (unsigned long long)addr, len);
		return;
	}
	bus_access(&vm.board.mmio, addr, len, run->mmio.is_write, run->mmio.data);
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	switch (run->exit_reason) {
	case KVM_EXIT_IO: handle_io(v); break;
	case KVM_EXIT_MMIO: handle_mmio(v); break;
	case KVM_EXIT_INTR: break;
	case KVM_EXIT_SHUTDOWN:
		machine_stop(EXIT_TRIPLE_FAULT, "guest triple-faulted (shutdown); stopping");
		if (debug_level >= 1)
			dump_registers(v);
		break;
	case KVM_EXIT_HLT: machine_stop(EXIT_GUEST_DONE, "guest halted the CPU; stopping"); break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			machine_request_reset("system event");
		else
			machine_stop(EXIT_GUEST_DONE,
				     "guest powered off (system event %u); stopping",
				     run->system_event.type);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		machine_stop(EXIT_ERROR, "KVM could not enter the guest (hardware reason 0x%llx)",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		if (debug_level >= 1)
			dump_registers(v);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		machine_stop(EXIT_ERROR, "KVM internal error %u while running the guest",
			     run->internal.suberror);
		if (debug_level >= 1)
			dump_registers(v);
		break;
	default:
		machine_stop(EXIT_ERROR, "unexpected VM exit reason %u", run->exit_reason);
		if (debug_level >= 1)
			dump_registers(v);
	}
}

/* From a signal handler (a crash, a seccomp violation): the terminal as vmm found it. */
static void restore_terminal_now(void)
{
	display_restore_now();
	console_restore_terminal_now();
}

static void on_kick(int sig)
{
	(void)sig; /* being delivered is the point: KVM_RUN returns with EINTR */
}

#ifndef VMM_SANITIZED
static void on_fault(int sig)
{
	(void)sig; /* returning repeats the fault, which now takes its default action */
	restore_terminal_now();
}
#endif

/* A vCPU thread: KVM_RUN, then the exit's handler under the machine lock, until stopped. */
static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	__atomic_store_n(&v->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_SEQ_CST);
	sigset_t kick;
	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	pthread_mutex_lock(&vm.start_lock);
	vm.ready++;
	pthread_cond_broadcast(&vm.start_cond);
	while (!vm.go)
		pthread_cond_wait(&vm.start_cond, &vm.start_lock);
	pthread_mutex_unlock(&vm.start_lock);

	while (!stopping()) {
		console_wait_for_room(); /* a slow reader of the guest's output makes it wait */
		if (stopping())
			break;
		if (ioctl(v->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* EFAULT: KVM could not get a page behind guest RAM, which with RAM
			 * reserved but not committed means the host ran out of memory. */
			machine_stop(EXIT_ERROR, "KVM_RUN on vCPU %u: %s%s", v->id, strerror(errno),
				     errno == EFAULT
					 ? " (the host could not supply a page of guest "
					   "RAM: out of memory?)"
					 : "");
			break;
		}
		v->exits++;
		machine_lock();
		drain_coalesced();
		handle_exit(v);
		machine_unlock();
	}
	/* A kick that comes now has nothing to interrupt; it must not land in the thread's
	 * exit path (ThreadSanitizer's runtime cannot take a signal there). */
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	return NULL;
}

static void start_vcpus(void)
{
	sigset_t all, old;
	sigfillset(&all);
	int faults[] = {SIGSYS, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	for (unsigned i = 0; i < ARRAY_SIZE(faults); i++)
		sigdelset(&all, faults[i]); /* blocked, these would kill without their handlers */
	pthread_sigmask(SIG_BLOCK, &all, &old); /* threads start with the rest blocked */
	for (unsigned i = 0; i < vm.ncpus; i++) {
		int e = pthread_create(&vm.vcpus[i].thread, NULL, vcpu_thread, &vm.vcpus[i]);
		if (e) {
			errno = e;
			die("starting the thread of", "a vCPU");
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&vm.start_lock);
	while (vm.ready < vm.ncpus)
		pthread_cond_wait(&vm.start_cond, &vm.start_lock);
	pthread_mutex_unlock(&vm.start_lock);
}

static void release_vcpus(void)
{
	pthread_mutex_lock(&vm.start_lock);
	vm.go = true;
	pthread_cond_broadcast(&vm.start_cond);
	pthread_mutex_unlock(&vm.start_lock);
}

/* ---- the I/O thread ------------------------------------------------------------------------- */

static int signal_fd, timer_fd, tick_fd;

static void on_signal(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	struct signalfd_siginfo si;
	while (read(signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		int sig = (int)si.ssi_signo;
		if (sig == SIGWINCH) {
			display_redraw();
		} else if (sig == SIGTSTP) { /* Ctrl-A z: give the terminal back, then stop */
			display_suspend();
			console_suspend();
			syscall(SYS_tgkill, vm.pid, vm.pid, SIGSTOP);
		} else if (sig == SIGCONT) {
			console_resume();
			display_redraw();
		} else {
			vm.stopped_by_signal = true;
			machine_stop(EXIT_SIGNAL_BASE + sig, "stopped by signal %d (%s)", sig,
				     strsignal(sig));
		}
	}
}

static void on_device_timer(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	uint64_t expirations;
	ssize_t r = read(timer_fd, &expirations, sizeof(expirations));
	(void)r;
	machine_lock();
	timers_run(clock_ns());
	machine_unlock();
}

/* The output tick: a guest may print and then spin without another exit, so the I/O thread
 * empties the debug-port ring itself and lets idle partial lines (prompts) out. */
static void on_tick(void *arg, uint32_t events)
{
	(void)arg, (void)events;
	uint64_t expirations;
	ssize_t r = read(tick_fd, &expirations, sizeof(expirations));
	(void)r;
	if (!console_has_room())
		return; /* the vCPUs drain the ring once the reader catches up */
	machine_lock();
	drain_coalesced();
	console_tick();
	machine_unlock();
}

static void setup_io_thread(void)
{
	if (event_init() < 0)
		die("creating the event loop of", "the I/O thread");
	/* Every signal whose default would end or stop vmm behind the terminal's back is read
	 * from a signalfd instead: they stop vmm cleanly (Ctrl-Z: it suspends). */
	sigset_t sigs;
	sigemptyset(&sigs);
	int handled[] = {SIGINT,    SIGTERM, SIGHUP,  SIGQUIT, SIGUSR2, SIGALRM,
			 SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR,	SIGIO,
			 SIGSTKFLT, SIGTSTP, SIGCONT, SIGWINCH};
	for (unsigned i = 0; i < ARRAY_SIZE(handled); i++)
		sigaddset(&sigs, handled[i]);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(&sigs, sig);
	sigaddset(&sigs, SIG_KICK); /* only vCPU threads take it */
	if (pthread_sigmask(SIG_BLOCK, &sigs, NULL) != 0)
		die("blocking", "signals");
	sigdelset(&sigs, SIG_KICK);
	signal_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (signal_fd < 0 || event_watch(signal_fd, EPOLLIN, on_signal, NULL) < 0)
		die("watching signals in", "the I/O thread");
	struct sigaction kick = {.sa_handler = on_kick}, ignore = {.sa_handler = SIG_IGN};
	sigemptyset(&kick.sa_mask);
	/* A closed output pipe becomes EPIPE from write(), reported by the writer thread. */
	if (sigaction(SIG_KICK, &kick, NULL) < 0 || sigaction(SIGPIPE, &ignore, NULL) < 0)
		die("installing signal handlers in", "vmm");
#ifndef VMM_SANITIZED /* the sanitizers report these themselves */
	/* A crash would be a bug in vmm; still, give the terminal back first. */
	struct sigaction fault = {.sa_handler = on_fault, .sa_flags = SA_RESETHAND | SA_NODEFER};
	sigemptyset(&fault.sa_mask);
	int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP};
	for (unsigned i = 0; i < ARRAY_SIZE(faults); i++)
		if (sigaction(faults[i], &fault, NULL) < 0)
			die("installing signal handlers in", "vmm");
#endif

	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	tick_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec tick = {.it_interval = {.tv_nsec = TICK_NS},
				  .it_value = {.tv_nsec = TICK_NS}};
	if (timer_fd < 0 || tick_fd < 0 || timerfd_settime(tick_fd, 0, &tick, NULL) < 0 ||
	    event_watch(timer_fd, EPOLLIN, on_device_timer, NULL) < 0 ||
	    event_watch(tick_fd, EPOLLIN, on_tick, NULL) < 0)
		die("starting the timers of", "the I/O thread");
	timers_use_fd(timer_fd);
}

/* The CD-ROM is the secondary master, or its slave when --hdc takes the master's place. */
static unsigned cdrom_position(const struct options *o)
{
	return o->hd[2] ? 3 : 2;
}

/* Open one image as block drive `drive`, or end vmm with the reason: read-only as asked,
 * else in memory with --snapshot, else read-write. */
static void open_image(const struct options *o, unsigned drive, const char *path, bool readonly,
		       unsigned sector, uint64_t max_size)
{
	char err[512];
	enum block_mode mode = readonly	     ? BLOCK_READ_ONLY
			       : o->snapshot ? BLOCK_SNAPSHOT
					     : BLOCK_READ_WRITE;
	if (block_open(drive, path, mode, sector, max_size, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n", err);
		exit(EXIT_ERROR);
	}
}

/* Open, check and lock every disk image before anything touches KVM; the drive number in
 * the block backend is the IDE position. */
static void open_disks(const struct options *o)
{
	static const char iso_magic[] = "CD001"; /* ISO 9660's first volume descriptor */
	for (unsigned i = 0; i < 4; i++) {
		bool cd = i == 3;
		const char *path = cd ? o->cdrom : o->hd[i];
		if (!path)
			continue;
		unsigned drive = cd ? cdrom_position(o) : i;
		open_image(o, drive, path, cd || o->hd_readonly[i], cd ? IDE_CD_BLOCK : IDE_SECTOR,
			   cd ? (uint64_t)IDE_CD_BLOCK * UINT32_MAX : (uint64_t)IDE_SECTOR << 48);
		char magic[sizeof(iso_magic) - 1];
		if (cd && (!block_read(drive, 16 * IDE_CD_BLOCK + 1, magic, sizeof(magic)) ||
			   memcmp(magic, iso_magic, sizeof(magic)) != 0)) {
			fprintf(stderr, "vmm: CD-ROM image %s: not an ISO 9660 image\n", path);
			exit(EXIT_ERROR);
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		uint8_t c, h, s, type;
		if (!o->fd[i])
			continue;
		open_image(o, BOARD_FLOPPY_BLOCK + i, o->fd[i], o->fd_readonly[i], FDC_SECTOR,
			   UINT64_MAX);
		if (fdc_geometry(block_size(BOARD_FLOPPY_BLOCK + i), &c, &h, &s, &type) < 0) {
			fprintf(
			    stderr,
			    "vmm: floppy image %s: %llu bytes is not a floppy's size (360K, 720K, "
			    "1.2M, 1.44M or 2.88M)\n",
			    o->fd[i], (unsigned long long)block_size(BOARD_FLOPPY_BLOCK + i));
			exit(EXIT_ERROR);
		}
	}
}

static void setup_devices(const struct options *o)
{
	struct board_config cfg = {.ram_size = vm.ram_size,
				   .bios_size = vm.bios_size,
				   .cpus = vm.ncpus,
				   .boot_menu = o->boot_menu,
				   .vga_rom = vm.vga_bios,
				   .vga_rom_size = (uint32_t)vm.vga_bios_size,
				   .serial_console = vm.console.serial_console,
				   .screen_not_in_log = vm.console.screen_not_in_log,
				   .no_debug_log = vm.console.no_debug_log,
				   .exit_port = o->exit_port,
				   .boot_order = o->boot_order};
	for (unsigned i = 0; i < 3; i++)
		if (o->hd[i])
			cfg.ide_drives[i] = IDE_DISK;
	if (o->cdrom)
		cfg.ide_drives[cdrom_position(o)] = IDE_CDROM;
	for (unsigned i = 0; i < 2; i++)
		cfg.floppy_drives[i] = o->fd[i] != NULL;
	int built = board_init(&vm.board, &cfg);
	if (built == -2) {
		const struct bus_region *taken = bus_find(&vm.board.io, o->exit_port);
		fprintf(stderr, "vmm: --exit-port 0x%x: the port belongs to the %s\n\n%s",
			o->exit_port, taken ? taken->name : "board", usage_text);
		exit(EXIT_USAGE);
	}
	if (built < 0 || bus_add(&vm.board.mmio, PAM_BASE, MiB - PAM_BASE, &shadow_ops, NULL,
				 "PAM window") < 0) {
		fprintf(stderr, "vmm: internal error: the board's devices do not fit together\n");
		exit(EXIT_ERROR);
	}
	display_attach(&vm.board.vga, vm.ram, vm.ram_below_4g);
	for (unsigned i = 0; i < vm.board.io.count; i++) {
		const struct bus_region *r = &vm.board.io.regions[i];
		debug(1, "port 0x%04llx-0x%04llx: %s\n", (unsigned long long)r->base,
		      (unsigned long long)(r->base + r->len - 1), r->name);
	}
}

/* With fd 0, 1 or 2 closed, /dev/kvm or the VM would take its number and receive console
 * traffic: point any closed one at /dev/null first. */
static void ensure_standard_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int n = open("/dev/null", O_RDWR);
		if (n != fd) {
			fprintf(stderr, "vmm: opening /dev/null for closed descriptor %d: %s\n", fd,
				n < 0 ? strerror(errno) : "got another descriptor");
			exit(EXIT_ERROR);
		}
	}
}

static void open_kvm(void)
{
	vm.kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm.kvm_fd < 0) {
		int e = errno;
		fprintf(stderr, "vmm: opening /dev/kvm: %s (%s)\n", strerror(e),
			e == ENOENT ? "is the kvm module loaded? does the CPU have VT-x or AMD-V?"
				    : "are you root or in the kvm group?");
		exit(EXIT_ERROR);
	}
	int api = ioctl(vm.kvm_fd, KVM_GET_API_VERSION, 0);
	if (api < 0)
		die("KVM_GET_API_VERSION on", "/dev/kvm");
	if (api != KVM_API_VERSION) {
		fprintf(stderr, "vmm: /dev/kvm speaks KVM API %d, vmm needs %d\n", api,
			KVM_API_VERSION);
		exit(EXIT_ERROR);
	}
	static const struct {
		int cap;
		const char *name;
	} caps[] = {
	    {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP"},
	    {KVM_CAP_PIT2, "KVM_CAP_PIT2"},
	    {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY"},
	    {KVM_CAP_READONLY_MEM, "KVM_CAP_READONLY_MEM"},
	    {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR"},
	    {KVM_CAP_SET_IDENTITY_MAP_ADDR, "KVM_CAP_SET_IDENTITY_MAP_ADDR"},
	    {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	    {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
	};
	for (unsigned i = 0; i < ARRAY_SIZE(caps); i++) {
		if (ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, caps[i].cap) <= 0) {
			fprintf(stderr, "vmm: /dev/kvm lacks %s, which vmm needs\n", caps[i].name);
			exit(EXIT_ERROR);
		}
	}
	int max_vcpus = ioctl(vm.kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (max_vcpus > 0 && vm.ncpus > (unsigned)max_vcpus) {
		fprintf(stderr, "vmm: this KVM runs at most %d vCPUs, not %u\n", max_vcpus,
			vm.ncpus);
		exit(EXIT_ERROR);
	}
	debug(1, "opened /dev/kvm (API %d)\n", api);
}

/* Wait for the writer to put out the guest's last output: without a limit after the guest
 * stopped by itself, for at most 2 s after a signal; a further signal cuts it short. */
static void finish_output(void)
{
	bool by_signal = vm.stopped_by_signal;
	for (int waited = 0; !console_finish(100); waited += 100) {
		struct signalfd_siginfo si;
		if ((by_signal && waited >= 2000) ||
		    read(signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			log_msg("guest output still unwritten; not waiting for it\n");
			return;
		}
	}
}

/* Reserve vm.ram_size bytes of guest RAM at vm.ram, or end vmm saying why. */
static void reserve_ram(void)
{
	char what[64];
	/* Aligned to 2 MiB (a larger reservation, trimmed), so that where the host backs RAM
	 * with a huge page KVM maps it with one 2 MiB page instead of 512 faults of 4 KiB. */
	const size_t huge = 2 * MiB;
	snprintf(what, sizeof(what), "%llu MiB of guest RAM",
		 (unsigned long long)(vm.ram_size / MiB));
	uint8_t *area = mmap(NULL, vm.ram_size + huge, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		die("reserving", what);
	vm.ram = (uint8_t *)(((uintptr_t)area + huge - 1) & ~(uintptr_t)(huge - 1));
	size_t head = (size_t)(vm.ram - area), tail = huge - head;
	if ((head && munmap(area, head) < 0) || (tail && munmap(vm.ram + vm.ram_size, tail) < 0))
		die("trimming the reservation of", what);
	/* Huge pages where only an OS goes (a kernel touching all of RAM then takes one fault per
	 * 2 MiB, not 512); 4 KiB pages where SeaBIOS works, so that a BIOS run costs about 1 MiB,
	 * not 3-5: the first 2 MiB and the top 18 MiB below 4 GiB (SeaBIOS's high zone is the
	 * top 16 MiB, its relocated code and buffers just below). Advice only: it may fail. */
	const size_t bios_low = huge, bios_top = 18 * MiB;
	madvise(vm.ram, vm.ram_size, MADV_HUGEPAGE);
	madvise(vm.ram, vm.ram_below_4g, MADV_NOHUGEPAGE);
	if (vm.ram_below_4g > bios_low + bios_top)
		madvise(vm.ram + bios_low, vm.ram_below_4g - bios_low - bios_top, MADV_HUGEPAGE);
	debug(1, "guest RAM: %llu MiB\n", (unsigned long long)(vm.ram_size / MiB));
	struct sysinfo host;
	if (debug_level >= 1 && sysinfo(&host) == 0 &&
	    vm.ram_size / host.mem_unit > host.totalram + host.totalswap)
		debug(1,
		      "guest RAM is more than this host's %llu MiB of memory and swap: fine "
		      "while the guest leaves the rest untouched\n",
		      (unsigned long long)(host.totalram + host.totalswap) * host.mem_unit / MiB);
}

int main(int argc, char **argv)
{
	struct options o;
	char err[512];
	ensure_standard_fds();
	if (parse_options(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: %s\n\n%s", err, usage_text);
		return EXIT_USAGE;
	}
	if (o.help) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (o.version) {
		printf("vmm %s\n", VMM_VERSION);
		return 0;
	}
	debug_level = o.debug;
	vm.pid = getpid();
	vm.ncpus = o.cpus;
	/* Where the screen, COM1 and the debug log go: files named are opened now. */
	if (console_configure(&o, &vm.console, err, sizeof(err)) < 0 ||
	    (o.screendump && screendump_prepare(o.screendump, err, sizeof(err)) < 0)) {
		fprintf(stderr, "vmm: %s\n\n%s", err, usage_text);
		return EXIT_USAGE;
	}

	/* 1. The BIOS image, checked before anything touches KVM. */
	if (o.bios_path) {
		if (load_bios(o.bios_path, &vm.bios, &vm.bios_size, err, sizeof(err)) < 0) {
			fprintf(stderr, "vmm: %s\n", err);
			return EXIT_ERROR;
		}
	} else {
		vm.bios = bios_image_start;
		vm.bios_size = (size_t)(bios_image_end - bios_image_start);
	}
	debug(1, "BIOS image %s: %zu KiB\n", o.bios_path ? o.bios_path : "(built in)",
	      (size_t)(vm.bios_size / KiB));
	if (o.vga && o.vga_bios) {
		if (load_vga_bios(o.vga_bios, &vm.vga_bios, &vm.vga_bios_size, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "vmm: %s\n", err);
			return EXIT_ERROR;
		}
	} else if (o.vga) {
		vm.vga_bios = vgabios_image_start;
		vm.vga_bios_size = (size_t)(vgabios_image_end - vgabios_image_start);
	}

	open_disks(&o);

	/* 2. Guest RAM: address space only; the kernel supplies pages as the guest touches them. */
	vm.ram_size = o.ram_size;
	board_split_ram(vm.ram_size, &vm.ram_below_4g, &vm.ram_above_4g);
	reserve_ram();

	/* 3. KVM: the VM, its in-kernel interrupt controllers and timer, the vCPUs. */
	open_kvm();
	vm.vm_fd = kvm_ioctl(vm.kvm_fd, KVM_CREATE_VM, 0, "KVM_CREATE_VM on", "/dev/kvm");
	uint64_t identity = IDENTITY_MAP_ADDR;
	kvm_ioctl(vm.vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity, "KVM_SET_IDENTITY_MAP_ADDR on",
		  "the VM");
	kvm_ioctl(vm.vm_fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)TSS_ADDR, "KVM_SET_TSS_ADDR on",
		  "the VM");
	kvm_ioctl(vm.vm_fd, KVM_CREATE_IRQCHIP, 0, "KVM_CREATE_IRQCHIP on", "the VM");
	debug(1, "in-kernel PIC, IOAPIC and local APIC created\n");
	/* SPEAKER_DUMMY: KVM also answers port 0x61, whose OUT2 bit SeaBIOS polls. */
	struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
	kvm_ioctl(vm.vm_fd, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2 on", "the VM");
	debug(1, "in-kernel PIT created\n");
	create_vcpus();

	/* 4. Memory slots, real-mode registers, the shared run areas; then the devices. */
	map_memory();
	setup_registers();
	map_run_areas();
	setup_devices(&o);
	setup_io_thread();
	if (console_start(vm.ncpus) < 0)
		die("starting", "the console");
	if (vm.console.display == DISPLAY_TEXT && display_start(STDOUT_FILENO) < 0)
		die("starting", "the display");
	start_vcpus();
	if (o.seccomp) {
		if (sandbox_install(restore_terminal_now) < 0)
			die("installing the seccomp filter on", "vmm");
		debug(1, "seccomp filter installed\n");
	}

	/* 5. Run: the vCPUs in their threads, this thread waits on signals, timers, input. */
	debug(1, "running\n");
	release_vcpus();
	while (!stopping())
		if (event_run_once(-1) < 0)
			machine_stop(EXIT_ERROR, "waiting for events: %s", strerror(errno));
	uint64_t exits = 0;
	for (unsigned i = 0; i < vm.ncpus; i++) {
		pthread_join(vm.vcpus[i].thread, NULL);
		exits += vm.vcpus[i].exits;
	}
	machine_lock();
	drain_coalesced();
	console_flush_lines();
	machine_unlock();
	block_close_all(); /* the images are flushed to the disk before vmm says it stopped */
	if (screendump_write() < 0)
		log_msg("writing the screen dump %s: %s\n", o.screendump, strerror(errno));
	display_finish();
	finish_output();
	log_msg("%s\n", vm.stop_reason);
	debug(1, "%llu VM exits, %llu unhandled port accesses\n", (unsigned long long)exits,
	      (unsigned long long)vm.board.io.unhandled);
	return vm.exit_status;
}
