// Decoder cases: each instruction's comment is its expected decode.
//   L|S            load or store
//   simd pair sx unpriv   flags
//   size= dest= rt= rt2= rn= rm= imm= shift=
//   mode=off|pre|post|reg|lit   ext=uxtw|lsl|sxtw|sxtx
//   reject=ENOTSUP|EINVAL  the decoder must refuse the word
// Unlisted fields are zero. tools/gen_decode_cases.py turns this file and
// the words the assembler made of it into tests/unit's case table.
	.text
// LDR/STR immediate, unsigned offset, every size
	ldrb	w1, [x2]			// L size=1 dest=32 rt=1 rn=2 mode=off imm=0
	ldrb	w1, [x2, #4095]			// L size=1 dest=32 rt=1 rn=2 mode=off imm=4095
	strb	w3, [sp, #1]			// S size=1 rt=3 rn=31 mode=off imm=1
	ldrh	w4, [x5, #8190]			// L size=2 dest=32 rt=4 rn=5 mode=off imm=8190
	strh	wzr, [x5, #2]			// S size=2 rt=31 rn=5 mode=off imm=2
	ldr	w6, [x7, #16380]		// L size=4 dest=32 rt=6 rn=7 mode=off imm=16380
	str	w6, [x7, #4]			// S size=4 rt=6 rn=7 mode=off imm=4
	ldr	x8, [x9, #32760]		// L size=8 dest=64 rt=8 rn=9 mode=off imm=32760
	str	x30, [sp, #8]			// S size=8 rt=30 rn=31 mode=off imm=8
	ldr	xzr, [x0]			// L size=8 dest=64 rt=31 rn=0 mode=off imm=0
// sign-extending loads
	ldrsb	w1, [x2, #3]			// L sx size=1 dest=32 rt=1 rn=2 mode=off imm=3
	ldrsb	x1, [x2, #3]			// L sx size=1 dest=64 rt=1 rn=2 mode=off imm=3
	ldrsh	w1, [x2, #6]			// L sx size=2 dest=32 rt=1 rn=2 mode=off imm=6
	ldrsh	x1, [x2, #6]			// L sx size=2 dest=64 rt=1 rn=2 mode=off imm=6
	ldrsw	x1, [x2, #12]			// L sx size=4 dest=64 rt=1 rn=2 mode=off imm=12
// pre- and post-index
	ldr	x1, [x2, #16]!			// L size=8 dest=64 rt=1 rn=2 mode=pre imm=16
	ldr	x1, [x2, #-256]!		// L size=8 dest=64 rt=1 rn=2 mode=pre imm=-256
	str	w3, [x4], #255			// S size=4 rt=3 rn=4 mode=post imm=255
	strb	w3, [sp, #-1]!			// S size=1 rt=3 rn=31 mode=pre imm=-1
	ldrh	w3, [x4], #-2			// L size=2 dest=32 rt=3 rn=4 mode=post imm=-2
	ldrsb	x5, [x6], #1			// L sx size=1 dest=64 rt=5 rn=6 mode=post imm=1
	ldrsh	w5, [x6, #2]!			// L sx size=2 dest=32 rt=5 rn=6 mode=pre imm=2
	ldrsw	x5, [x6], #-4			// L sx size=4 dest=64 rt=5 rn=6 mode=post imm=-4
	ldr	x1, [x1], #8			// L size=8 dest=64 rt=1 rn=1 mode=post imm=8
// unscaled (LDUR/STUR) and unprivileged (LDTR/STTR)
	ldur	x1, [x2, #-1]			// L size=8 dest=64 rt=1 rn=2 mode=off imm=-1
	stur	w1, [x2, #255]			// S size=4 rt=1 rn=2 mode=off imm=255
	ldurb	w1, [x2, #-256]			// L size=1 dest=32 rt=1 rn=2 mode=off imm=-256
	ldursh	x1, [x2, #1]			// L sx size=2 dest=64 rt=1 rn=2 mode=off imm=1
	ldursw	x1, [x2, #3]			// L sx size=4 dest=64 rt=1 rn=2 mode=off imm=3
	ldtr	x1, [x2, #8]			// L unpriv size=8 dest=64 rt=1 rn=2 mode=off imm=8
	sttrh	w1, [x2, #-2]			// S unpriv size=2 rt=1 rn=2 mode=off imm=-2
	ldtrsb	w1, [x2]			// L unpriv sx size=1 dest=32 rt=1 rn=2 mode=off imm=0
	ldtrsw	x1, [x2, #4]			// L unpriv sx size=4 dest=64 rt=1 rn=2 mode=off imm=4
// register offset
	ldr	x1, [x2, x3]			// L size=8 dest=64 rt=1 rn=2 rm=3 mode=reg ext=lsl shift=0
	ldr	x1, [x2, x3, lsl #3]		// L size=8 dest=64 rt=1 rn=2 rm=3 mode=reg ext=lsl shift=3
	str	w1, [x2, w3, uxtw]		// S size=4 rt=1 rn=2 rm=3 mode=reg ext=uxtw shift=0
	str	w1, [x2, w3, uxtw #2]		// S size=4 rt=1 rn=2 rm=3 mode=reg ext=uxtw shift=2
	ldrh	w1, [x2, w3, sxtw #1]		// L size=2 dest=32 rt=1 rn=2 rm=3 mode=reg ext=sxtw shift=1
	ldrb	w1, [sp, x3, sxtx]		// L size=1 dest=32 rt=1 rn=31 rm=3 mode=reg ext=sxtx shift=0
	ldrb	w1, [x2, x3, lsl #0]		// L size=1 dest=32 rt=1 rn=2 rm=3 mode=reg ext=lsl shift=0
	ldrsw	x1, [x2, xzr, sxtx #2]		// L sx size=4 dest=64 rt=1 rn=2 rm=31 mode=reg ext=sxtx shift=2
	ldrsb	w1, [x2, w3, sxtw]		// L sx size=1 dest=32 rt=1 rn=2 rm=3 mode=reg ext=sxtw shift=0
	strh	w1, [x2, x3, lsl #1]		// S size=2 rt=1 rn=2 rm=3 mode=reg ext=lsl shift=1
// literal
	ldr	w1, .+8				// L size=4 dest=32 rt=1 mode=lit imm=8
	ldr	x1, .-4				// L size=8 dest=64 rt=1 mode=lit imm=-4
	ldrsw	x1, .+1048572			// L sx size=4 dest=64 rt=1 mode=lit imm=1048572
	ldr	s1, .+4				// L simd size=4 rt=1 mode=lit imm=4
	ldr	d1, .-1048576			// L simd size=8 rt=1 mode=lit imm=-1048576
	ldr	q1, .				// L simd size=16 rt=1 mode=lit imm=0
// pairs: offset, pre, post, non-temporal, LDPSW
	ldp	x1, x2, [x3]			// L pair size=8 dest=64 rt=1 rt2=2 rn=3 mode=off imm=0
	ldp	x1, x2, [x3, #504]		// L pair size=8 dest=64 rt=1 rt2=2 rn=3 mode=off imm=504
	stp	x1, x2, [sp, #-512]!		// S pair size=8 rt=1 rt2=2 rn=31 mode=pre imm=-512
	stp	w1, w2, [x3], #252		// S pair size=4 rt=1 rt2=2 rn=3 mode=post imm=252
	ldp	w1, w2, [x3, #-256]!		// L pair size=4 dest=32 rt=1 rt2=2 rn=3 mode=pre imm=-256
	ldnp	x4, x5, [x6, #16]		// L pair size=8 dest=64 rt=4 rt2=5 rn=6 mode=off imm=16
	stnp	w4, wzr, [x6, #-4]		// S pair size=4 rt=4 rt2=31 rn=6 mode=off imm=-4
	ldpsw	x1, x2, [x3, #8]		// L pair sx size=4 dest=64 rt=1 rt2=2 rn=3 mode=off imm=8
	ldpsw	x1, x2, [x3], #-8		// L pair sx size=4 dest=64 rt=1 rt2=2 rn=3 mode=post imm=-8
	ldpsw	x1, x2, [x3, #4]!		// L pair sx size=4 dest=64 rt=1 rt2=2 rn=3 mode=pre imm=4
	ldp	x1, x1, [x2]			// L pair size=8 dest=64 rt=1 rt2=1 rn=2 mode=off imm=0
// SIMD&FP single register, every size and addressing mode
	ldr	b0, [x1]			// L simd size=1 rt=0 rn=1 mode=off imm=0
	str	h2, [x1, #4094]			// S simd size=2 rt=2 rn=1 mode=off imm=4094
	ldr	s3, [x1, #-4]!			// L simd size=4 rt=3 rn=1 mode=pre imm=-4
	str	d4, [x1], #8			// S simd size=8 rt=4 rn=1 mode=post imm=8
	ldr	q5, [x1, #65520]		// L simd size=16 rt=5 rn=1 mode=off imm=65520
	str	q31, [sp, #-16]!		// S simd size=16 rt=31 rn=31 mode=pre imm=-16
	ldr	q5, [x1], #-256			// L simd size=16 rt=5 rn=1 mode=post imm=-256
	ldur	q6, [x1, #1]			// L simd size=16 rt=6 rn=1 mode=off imm=1
	stur	b6, [x1, #-1]			// S simd size=1 rt=6 rn=1 mode=off imm=-1
	ldr	d7, [x1, x2, lsl #3]		// L simd size=8 rt=7 rn=1 rm=2 mode=reg ext=lsl shift=3
	str	q7, [x1, w2, sxtw #4]		// S simd size=16 rt=7 rn=1 rm=2 mode=reg ext=sxtw shift=4
	ldr	h7, [x1, w2, uxtw]		// L simd size=2 rt=7 rn=1 rm=2 mode=reg ext=uxtw shift=0
// SIMD&FP pairs
	ldp	s1, s2, [x3, #-256]		// L simd pair size=4 rt=1 rt2=2 rn=3 mode=off imm=-256
	stp	d1, d2, [x3, #8]!		// S simd pair size=8 rt=1 rt2=2 rn=3 mode=pre imm=8
	ldp	q1, q2, [x3], #1008		// L simd pair size=16 rt=1 rt2=2 rn=3 mode=post imm=1008
	stnp	q30, q31, [sp, #-1024]		// S simd pair size=16 rt=30 rt2=31 rn=31 mode=off imm=-1024
	ldnp	d0, d1, [x2]			// L simd pair size=8 rt=0 rt2=1 rn=2 mode=off imm=0
// load/store instructions the emulator refuses
	ldxr	x1, [x2]			// reject=ENOTSUP
	stxr	w3, x1, [x2]			// reject=ENOTSUP
	ldaxp	x1, x2, [x3]			// reject=ENOTSUP
	ldar	w1, [x2]			// reject=ENOTSUP
	cas	x1, x2, [x3]			// reject=ENOTSUP
	ldadd	w1, w2, [x3]			// reject=ENOTSUP
	swpal	x1, x2, [x3]			// reject=ENOTSUP
	stset	w1, [x2]			// reject=ENOTSUP
	prfm	pldl1keep, [x1, #8]		// reject=ENOTSUP
	prfm	pldl1keep, [x1, x2]		// reject=ENOTSUP
	prfum	pldl1keep, [x1, #-1]		// reject=ENOTSUP
	prfm	pldl1keep, .+8			// reject=ENOTSUP
	ld1	{v0.16b}, [x1]			// reject=ENOTSUP
	st4	{v0.4s-v3.4s}, [x1], #64	// reject=ENOTSUP
	ld1r	{v0.4s}, [x1]			// reject=ENOTSUP
	ldraa	x1, [x2, #8]			// reject=ENOTSUP
	ldapur	w1, [x2]			// reject=ENOTSUP
	stgp	x1, x2, [x3]			// reject=ENOTSUP
	stg	x1, [x2]			// reject=ENOTSUP
// unallocated encodings in the load/store space
	.inst	0xf9c00000			// reject=EINVAL  LDR size=3 opc=3
	.inst	0xb9c00000			// reject=EINVAL  LDRS* size=2 opc=3
	.inst	0x7dc00000			// reject=EINVAL  SIMD size=1 opc=3
	.inst	0xe9400000			// reject=EINVAL  pair opc=3
	.inst	0x68400000			// reject=EINVAL  LDPSW non-temporal
	.inst	0x3c400800			// reject=EINVAL  SIMD unprivileged
	.inst	0xf8800c00			// reject=EINVAL  PRFM pre-index
	.inst	0xf8600800			// reject=EINVAL  register offset, option 000
	.inst	0xdc000000			// reject=EINVAL  LDR literal opc=3 V=1
// not loads or stores at all
	nop					// reject=EINVAL
	add	x0, x1, x2			// reject=EINVAL
	b	.				// reject=EINVAL
	hvc	#0				// reject=EINVAL
	fadd	v0.4s, v1.4s, v2.4s		// reject=EINVAL
	.inst	0x00000000			// reject=EINVAL  udf
	.inst	0xffffffff			// reject=EINVAL
