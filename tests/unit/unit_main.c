#include <CUnit/Basic.h>
#include <stdio.h>

#include "unit.h"

int main(void)
{
	CU_pSuite suite;
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite = CU_add_suite(unit_suite_name, NULL, NULL);
	if (!suite)
		return 2;
	for (const struct unit_test *t = unit_tests; t->name; t++)
		if (!CU_add_test(suite, t->name, t->fn))
			return 2;
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0)
		failed = 1; /* a suite that ran nothing proves nothing */
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
