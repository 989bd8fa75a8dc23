/* ACPI tables: RSDP -> RSDT -> MADT, and the loader script SeaBIOS runs to install them.
 * Layouts from the ACPI specification 6.4, sections 5.2.5 (RSDP), 5.2.7 (RSDT) and 5.2.12
 * (MADT). No FADT or DSDT: the OS then runs without the ACPI interpreter (no power button,
 * no ACPI PCI routing) and finds PCI devices by probing configuration space. */
#include "acpi.h"
#include "bus.h"

#include <string.h>

#define ACPI_HEADER_SIZE 36

enum { LOADER_ALLOCATE = 1, LOADER_ADD_POINTER = 2, LOADER_ADD_CHECKSUM = 3 };
enum { ZONE_HIGH = 1, ZONE_FSEG = 2 };
#define RSDP_FILE	"etc/acpi/rsdp"
#define TABLES_FILE	"etc/acpi/tables"
#define LOADER_COMMANDS 7 /* two allocations, two pointers, three checksums */

/* Byte offsets in a loader entry (SeaBIOS struct romfile_loader_entry_s: a u32 command, then
 * file names of 56 bytes, little-endian numbers). */
enum {
	ENTRY_FILE = 4, /* allocate: the file; pointer: the file patched; checksum: the file */
	ENTRY_NAME_SIZE = 56,
	ENTRY_ALLOC_ALIGN = 60,
	ENTRY_ALLOC_ZONE = 64,
	ENTRY_POINTER_SRC = 60, /* the file whose address is added */
	ENTRY_POINTER_OFFSET = 116,
	ENTRY_POINTER_SIZE = 120,
	ENTRY_CKSUM_OFFSET = 60,
	ENTRY_CKSUM_START = 64,
	ENTRY_CKSUM_LENGTH = 68,
};

/* MADT entry types and flags (ACPI 6.4 table 5.45 and on). */
enum { MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_NMI = 4 };
#define MADT_PCAT_COMPAT 1u /* dual 8259 PICs are present too */
#define LAPIC_ENABLED	 1u
#define INTI_HIGH_EDGE	 0x0005u /* polarity 01 active high, trigger 01 edge */

static void header(uint8_t *h, const char *signature, uint32_t length, uint8_t revision)
{
	memcpy(h, signature, 4);
	store_le(h + 4, 4, length);
	h[8] = revision;
	h[9] = 0; /* the checksum: the loader sets it once the pointers are final */
	memcpy(h + 10, "VMM   ", 6);
	memcpy(h + 16, "VMMPC   ", 8);
	store_le(h + 24, 4, 1);
	memcpy(h + 28, "VMM ", 4);
	store_le(h + 32, 4, 1);
}

/* The next command's 128 bytes, or NULL when the script is full (acpi_build then fails). */
static uint8_t *loader_entry(struct acpi_tables *t, uint32_t command, const char *file)
{
	if (t->loader_size + ACPI_LOADER_ENTRY > sizeof(t->loader))
		return NULL;
	uint8_t *e = t->loader + t->loader_size;
	t->loader_size += ACPI_LOADER_ENTRY;
	memset(e, 0, ACPI_LOADER_ENTRY);
	store_le(e, 4, command);
	strncpy((char *)e + ENTRY_FILE, file, ENTRY_NAME_SIZE - 1);
	return e;
}

static void loader_allocate(struct acpi_tables *t, const char *file, uint32_t align, uint8_t zone)
{
	uint8_t *e = loader_entry(t, LOADER_ALLOCATE, file);
	if (!e)
		return;
	store_le(e + ENTRY_ALLOC_ALIGN, 4, align);
	e[ENTRY_ALLOC_ZONE] = zone;
}

/* dest[offset .. offset + 4) holds an offset into src; the loader adds src's address. */
static void loader_pointer(struct acpi_tables *t, const char *dest, uint32_t offset,
			   const char *src)
{
	uint8_t *e = loader_entry(t, LOADER_ADD_POINTER, dest);
	if (!e)
		return;
	strncpy((char *)e + ENTRY_POINTER_SRC, src, ENTRY_NAME_SIZE - 1);
	store_le(e + ENTRY_POINTER_OFFSET, 4, offset);
	e[ENTRY_POINTER_SIZE] = 4;
}

