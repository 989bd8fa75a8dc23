/* The default BIOS, embedded in the binary. linker.ld places .bios page-aligned among the
 * read-only data, so vmm hands these very pages to KVM as the read-only image at 4 GiB.
 * Beside it the default VGA BIOS, which SeaBIOS copies from fw_cfg itself. */
#ifndef BIOS_PATH
#define BIOS_PATH "/usr/share/seabios/bios.bin"
#endif
#ifndef VGABIOS_PATH
#define VGABIOS_PATH "/usr/share/seabios/vgabios-isavga.bin"
#endif
	.section .bios, "a"
	.balign 4096
	.globl bios_image_start
	.globl bios_image_end
bios_image_start:
	.incbin BIOS_PATH
bios_image_end:
	.balign 4096

	.section .rodata.vgabios, "a"
	.balign 16
	.globl vgabios_image_start
	.globl vgabios_image_end
vgabios_image_start:
	.incbin VGABIOS_PATH
vgabios_image_end:

	.section .note.GNU-stack, "", @progbits
