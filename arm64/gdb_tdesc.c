/*
 * The aarch64 target descriptions GDB reads with qXfer:features:read: the
 * core feature with the FP/SIMD or the SVE one, named and laid out as GDB's
 * aarch64 port checks them. The register order is the g packet's
 * (gdb_cmd.h).
 */
#include "a64vm/gdb_tdesc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define X(n) "<reg name=\"x" #n "\" bitsize=\"64\"/>"
#define V(n) "<reg name=\"v" #n "\" bitsize=\"128\" type=\"aarch64v\"/>"
#define X8(a, b, c, d, e, f, g, h) X(a) X(b) X(c) X(d) X(e) X(f) X(g) X(h)
#define V8(a, b, c, d, e, f, g, h) V(a) V(b) V(c) V(d) V(e) V(f) V(g) V(h)

#define CORE                                                                  \
	"<?xml version=\"1.0\"?>"                                              \
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"                          \
	"<target><architecture>aarch64</architecture>"                         \
	"<feature name=\"org.gnu.gdb.aarch64.core\">"                          \
	"<flags id=\"cpsr_flags\" size=\"4\">"                                 \
	"<field name=\"SP\" start=\"0\" end=\"0\"/>"                           \
	"<field name=\"EL\" start=\"2\" end=\"3\"/>"                           \
	"<field name=\"nRW\" start=\"4\" end=\"4\"/>"                          \
	"<field name=\"F\" start=\"6\" end=\"6\"/>"                            \
	"<field name=\"I\" start=\"7\" end=\"7\"/>"                            \
	"<field name=\"A\" start=\"8\" end=\"8\"/>"                            \
	"<field name=\"D\" start=\"9\" end=\"9\"/>"                            \
	"<field name=\"SS\" start=\"21\" end=\"21\"/>"                         \
	"<field name=\"V\" start=\"28\" end=\"28\"/>"                          \
	"<field name=\"C\" start=\"29\" end=\"29\"/>"                          \
	"<field name=\"Z\" start=\"30\" end=\"30\"/>"                          \
	"<field name=\"N\" start=\"31\" end=\"31\"/>"                          \
	"</flags>"                                                             \
	X8(0, 1, 2, 3, 4, 5, 6, 7) X8(8, 9, 10, 11, 12, 13, 14, 15)            \
	X8(16, 17, 18, 19, 20, 21, 22, 23) X(24) X(25) X(26) X(27) X(28) X(29) \
	X(30)                                                                  \
	"<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\"/>"                  \
	"<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>"                  \
	"<reg name=\"cpsr\" bitsize=\"32\" type=\"cpsr_flags\"/>"              \
	"</feature>"

const char gdb_target_xml[] =
	CORE
	"<feature name=\"org.gnu.gdb.aarch64.fpu\">"
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
	"<vector id=\"v2u\" type=\"uint64\" count=\"2\"/>"
	"<vector id=\"v2i\" type=\"int64\" count=\"2\"/>"
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
	"<vector id=\"v4u\" type=\"uint32\" count=\"4\"/>"
	"<vector id=\"v4i\" type=\"int32\" count=\"4\"/>"
	"<vector id=\"v8u\" type=\"uint16\" count=\"8\"/>"
	"<vector id=\"v16u\" type=\"uint8\" count=\"16\"/>"
	"<union id=\"vnd\"><field name=\"f\" type=\"v2d\"/>"
	"<field name=\"u\" type=\"v2u\"/><field name=\"s\" type=\"v2i\"/></union>"
	"<union id=\"vns\"><field name=\"f\" type=\"v4f\"/>"
	"<field name=\"u\" type=\"v4u\"/><field name=\"s\" type=\"v4i\"/></union>"
	"<union id=\"vnh\"><field name=\"u\" type=\"v8u\"/></union>"
	"<union id=\"vnb\"><field name=\"u\" type=\"v16u\"/></union>"
	"<union id=\"vnq\"><field name=\"u\" type=\"uint128\"/>"
	"<field name=\"s\" type=\"int128\"/></union>"
	"<union id=\"aarch64v\"><field name=\"d\" type=\"vnd\"/>"
	"<field name=\"s\" type=\"vns\"/><field name=\"h\" type=\"vnh\"/>"
	"<field name=\"b\" type=\"vnb\"/><field name=\"q\" type=\"vnq\"/></union>"
	V8(0, 1, 2, 3, 4, 5, 6, 7) V8(8, 9, 10, 11, 12, 13, 14, 15)
	V8(16, 17, 18, 19, 20, 21, 22, 23) V8(24, 25, 26, 27, 28, 29, 30, 31)
	"<reg name=\"fpsr\" bitsize=\"32\"/>"
	"<reg name=\"fpcr\" bitsize=\"32\"/>"
	"</feature></target>";

