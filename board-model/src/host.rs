//! The spec's semantics over the board model, behind the traits of the
//! generated `no_std` host shim (`wasi-hw-shim`).
//!
//! [`BoardHost`] is what the reference host (`host-reference`, on wasmtime)
//! does, without wasmtime or `std`: handles and their limit, pollables and
//! what each watches, waiting by moving the board's clock to the next
//! instant at which something can happen, one-shot and periodic timers, the
//! log and its least level, pins (with `wait-for-edge` and `subscribe`),
//! buses and sensors (with `subscribe-threshold`). It records the same trace
//! lines as the reference host, at the same times and in the same order, so
//! that a firmware running apps on this model can be compared with it trace
//! for trace by the conformance suite.
//!
//! Every resource is a `u32` representation: an index into one of this
//! host's own tables (the generated shim keeps the guest's handles to
//! these). Results that the guest receives as borrowed data are built in a
//! bump arena, reset at the start of each such call. A wait that nothing can
//! ever end, or a pollable past the handle limit, stops the app: the call
//! returns [`rt::Error::Trap`] and [`BoardHost::trap`] says why, in full.

use alloc::collections::BTreeMap;
use alloc::{format, string::String, vec::Vec};

use bumpalo::Bump;
use wasi_hw_shim::app as s;
use wasi_hw_shim::runtime::{self as rt, Handles, List};

use crate::board::gpio as model_gpio;
use crate::board::i2c::{Address as ModelAddress, BusError, NackSource, Op};
use crate::board::sensor::{Channel as ModelChannel, Sample as ModelSample, Sensor as ModelSensor};
use crate::board::spi::{self as model_spi, WireError};
use crate::board::{self, Board, GpioError, I2cError, SensorError, SpiError};
use crate::time::{Nanos, format_duration};
use crate::watch::{Generations, Periodic, Pollable, Watch};

/// The most pollables one `poll` takes (the spec's minimum is 16).
const MAX_POLL: usize = 64;

/// The longest log message kept, in bytes.
const MAX_LOG_MESSAGE: usize = 4096;

/// The bytes of log messages a host keeps by default (with each line's own
/// size): a guest that logs for ever keeps its latest 4 MiB.
pub const DEFAULT_MAX_LOG_BYTES: usize = 4 << 20;

/// What an embedder learns of a run as it goes, and how it stops a wait:
/// the reference host prints the trace live (`--echo`) and ends a run at
/// its wall-clock limit (`--timeout`) through this.
pub trait Watcher {
    /// Before a wait of the app's moves the clock from `board.now()` to
    /// `t` (under real time, by sleeping). An `Err` stops the app instead,
    /// with that message.
    fn before_wait(&mut self, board: &mut Board, t: Nanos) -> Result<(), String> {
        let _ = (board, t);
        Ok(())
    }

    /// After a call that may have changed the board (a wait, a transfer):
    /// the trace may have new events.
    fn after_call(&mut self, board: &Board) {
        let _ = board;
    }
}

/// A message the app logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub t: Nanos,
    pub level: &'static str,
    pub message: String,
}

/// A table of values by `u32` representation; a freed slot is reused.
struct Slab<T> {
    slots: Vec<Option<T>>,
}

impl<T> Slab<T> {
    fn new() -> Slab<T> {
        Slab { slots: Vec::new() }
    }

    /// Stores `value` in the first free slot; returns its representation.
    fn insert(&mut self, value: T) -> u32 {
        match self.slots.iter().position(Option::is_none) {
            Some(i) => {
                self.slots[i] = Some(value);
                i as u32
            }
            None => {
                self.slots.push(Some(value));
                (self.slots.len() - 1) as u32
            }
        }
    }

    fn get(&self, rep: u32) -> Result<&T, rt::Error> {
        self.slots
            .get(rep as usize)
            .and_then(Option::as_ref)
            .ok_or(rt::Error::InvalidHandle)
    }

    fn get_mut(&mut self, rep: u32) -> Result<&mut T, rt::Error> {
        self.slots
            .get_mut(rep as usize)
            .and_then(Option::as_mut)
            .ok_or(rt::Error::InvalidHandle)
    }

    fn remove(&mut self, rep: u32) -> Result<T, rt::Error> {
        self.slots
            .get_mut(rep as usize)
            .and_then(Option::take)
            .ok_or(rt::Error::InvalidHandle)
    }
}

/// An open sensor; `generation` tells it from a later opening of the same sensor.
#[derive(Clone, Copy)]
struct SensorRes {
    sensor: usize,
    generation: u64,
}

/// The board, the app's resources and what it logged, behind the generated
/// shim's traits.
pub struct BoardHost {
    pub board: Board,
    /// Why the host stopped the app, in full (the trap carries a short text
    /// only).
    pub trap: Option<String>,
    /// What the app logged, the latest within `max_log_bytes`.
    pub log: alloc::collections::VecDeque<LogLine>,
    /// The most bytes of messages `log` keeps; past it the oldest lines
    /// are dropped and counted in `log_dropped` (the trace has its own
    /// budget). Default [`DEFAULT_MAX_LOG_BYTES`].
    pub max_log_bytes: usize,
    /// The lines dropped from `log` to stay within `max_log_bytes`.
    pub log_dropped: u64,
    /// The bytes of the messages in `log`.
    log_bytes: usize,
    /// The least level `log.enabled` says yes to.
    pub min_level: s::log::Level,
    /// Borrowed results of the current call.
    arena: Bump,
    /// The reads of the last transfer and the last sample: `read`,
    /// `write-read` and `sensor.read` return them borrowed, without a copy
    /// into the arena (the reference host's hottest calls).
    reads: Vec<Vec<u8>>,
    sample: ModelSample,
    max_handles: usize,
    handles: usize,
    pins: Slab<usize>,
    buses: Slab<usize>,
    spi_devices: Slab<usize>,
    sensors: Slab<SensorRes>,
    one_shots: Slab<Nanos>,
    /// Periodic timer handles, each the id of its timer in `periodics`.
    periodic_handles: Slab<u64>,
    /// Periodic timers by id; ids are never reused, so that a watch on a
    /// dropped timer never sees a later one.
    periodics: BTreeMap<u64, Periodic>,
    next_id: u64,
    pollables: Slab<Pollable>,
    /// Per pin and per sensor: how many times each was opened (and, for
    /// pins, reconfigured or closed), so that a watch on an earlier opening
    /// is told apart.
    generations: Generations,
    /// Told of waits and calls as they happen; `None` for none.
    pub watcher: Option<alloc::boxed::Box<dyn Watcher + Send>>,
}

