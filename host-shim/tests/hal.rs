//! The embedded-hal adapter (`hal::Board`) over mocked HAL drivers: what a
//! firmware's pins, buses and clock see when a guest calls the shim.
#![cfg(feature = "embedded-hal")]

use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource as HalNack};
use embedded_hal_mock::eh1::digital::{Mock as PinMock, State, Transaction as PinT};
use embedded_hal_mock::eh1::i2c::{Mock as I2cMock, Transaction as I2cT};
use embedded_hal_mock::eh1::spi::{Mock as SpiMock, Transaction as SpiT};
use wasi_hw_shim::app::gpio::{
    Capabilities as Caps, Config, Edge, ErrorCode as GpioError, Gpio, Mode, Pull,
};
use wasi_hw_shim::app::i2c::{Address, ErrorCode as I2cError, I2c, NoAcknowledgeSource, Operation};
use wasi_hw_shim::app::log::{Level, Log};
use wasi_hw_shim::app::poll::{ErrorCode as PollError, Poll};
use wasi_hw_shim::app::spi::{self, ErrorCode as SpiError, Spi};
use wasi_hw_shim::app::timer::Timer;
use wasi_hw_shim::hal::{
    Board, Bus, Fault, InOut, Input, Line, Output, Pin, Pollable, SevenBit, SpiDevice, VirtualTime,
};
use wasi_hw_shim::runtime::handles::Table;
use wasi_hw_shim::runtime::{Error, Handles, List};

fn board<'a>() -> (Board<'a, VirtualTime, VirtualTime>, VirtualTime) {
    let time = VirtualTime::new();
    (Board::new(time.clone(), time.clone()), time)
}

const MS: u64 = 1_000_000;

fn config(mode: Mode, pull: Pull, active_low: bool, initial_high: bool) -> Config {
    Config {
        mode,
        pull,
        active_low,
        initial_high,
    }
}

/// A button to ground with a pull-up, pressed from `from` to `to` (ns).
struct Button {
    time: VirtualTime,
    from: u64,
    to: u64,
}

impl Line for Button {
    fn is_high(&mut self) -> Result<bool, Fault> {
        let now = self.time.nanos();
        Ok(!(self.from..self.to).contains(&now))
    }
    fn set(&mut self, _: bool) -> Result<(), Fault> {
        Err(Fault)
    }
    fn is_set_high(&mut self) -> Result<bool, Fault> {
        Err(Fault)
    }
}

#[test]
fn an_active_low_led_is_driven_inverted_from_its_first_level_on() {
    let led = PinMock::new(&[
        PinT::set(State::Low),        // open: initial-high, active-low
        PinT::set(State::High),       // set-low
        PinT::get_state(State::High), // toggle reads the latch
        PinT::set(State::Low),        // and drives it the other way
        PinT::get_state(State::Low),  // is-set-high
    ]);
    let (board, _) = board();
    let mut board = board.pin(Pin::new("led", Caps::PUSH_PULL_OUTPUT, Output(led.clone())));
    let mut pin = Gpio::open(
        &mut board,
        "led",
        config(Mode::PushPullOutput, Pull::None, true, true),
    )
    .unwrap()
    .unwrap();
    assert_eq!(board.pin_set_low(&mut pin).unwrap(), Ok(()));
    assert_eq!(board.pin_toggle(&mut pin).unwrap(), Ok(()));
    assert_eq!(board.pin_is_set_high(&mut pin).unwrap(), Ok(true));
    assert_eq!(board.pin_name(&mut pin).unwrap(), "led");
    drop(board);
    led.clone().done();
}

