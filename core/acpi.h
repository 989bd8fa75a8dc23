/* ACPI tables for the operating system: where the CPUs and the I/O APIC are (MADT), which is
 * how an ACPI-only kernel (no MP table parser, as Debian's cloud kernel) finds the other
 * CPUs. Handed to SeaBIOS as QEMU does: fw_cfg files etc/acpi/rsdp and etc/acpi/tables, and
 * the etc/table-loader script that places them in guest RAM and patches their pointers and
 * checksums (SeaBIOS src/fw/romfile_loader.c). */
#ifndef CORE_ACPI_H
#define CORE_ACPI_H

#include <stdint.h>

#define ACPI_RSDP_SIZE	  20 /* ACPI 1.0 RSDP: its RSDT pointer is 32 bits */
#define ACPI_TABLES_MAX	  1024
#define ACPI_LOADER_ENTRY 128 /* one loader command, zero padded */
#define ACPI_LOADER_MAX	  8
#define ACPI_IOAPIC_ADDR  0xfec00000u
#define ACPI_LAPIC_ADDR	  0xfee00000u

/* Plain data: a machine's tables, ready to hand over. */
struct acpi_tables {
	uint8_t rsdp[ACPI_RSDP_SIZE];
	uint8_t tables[ACPI_TABLES_MAX]; /* the RSDT, then the MADT */
	uint32_t tables_size;
	uint8_t loader[ACPI_LOADER_MAX * ACPI_LOADER_ENTRY];
	uint32_t loader_size;
};

/* Build the tables for cpus CPUs (APIC IDs 0 .. cpus - 1); 0, or -1 if they do not fit. */
int acpi_build(struct acpi_tables *t, unsigned cpus);

#endif