fn level_rank(l: s::log::Level) -> u8 {
    match l {
        s::log::Level::Trace => 0,
        s::log::Level::Debug => 1,
        s::log::Level::Info => 2,
        s::log::Level::Warn => 3,
        s::log::Level::Error => 4,
    }
}

fn level_name(l: s::log::Level) -> &'static str {
    match l {
        s::log::Level::Trace => "trace",
        s::log::Level::Debug => "debug",
        s::log::Level::Info => "info",
        s::log::Level::Warn => "warn",
        s::log::Level::Error => "error",
    }
}

/// `message` cut to at most `MAX_LOG_MESSAGE` bytes, on a character boundary.
fn truncated(message: &str) -> &str {
    if message.len() <= MAX_LOG_MESSAGE {
        return message;
    }
    let mut cut = MAX_LOG_MESSAGE;
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    &message[..cut]
}

impl BoardHost {
    /// A host over `board` that lets the app hold at most `max_handles`
    /// resources at once (the reference host's default is 64).
    pub fn new(board: Board, max_handles: usize) -> BoardHost {
        let generations = Generations::new(&board);
        BoardHost {
            board,
            trap: None,
            log: alloc::collections::VecDeque::new(),
            max_log_bytes: DEFAULT_MAX_LOG_BYTES,
            log_dropped: 0,
            log_bytes: 0,
            min_level: s::log::Level::Info,
            arena: Bump::new(),
            reads: Vec::new(),
            sample: ModelSample::default(),
            max_handles,
            handles: 0,
            pins: Slab::new(),
            buses: Slab::new(),
            spi_devices: Slab::new(),
            sensors: Slab::new(),
            one_shots: Slab::new(),
            periodic_handles: Slab::new(),
            periodics: BTreeMap::new(),
            next_id: 0,
            pollables: Slab::new(),
            generations,
            watcher: None,
        }
    }

    /// The arena for a trait method's borrowed result, emptied: where a
    /// vendor's own trait, implemented for `BoardHost`, builds the strings
    /// and lists it returns. They live until the next call that uses it.
    pub fn results(&mut self) -> &Bump {
        self.arena.reset();
        &self.arena
    }

    /// The bytes of log messages kept now, as `max_log_bytes` counts them.
    pub fn log_bytes(&self) -> usize {
        self.log_bytes
    }

    /// Moves the clock to `t` for a wait of the app's, unless the watcher
    /// stops the app first.
    fn advance(&mut self, t: Nanos) -> Result<(), rt::Error> {
        if let Some(watcher) = &mut self.watcher
            && let Err(message) = watcher.before_wait(&mut self.board, t)
        {
            return Err(self.stop_app(message, &"the app was stopped during a wait"));
        }
        self.board.advance_to(t);
        Ok(())
    }

    /// Tells the watcher that a call may have changed the board.
    fn called(&mut self) {
        if let Some(watcher) = &mut self.watcher {
            watcher.after_call(&self.board);
        }
    }

    /// Stops the app: keeps `message` for the report, returns the trap.
    fn stop_app(&mut self, message: String, short: &'static &'static str) -> rt::Error {
        self.trap = Some(message);
        rt::Error::Trap(short)
    }

    /// Whether the app holds as many handles as it may.
    fn at_limit(&self) -> bool {
        self.handles >= self.max_handles
    }

    /// Takes one handle of the budget, or says the limit is reached.
    fn take_handle(&mut self) -> bool {
        if self.at_limit() {
            return false;
        }
        self.handles += 1;
        true
    }

    fn release_handle(&mut self) {
        self.handles = self.handles.saturating_sub(1);
    }

    /// A new pollable on the app's budget; past the limit, a trap.
    fn pollable(&mut self, watch: Watch) -> Result<u32, rt::Error> {
        if !self.take_handle() {
            let message = format!(
                "the app holds {} handles, the most this host allows (--max-handles)",
                self.max_handles
            );
            return Err(self.stop_app(message, &"the app holds too many handles"));
        }
        Ok(self.pollables.insert(Pollable::new(watch)))
    }

    // ---- waiting ----

    fn ready(&mut self, rep: u32) -> Result<bool, rt::Error> {
        let periodics = &self.periodics;
        let pollable = self.pollables.get_mut(rep)?;
        Ok(pollable.ready(&mut self.board, &self.generations, |id| {
            periodics.get(&id).copied()
        }))
    }

    /// When a pollable can next become ready without the app acting.
    fn next_event(&self, rep: u32) -> Result<Option<Nanos>, rt::Error> {
        let watch = self.pollables.get(rep)?.watch;
        Ok(watch.next_event(&self.board, |id| self.periodics.get(&id).copied()))
    }

