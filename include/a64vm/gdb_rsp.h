/*
 * The GDB remote serial protocol's framing ("Overview" and "Packets" in
 * GDB's manual, appendix E): $payload#cs packets, +/- acknowledgements,
 * '}' escapes, run-length encoding and Ctrl-C. Pure: bytes in, events out.
 */
#ifndef A64VM_GDB_RSP_H
#define A64VM_GDB_RSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_RSP_MAX_PACKET 32768 /* what qSupported advertises as PacketSize */

enum gdb_rsp_event {
	GDB_RSP_NONE,	    /* need more bytes */
	GDB_RSP_PACKET,	    /* a whole, valid packet: payload in the reader */
	GDB_RSP_BAD_PACKET, /* checksum, escape or run-length error: NAK it */
	GDB_RSP_OVERFLOW,   /* longer than GDB_RSP_MAX_PACKET: NAK it */
	GDB_RSP_INTERRUPT,  /* Ctrl-C (0x03) between packets */
	GDB_RSP_ACK,	    /* '+' */
	GDB_RSP_NAK,	    /* '-': resend the last packet */
};

struct gdb_rsp_reader {
	int state;
	uint8_t sum;	  /* running checksum of the bytes as sent */
	uint8_t given;	  /* the checksum the packet carries */
	bool overflow;
	bool bad;
	size_t len;
	uint8_t payload[GDB_RSP_MAX_PACKET + 1]; /* decoded, NUL-terminated */
};

void gdb_rsp_reader_init(struct gdb_rsp_reader *r);

/* Feeds one received byte. */
enum gdb_rsp_event gdb_rsp_feed(struct gdb_rsp_reader *r, uint8_t byte);

/*
 * Frames payload as $...#cs with '#', '$', '}' and '*' escaped. Returns
 * the framed length, or 0 when it does not fit in cap.
 */
size_t gdb_rsp_frame(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

/* Hex helpers: return the bytes or digits written, or -1 on bad input. */
long gdb_hex_to_bytes(const char *hex, size_t digits, uint8_t *out, size_t cap);
size_t gdb_bytes_to_hex(const uint8_t *bytes, size_t len, char *out, size_t cap);
/* A big-endian hex number of at most 16 digits, as addresses are written. */
bool gdb_hex_to_u64(const char *hex, size_t digits, uint64_t *out);

#endif
