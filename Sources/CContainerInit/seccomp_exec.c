// placeholder: filled in by the runtime work (see container_init.h)
#include "container_init.h"
#include <stdio.h>
int pilot_seccomp_exec_main(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "pilot: __seccomp-exec not built yet\n"); return 70; }
int pilot_container_init_main(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "pilot: __container-init not built yet\n"); return 70; }
