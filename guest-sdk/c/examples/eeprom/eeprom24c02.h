/* A driver for the 24C02 I2C EEPROM (256 bytes in pages of 8), written for
 * this example over the generated i2c bindings: what the Rust example gets
 * from the crates.io driver `eeprom24x`, and the same bytes on the bus.
 *
 * During its write cycle (up to 5 ms after a page write) the part does not
 * acknowledge its address: a read then fails with no-acknowledge(address),
 * which eeprom_busy() recognises. */
#ifndef EEPROM24C02_H
#define EEPROM24C02_H

#include "wasi_hw.h"

#define EEPROM24C02_SIZE 256
#define EEPROM24C02_PAGE 8

typedef struct eeprom24c02_t {
    wasi_hw_hal_i2c_borrow_bus_t bus;
    wasi_hw_hal_i2c_address_t address;
} eeprom24c02_t;

/* The part at 7-bit `address` (0x50 with A0 to A2 low) on `bus`. */
eeprom24c02_t eeprom24c02(wasi_hw_hal_i2c_borrow_bus_t bus, uint8_t address);

/* Writes `len` bytes (at most a page; the part wraps within the page) at
 * `at`. False with the bus's error in `*error`. */
bool eeprom24c02_write_page(const eeprom24c02_t *part, uint8_t at, const uint8_t *data,
                            size_t len, wasi_hw_hal_i2c_error_code_t *error);

/* Reads `len` bytes from `at` into `out` (a random read: the address
 * written, then read after a repeated start). */
bool eeprom24c02_read(const eeprom24c02_t *part, uint8_t at, uint8_t *out, size_t len,
                      wasi_hw_hal_i2c_error_code_t *error);

/* Whether `error` is the part being busy with a write cycle. */
bool eeprom24c02_busy(const wasi_hw_hal_i2c_error_code_t *error);

#endif
