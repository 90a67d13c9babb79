// The conformance cases: name, the spec item it covers, and what it checks.
// One table, included by the test guest (which runs a case by name) and by
// the runner (which lists, filters and reports them). Items are
// `interface.function` or `interface.resource.method`, as in the WIT.
pub const CASES: &[(&str, &str, &str)] = &[
    (
        "gpio-list-pins",
        "gpio.list-pins",
        "lists exactly the pins the policy grants, with their capabilities",
    ),
    (
        "gpio-open-not-found",
        "gpio.open",
        "a pin the board lacks is not-found",
    ),
    (
        "gpio-open-not-permitted",
        "gpio.open",
        "a pin the policy denies is not-permitted",
    ),
    (
        "gpio-open-busy",
        "gpio.open",
        "opening an open pin again is busy",
    ),
    (
        "gpio-open-unsupported",
        "gpio.open",
        "a mode or pull the pin lacks is unsupported",
    ),
    (
        "gpio-pin-name",
        "gpio.pin.name",
        "a pin knows the name it was opened with",
    ),
    (
        "gpio-loopback",
        "gpio.pin.set-high",
        "set-high and set-low on an output reach an input wired to it",
    ),
    (
        "gpio-set-low",
        "gpio.pin.set-low",
        "set-low drives the line low, read back by is-high on the output itself",
    ),
    (
        "gpio-is-high",
        "gpio.pin.is-high",
        "an input with a pull-up reads high, with a pull-down low",
    ),
    (
        "gpio-toggle",
        "gpio.pin.toggle",
        "toggle inverts the latch, twice restores it",
    ),
    (
        "gpio-is-set-high",
        "gpio.pin.is-set-high",
        "is-set-high reads the latch, including initial-high",
    ),
    (
        "gpio-wrong-mode",
        "gpio.pin.set-high",
        "output calls on an input are wrong-mode",
    ),
    (
        "gpio-reconfigure-active-low",
        "gpio.pin.reconfigure",
        "reconfigured active-low, levels invert; an unsupported config is refused",
    ),
    (
        "gpio-open-drain-no-pull",
        "gpio.pin.set-high",
        "an open-drain output released with no pull-up floats low; driven low reads low",
    ),
    (
        "gpio-open-drain-pull-up",
        "gpio.pin.set-high",
        "an open-drain output released with its pull-up reads high",
    ),
    (
        "gpio-wait-for-edge",
        "gpio.pin.wait-for-edge",
        "waits for the scripted edge; a zero timeout returns false at once; a pin without edges is unsupported",
    ),
    (
        "gpio-subscribe",
        "gpio.pin.subscribe",
        "an edge pollable becomes ready at the scripted edge and stays ready",
    ),
    (
        "i2c-list-buses",
        "i2c.list-buses",
        "lists the granted buses with frequency and allowed addresses",
    ),
    (
        "i2c-open-errors",
        "i2c.open",
        "a bus the board lacks is not-found, a denied one not-permitted",
    ),
    (
        "i2c-bus-info",
        "i2c.bus.frequency-hz",
        "the bus reports its frequency",
    ),
    (
        "i2c-max-transfer",
        "i2c.bus.max-transfer-length",
        "the bus reports its longest transfer, at least 32, and honours it",
    ),
    (
        "i2c-write-read",
        "i2c.bus.write-read",
        "reads a register: the BME280's chip id 0x60",
    ),
    (
        "i2c-read",
        "i2c.bus.read",
        "reads on from the register pointer",
    ),
    (
        "i2c-write",
        "i2c.bus.write",
        "writes a register and reads it back",
    ),
    (
        "i2c-probe",
        "i2c.bus.write",
        "a zero-length write probes: acknowledged by a device, no-acknowledge(address) where none is",
    ),
    (
        "i2c-transaction",
        "i2c.bus.transaction",
        "operations run in order with one result per read",
    ),
    (
        "i2c-transaction-empty",
        "i2c.bus.transaction",
        "an empty transaction sends nothing and returns nothing",
    ),
    (
        "i2c-ten-bit",
        "i2c.bus.write-read",
        "a 10-bit address reaches the 10-bit device, not the 7-bit one",
    ),
    (
        "i2c-invalid-arguments",
        "i2c.bus.read",
        "zero-length reads, over-long transfers, transactions of too many operations and out-of-range addresses are invalid-argument",
    ),
    (
        "i2c-address-not-permitted",
        "i2c.bus.write",
        "an address the policy does not grant is not-permitted",
    ),
    (
        "i2c-nack-data",
        "i2c.bus.write",
        "a refused data byte is no-acknowledge(data)",
    ),
    (
        "i2c-eeprom-write-cycle",
        "i2c.bus.write",
        "an EEPROM does not acknowledge during its write cycle, then reads back the page",
    ),
    (
        "i2c-faults",
        "i2c.bus.recover",
        "injected faults arrive as arbitration-loss, timeout and bus; recover frees the bus",
    ),
    (
        "sensor-list",
        "sensor.list-sensors",
        "lists the granted sensors with kinds and channels",
    ),
    (
        "sensor-open-errors",
        "sensor.open",
        "not-found, not-permitted, busy",
    ),
    (
        "sensor-info",
        "sensor.sensor.info",
        "channels with ranges, minimum interval and FIFO capacity",
    ),
    (
        "sensor-read",
        "sensor.sensor.read",
        "one sample a read, with increasing sequence and timestamps, values in their units",
    ),
    (
        "sensor-attributes",
        "sensor.sensor.set-attribute",
        "interval, oversampling and range are checked and applied",
    ),
    (
        "sensor-get-attribute",
        "sensor.sensor.get-attribute",
        "reads back what was set",
    ),
    (
        "sensor-fifo",
        "sensor.sensor.read-fifo",
        "started, the sensor fills its FIFO at its interval; read is running; max 0 is invalid",
    ),
    (
        "sensor-start-stop",
        "sensor.sensor.start",
        "start and stop are idempotent; stop keeps the FIFO",
    ),
    (
        "sensor-stop",
        "sensor.sensor.stop",
        "after stop no more samples arrive",
    ),
    (
        "sensor-fifo-overrun",
        "sensor.sensor.read-fifo",
        "a full FIFO drops the oldest samples and counts them",
    ),
    (
        "sensor-data-ready",
        "sensor.sensor.subscribe-data-ready",
        "ready when the FIFO holds a sample",
    ),
    (
        "sensor-threshold",
        "sensor.sensor.subscribe-threshold",
        "ready at the first sample past the level; an unmeasured channel is invalid-argument",
    ),
    (
        "timer-now",
        "timer.now",
        "the clock starts near 0 and never goes backwards",
    ),
    (
        "timer-resolution",
        "timer.resolution",
        "the resolution is at least 1 ns",
    ),
    (
        "timer-sleep",
        "timer.sleep",
        "sleep waits at least its duration; sleep(0) returns",
    ),
    (
        "timer-sleep-until",
        "timer.sleep-until",
        "sleep-until reaches its deadline; a past deadline returns at once",
    ),
    (
        "timer-one-shot",
        "timer.one-shot.at",
        "a one-shot timer at a deadline expires then",
    ),
    (
        "timer-one-shot-after",
        "timer.one-shot.after",
        "after(d) fires d from now; an overflowing delay is invalid-argument",
    ),
    (
        "timer-one-shot-deadline",
        "timer.one-shot.deadline",
        "deadline reports the instant",
    ),
    (
        "timer-one-shot-is-expired",
        "timer.one-shot.is-expired",
        "false before, true from the deadline on",
    ),
    (
        "timer-one-shot-wait",
        "timer.one-shot.wait",
        "wait returns at the deadline, at once after it",
    ),
    (
        "timer-one-shot-subscribe",
        "timer.one-shot.subscribe",
        "the pollable is ready from the deadline on",
    ),
    (
        "timer-periodic",
        "timer.periodic.start",
        "ticks at start + k * period; a zero period is invalid-argument",
    ),
    (
        "timer-periodic-period",
        "timer.periodic.period",
        "period reports the period",
    ),
    (
        "timer-periodic-next-tick",
        "timer.periodic.next-tick",
        "next-tick is the next untaken tick",
    ),
    (
        "timer-periodic-missed",
        "timer.periodic.wait",
        "wait counts the ticks missed, as the spec's example",
    ),
    (
        "timer-periodic-subscribe",
        "timer.periodic.subscribe",
        "ready while a tick is untaken",
    ),
    (
        "poll-ready-indices",
        "poll.poll",
        "returns every ready index in order, duplicates included",
    ),
    (
        "poll-timeout-zero",
        "poll.poll",
        "a zero timeout checks without waiting",
    ),
    (
        "poll-timeout",
        "poll.poll",
        "returns an empty list when the timeout passes first",
    ),
    (
        "poll-long-timeout",
        "poll.poll",
        "a timeout past the end of u64 counts as none",
    ),
    (
        "poll-empty",
        "poll.poll",
        "an empty list without timeout is empty-wait; with one, a sleep",
    ),
    (
        "poll-pollable-ready",
        "poll.pollable.ready",
        "ready never blocks",
    ),
    (
        "poll-pollable-block",
        "poll.pollable.block",
        "block waits until ready",
    ),
    (
        "log-enabled",
        "log.enabled",
        "info and above are enabled on the reference host",
    ),
    ("log-log", "log.log", "messages at every level are accepted"),
    (
        "spi-list-devices",
        "spi.list-devices",
        "lists exactly the devices the policy grants, in the board's order, with their configuration",
    ),
    (
        "spi-open-errors",
        "spi.open",
        "a device the board lacks is not-found, one the policy denies not-permitted",
    ),
    (
        "spi-config",
        "spi.device.config",
        "each device reports the mode, bit order and frequency the board gives it",
    ),
    (
        "spi-max-transfer",
        "spi.device.max-transfer-length",
        "the board's limit, at least 32; an operation of exactly it works",
    ),
    (
        "spi-read",
        "spi.device.read",
        "a read sends 0x00: on a loopback it reads as many zeros",
    ),
    (
        "spi-write",
        "spi.device.write",
        "write-enable and write-disable set and clear the flash's WEL bit",
    ),
    (
        "spi-transfer",
        "spi.device.transfer",
        "full duplex: the flash's status comes in while the command goes out",
    ),
    (
        "spi-transfer-in-place",
        "spi.device.transfer-in-place",
        "the same exchange as transfer: a loopback gives the bytes back",
    ),
    (
        "spi-transaction",
        "spi.device.transaction",
        "the chip select held over every operation: the flash's JEDEC and unique IDs, one list per read and transfer, delays taking their time",
    ),
    (
        "spi-transaction-empty",
        "spi.device.transaction",
        "no operations: an empty list",
    ),
    (
        "spi-invalid-arguments",
        "spi.device.read",
        "empty reads and transfers, operations and transactions over the limit are invalid-argument",
    ),
    (
        "spi-faults",
        "spi.device.transfer",
        "the wire's errors (overrun, mode-fault, frame-format, chip-select-fault, other) reach the app, then the device works",
    ),
    (
        "spi-flash-program-erase",
        "spi.device.transaction",
        "page program and sector erase take the flash's time (BUSY), then read back",
    ),
    (
        "spi-bme280",
        "spi.device.transaction",
        "the BME280 in SPI mode: the chip id with the read bit, a register written without it",
    ),
];
