/* Conveniences for wasi-hw apps in C, over the generated bindings (app.h,
 * guest-sdk/c/bindings): string literals, logging, time units, arguments,
 * the names of errors as the spec spells them, and the entry point.
 *
 *     #include "wasi_hw.h"
 *
 *     static const char *run(const hw_args_t *args) {
 *         hw_log_info("hello");
 *         return NULL;               // ok; or an error message
 *     }
 *     HW_APP(run)
 *
 * See guest-sdk/c/README.md. */
#ifndef WASI_HW_H
#define WASI_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"

/* A string of the spec from a C string literal, without a copy:
 * `HW_STR("led")`. */
#define HW_STR(literal) ((app_string_t){(uint8_t *)(literal), sizeof(literal) - 1})

/* Durations, in the timer interface's nanoseconds. */
#define HW_NANOSECOND ((wasi_hw_hal_timer_duration_t)1)
#define HW_MICROSECOND (1000 * HW_NANOSECOND)
#define HW_MILLISECOND (1000 * HW_MICROSECOND)
#define HW_SECOND (1000 * HW_MILLISECOND)

/* The app's arguments, as the host gave them (without the app's name). */
typedef app_list_string_t hw_args_t;

/* A string of the spec from a C string (not copied). */
static inline app_string_t hw_str(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    return (app_string_t){(uint8_t *)s, n};
}

/* Logs `message` at `level` (WASI_HW_HAL_LOG_LEVEL_INFO, ...). */
static inline void hw_log(wasi_hw_hal_log_level_t level, const char *message) {
    app_string_t m = hw_str(message);
    wasi_hw_hal_log_log(level, &m);
}

static inline void hw_log_info(const char *message) {
    hw_log(WASI_HW_HAL_LOG_LEVEL_INFO, message);
}

/* A log line put together from text and numbers, as the Rust SDK's
 * `log::Line`, in a buffer of HW_LINE_SIZE bytes (what does not fit is cut):
 *
 *     hw_line_t line = {0};
 *     hw_line_text(&line, "tick ");
 *     hw_line_u64(&line, ticks);
 *     hw_line_log(&line, WASI_HW_HAL_LOG_LEVEL_INFO);
 */
#ifndef HW_LINE_SIZE
#define HW_LINE_SIZE 128
#endif
typedef struct hw_line_t {
    uint8_t bytes[HW_LINE_SIZE];
    size_t len;
} hw_line_t;

static inline void hw_line_text(hw_line_t *line, const char *text) {
    while (*text && line->len < HW_LINE_SIZE) line->bytes[line->len++] = (uint8_t)*text++;
}

static inline void hw_line_u64(hw_line_t *line, uint64_t n) {
    char digits[20];
    size_t count = 0;
    do {
        digits[count++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (count && line->len < HW_LINE_SIZE) line->bytes[line->len++] = (uint8_t)digits[--count];
}

static inline void hw_line_log(hw_line_t *line, wasi_hw_hal_log_level_t level) {
    app_string_t m = {line->bytes, line->len};
    wasi_hw_hal_log_log(level, &m);
}

/* Argument `index` as a whole number in `*out`, or `fallback` when there
 * is no such argument. False when it is there and not a whole number below
 * 2^32 (digits only). */
static inline bool hw_arg_u32(const hw_args_t *args, size_t index, uint32_t fallback,
                              uint32_t *out) {
    if (index >= args->len) {
        *out = fallback;
        return true;
    }
    const app_string_t *a = &args->ptr[index];
    if (a->len == 0) return false;
    uint64_t n = 0;
    for (size_t i = 0; i < a->len; i++) {
        uint8_t c = a->ptr[i];
        if (c < '0' || c > '9') return false;
        n = n * 10 + (c - '0');
        if (n > UINT32_MAX) return false;
    }
    *out = (uint32_t)n;
    return true;
}

/* A usage error, worded as the Rust SDK's `Error::usage`: `return
 * HW_USAGE("blinky [CYCLES]: CYCLES must be a whole number");`. */
#define HW_USAGE(literal) ("usage: " literal)

/* The spec's name of a GPIO error: "not-found", ... */
static inline const char *hw_gpio_error_name(wasi_hw_hal_gpio_error_code_t e) {
    static const char *const names[] = {"not-found",   "not-permitted", "busy", "unsupported",
                                        "wrong-mode",  "limit-reached", "other"};
    return e < sizeof names / sizeof names[0] ? names[e] : "other";
}

/* The app's entry point: `HW_APP(run)` exports the world's `run` and calls
 * `const char *run(const hw_args_t *args)`, which returns NULL for success
 * or an error message: a string literal, or one from malloc() (the runtime
 * frees it after the host has read it). */
#define HW_APP(run_fn)                                                          \
    bool exports_app_run(app_list_string_t *args, app_string_t *err) {          \
        const char *message = run_fn(args);                                     \
        if (!message) return true;                                              \
        *err = hw_str(message);                                                 \
        return false;                                                           \
    }

#endif
