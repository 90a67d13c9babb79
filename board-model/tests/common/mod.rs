//! What the driver tests share: an SPI device of a board as an
//! embedded-hal `SpiDevice`.

use embedded_hal::spi::{ErrorKind, ErrorType, Operation, SpiDevice};
use wasi_hw_board::board::spi::Op;
use wasi_hw_board::board::{Board, SpiError};

/// An SPI device of a board as an embedded-hal `SpiDevice`: one
/// `transaction` is one `Board::spi_transaction`, so every transaction is
/// checked, timed and traced as an app's would be. embedded-hal's `read`
/// sends 0x00, as the spec's; a `transfer` with a shorter write sends 0x00
/// past its end and keeps the reads its buffer has room for.
pub struct BoardSpi {
    pub board: Board,
    device: usize,
}

impl BoardSpi {
    /// The device `name` of `board`, opened.
    pub fn open(mut board: Board, name: &str) -> BoardSpi {
        let device = board.spi_open(name).unwrap();
        BoardSpi { board, device }
    }

    /// The `wire` of every SPI transaction traced, each joined with ` | `.
    pub fn wires(&self) -> Vec<String> {
        self.board
            .trace
            .events
            .iter()
            .filter(|e| e.interface == "spi" && e.op == "transaction")
            .map(|e| {
                let wire: Vec<&str> = e.args["wire"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|w| w.as_str().unwrap())
                    .collect();
                wire.join(" | ")
            })
            .collect()
    }
}

impl ErrorType for BoardSpi {
    type Error = ErrorKind;
}

impl SpiDevice for BoardSpi {
    fn transaction(&mut self, operations: &mut [Operation<'_, u8>]) -> Result<(), ErrorKind> {
        let outgoing: Vec<Vec<u8>> = operations
            .iter()
            .map(|o| match o {
                Operation::Transfer(r, w) => {
                    let mut out = w.to_vec();
                    out.resize(r.len().max(w.len()), 0);
                    out
                }
                Operation::TransferInPlace(b) => b.to_vec(),
                _ => Vec::new(),
            })
            .collect();
        let ops: Vec<Op<'_>> = operations
            .iter()
            .zip(&outgoing)
            .map(|(o, out)| match o {
                Operation::Read(b) => Op::Read(b.len() as u32),
                Operation::Write(b) => Op::Write(b),
                Operation::DelayNs(ns) => Op::DelayNs(*ns),
                Operation::Transfer(..) | Operation::TransferInPlace(_) => Op::Transfer(out),
            })
            .collect();
        let result = self.board.spi_transaction(self.device, "transaction", &ops);
        let mut back = result
            .map_err(|e| match e {
                SpiError::Wire(_) => ErrorKind::Other,
                _ => panic!("the board refused a driver's transaction: {}", e.name()),
            })?
            .into_iter();
        for o in operations.iter_mut() {
            match o {
                Operation::Read(b) | Operation::TransferInPlace(b) => {
                    b.copy_from_slice(&back.next().unwrap())
                }
                Operation::Transfer(r, _) => {
                    let got = back.next().unwrap();
                    let n = r.len();
                    r.copy_from_slice(&got[..n]);
                }
                Operation::Write(_) | Operation::DelayNs(_) => {}
            }
        }
        Ok(())
    }
}