    /// Waits until one of `watched` is ready or `deadline` passes; returns
    /// the indices that are ready. Traps if nothing can ever end the wait.
    fn wait(
        &mut self,
        watched: &[u32],
        deadline: Option<Nanos>,
        what: &str,
    ) -> Result<Vec<u32>, rt::Error> {
        loop {
            let mut ready = Vec::new();
            for (i, &p) in watched.iter().enumerate() {
                if self.ready(p)? {
                    ready.push(i as u32);
                }
            }
            let now = self.board.now();
            if !ready.is_empty() || deadline.is_some_and(|d| now >= d) {
                return Ok(ready);
            }
            let mut next = deadline;
            for &p in watched {
                if let Some(t) = self.next_event(p)? {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
            match next {
                Some(t) => {
                    self.advance(t.max(now.saturating_add(1)))?;
                    self.called();
                }
                None => {
                    let message = format!(
                        "{what} at {} waits for ever: nothing on this board can make it ready (no timeout, no scripted input, no running sensor)",
                        format_duration(now)
                    );
                    return Err(self.stop_app(message, &"the app waits for ever"));
                }
            }
        }
    }

    fn deadline_after(&mut self, timeout: Option<u64>) -> Option<Nanos> {
        let now = self.board.now();
        timeout.and_then(|t| now.checked_add(t))
    }

    fn periodic_id(&self, rep: u32) -> Result<u64, rt::Error> {
        self.periodic_handles.get(rep).copied()
    }

    fn periodic(&self, id: u64) -> Result<Periodic, rt::Error> {
        self.periodics
            .get(&id)
            .copied()
            .ok_or(rt::Error::InvalidHandle)
    }
}

// ---- poll ----

impl s::poll::Poll for BoardHost {
    type Pollable = u32;

    fn pollable_ready(&mut self, p: &mut u32) -> Result<bool, rt::Error> {
        self.ready(*p)
    }

    fn pollable_block(&mut self, p: &mut u32) -> Result<(), rt::Error> {
        self.wait(&[*p], None, "pollable.block")?;
        Ok(())
    }

    fn poll(
        &mut self,
        list: Handles<'_, u32>,
        timeout_ns: Option<u64>,
    ) -> Result<Result<&[u32], s::poll::ErrorCode>, rt::Error> {
        let list: Vec<u32> = list.iter().copied().collect();
        let t = self.board.now();
        // A timeout that would pass the end of `u64` counts as none (the
        // spec), so an empty list with one is an `empty-wait` too.
        let deadline = self.deadline_after(timeout_ns);
        let result = if list.is_empty() && deadline.is_none() {
            Err(s::poll::ErrorCode::EmptyWait)
        } else if list.len() > MAX_POLL {
            Err(s::poll::ErrorCode::TooMany)
        } else {
            Ok(self.wait(&list, deadline, "poll")?)
        };
        let traced = match &result {
            Ok(v) => Ok(v.as_slice()),
            Err(s::poll::ErrorCode::EmptyWait) => Err("empty-wait"),
            Err(s::poll::ErrorCode::TooMany) => Err("too-many"),
        };
        self.board.trace.poll(t, list.len(), timeout_ns, traced);
        self.arena.reset();
        Ok(match result {
            Ok(v) => Ok(self.arena.alloc_slice_copy(&v)),
            Err(e) => Err(e),
        })
    }

    fn pollable_drop(&mut self, p: u32) -> Result<(), rt::Error> {
        self.pollables.remove(p)?;
        self.release_handle();
        Ok(())
    }
}

// ---- timer ----

impl s::timer::Timer for BoardHost {
    type OneShot = u32;
    type Periodic = u32;

    fn now(&mut self) -> Result<u64, rt::Error> {
        Ok(self.board.now())
    }

    fn resolution(&mut self) -> Result<u64, rt::Error> {
        Ok(self.board.clock.resolution())
    }

    fn sleep(&mut self, duration: u64) -> Result<(), rt::Error> {
        let t = self.board.now();
        self.advance(t.saturating_add(duration))?;
        self.board.trace.sleep(t, duration);
        self.called();
        Ok(())
    }

    fn sleep_until(&mut self, deadline: u64) -> Result<(), rt::Error> {
        let t = self.board.now();
        self.advance(deadline)?;
        self.board.trace.sleep_until(t, deadline);
        self.called();
        Ok(())
    }

    fn one_shot_at(
        &mut self,
        deadline: u64,
    ) -> Result<Result<u32, s::timer::ErrorCode>, rt::Error> {
        if !self.take_handle() {
            return Ok(Err(s::timer::ErrorCode::LimitReached));
        }
        Ok(Ok(self.one_shots.insert(deadline)))
    }

    fn one_shot_after(
        &mut self,
        delay: u64,
    ) -> Result<Result<u32, s::timer::ErrorCode>, rt::Error> {
        match self.board.now().checked_add(delay) {
            None => Ok(Err(s::timer::ErrorCode::InvalidArgument)),
            Some(deadline) => self.one_shot_at(deadline),
        }
    }

    fn one_shot_deadline(&mut self, o: &mut u32) -> Result<u64, rt::Error> {
        self.one_shots.get(*o).copied()
    }

    fn one_shot_is_expired(&mut self, o: &mut u32) -> Result<bool, rt::Error> {
        let d = *self.one_shots.get(*o)?;
        Ok(self.board.now() >= d)
    }

    fn one_shot_wait(&mut self, o: &mut u32) -> Result<(), rt::Error> {
        let d = *self.one_shots.get(*o)?;
        let t = self.board.now();
        self.advance(d)?;
        self.board.trace.one_shot_wait(t, d);
        self.called();
        Ok(())
    }

    fn one_shot_subscribe(&mut self, o: &mut u32) -> Result<u32, rt::Error> {
        let d = *self.one_shots.get(*o)?;
        self.pollable(Watch::Deadline(d))
    }

    fn periodic_start(
        &mut self,
        period: u64,
    ) -> Result<Result<u32, s::timer::ErrorCode>, rt::Error> {
        let now = self.board.now();
        let Some(timer) = Periodic::start(now, period) else {
            return Ok(Err(s::timer::ErrorCode::InvalidArgument));
        };
        if !self.take_handle() {
            return Ok(Err(s::timer::ErrorCode::LimitReached));
        }
        self.next_id += 1;
        let id = self.next_id;
        self.periodics.insert(id, timer);
        self.board.trace.periodic_start(now, period);
        Ok(Ok(self.periodic_handles.insert(id)))
    }

    fn periodic_period(&mut self, p: &mut u32) -> Result<u64, rt::Error> {
        let id = self.periodic_id(*p)?;
        Ok(self.periodic(id)?.period)
    }

    fn periodic_next_tick(&mut self, p: &mut u32) -> Result<u64, rt::Error> {
        let id = self.periodic_id(*p)?;
        let periodic = self.periodic(id)?;
        Ok(periodic.next_tick())
    }

    fn periodic_wait(&mut self, p: &mut u32) -> Result<u64, rt::Error> {
        let id = self.periodic_id(*p)?;
        let t = self.board.now();
        let mut periodic = self.periodic(id)?;
        let Some(next) = periodic.next_wait() else {
            let message =
                String::from("periodic.wait: the next tick is past the end of the clock (2^64 ns)");
            return Err(self.stop_app(message, &"periodic.wait past the end of the clock"));
        };
        self.advance(next)?;
        let missed = periodic.take(self.board.now());
        self.periodics.insert(id, periodic);
        self.board.trace.periodic_wait(t, periodic.period, missed);
        self.called();
        Ok(missed)
    }

    fn periodic_subscribe(&mut self, p: &mut u32) -> Result<u32, rt::Error> {
        let id = self.periodic_id(*p)?;
        self.pollable(Watch::Tick { periodic: id })
    }

    fn one_shot_drop(&mut self, o: u32) -> Result<(), rt::Error> {
        self.one_shots.remove(o)?;
        self.release_handle();
        Ok(())
    }

    fn periodic_drop(&mut self, p: u32) -> Result<(), rt::Error> {
        let id = self.periodic_handles.remove(p)?;
        self.periodics.remove(&id);
        self.release_handle();
        Ok(())
    }
}

// ---- log ----

impl s::log::Log for BoardHost {
    fn enabled(&mut self, level: s::log::Level) -> Result<bool, rt::Error> {
        Ok(level_rank(level) >= level_rank(self.min_level))
    }

    fn log(&mut self, level: s::log::Level, message: &str) -> Result<(), rt::Error> {
        let t = self.board.now();
        let message = truncated(message);
        if level_rank(level) >= level_rank(self.min_level) {
            self.board.trace.log(t, level_name(level), message);
            let size = core::mem::size_of::<LogLine>() + message.len();
            if size > self.max_log_bytes {
                // Larger than the whole budget: dropped, the rest kept.
                self.log_dropped += 1;
            } else {
                while self.log_bytes + size > self.max_log_bytes {
                    let Some(old) = self.log.pop_front() else {
                        break;
                    };
                    self.log_bytes -= core::mem::size_of::<LogLine>() + old.message.len();
                    self.log_dropped += 1;
                }
                self.log_bytes += size;
                self.log.push_back(LogLine {
                    t,
                    level: level_name(level),
                    message: String::from(message),
                });
            }
        }
        Ok(())
    }
}

// ---- gpio ----

fn gpio_error(e: GpioError) -> s::gpio::ErrorCode {
    match e {
        GpioError::NotFound => s::gpio::ErrorCode::NotFound,
        GpioError::NotPermitted => s::gpio::ErrorCode::NotPermitted,
        GpioError::Busy => s::gpio::ErrorCode::Busy,
        GpioError::Unsupported => s::gpio::ErrorCode::Unsupported,
        GpioError::WrongMode => s::gpio::ErrorCode::WrongMode,
        GpioError::LimitReached => s::gpio::ErrorCode::LimitReached,
        GpioError::Other => s::gpio::ErrorCode::Other,
    }
}

fn model_config(c: s::gpio::Config) -> model_gpio::Config {
    model_gpio::Config {
        mode: match c.mode {
            s::gpio::Mode::Input => model_gpio::Mode::Input,
            s::gpio::Mode::PushPullOutput => model_gpio::Mode::PushPull,
            s::gpio::Mode::OpenDrainOutput => model_gpio::Mode::OpenDrain,
        },
        pull: match c.pull {
            s::gpio::Pull::None => model_gpio::Pull::None,
            s::gpio::Pull::Up => model_gpio::Pull::Up,
            s::gpio::Pull::Down => model_gpio::Pull::Down,
        },
        active_low: c.active_low,
        initial_high: c.initial_high,
    }
}

fn spec_capabilities(c: model_gpio::Capabilities) -> s::gpio::Capabilities {
    let mut caps = s::gpio::Capabilities::empty();
    for (on, flag) in [
        (c.input, s::gpio::Capabilities::INPUT),
        (c.push_pull, s::gpio::Capabilities::PUSH_PULL_OUTPUT),
        (c.open_drain, s::gpio::Capabilities::OPEN_DRAIN_OUTPUT),
        (c.pull_up, s::gpio::Capabilities::PULL_UP),
        (c.pull_down, s::gpio::Capabilities::PULL_DOWN),
        (c.edges, s::gpio::Capabilities::EDGE_EVENTS),
    ] {
        if on {
            caps |= flag;
        }
    }
    caps
}

fn edge_flags(edge: s::gpio::Edge) -> (bool, bool) {
    match edge {
        s::gpio::Edge::Rising => (true, false),
        s::gpio::Edge::Falling => (false, true),
        s::gpio::Edge::Any => (true, true),
    }
}

/// The spec's name of an edge, for the trace.
fn edge_trace_name(edge: s::gpio::Edge) -> &'static str {
    match edge {
        s::gpio::Edge::Rising => "rising",
        s::gpio::Edge::Falling => "falling",
        s::gpio::Edge::Any => "any",
    }
}

impl s::gpio::Gpio for BoardHost {
    type Pin = u32;