#[test]
fn opening_checks_name_busy_and_capabilities() {
    let sense = PinMock::new(&[PinT::get(State::High)]);
    let (board, _) = board();
    let mut board = board.pin(Pin::new(
        "in",
        Caps::INPUT | Caps::PULL_UP,
        Input(sense.clone()),
    ));
    let input = config(Mode::Input, Pull::Up, false, false);
    assert_eq!(
        Gpio::open(&mut board, "nope", input).unwrap().err(),
        Some(GpioError::NotFound)
    );
    assert_eq!(
        Gpio::open(
            &mut board,
            "in",
            config(Mode::Input, Pull::Down, false, false)
        )
        .unwrap()
        .err(),
        Some(GpioError::Unsupported)
    );
    assert_eq!(
        Gpio::open(
            &mut board,
            "in",
            config(Mode::PushPullOutput, Pull::None, false, false)
        )
        .unwrap()
        .err(),
        Some(GpioError::Unsupported)
    );
    let mut pin = Gpio::open(&mut board, "in", input).unwrap().unwrap();
    assert_eq!(
        Gpio::open(&mut board, "in", input).unwrap().err(),
        Some(GpioError::Busy)
    );
    assert_eq!(board.pin_is_high(&mut pin).unwrap(), Ok(true));
    assert_eq!(
        board.pin_set_high(&mut pin).unwrap(),
        Err(GpioError::WrongMode)
    );
    assert_eq!(
        board.pin_is_set_high(&mut pin).unwrap(),
        Err(GpioError::WrongMode)
    );
    board.pin_drop(pin).unwrap();
    assert!(Gpio::open(&mut board, "in", input).unwrap().is_ok());
    let names: Vec<_> = board
        .list_pins()
        .unwrap()
        .iter()
        .map(|p| (p.name, p.capabilities))
        .collect();
    assert_eq!(names, [("in", Caps::INPUT | Caps::PULL_UP)]);
    drop(board);
    sense.clone().done();
}

#[test]
fn a_failing_pin_driver_stops_the_guest() {
    let err = embedded_hal_mock::eh1::MockError::Io(std::io::ErrorKind::NotConnected);
    let line = PinMock::new(&[
        PinT::set(State::Low),
        PinT::set(State::High).with_error(err),
    ]);
    let (board, _) = board();
    let mut board = board.pin(Pin::new(
        "x",
        Caps::OPEN_DRAIN_OUTPUT | Caps::INPUT,
        InOut(line.clone()),
    ));
    let mut pin = Gpio::open(
        &mut board,
        "x",
        config(Mode::OpenDrainOutput, Pull::None, false, false),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        board.pin_set_high(&mut pin),
        Err(Error::Trap(&"a pin's HAL driver failed"))
    );
    drop(board);
    line.clone().done();
}

#[test]
fn edges_are_found_by_sampling_while_the_guest_waits() {
    let (board, time) = board();
    let button = Button {
        time: time.clone(),
        from: 100 * MS,
        to: 150 * MS,
    };
    let mut board = board
        .pin(Pin::new("button", Caps::INPUT | Caps::EDGE_EVENTS, button))
        .sample_interval_ns(MS);
    let mut pin = Gpio::open(
        &mut board,
        "button",
        config(Mode::Input, Pull::Up, true, false),
    );
    // The pin lacks a pull-up capability: the adapter refuses the config.
    assert_eq!(
        pin.as_ref().unwrap().as_ref().err(),
        Some(&GpioError::Unsupported)
    );
    pin = Gpio::open(
        &mut board,
        "button",
        config(Mode::Input, Pull::None, true, false),
    );
    let mut pin = pin.unwrap().unwrap();
    // Active-low: pressing is a rising edge of the logical level.
    assert_eq!(
        board
            .pin_wait_for_edge(&mut pin, Edge::Rising, Some(50 * MS))
            .unwrap(),
        Ok(false)
    );
    assert_eq!(time.nanos(), 50 * MS);
    assert_eq!(
        board
            .pin_wait_for_edge(&mut pin, Edge::Rising, None)
            .unwrap(),
        Ok(true)
    );
    assert_eq!(time.nanos(), 100 * MS);
    let mut released = board
        .pin_subscribe(&mut pin, Edge::Falling)
        .unwrap()
        .unwrap();
    assert!(!board.pollable_ready(&mut released).unwrap());
    board.pollable_block(&mut released).unwrap();
    assert_eq!(time.nanos(), 150 * MS);
    // Once seen, an edge stays seen.
    board.sleep(MS).unwrap();
    assert!(board.pollable_ready(&mut released).unwrap());
}

#[test]
fn a_periodic_timer_counts_missed_ticks_as_the_spec_says() {
    let (mut board, time) = board();
    let mut tick = board.periodic_start(100 * MS).unwrap().unwrap();
    board.sleep_until(50 * MS).unwrap();
    assert_eq!(board.periodic_wait(&mut tick).unwrap(), 0);
    assert_eq!(time.nanos(), 100 * MS);
    board.sleep_until(350 * MS).unwrap();
    assert_eq!(board.periodic_wait(&mut tick).unwrap(), 1);
    assert_eq!(time.nanos(), 350 * MS);
    board.sleep_until(360 * MS).unwrap();
    assert_eq!(board.periodic_wait(&mut tick).unwrap(), 0);
    assert_eq!(time.nanos(), 400 * MS);
    assert_eq!(board.periodic_next_tick(&mut tick).unwrap(), 500 * MS);
    assert_eq!(
        board.periodic_start(0).unwrap().err(),
        Some(wasi_hw_shim::app::timer::ErrorCode::InvalidArgument)
    );
    board.periodic_drop(tick).unwrap();
    assert_eq!(board.periodic_period(&mut tick), Err(Error::InvalidHandle));
}

