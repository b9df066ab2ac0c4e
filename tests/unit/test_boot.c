#include "unit.h"
const char unit_suite_name[] = "boot";
const struct unit_test unit_tests[] = { { NULL, NULL } };
