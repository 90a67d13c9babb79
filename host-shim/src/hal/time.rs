//! Timers and `poll` on a monotonic clock and embedded-hal's `DelayNs`.

use alloc::rc::Rc;
use core::cell::Cell;

use embedded_hal::delay::DelayNs;

use super::Board;
use crate::app::gpio::Edge;
use crate::app::poll::ErrorCode as PollError;
use crate::app::timer::ErrorCode;
use crate::runtime::{Error, Handles};

/// The monotonic clock that `timer.now` reads, which embedded-hal lacks:
/// a hardware timer, a cycle counter, or a virtual clock in tests.
pub trait Clock {
    /// Nanoseconds since an arbitrary start; never goes back.
    fn now_ns(&mut self) -> u64;
    /// The smallest step of [`now_ns`](Clock::now_ns), in nanoseconds.
    fn resolution_ns(&self) -> u64;
}

/// Virtual time, for simulated boards and tests: a [`Clock`] that a
/// [`DelayNs`] on a clone advances at once, so that an app that sleeps an
/// hour runs in microseconds. Clones share one time. It starts at 0 and
/// stops at the end of `u64`.
#[derive(Debug, Clone, Default)]
pub struct VirtualTime(Rc<Cell<u64>>);

impl VirtualTime {
    /// Time 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The time now, in nanoseconds.
    pub fn nanos(&self) -> u64 {
        self.0.get()
    }

    fn advance(&self, ns: u64) {
        self.0.set(self.0.get().saturating_add(ns));
    }
}

impl Clock for VirtualTime {
    fn now_ns(&mut self) -> u64 {
        self.nanos()
    }
    fn resolution_ns(&self) -> u64 {
        1
    }
}

impl DelayNs for VirtualTime {
    fn delay_ns(&mut self, ns: u32) {
        self.advance(u64::from(ns));
    }
    fn delay_us(&mut self, us: u32) {
        self.advance(u64::from(us) * 1_000);
    }
    fn delay_ms(&mut self, ms: u32) {
        self.advance(u64::from(ms) * 1_000_000);
    }
}

/// The most pollables one `poll` takes (the spec asks for at least 16).
pub const MAX_POLL: usize = 64;

/// What a guest's pollable waits for.
#[derive(Debug)]
pub enum Pollable {
    /// The clock reaching an instant (a one-shot's deadline).
    At(u64),
    /// A periodic timer having a tick that `wait` has not taken; ready once
    /// the timer is dropped.
    Tick(PeriodicHandle),
    /// An edge on a pin, found by sampling; ready from the first one on.
    Edge {
        /// The pin's index on the board.
        pin: usize,
        /// Whether the pin's logical level is the inverse of the line's.
        active_low: bool,
        /// Which edges count.
        edge: Edge,
        /// The logical level at the last sample.
        last: Cell<bool>,
        /// Whether an edge has been seen.
        seen: Cell<bool>,
    },
}

/// A periodic timer, as the guest's handle stands for it: an index into
/// the board's timers and the generation that was there when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodicHandle {
    index: usize,
    generation: u32,
}

/// A periodic timer's state.
pub(super) struct Periodic {
    generation: u32,
    /// `(period, next tick)` while the timer lives.
    live: Option<(u64, u64)>,
}

impl<C: Clock, D: DelayNs> Board<'_, C, D> {
    /// The period and next tick of a live periodic timer.
    fn ticks(&self, timer: PeriodicHandle) -> Option<(u64, u64)> {
        self.periodics
            .get(timer.index)
            .filter(|p| p.generation == timer.generation)
            .and_then(|p| p.live)
    }

    fn ticks_mut(&mut self, timer: PeriodicHandle) -> Result<&mut (u64, u64), Error> {
        self.periodics
            .get_mut(timer.index)
            .filter(|p| p.generation == timer.generation)
            .and_then(|p| p.live.as_mut())
            .ok_or(Error::InvalidHandle)
    }

    /// Whether `pollable` is ready now (sampling its pin if it has one).
    fn is_ready(&mut self, pollable: &Pollable) -> Result<bool, Error> {
        Ok(match pollable {
            Pollable::At(deadline) => self.clock.now_ns() >= *deadline,
            Pollable::Tick(timer) => match self.ticks(*timer) {
                Some((_, next)) => self.clock.now_ns() >= next,
                None => true,
            },
            Pollable::Edge {
                pin,
                active_low,
                edge,
                last,
                seen,
            } => {
                if !seen.get() {
                    let now = self.level(*pin, *active_low)?;
                    seen.set(super::gpio::is_edge(*edge, last.get(), now));
                    last.set(now);
                }
                seen.get()
            }
        })
    }

    /// When `pollable` should next be looked at: its deadline, or the next
    /// sample for a pin.
    fn next_look(&self, pollable: &Pollable, now: u64) -> u64 {
        match pollable {
            Pollable::At(deadline) => *deadline,
            Pollable::Tick(timer) => self.ticks(*timer).map_or(now, |(_, next)| next),
            Pollable::Edge { .. } => now.saturating_add(self.sample_interval_ns),
        }
    }
}

