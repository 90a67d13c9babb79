//! What a pollable watches, and when it is ready: the one definition that
//! both hosts use (the reference host on wasmtime, and
//! `host::BoardHost` behind the generated shim), so that `poll`,
//! `pollable.ready` and `pollable.block` mean the same on both.
//!
//! A host keeps, per pin and per sensor, how many times it was opened (and
//! for a pin, reconfigured or closed): its generation. A watch remembers the
//! generation it was made in, and one on an earlier opening counts as ready
//! (whatever it waited for can no longer happen, and the app must not wait
//! for ever).

use crate::board::Board;
use crate::time::Nanos;

/// A periodic timer: ticks at `start + k * period` for k = 1, 2, ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periodic {
    pub start: Nanos,
    pub period: Nanos,
    /// Ticks taken by `wait`.
    pub taken: u64,
}

impl Periodic {
    /// A timer started at `now` that ticks every `period`; `None` if
    /// `period` is 0 or its first tick is past the end of the clock (the
    /// spec's `invalid-argument`).
    pub fn start(now: Nanos, period: Nanos) -> Option<Periodic> {
        (period != 0 && now.checked_add(period).is_some()).then_some(Periodic {
            start: now,
            period,
            taken: 0,
        })
    }

    /// The tick `wait` waits for, exactly; `None` past the end of the clock.
    pub fn next_wait(&self) -> Option<Nanos> {
        self.period
            .checked_mul(self.taken.checked_add(1)?)
            .and_then(|d| self.start.checked_add(d))
    }

    /// Takes the ticks up to `now` (at least the next one, which `wait`
    /// waited for) and returns how many of them were missed: the ticks
    /// that passed before the one taken.
    pub fn take(&mut self, now: Nanos) -> u64 {
        let next = self.taken.saturating_add(1);
        let passed = (now.saturating_sub(self.start) / self.period).max(next);
        self.taken = passed;
        passed - next
    }

    /// The instant of tick `k` (saturating at the end of the clock).
    pub fn tick(&self, k: u64) -> Nanos {
        self.start.saturating_add(self.period.saturating_mul(k))
    }

    /// The next tick that `wait` has not taken.
    pub fn next_tick(&self) -> Nanos {
        self.tick(self.taken.saturating_add(1))
    }
}

/// What a pollable watches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Watch {
    /// Logical edges on a pin: ready when the count passes `seen`.
    Edge {
        pin: usize,
        rising: bool,
        falling: bool,
        seen: u64,
        generation: u64,
    },
    /// An instant.
    Deadline(Nanos),
    /// A periodic timer's next tick, by the timer's id in the host's table
    /// of periodic timers (ids are never reused).
    Tick { periodic: u64 },
    /// A sample in a sensor's FIFO.
    DataReady { sensor: usize, generation: u64 },
    /// A sample newer than `after` whose `channel` is above (or below)
    /// `level`.
    Threshold {
        sensor: usize,
        generation: u64,
        channel: usize,
        level: f64,
        above: bool,
        after: u64,
    },
}

/// A pollable: a watch, latched once a one-way trigger fired.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pollable {
    pub watch: Watch,
    /// Once a one-way trigger fired, it stays ready.
    fired: bool,
}

impl Pollable {
    /// A pollable on `watch`, not yet fired.
    pub fn new(watch: Watch) -> Pollable {
        Pollable {
            watch,
            fired: false,
        }
    }

    /// Whether it is ready now ([`Watch::ready`]); a one-way trigger that
    /// fired stays ready.
    pub fn ready(
        &mut self,
        board: &mut Board,
        generations: &Generations,
        periodic: impl Fn(u64) -> Option<Periodic>,
    ) -> bool {
        if self.fired {
            return true;
        }
        let (ready, fires) = self.watch.ready(board, generations, periodic);
        self.fired = ready && fires;
        ready
    }
}

/// How many times each pin and each sensor was opened: the generation a
/// watch is checked against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generations {
    pub pins: alloc::vec::Vec<u64>,
    pub sensors: alloc::vec::Vec<u64>,
}