/// Guest memory holding the handles `handles`, and their table.
fn handles(table: &Table<Pollable, 8>, memory: &mut Vec<u8>, handles: &[u32]) {
    let _ = table;
    memory.clear();
    for h in handles {
        memory.extend_from_slice(&h.to_le_bytes());
    }
}

#[test]
fn poll_reports_every_ready_position_and_sleeps_to_the_earliest_deadline() {
    let (mut board, time) = board();
    let mut table: Table<Pollable, 8> = Table::new();
    let mut soon = board.one_shot_after(3 * MS).unwrap().unwrap();
    let mut later = board.one_shot_at(5 * MS).unwrap().unwrap();
    let a = table
        .insert(board.one_shot_subscribe(&mut later).unwrap())
        .unwrap();
    let b = table
        .insert(board.one_shot_subscribe(&mut soon).unwrap())
        .unwrap();
    let mut memory = Vec::new();
    handles(&table, &mut memory, &[a, b, b]);
    let list = Handles::new(&memory, 0, 3, &table).unwrap();
    assert_eq!(board.poll(list, Some(MS)).unwrap(), Ok(&[][..]));
    assert_eq!(time.nanos(), MS);
    assert_eq!(board.poll(list, None).unwrap(), Ok(&[1, 2][..]));
    assert_eq!(time.nanos(), 3 * MS);
    assert_eq!(board.poll(list, Some(0)).unwrap(), Ok(&[1, 2][..]));
    assert_eq!(board.poll(list, Some(10 * MS)).unwrap(), Ok(&[1, 2][..]));
    board.sleep(2 * MS).unwrap();
    assert_eq!(board.poll(list, Some(0)).unwrap(), Ok(&[0, 1, 2][..]));
    let empty = Handles::new(&memory, 0, 0, &table).unwrap();
    assert_eq!(board.poll(empty, None).unwrap(), Err(PollError::EmptyWait));
    assert_eq!(board.poll(empty, Some(7 * MS)).unwrap(), Ok(&[][..]));
    assert_eq!(time.nanos(), 12 * MS);
    // A timeout past the end of the clock counts as none.
    assert_eq!(
        board.poll(empty, Some(u64::MAX)).unwrap(),
        Err(PollError::EmptyWait)
    );
}

const EEPROM: Address = Address::SevenBit(0x50);
const ALLOWED: &[Address] = &[EEPROM];

#[test]
fn i2c_reads_and_writes_go_to_the_hal_with_the_spec_checks_first() {
    let i2c = I2cMock::new(&[
        I2cT::transaction_start(0x50),
        I2cT::read(0x50, vec![1, 2, 3]),
        I2cT::transaction_end(0x50),
        I2cT::transaction_start(0x50),
        I2cT::write(0x50, vec![0x00, 0x10]),
        I2cT::read(0x50, vec![0xaa]),
        I2cT::transaction_end(0x50),
    ]);
    let (board, _) = board();
    let mut board =
        board.bus(Bus::new("i2c0", 400_000, ALLOWED, SevenBit(i2c.clone())).max_transfer(64));
    let mut bus = I2c::open(&mut board, "i2c0").unwrap().unwrap();
    assert_eq!(
        I2c::open(&mut board, "i2c9").unwrap().err(),
        Some(I2cError::NotFound)
    );
    assert_eq!(
        board.bus_read(&mut bus, EEPROM, 3).unwrap(),
        Ok(&[1, 2, 3][..])
    );
    assert_eq!(
        board
            .bus_write_read(&mut bus, EEPROM, &[0x00, 0x10], 1)
            .unwrap(),
        Ok(&[0xaa][..])
    );
    // Refused before the bus is touched:
    assert_eq!(
        board
            .bus_read(&mut bus, Address::SevenBit(0x51), 1)
            .unwrap(),
        Err(I2cError::NotPermitted)
    );
    assert_eq!(
        board
            .bus_read(&mut bus, Address::SevenBit(0x80), 1)
            .unwrap(),
        Err(I2cError::InvalidArgument)
    );
    assert_eq!(
        board.bus_read(&mut bus, EEPROM, 0).unwrap(),
        Err(I2cError::InvalidArgument)
    );
    assert_eq!(
        board.bus_read(&mut bus, EEPROM, 65).unwrap(),
        Err(I2cError::InvalidArgument)
    );
    assert_eq!(board.bus_frequency_hz(&mut bus).unwrap(), 400_000);
    assert_eq!(board.bus_max_transfer_length(&mut bus).unwrap(), 64);
    let buses: Vec<_> = board
        .list_buses()
        .unwrap()
        .iter()
        .map(|b| (b.name, b.allowed.to_vec()))
        .collect();
    assert_eq!(buses, [("i2c0", vec![EEPROM])]);
    drop(board);
    i2c.clone().done();
}

