/*
 * Runs one instruction on a whole register file. The template between
 * harness_start and harness_end is copied next to the test memory, the
 * instruction patched in at harness_insn and the state's address at
 * harness_literal. Called as void run(struct cpu_state *s) with x0 = s.
 *
 * struct cpu_state: x[31] at 0, sp at 248, v[32] at 256, host[24] at 768.
 */
#define HOST 768
	.text
	.globl	harness_start, harness_insn, harness_literal, harness_end
	.p2align 3
harness_start:
	add	x9, x0, #HOST		/* pair offsets reach only 504 */
	stp	x19, x20, [x9, #0]
	stp	x21, x22, [x9, #16]
	stp	x23, x24, [x9, #32]
	stp	x25, x26, [x9, #48]
	stp	x27, x28, [x9, #64]
	stp	x29, x30, [x9, #80]
	mov	x1, sp
	str	x1, [x9, #96]
	mrs	x1, tpidr_el0
	str	x1, [x9, #104]
	stp	d8, d9, [x9, #112]
	stp	d10, d11, [x9, #128]
	stp	d12, d13, [x9, #144]
	stp	d14, d15, [x9, #160]
	/* the test's registers: V, then SP, then X1..X30, X0 last */
	add	x1, x0, #256
	ldp	q0, q1, [x1, #0]
	ldp	q2, q3, [x1, #32]
	ldp	q4, q5, [x1, #64]
	ldp	q6, q7, [x1, #96]
	ldp	q8, q9, [x1, #128]
	ldp	q10, q11, [x1, #160]
	ldp	q12, q13, [x1, #192]
	ldp	q14, q15, [x1, #224]
	ldp	q16, q17, [x1, #256]
	ldp	q18, q19, [x1, #288]
	ldp	q20, q21, [x1, #320]
	ldp	q22, q23, [x1, #352]
	ldp	q24, q25, [x1, #384]
	ldp	q26, q27, [x1, #416]
	ldp	q28, q29, [x1, #448]
	ldp	q30, q31, [x1, #480]
	ldr	x1, [x0, #248]
	mov	sp, x1
	ldp	x1, x2, [x0, #8]
	ldp	x3, x4, [x0, #24]
	ldp	x5, x6, [x0, #40]
	ldp	x7, x8, [x0, #56]
	ldp	x9, x10, [x0, #72]
	ldp	x11, x12, [x0, #88]
	ldp	x13, x14, [x0, #104]
	ldp	x15, x16, [x0, #120]
	ldp	x17, x18, [x0, #136]
	ldp	x19, x20, [x0, #152]
	ldp	x21, x22, [x0, #168]
	ldp	x23, x24, [x0, #184]
	ldp	x25, x26, [x0, #200]
	ldp	x27, x28, [x0, #216]
	ldp	x29, x30, [x0, #232]
	ldr	x0, [x0, #0]
harness_insn:
	nop
	/* TPIDR_EL0 holds X0 while X0 finds the state again */
	msr	tpidr_el0, x0
	ldr	x0, harness_literal
	stp	x1, x2, [x0, #8]
	stp	x3, x4, [x0, #24]
	stp	x5, x6, [x0, #40]
	stp	x7, x8, [x0, #56]
	stp	x9, x10, [x0, #72]
	stp	x11, x12, [x0, #88]
	stp	x13, x14, [x0, #104]
	stp	x15, x16, [x0, #120]
	stp	x17, x18, [x0, #136]
	stp	x19, x20, [x0, #152]
	stp	x21, x22, [x0, #168]
	stp	x23, x24, [x0, #184]
	stp	x25, x26, [x0, #200]
	stp	x27, x28, [x0, #216]
	stp	x29, x30, [x0, #232]
	mrs	x1, tpidr_el0
	str	x1, [x0, #0]
	mov	x1, sp
	str	x1, [x0, #248]
	add	x1, x0, #256
	stp	q0, q1, [x1, #0]
	stp	q2, q3, [x1, #32]
	stp	q4, q5, [x1, #64]
	stp	q6, q7, [x1, #96]
	stp	q8, q9, [x1, #128]
	stp	q10, q11, [x1, #160]
	stp	q12, q13, [x1, #192]
	stp	q14, q15, [x1, #224]
	stp	q16, q17, [x1, #256]
	stp	q18, q19, [x1, #288]
	stp	q20, q21, [x1, #320]
	stp	q22, q23, [x1, #352]
	stp	q24, q25, [x1, #384]
	stp	q26, q27, [x1, #416]
	stp	q28, q29, [x1, #448]
	stp	q30, q31, [x1, #480]
	/* back to the host */
	add	x9, x0, #HOST
	ldr	x1, [x9, #104]
	msr	tpidr_el0, x1
	ldr	x1, [x9, #96]
	mov	sp, x1
	ldp	x19, x20, [x9, #0]
	ldp	x21, x22, [x9, #16]
	ldp	x23, x24, [x9, #32]
	ldp	x25, x26, [x9, #48]
	ldp	x27, x28, [x9, #64]
	ldp	x29, x30, [x9, #80]
	ldp	d8, d9, [x9, #112]
	ldp	d10, d11, [x9, #128]
	ldp	d12, d13, [x9, #144]
	ldp	d14, d15, [x9, #160]
	ret
	.p2align 3
harness_literal:
	.quad	0
harness_end:
	.section .note.GNU-stack, "", %progbits
