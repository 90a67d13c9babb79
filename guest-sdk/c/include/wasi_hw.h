/* Conveniences for wasi-hw apps in C, over the generated bindings (app.h,
 * guest-sdk/c/bindings): string literals, logging, time units, arguments,
 * error messages worded as the Rust SDK's, and the entry point.
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
#include "app_names.h"

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
    uint32_t n = 0;
    for (size_t i = 0; i < a->len; i++) {
        uint32_t digit = (uint32_t)a->ptr[i] - '0';
        if (digit > 9 || n > (UINT32_MAX - digit) / 10) return false;
        n = n * 10 + digit;
    }
    *out = n;
    return true;
}

/* A usage error, worded as the Rust SDK's `Error::usage`: `return
 * HW_USAGE("blinky [CYCLES]: CYCLES must be a whole number");`. */
#define HW_USAGE(literal) ("usage: " literal)

/* Error messages worded as the Rust SDK's (guest-sdk/src/error.rs):
 *
 *     [CONTEXT: ]INTERFACE[ CALL SUBJECT]: SPEC-ERROR
 *
 * with the spec's name of the error from app_names.h (generated with the
 * bindings): `wasi_hw_hal_gpio_error_code_name(e)` is "not-found", and
 * `wasi_hw_hal_i2c_error_code_name(&e)` "no-acknowledge(address)".
 *
 *     return hw_error_on("gpio open", "led", wasi_hw_hal_gpio_error_code_name(error));
 *         // gpio open "led": not-found
 *     return hw_error("gpio", wasi_hw_hal_gpio_error_code_name(error));
 *         // gpio: wrong-mode (a call on a pin: the SDK names the interface only)
 *     return hw_i2c_error("write", 0x50, "storage-bus", &error);
 *         // i2c write 0x50 on "storage-bus": no-acknowledge(address)
 *     return hw_error_context("writing the EEPROM page", hw_i2c_error(...));
 *         // writing the EEPROM page: i2c write 0x50 on ...
 *
 * The message is written into one buffer of HW_MESSAGE_SIZE bytes (what
 * does not fit is cut), in the app's data, not its heap: there is one
 * message, the last one made, which `run` returns. */
#ifndef HW_MESSAGE_SIZE
#define HW_MESSAGE_SIZE 128
#endif
static char hw_message[HW_MESSAGE_SIZE];
static size_t hw_message_len;

/* Appends `text` to the message. Not inlined: each part of a message is
 * then a call, the smallest code at each place an app fails. */
__attribute__((noinline)) static void hw_message_add(const char *text) {
    while (*text && hw_message_len < HW_MESSAGE_SIZE - 1) hw_message[hw_message_len++] = *text++;
    hw_message[hw_message_len] = 0;
}

/* `INTERFACE: ERROR`, for an error of a call on a resource. */
static inline const char *hw_error(const char *interface, const char *error) {
    hw_message_len = 0;
    hw_message_add(interface);
    hw_message_add(": ");
    hw_message_add(error);
    return hw_message;
}

/* `CALL "NAME": ERROR`, for an error of a call on a named thing. */
static inline const char *hw_error_on(const char *call, const char *name, const char *error) {
    hw_message_len = 0;
    hw_message_add(call);
    hw_message_add(" \"");
    hw_message_add(name);
    hw_message_add("\": ");
    hw_message_add(error);
    return hw_message;
}

/* `i2c OP 0xADDRESS on "BUS": ERROR`, for an error of a transfer (`read`,
 * `write`, `write-read`, `transaction`) to the 7-bit `address` (two hex
 * digits: `0x05`). */
static inline const char *hw_i2c_error(const char *op, uint8_t address, const char *bus,
                                       const wasi_hw_hal_i2c_error_code_t *error) {
    static const char digits[] = "0123456789abcdef";
    char hex[3] = {digits[address >> 4 & 15], digits[address & 15], 0};
    hw_message_len = 0;
    hw_message_add("i2c ");
    hw_message_add(op);
    hw_message_add(" 0x");
    hw_message_add(hex);
    hw_message_add(" on \"");
    hw_message_add(bus);
    hw_message_add("\": ");
    hw_message_add(wasi_hw_hal_i2c_error_code_name(error));
    return hw_message;
}

/* `WHAT: MESSAGE`: what the app was doing, in front of the message just
 * made (`message` is that message, as one of the calls above returned it,
 * or any other string, which replaces it). */
static inline const char *hw_error_context(const char *what, const char *message) {
    char rest[HW_MESSAGE_SIZE];
    size_t n = 0;
    while (message[n] && n < HW_MESSAGE_SIZE - 1) {
        rest[n] = message[n];
        n++;
    }
    rest[n] = 0;
    hw_message_len = 0;
    hw_message_add(what);
    hw_message_add(": ");
    hw_message_add(rest);
    return hw_message;
}

/* The app's entry point: `HW_APP(run)` exports the world's `run` and calls
 * `const char *run(const hw_args_t *args)`, which returns NULL for success
 * or an error message: a string literal, one that `hw_error` and its kin
 * made, or one from malloc() (the runtime frees it after the host has read
 * it, and leaves the others alone). */
#define HW_APP(run_fn)                                                          \
    bool exports_app_run(app_list_string_t *args, app_string_t *err) {          \
        const char *message = run_fn(args);                                     \
        if (!message) return true;                                              \
        *err = hw_str(message);                                                 \
        return false;                                                           \
    }

#endif