    fn list_pins(&mut self) -> Result<&[s::gpio::PinInfo<'_>], rt::Error> {
        let pins = self.board.pins_granted();
        self.arena.reset();
        let arena = &self.arena;
        Ok(
            arena.alloc_slice_fill_iter(pins.iter().map(|(name, c)| s::gpio::PinInfo {
                name: arena.alloc_str(name),
                capabilities: spec_capabilities(*c),
            })),
        )
    }

    fn open(
        &mut self,
        name: &str,
        config: s::gpio::Config,
    ) -> Result<Result<u32, s::gpio::ErrorCode>, rt::Error> {
        if self.at_limit() {
            return Ok(Err(s::gpio::ErrorCode::LimitReached));
        }
        match self.board.pin_open(name, model_config(config)) {
            Err(e) => Ok(Err(gpio_error(e))),
            Ok(pin) => {
                self.take_handle();
                self.generations.pins[pin] += 1;
                Ok(Ok(self.pins.insert(pin)))
            }
        }
    }

    fn pin_name(&mut self, pin: &mut u32) -> Result<&str, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        self.arena.reset();
        Ok(self.arena.alloc_str(&self.board.gpio.pins[pin].name))
    }

    fn pin_reconfigure(
        &mut self,
        pin: &mut u32,
        config: s::gpio::Config,
    ) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        let result = self
            .board
            .pin_reconfigure(pin, model_config(config))
            .map_err(gpio_error);
        if result.is_ok() {
            // Pending edge watches end with the old configuration.
            self.generations.pins[pin] += 1;
        }
        Ok(result)
    }

    fn pin_is_high(
        &mut self,
        pin: &mut u32,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        Ok(self.board.pin_is_high(pin).map_err(gpio_error))
    }

    fn pin_set_high(&mut self, pin: &mut u32) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        Ok(self.board.pin_set(pin, Some(true)).map_err(gpio_error))
    }

    fn pin_set_low(&mut self, pin: &mut u32) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        Ok(self.board.pin_set(pin, Some(false)).map_err(gpio_error))
    }

    fn pin_toggle(&mut self, pin: &mut u32) -> Result<Result<(), s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        Ok(self.board.pin_set(pin, None).map_err(gpio_error))
    }

    fn pin_is_set_high(
        &mut self,
        pin: &mut u32,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        Ok(self.board.pin_is_set_high(pin).map_err(gpio_error))
    }

    fn pin_wait_for_edge(
        &mut self,
        pin: &mut u32,
        edge: s::gpio::Edge,
        timeout_ns: Option<u64>,
    ) -> Result<Result<bool, s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        let t = self.board.now();
        if !self.board.pin_supports_edges(pin) {
            return Ok(Err(s::gpio::ErrorCode::Unsupported));
        }
        let (rising, falling) = edge_flags(edge);
        let next = Watch::next_edge(&self.board, &self.generations, pin, rising, falling);
        // A temporary watch, outside the app's handle budget.
        let watch = self.pollables.insert(Pollable::new(next));
        let deadline = self.deadline_after(timeout_ns);
        let result = self.wait(&[watch], deadline, "pin.wait-for-edge");
        self.pollables.remove(watch)?;
        let edge_seen = !result?.is_empty();
        let name = &self.board.gpio.pins[pin].name;
        self.board
            .trace
            .wait_for_edge(t, name, edge_trace_name(edge), timeout_ns, edge_seen);
        Ok(Ok(edge_seen))
    }

    fn pin_subscribe(
        &mut self,
        pin: &mut u32,
        edge: s::gpio::Edge,
    ) -> Result<Result<u32, s::gpio::ErrorCode>, rt::Error> {
        let pin = *self.pins.get(*pin)?;
        if !self.board.pin_supports_edges(pin) {
            return Ok(Err(s::gpio::ErrorCode::Unsupported));
        }
        if self.at_limit() {
            return Ok(Err(s::gpio::ErrorCode::LimitReached));
        }
        let (rising, falling) = edge_flags(edge);
        let next = Watch::next_edge(&self.board, &self.generations, pin, rising, falling);
        Ok(Ok(self.pollable(next)?))
    }

    fn pin_drop(&mut self, pin: u32) -> Result<(), rt::Error> {
        let pin = self.pins.remove(pin)?;
        self.board.pin_close(pin);
        self.generations.pins[pin] += 1;
        self.release_handle();
        Ok(())
    }
}

