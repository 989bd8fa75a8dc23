/* Prints what CPUID tells a guest about the hypervisor: "cpuid: hypervisor bit 1, signature
 * KVMKVMKVM" (leaf 1 ECX bit 31, and leaf 0x40000000's EBX, ECX, EDX). */
#include "guest.h"
.macro PUT_REG reg
	mov \reg, %ebp
	mov $4, %bx
1:	mov %ebp, %eax
	mov $0x402, %dx
	out %al, %dx
	shr $8, %ebp
	dec %bx
	jnz 1b
.endm
start:
	cli
	PRINT msg, 0x402
	mov $1, %eax
	xor %ecx, %ecx
	cpuid
	shr $31, %ecx
	mov %cl, %al
	add $'0', %al
	mov $0x402, %dx
	out %al, %dx
	PRINT msg_sig, 0x402
	mov $0x40000000, %eax
	xor %ecx, %ecx
	cpuid
	mov %ecx, %esi
	mov %edx, %edi
	PUT_REG %ebx
	PUT_REG %esi
	PUT_REG %edi
	PUTC '\n', 0x402
	RESET
2:	hlt
	jmp 2b
msg: .asciz "cpuid: hypervisor bit "
msg_sig: .asciz ", signature "
	RESET_VECTOR
