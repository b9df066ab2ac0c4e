#include "a64vm/boot_elf.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "a64vm/errmsg.h"

bool boot_elf_is_elf(const uint8_t *buf, size_t len)
{
	return len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG);
}

/* [off, off + size) inside a buffer of len bytes, without wrapping. */
static bool inside(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int check_header(const Elf64_Ehdr *h, size_t len, char *err, size_t errlen)
{
	if (h->e_ident[EI_CLASS] != ELFCLASS64)
		return errmsg(err, errlen, "not a 64-bit ELF file");
	if (h->e_ident[EI_DATA] != ELFDATA2LSB)
		return errmsg(err, errlen, "not a little-endian ELF file");
	if (h->e_machine != EM_AARCH64)
		return errmsg(err, errlen, "an ELF file for machine %u, not AArch64",
			    h->e_machine);
	if (h->e_type != ET_EXEC && h->e_type != ET_DYN)
		return errmsg(err, errlen, "an ELF file that is not an executable");
	if (h->e_phentsize != sizeof(Elf64_Phdr))
		return errmsg(err, errlen, "ELF program headers of %u bytes", h->e_phentsize);
	if (!inside(h->e_phoff, (uint64_t)h->e_phnum * sizeof(Elf64_Phdr), len))
		return errmsg(err, errlen, "ELF program headers past the end of the file");
	return 0;
}

/* Whether a PT_NOTE segment holds GNU's ABI tag: a program built for an OS. */
static bool has_abi_tag(const uint8_t *buf, size_t len, const Elf64_Phdr *p)
{
	uint64_t off = p->p_offset, end;

	if (!inside(p->p_offset, p->p_filesz, len))
		return false;
	end = p->p_offset + p->p_filesz;
	while (end - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr n;
		uint64_t name = off + sizeof(n), next;

		memcpy(&n, buf + off, sizeof(n));
		next = name + ((n.n_namesz + 3ull) & ~3ull) + ((n.n_descsz + 3ull) & ~3ull);
		if (next > end)
			return false;
		if (n.n_type == NT_GNU_ABI_TAG && n.n_namesz == 4 &&
		    !memcmp(buf + name, "GNU", 4))
			return true;
		off = next;
	}
	return false;
}

int boot_elf_parse(const uint8_t *buf, size_t len, struct boot_elf *out,
		   char *err, size_t errlen)
{
	Elf64_Ehdr h;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!boot_elf_is_elf(buf, len) || len < sizeof(h))
		return errmsg(err, errlen, "a truncated ELF header");
	memcpy(&h, buf, sizeof(h));
	ret = check_header(&h, len, err, errlen);
	if (ret)
		return ret;
	for (unsigned i = 0; i < h.e_phnum; i++) {
		Elf64_Phdr p;
		struct boot_elf_segment *s;

		memcpy(&p, buf + h.e_phoff + i * sizeof(p), sizeof(p));
		/* A program for an operating system is nothing a VM boots. */
		if (p.p_type == PT_INTERP || (p.p_type == PT_NOTE && has_abi_tag(buf, len, &p)))
			return errmsg(err, errlen, "an ELF program built for an operating "
				    "system, not a kernel or bare-metal image");
		if (p.p_type != PT_LOAD || !p.p_memsz)
			continue;
		if (out->nsegments == BOOT_ELF_MAX_SEGMENTS)
			return errmsg(err, errlen, "more than %d loadable ELF segments",
				    BOOT_ELF_MAX_SEGMENTS);
		if (p.p_filesz > p.p_memsz)
			return errmsg(err, errlen, "ELF segment %u: more file than memory", i);
		if (!inside(p.p_offset, p.p_filesz, len))
			return errmsg(err, errlen, "ELF segment %u: past the end of the file "
				    "(truncated?)", i);
		if (p.p_paddr + p.p_memsz < p.p_paddr)
			return errmsg(err, errlen, "ELF segment %u wraps around the address "
				    "space", i);
		s = &out->segments[out->nsegments++];
		*s = (struct boot_elf_segment){ .paddr = p.p_paddr, .offset = p.p_offset,
						.filesz = p.p_filesz, .memsz = p.p_memsz };
	}
	if (!out->nsegments)
		return errmsg(err, errlen, "an ELF file with nothing to load");
	out->entry = h.e_entry;
	return 0;
}
