/* Each test file defines its suite's name and a NULL-terminated test table. */
#ifndef A64VM_TEST_UNIT_H
#define A64VM_TEST_UNIT_H

#include <CUnit/CUnit.h>

struct unit_test {
	const char *name;
	void (*fn)(void);
};

extern const char unit_suite_name[];
extern const struct unit_test unit_tests[];

#endif
