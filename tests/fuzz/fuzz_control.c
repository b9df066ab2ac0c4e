/* The control socket's request parser: any line. */
#include <string.h>

#include "a64vm/control_proto.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control_request req;
	char err[128];

	memset(err, 0x7f, sizeof(err));
	if (!control_parse((const char *)data, size, &req, err, sizeof(err)))
		FUZZ_CHECK(control_cmd_name(req.cmd) != NULL);
	else
		FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	return 0;
}
