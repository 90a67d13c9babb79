/* eeprom, in C: writes one page to a 24C02 EEPROM on the bus "storage-bus"
 * with the driver of eeprom24c02.c, waits out the write cycle, and reads
 * the page back, as the Rust eeprom (guest-sdk/examples/eeprom, with the
 * crates.io driver eeprom24x) does, with the same lines and trace.
 *
 * During its write cycle (up to 5 ms) the part does not acknowledge its
 * address; the app retries the read until it does, at most 20 times, 1 ms
 * apart. Arguments: [PAGE], the page to use, 0 to 31 (default 2). */
#include "eeprom24c02.h"
#include "string.h"

#define BUS "storage-bus"
#define PART 0x50 /* A0 to A2 low */

static void log_number(const char *before, uint64_t n, const char *after) {
    hw_line_t line = {0};
    hw_line_text(&line, before);
    hw_line_u64(&line, n);
    hw_line_text(&line, after);
    hw_line_log(&line, WASI_HW_HAL_LOG_LEVEL_INFO);
}

static const char *run(const hw_args_t *args) {
    uint32_t page;
    if (!hw_arg_u32(args, 0, 2, &page)) {
        return HW_USAGE("eeprom [PAGE]: PAGE must be a whole number");
    }
    if (page >= EEPROM24C02_SIZE / EEPROM24C02_PAGE) {
        return HW_USAGE("eeprom [PAGE]: PAGE must be 0 to 31");
    }
    uint8_t at = (uint8_t)(page * EEPROM24C02_PAGE);
    app_string_t name = HW_STR(BUS);
    wasi_hw_hal_i2c_own_bus_t bus;
    wasi_hw_hal_i2c_error_code_t error;
    if (!wasi_hw_hal_i2c_open(&name, &bus, &error)) {
        return hw_error_on("i2c open", BUS, wasi_hw_hal_i2c_error_code_name(&error));
    }
    eeprom24c02_t part = eeprom24c02(wasi_hw_hal_i2c_borrow_bus(bus), PART);
    /* From here on, the bus is given back on every way out. */
    const char *message = NULL;

    uint8_t data[EEPROM24C02_PAGE];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(page << 4 | i);
    if (!eeprom24c02_write_page(&part, at, data, sizeof data, &error)) {
        message = hw_error_context("writing the EEPROM page",
                                   hw_i2c_error("write", PART, BUS, &error));
        goto drop_bus;
    }
    log_number("eeprom: wrote page ", page, "");

    uint8_t back[EEPROM24C02_PAGE];
    uint32_t busy = 0;
    while (!eeprom24c02_read(&part, at, back, sizeof back, &error)) {
        if (!eeprom24c02_busy(&error) || busy >= 20) {
            message = hw_error_context("reading the EEPROM page back",
                                       hw_i2c_error("write-read", PART, BUS, &error));
            goto drop_bus;
        }
        busy++;
        wasi_hw_hal_timer_sleep(HW_MILLISECOND);
    }
    log_number("eeprom: write cycle took ", busy, " retries (no-acknowledge while busy)");
    if (memcmp(back, data, sizeof data) != 0) {
        message = "eeprom: the page read back differs from the page written";
        goto drop_bus;
    }
    log_number("eeprom: read back ", sizeof back, " bytes, all equal");
drop_bus:
    wasi_hw_hal_i2c_bus_drop_own(bus);
    return message;
}

HW_APP(run)
