/*
 * The control socket (--control PATH): a UNIX socket, mode 0600, served by
 * the main loop, speaking the JSON lines of control_proto.h.
 */
#ifndef A64VM_CONTROL_H
#define A64VM_CONTROL_H

struct vm;
struct event_loop;
struct control;

int control_open(const char *path, struct vm *vm, struct event_loop *loop,
		 struct control **out);
void control_close(struct control *ctl);

/* a64vm ctl PATH COMMAND [addr=N len=N]: prints the reply; exit status. */
int control_client_main(int argc, char **argv);

#endif
