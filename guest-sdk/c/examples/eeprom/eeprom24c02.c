/* The 24C02 driver: see eeprom24c02.h. */
#include "eeprom24c02.h"

#include "string.h"

eeprom24c02_t eeprom24c02(wasi_hw_hal_i2c_borrow_bus_t bus, uint8_t address) {
    eeprom24c02_t part = {.bus = bus};
    part.address.tag = WASI_HW_HAL_I2C_ADDRESS_SEVEN_BIT;
    part.address.val.seven_bit = address;
    return part;
}

bool eeprom24c02_write_page(const eeprom24c02_t *part, uint8_t at, const uint8_t *data,
                            size_t len, wasi_hw_hal_i2c_error_code_t *error) {
    uint8_t bytes[1 + EEPROM24C02_PAGE];
    if (len > EEPROM24C02_PAGE) len = EEPROM24C02_PAGE;
    bytes[0] = at;
    memcpy(bytes + 1, data, len);
    app_list_u8_t out = {bytes, 1 + len};
    wasi_hw_hal_i2c_address_t address = part->address;
    return wasi_hw_hal_i2c_method_bus_write(part->bus, &address, &out, error);
}

bool eeprom24c02_read(const eeprom24c02_t *part, uint8_t at, uint8_t *out, size_t len,
                      wasi_hw_hal_i2c_error_code_t *error) {
    app_list_u8_t word = {&at, 1};
    app_list_u8_t in;
    wasi_hw_hal_i2c_address_t address = part->address;
    if (!wasi_hw_hal_i2c_method_bus_write_read(part->bus, &address, &word, (uint32_t)len, &in,
                                                error)) {
        return false;
    }
    memcpy(out, in.ptr, in.len < len ? in.len : len);
    app_list_u8_free(&in);
    return true;
}

bool eeprom24c02_busy(const wasi_hw_hal_i2c_error_code_t *error) {
    return error->tag == WASI_HW_HAL_I2C_ERROR_CODE_NO_ACKNOWLEDGE &&
           error->val.no_acknowledge == WASI_HW_HAL_I2C_NO_ACKNOWLEDGE_SOURCE_ADDRESS;
}
