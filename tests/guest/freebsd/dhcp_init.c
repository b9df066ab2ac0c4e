/*
 * /sbin/init of the FreeBSD network test: vtnet0 up, a DHCP exchange
 * (DISCOVER, OFFER, REQUEST, ACK) through BPF, as FreeBSD's dhclient does
 * it, then one line with the lease and a power-off:
 *   FREEBSD-DHCP-LEASE 10.0.2.15 mask 255.255.255.0 router 10.0.2.2 dns 10.0.2.3
 * or FREEBSD-DHCP-FAILED and why. The test root has no libc: FreeBSD's
 * system calls are made directly (svc #0, number in x8, the carry flag
 * set on an error, x0 then the errno), with numbers and ioctl requests
 * from FreeBSD 13.2's headers (sys/sys/syscall.h, net/bpf.h,
 * sys/sockio.h).
 *
 *   clang --target=aarch64-unknown-freebsd13 -nostdlib -static -ffreestanding
 *     -fno-stack-protector -O2 -fuse-ld=lld -Wl,-e,_start
 */
#define NR_EXIT 1
#define NR_READ 3
#define NR_WRITE 4
#define NR_OPEN 5
#define NR_DUP2 90
#define NR_IOCTL 54
#define NR_REBOOT 55
#define NR_SOCKET 97

#define O_RDWR 2
#define AF_INET 2
#define SOCK_DGRAM 2
#define IFF_UP 1
#define RB_HALT 0x8
#define RB_POWEROFF 0x4000

/* _IOW/_IOR/_IOWR: direction, parameter size, group, number */
#define IOC(dir, group, num, size) ((dir) | ((unsigned long)(size) << 16) | ((group) << 8) | (num))
#define IN 0x80000000ul
#define OUT 0x40000000ul
#define IFREQ_SIZE 32 /* a 16-byte name, a 16-byte union */
#define SIOCGIFFLAGS IOC(IN | OUT, 'i', 17, IFREQ_SIZE)
#define SIOCSIFFLAGS IOC(IN, 'i', 16, IFREQ_SIZE)
#define BIOCGBLEN IOC(OUT, 'B', 102, 4)
#define BIOCSETIF IOC(IN, 'B', 108, IFREQ_SIZE)
#define BIOCSRTIMEOUT IOC(IN, 'B', 109, 16)
#define BIOCIMMEDIATE IOC(IN, 'B', 112, 4)
#define TIOCDRAIN IOC(0x20000000ul, 't', 94, 0) /* _IO: waits until output is sent */

#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

/* a64vm's default MAC, which the test leaves as it is */
static const u8 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const u32 xid = 0x64a64a64;
static u8 frame[600], buf[65536];

static long sys(long nr, long a, long b, long c)
{
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x8 __asm__("x8") = nr;
	long failed;

	__asm__ volatile("svc #0\n\tcset %1, cs"
			 : "+r"(x0), "=r"(failed), "+r"(x1), "+r"(x2)
			 : "r"(x8)
			 : "memory", "cc", "x3", "x4", "x5", "x6", "x7", "x9", "x10", "x11",
			   "x12", "x13", "x14", "x15", "x16", "x17");
	return failed ? -x0 : x0;
}

/*
 * Output is gathered and written a line at a time, then drained: the
 * kernel's own messages (those of a power-off) go to the console
 * directly, and would cut into a line still queued in the tty.
 */
static char line[256];
static long line_len;

static void out(const char *s)
{
	while (*s && line_len < (long)sizeof(line) - 1)
		line[line_len++] = *s++;
}

static void out_line(void)
{
	line[line_len++] = '\n'; /* out() left room for it */
	sys(NR_WRITE, 1, (long)line, line_len);
	sys(NR_IOCTL, 1, (long)TIOCDRAIN, 0);
	line_len = 0;
}

static void out_num(unsigned long v)
{
	char d[24];
	int i = sizeof(d) - 1;

	d[i] = 0;
	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	out(d + i);
}

static void out_ip(const u8 *ip)
{
	for (int i = 0; i < 4; i++) {
		out_num(ip[i]);
		if (i < 3)
			out(".");
	}
}

static __attribute__((noreturn)) void finish(const char *why, long err)
{
	if (why) {
		out("FREEBSD-DHCP-FAILED ");
		out(why);
		out(" ");
		out_num((unsigned long)-err);
		out_line();
	}
	sys(NR_REBOOT, RB_POWEROFF | RB_HALT, 0, 0);
	for (;;)
		sys(NR_EXIT, 1, 0, 0);
}

