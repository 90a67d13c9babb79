/* The runtime of a wasi-hw app in C: the heap, the canonical ABI's
 * cabi_realloc, and the few C library functions the
 * generated glue needs, for a freestanding build (no libc).
 *
 * The heap is HW_HEAP_SIZE bytes (default 1024) of the app's
 * zero-initialised data, so an app linked with a small stack and
 * --no-growable-memory needs exactly its stack, data and heap (the Rust
 * SDK's `fixed_heap!`, guest-sdk/README.md "Fixed memory"). Two allocators:
 *
 * - the default, a first-fit free list in address order, merged on every
 *   free, in units of 8 bytes: what the app frees is reused;
 * - -DHW_BUMP_ALLOCATOR: a bump allocator that never frees (the smallest
 *   code), for an app that allocates a bounded amount once.
 *
 * An allocation that does not fit traps. */
#include <stddef.h>
#include <stdint.h>

#include "stdlib.h"
#include "string.h"

#ifndef HW_HEAP_SIZE
#define HW_HEAP_SIZE 1024
#endif

#define UNIT 8u

static uint8_t heap[HW_HEAP_SIZE] __attribute__((aligned(UNIT)));

/* Whether `p` was given out by this heap (a static string was not). */
static int in_heap(const void *p) {
    return (const uint8_t *)p >= heap && (const uint8_t *)p < heap + sizeof heap;
}

static size_t units(size_t size) {
    return (size + UNIT - 1) & ~(size_t)(UNIT - 1);
}

#ifdef HW_BUMP_ALLOCATOR

static size_t used;

static void *heap_alloc(size_t size) {
    size = units(size ? size : 1);
    if (size > sizeof heap - used) abort();
    void *p = heap + used;
    used += size;
    return p;
}

static void heap_free(void *p, size_t size) {
    (void)p;
    (void)size;
}

#else

/* A free block: its size (a multiple of UNIT) and the next free block's
 * offset, or NONE. An allocated block holds nothing extra: every free is
 * told the size (the canonical ABI gives it; free() keeps it in a header). */
struct block {
    uint32_t size;
    uint32_t next;
};

#define NONE UINT32_MAX

static uint32_t first; /* the first free block; meaningful once ready */
static int ready;

static struct block *at(uint32_t offset) {
    return (struct block *)(heap + offset);
}

static void *heap_alloc(size_t size) {
    if (!ready) {
        ready = 1;
        at(0)->size = (uint32_t)(sizeof heap & ~(size_t)(UNIT - 1));
        at(0)->next = NONE;
        first = 0;
    }
    size = units(size ? size : 1);
    uint32_t prev = NONE;
    for (uint32_t b = first; b != NONE; prev = b, b = at(b)->next) {
        if (at(b)->size < size) continue;
        uint32_t next = at(b)->next;
        if (at(b)->size > size) {
            uint32_t rest = b + (uint32_t)size;
            at(rest)->size = at(b)->size - (uint32_t)size;
            at(rest)->next = next;
            next = rest;
        }
        if (prev == NONE) first = next; else at(prev)->next = next;
        return heap + b;
    }
    abort();
}

static void heap_free(void *p, size_t size) {
    uint32_t b = (uint32_t)((uint8_t *)p - heap);
    uint32_t s = (uint32_t)units(size ? size : 1);
    uint32_t prev = NONE, next = first;
    while (next != NONE && next < b) {
        prev = next;
        next = at(next)->next;
    }
    if (next != NONE && b + s == next) { /* merge with the block after */
        s += at(next)->size;
        next = at(next)->next;
    }
    if (prev != NONE && prev + at(prev)->size == b) { /* and before */
        at(prev)->size += s;
        at(prev)->next = next;
        return;
    }
    at(b)->size = s;
    at(b)->next = next;
    if (prev == NONE) first = b; else at(prev)->next = b;
}

#endif

/* malloc() and free() keep the size in 8 bytes before the block, since
 * free() is not told it. */
void *malloc(size_t size) {
    uint8_t *p = heap_alloc(size + UNIT);
    *(size_t *)p = size;
    return p + UNIT;
}

/* A pointer the heap did not give is left alone: the bindings' post-return
 * of `run` (cabi_post_run) frees the error string, which may be a string
 * literal (HW_APP in wasi_hw.h). */
void free(void *ptr) {
    if (!ptr || !in_heap(ptr)) return;
    uint8_t *p = (uint8_t *)ptr - UNIT;
    heap_free(p, *(size_t *)p + UNIT);
}

void *realloc(void *ptr, size_t size) {
    void *q = malloc(size);
    if (ptr) {
        size_t old = *(size_t *)((uint8_t *)ptr - UNIT);
        memcpy(q, ptr, old < size ? old : size);
        free(ptr);
    }
    return q;
}

/* The canonical ABI's allocator: the host calls it for the arguments of
 * `run` and for what an import returns (a string, a list). Such blocks are
 * freed by the generated glue with free(), so they carry malloc()'s header.
 * It replaces the weak one of the bindings (app.c). */
__attribute__((export_name("cabi_realloc")))
void *cabi_realloc(void *ptr, size_t old_size, size_t align, size_t new_size) {
    (void)old_size;
    if (new_size == 0) return (void *)align;
    if (align > UNIT) abort();
    return realloc(ptr, new_size);
}

_Noreturn void abort(void) {
    __builtin_trap();
}

void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    uint8_t *d = dst;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x - *y;
    }
    return 0;
}

size_t strlen(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return n;
}
