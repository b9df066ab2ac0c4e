/*
 * Bare-metal guest runtime: an arm64 Image header (so a64vm boots it like a
 * kernel; left out with -DRAW_BINARY), stack, FP/SIMD on, vectors, then
 * main(x0 at entry). main's return value goes to PSCI SYSTEM_OFF.
 */
	.section .text.head, "ax"
	.globl	_head
_head:
#ifndef RAW_BINARY
	b	_start			// code0
	.long	0			// code1
	.quad	0			// text_offset
	.quad	_image_size		// image_size
	.quad	0xa			// flags: little-endian, 4K, anywhere
	.quad	0, 0, 0
	.ascii	"ARM\x64"		// magic
	.long	0
#endif

	.text
	.globl	_start
_start:
	ldr	x1, =__stack_top
	mov	sp, x1
	mov	x1, #(3 << 20)		// CPACR_EL1.FPEN: no FP/SIMD traps
	msr	cpacr_el1, x1
	adr	x1, vectors
	msr	vbar_el1, x1
	isb
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	str	xzr, [x1], #8
	b	1b
2:	bl	main
	bl	psci_system_off
3:	wfi
	b	3b

	/* Save x0 and x1 first: x0 then carries the vector's code. */
/* PSCI CPU_ON lands here with x0 = the context: the vCPU's index. */
	.globl	secondary_entry
secondary_entry:
	ldr	x1, =secondary_stacks
	add	x1, x1, x0, lsl #12
	add	sp, x1, #4096
	mov	x1, #(3 << 20)
	msr	cpacr_el1, x1
	adr	x1, vectors
	msr	vbar_el1, x1
	isb
	bl	secondary_main
1:	wfi
	b	1b

	.macro	ventry target, code
	.align	7
	sub	sp, sp, #256
	stp	x0, x1, [sp, #0]
	mov	x0, #\code
	b	\target
	.endm

	.align	11
vectors:
	ventry	unexpected, 0		// current EL, SP_EL0: sync
	ventry	unexpected, 1		// irq
	ventry	unexpected, 2		// fiq
	ventry	unexpected, 3		// serror
	ventry	sync_entry, 4		// current EL, SP_ELx: sync
	ventry	sync_entry, 5		// irq: sync_handler hands it to irq_handler
	ventry	unexpected, 6
	ventry	unexpected, 7
	ventry	unexpected, 8		// lower EL
	ventry	unexpected, 9
	ventry	unexpected, 10
	ventry	unexpected, 11
	ventry	unexpected, 12
	ventry	unexpected, 13
	ventry	unexpected, 14
	ventry	unexpected, 15

/* Synchronous exception: save everything, let C decide, return. */
sync_entry:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	bl	sync_handler		// x0: the vector's code
	ldp	x0, x1, [sp, #0]
	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	add	sp, sp, #256
	eret

unexpected:
	bl	unexpected_exception
	b	.
