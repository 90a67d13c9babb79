/* The runtime's free-list heap, tested from inside an app (run by `cargo
 * xtask c` on the reference host): blocks are carved in order, what is
 * freed is reused, neighbours merge, the whole heap comes back, realloc
 * keeps the bytes, free of a pointer the heap did not give does nothing,
 * and an allocation that does not fit traps. Each check that fails returns
 * its own message; all passing logs one line.
 *
 * Arguments: none, or `overflow`, which asks for more than the heap has
 * (the app must trap). */
#include "wasi_hw.h"
#include "stdlib.h"
#include "string.h"

#define CHECK(cond, message) \
    do {                     \
        if (!(cond)) return "heap: " message; \
    } while (0)

static const char *run(const hw_args_t *args) {
    if (args->len == 1) {
        /* HEAP is 256 in the Makefile. */
        (void)malloc(300);
        return "heap: an allocation larger than the heap returned";
    }
    uint8_t *a = malloc(3), *b = malloc(8), *c = malloc(20);
    CHECK(a && b && c, "an allocation failed");
    /* Each block has an 8-byte header; a: 3 -> 16, b: 8 -> 16. */
    CHECK(b - a == 16 && c - b == 16, "blocks are not carved in order, 16 bytes apart");
    CHECK(((uintptr_t)a & 7) == 0 && ((uintptr_t)c & 7) == 0, "a block is not aligned to 8");
    free(b);
    uint8_t *d = malloc(8);
    CHECK(d == b, "a freed block is not reused first");
    free(a);
    free(d);
    /* a and d (b's place) merged: a 17-byte block fits where they were. */
    uint8_t *e = malloc(17);
    CHECK(e == a, "freed neighbours did not merge");
    free(e);
    free(c);
    /* Everything back: the whole heap (256 bytes) is one block again. */
    uint8_t *all = malloc(256 - 8);
    CHECK(all == a, "the heap did not come back whole");
    free(all);
    uint8_t *r = malloc(4);
    memcpy(r, "abcd", 4);
    r = realloc(r, 40);
    CHECK(memcmp(r, "abcd", 4) == 0, "realloc lost the bytes");
    free(r);
    free((void *)"a literal");
    uint8_t *again = malloc(256 - 8);
    CHECK(again == a, "free of a literal changed the heap");
    free(again);
    hw_log_info("heap: carved, reused, merged, whole again, realloc kept, literal left alone");
    return NULL;
}

HW_APP(run)