/// A bus whose every transfer fails with `kind`.
struct Failing(ErrorKind);

impl embedded_hal::i2c::ErrorType for Failing {
    type Error = ErrorKind;
}

impl embedded_hal::i2c::I2c for Failing {
    fn transaction(
        &mut self,
        _: u8,
        _: &mut [embedded_hal::i2c::Operation<'_>],
    ) -> Result<(), ErrorKind> {
        Err(self.0)
    }
}

#[test]
fn hal_bus_errors_become_the_specs_error_codes() {
    let cases = [
        (
            ErrorKind::NoAcknowledge(HalNack::Address),
            I2cError::NoAcknowledge(NoAcknowledgeSource::Address),
        ),
        (
            ErrorKind::NoAcknowledge(HalNack::Data),
            I2cError::NoAcknowledge(NoAcknowledgeSource::Data),
        ),
        (ErrorKind::ArbitrationLoss, I2cError::ArbitrationLoss),
        (ErrorKind::Bus, I2cError::Bus),
        (ErrorKind::Overrun, I2cError::Overrun),
        (ErrorKind::Other, I2cError::Other),
    ];
    for (kind, code) in cases {
        let (board, _) = board();
        let mut board = board.bus(Bus::new("i2c0", 100_000, ALLOWED, SevenBit(Failing(kind))));
        let mut bus = I2c::open(&mut board, "i2c0").unwrap().unwrap();
        assert_eq!(
            board.bus_write(&mut bus, EEPROM, &[0]).unwrap(),
            Err(code),
            "{kind:?}"
        );
        assert_eq!(
            board.bus_read(&mut bus, EEPROM, 2).unwrap(),
            Err(code),
            "{kind:?}"
        );
    }
}

/// Lifts an `i2c.operation` (discriminant byte, payload at 4) from guest
/// memory, as the generated glue does.
fn lift_operation(memory: &[u8], at: u32) -> Result<Operation<'_>, Error> {
    let word = |o: u32| u32::from_le_bytes(memory[(at + o) as usize..][..4].try_into().unwrap());
    Ok(match memory[at as usize] {
        0 => Operation::Read(word(4)),
        1 => Operation::Write(&memory[word(4) as usize..][..word(8) as usize]),
        _ => return Err(Error::InvalidDiscriminant),
    })
}

#[test]
fn an_i2c_transaction_returns_each_read_in_order() {
    let i2c = I2cMock::new(&[
        I2cT::transaction_start(0x50),
        I2cT::read(0x50, vec![7]),
        I2cT::write(0x50, vec![0x12, 0x34]),
        I2cT::read(0x50, vec![8, 9]),
        I2cT::transaction_end(0x50),
    ]);
    let (board, _) = board();
    let mut board = board.bus(Bus::new("i2c0", 100_000, ALLOWED, SevenBit(i2c.clone())));
    let mut bus = I2c::open(&mut board, "i2c0").unwrap().unwrap();
    // read(1), write([0x12, 0x34]), read(2); the written bytes at 36.
    let mut memory = vec![0u8; 40];
    memory[0] = 0;
    memory[4..8].copy_from_slice(&1u32.to_le_bytes());
    memory[12] = 1;
    memory[16..20].copy_from_slice(&36u32.to_le_bytes());
    memory[20..24].copy_from_slice(&2u32.to_le_bytes());
    memory[24] = 0;
    memory[28..32].copy_from_slice(&2u32.to_le_bytes());
    memory[36..38].copy_from_slice(&[0x12, 0x34]);
    let operations = List::new(&memory, 0, 3, 12, 4, lift_operation).unwrap();
    assert_eq!(
        board.bus_transaction(&mut bus, EEPROM, operations).unwrap(),
        Ok(&[&[7][..], &[8, 9][..]][..])
    );
    let none = List::new(&memory, 0, 0, 12, 4, lift_operation).unwrap();
    assert_eq!(
        board.bus_transaction(&mut bus, EEPROM, none).unwrap(),
        Ok(&[][..])
    );
    drop(board);
    i2c.clone().done();
}

