/* button, in C: mirrors the pin "button" on the pin "led" and counts 1 s
 * ticks, waiting for both at once with `poll`, as the Rust button
 * (guest-sdk/examples/button) does, with the same lines and trace.
 *
 * "button" is an active-low input with the pull-up on (pressed pulls the
 * line to ground), so "high" means pressed. Arguments: [TICKS], how many
 * ticks to run for (default 10). */
#include "wasi_hw.h"

typedef wasi_hw_hal_gpio_borrow_pin_t pin_t;

static const char *mirror(pin_t button, pin_t led) {
    bool pressed;
    wasi_hw_hal_gpio_error_code_t error;
    if (!wasi_hw_hal_gpio_method_pin_is_high(button, &pressed, &error)) {
        return hw_error("gpio", wasi_hw_hal_gpio_error_code_name(error));
    }
    bool set = pressed ? wasi_hw_hal_gpio_method_pin_set_high(led, &error)
                       : wasi_hw_hal_gpio_method_pin_set_low(led, &error);
    if (!set) return hw_error("gpio", wasi_hw_hal_gpio_error_code_name(error));
    hw_log_info(pressed ? "button pressed" : "button released");
    return NULL;
}

static const char *run(const hw_args_t *args) {
    uint32_t wanted;
    if (!hw_arg_u32(args, 0, 10, &wanted)) {
        return HW_USAGE("button [TICKS]: TICKS must be a whole number");
    }
    wasi_hw_hal_gpio_error_code_t error;
    app_string_t name = HW_STR("button");
    wasi_hw_hal_gpio_config_t input = {
        .mode = WASI_HW_HAL_GPIO_MODE_INPUT,
        .pull = WASI_HW_HAL_GPIO_PULL_UP,
        .active_low = true,
    };
    wasi_hw_hal_gpio_own_pin_t button;
    if (!wasi_hw_hal_gpio_open(&name, &input, &button, &error)) {
        return hw_error_on("gpio open", "button", wasi_hw_hal_gpio_error_code_name(error));
    }
    name = HW_STR("led");
    wasi_hw_hal_gpio_config_t output = {.mode = WASI_HW_HAL_GPIO_MODE_PUSH_PULL_OUTPUT};
    /* From here on, a failure gives back what is open, the last opened
     * first, as the Rust button's values are dropped; `message` is NULL
     * for success or the error. */
    const char *message = NULL;
    wasi_hw_hal_gpio_own_pin_t led;
    if (!wasi_hw_hal_gpio_open(&name, &output, &led, &error)) {
        message = hw_error_on("gpio open", "led", wasi_hw_hal_gpio_error_code_name(error));
        goto drop_button;
    }
    wasi_hw_hal_timer_own_periodic_t tick;
    wasi_hw_hal_timer_error_code_t timer_error;
    if (!wasi_hw_hal_timer_static_periodic_start(HW_SECOND, &tick, &timer_error)) {
        message = hw_error("timer", wasi_hw_hal_timer_error_code_name(timer_error));
        goto drop_led;
    }
    wasi_hw_hal_timer_borrow_periodic_t ticker = wasi_hw_hal_timer_borrow_periodic(tick);
    wasi_hw_hal_poll_own_pollable_t tick_ready = wasi_hw_hal_timer_method_periodic_subscribe(ticker);
    pin_t b = wasi_hw_hal_gpio_borrow_pin(button), l = wasi_hw_hal_gpio_borrow_pin(led);
    wasi_hw_hal_poll_own_pollable_t edge;
    if (!wasi_hw_hal_gpio_method_pin_subscribe(b, WASI_HW_HAL_GPIO_EDGE_ANY, &edge, &error)) {
        message = hw_error("gpio", wasi_hw_hal_gpio_error_code_name(error));
        goto drop_tick_ready;
    }
    message = mirror(b, l);
    if (message) goto drop_edge;

    uint64_t ticks = 0;
    while (ticks < wanted) {
        wasi_hw_hal_poll_borrow_pollable_t both[2] = {
            wasi_hw_hal_poll_borrow_pollable(edge),
            wasi_hw_hal_poll_borrow_pollable(tick_ready),
        };
        wasi_hw_hal_poll_list_borrow_pollable_t list = {both, 2};
        app_list_u32_t ready;
        wasi_hw_hal_poll_error_code_t poll_error;
        if (!wasi_hw_hal_poll_poll(&list, NULL, &ready, &poll_error)) {
            message = hw_error("poll", wasi_hw_hal_poll_error_code_name(poll_error));
            goto drop_edge;
        }
        for (size_t i = 0; i < ready.len && !message; i++) {
            if (ready.ptr[i] == 0) {
                /* Subscribe before reading, so an edge in between is not
                 * lost; then give the old pollable back. */
                wasi_hw_hal_poll_own_pollable_t next;
                if (!wasi_hw_hal_gpio_method_pin_subscribe(b, WASI_HW_HAL_GPIO_EDGE_ANY, &next,
                                                           &error)) {
                    message = hw_error("gpio", wasi_hw_hal_gpio_error_code_name(error));
                    break;
                }
                wasi_hw_hal_poll_pollable_drop_own(edge);
                edge = next;
                message = mirror(b, l);
            } else {
                ticks += 1 + wasi_hw_hal_timer_method_periodic_wait(ticker);
                hw_line_t line = {0};
                hw_line_text(&line, "tick ");
                hw_line_u64(&line, ticks);
                hw_line_log(&line, WASI_HW_HAL_LOG_LEVEL_INFO);
            }
        }
        app_list_u32_free(&ready);
        if (message) goto drop_edge;
    }
drop_edge:
    wasi_hw_hal_poll_pollable_drop_own(edge);
drop_tick_ready:
    wasi_hw_hal_poll_pollable_drop_own(tick_ready);
    wasi_hw_hal_timer_periodic_drop_own(tick);
drop_led:
    wasi_hw_hal_gpio_pin_drop_own(led);
drop_button:
    wasi_hw_hal_gpio_pin_drop_own(button);
    return message;
}

HW_APP(run)