impl<C: Clock, D: DelayNs> crate::app::poll::Poll for Board<'_, C, D> {
    type Pollable = Pollable;

    fn pollable_ready(&mut self, pollable: &mut Pollable) -> Result<bool, Error> {
        self.is_ready(pollable)
    }

    fn pollable_block(&mut self, pollable: &mut Pollable) -> Result<(), Error> {
        while !self.is_ready(pollable)? {
            let now = self.clock.now_ns();
            let wake = self.next_look(pollable, now);
            self.sleep_until_ns(wake);
        }
        Ok(())
    }

    fn poll(
        &mut self,
        in_: Handles<'_, Pollable>,
        timeout_ns: Option<u64>,
    ) -> Result<Result<&[u32], PollError>, Error> {
        if in_.len() > MAX_POLL {
            return Ok(Err(PollError::TooMany));
        }
        // A timeout past the end of u64 counts as none (found by fuzzing:
        // with no pollables, that waited for ever).
        let end = timeout_ns.and_then(|t| self.clock.now_ns().checked_add(t));
        if in_.is_empty() && end.is_none() {
            return Ok(Err(PollError::EmptyWait));
        }
        let mut ready = [0u32; MAX_POLL];
        loop {
            let mut count = 0;
            for (index, pollable) in in_.iter().enumerate() {
                if self.is_ready(pollable)? {
                    ready[count] = index as u32;
                    count += 1;
                }
            }
            let now = self.clock.now_ns();
            if count > 0 || end.is_some_and(|end| now >= end) {
                self.arena.reset();
                return Ok(Ok(self.arena.alloc_slice_copy(&ready[..count])));
            }
            let wake = in_
                .iter()
                .map(|p| self.next_look(p, now))
                .chain(end)
                .min()
                .unwrap_or(now);
            self.sleep_until_ns(wake);
        }
    }
}

impl<C: Clock, D: DelayNs> crate::app::timer::Timer for Board<'_, C, D> {
    type OneShot = u64;
    type Periodic = PeriodicHandle;

    fn now(&mut self) -> Result<u64, Error> {
        Ok(self.clock.now_ns())
    }

    fn resolution(&mut self) -> Result<u64, Error> {
        Ok(self.clock.resolution_ns())
    }

    fn sleep(&mut self, duration: u64) -> Result<(), Error> {
        let deadline = self.clock.now_ns().saturating_add(duration);
        self.sleep_until_ns(deadline);
        Ok(())
    }

    fn sleep_until(&mut self, deadline: u64) -> Result<(), Error> {
        self.sleep_until_ns(deadline);
        Ok(())
    }

    fn one_shot_at(&mut self, deadline: u64) -> Result<Result<u64, ErrorCode>, Error> {
        Ok(Ok(deadline))
    }

    fn one_shot_after(&mut self, delay: u64) -> Result<Result<u64, ErrorCode>, Error> {
        Ok(self
            .clock
            .now_ns()
            .checked_add(delay)
            .ok_or(ErrorCode::InvalidArgument))
    }

    fn one_shot_deadline(&mut self, one_shot: &mut u64) -> Result<u64, Error> {
        Ok(*one_shot)
    }

    fn one_shot_is_expired(&mut self, one_shot: &mut u64) -> Result<bool, Error> {
        Ok(self.clock.now_ns() >= *one_shot)
    }

    fn one_shot_wait(&mut self, one_shot: &mut u64) -> Result<(), Error> {
        self.sleep_until_ns(*one_shot);
        Ok(())
    }

    fn one_shot_subscribe(&mut self, one_shot: &mut u64) -> Result<Pollable, Error> {
        Ok(Pollable::At(*one_shot))
    }

    fn periodic_start(&mut self, period: u64) -> Result<Result<PeriodicHandle, ErrorCode>, Error> {
        let Some(first) = (period > 0)
            .then(|| self.clock.now_ns().checked_add(period))
            .flatten()
        else {
            return Ok(Err(ErrorCode::InvalidArgument));
        };
        let live = Some((period, first));
        let index = match self.periodics.iter().position(|p| p.live.is_none()) {
            Some(index) => {
                let slot = &mut self.periodics[index];
                slot.generation = slot.generation.wrapping_add(1);
                slot.live = live;
                index
            }
            None => {
                self.periodics.push(Periodic {
                    generation: 0,
                    live,
                });
                self.periodics.len() - 1
            }
        };
        Ok(Ok(PeriodicHandle {
            index,
            generation: self.periodics[index].generation,
        }))
    }

    fn periodic_period(&mut self, periodic: &mut PeriodicHandle) -> Result<u64, Error> {
        Ok(self.ticks_mut(*periodic)?.0)
    }

    fn periodic_next_tick(&mut self, periodic: &mut PeriodicHandle) -> Result<u64, Error> {
        Ok(self.ticks_mut(*periodic)?.1)
    }

    fn periodic_wait(&mut self, periodic: &mut PeriodicHandle) -> Result<u64, Error> {
        let (_, next) = *self.ticks_mut(*periodic)?;
        self.sleep_until_ns(next);
        let now = self.clock.now_ns();
        let (period, next) = self.ticks_mut(*periodic)?;
        let passed = (now - *next) / *period + 1;
        *next = next.saturating_add(passed.saturating_mul(*period));
        Ok(passed - 1)
    }

    fn periodic_subscribe(&mut self, periodic: &mut PeriodicHandle) -> Result<Pollable, Error> {
        Ok(Pollable::Tick(*periodic))
    }

    fn periodic_drop(&mut self, periodic: PeriodicHandle) -> Result<(), Error> {
        self.ticks_mut(periodic)?;
        self.periodics[periodic.index].live = None;
        Ok(())
    }
}
