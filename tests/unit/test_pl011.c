#include "unit.h"
const char unit_suite_name[] = "pl011";
const struct unit_test unit_tests[] = { { NULL, NULL } };
