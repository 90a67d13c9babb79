/* A part of the conformance suite's test guest, in C: the cases below,
 * one or more per interface with their error paths, making the same calls
 * in the same order as the Rust guest (conformance/guests/cases), so that
 * on the reference host each prints the Rust case's trace. Its argument
 * names the case; `cargo xtask c` runs each and compares.
 *
 * Built with the C SDK (guest-sdk/c): `make` here. */
#include "wasi_hw.h"
#include "string.h"

#define MS HW_MILLISECOND
#define CHECK(cond, message) \
    do {                     \
        if (!(cond)) return "case failed: " message; \
    } while (0)

static bool is(const app_string_t *a, const char *b) {
    size_t n = strlen(b);
    return a->len == n && memcmp(a->ptr, b, n) == 0;
}

typedef wasi_hw_hal_gpio_config_t config_t;
static const config_t INPUT = {.mode = WASI_HW_HAL_GPIO_MODE_INPUT};
static const config_t OUTPUT = {.mode = WASI_HW_HAL_GPIO_MODE_PUSH_PULL_OUTPUT};

/* gpio.open of `name` with `config`: false and the error, or true and the
 * pin in `*pin`. */
static bool gpio_open(const char *name, config_t config, wasi_hw_hal_gpio_own_pin_t *pin,
                      wasi_hw_hal_gpio_error_code_t *error) {
    app_string_t n = hw_str(name);
    return wasi_hw_hal_gpio_open(&n, &config, pin, error);
}

static const char *gpio_open_not_found(void) {
    wasi_hw_hal_gpio_own_pin_t pin;
    wasi_hw_hal_gpio_error_code_t error;
    CHECK(!gpio_open("nope", INPUT, &pin, &error), "the pin opened");
    CHECK(error == WASI_HW_HAL_GPIO_ERROR_CODE_NOT_FOUND, "not not-found");
    return NULL;
}

static const char *gpio_open_busy(void) {
    wasi_hw_hal_gpio_own_pin_t out, again;
    wasi_hw_hal_gpio_error_code_t error;
    CHECK(gpio_open("out", OUTPUT, &out, &error), "out did not open");
    CHECK(!gpio_open("out", OUTPUT, &again, &error), "out opened twice");
    CHECK(error == WASI_HW_HAL_GPIO_ERROR_CODE_BUSY, "not busy");
    wasi_hw_hal_gpio_pin_drop_own(out);
    return NULL;
}

static const char *gpio_toggle(void) {
    wasi_hw_hal_gpio_own_pin_t out;
    wasi_hw_hal_gpio_error_code_t error;
    bool high;
    CHECK(gpio_open("out", OUTPUT, &out, &error), "out did not open");
    wasi_hw_hal_gpio_borrow_pin_t pin = wasi_hw_hal_gpio_borrow_pin(out);
    CHECK(wasi_hw_hal_gpio_method_pin_toggle(pin, &error), "toggle failed");
    CHECK(wasi_hw_hal_gpio_method_pin_is_set_high(pin, &high, &error) && high,
          "not set high after one toggle");
    CHECK(wasi_hw_hal_gpio_method_pin_toggle(pin, &error), "toggle failed");
    CHECK(wasi_hw_hal_gpio_method_pin_is_set_high(pin, &high, &error) && !high,
          "set high after two toggles");
    wasi_hw_hal_gpio_pin_drop_own(out);
    return NULL;
}

static const char *i2c_open_errors(void) {
    wasi_hw_hal_i2c_own_bus_t bus;
    wasi_hw_hal_i2c_error_code_t error;
    app_string_t name = HW_STR("nope");
    CHECK(!wasi_hw_hal_i2c_open(&name, &bus, &error), "nope opened");
    CHECK(error.tag == WASI_HW_HAL_I2C_ERROR_CODE_NOT_FOUND, "not not-found");
    name = HW_STR("secret-bus");
    CHECK(!wasi_hw_hal_i2c_open(&name, &bus, &error), "secret-bus opened");
    CHECK(error.tag == WASI_HW_HAL_I2C_ERROR_CODE_NOT_PERMITTED, "not not-permitted");
    return NULL;
}