impl Generations {
    /// Generation 0 for each of the board's pins and sensors.
    pub fn new(board: &Board) -> Generations {
        Generations {
            pins: alloc::vec![0; board.gpio.pins.len()],
            sensors: alloc::vec![0; board.sensors.len()],
        }
    }
}

impl Watch {
    /// A watch for the next `rising` and/or `falling` edge of `pin` from
    /// now on, in its current opening.
    pub fn next_edge(
        board: &Board,
        generations: &Generations,
        pin: usize,
        rising: bool,
        falling: bool,
    ) -> Watch {
        Watch::Edge {
            pin,
            rising,
            falling,
            seen: board.pin_edges(pin, rising, falling),
            generation: generations.pins[pin],
        }
    }

    /// Whether the watch is ready now, and whether it is a one-way trigger
    /// (an edge, a threshold crossed), which then stays ready. `periodic`
    /// finds a periodic timer by id (`None`: dropped, so the watch is
    /// ready).
    pub fn ready(
        &self,
        board: &mut Board,
        generations: &Generations,
        periodic: impl Fn(u64) -> Option<Periodic>,
    ) -> (bool, bool) {
        let sensor_gone = |board: &Board, sensor: usize, generation: u64| {
            !board.sensors[sensor].open || generations.sensors[sensor] != generation
        };
        match *self {
            Watch::Edge {
                pin,
                rising,
                falling,
                seen,
                generation,
            } => {
                let closed = !board.gpio.pins[pin].open || generations.pins[pin] != generation;
                (closed || board.pin_edges(pin, rising, falling) > seen, true)
            }
            Watch::Deadline(t) => (board.now() >= t, false),
            Watch::Tick { periodic: id } => match periodic(id) {
                None => (true, false),
                Some(p) => (board.now() >= p.next_tick(), false),
            },
            Watch::DataReady { sensor, generation } => {
                if sensor_gone(board, sensor, generation) {
                    (true, false)
                } else {
                    board.sensor_catch_up(sensor);
                    (!board.sensors[sensor].fifo.is_empty(), false)
                }
            }
            Watch::Threshold {
                sensor,
                generation,
                channel,
                level,
                above,
                after,
            } => {
                if sensor_gone(board, sensor, generation) {
                    (true, true)
                } else {
                    board.sensor_catch_up(sensor);
                    let met = board.sensors[sensor].recent.iter().any(|x| {
                        x.sequence > after
                            && x.values
                                .get(channel)
                                .is_some_and(|&v| if above { v > level } else { v < level })
                    });
                    (met, true)
                }
            }
        }
    }

    /// When the watch can next become ready without the app acting, if
    /// anything on the board can make it so.
    pub fn next_event(
        &self,
        board: &Board,
        periodic: impl Fn(u64) -> Option<Periodic>,
    ) -> Option<Nanos> {
        match *self {
            Watch::Edge { .. } => board.next_event(),
            Watch::Deadline(t) => Some(t),
            Watch::Tick { periodic: id } => periodic(id).map(|p| p.next_tick()),
            Watch::DataReady { sensor, .. } | Watch::Threshold { sensor, .. } => {
                board.sensors[sensor].next_sample()
            }
        }
    }
}

#[cfg(all(test, feature = "file"))]
mod tests {
    use super::*;
    use crate::board::file::parse_str;
    use crate::board::gpio::{Config, Mode, Pull};

    /// The test board with its pin `led` open as an output, and the
    /// generations (the pin's still 0).
    fn led_open() -> (Board, Generations, usize) {
        let mut b = board();
        let g = Generations::new(&b);
        let output = Config {
            mode: Mode::PushPull,
            pull: Pull::None,
            active_low: false,
            initial_high: false,
        };
        let pin = b.pin_open("led", output).unwrap();
        (b, g, pin)
    }

    fn board() -> Board {
        parse_str(
            "test",
            "[[pin]]\nname = \"led\"\n\n[policy]\npins = [\"led\"]\n",
        )
        .unwrap()
    }