/* The byte at checksum_offset becomes what makes [start, start + length) sum to 0. */
static void loader_checksum(struct acpi_tables *t, const char *file, uint32_t start,
			    uint32_t length, uint32_t checksum_offset)
{
	uint8_t *e = loader_entry(t, LOADER_ADD_CHECKSUM, file);
	if (!e)
		return;
	store_le(e + ENTRY_CKSUM_OFFSET, 4, checksum_offset);
	store_le(e + ENTRY_CKSUM_START, 4, start);
	store_le(e + ENTRY_CKSUM_LENGTH, 4, length);
}

int acpi_build(struct acpi_tables *t, unsigned cpus)
{
	memset(t, 0, sizeof(*t));
	const uint32_t rsdt = 0, rsdt_size = ACPI_HEADER_SIZE + 4;
	const uint32_t madt = rsdt + rsdt_size;
	uint32_t madt_size = ACPI_HEADER_SIZE + 8 + cpus * 8 + 12 + 10 + 6;
	if (cpus == 0 || cpus > 255 || madt + madt_size > ACPI_TABLES_MAX)
		return -1;
	t->tables_size = madt + madt_size;

	memcpy(t->rsdp, "RSD PTR ", 8);
	memcpy(t->rsdp + 9, "VMM   ", 6);
	t->rsdp[15] = 0;		 /* revision 0: ACPI 1.0, no XSDT */
	store_le(t->rsdp + 16, 4, rsdt); /* patched: + the tables' address */

	uint8_t *r = t->tables + rsdt;
	header(r, "RSDT", rsdt_size, 1);
	store_le(r + ACPI_HEADER_SIZE, 4, madt); /* patched like the RSDP's pointer */

	uint8_t *m = t->tables + madt, *p = m + ACPI_HEADER_SIZE;
	header(m, "APIC", madt_size, 1);
	store_le(p, 4, ACPI_LAPIC_ADDR);
	store_le(p + 4, 4, MADT_PCAT_COMPAT);
	p += 8;
	for (unsigned i = 0; i < cpus; i++, p += 8) {
		p[0] = MADT_LAPIC, p[1] = 8, p[2] = (uint8_t)i, p[3] = (uint8_t)i;
		store_le(p + 4, 4, LAPIC_ENABLED);
	}
	p[0] = MADT_IOAPIC, p[1] = 12, p[2] = 0; /* ID 0, as KVM's I/O APIC reports */
	store_le(p + 4, 4, ACPI_IOAPIC_ADDR);
	store_le(p + 8, 4, 0); /* its pins are GSIs 0-23: KVM wires ISA IRQ n to pin n */
	p += 12;
	/* ISA IRQ 0 on GSI 0, edge, active high: what KVM's PIT drives. Stated, because without
	 * a FADT the SCI is "IRQ 0" to Linux, which would otherwise make it active low. */
	p[0] = MADT_OVERRIDE, p[1] = 10, p[2] = 0, p[3] = 0;
	store_le(p + 4, 4, 0);
	store_le(p + 8, 2, INTI_HIGH_EDGE);
	p += 10;
	p[0] = MADT_LAPIC_NMI, p[1] = 6, p[2] = 0xff; /* every CPU: LINT1 is NMI */
	store_le(p + 3, 2, 0);
	p[5] = 1;

	loader_allocate(t, RSDP_FILE, 16, ZONE_FSEG); /* the OS searches 0xe0000-0xfffff */
	loader_allocate(t, TABLES_FILE, 64, ZONE_HIGH);
	loader_pointer(t, RSDP_FILE, 16, TABLES_FILE);
	loader_pointer(t, TABLES_FILE, rsdt + ACPI_HEADER_SIZE, TABLES_FILE);
	loader_checksum(t, TABLES_FILE, madt, madt_size, madt + 9);
	loader_checksum(t, TABLES_FILE, rsdt, rsdt_size, rsdt + 9);
	loader_checksum(t, RSDP_FILE, 0, ACPI_RSDP_SIZE, 8);
	return t->loader_size == LOADER_COMMANDS * ACPI_LOADER_ENTRY ? 0 : -1;
}