// ---- i2c ----

fn i2c_error(e: I2cError) -> s::i2c::ErrorCode {
    use s::i2c::ErrorCode as E;
    match e {
        I2cError::Bus(BusError::NoAcknowledge(source)) => E::NoAcknowledge(match source {
            NackSource::Address => s::i2c::NoAcknowledgeSource::Address,
            NackSource::Data => s::i2c::NoAcknowledgeSource::Data,
            NackSource::Unknown => s::i2c::NoAcknowledgeSource::Unknown,
        }),
        I2cError::Bus(BusError::ArbitrationLoss) => E::ArbitrationLoss,
        I2cError::Bus(BusError::Bus) => E::Bus,
        I2cError::Bus(BusError::Overrun) => E::Overrun,
        I2cError::Bus(BusError::Timeout) => E::Timeout,
        I2cError::NotFound => E::NotFound,
        I2cError::NotPermitted => E::NotPermitted,
        I2cError::InvalidArgument => E::InvalidArgument,
        I2cError::LimitReached => E::LimitReached,
        I2cError::Other => E::Other,
    }
}

/// The address as the model takes it; `Board::i2c_transfer` checks its
/// range (invalid-argument) with the rest of the call's arguments.
fn model_address(a: s::i2c::Address) -> ModelAddress {
    match a {
        s::i2c::Address::SevenBit(a) => ModelAddress::Seven(a),
        s::i2c::Address::TenBit(a) => ModelAddress::Ten(a),
    }
}

fn spec_address(a: ModelAddress) -> s::i2c::Address {
    match a {
        ModelAddress::Seven(a) => s::i2c::Address::SevenBit(a),
        ModelAddress::Ten(a) => s::i2c::Address::TenBit(a),
    }
}

/// The bytes of the first read of a transfer (a `read` or `write-read` has
/// exactly one).
fn first_read(reads: &[Vec<u8>]) -> &[u8] {
    reads.first().map(Vec::as_slice).unwrap_or_default()
}

impl BoardHost {
    /// A transfer's result as a call with one read returns it (I2C's `read`
    /// and `write-read`, SPI's `read` and transfers): kept in `reads` and
    /// lent, without a copy into the arena (the hottest calls).
    fn keep_first_read<E>(&mut self, r: Result<Vec<Vec<u8>>, E>) -> Result<&[u8], E> {
        let reads = r?;
        self.reads = reads;
        Ok(first_read(&self.reads))
    }

    /// A transaction's result as it returns it: every read, in the arena.
    fn reads_in_arena<E>(&mut self, r: Result<Vec<Vec<u8>>, E>) -> Result<&[&[u8]], E> {
        self.arena.reset();
        let arena = &self.arena;
        let reads = r?;
        Ok(arena.alloc_slice_fill_iter(reads.iter().map(|r| &*arena.alloc_slice_copy(r))))
    }
}

impl BoardHost {
    /// One spec call on the bus behind `rep`, traced by the board as `op`.
    fn transfer(
        &mut self,
        rep: u32,
        op: &str,
        address: s::i2c::Address,
        ops: &[Op<'_>],
    ) -> Result<Result<Vec<Vec<u8>>, s::i2c::ErrorCode>, rt::Error> {
        let bus = *self.buses.get(rep)?;
        let result = self
            .board
            .i2c_transfer(bus, op, model_address(address), ops)
            .map_err(i2c_error);
        self.called();
        Ok(result)
    }
}

impl s::i2c::I2c for BoardHost {
    type Bus = u32;

    fn list_buses(&mut self) -> Result<&[s::i2c::BusInfo<'_>], rt::Error> {
        let buses = self.board.buses_granted();
        self.arena.reset();
        let arena = &self.arena;
        Ok(
            arena.alloc_slice_fill_iter(buses.iter().map(|(name, frequency_hz, allowed)| {
                s::i2c::BusInfo {
                    name: arena.alloc_str(name),
                    frequency_hz: *frequency_hz,
                    allowed: arena.alloc_slice_fill_iter(allowed.iter().map(|a| spec_address(*a))),
                }
            })),
        )
    }

    fn open(&mut self, name: &str) -> Result<Result<u32, s::i2c::ErrorCode>, rt::Error> {
        if self.at_limit() {
            return Ok(Err(s::i2c::ErrorCode::LimitReached));
        }
        match self.board.bus_open(name) {
            Err(e) => Ok(Err(i2c_error(e))),
            Ok(bus) => {
                self.take_handle();
                Ok(Ok(self.buses.insert(bus)))
            }
        }
    }

