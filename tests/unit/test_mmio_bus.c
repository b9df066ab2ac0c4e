#include "unit.h"
const char unit_suite_name[] = "mmio_bus";
const struct unit_test unit_tests[] = { { NULL, NULL } };