/* Appends to buf, remembering the first time it does not fit. */
struct writer {
	char *buf;
	size_t cap, len;
	bool full;
};

static void put(struct writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= w->cap - w->len)
		w->full = true;
	else
		w->len += (size_t)n;
}

/* GDB's own SVE types: vectors of every element size, and their unions. */
static void sve_types(struct writer *w, unsigned vq)
{
	static const struct { const char *id, *type; unsigned per_q; } vectors[] = {
		{ "svevqu", "uint128", 1 },	 { "svevqs", "int128", 1 },
		{ "svevdf", "ieee_double", 2 }, { "svevdu", "uint64", 2 },
		{ "svevds", "int64", 2 },	 { "svevsf", "ieee_single", 4 },
		{ "svevsu", "uint32", 4 },	 { "svevss", "int32", 4 },
		{ "svevhf", "ieee_half", 8 },	 { "svevhu", "uint16", 8 },
		{ "svevhs", "int16", 8 },	 { "svevbu", "uint8", 16 },
		{ "svevbs", "int8", 16 },	 { "svep", "uint8", 2 },
	};

	for (unsigned i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		put(w, "<vector id=\"%s\" type=\"%s\" count=\"%u\"/>", vectors[i].id,
		    vectors[i].type, vq * vectors[i].per_q);
	put(w, "<union id=\"svevnq\"><field name=\"u\" type=\"svevqu\"/>"
	       "<field name=\"s\" type=\"svevqs\"/></union>"
	       "<union id=\"svevnd\"><field name=\"f\" type=\"svevdf\"/>"
	       "<field name=\"u\" type=\"svevdu\"/><field name=\"s\" type=\"svevds\"/>"
	       "</union>"
	       "<union id=\"svevns\"><field name=\"f\" type=\"svevsf\"/>"
	       "<field name=\"u\" type=\"svevsu\"/><field name=\"s\" type=\"svevss\"/>"
	       "</union>"
	       "<union id=\"svevnh\"><field name=\"f\" type=\"svevhf\"/>"
	       "<field name=\"u\" type=\"svevhu\"/><field name=\"s\" type=\"svevhs\"/>"
	       "</union>"
	       "<union id=\"svevnb\"><field name=\"u\" type=\"svevbu\"/>"
	       "<field name=\"s\" type=\"svevbs\"/></union>"
	       "<union id=\"svev\"><field name=\"q\" type=\"svevnq\"/>"
	       "<field name=\"d\" type=\"svevnd\"/><field name=\"s\" type=\"svevns\"/>"
	       "<field name=\"h\" type=\"svevnh\"/><field name=\"b\" type=\"svevnb\"/>"
	       "</union>");
}

size_t gdb_tdesc_sve(unsigned vq, char *buf, size_t cap)
{
	struct writer w = { .buf = buf, .cap = cap };

	if (!vq || vq > 16 || !cap)
		return 0;
	put(&w, "%s<feature name=\"org.gnu.gdb.aarch64.sve\">", CORE);
	sve_types(&w, vq);
	for (unsigned i = 0; i < 32; i++)
		put(&w, "<reg name=\"z%u\" bitsize=\"%u\" type=\"svev\"/>", i, vq * 128);
	put(&w, "<reg name=\"fpsr\" bitsize=\"32\"/><reg name=\"fpcr\" bitsize=\"32\"/>");
	for (unsigned i = 0; i < 16; i++)
		put(&w, "<reg name=\"p%u\" bitsize=\"%u\" type=\"svep\"/>", i, vq * 16);
	put(&w, "<reg name=\"ffr\" bitsize=\"%u\" type=\"svep\"/>"
		"<reg name=\"vg\" bitsize=\"64\" type=\"int\"/></feature></target>", vq * 16);
	return w.full ? 0 : w.len;
}