    fn bus_frequency_hz(&mut self, bus: &mut u32) -> Result<u32, rt::Error> {
        let bus = *self.buses.get(*bus)?;
        Ok(self.board.buses[bus].frequency_hz)
    }

    fn bus_max_transfer_length(&mut self, bus: &mut u32) -> Result<u32, rt::Error> {
        let bus = *self.buses.get(*bus)?;
        Ok(self.board.buses[bus].max_transfer)
    }

    fn bus_read(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        length: u32,
    ) -> Result<Result<&[u8], s::i2c::ErrorCode>, rt::Error> {
        let r = self.transfer(*bus, "read", address, &[Op::Read(length)])?;
        Ok(self.keep_first_read(r))
    }

    fn bus_write(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        data: &[u8],
    ) -> Result<Result<(), s::i2c::ErrorCode>, rt::Error> {
        let r = self.transfer(*bus, "write", address, &[Op::Write(data)])?;
        Ok(r.map(drop))
    }

    fn bus_write_read(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        data: &[u8],
        length: u32,
    ) -> Result<Result<&[u8], s::i2c::ErrorCode>, rt::Error> {
        let ops = [Op::Write(data), Op::Read(length)];
        let r = self.transfer(*bus, "write-read", address, &ops)?;
        Ok(self.keep_first_read(r))
    }

    fn bus_transaction(
        &mut self,
        bus: &mut u32,
        address: s::i2c::Address,
        operations: List<'_, s::i2c::Operation<'_>>,
    ) -> Result<Result<&[&[u8]], s::i2c::ErrorCode>, rt::Error> {
        // More operations than the bus allows is `invalid-argument`: the
        // board sees one too many (and traces those), never the whole of a
        // guest's list, so its size costs the host nothing.
        let max = self
            .buses
            .get(*bus)
            .map(|&b| self.board.buses[b].max_transfer as usize)?;
        let ops: Vec<Op> = operations
            .into_iter()
            .take(max.saturating_add(1))
            .map(|o| match o {
                s::i2c::Operation::Read(n) => Op::Read(n),
                s::i2c::Operation::Write(d) => Op::Write(d),
            })
            .collect();
        let r = self.transfer(*bus, "transaction", address, &ops)?;
        Ok(self.reads_in_arena(r))
    }

    fn bus_recover(&mut self, bus: &mut u32) -> Result<Result<(), s::i2c::ErrorCode>, rt::Error> {
        let bus = *self.buses.get(*bus)?;
        Ok(self.board.i2c_recover(bus).map_err(i2c_error))
    }

    fn bus_drop(&mut self, bus: u32) -> Result<(), rt::Error> {
        self.buses.remove(bus)?;
        self.release_handle();
        Ok(())
    }
}

// ---- spi ----

fn spi_error(e: SpiError) -> s::spi::ErrorCode {
    use s::spi::ErrorCode as E;
    match e {
        SpiError::Wire(WireError::Overrun) => E::Overrun,
        SpiError::Wire(WireError::ModeFault) => E::ModeFault,
        SpiError::Wire(WireError::FrameFormat) => E::FrameFormat,
        SpiError::Wire(WireError::ChipSelectFault) => E::ChipSelectFault,
        SpiError::Wire(WireError::Other) | SpiError::Other => E::Other,
        SpiError::NotFound => E::NotFound,
        SpiError::NotPermitted => E::NotPermitted,
        SpiError::InvalidArgument => E::InvalidArgument,
        SpiError::LimitReached => E::LimitReached,
    }
}

fn spec_spi_config(c: model_spi::Config) -> s::spi::Config {
    s::spi::Config {
        mode: match c.mode {
            model_spi::Mode::Mode0 => s::spi::Mode::Mode0,
            model_spi::Mode::Mode1 => s::spi::Mode::Mode1,
            model_spi::Mode::Mode2 => s::spi::Mode::Mode2,
            model_spi::Mode::Mode3 => s::spi::Mode::Mode3,
        },
        bit_order: match c.bit_order {
            model_spi::BitOrder::MsbFirst => s::spi::BitOrder::MsbFirst,
            model_spi::BitOrder::LsbFirst => s::spi::BitOrder::LsbFirst,
        },
        frequency_hz: c.frequency_hz,
    }
}

impl BoardHost {
    /// One spec call on the SPI device behind `rep`, traced by the board
    /// as `op`.
    fn spi_call(
        &mut self,
        rep: u32,
        op: &str,
        ops: &[model_spi::Op<'_>],
    ) -> Result<Result<Vec<Vec<u8>>, s::spi::ErrorCode>, rt::Error> {
        let device = *self.spi_devices.get(rep)?;
        let result = self
            .board
            .spi_transaction(device, op, ops)
            .map_err(spi_error);
        self.called();
        Ok(result)
    }

    /// A call whose result is its one read (`read`, `transfer`,
    /// `transfer-in-place`), returned borrowed.
    fn spi_one_read(
        &mut self,
        rep: u32,
        op: &str,
        operation: model_spi::Op<'_>,
    ) -> Result<Result<&[u8], s::spi::ErrorCode>, rt::Error> {
        let r = self.spi_call(rep, op, &[operation])?;
        Ok(self.keep_first_read(r))
    }
}

impl s::spi::Spi for BoardHost {
    type Device = u32;

    fn list_devices(&mut self) -> Result<&[s::spi::DeviceInfo<'_>], rt::Error> {
        let devices = self.board.spi_granted();
        self.arena.reset();
        let arena = &self.arena;
        Ok(
            arena.alloc_slice_fill_iter(devices.iter().map(|(name, config)| s::spi::DeviceInfo {
                name: arena.alloc_str(name),
                config: spec_spi_config(*config),
            })),
        )
    }

    fn open(&mut self, name: &str) -> Result<Result<u32, s::spi::ErrorCode>, rt::Error> {
        if self.at_limit() {
            return Ok(Err(s::spi::ErrorCode::LimitReached));
        }
        match self.board.spi_open(name) {
            Err(e) => Ok(Err(spi_error(e))),
            Ok(device) => {
                self.take_handle();
                Ok(Ok(self.spi_devices.insert(device)))
            }
        }
    }

    fn device_config(&mut self, device: &mut u32) -> Result<s::spi::Config, rt::Error> {
        let device = *self.spi_devices.get(*device)?;
        Ok(spec_spi_config(self.board.spi[device].config))
    }