const MODE0: spi::Config = spi::Config {
    mode: spi::Mode::Mode0,
    bit_order: spi::BitOrder::MsbFirst,
    frequency_hz: 8_000_000,
};

/// Each spec call is one transaction of the firmware's `SpiDevice`, with
/// the operation the app asked for; the spec's checks come first.
#[test]
fn spi_calls_are_one_hal_transaction_each_with_the_spec_checks_first() {
    let flash = SpiMock::new(&[
        SpiT::transaction_start(),
        SpiT::read_vec(vec![0xef, 0x40]),
        SpiT::transaction_end(),
        SpiT::transaction_start(),
        SpiT::write_vec(vec![0x06]),
        SpiT::transaction_end(),
        SpiT::transaction_start(),
        SpiT::transfer(vec![0x05, 0x00], vec![0xff, 0x02]),
        SpiT::transaction_end(),
        SpiT::transaction_start(),
        SpiT::transfer_in_place(vec![0x9f, 0, 0, 0], vec![0xff, 0xef, 0x40, 0x16]),
        SpiT::transaction_end(),
    ]);
    let (board, _) = board();
    let mut board = board.spi(SpiDevice::new("flash", MODE0, flash.clone()).max_transfer(40));
    assert_eq!(
        Spi::open(&mut board, "eeprom").unwrap().err(),
        Some(SpiError::NotFound)
    );
    let mut device = Spi::open(&mut board, "flash").unwrap().unwrap();
    assert_eq!(
        board.device_read(&mut device, 2).unwrap(),
        Ok(&[0xef, 0x40][..])
    );
    assert_eq!(board.device_write(&mut device, &[0x06]).unwrap(), Ok(()));
    assert_eq!(
        board.device_transfer(&mut device, &[0x05, 0x00]).unwrap(),
        Ok(&[0xff, 0x02][..])
    );
    assert_eq!(
        board
            .device_transfer_in_place(&mut device, &[0x9f, 0, 0, 0])
            .unwrap(),
        Ok(&[0xff, 0xef, 0x40, 0x16][..])
    );
    // Refused before the device is touched:
    let invalid = Err(SpiError::InvalidArgument);
    assert_eq!(board.device_read(&mut device, 0).unwrap(), invalid);
    assert_eq!(board.device_read(&mut device, 41).unwrap(), invalid);
    assert_eq!(
        board.device_write(&mut device, &[0; 41]).unwrap(),
        Err(SpiError::InvalidArgument)
    );
    assert_eq!(board.device_transfer(&mut device, &[]).unwrap(), invalid);
    assert_eq!(board.device_max_transfer_length(&mut device).unwrap(), 40);
    let config = board.device_config(&mut device).unwrap();
    assert_eq!(
        (config.mode, config.bit_order, config.frequency_hz),
        (spi::Mode::Mode0, spi::BitOrder::MsbFirst, 8_000_000)
    );
    let devices: Vec<_> = board
        .list_devices()
        .unwrap()
        .iter()
        .map(|d| d.name)
        .collect();
    assert_eq!(devices, ["flash"]);
    drop(board);
    flash.clone().done();
}

/// A device whose every transaction fails with `kind`.
struct FailingSpi(embedded_hal::spi::ErrorKind);

impl embedded_hal::spi::ErrorType for FailingSpi {
    type Error = embedded_hal::spi::ErrorKind;
}

