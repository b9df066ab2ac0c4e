/* The ELF loader's checks: a good executable, and headers that lie. */
#include <elf.h>
#include <string.h>

#include "a64vm/boot_elf.h"
#include "unit.h"

static uint8_t buf[4096];
static char err[160];

/* An AArch64 executable with nseg PT_LOAD headers right after its header. */
static Elf64_Phdr *build(unsigned nseg)
{
	Elf64_Ehdr h = {
		.e_type = ET_EXEC, .e_machine = EM_AARCH64, .e_version = EV_CURRENT,
		.e_entry = 0x40080000, .e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (uint16_t)nseg,
	};
	Elf64_Phdr *p = (Elf64_Phdr *)(buf + sizeof(h));

	memset(buf, 0, sizeof(buf));
	memcpy(h.e_ident, ELFMAG, SELFMAG);
	h.e_ident[EI_CLASS] = ELFCLASS64;
	h.e_ident[EI_DATA] = ELFDATA2LSB;
	h.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(buf, &h, sizeof(h));
	for (unsigned i = 0; i < nseg; i++)
		p[i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0x800,
				     .p_paddr = 0x40080000 + 0x10000ull * i,
				     .p_filesz = 0x100, .p_memsz = 0x1000 };
	return p;
}

static Elf64_Ehdr *header(void)
{
	return (Elf64_Ehdr *)buf;
}

static int parse(size_t len, struct boot_elf *e)
{
	return boot_elf_parse(buf, len, e, err, sizeof(err));
}

static void test_good(void)
{
	struct boot_elf e;
	Elf64_Phdr *p = build(3);

	p[1].p_type = PT_NOTE; /* not loaded */
	CU_ASSERT_EQUAL_FATAL(parse(sizeof(buf), &e), 0);
	CU_ASSERT_EQUAL(e.entry, 0x40080000);
	CU_ASSERT_EQUAL(e.nsegments, 2);
	CU_ASSERT_EQUAL(e.segments[1].paddr, 0x400a0000);
	CU_ASSERT_EQUAL(e.segments[1].filesz, 0x100);
	CU_ASSERT_EQUAL(e.segments[1].memsz, 0x1000);
	CU_ASSERT_TRUE(boot_elf_is_elf(buf, 4));
	CU_ASSERT_FALSE(boot_elf_is_elf((const uint8_t *)"MZ\0\0", 4));
}

static void test_hostile_headers(void)
{
	struct boot_elf e;

	build(1);
	CU_ASSERT_EQUAL(parse(40, &e), -EINVAL); /* truncated header */
	CU_ASSERT_EQUAL(parse(3, &e), -EINVAL);
	build(1);
	header()->e_ident[EI_CLASS] = ELFCLASS32;
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(1);
	header()->e_ident[EI_DATA] = ELFDATA2MSB;
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(1);
	header()->e_machine = EM_X86_64;
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(1);
	header()->e_type = ET_REL;
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(1);
	header()->e_phentsize = 32;
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(1);
	header()->e_phoff = UINT64_MAX - 8; /* program headers wrap */
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(1);
	header()->e_phnum = 0xffff; /* more headers than the file holds */
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	build(0);
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL); /* nothing to load */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nothing to load"));
	build(BOOT_ELF_MAX_SEGMENTS + 1);
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
}

static void test_hostile_segments(void)
{
	struct boot_elf e;
	Elf64_Phdr *p;

	p = build(1);
	p->p_offset = sizeof(buf) - 0x80; /* runs past the end: truncated */
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated"));
	p = build(1);
	p->p_offset = UINT64_MAX - 0x10; /* offset + size wraps */
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	p = build(1);
	p->p_filesz = 0x2000; /* more file than memory */
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	p = build(1);
	p->p_paddr = UINT64_MAX - 0x100; /* wraps the address space */
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	p = build(1);
	p->p_memsz = 0; /* empty: skipped, and then nothing is left */
	p->p_filesz = 0;
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
}

static void test_os_programs(void)
{
	struct boot_elf e;
	Elf64_Phdr *p = build(2);
	Elf64_Nhdr note = { .n_namesz = 4, .n_descsz = 16, .n_type = NT_GNU_ABI_TAG };

	/* a Linux program: GNU's ABI tag in a note segment */
	memcpy(buf + 0x400, &note, sizeof(note));
	memcpy(buf + 0x400 + sizeof(note), "GNU", 4);
	p[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x400,
			     .p_filesz = sizeof(note) + 4 + 16 };
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "operating system"));
	/* a build-ID note is fine; so is a note that runs off its segment */
	note.n_type = NT_GNU_BUILD_ID;
	memcpy(buf + 0x400, &note, sizeof(note));
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), 0);
	note = (Elf64_Nhdr){ .n_namesz = 0xfffffff0u, .n_type = NT_GNU_ABI_TAG };
	memcpy(buf + 0x400, &note, sizeof(note));
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), 0);
	/* a dynamically linked one */
	p[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_offset = 0x400, .p_filesz = 8 };
	CU_ASSERT_EQUAL(parse(sizeof(buf), &e), -EINVAL);
}

const char unit_suite_name[] = "boot_elf";
const struct unit_test unit_tests[] = {
	{ "a well-formed executable", test_good },
	{ "hostile ELF headers", test_hostile_headers },
	{ "hostile program headers", test_hostile_segments },
	{ "programs for an operating system", test_os_programs },
	{ NULL, NULL },
};
