/*
 * The aarch64 target description GDB reads with qXfer:features:read: the
 * core and FP/SIMD features GDB's aarch64 port checks by name. The
 * register order is the g packet's (gdb_cmd.h).
 */
#include "a64vm/gdb_cmd.h"

#define X(n) "<reg name=\"x" #n "\" bitsize=\"64\"/>"
#define V(n) "<reg name=\"v" #n "\" bitsize=\"128\" type=\"aarch64v\"/>"
#define X8(a, b, c, d, e, f, g, h) X(a) X(b) X(c) X(d) X(e) X(f) X(g) X(h)
#define V8(a, b, c, d, e, f, g, h) V(a) V(b) V(c) V(d) V(e) V(f) V(g) V(h)

const char gdb_target_xml[] =
	"<?xml version=\"1.0\"?>"
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
	"<target><architecture>aarch64</architecture>"
	"<feature name=\"org.gnu.gdb.aarch64.core\">"
	"<flags id=\"cpsr_flags\" size=\"4\">"
	"<field name=\"SP\" start=\"0\" end=\"0\"/>"
	"<field name=\"EL\" start=\"2\" end=\"3\"/>"
	"<field name=\"nRW\" start=\"4\" end=\"4\"/>"
	"<field name=\"F\" start=\"6\" end=\"6\"/>"
	"<field name=\"I\" start=\"7\" end=\"7\"/>"
	"<field name=\"A\" start=\"8\" end=\"8\"/>"
	"<field name=\"D\" start=\"9\" end=\"9\"/>"
	"<field name=\"SS\" start=\"21\" end=\"21\"/>"
	"<field name=\"V\" start=\"28\" end=\"28\"/>"
	"<field name=\"C\" start=\"29\" end=\"29\"/>"
	"<field name=\"Z\" start=\"30\" end=\"30\"/>"
	"<field name=\"N\" start=\"31\" end=\"31\"/>"
	"</flags>"
	X8(0, 1, 2, 3, 4, 5, 6, 7) X8(8, 9, 10, 11, 12, 13, 14, 15)
	X8(16, 17, 18, 19, 20, 21, 22, 23) X(24) X(25) X(26) X(27) X(28) X(29) X(30)
	"<reg name=\"sp\" bitsize=\"64\" type=\"data_ptr\"/>"
	"<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\"/>"
	"<reg name=\"cpsr\" bitsize=\"32\" type=\"cpsr_flags\"/>"
	"</feature>"
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