    fn device_max_transfer_length(&mut self, device: &mut u32) -> Result<u32, rt::Error> {
        let device = *self.spi_devices.get(*device)?;
        Ok(self.board.spi[device].max_transfer)
    }

    fn device_read(
        &mut self,
        device: &mut u32,
        length: u32,
    ) -> Result<Result<&[u8], s::spi::ErrorCode>, rt::Error> {
        self.spi_one_read(*device, "read", model_spi::Op::Read(length))
    }

    fn device_write(
        &mut self,
        device: &mut u32,
        data: &[u8],
    ) -> Result<Result<(), s::spi::ErrorCode>, rt::Error> {
        let r = self.spi_call(*device, "write", &[model_spi::Op::Write(data)])?;
        Ok(r.map(drop))
    }

    fn device_transfer(
        &mut self,
        device: &mut u32,
        data: &[u8],
    ) -> Result<Result<&[u8], s::spi::ErrorCode>, rt::Error> {
        self.spi_one_read(*device, "transfer", model_spi::Op::Transfer(data))
    }

    fn device_transfer_in_place(
        &mut self,
        device: &mut u32,
        data: &[u8],
    ) -> Result<Result<&[u8], s::spi::ErrorCode>, rt::Error> {
        self.spi_one_read(*device, "transfer-in-place", model_spi::Op::Transfer(data))
    }

    fn device_transaction(
        &mut self,
        device: &mut u32,
        operations: List<'_, s::spi::Operation<'_>>,
    ) -> Result<Result<&[&[u8]], s::spi::ErrorCode>, rt::Error> {
        // As I2C's: the board sees at most one operation too many, never the
        // whole of a guest's list.
        let max = self
            .spi_devices
            .get(*device)
            .map(|&d| self.board.spi[d].max_transfer as usize)?;
        let ops: Vec<model_spi::Op> = operations
            .into_iter()
            .take(max.saturating_add(1))
            .map(|o| match o {
                s::spi::Operation::Read(n) => model_spi::Op::Read(n),
                s::spi::Operation::Write(d) => model_spi::Op::Write(d),
                s::spi::Operation::Transfer(d) => model_spi::Op::Transfer(d),
                s::spi::Operation::DelayNs(ns) => model_spi::Op::DelayNs(ns),
            })
            .collect();
        let r = self.spi_call(*device, "transaction", &ops)?;
        Ok(self.reads_in_arena(r))
    }

    fn device_drop(&mut self, device: u32) -> Result<(), rt::Error> {
        self.spi_devices.remove(device)?;
        self.release_handle();
        Ok(())
    }
}

// ---- sensor ----

fn sensor_error(e: SensorError) -> s::sensor::ErrorCode {
    use s::sensor::ErrorCode as E;
    match e {
        SensorError::NotFound => E::NotFound,
        SensorError::NotPermitted => E::NotPermitted,
        SensorError::Busy => E::Busy,
        SensorError::Unsupported => E::Unsupported,
        SensorError::InvalidArgument => E::InvalidArgument,
        SensorError::Running => E::Running,
        SensorError::Device => E::Device,
        SensorError::LimitReached => E::LimitReached,
        SensorError::Other => E::Other,
    }
}

fn spec_channel(c: ModelChannel) -> s::sensor::Channel {
    use s::sensor::Channel as C;
    match c {
        ModelChannel::Temperature => C::Temperature,
        ModelChannel::RelativeHumidity => C::RelativeHumidity,
        ModelChannel::Pressure => C::Pressure,
        ModelChannel::AccelerationX => C::AccelerationX,
        ModelChannel::AccelerationY => C::AccelerationY,
        ModelChannel::AccelerationZ => C::AccelerationZ,
        ModelChannel::AngularVelocityX => C::AngularVelocityX,
        ModelChannel::AngularVelocityY => C::AngularVelocityY,
        ModelChannel::AngularVelocityZ => C::AngularVelocityZ,
        ModelChannel::MagneticFieldX => C::MagneticFieldX,
        ModelChannel::MagneticFieldY => C::MagneticFieldY,
        ModelChannel::MagneticFieldZ => C::MagneticFieldZ,
        ModelChannel::Illuminance => C::Illuminance,
        ModelChannel::Distance => C::Distance,
        ModelChannel::Voltage => C::Voltage,
    }
}

fn model_channel(c: s::sensor::Channel) -> ModelChannel {
    use s::sensor::Channel as C;
    match c {
        C::Temperature => ModelChannel::Temperature,
        C::RelativeHumidity => ModelChannel::RelativeHumidity,
        C::Pressure => ModelChannel::Pressure,
        C::AccelerationX => ModelChannel::AccelerationX,
        C::AccelerationY => ModelChannel::AccelerationY,
        C::AccelerationZ => ModelChannel::AccelerationZ,
        C::AngularVelocityX => ModelChannel::AngularVelocityX,
        C::AngularVelocityY => ModelChannel::AngularVelocityY,
        C::AngularVelocityZ => ModelChannel::AngularVelocityZ,
        C::MagneticFieldX => ModelChannel::MagneticFieldX,
        C::MagneticFieldY => ModelChannel::MagneticFieldY,
        C::MagneticFieldZ => ModelChannel::MagneticFieldZ,
        C::Illuminance => ModelChannel::Illuminance,
        C::Distance => ModelChannel::Distance,
        C::Voltage => ModelChannel::Voltage,
    }
}

fn spec_kind(kind: &str) -> s::sensor::Kind {
    use s::sensor::Kind as K;
    match kind {
        "thermometer" => K::Thermometer,
        "hygrometer" => K::Hygrometer,
        "barometer" => K::Barometer,
        "environmental" => K::Environmental,
        "accelerometer" => K::Accelerometer,
        "gyroscope" => K::Gyroscope,
        "magnetometer" => K::Magnetometer,
        "light" => K::Light,
        "proximity" => K::Proximity,
        _ => K::Other,
    }
}

fn model_attribute(a: s::sensor::Attribute) -> board::Attribute {
    match a {
        s::sensor::Attribute::SamplingIntervalNs(ns) => board::Attribute::SamplingInterval(ns),
        s::sensor::Attribute::Oversampling(n) => board::Attribute::Oversampling(n),
        s::sensor::Attribute::Range(r) => board::Attribute::Range {
            channel: model_channel(r.channel),
            full_scale: r.full_scale,
        },
    }
}

/// The sensor's description, built in `arena`.
fn sensor_info_in<'a>(arena: &'a Bump, m: &ModelSensor) -> s::sensor::SensorInfo<'a> {
    s::sensor::SensorInfo {
        name: arena.alloc_str(&m.name),
        kind: spec_kind(m.kind),
        channels: arena.alloc_slice_fill_iter(m.channels.iter().map(|c| s::sensor::ChannelInfo {
            channel: spec_channel(c.channel),
            min: c.min,
            max: c.max,
            resolution: c.resolution,
        })),
        min_interval_ns: m.min_interval,
        fifo_capacity: m.fifo_capacity,
    }
}