static void copy(u8 *d, const void *s, int n)
{
	for (int i = 0; i < n; i++)
		d[i] = ((const u8 *)s)[i];
}

static void put16(u8 *p, u32 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

static void put32(u8 *p, u32 v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* An interface request naming vtnet0 (the rest zero). */
static void ifreq(u8 r[IFREQ_SIZE])
{
	for (int i = 0; i < IFREQ_SIZE; i++)
		r[i] = 0;
	copy(r, "vtnet0", 7);
}

/*
 * A broadcast DHCP message of type, from 0.0.0.0:68 to 255.255.255.255:67;
 * for a REQUEST, the offered address and the server's. Its length.
 */
static int dhcp_frame(u8 type, const u8 *want, const u8 *server)
{
	u8 *ip = frame + 14, *udp = ip + 20, *b = udp + 8, *o = b + 240;
	u32 sum = 0;
	int blen, i;

	for (i = 0; i < (int)sizeof(frame); i++)
		frame[i] = 0;
	for (i = 0; i < 6; i++)
		frame[i] = 0xff;
	copy(frame + 6, mac, 6);
	put16(frame + 12, 0x0800);
	b[0] = 1; /* BOOTREQUEST, Ethernet, 6-byte addresses */
	b[1] = 1;
	b[2] = 6;
	put32(b + 4, xid);
	put16(b + 10, 0x8000); /* answer by broadcast: no address yet */
	copy(b + 28, mac, 6);
	put32(b + 236, 0x63825363);
	*o++ = 53, *o++ = 1, *o++ = type;
	if (type == DHCP_REQUEST) {
		*o++ = 50, *o++ = 4, copy(o, want, 4), o += 4;
		*o++ = 54, *o++ = 4, copy(o, server, 4), o += 4;
	}
	*o++ = 55, *o++ = 3, *o++ = 1, *o++ = 3, *o++ = 6; /* mask, router, DNS */
	*o++ = 255;
	blen = (int)(o - b) < 300 ? 300 : (int)(o - b); /* BOOTP's minimum */
	put16(udp, 68);
	put16(udp + 2, 67);
	put16(udp + 4, (u32)(8 + blen));
	ip[0] = 0x45;
	put16(ip + 2, (u32)(20 + 8 + blen));
	ip[8] = 64;
	ip[9] = 17;
	put32(ip + 16, 0xffffffff);
	for (i = 0; i < 20; i += 2)
		sum += (u32)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, ~sum & 0xffff);
	return 14 + 20 + 8 + blen;
}

/* An option of the reply's, or 0. */
static const u8 *option(const u8 *opts, int len, u8 code, int want_len)
{
	for (int i = 0; i + 1 < len && opts[i] != 255;) {
		if (opts[i] == 0) {
			i++;
			continue;
		}
		if (opts[i] == code && opts[i + 1] >= want_len && i + 2 + opts[i + 1] <= len)
			return opts + i + 2;
		i += 2 + opts[i + 1];
	}
	return 0;
}

struct reply {
	u8 type, addr[4], server[4];
	const u8 *mask, *router, *dns;
};

/* A DHCP reply to us in one captured frame: 1, or 0. */
static int parse(const u8 *f, int len, struct reply *r)
{
	const u8 *ip = f + 14, *b, *t;
	int ihl;

	if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00 || ip[9] != 17)
		return 0;
	ihl = (ip[0] & 15) * 4;
	b = ip + ihl + 8;
	if (len < 14 + ihl + 8 + 240 || ip[ihl + 2] != 0 || ip[ihl + 3] != 68 || b[0] != 2 ||
	    get32(b + 4) != xid || get32(b + 236) != 0x63825363)
		return 0;
	t = option(b + 240, len - (int)(b + 240 - f), 53, 1);
	if (!t)
		return 0;
	r->type = *t;
	copy(r->addr, b + 16, 4);
	t = option(b + 240, len - (int)(b + 240 - f), 54, 4);
	copy(r->server, t ? t : b + 20, 4);
	r->mask = option(b + 240, len - (int)(b + 240 - f), 1, 4);
	r->router = option(b + 240, len - (int)(b + 240 - f), 3, 4);
	r->dns = option(b + 240, len - (int)(b + 240 - f), 6, 4);
	return 1;
}

