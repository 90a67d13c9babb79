//! The crates.io `lm75` driver (on embedded-hal 1.0) against the LM75 of
//! host-reference/boards/lm75.toml: it reads the board's 23.5 °C, and its
//! configuration and threshold writes land in their own registers, never on
//! the temperature. The driver talks to the board model through
//! [`BoardBus`], an embedded-hal `I2c` over `Board::i2c_transfer`, so every
//! transfer is checked by the policy and traced as an app's would be.

use embedded_hal::i2c::{ErrorKind, ErrorType, I2c, NoAcknowledgeSource, Operation};
use lm75::{FaultQueue, Lm75, OsMode, OsPolarity};
use wasi_hw_board::board::i2c::{Address, BusError, NackSource, Op};
use wasi_hw_board::board::{Board, I2cError, file};

fn board() -> Board {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../host-reference/boards/lm75.toml");
    file::load(&path, false).unwrap()
}

/// A bus of the board as an embedded-hal 7-bit `I2c`. One `transaction` is
/// one transfer; adjacent operations of one kind, which embedded-hal sends
/// without a repeated start between them, are not merged (the `lm75` driver
/// sends none), and the adapter refuses them rather than put a repeated
/// start where the driver expects none.
struct BoardBus<'a> {
    board: &'a mut Board,
    bus: usize,
}

impl<'a> BoardBus<'a> {
    fn open(board: &'a mut Board, name: &str) -> BoardBus<'a> {
        let bus = board.bus_open(name).unwrap();
        BoardBus { board, bus }
    }
}

impl ErrorType for BoardBus<'_> {
    type Error = ErrorKind;
}

impl I2c for BoardBus<'_> {
    fn transaction(
        &mut self,
        address: u8,
        operations: &mut [Operation<'_>],
    ) -> Result<(), ErrorKind> {
        let ops: Vec<Op> = operations
            .iter()
            .map(|o| match o {
                Operation::Read(buffer) => Op::Read(buffer.len() as u32),
                Operation::Write(bytes) => Op::Write(bytes),
            })
            .collect();
        let same_kind = ops
            .windows(2)
            .any(|w| matches!(w, [Op::Read(_), Op::Read(_)] | [Op::Write(_), Op::Write(_)]));
        assert!(!same_kind, "adjacent operations of one kind: {ops:?}");
        let name = match ops.as_slice() {
            [Op::Write(_)] => "write",
            [Op::Read(_)] => "read",
            [Op::Write(_), Op::Read(_)] => "write-read",
            _ => "transaction",
        };
        let reads = self
            .board
            .i2c_transfer(self.bus, name, Address::Seven(address), &ops)
            .map_err(|e| match e {
                I2cError::Bus(BusError::NoAcknowledge(NackSource::Address)) => {
                    ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address)
                }
                I2cError::Bus(BusError::NoAcknowledge(NackSource::Data)) => {
                    ErrorKind::NoAcknowledge(NoAcknowledgeSource::Data)
                }
                I2cError::Bus(BusError::NoAcknowledge(NackSource::Unknown)) => {
                    ErrorKind::NoAcknowledge(NoAcknowledgeSource::Unknown)
                }
                I2cError::Bus(BusError::ArbitrationLoss) => ErrorKind::ArbitrationLoss,
                I2cError::Bus(BusError::Bus) => ErrorKind::Bus,
                I2cError::Bus(BusError::Overrun) => ErrorKind::Overrun,
                _ => ErrorKind::Other,
            })?;
        let mut reads = reads.into_iter();
        for o in operations {
            if let Operation::Read(buffer) = o {
                buffer.copy_from_slice(&reads.next().expect("one result a read"));
            }
        }
        Ok(())
    }
}

/// The I2C transfers of the trace, as `op: wire`.
fn transfers(board: &Board) -> Vec<String> {
    board
        .trace
        .events
        .iter()
        .filter(|e| e.interface == "i2c" && e.op != "open")
        .map(|e| {
            let wire: Vec<&str> = e.args["wire"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| w.as_str().unwrap())
                .collect();
            format!("{}: {}", e.op, wire.join(", "))
        })
        .collect()
}

/// Reads `length` bytes of the register at `pointer`, as the driver would.
fn register(board: &mut Board, pointer: u8, length: u32) -> Vec<u8> {
    let bus = board.bus_open("sensor-bus").unwrap();
    let ops = [Op::Write(&[pointer]), Op::Read(length)];
    let mut reads = board
        .i2c_transfer(bus, "write-read", Address::Seven(0x48), &ops)
        .unwrap();
    reads.remove(0)
}

#[test]
fn the_lm75_driver_reads_the_temperature_of_the_board_file() {
    let mut board = board();
    let mut lm75 = Lm75::new(BoardBus::open(&mut board, "sensor-bus"), 0x48);
    assert_eq!(lm75.read_temperature().unwrap(), 23.5);
    lm75.destroy();
    assert_eq!(
        transfers(&board),
        ["write-read: S 0x48 W, write [00], Sr 0x48 R, read [17 80], P"]
    );
}

#[test]
fn configuring_the_lm75_leaves_its_temperature_alone() {
    let mut board = board();
    let mut lm75 = Lm75::new(BoardBus::open(&mut board, "sensor-bus"), 0x48);
    lm75.set_fault_queue(FaultQueue::_4).unwrap();
    lm75.set_os_polarity(OsPolarity::ActiveHigh).unwrap();
    lm75.set_os_mode(OsMode::Interrupt).unwrap();
    lm75.set_os_temperature(85.0).unwrap();
    lm75.set_hysteresis_temperature(70.0).unwrap();
    assert_eq!(lm75.read_temperature().unwrap(), 23.5);
    lm75.destroy();
    assert_eq!(
        transfers(&board),
        [
            "write: S 0x48 W, write [01 10], P",
            "write: S 0x48 W, write [01 14], P",
            "write: S 0x48 W, write [01 16], P",
            "write: S 0x48 W, write [03 55 00], P",
            "write: S 0x48 W, write [02 46 00], P",
            "write-read: S 0x48 W, write [00], Sr 0x48 R, read [17 80], P",
        ]
    );
    // Each write is in its register: Conf, Tos 85 °C, Thyst 70 °C.
    assert_eq!(register(&mut board, 0x01, 1), [0x16]);
    assert_eq!(register(&mut board, 0x03, 2), [0x55, 0x00]);
    assert_eq!(register(&mut board, 0x02, 2), [0x46, 0x00]);
    assert_eq!(register(&mut board, 0x00, 2), [0x17, 0x80]);
}