/// A sample, built in `arena`.
fn sample_in<'a>(arena: &'a Bump, x: &ModelSample) -> s::sensor::Sample<'a> {
    s::sensor::Sample {
        timestamp_ns: x.timestamp,
        sequence: x.sequence,
        values: arena.alloc_slice_copy(&x.values),
    }
}

impl s::sensor::Sensor for BoardHost {
    type Sensor = u32;

    fn list_sensors(&mut self) -> Result<&[s::sensor::SensorInfo<'_>], rt::Error> {
        let granted = self.board.sensors_granted();
        self.arena.reset();
        let arena = &self.arena;
        let sensors = &self.board.sensors;
        Ok(
            arena
                .alloc_slice_fill_iter(granted.iter().map(|&i| sensor_info_in(arena, &sensors[i]))),
        )
    }

    fn open(&mut self, name: &str) -> Result<Result<u32, s::sensor::ErrorCode>, rt::Error> {
        if self.at_limit() {
            return Ok(Err(s::sensor::ErrorCode::LimitReached));
        }
        match self.board.sensor_open(name) {
            Err(e) => Ok(Err(sensor_error(e))),
            Ok(sensor) => {
                self.take_handle();
                self.generations.sensors[sensor] += 1;
                let generation = self.generations.sensors[sensor];
                Ok(Ok(self.sensors.insert(SensorRes { sensor, generation })))
            }
        }
    }

    fn sensor_info(&mut self, x: &mut u32) -> Result<s::sensor::SensorInfo<'_>, rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        self.arena.reset();
        Ok(sensor_info_in(&self.arena, &self.board.sensors[sensor]))
    }

    fn sensor_read(
        &mut self,
        x: &mut u32,
    ) -> Result<Result<s::sensor::Sample<'_>, s::sensor::ErrorCode>, rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        // Into the last sample's buffer: a read allocates nothing here.
        let r = self.board.sensor_read_into(sensor, &mut self.sample);
        Ok(match r {
            Ok(()) => Ok(s::sensor::Sample {
                timestamp_ns: self.sample.timestamp,
                sequence: self.sample.sequence,
                values: &self.sample.values,
            }),
            Err(e) => Err(sensor_error(e)),
        })
    }

    fn sensor_set_attribute(
        &mut self,
        x: &mut u32,
        attribute: s::sensor::Attribute,
    ) -> Result<Result<(), s::sensor::ErrorCode>, rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        Ok(self
            .board
            .sensor_set_attribute(sensor, model_attribute(attribute))
            .map_err(sensor_error))
    }

    fn sensor_get_attribute(
        &mut self,
        x: &mut u32,
        kind: s::sensor::AttributeKind,
    ) -> Result<Result<s::sensor::Attribute, s::sensor::ErrorCode>, rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        let m = &self.board.sensors[sensor];
        Ok(match kind {
            s::sensor::AttributeKind::SamplingInterval => {
                Ok(s::sensor::Attribute::SamplingIntervalNs(m.interval))
            }
            s::sensor::AttributeKind::Oversampling if m.oversamplings.is_empty() => {
                Err(s::sensor::ErrorCode::Unsupported)
            }
            s::sensor::AttributeKind::Oversampling => {
                Ok(s::sensor::Attribute::Oversampling(m.oversampling))
            }
        })
    }

    fn sensor_start(&mut self, x: &mut u32) -> Result<Result<(), s::sensor::ErrorCode>, rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        Ok(self.board.sensor_start(sensor).map_err(sensor_error))
    }

    fn sensor_stop(&mut self, x: &mut u32) -> Result<(), rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        self.board.sensor_stop(sensor);
        Ok(())
    }

    fn sensor_read_fifo(
        &mut self,
        x: &mut u32,
        max: u32,
    ) -> Result<Result<s::sensor::FifoSamples<'_>, s::sensor::ErrorCode>, rt::Error> {
        let sensor = self.sensors.get(*x)?.sensor;
        let r = self
            .board
            .sensor_read_fifo(sensor, max)
            .map_err(sensor_error);
        self.arena.reset();
        let arena = &self.arena;
        Ok(match r {
            Ok((samples, overrun)) => Ok(s::sensor::FifoSamples {
                samples: arena.alloc_slice_fill_iter(samples.iter().map(|x| sample_in(arena, x))),
                overrun,
            }),
            Err(e) => Err(e),
        })
    }

    fn sensor_subscribe_data_ready(
        &mut self,
        x: &mut u32,
    ) -> Result<Result<u32, s::sensor::ErrorCode>, rt::Error> {
        let SensorRes { sensor, generation } = *self.sensors.get(*x)?;
        if self.at_limit() {
            return Ok(Err(s::sensor::ErrorCode::LimitReached));
        }
        Ok(Ok(self.pollable(Watch::DataReady { sensor, generation })?))
    }

    fn sensor_subscribe_threshold(
        &mut self,
        x: &mut u32,
        threshold: s::sensor::Threshold,
    ) -> Result<Result<u32, s::sensor::ErrorCode>, rt::Error> {
        let SensorRes { sensor, generation } = *self.sensors.get(*x)?;
        let channel = model_channel(threshold.channel);
        let Some(index) = self.board.sensors[sensor]
            .channels
            .iter()
            .position(|c| c.channel == channel)
        else {
            return Ok(Err(s::sensor::ErrorCode::InvalidArgument));
        };
        if self.at_limit() {
            return Ok(Err(s::sensor::ErrorCode::LimitReached));
        }
        self.board.sensor_catch_up(sensor);
        let after = self.board.sensors[sensor].sequence;
        Ok(Ok(self.pollable(Watch::Threshold {
            sensor,
            generation,
            channel: index,
            level: threshold.level,
            above: threshold.above,
            after,
        })?))
    }

    fn sensor_drop(&mut self, x: u32) -> Result<(), rt::Error> {
        let res = self.sensors.remove(x)?;
        self.board.sensor_close(res.sensor);
        self.release_handle();
        Ok(())
    }
}
