//! Pins, the wires between them, pull resistors and scripted inputs.
//!
//! Pins joined by wires share one line (a net). A line's level comes from
//! what drives it, in this order: a scripted input; push-pull outputs (if
//! they disagree, low wins and the contention is reported); open-drain
//! outputs that hold it low; then pull resistors (a pin's own pull when it is
//! open, or an external resistor from the board file); with none of these the
//! line floats and reads low. Levels here are physical; the spec's logical
//! levels (active-low) are applied per open pin.

use crate::time::Nanos;
use alloc::{string::String, vec, vec::Vec};

/// How an open pin drives its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Only reads.
    Input,
    /// Drives high or low.
    PushPull,
    /// Drives low or releases.
    OpenDrain,
}

/// A pull resistor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pull {
    /// None.
    None,
    /// To the supply.
    Up,
    /// To ground.
    Down,
}

/// What a pin can do (the spec's `capabilities`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Capabilities {
    pub input: bool,
    pub push_pull: bool,
    pub open_drain: bool,
    pub pull_up: bool,
    pub pull_down: bool,
    pub edges: bool,
}

impl Capabilities {
    /// Everything.
    pub const ALL: Capabilities = Capabilities {
        input: true,
        push_pull: true,
        open_drain: true,
        pull_up: true,
        pull_down: true,
        edges: true,
    };
}

/// The configuration of an open pin (the spec's `config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    pub pull: Pull,
    pub active_low: bool,
    pub initial_high: bool,
}

/// What a scripted input does to a line from its time on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drive {
    /// Drives it high.
    High,
    /// Drives it low.
    Low,
    /// Lets go.
    Release,
}

/// A pin of the board.
#[derive(Debug, Clone)]
pub struct Pin {
    pub name: String,
    pub capabilities: Capabilities,
    /// An external resistor on the line, from the board file.
    pub external_pull: Pull,
    /// Whether the app has the pin open.
    pub open: bool,
    /// The configuration the app last gave it; `None` until first opened.
    /// It stays after the app drops the pin: the host leaves it as it was.
    pub config: Option<Config>,
    /// The output latch, physical level (true = high).
    pub latch: bool,
    /// What the script does to the line now.
    pub scripted: Drive,
    /// Physical edges seen on this pin's line since the start.
    pub rising: u64,
    pub falling: u64,
}

/// A change to a pin at a time, from the board file's script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptEvent {
    pub at: Nanos,
    pub pin: usize,
    pub drive: Drive,
}

/// A level change of a line, for traces and waveforms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelChange {
    pub at: Nanos,
    /// The pins on the line.
    pub pins: Vec<usize>,
    pub high: bool,
}

/// Every pin and line of a board.
#[derive(Debug, Clone)]
pub struct Gpio {
    pub pins: Vec<Pin>,
    /// The net (line) of each pin.
    net: Vec<usize>,
    /// The level of each net, as last computed.
    level: Vec<bool>,
    /// Script events not yet applied, in time order.
    script: Vec<ScriptEvent>,
    next_script: usize,
    /// Level changes not yet taken by the trace.
    pub changes: Vec<LevelChange>,
    /// Contentions seen (two push-pull outputs disagreeing), not yet taken.
    pub contentions: Vec<(Nanos, Vec<usize>)>,
}

impl Gpio {
    /// The pins, joined into lines by `wires` (pairs of pin indices), with
    /// their `script` (any order).
    pub fn new(pins: Vec<Pin>, wires: &[(usize, usize)], mut script: Vec<ScriptEvent>) -> Gpio {
        // Union-find over the wires.
        let mut parent: Vec<usize> = (0..pins.len()).collect();
        fn find(p: &mut [usize], i: usize) -> usize {
            let mut i = i;
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for &(a, b) in wires {
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            parent[ra] = rb;
        }
        let net: Vec<usize> = (0..pins.len()).map(|i| find(&mut parent, i)).collect();
        script.sort_by_key(|e| e.at);
        let mut gpio = Gpio {
            level: vec![false; pins.len()],
            pins,
            net,
            script,
            next_script: 0,
            changes: Vec::new(),
            contentions: Vec::new(),
        };
        for n in 0..gpio.level.len() {
            gpio.level[n] = gpio.compute(n, 0);
        }
        gpio
    }

    /// The index of the pin called `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.pins.iter().position(|p| p.name == name)
    }

    /// The pins on `pin`'s line, itself included.
    pub fn line_of(&self, pin: usize) -> Vec<usize> {
        let n = self.net[pin];
        (0..self.pins.len()).filter(|&i| self.net[i] == n).collect()
    }

    /// The physical level of `pin`'s line.
    pub fn line_high(&self, pin: usize) -> bool {
        self.level[self.net[pin]]
    }

