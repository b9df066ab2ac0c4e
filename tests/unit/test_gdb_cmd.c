/* The GDB command layer against a fake target: 2 vCPUs, 64 KiB of memory. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/gdb_cmd.h"
#include "a64vm/gdb_rsp.h"
#include "a64vm/gdb_tdesc.h"
#include "gdb_fake_target.h"
#include "unit.h"

#define MEM_BASE GDB_FAKE_MEM_BASE
#define MEM_SIZE GDB_FAKE_MEM_SIZE

static struct gdb_session s;
static char reply[GDB_RSP_MAX_PACKET + 1];
static size_t reply_len;

static void setup(void)
{
	memset(&gdb_fake, 0, sizeof(gdb_fake));
	for (unsigned i = 0; i < MEM_SIZE; i++)
		gdb_fake.mem[i] = (uint8_t)i;
	for (unsigned c = 0; c < 2; c++) {
		for (unsigned n = 0; n < 31; n++)
			gdb_fake.regs[c].x[n] = 0x1000ull * c + n;
		gdb_fake.regs[c].sp = 0xffff000000008000ull;
		gdb_fake.regs[c].pc = MEM_BASE + 0x100;
		gdb_fake.regs[c].cpsr = 0x3c5;
		gdb_fake.regs[c].v[1][0] = 0x0706050403020100ull;
		gdb_fake.regs[c].v[1][1] = 0x0f0e0d0c0b0a0908ull;
		gdb_fake.regs[c].fpsr = 0x10;
		gdb_fake.regs[c].fpcr = 0x20;
	}
	gdb_session_init(&s, &gdb_fake_ops, NULL);
}

static enum gdb_cmd_result cmd_len(const char *pkt, size_t len)
{
	memset(reply, 0x55, sizeof(reply));
	return gdb_cmd_handle(&s, pkt, len, reply, &reply_len);
}

static enum gdb_cmd_result cmd(const char *pkt)
{
	return cmd_len(pkt, strlen(pkt));
}

/* The reply as a string (it is not NUL-terminated when binary). */
static const char *r(void)
{
	reply[reply_len] = '\0';
	return reply;
}

static void test_supported_and_target_xml(void)
{
	char doc[16384] = "";
	size_t got = 0;

	setup();
	CU_ASSERT_EQUAL(cmd("qSupported:multiprocess+;swbreak+;xmlRegisters=i386"),
			GDB_CMD_REPLY);
	CU_ASSERT_PTR_NOT_NULL(strstr(r(), "PacketSize=8000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r(), "qXfer:features:read+"));
	CU_ASSERT_PTR_NOT_NULL(strstr(r(), "QStartNoAckMode+"));
	CU_ASSERT_EQUAL(cmd("QStartNoAckMode"), GDB_CMD_REPLY);
	CU_ASSERT_STRING_EQUAL(r(), "OK");
	CU_ASSERT_TRUE(s.no_ack);
	/* Read the document in small windows, as GDB does. */
	for (;;) {
		char pkt[80];

		snprintf(pkt, sizeof(pkt), "qXfer:features:read:target.xml:%zx,100", got);
		cmd(pkt);
		CU_ASSERT_TRUE(reply_len >= 1 && reply_len <= 0x101);
		memcpy(doc + got, reply + 1, reply_len - 1);
		got += reply_len - 1;
		if (reply[0] == 'l')
			break;
		CU_ASSERT_EQUAL_FATAL(reply[0], 'm');
	}
	CU_ASSERT_EQUAL(got, strlen(gdb_target_xml));
	CU_ASSERT_STRING_EQUAL(doc, gdb_target_xml);
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "org.gnu.gdb.aarch64.fpu"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<reg name=\"v31\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<reg name=\"fpcr\""));
	cmd("qXfer:features:read:target.xml:ffffff,100");
	CU_ASSERT_STRING_EQUAL(r(), "l");
	cmd("qXfer:features:read:other.xml:0,100");
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("qXfer:features:read:target.xml:zz");
	CU_ASSERT_EQUAL(reply[0], 'E');
}

