/* blinky, in C: toggles the pin "led" every 500 ms, as the Rust blinky
 * (guest-sdk/examples/blinky) does, with the same lines and trace.
 *
 * Arguments: [CYCLES], the number of on-off cycles (default 5); each cycle
 * is two toggles, 500 ms apart, so the LED ends where it started. */
#include "wasi_hw.h"

#define HALF_PERIOD (500 * HW_MILLISECOND)

static const char *run(const hw_args_t *args) {
    uint32_t cycles;
    if (!hw_arg_u32(args, 0, 5, &cycles)) {
        return HW_USAGE("blinky [CYCLES]: CYCLES must be a whole number");
    }
    app_string_t name = HW_STR("led");
    wasi_hw_hal_gpio_config_t config = {
        .mode = WASI_HW_HAL_GPIO_MODE_PUSH_PULL_OUTPUT,
        .pull = WASI_HW_HAL_GPIO_PULL_NONE,
        .active_low = false,
        .initial_high = false,
    };
    wasi_hw_hal_gpio_own_pin_t led;
    wasi_hw_hal_gpio_error_code_t error;
    if (!wasi_hw_hal_gpio_open(&name, &config, &led, &error)) {
        return hw_error_on("gpio open", "led", wasi_hw_hal_gpio_error_code_name(error));
    }
    wasi_hw_hal_gpio_borrow_pin_t pin = wasi_hw_hal_gpio_borrow_pin(led);
    for (uint32_t i = 0; i < 2 * cycles; i++) {
        if (!wasi_hw_hal_gpio_method_pin_toggle(pin, &error)) {
            return hw_error("gpio", wasi_hw_hal_gpio_error_code_name(error));
        }
        wasi_hw_hal_timer_sleep(HALF_PERIOD);
    }
    hw_log_info("blinky: done");
    wasi_hw_hal_gpio_pin_drop_own(led);
    return NULL;
}

HW_APP(run)