    /// The level the net would have now.
    fn compute(&mut self, net: usize, now: Nanos) -> bool {
        let (mut script_high, mut script_low) = (false, false);
        let (mut pp_high, mut pp_low, mut od_low) = (false, false, false);
        let (mut up, mut down) = (false, false);
        for (i, p) in self.pins.iter().enumerate() {
            if self.net[i] != net {
                continue;
            }
            match p.scripted {
                Drive::High => script_high = true,
                Drive::Low => script_low = true,
                Drive::Release => {}
            }
            if let Some(c) = p.config {
                match c.mode {
                    Mode::PushPull if p.latch => pp_high = true,
                    Mode::PushPull => pp_low = true,
                    Mode::OpenDrain if !p.latch => od_low = true,
                    _ => {}
                }
                match c.pull {
                    Pull::Up => up = true,
                    Pull::Down => down = true,
                    Pull::None => {}
                }
            }
            match p.external_pull {
                Pull::Up => up = true,
                Pull::Down => down = true,
                Pull::None => {}
            }
        }
        // A scripted input stands for something outside the board (a
        // button, a signal generator): it overrides the board's drivers.
        if script_low {
            return false;
        }
        if script_high {
            return true;
        }
        if pp_high && pp_low {
            let members = (0..self.pins.len())
                .filter(|&i| self.net[i] == net)
                .collect();
            self.contentions.push((now, members));
            return false;
        }
        if pp_low || od_low {
            return false;
        }
        if pp_high {
            return true;
        }
        // Pulls: a pull-down and a pull-up together divide; call it low.
        up && !down
    }

    /// Recomputes `pin`'s line after a change at `now`, counting an edge if
    /// the level changed.
    pub fn update(&mut self, pin: usize, now: Nanos) {
        let net = self.net[pin];
        let high = self.compute(net, now);
        if high != self.level[net] {
            self.level[net] = high;
            let members = self.line_of(pin);
            for &i in &members {
                if high {
                    self.pins[i].rising += 1;
                } else {
                    self.pins[i].falling += 1;
                }
            }
            self.changes.push(LevelChange {
                at: now,
                pins: members,
                high,
            });
        }
    }

    /// The time of the next script event after those applied.
    pub fn next_event(&self) -> Option<Nanos> {
        self.script.get(self.next_script).map(|e| e.at)
    }

    /// Applies every script event up to and including `t`, each at its time.
    pub fn run_script_until(&mut self, t: Nanos) {
        while let Some(&event) = self.script.get(self.next_script) {
            if event.at > t {
                break;
            }
            self.next_script += 1;
            self.pins[event.pin].scripted = event.drive;
            self.update(event.pin, event.at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::{vec, vec::Vec};

    fn pin(name: &str) -> Pin {
        Pin {
            name: name.into(),
            capabilities: Capabilities::ALL,
            external_pull: Pull::None,
            open: false,
            config: None,
            latch: false,
            scripted: Drive::Release,
            rising: 0,
            falling: 0,
        }
    }

    fn open(g: &mut Gpio, i: usize, mode: Mode, pull: Pull, latch: bool) {
        g.pins[i].config = Some(Config {
            mode,
            pull,
            active_low: false,
            initial_high: latch,
        });
        g.pins[i].latch = latch;
        g.update(i, 0);
    }

    #[test]
    fn a_wire_carries_an_output_to_an_input() {
        let mut g = Gpio::new(vec![pin("out"), pin("in")], &[(0, 1)], vec![]);
        open(&mut g, 1, Mode::Input, Pull::None, false);
        open(&mut g, 0, Mode::PushPull, Pull::None, true);
        assert!(g.line_high(1));
        g.pins[0].latch = false;
        g.update(0, 10);
        assert!(!g.line_high(1));
        assert_eq!((g.pins[1].rising, g.pins[1].falling), (1, 1));
    }

    #[test]
    fn pulls_and_open_drain_outputs_decide_a_line_nobody_drives() {
        let mut g = Gpio::new(vec![pin("a"), pin("b")], &[], vec![]);
        // A floating input reads low; with its pull-up, high.
        open(&mut g, 0, Mode::Input, Pull::None, false);
        assert!(!g.line_high(0));
        open(&mut g, 0, Mode::Input, Pull::Up, false);
        assert!(g.line_high(0));
        // Open drain released without a pull-up floats (low); with one, high;
        // driven low, low whatever the pull.
        open(&mut g, 1, Mode::OpenDrain, Pull::None, true);
        assert!(!g.line_high(1));
        open(&mut g, 1, Mode::OpenDrain, Pull::Up, true);
        assert!(g.line_high(1));
        open(&mut g, 1, Mode::OpenDrain, Pull::Up, false);
        assert!(!g.line_high(1));
    }

    #[test]
    fn a_script_drives_the_line_at_its_times() {
        let script = vec![
            ScriptEvent {
                at: 1_700_000_000,
                pin: 0,
                drive: Drive::Release,
            },
            ScriptEvent {
                at: 1_500_000_000,
                pin: 0,
                drive: Drive::Low,
            },
        ];
        let mut g = Gpio::new(vec![pin("button")], &[], script);
        open(&mut g, 0, Mode::Input, Pull::Up, false);
        assert_eq!(g.next_event(), Some(1_500_000_000));
        g.run_script_until(1_600_000_000);
        assert!(!g.line_high(0));
        g.run_script_until(2_000_000_000);
        assert!(g.line_high(0));
        assert_eq!(
            g.changes.iter().map(|c| (c.at, c.high)).collect::<Vec<_>>(),
            [(0, true), (1_500_000_000, false), (1_700_000_000, true)]
        );
        assert_eq!(g.next_event(), None);
    }

    #[test]
    fn two_push_pull_outputs_that_disagree_are_a_contention() {
        let mut g = Gpio::new(vec![pin("a"), pin("b")], &[(0, 1)], vec![]);
        open(&mut g, 0, Mode::PushPull, Pull::None, true);
        open(&mut g, 1, Mode::PushPull, Pull::None, false);
        assert!(!g.line_high(0));
        assert_eq!(g.contentions.len(), 1);
    }
}