static void test_registers(void)
{
	setup();
	CU_ASSERT_EQUAL(cmd("g"), GDB_CMD_REPLY);
	/* 31 x + sp + pc (8 bytes), cpsr (4), 32 v (16), fpsr, fpcr (4). */
	CU_ASSERT_EQUAL(reply_len, 2 * (33 * 8 + 4 + 32 * 16 + 8));
	CU_ASSERT_EQUAL(strncmp(r(), "0000000000000000" "0100000000000000", 32), 0);
	/* cpsr, little-endian, right after pc */
	CU_ASSERT_EQUAL(strncmp(reply + 2 * 33 * 8, "c5030000", 8), 0);
	cmd("p20"); /* pc */
	CU_ASSERT_STRING_EQUAL(r(), "001100000000ffff");
	cmd("p23"); /* v1 */
	CU_ASSERT_STRING_EQUAL(r(), "000102030405060708090a0b0c0d0e0f");
	cmd("p43"); /* fpcr */
	CU_ASSERT_STRING_EQUAL(r(), "20000000");
	cmd("p44");
	CU_ASSERT_EQUAL(reply[0], 'E');
	CU_ASSERT_STRING_EQUAL((cmd("P5=efcdab8967452301"), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.regs[0].x[5], 0x0123456789abcdefull);
	cmd("P5=efcd");
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("P5=zzcdab8967452301");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* Hg selects the vCPU registers come from. */
	CU_ASSERT_STRING_EQUAL((cmd("Hg2"), r()), "OK");
	cmd("p1");
	CU_ASSERT_STRING_EQUAL(r(), "0110000000000000");
	cmd("Hg3");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* G round trip, one register changed */
	cmd("Hg1");
	cmd("g");
	{
		static char g[GDB_RSP_MAX_PACKET + 2];

		snprintf(g, sizeof(g), "G%s", r());
		memcpy(g + 1 + 2 * 8 * 2, "ffeeddccbbaa0099", 16); /* x2 */
		CU_ASSERT_STRING_EQUAL((cmd(g), r()), "OK");
		CU_ASSERT_EQUAL(gdb_fake.regs[0].x[2], 0x9900aabbccddeeffull);
		CU_ASSERT_EQUAL(gdb_fake.regs[0].fpsr, 0x10);
		g[strlen(g) - 1] = '\0'; /* an odd digit count */
		cmd(g);
		CU_ASSERT_EQUAL(reply[0], 'E');
	}
}

/* With SVE at 512 bits: z, p and ffr as raw bytes, vg as a number. */
static void test_sve_registers(void)
{
	static char g[GDB_RSP_MAX_PACKET + 2];
	const size_t core = 2 * (33 * 8 + 4);
	char expect[2 * 64 + 1];

	setup();
	gdb_fake.regs[0].vq = 4;
	gdb_fake.regs[0].vg = 8;
	for (unsigned i = 0; i < 64; i++)
		gdb_fake.regs[0].z[3][i] = (uint8_t)(0xc0 + i);
	gdb_fake.regs[0].p[15][7] = 0x5a;
	gdb_fake.regs[0].ffr[0] = 0xff;
	CU_ASSERT_EQUAL(cmd("g"), GDB_CMD_REPLY);
	/* 32 z of 64 bytes, fpsr, fpcr, 16 p and ffr of 8, vg of 8 */
	CU_ASSERT_EQUAL(reply_len, core + 2 * (32 * 64 + 8 + 17 * 8 + 8));
	CU_ASSERT_EQUAL(strncmp(reply + core + 2 * 3 * 64, "c0c1c2c3", 8), 0);
	for (unsigned i = 0; i < 64; i++)
		snprintf(expect + 2 * i, 3, "%02x", 0xc0 + i);
	cmd("p25"); /* z3 */
	CU_ASSERT_STRING_EQUAL(r(), expect);
	cmd("p42"); /* fpsr keeps its number */
	CU_ASSERT_STRING_EQUAL(r(), "10000000");
	cmd("p53"); /* p15 */
	CU_ASSERT_STRING_EQUAL(r(), "000000000000005a");
	cmd("p54"); /* ffr */
	CU_ASSERT_STRING_EQUAL(r(), "ff00000000000000");
	cmd("p55"); /* vg */
	CU_ASSERT_STRING_EQUAL(r(), "0800000000000000");
	cmd("p56");
	CU_ASSERT_EQUAL(reply[0], 'E');
	CU_ASSERT_STRING_EQUAL((cmd("P44=0102030405060708"), r()), "OK"); /* p0 */
	CU_ASSERT_EQUAL(gdb_fake.regs[0].p[0][0], 1);
	CU_ASSERT_EQUAL(gdb_fake.regs[0].p[0][7], 8);
	cmd("P44=01020304");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* a 16-byte value is not a 64-byte z register */
	cmd("P22=000102030405060708090a0b0c0d0e0f");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* G with z0 changed: its bytes land in memory order */
	cmd("g");
	snprintf(g, sizeof(g), "G%s", r());
	memcpy(g + 1 + core, "11223344", 8);
	CU_ASSERT_STRING_EQUAL((cmd(g), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.regs[0].z[0][0], 0x11);
	CU_ASSERT_EQUAL(gdb_fake.regs[0].z[0][3], 0x44);
	CU_ASSERT_EQUAL(gdb_fake.regs[0].z[3][63], 0xff);
	/* at the architecture's 2048 bits, g still fits a packet */
	gdb_fake.regs[0].vq = GDB_SVE_MAX_VQ;
	CU_ASSERT_EQUAL(cmd("g"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(reply_len, core + 2 * (32 * 256 + 8 + 17 * 32 + 8));
}

/* The SVE description: GDB's feature, sized registers, the g order. */
static void test_sve_tdesc(void)
{
	static char doc[GDB_TDESC_SVE_MAX];
	size_t len = gdb_tdesc_sve(4, doc, sizeof(doc));
	const char *z31, *fpsr, *p0, *ffr, *vg;

	CU_ASSERT_TRUE_FATAL(len > 0 && len == strlen(doc));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<feature name=\"org.gnu.gdb.aarch64.core\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<feature name=\"org.gnu.gdb.aarch64.sve\">"));
	CU_ASSERT_PTR_NULL(strstr(doc, "aarch64.fpu"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<reg name=\"z0\" bitsize=\"512\" type=\"svev\"/>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<reg name=\"p15\" bitsize=\"64\" type=\"svep\"/>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(doc, "<vector id=\"svevbu\" type=\"uint8\" count=\"64\"/>"));
	z31 = strstr(doc, "\"z31\"");
	fpsr = strstr(doc, "\"fpsr\"");
	p0 = strstr(doc, "\"p0\"");
	ffr = strstr(doc, "\"ffr\"");
	vg = strstr(doc, "\"vg\"");
	CU_ASSERT_TRUE(z31 && fpsr && p0 && ffr && vg);
	CU_ASSERT_TRUE(z31 < fpsr && fpsr < p0 && p0 < ffr && ffr < vg);
	CU_ASSERT_TRUE(len < sizeof(doc));
	CU_ASSERT_TRUE(gdb_tdesc_sve(16, doc, sizeof(doc)) > len);
	CU_ASSERT_EQUAL(gdb_tdesc_sve(0, doc, sizeof(doc)), 0);
	CU_ASSERT_EQUAL(gdb_tdesc_sve(17, doc, sizeof(doc)), 0);
	CU_ASSERT_EQUAL(gdb_tdesc_sve(4, doc, 100), 0); /* too small */
	/* the session serves what it is given */
	setup();
	gdb_tdesc_sve(4, doc, sizeof(doc));
	s.target_xml = doc;
	cmd("qXfer:features:read:target.xml:0,40");
	CU_ASSERT_EQUAL(reply[0], 'm');
	CU_ASSERT_EQUAL(memcmp(reply + 1, doc, 0x40), 0);
}

static void test_memory(void)
{
	uint8_t bin[] = { 'X', '0', ':', 0 };
	char pkt[64];
	size_t len;

	setup();
	cmd("mffff000000001010,4");
	CU_ASSERT_STRING_EQUAL(r(), "10111213");
	cmd("mffff000000000ff0,4"); /* unmapped */
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("mffff000000001010");
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("mffffffffffffffff,10"); /* wraps */
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("m1g,4");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* a huge length is cut to what a packet holds */
	cmd("mffff000000001000,100000");
	CU_ASSERT_TRUE(reply_len > 0 && reply_len <= GDB_RSP_MAX_PACKET);
	CU_ASSERT_STRING_EQUAL((cmd("Mffff000000001020,2:abcd"), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.mem[0x20], 0xab);
	CU_ASSERT_EQUAL(gdb_fake.mem[0x21], 0xcd);
	cmd("Mffff000000001020,2:abc");
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("Mffff000000001020,3:abcd");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* X carries raw bytes, NUL and '#' included (already unescaped). */
	len = (size_t)snprintf(pkt, sizeof(pkt), "Xffff000000001030,3:");
	pkt[len++] = 0;
	pkt[len++] = '#';
	pkt[len++] = 0x7d;
	CU_ASSERT_EQUAL(cmd_len(pkt, len), GDB_CMD_REPLY);
	CU_ASSERT_STRING_EQUAL(r(), "OK");
	CU_ASSERT_EQUAL(gdb_fake.mem[0x30], 0);
	CU_ASSERT_EQUAL(gdb_fake.mem[0x31], '#');
	CU_ASSERT_EQUAL(gdb_fake.mem[0x32], 0x7d);
	CU_ASSERT_EQUAL(cmd_len("Xffff000000001030,0:", 20), GDB_CMD_REPLY);
	CU_ASSERT_STRING_EQUAL(r(), "OK"); /* GDB's probe for X support */
	cmd_len((const char *)bin, sizeof(bin) - 1);
	CU_ASSERT_EQUAL(reply[0], 'E');
}

static void test_sw_breakpoints(void)
{
	setup();
	CU_ASSERT_STRING_EQUAL((cmd("Z0,ffff000000001100,4"), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.mem[0x100], 0x00);
	CU_ASSERT_EQUAL(gdb_fake.mem[0x102], 0x20);
	CU_ASSERT_EQUAL(gdb_fake.mem[0x103], 0xd4); /* BRK #0 */
	CU_ASSERT_TRUE(gdb_cmd_is_sw_bp(&s, 0xffff000000001100ull));
	/* reads show the original instruction */
	cmd("mffff000000001100,4");
	CU_ASSERT_STRING_EQUAL(r(), "00010203");
	CU_ASSERT_STRING_EQUAL((cmd("Z0,ffff000000001100,4"), r()), "OK");
	CU_ASSERT_EQUAL(s.nsw_bps, 1);
	cmd("Z0,ffff000000001102,4"); /* misaligned */
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("Z0,ffff000000000000,4"); /* unmapped */
	CU_ASSERT_EQUAL(reply[0], 'E');
	CU_ASSERT_EQUAL(s.nsw_bps, 1);
	cmd("Z0,ffff000000001200,4;X1,0"); /* a condition list is accepted */
	CU_ASSERT_STRING_EQUAL(r(), "OK");
	cmd("c");
	CU_ASSERT_TRUE(gdb_fake.sw_bps);
	CU_ASSERT_STRING_EQUAL((cmd("z0,ffff000000001100,4"), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.mem[0x103], 0x03);
	CU_ASSERT_STRING_EQUAL((cmd("z0,ffff000000001100,4"), r()), "OK");
	/* D restores the rest and detaches */
	CU_ASSERT_EQUAL(cmd("D"), GDB_CMD_DETACHED);
	CU_ASSERT_STRING_EQUAL(r(), "OK");
	CU_ASSERT_EQUAL(gdb_fake.mem[0x203], 0x03);
	CU_ASSERT_EQUAL(s.nsw_bps, 0);
	CU_ASSERT_EQUAL(gdb_fake.detached, 1);
	/* the table has a limit */
	setup();
	for (unsigned i = 0; i < GDB_MAX_SW_BPS; i++) {
		char pkt[40];

		snprintf(pkt, sizeof(pkt), "Z0,%llx,4",
			 (unsigned long long)(MEM_BASE + 4 * i));
		CU_ASSERT_STRING_EQUAL((cmd(pkt), r()), "OK");
	}
	cmd("Z0,ffff000000002000,4");
	CU_ASSERT_EQUAL(reply[0], 'E');
	gdb_cmd_remove_all_sw_bps(&s);
	CU_ASSERT_EQUAL(gdb_fake.mem[3], 3);
}

static void test_hw_breakpoints(void)
{
	setup();
	CU_ASSERT_STRING_EQUAL((cmd("Z1,ffff000000001100,4"), r()), "OK");
	CU_ASSERT_STRING_EQUAL((cmd("Z2,ffff000000001200,8"), r()), "OK");
	cmd("Z3,ffff000000001300,4"); /* the fake has room for two */
	CU_ASSERT_STRING_EQUAL(r(), "E1c"); /* ENOSPC */
	CU_ASSERT_STRING_EQUAL((cmd("z2,ffff000000001200,8"), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.hw_removed, 1);
	cmd("Z9,0,4"); /* unknown type: unsupported, empty */
	CU_ASSERT_EQUAL(reply_len, 0);
	cmd("Z1,zz,4");
	CU_ASSERT_EQUAL(reply[0], 'E');
}

static void test_resume(void)
{
	setup();
	CU_ASSERT_EQUAL(cmd("c"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.actions[0], GDB_ACT_CONTINUE);
	CU_ASSERT_EQUAL(gdb_fake.actions[1], GDB_ACT_CONTINUE);
	CU_ASSERT_EQUAL(cmd("s"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.actions[0], GDB_ACT_STEP);
	CU_ASSERT_EQUAL(gdb_fake.actions[1], GDB_ACT_STAY);
	CU_ASSERT_EQUAL(cmd("cffff000000001400"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.regs[0].pc, 0xffff000000001400ull);
	CU_ASSERT_EQUAL(cmd("C0a"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.signal, GDB_SIGBUS);
	CU_ASSERT_EQUAL(cmd("vCont;s:2;c"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.actions[0], GDB_ACT_CONTINUE);
	CU_ASSERT_EQUAL(gdb_fake.actions[1], GDB_ACT_STEP);
	CU_ASSERT_EQUAL(cmd("vCont;s:1"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.actions[0], GDB_ACT_STEP);
	CU_ASSERT_EQUAL(gdb_fake.actions[1], GDB_ACT_STAY);
	CU_ASSERT_EQUAL(cmd("vCont;C0a:1;c"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.signal, GDB_SIGBUS);
	CU_ASSERT_EQUAL(cmd("vCont;c:-1"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.actions[1], GDB_ACT_CONTINUE);
	CU_ASSERT_EQUAL(gdb_fake.resumes, 8);
	cmd("vCont?");
	CU_ASSERT_STRING_EQUAL(r(), "vCont;c;C;s;S");
	/* malformed: an error, nothing resumed */
	CU_ASSERT_EQUAL(cmd("vCont;x"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(reply[0], 'E');
	CU_ASSERT_EQUAL(cmd("vCont;c:9"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(cmd("vCont;"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(cmd("vCont;Czz"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(cmd("C"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(cmd("cxyz"), GDB_CMD_REPLY);
	CU_ASSERT_EQUAL(gdb_fake.resumes, 8);
	/* a stop on a vCPU the target does not have resumes nothing */
	{
		char buf[64];

		gdb_cmd_stop_reply(&s, &(struct gdb_stop){ .cpu = 5, .signal = 5 }, buf,
				   sizeof(buf));
		CU_ASSERT_EQUAL(cmd("c"), GDB_CMD_REPLY);
		CU_ASSERT_EQUAL(reply[0], 'E');
		CU_ASSERT_EQUAL(gdb_fake.resumes, 8);
		gdb_cmd_stop_reply(&s, &(struct gdb_stop){ .cpu = 0, .signal = 5 }, buf,
				   sizeof(buf));
	}
	/* Hc picks the thread old-style s steps */
	cmd("Hc2");
	CU_ASSERT_EQUAL(cmd("s"), GDB_CMD_RESUMED);
	CU_ASSERT_EQUAL(gdb_fake.actions[1], GDB_ACT_STEP);
	CU_ASSERT_EQUAL(gdb_fake.actions[0], GDB_ACT_STAY);
}

static void test_threads_and_stops(void)
{
	struct gdb_stop stop = { .cpu = 1, .kind = GDB_STOP_BREAK,
				 .signal = GDB_SIGTRAP, .addr = MEM_BASE + 0x100 };
	char buf[128];
	size_t len;

	setup();
	cmd("?");
	CU_ASSERT_STRING_EQUAL(r(), "T05thread:1;");
	cmd("qfThreadInfo");
	CU_ASSERT_STRING_EQUAL(r(), "m1,2");
	cmd("qsThreadInfo");
	CU_ASSERT_STRING_EQUAL(r(), "l");
	cmd("qAttached");
	CU_ASSERT_STRING_EQUAL(r(), "1");
	CU_ASSERT_STRING_EQUAL((cmd("T2"), r()), "OK");
	cmd("T3");
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("qThreadExtraInfo,2");
	CU_ASSERT_STRING_EQUAL(r(), "764350552031"); /* "vCPU 1" */
	cmd("qXfer:threads:read::0,1000");
	CU_ASSERT_PTR_NOT_NULL(strstr(r(), "<thread id=\"2\" name=\"vCPU 1\"/>"));
	/* a BRK that is not ours is a plain SIGTRAP */
	len = gdb_cmd_stop_reply(&s, &stop, buf, sizeof(buf));
	buf[len] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "T05thread:2;");
	cmd("Z0,ffff000000001100,4");
	len = gdb_cmd_stop_reply(&s, &stop, buf, sizeof(buf));
	buf[len] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "T05thread:2;swbreak:;");
	cmd("qC");
	CU_ASSERT_STRING_EQUAL(r(), "QC2");
	cmd("?");
	CU_ASSERT_STRING_EQUAL(r(), "T05thread:2;swbreak:;");
	/* registers now come from the stopped vCPU */
	cmd("p1");
	CU_ASSERT_STRING_EQUAL(r(), "0110000000000000");
	stop = (struct gdb_stop){ .cpu = 0, .kind = GDB_STOP_WATCH,
				  .signal = GDB_SIGTRAP, .addr = 0x1234,
				  .wtype = GDB_WP_ACCESS };
	len = gdb_cmd_stop_reply(&s, &stop, buf, sizeof(buf));
	buf[len] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "T05thread:1;awatch:1234;");
	stop = (struct gdb_stop){ .cpu = 0, .kind = GDB_STOP_HWBREAK, .signal = 5 };
	len = gdb_cmd_stop_reply(&s, &stop, buf, sizeof(buf));
	buf[len] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "T05thread:1;hwbreak:;");
	stop = (struct gdb_stop){ .cpu = 1, .signal = GDB_SIGBUS };
	len = gdb_cmd_stop_reply(&s, &stop, buf, sizeof(buf));
	buf[len] = '\0';
	CU_ASSERT_STRING_EQUAL(buf, "T0athread:2;");
}

static void test_monitor_and_misc(void)
{
	setup();
	cmd("qRcmd,696e666f206e697376"); /* "info nisv" */
	CU_ASSERT_STRING_EQUAL(r(), "72616e2027696e666f206e69737627" "0a");
	cmd("qRcmd,626164"); /* "bad": its output still reaches GDB */
	CU_ASSERT_STRING_EQUAL(r(), "72616e202762616427" "0a");
	cmd("qRcmd,7175696574"); /* "quiet": no output */
	CU_ASSERT_STRING_EQUAL(r(), "OK");
	cmd("qRcmd,6");
	CU_ASSERT_EQUAL(reply[0], 'E');
	cmd("qRcmd,zz");
	CU_ASSERT_EQUAL(reply[0], 'E');
	/* unknown packets get the empty reply */
	cmd("vMustReplyEmpty");
	CU_ASSERT_EQUAL(reply_len, 0);
	cmd("qTStatus");
	CU_ASSERT_EQUAL(reply_len, 0);
	cmd_len("", 0);
	CU_ASSERT_EQUAL(reply_len, 0);
	cmd("Hx1");
	CU_ASSERT_EQUAL(reply[0], 'E');
	CU_ASSERT_EQUAL(cmd("k"), GDB_CMD_KILLED);
	CU_ASSERT_EQUAL(gdb_fake.killed, 1);
	CU_ASSERT_EQUAL(cmd("vKill;1"), GDB_CMD_DETACHED);
	CU_ASSERT_STRING_EQUAL(r(), "OK");
}

/* bc and bs: back to the bookmark, a stop GDB re-reads, breakpoints kept. */
static void test_reverse(void)
{
	setup();
	CU_ASSERT_PTR_NOT_NULL((cmd("qSupported"), strstr(r(), "ReverseContinue+;ReverseStep+")));
	memcpy(gdb_fake.history_mem, gdb_fake.mem, sizeof(gdb_fake.mem));
	gdb_fake.history_mem[0x100] = 0x77; /* the instruction was another then */
	gdb_fake.history_regs[1].pc = 0x40000000;
	CU_ASSERT_STRING_EQUAL((cmd("Z0,ffff000000001100,4"), r()), "OK");
	CU_ASSERT_STRING_EQUAL((cmd("Z0,ffff000000001200,4"), r()), "OK");
	memcpy(gdb_fake.history_mem + 0x200, gdb_fake.mem + 0x200, 4); /* BRK then too */
	cmd("Hg2");
	s.last_stop.cpu = 1;
	CU_ASSERT_EQUAL(cmd("bc"), GDB_CMD_REPLY);
	CU_ASSERT_STRING_EQUAL(r(), "T05thread:2;replaylog:begin;");
	CU_ASSERT_STRING_EQUAL(s.console, "");
	CU_ASSERT_EQUAL(gdb_fake.rewinds, 1);
	CU_ASSERT_EQUAL(gdb_fake.regs[1].pc, 0x40000000);
	/* both breakpoints are in memory again, each over its instruction */
	CU_ASSERT_EQUAL(gdb_fake.mem[0x103], 0xd4);
	CU_ASSERT_EQUAL(gdb_fake.mem[0x203], 0xd4);
	cmd("mffff000000001100,4");
	CU_ASSERT_STRING_EQUAL(r(), "77010203");
	cmd("mffff000000001200,4");
	CU_ASSERT_STRING_EQUAL(r(), "00010203"); /* BRK at 0x200 then: the saved one kept */
	CU_ASSERT_STRING_EQUAL((cmd("z0,ffff000000001200,4"), r()), "OK");
	CU_ASSERT_EQUAL(gdb_fake.mem[0x203], 0x03);
	CU_ASSERT_EQUAL(cmd("bs"), GDB_CMD_REPLY);
	CU_ASSERT_STRING_EQUAL(r(), "T05thread:2;replaylog:begin;");
	CU_ASSERT_EQUAL(gdb_fake.rewinds, 2);
	/* no history: a stop where it was, and why on GDB's console */
	gdb_fake.rewind_fails = true;
	CU_ASSERT_EQUAL(cmd("bc"), GDB_CMD_REPLY);
	CU_ASSERT_STRING_EQUAL(r(), "T05thread:2;replaylog:begin;");
	CU_ASSERT_STRING_EQUAL(s.console, "a64vm: not rewound: no history\n");
	cmd("g");
	CU_ASSERT_STRING_EQUAL(s.console, "");
	/* anything else after b is unsupported */
	cmd("bx");
	CU_ASSERT_EQUAL(reply_len, 0);
	cmd("bcc");
	CU_ASSERT_EQUAL(reply_len, 0);
	CU_ASSERT_EQUAL(gdb_fake.resumes, 0);
}

const char unit_suite_name[] = "gdb_cmd";
const struct unit_test unit_tests[] = {
	{ "qSupported, no-ack mode, target.xml", test_supported_and_target_xml },
	{ "registers: g, G, p, P, Hg", test_registers },
	{ "SVE registers: z, p, ffr, vg", test_sve_registers },
	{ "SVE target description", test_sve_tdesc },
	{ "memory: m, M, X", test_memory },
	{ "software breakpoints", test_sw_breakpoints },
	{ "hardware breakpoints and watchpoints", test_hw_breakpoints },
	{ "c, s, C, vCont", test_resume },
	{ "threads and stop replies", test_threads_and_stops },
	{ "monitor, kill, unknown packets", test_monitor_and_misc },
	{ "reverse-continue and reverse-stepi: bc, bs", test_reverse },
	{ NULL, NULL },
};