/* A reply of want among the frames one read of bpf gave: 1, or 0. */
static int find_reply(long n, u8 want, struct reply *r)
{
	for (long at = 0; at + 26 <= n;) {
		u32 caplen = (u32)buf[at + 16] | (u32)buf[at + 17] << 8 |
			     (u32)buf[at + 18] << 16 | (u32)buf[at + 19] << 24;
		u32 hdrlen = (u32)buf[at + 24] | (u32)buf[at + 25] << 8;

		if ((unsigned long)at + hdrlen + caplen > (unsigned long)n)
			break;
		if (parse(buf + at + hdrlen, (int)caplen, r) && r->type == want)
			return 1;
		at += (hdrlen + caplen + 7) & ~7ul; /* BPF_WORDALIGN */
	}
	return 0;
}

/*
 * Sends type and reads until a reply of want comes (1), or a read waits
 * its second for nothing (0). bpf shows our own frames too: read on.
 */
static int exchange(long bpf, long blen, u8 type, u8 want, struct reply *r, const u8 *a,
		    const u8 *s)
{
	long n = sys(NR_WRITE, bpf, (long)frame, dhcp_frame(type, a, s));

	if (n < 0)
		finish("writing to bpf", n);
	for (int reads = 0; reads < 64; reads++) {
		n = sys(NR_READ, bpf, (long)buf, blen);
		if (n <= 0)
			return 0;
		if (find_reply(n, want, r))
			return 1;
	}
	return 0;
}

__attribute__((noreturn, used)) void start_c(void)
{
	u8 req[IFREQ_SIZE];
	long console = sys(NR_OPEN, (long)"/dev/console", O_RDWR, 0), s, bpf, ret;
	unsigned blen = 0, on = 1;
	long timeout[2] = { 1, 0 }; /* a read waits a second at most */
	struct reply offer, ack;
	int tries;

	if (console < 0)
		sys(NR_EXIT, 100, 0, 0);
	sys(NR_DUP2, console, 1, 0);
	out("FREEBSD-DHCP-START vtnet0");
	out_line();
	s = sys(NR_SOCKET, AF_INET, SOCK_DGRAM, 0);
	ifreq(req);
	if (s < 0 || (ret = sys(NR_IOCTL, s, (long)SIOCGIFFLAGS, (long)req)) < 0)
		finish("no vtnet0", s < 0 ? s : ret);
	req[16] |= IFF_UP;
	if ((ret = sys(NR_IOCTL, s, (long)SIOCSIFFLAGS, (long)req)) < 0)
		finish("vtnet0 up", ret);
	bpf = sys(NR_OPEN, (long)"/dev/bpf", O_RDWR, 0);
	if (bpf < 0)
		finish("open /dev/bpf", bpf);
	ifreq(req);
	if ((ret = sys(NR_IOCTL, bpf, (long)BIOCSETIF, (long)req)) < 0 ||
	    (ret = sys(NR_IOCTL, bpf, (long)BIOCIMMEDIATE, (long)&on)) < 0 ||
	    (ret = sys(NR_IOCTL, bpf, (long)BIOCSRTIMEOUT, (long)timeout)) < 0 ||
	    (ret = sys(NR_IOCTL, bpf, (long)BIOCGBLEN, (long)&blen)) < 0)
		finish("bpf setup", ret);
	if (blen > sizeof(buf))
		finish("bpf buffer too large", -(long)blen);
	for (tries = 0; tries < 20; tries++)
		if (exchange(bpf, blen, DHCP_DISCOVER, DHCP_OFFER, &offer, 0, 0))
			break;
	if (tries == 20)
		finish("no offer in 20 tries", 0);
	out("FREEBSD-DHCP-OFFER ");
	out_ip(offer.addr);
	out_line();
	for (tries = 0; tries < 20; tries++)
		if (exchange(bpf, blen, DHCP_REQUEST, DHCP_ACK, &ack, offer.addr, offer.server))
			break;
	if (tries == 20)
		finish("no ack in 20 tries", 0);
	out("FREEBSD-DHCP-LEASE ");
	out_ip(ack.addr);
	if (ack.mask)
		out(" mask "), out_ip(ack.mask);
	if (ack.router)
		out(" router "), out_ip(ack.router);
	if (ack.dns)
		out(" dns "), out_ip(ack.dns);
	out_line();
	finish(0, 0);
}

/* The kernel starts init with the stack aligned; the ABI note makes it a FreeBSD binary. */
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	bl start_c\n"
	".section .note.tag,\"a\",%note\n"
	".p2align 2\n"
	".long 8, 4, 1\n"
	".asciz \"FreeBSD\"\n"
	".long 1302001\n"
	".text\n");
