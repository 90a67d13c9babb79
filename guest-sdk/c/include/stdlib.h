/* The part of <stdlib.h> that wit-bindgen's C glue uses, for a freestanding
 * app: guest-sdk/c/src/runtime.c defines these over the app's heap. */
#ifndef WASI_HW_STDLIB_H
#define WASI_HW_STDLIB_H
#include <stddef.h>

void *malloc(size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
/* Traps (`unreachable`): the host reports the app trapped. */
_Noreturn void abort(void);

#endif