impl embedded_hal::spi::SpiDevice for FailingSpi {
    fn transaction(
        &mut self,
        _: &mut [embedded_hal::spi::Operation<'_, u8>],
    ) -> Result<(), embedded_hal::spi::ErrorKind> {
        Err(self.0)
    }
}

#[test]
fn hal_spi_errors_become_the_specs_error_codes() {
    use embedded_hal::spi::ErrorKind as K;
    let cases = [
        (K::Overrun, SpiError::Overrun),
        (K::ModeFault, SpiError::ModeFault),
        (K::FrameFormat, SpiError::FrameFormat),
        (K::ChipSelectFault, SpiError::ChipSelectFault),
        (K::Other, SpiError::Other),
    ];
    for (kind, code) in cases {
        let (board, _) = board();
        let mut board = board.spi(SpiDevice::new("d", MODE0, FailingSpi(kind)));
        let mut device = Spi::open(&mut board, "d").unwrap().unwrap();
        assert_eq!(
            board.device_write(&mut device, &[0]).unwrap(),
            Err(code),
            "{kind:?}"
        );
        assert_eq!(
            board.device_read(&mut device, 2).unwrap(),
            Err(code),
            "{kind:?}"
        );
    }
}

/// Lifts an `spi.operation` (discriminant byte, payload at 4) from guest
/// memory, as the generated glue does.
fn lift_spi_operation(memory: &[u8], at: u32) -> Result<spi::Operation<'_>, Error> {
    let word = |o: u32| u32::from_le_bytes(memory[(at + o) as usize..][..4].try_into().unwrap());
    let bytes = || &memory[word(4) as usize..][..word(8) as usize];
    Ok(match memory[at as usize] {
        0 => spi::Operation::Read(word(4)),
        1 => spi::Operation::Write(bytes()),
        2 => spi::Operation::Transfer(bytes()),
        3 => spi::Operation::DelayNs(word(4)),
        _ => return Err(Error::InvalidDiscriminant),
    })
}

/// A flash's read command: the chip select held over the command, a pause,
/// the data and a transfer; one list per read and transfer, in order.
#[test]
fn an_spi_transaction_is_one_hal_transaction_in_order() {
    let flash = SpiMock::new(&[
        SpiT::transaction_start(),
        SpiT::write_vec(vec![0x03, 0x00, 0x10, 0x00]),
        SpiT::delay(500),
        SpiT::read_vec(vec![0xde, 0xad]),
        SpiT::transfer_in_place(vec![0x00], vec![0xbe]),
        SpiT::transaction_end(),
        SpiT::transaction_start(),
        SpiT::transaction_end(),
    ]);
    let (board, _) = board();
    let mut board = board.spi(SpiDevice::new("flash", MODE0, flash.clone()));
    let mut device = Spi::open(&mut board, "flash").unwrap().unwrap();
    // write([03 00 10 00]), delay-ns(500), read(2), transfer([00]); the
    // bytes at 48 and 52.
    let mut memory = vec![0u8; 56];
    memory[0] = 1;
    memory[4..8].copy_from_slice(&48u32.to_le_bytes());
    memory[8..12].copy_from_slice(&4u32.to_le_bytes());
    memory[12] = 3;
    memory[16..20].copy_from_slice(&500u32.to_le_bytes());
    memory[24] = 0;
    memory[28..32].copy_from_slice(&2u32.to_le_bytes());
    memory[36] = 2;
    memory[40..44].copy_from_slice(&52u32.to_le_bytes());
    memory[44..48].copy_from_slice(&1u32.to_le_bytes());
    memory[48..52].copy_from_slice(&[0x03, 0x00, 0x10, 0x00]);
    let operations = List::new(&memory, 0, 4, 12, 4, lift_spi_operation).unwrap();
    assert_eq!(
        board.device_transaction(&mut device, operations).unwrap(),
        Ok(&[&[0xde, 0xad][..], &[0xbe][..]][..])
    );
    // No operations: the chip select alone.
    let none = List::new(&memory, 0, 0, 12, 4, lift_spi_operation).unwrap();
    assert_eq!(
        board.device_transaction(&mut device, none).unwrap(),
        Ok(&[][..])
    );
    // An empty transfer is refused before the device is touched.
    memory[44..48].copy_from_slice(&0u32.to_le_bytes());
    let empty = List::new(&memory, 36, 1, 12, 4, lift_spi_operation).unwrap();
    assert_eq!(
        board.device_transaction(&mut device, empty).unwrap(),
        Err(SpiError::InvalidArgument)
    );
    drop(board);
    flash.clone().done();
}

#[test]
fn the_log_sink_gets_records_at_its_level_and_above() {
    let records = std::cell::RefCell::new(Vec::new());
    let (board, _) = board();
    let mut board = board.log_to(Level::Info, |level, message| {
        records.borrow_mut().push((level, message.to_string()))
    });
    assert!(!board.enabled(Level::Debug).unwrap());
    assert!(board.enabled(Level::Warn).unwrap());
    board.log(Level::Debug, "hidden").unwrap();
    board.log(Level::Error, "shown").unwrap();
    drop(board);
    assert_eq!(records.into_inner(), [(Level::Error, "shown".to_string())]);
}
