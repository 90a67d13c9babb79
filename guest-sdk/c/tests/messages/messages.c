/* wasi_hw.h's error messages (worded as the Rust SDK's, with the spec's
 * names from the generated app_names.h) and hw_arg_u32, tested from inside
 * an app (run by `cargo xtask c` on the reference host). Each check that
 * fails returns its own message; all passing logs one line. */
#include "wasi_hw.h"
#include "string.h"

#define CHECK(cond, message) \
    do {                     \
        if (!(cond)) return "messages: " message; \
    } while (0)

static bool same(const char *a, const char *b) {
    return strlen(a) == strlen(b) && memcmp(a, b, strlen(a)) == 0;
}

/* hw_arg_u32 of one argument `text`. */
static bool arg(const char *text, uint32_t *out) {
    app_string_t a = hw_str(text);
    hw_args_t args = {&a, 1};
    return hw_arg_u32(&args, 0, 7, out);
}

static const char *run(const hw_args_t *args) {
    CHECK(same(hw_error_on("gpio open", "led",
                           wasi_hw_hal_gpio_error_code_name(WASI_HW_HAL_GPIO_ERROR_CODE_NOT_FOUND)),
               "gpio open \"led\": not-found"),
          "hw_error_on");
    CHECK(same(hw_error("gpio", wasi_hw_hal_gpio_error_code_name(
                                    WASI_HW_HAL_GPIO_ERROR_CODE_WRONG_MODE)),
               "gpio: wrong-mode"),
          "hw_error");
    CHECK(same(wasi_hw_hal_gpio_error_code_name(7), "?"), "a GPIO error past the last");
    CHECK(same(wasi_hw_hal_timer_error_code_name(WASI_HW_HAL_TIMER_ERROR_CODE_LIMIT_REACHED),
               "limit-reached"),
          "the timer's names");
    wasi_hw_hal_i2c_error_code_t nack = {
        .tag = WASI_HW_HAL_I2C_ERROR_CODE_NO_ACKNOWLEDGE,
        .val.no_acknowledge = WASI_HW_HAL_I2C_NO_ACKNOWLEDGE_SOURCE_DATA,
    };
    CHECK(same(hw_i2c_error("write-read", 0x05, "sensor-bus", &nack),
               "i2c write-read 0x05 on \"sensor-bus\": no-acknowledge(data)"),
          "hw_i2c_error, a low address");
    wasi_hw_hal_i2c_error_code_t timeout = {.tag = WASI_HW_HAL_I2C_ERROR_CODE_TIMEOUT};
    CHECK(same(hw_error_context("reading the BME280",
                                hw_i2c_error("write", 0x76, "sensor-bus", &timeout)),
               "reading the BME280: i2c write 0x76 on \"sensor-bus\": timeout"),
          "hw_error_context");
    wasi_hw_hal_i2c_error_code_t unknown = {.tag = 42};
    CHECK(same(wasi_hw_hal_i2c_error_code_name(&unknown), "?"), "an I2C error past the last");
    /* 30 x 10 bytes: cut at HW_MESSAGE_SIZE - 1 (127) bytes. */
    const char *ten = "0123456789";
    const char *cut = hw_error_context(ten, ten);
    for (int i = 0; i < 29; i++) cut = hw_error_context(ten, cut);
    CHECK(strlen(cut) == HW_MESSAGE_SIZE - 1, "a long message is not cut at 127 bytes");

    uint32_t n;
    CHECK(arg("4294967295", &n) && n == 4294967295u, "the largest u32");
    CHECK(!arg("4294967296", &n), "one past the largest u32");
    CHECK(!arg("99999999999", &n), "a number far too large");
    CHECK(!arg("", &n) && !arg("12a", &n) && !arg("-1", &n) && !arg(" 1", &n),
          "not a whole number");
    CHECK(arg("007", &n) && n == 7, "leading zeros");
    hw_args_t none = {NULL, 0};
    CHECK(hw_arg_u32(&none, 0, 5, &n) && n == 5, "the fallback");
    (void)args;
    hw_log_info("messages: as the Rust SDK words them; arguments parsed to the last u32");
    return NULL;
}

HW_APP(run)