static const char *i2c_write_read(void) {
    wasi_hw_hal_i2c_own_bus_t bus;
    wasi_hw_hal_i2c_error_code_t error;
    app_string_t name = HW_STR("bus");
    CHECK(wasi_hw_hal_i2c_open(&name, &bus, &error), "bus did not open");
    wasi_hw_hal_i2c_address_t address = {.tag = WASI_HW_HAL_I2C_ADDRESS_SEVEN_BIT};
    address.val.seven_bit = 0x76;
    uint8_t chip_id_register = 0xD0;
    app_list_u8_t out = {&chip_id_register, 1}, in;
    CHECK(wasi_hw_hal_i2c_method_bus_write_read(wasi_hw_hal_i2c_borrow_bus(bus), &address, &out,
                                                 1, &in, &error),
          "write-read failed");
    bool chip_id = in.len == 1 && in.ptr[0] == 0x60;
    app_list_u8_free(&in);
    wasi_hw_hal_i2c_bus_drop_own(bus);
    CHECK(chip_id, "the chip id is not [0x60]");
    return NULL;
}

static const char *sensor_open_errors(void) {
    wasi_hw_hal_sensor_own_sensor_t sensor, again;
    wasi_hw_hal_sensor_error_code_t error;
    app_string_t name = HW_STR("nope");
    CHECK(!wasi_hw_hal_sensor_open(&name, &sensor, &error), "nope opened");
    CHECK(error == WASI_HW_HAL_SENSOR_ERROR_CODE_NOT_FOUND, "not not-found");
    name = HW_STR("secret-sensor");
    CHECK(!wasi_hw_hal_sensor_open(&name, &sensor, &error), "secret-sensor opened");
    CHECK(error == WASI_HW_HAL_SENSOR_ERROR_CODE_NOT_PERMITTED, "not not-permitted");
    name = HW_STR("motion");
    CHECK(wasi_hw_hal_sensor_open(&name, &sensor, &error), "motion did not open");
    CHECK(!wasi_hw_hal_sensor_open(&name, &again, &error), "motion opened twice");
    CHECK(error == WASI_HW_HAL_SENSOR_ERROR_CODE_BUSY, "not busy");
    wasi_hw_hal_sensor_sensor_drop_own(sensor);
    return NULL;
}

static const char *timer_sleep(void) {
    uint64_t a = wasi_hw_hal_timer_now();
    wasi_hw_hal_timer_sleep(250 * MS);
    uint64_t b = wasi_hw_hal_timer_now();
    CHECK(b - a >= 250 * MS, "slept less than 250 ms");
    wasi_hw_hal_timer_sleep(0);
    return NULL;
}

static const char *poll_timeout_zero(void) {
    wasi_hw_hal_timer_own_one_shot_t timer;
    wasi_hw_hal_timer_error_code_t error;
    CHECK(wasi_hw_hal_timer_static_one_shot_at(10 * MS, &timer, &error), "one-shot failed");
    wasi_hw_hal_poll_own_pollable_t a =
        wasi_hw_hal_timer_method_one_shot_subscribe(wasi_hw_hal_timer_borrow_one_shot(timer));
    wasi_hw_hal_timer_one_shot_drop_own(timer);
    wasi_hw_hal_poll_borrow_pollable_t list[1] = {wasi_hw_hal_poll_borrow_pollable(a)};
    wasi_hw_hal_poll_list_borrow_pollable_t in = {list, 1};
    uint64_t timeout = 0;
    app_list_u32_t ready;
    wasi_hw_hal_poll_error_code_t poll_error;
    CHECK(wasi_hw_hal_poll_poll(&in, &timeout, &ready, &poll_error), "poll failed");
    size_t n = ready.len;
    app_list_u32_free(&ready);
    CHECK(n == 0, "something was ready");
    CHECK(wasi_hw_hal_timer_now() == 0, "time moved");
    wasi_hw_hal_poll_pollable_drop_own(a);
    return NULL;
}

static const char *log_log(void) {
    app_string_t message = HW_STR("conformance: a message");
    for (wasi_hw_hal_log_level_t level = WASI_HW_HAL_LOG_LEVEL_TRACE;
         level <= WASI_HW_HAL_LOG_LEVEL_ERROR; level++) {
        wasi_hw_hal_log_log(level, &message);
    }
    return NULL;
}

static const struct {
    const char *name;
    const char *(*run)(void);
} CASES[] = {
    {"gpio-open-not-found", gpio_open_not_found},
    {"gpio-open-busy", gpio_open_busy},
    {"gpio-toggle", gpio_toggle},
    {"i2c-open-errors", i2c_open_errors},
    {"i2c-write-read", i2c_write_read},
    {"sensor-open-errors", sensor_open_errors},
    {"timer-sleep", timer_sleep},
    {"poll-timeout-zero", poll_timeout_zero},
    {"log-log", log_log},
};

static const char *run(const hw_args_t *args) {
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        if (args->len == 1 && is(&args->ptr[0], CASES[i].name)) return CASES[i].run();
    }
    return "no such case in the C guest";
}

HW_APP(run)
