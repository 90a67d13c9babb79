/* The part of <string.h> that wit-bindgen's C glue and apps use, for a
 * freestanding app: guest-sdk/c/src/runtime.c defines these, a byte at a
 * time (small; an app's copies are short). */
#ifndef WASI_HW_STRING_H
#define WASI_HW_STRING_H
#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#endif
