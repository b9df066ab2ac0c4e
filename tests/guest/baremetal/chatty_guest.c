/*
 * For the console tests: prints numbered lines on the PL011 for ever, as
 * fast as the UART takes them, and ignores the power button.
 */
#include "guest.h"

void secondary_main(uint64_t cpu)
{
	(void)cpu;
}

int main(void);
int main(void)
{
	for (uint64_t n = 0;; n++) {
		puts_uart("CHATTY-GUEST line ");
		putdec(n);
		puts_uart("\n");
	}
	return 0;
}