    #[test]
    fn a_periodic_timer_counts_the_ticks_missed_while_the_app_was_busy() {
        assert_eq!(Periodic::start(5, 0), None);
        assert_eq!(Periodic::start(u64::MAX - 1, 2), None);
        let mut p = Periodic::start(1_000, 100).unwrap();
        assert_eq!(p.next_wait(), Some(1_100));
        // Woken on time: nothing missed.
        assert_eq!(p.take(1_100), 0);
        assert_eq!(p.next_wait(), Some(1_200));
        // Woken at 1,450: ticks 1,200, 1,300 and 1,400 passed; 1,400 is
        // taken, two were missed.
        assert_eq!(p.take(1_450), 2);
        assert_eq!((p.taken, p.next_tick()), (4, 1_500));
        let late = Periodic {
            start: u64::MAX - 150,
            period: 100,
            taken: 1,
        };
        assert_eq!(late.next_wait(), None);
    }

    #[test]
    fn a_pollable_on_a_one_way_trigger_stays_ready() {
        let (mut b, mut g, pin) = led_open();
        let mut p = Pollable::new(Watch::Edge {
            pin,
            rising: true,
            falling: true,
            seen: 0,
            generation: 0,
        });
        assert!(!p.ready(&mut b, &g, |_| None));
        assert_eq!(p, Pollable::new(p.watch), "not latched while not ready");
        b.pin_set(pin, Some(true)).unwrap();
        assert!(p.ready(&mut b, &g, |_| None));
        assert_ne!(p, Pollable::new(p.watch), "latched once fired");
        g.pins[pin] += 1;
        assert!(p.ready(&mut b, &g, |_| None));
        // A deadline is not a one-way trigger: it is asked each time.
        let mut d = Pollable::new(Watch::Deadline(10));
        b.advance_to(10);
        assert!(d.ready(&mut b, &g, |_| None));
        assert_eq!(d, Pollable::new(Watch::Deadline(10)));
    }

    #[test]
    fn a_deadline_is_ready_from_its_instant_on() {
        let mut b = board();
        let g = Generations::new(&b);
        let w = Watch::Deadline(1_000);
        assert_eq!(w.ready(&mut b, &g, |_| None), (false, false));
        assert_eq!(w.next_event(&b, |_| None), Some(1_000));
        b.advance_to(1_000);
        assert_eq!(w.ready(&mut b, &g, |_| None), (true, false));
    }

    #[test]
    fn a_tick_waits_for_the_first_tick_not_taken_and_a_dropped_timer_is_ready() {
        let mut b = board();
        let g = Generations::new(&b);
        let timer = Periodic {
            start: 0,
            period: 100,
            taken: 1,
        };
        let find = |id| (id == 7).then_some(timer);
        let w = Watch::Tick { periodic: 7 };
        assert_eq!(w.next_event(&b, find), Some(200));
        b.advance_to(150);
        assert_eq!(w.ready(&mut b, &g, find), (false, false));
        b.advance_to(200);
        assert_eq!(w.ready(&mut b, &g, find), (true, false));
        // Dropped: nothing will tick, so waiting on it must not hang.
        let mut b = board();
        assert_eq!(w.ready(&mut b, &g, |_| None), (true, false));
        assert_eq!(w.next_event(&b, |_| None), None);
    }

    #[test]
    fn an_edge_is_a_one_way_trigger_and_one_on_an_earlier_opening_is_ready() {
        let (mut b, mut g, pin) = led_open();
        g.pins[pin] += 1;
        let w = Watch::next_edge(&b, &g, pin, true, false);
        assert_eq!(w.ready(&mut b, &g, |_| None), (false, true));
        b.pin_set(pin, Some(true)).unwrap();
        assert_eq!(w.ready(&mut b, &g, |_| None), (true, true));
        // A later opening (or reconfiguration) of the pin: the old watch
        // can never see its edge, so it is ready.
        let w = Watch::next_edge(&b, &g, pin, true, false);
        assert_eq!(w.ready(&mut b, &g, |_| None), (false, true));
        g.pins[pin] += 1;
        assert_eq!(w.ready(&mut b, &g, |_| None), (true, true));
    }
}
