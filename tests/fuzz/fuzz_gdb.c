/*
 * GDB's remote protocol: the bytes a client sends, framed and unframed by
 * the reader, each packet handled by the command layer against the tests'
 * fake target (2 vCPUs, 64 KiB of memory) with the real hardware-debug
 * encoder.
 * Every reply must fit its buffer; nothing may hang (watchpoint lengths
 * once did).
 */
#include <string.h>

#include "a64vm/gdb_rsp.h"
#include "fuzz.h"
#include "gdb_fake_target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gdb_rsp_reader reader;
	static struct gdb_session s;
	static struct hw_debug hw;
	static char reply[GDB_RSP_MAX_PACKET + 1];
	size_t reply_len;

	memset(&gdb_fake, 0, sizeof(gdb_fake));
	gdb_fake.regs[0].vq = size && (data[0] & 1) ? 4 : 0; /* with SVE or not */
	hw_debug_init(&hw, 6, 4);
	gdb_fake.hw = &hw;
	gdb_session_init(&s, &gdb_fake_ops, NULL);
	gdb_rsp_reader_init(&reader);
	for (size_t i = 0; i < size; i++) {
		if (gdb_rsp_feed(&reader, data[i]) != GDB_RSP_PACKET)
			continue;
		reply_len = 0;
		gdb_cmd_handle(&s, (const char *)reader.payload, reader.len, reply, &reply_len);
		FUZZ_CHECK(reply_len <= GDB_RSP_MAX_PACKET);
	}
	return 0;
}
