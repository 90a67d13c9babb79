//! The wasmtime glue: the spec's imports implemented on the [`Board`], and
//! running an app with limits.
//!
//! Resources (pins, buses, sensors, timers, pollables) live in a
//! [`ResourceTable`]; the board model behind them is wasmtime-free. Waiting
//! (sleep, poll, wait-for-edge, timer waits) moves the board's clock to the
//! next instant at which something can happen, so under virtual time it takes
//! no wall-clock time, and under real time the host sleeps rather than spins.
//! A wait that nothing can ever end is a trap with a clear message, not a
//! hang.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::board::gpio as model_gpio;
use crate::board::i2c::{Address as ModelAddress, NackSource, Op};
use crate::board::{self, Board, GpioError, I2cError, SensorError};
use crate::time::{Nanos, format_duration};
use crate::watch::{Generations, Periodic, Pollable, Watch};

wasmtime::component::bindgen!({
    path: "../wit",
    world: "wasi-hw:hal/app",
    imports: { default: trappable },
    with: {
        "wasi-hw:hal/poll.pollable": PollableRes,
        "wasi-hw:hal/gpio.pin": PinRes,
        "wasi-hw:hal/i2c.bus": BusRes,
        "wasi-hw:hal/sensor.sensor": SensorRes,
        "wasi-hw:hal/timer.one-shot": OneShotRes,
        "wasi-hw:hal/timer.periodic": PeriodicRes,
    },
});

use wasi_hw::hal::{gpio, i2c, log, poll, sensor, timer};

/// An open pin.
pub struct PinRes {
    pin: usize,
}

/// An open bus.
pub struct BusRes {
    bus: usize,
}

/// An open sensor; `generation` tells it from a later opening of the same sensor.
pub struct SensorRes {
    sensor: usize,
    generation: u64,
}

/// A one-shot timer.
pub struct OneShotRes {
    deadline: Nanos,
}

/// A periodic timer, by its id in the store's table of periodic timers.
pub struct PeriodicRes {
    id: u64,
}

/// A pollable: what it watches, latched once a one-way trigger fired.
pub type PollableRes = Pollable;

/// Limits of one run.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Bytes of linear memory, per memory.
    pub max_memory: usize,
    /// Open resources (pins, buses, sensors, timers, pollables) at once.
    pub max_handles: usize,
    /// Fuel (roughly, wasm instructions); `None`: unlimited.
    pub fuel: Option<u64>,
    /// Wall-clock time the app may run.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_memory: 16 << 20,
            max_handles: 64,
            fuel: None,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Deliberate deviations from the spec, for testing conformance tooling:
/// the conformance suite must catch each of them. Off in every normal run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// Reports a missing acknowledge of the address as one of data.
    pub wrong_nack_source: bool,
    /// Every second `timer.now` is 1 ms ahead, so the clock seems to go back.
    pub clock_backwards: bool,
    /// Grants every pin, whatever the policy says.
    pub ignore_pin_policy: bool,
    /// The I2C controller sends STOP and START between the operations of a
    /// transfer instead of a repeated START.
    pub no_repeated_start: bool,
}

/// What a run prints as it happens, on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Nothing.
    Off,
    /// The app's log.
    Log,
    /// The app's log, the lines of the pins it opened changing level, sensor
    /// readings, and I2C errors.
    All,
}

/// A message the app logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub t: Nanos,
    pub level: &'static str,
    pub message: String,
}

/// The store's data: the board, resources and what the app printed.
pub struct State {
    pub board: Board,
    table: ResourceTable,
    wasi: WasiCtx,
    limits: StoreLimits,
    max_handles: usize,
    handles: usize,
    periodics: HashMap<u64, Periodic>,
    next_id: u64,
    /// Per pin and per sensor: how many times each was opened, so that a
    /// watch on an earlier opening is told apart.
    generations: Generations,
    pub log: Vec<LogLine>,
    /// The least level `log.enabled` says yes to.
    pub min_level: log::Level,
    /// What to print as it happens.
    pub echo: Echo,
    echoed: usize,
    quirks: Quirks,
    now_calls: u64,
    /// When the run must end, wall clock.
    wall_deadline: Option<std::time::Instant>,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

fn level_rank(l: log::Level) -> u8 {
    match l {
        log::Level::Trace => 0,
        log::Level::Debug => 1,
        log::Level::Info => 2,
        log::Level::Warn => 3,
        log::Level::Error => 4,
    }
}

fn level_name(l: log::Level) -> &'static str {
    match l {
        log::Level::Trace => "trace",
        log::Level::Debug => "debug",
        log::Level::Info => "info",
        log::Level::Warn => "warn",
        log::Level::Error => "error",
    }
}

impl State {
    pub fn new(board: Board, args: &[String], limits: &Limits) -> State {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().inherit_stderr().args(args);
        let generations = Generations::new(&board);
        State {
            board,
            table: ResourceTable::new(),
            wasi: wasi.build(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.max_memory)
                .trap_on_grow_failure(true)
                .build(),
            max_handles: limits.max_handles,
            handles: 0,
            periodics: HashMap::new(),
            next_id: 0,
            generations,
            log: Vec::new(),
            min_level: log::Level::Info,
            echo: Echo::Off,
            echoed: 0,
            quirks: Quirks::default(),
            now_calls: 0,
            wall_deadline: std::time::Instant::now().checked_add(limits.timeout),
        }
    }

    /// Takes one handle of the budget, or says the limit is reached.
    fn take_handle(&mut self) -> bool {
        if self.handles >= self.max_handles {
            return false;
        }
        self.handles += 1;
        true
    }

    fn push<T: Send + 'static>(&mut self, value: T) -> wasmtime::Result<Resource<T>> {
        Ok(self.table.push(value)?)
    }

    fn pollable(&mut self, kind: Watch) -> wasmtime::Result<Resource<PollableRes>> {
        if !self.take_handle() {
            wasmtime::bail!(
                "the app holds {} handles, the most this host allows (--max-handles)",
                self.max_handles
            );
        }
        self.push(Pollable::new(kind))
    }

    /// Prints what happened since the last call, when echoing.
    fn echo(&mut self) {
        if self.echo == Echo::Off {
            return;
        }
        for e in &self.board.trace.events[self.echoed..] {
            if self.echo == Echo::Log && e.interface != "log" {
                continue;
            }
            let line = crate::printout::line(&self.board, e);
            if let Some(line) = line {
                println!("[{:>14}] {line}", format_duration(e.t));
            }
        }
        self.echoed = self.board.trace.events.len();
    }

    // ---- waiting ----

    fn ready(&mut self, p: &Resource<PollableRes>) -> wasmtime::Result<bool> {
        let periodics = &self.periodics;
        let pollable = self.table.get_mut(p)?;
        Ok(pollable.ready(&mut self.board, &self.generations, |id| {
            periodics.get(&id).copied()
        }))
    }

    /// When a pollable can next become ready without the app acting.
    fn next_event(&self, p: &Resource<PollableRes>) -> wasmtime::Result<Option<Nanos>> {
        let watch = self.table.get(p)?.watch;
        Ok(watch.next_event(&self.board, |id| self.periodics.get(&id).copied()))
    }

    /// Waits until one of `watched` is ready or `deadline` passes; returns
    /// the indices that are ready. Traps if nothing can ever end the wait.
    fn wait(
        &mut self,
        watched: &[Resource<PollableRes>],
        deadline: Option<Nanos>,
        what: &str,
    ) -> wasmtime::Result<Vec<u32>> {
        loop {
            let mut ready = Vec::new();
            for (i, p) in watched.iter().enumerate() {
                if self.ready(p)? {
                    ready.push(i as u32);
                }
            }
            let now = self.board.now();
            if !ready.is_empty() || deadline.is_some_and(|d| now >= d) {
                return Ok(ready);
            }
            let mut next = deadline;
            for p in watched {
                if let Some(t) = self.next_event(p)? {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
            }
            match next {
                Some(t) => self.advance(t.max(now.saturating_add(1)))?,
                None => wasmtime::bail!(
                    "{what} at {} waits for ever: nothing on this board can make it ready (no timeout, no scripted input, no running sensor)",
                    format_duration(now)
                ),
            }
            self.echo();
        }
    }

    /// Moves time to `t` for a wait of the app's. Under real time the host
    /// sleeps, but never past the run's wall-clock limit: epoch interruption
    /// stops only wasm code, so a host-side sleep checks the limit itself.
    fn advance(&mut self, t: Nanos) -> wasmtime::Result<()> {
        if let Some(limit) = self.wall_deadline
            && !self.board.clock.is_virtual()
        {
            let now = self.board.now();
            let left = limit.saturating_duration_since(std::time::Instant::now());
            if Duration::from_nanos(t.saturating_sub(now)) > left {
                std::thread::sleep(left);
                wasmtime::bail!(
                    "the app waited past its wall-clock limit and was stopped (--timeout)"
                );
            }
        }
        self.board.advance_to(t);
        Ok(())
    }

    fn deadline_after(&mut self, timeout: Option<u64>) -> Option<Nanos> {
        let now = self.board.now();
        timeout.and_then(|t| now.checked_add(t))
    }
}

// ---- poll ----

impl poll::Host for State {
    fn poll(
        &mut self,
        list: Vec<Resource<PollableRes>>,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<Vec<u32>, poll::ErrorCode>> {
        let t = self.board.now();
        let result = if list.is_empty() && timeout_ns.is_none() {
            Err(poll::ErrorCode::EmptyWait)
        } else if list.len() > 64 {
            Err(poll::ErrorCode::TooMany)
        } else {
            let deadline = self.deadline_after(timeout_ns);
            Ok(self.wait(&list, deadline, "poll")?)
        };
        let traced = match &result {
            Ok(v) => Ok(v.as_slice()),
            Err(poll::ErrorCode::EmptyWait) => Err("empty-wait"),
            Err(poll::ErrorCode::TooMany) => Err("too-many"),
        };
        self.board.trace.poll(t, list.len(), timeout_ns, traced);
        self.echo();
        Ok(result)
    }
}

impl poll::HostPollable for State {
    fn ready(&mut self, p: Resource<PollableRes>) -> wasmtime::Result<bool> {
        State::ready(self, &p)
    }
    fn block(&mut self, p: Resource<PollableRes>) -> wasmtime::Result<()> {
        self.wait(&[p], None, "pollable.block")?;
        Ok(())
    }
    fn drop(&mut self, p: Resource<PollableRes>) -> wasmtime::Result<()> {
        self.table.delete(p)?;
        self.handles -= 1;
        Ok(())
    }
}

// ---- timer ----

impl timer::Host for State {
    fn now(&mut self) -> wasmtime::Result<u64> {
        self.now_calls += 1;
        let now = self.board.now();
        if self.quirks.clock_backwards && self.now_calls.is_multiple_of(2) {
            return Ok(now.saturating_add(1_000_000));
        }
        Ok(now)
    }
    fn resolution(&mut self) -> wasmtime::Result<u64> {
        Ok(self.board.clock.resolution())
    }
    fn sleep(&mut self, duration: u64) -> wasmtime::Result<()> {
        let t = self.board.now();
        self.advance(t.saturating_add(duration))?;
        self.board.trace.sleep(t, duration);
        self.echo();
        Ok(())
    }
    fn sleep_until(&mut self, deadline: u64) -> wasmtime::Result<()> {
        let t = self.board.now();
        self.advance(deadline)?;
        self.board.trace.sleep_until(t, deadline);
        self.echo();
        Ok(())
    }
}

impl timer::HostOneShot for State {
    fn at(
        &mut self,
        deadline: u64,
    ) -> wasmtime::Result<Result<Resource<OneShotRes>, timer::ErrorCode>> {
        if !self.take_handle() {
            return Ok(Err(timer::ErrorCode::LimitReached));
        }
        Ok(Ok(self.push(OneShotRes { deadline })?))
    }
    fn after(
        &mut self,
        delay: u64,
    ) -> wasmtime::Result<Result<Resource<OneShotRes>, timer::ErrorCode>> {
        match self.board.now().checked_add(delay) {
            None => Ok(Err(timer::ErrorCode::InvalidArgument)),
            Some(deadline) => self.at(deadline),
        }
    }
    fn deadline(&mut self, r: Resource<OneShotRes>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&r)?.deadline)
    }
    fn is_expired(&mut self, r: Resource<OneShotRes>) -> wasmtime::Result<bool> {
        let d = self.table.get(&r)?.deadline;
        Ok(self.board.now() >= d)
    }
    fn wait(&mut self, r: Resource<OneShotRes>) -> wasmtime::Result<()> {
        let d = self.table.get(&r)?.deadline;
        let t = self.board.now();
        self.advance(d)?;
        self.board.trace.one_shot_wait(t, d);
        self.echo();
        Ok(())
    }
    fn subscribe(&mut self, r: Resource<OneShotRes>) -> wasmtime::Result<Resource<PollableRes>> {
        let d = self.table.get(&r)?.deadline;
        self.pollable(Watch::Deadline(d))
    }
    fn drop(&mut self, r: Resource<OneShotRes>) -> wasmtime::Result<()> {
        self.table.delete(r)?;
        self.handles -= 1;
        Ok(())
    }
}

impl timer::HostPeriodic for State {
    fn start(
        &mut self,
        period: u64,
    ) -> wasmtime::Result<Result<Resource<PeriodicRes>, timer::ErrorCode>> {
        let now = self.board.now();
        let Some(timer) = Periodic::start(now, period) else {
            return Ok(Err(timer::ErrorCode::InvalidArgument));
        };
        if !self.take_handle() {
            return Ok(Err(timer::ErrorCode::LimitReached));
        }
        self.next_id += 1;
        let id = self.next_id;
        self.periodics.insert(id, timer);
        self.board.trace.periodic_start(now, period);
        Ok(Ok(self.push(PeriodicRes { id })?))
    }
    fn period(&mut self, r: Resource<PeriodicRes>) -> wasmtime::Result<u64> {
        let id = self.table.get(&r)?.id;
        Ok(self.periodics[&id].period)
    }
    fn next_tick(&mut self, r: Resource<PeriodicRes>) -> wasmtime::Result<u64> {
        let id = self.table.get(&r)?.id;
        Ok(self.periodics[&id].next_tick())
    }
    fn wait(&mut self, r: Resource<PeriodicRes>) -> wasmtime::Result<u64> {
        let id = self.table.get(&r)?.id;
        let t = self.board.now();
        let mut p = self.periodics[&id];
        let Some(next) = p.next_wait() else {
            wasmtime::bail!("periodic.wait: the next tick is past the end of the clock (2^64 ns)");
        };
        self.advance(next)?;
        let missed = p.take(self.board.now());
        self.periodics.insert(id, p);
        self.board.trace.periodic_wait(t, p.period, missed);
        self.echo();
        Ok(missed)
    }
    fn subscribe(&mut self, r: Resource<PeriodicRes>) -> wasmtime::Result<Resource<PollableRes>> {
        let id = self.table.get(&r)?.id;
        self.pollable(Watch::Tick { periodic: id })
    }
    fn drop(&mut self, r: Resource<PeriodicRes>) -> wasmtime::Result<()> {
        let res = self.table.delete(r)?;
        self.periodics.remove(&res.id);
        self.handles -= 1;
        Ok(())
    }
}

// ---- log ----

impl log::Host for State {
    fn enabled(&mut self, level: log::Level) -> wasmtime::Result<bool> {
        Ok(level_rank(level) >= level_rank(self.min_level))
    }
    fn log(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        let t = self.board.now();
        let mut message = message;
        if message.len() > 4096 {
            let mut cut = 4096;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        if level_rank(level) >= level_rank(self.min_level) {
            self.board.trace.log(t, level_name(level), &message);
            self.log.push(LogLine {
                t,
                level: level_name(level),
                message,
            });
        }
        self.echo();
        Ok(())
    }
}

// ---- gpio ----

fn gpio_error(e: GpioError) -> gpio::ErrorCode {
    match e {
        GpioError::NotFound => gpio::ErrorCode::NotFound,
        GpioError::NotPermitted => gpio::ErrorCode::NotPermitted,
        GpioError::Busy => gpio::ErrorCode::Busy,
        GpioError::Unsupported => gpio::ErrorCode::Unsupported,
        GpioError::WrongMode => gpio::ErrorCode::WrongMode,
        GpioError::LimitReached => gpio::ErrorCode::LimitReached,
        GpioError::Other => gpio::ErrorCode::Other,
    }
}

fn model_config(c: gpio::Config) -> model_gpio::Config {
    model_gpio::Config {
        mode: match c.mode {
            gpio::Mode::Input => model_gpio::Mode::Input,
            gpio::Mode::PushPullOutput => model_gpio::Mode::PushPull,
            gpio::Mode::OpenDrainOutput => model_gpio::Mode::OpenDrain,
        },
        pull: match c.pull {
            gpio::Pull::None => model_gpio::Pull::None,
            gpio::Pull::Up => model_gpio::Pull::Up,
            gpio::Pull::Down => model_gpio::Pull::Down,
        },
        active_low: c.active_low,
        initial_high: c.initial_high,
    }
}

/// The spec's name of an edge, for the trace.
fn edge_name(edge: gpio::Edge) -> &'static str {
    match edge {
        gpio::Edge::Rising => "rising",
        gpio::Edge::Falling => "falling",
        gpio::Edge::Any => "any",
    }
}

fn edge_flags(edge: gpio::Edge) -> (bool, bool) {
    match edge {
        gpio::Edge::Rising => (true, false),
        gpio::Edge::Falling => (false, true),
        gpio::Edge::Any => (true, true),
    }
}

impl gpio::Host for State {
    fn list_pins(&mut self) -> wasmtime::Result<Vec<gpio::PinInfo>> {
        Ok(self
            .board
            .pins_granted()
            .into_iter()
            .map(|(name, c)| {
                let mut caps = gpio::Capabilities::empty();
                for (on, flag) in [
                    (c.input, gpio::Capabilities::INPUT),
                    (c.push_pull, gpio::Capabilities::PUSH_PULL_OUTPUT),
                    (c.open_drain, gpio::Capabilities::OPEN_DRAIN_OUTPUT),
                    (c.pull_up, gpio::Capabilities::PULL_UP),
                    (c.pull_down, gpio::Capabilities::PULL_DOWN),
                    (c.edges, gpio::Capabilities::EDGE_EVENTS),
                ] {
                    if on {
                        caps |= flag;
                    }
                }
                gpio::PinInfo {
                    name,
                    capabilities: caps,
                }
            })
            .collect())
    }

    fn open(
        &mut self,
        name: String,
        config: gpio::Config,
    ) -> wasmtime::Result<Result<Resource<PinRes>, gpio::ErrorCode>> {
        if self.handles >= self.max_handles {
            return Ok(Err(gpio::ErrorCode::LimitReached));
        }
        let result = self.board.pin_open(&name, model_config(config));
        self.echo();
        match result {
            Err(e) => Ok(Err(gpio_error(e))),
            Ok(pin) => {
                self.take_handle();
                self.generations.pins[pin] += 1;
                Ok(Ok(self.push(PinRes { pin })?))
            }
        }
    }
}

impl gpio::HostPin for State {
    fn name(&mut self, r: Resource<PinRes>) -> wasmtime::Result<String> {
        let pin = self.table.get(&r)?.pin;
        Ok(self.board.gpio.pins[pin].name.clone())
    }
    fn reconfigure(
        &mut self,
        r: Resource<PinRes>,
        config: gpio::Config,
    ) -> wasmtime::Result<Result<(), gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        let result = self
            .board
            .pin_reconfigure(pin, model_config(config))
            .map_err(gpio_error);
        if result.is_ok() {
            // Pending edge watches end with the old configuration.
            self.generations.pins[pin] += 1;
        }
        self.echo();
        Ok(result)
    }
    fn is_high(&mut self, r: Resource<PinRes>) -> wasmtime::Result<Result<bool, gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        Ok(self.board.pin_is_high(pin).map_err(gpio_error))
    }
    fn set_high(&mut self, r: Resource<PinRes>) -> wasmtime::Result<Result<(), gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        let result = self.board.pin_set(pin, Some(true)).map_err(gpio_error);
        self.echo();
        Ok(result)
    }
    fn set_low(&mut self, r: Resource<PinRes>) -> wasmtime::Result<Result<(), gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        let result = self.board.pin_set(pin, Some(false)).map_err(gpio_error);
        self.echo();
        Ok(result)
    }
    fn toggle(&mut self, r: Resource<PinRes>) -> wasmtime::Result<Result<(), gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        let result = self.board.pin_set(pin, None).map_err(gpio_error);
        self.echo();
        Ok(result)
    }
    fn is_set_high(
        &mut self,
        r: Resource<PinRes>,
    ) -> wasmtime::Result<Result<bool, gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        Ok(self.board.pin_is_set_high(pin).map_err(gpio_error))
    }
    fn wait_for_edge(
        &mut self,
        r: Resource<PinRes>,
        edge: gpio::Edge,
        timeout_ns: Option<u64>,
    ) -> wasmtime::Result<Result<bool, gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        let t = self.board.now();
        if !self.board.pin_supports_edges(pin) {
            return Ok(Err(gpio::ErrorCode::Unsupported));
        }
        let (rising, falling) = edge_flags(edge);
        let next = Watch::next_edge(&self.board, &self.generations, pin, rising, falling);
        // A temporary watch, outside the app's handle budget.
        let watch = self.table.push(Pollable::new(next))?;
        let deadline = self.deadline_after(timeout_ns);
        let result = self.wait(std::slice::from_ref(&watch), deadline, "pin.wait-for-edge");
        self.table.delete(watch)?;
        let edge_seen = !result?.is_empty();
        let name = &self.board.gpio.pins[pin].name;
        self.board
            .trace
            .wait_for_edge(t, name, edge_name(edge), timeout_ns, edge_seen);
        self.echo();
        Ok(Ok(edge_seen))
    }
    fn subscribe(
        &mut self,
        r: Resource<PinRes>,
        edge: gpio::Edge,
    ) -> wasmtime::Result<Result<Resource<PollableRes>, gpio::ErrorCode>> {
        let pin = self.table.get(&r)?.pin;
        if !self.board.pin_supports_edges(pin) {
            return Ok(Err(gpio::ErrorCode::Unsupported));
        }
        if self.handles >= self.max_handles {
            return Ok(Err(gpio::ErrorCode::LimitReached));
        }
        let (rising, falling) = edge_flags(edge);
        let next = Watch::next_edge(&self.board, &self.generations, pin, rising, falling);
        Ok(Ok(self.pollable(next)?))
    }
    fn drop(&mut self, r: Resource<PinRes>) -> wasmtime::Result<()> {
        let res = self.table.delete(r)?;
        self.board.pin_close(res.pin);
        self.generations.pins[res.pin] += 1;
        self.handles -= 1;
        self.echo();
        Ok(())
    }
}

// ---- i2c ----

fn i2c_error(e: I2cError) -> i2c::ErrorCode {
    use crate::board::i2c::BusError;
    match e {
        I2cError::Bus(BusError::NoAcknowledge(s)) => i2c::ErrorCode::NoAcknowledge(match s {
            NackSource::Address => i2c::NoAcknowledgeSource::Address,
            NackSource::Data => i2c::NoAcknowledgeSource::Data,
            NackSource::Unknown => i2c::NoAcknowledgeSource::Unknown,
        }),
        I2cError::Bus(BusError::ArbitrationLoss) => i2c::ErrorCode::ArbitrationLoss,
        I2cError::Bus(BusError::Bus) => i2c::ErrorCode::Bus,
        I2cError::Bus(BusError::Overrun) => i2c::ErrorCode::Overrun,
        I2cError::Bus(BusError::Timeout) => i2c::ErrorCode::Timeout,
        I2cError::NotFound => i2c::ErrorCode::NotFound,
        I2cError::NotPermitted => i2c::ErrorCode::NotPermitted,
        I2cError::InvalidArgument => i2c::ErrorCode::InvalidArgument,
        I2cError::LimitReached => i2c::ErrorCode::LimitReached,
        I2cError::Other => i2c::ErrorCode::Other,
    }
}

/// The address as the model takes it; `Board::i2c_transfer` checks its
/// range (invalid-argument) with the rest of the call's arguments.
fn model_address(a: i2c::Address) -> ModelAddress {
    match a {
        i2c::Address::SevenBit(a) => ModelAddress::Seven(a),
        i2c::Address::TenBit(a) => ModelAddress::Ten(a),
    }
}

impl State {
    fn transfer(
        &mut self,
        r: &Resource<BusRes>,
        op: &str,
        address: i2c::Address,
        ops: Vec<Op>,
    ) -> wasmtime::Result<Result<Vec<Vec<u8>>, i2c::ErrorCode>> {
        let bus = self.table.get(r)?.bus;
        let address = model_address(address);
        let mut result = self
            .board
            .i2c_transfer(bus, op, address, &ops)
            .map_err(i2c_error);
        if self.quirks.wrong_nack_source
            && let Err(i2c::ErrorCode::NoAcknowledge(source @ i2c::NoAcknowledgeSource::Address)) =
                &mut result
        {
            *source = i2c::NoAcknowledgeSource::Data;
        }
        self.echo();
        Ok(result)
    }
}

impl i2c::Host for State {
    fn list_buses(&mut self) -> wasmtime::Result<Vec<i2c::BusInfo>> {
        Ok(self
            .board
            .buses_granted()
            .into_iter()
            .map(|(name, frequency_hz, allowed)| i2c::BusInfo {
                name,
                frequency_hz,
                allowed: allowed
                    .into_iter()
                    .map(|a| match a {
                        ModelAddress::Seven(a) => i2c::Address::SevenBit(a),
                        ModelAddress::Ten(a) => i2c::Address::TenBit(a),
                    })
                    .collect(),
            })
            .collect())
    }
    fn open(&mut self, name: String) -> wasmtime::Result<Result<Resource<BusRes>, i2c::ErrorCode>> {
        if self.handles >= self.max_handles {
            return Ok(Err(i2c::ErrorCode::LimitReached));
        }
        match self.board.bus_open(&name) {
            Err(e) => Ok(Err(i2c_error(e))),
            Ok(bus) => {
                self.take_handle();
                Ok(Ok(self.push(BusRes { bus })?))
            }
        }
    }
}

impl i2c::HostBus for State {
    fn frequency_hz(&mut self, r: Resource<BusRes>) -> wasmtime::Result<u32> {
        let bus = self.table.get(&r)?.bus;
        Ok(self.board.buses[bus].frequency_hz)
    }
    fn max_transfer_length(&mut self, r: Resource<BusRes>) -> wasmtime::Result<u32> {
        let bus = self.table.get(&r)?.bus;
        Ok(self.board.buses[bus].max_transfer)
    }
    fn read(
        &mut self,
        r: Resource<BusRes>,
        address: i2c::Address,
        length: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, i2c::ErrorCode>> {
        Ok(self
            .transfer(&r, "read", address, vec![Op::Read(length)])?
            .map(|mut v| v.remove(0)))
    }
    fn write(
        &mut self,
        r: Resource<BusRes>,
        address: i2c::Address,
        data: Vec<u8>,
    ) -> wasmtime::Result<Result<(), i2c::ErrorCode>> {
        Ok(self
            .transfer(&r, "write", address, vec![Op::Write(data)])?
            .map(drop))
    }
    fn write_read(
        &mut self,
        r: Resource<BusRes>,
        address: i2c::Address,
        data: Vec<u8>,
        length: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, i2c::ErrorCode>> {
        Ok(self
            .transfer(
                &r,
                "write-read",
                address,
                vec![Op::Write(data), Op::Read(length)],
            )?
            .map(|mut v| v.remove(0)))
    }
    fn transaction(
        &mut self,
        r: Resource<BusRes>,
        address: i2c::Address,
        operations: Vec<i2c::Operation>,
    ) -> wasmtime::Result<Result<Vec<Vec<u8>>, i2c::ErrorCode>> {
        let ops = operations
            .into_iter()
            .map(|o| match o {
                i2c::Operation::Read(n) => Op::Read(n),
                i2c::Operation::Write(d) => Op::Write(d),
            })
            .collect();
        self.transfer(&r, "transaction", address, ops)
    }
    fn recover(&mut self, r: Resource<BusRes>) -> wasmtime::Result<Result<(), i2c::ErrorCode>> {
        let bus = self.table.get(&r)?.bus;
        Ok(self.board.i2c_recover(bus).map_err(i2c_error))
    }
    fn drop(&mut self, r: Resource<BusRes>) -> wasmtime::Result<()> {
        self.table.delete(r)?;
        self.handles -= 1;
        Ok(())
    }
}

// ---- sensor ----

fn sensor_error(e: SensorError) -> sensor::ErrorCode {
    match e {
        SensorError::NotFound => sensor::ErrorCode::NotFound,
        SensorError::NotPermitted => sensor::ErrorCode::NotPermitted,
        SensorError::Busy => sensor::ErrorCode::Busy,
        SensorError::Unsupported => sensor::ErrorCode::Unsupported,
        SensorError::InvalidArgument => sensor::ErrorCode::InvalidArgument,
        SensorError::Running => sensor::ErrorCode::Running,
        SensorError::Device => sensor::ErrorCode::Device,
        SensorError::LimitReached => sensor::ErrorCode::LimitReached,
        SensorError::Other => sensor::ErrorCode::Other,
    }
}

fn spec_channel(c: board::sensor::Channel) -> sensor::Channel {
    use board::sensor::Channel as M;
    match c {
        M::Temperature => sensor::Channel::Temperature,
        M::RelativeHumidity => sensor::Channel::RelativeHumidity,
        M::Pressure => sensor::Channel::Pressure,
        M::AccelerationX => sensor::Channel::AccelerationX,
        M::AccelerationY => sensor::Channel::AccelerationY,
        M::AccelerationZ => sensor::Channel::AccelerationZ,
        M::AngularVelocityX => sensor::Channel::AngularVelocityX,
        M::AngularVelocityY => sensor::Channel::AngularVelocityY,
        M::AngularVelocityZ => sensor::Channel::AngularVelocityZ,
        M::MagneticFieldX => sensor::Channel::MagneticFieldX,
        M::MagneticFieldY => sensor::Channel::MagneticFieldY,
        M::MagneticFieldZ => sensor::Channel::MagneticFieldZ,
        M::Illuminance => sensor::Channel::Illuminance,
        M::Distance => sensor::Channel::Distance,
        M::Voltage => sensor::Channel::Voltage,
    }
}

fn model_channel(c: sensor::Channel) -> board::sensor::Channel {
    board::sensor::Channel::ALL
        .into_iter()
        .find(|m| spec_channel(*m) == c)
        .expect("every channel has a model twin")
}

fn spec_kind(kind: &str) -> sensor::Kind {
    match kind {
        "thermometer" => sensor::Kind::Thermometer,
        "hygrometer" => sensor::Kind::Hygrometer,
        "barometer" => sensor::Kind::Barometer,
        "environmental" => sensor::Kind::Environmental,
        "accelerometer" => sensor::Kind::Accelerometer,
        "gyroscope" => sensor::Kind::Gyroscope,
        "magnetometer" => sensor::Kind::Magnetometer,
        "light" => sensor::Kind::Light,
        "proximity" => sensor::Kind::Proximity,
        _ => sensor::Kind::Other,
    }
}

fn spec_sample(s: board::sensor::Sample) -> sensor::Sample {
    sensor::Sample {
        timestamp_ns: s.timestamp,
        sequence: s.sequence,
        values: s.values,
    }
}

impl State {
    fn sensor_info(&self, s: usize) -> sensor::SensorInfo {
        let m = &self.board.sensors[s];
        sensor::SensorInfo {
            name: m.name.clone(),
            kind: spec_kind(m.kind),
            channels: m
                .channels
                .iter()
                .map(|c| sensor::ChannelInfo {
                    channel: spec_channel(c.channel),
                    min: c.min,
                    max: c.max,
                    resolution: c.resolution,
                })
                .collect(),
            min_interval_ns: m.min_interval,
            fifo_capacity: m.fifo_capacity,
        }
    }
}

impl sensor::Host for State {
    fn list_sensors(&mut self) -> wasmtime::Result<Vec<sensor::SensorInfo>> {
        Ok(self
            .board
            .sensors_granted()
            .into_iter()
            .map(|s| self.sensor_info(s))
            .collect())
    }
    fn open(
        &mut self,
        name: String,
    ) -> wasmtime::Result<Result<Resource<SensorRes>, sensor::ErrorCode>> {
        if self.handles >= self.max_handles {
            return Ok(Err(sensor::ErrorCode::LimitReached));
        }
        match self.board.sensor_open(&name) {
            Err(e) => Ok(Err(sensor_error(e))),
            Ok(s) => {
                self.take_handle();
                self.generations.sensors[s] += 1;
                let generation = self.generations.sensors[s];
                Ok(Ok(self.push(SensorRes {
                    sensor: s,
                    generation,
                })?))
            }
        }
    }
}

impl sensor::HostSensor for State {
    fn info(&mut self, r: Resource<SensorRes>) -> wasmtime::Result<sensor::SensorInfo> {
        let s = self.table.get(&r)?.sensor;
        Ok(self.sensor_info(s))
    }
    fn read(
        &mut self,
        r: Resource<SensorRes>,
    ) -> wasmtime::Result<Result<sensor::Sample, sensor::ErrorCode>> {
        let s = self.table.get(&r)?.sensor;
        let result = self
            .board
            .sensor_read(s)
            .map(spec_sample)
            .map_err(sensor_error);
        self.echo();
        Ok(result)
    }
    fn set_attribute(
        &mut self,
        r: Resource<SensorRes>,
        attribute: sensor::Attribute,
    ) -> wasmtime::Result<Result<(), sensor::ErrorCode>> {
        let s = self.table.get(&r)?.sensor;
        let a = match attribute {
            sensor::Attribute::SamplingIntervalNs(ns) => board::Attribute::SamplingInterval(ns),
            sensor::Attribute::Oversampling(n) => board::Attribute::Oversampling(n),
            sensor::Attribute::Range(r) => board::Attribute::Range {
                channel: model_channel(r.channel),
                full_scale: r.full_scale,
            },
        };
        Ok(self.board.sensor_set_attribute(s, a).map_err(sensor_error))
    }
    fn get_attribute(
        &mut self,
        r: Resource<SensorRes>,
        kind: sensor::AttributeKind,
    ) -> wasmtime::Result<Result<sensor::Attribute, sensor::ErrorCode>> {
        let s = self.table.get(&r)?.sensor;
        let m = &self.board.sensors[s];
        Ok(match kind {
            sensor::AttributeKind::SamplingInterval => {
                Ok(sensor::Attribute::SamplingIntervalNs(m.interval))
            }
            sensor::AttributeKind::Oversampling if m.oversamplings.is_empty() => {
                Err(sensor::ErrorCode::Unsupported)
            }
            sensor::AttributeKind::Oversampling => {
                Ok(sensor::Attribute::Oversampling(m.oversampling))
            }
        })
    }
    fn start(&mut self, r: Resource<SensorRes>) -> wasmtime::Result<Result<(), sensor::ErrorCode>> {
        let s = self.table.get(&r)?.sensor;
        Ok(self.board.sensor_start(s).map_err(sensor_error))
    }
    fn stop(&mut self, r: Resource<SensorRes>) -> wasmtime::Result<()> {
        let s = self.table.get(&r)?.sensor;
        self.board.sensor_stop(s);
        Ok(())
    }
    fn read_fifo(
        &mut self,
        r: Resource<SensorRes>,
        max: u32,
    ) -> wasmtime::Result<Result<sensor::FifoSamples, sensor::ErrorCode>> {
        let s = self.table.get(&r)?.sensor;
        let result = self.board.sensor_read_fifo(s, max).map_err(sensor_error);
        self.echo();
        Ok(result.map(|(samples, overrun)| sensor::FifoSamples {
            samples: samples.into_iter().map(spec_sample).collect(),
            overrun,
        }))
    }
    fn subscribe_data_ready(
        &mut self,
        r: Resource<SensorRes>,
    ) -> wasmtime::Result<Result<Resource<PollableRes>, sensor::ErrorCode>> {
        let res = self.table.get(&r)?;
        let (sensor, generation) = (res.sensor, res.generation);
        if self.handles >= self.max_handles {
            return Ok(Err(sensor::ErrorCode::LimitReached));
        }
        Ok(Ok(self.pollable(Watch::DataReady { sensor, generation })?))
    }
    fn subscribe_threshold(
        &mut self,
        r: Resource<SensorRes>,
        threshold: sensor::Threshold,
    ) -> wasmtime::Result<Result<Resource<PollableRes>, sensor::ErrorCode>> {
        let res = self.table.get(&r)?;
        let (s, generation) = (res.sensor, res.generation);
        let channel = model_channel(threshold.channel);
        let Some(index) = self.board.sensors[s]
            .channels
            .iter()
            .position(|c| c.channel == channel)
        else {
            return Ok(Err(sensor::ErrorCode::InvalidArgument));
        };
        if self.handles >= self.max_handles {
            return Ok(Err(sensor::ErrorCode::LimitReached));
        }
        self.board.sensor_catch_up(s);
        let after = self.board.sensors[s].sequence;
        Ok(Ok(self.pollable(Watch::Threshold {
            sensor: s,
            generation,
            channel: index,
            level: threshold.level,
            above: threshold.above,
            after,
        })?))
    }
    fn drop(&mut self, r: Resource<SensorRes>) -> wasmtime::Result<()> {
        let res = self.table.delete(r)?;
        self.board.sensor_close(res.sensor);
        self.handles -= 1;
        Ok(())
    }
}

// ---- running apps ----

/// How an app run ended, when the host itself is fine.
#[derive(Debug)]
pub enum Outcome {
    /// `run` returned `ok`.
    Success,
    /// `run` returned `err` with this message.
    Failed(String),
    /// The app trapped, ran out of fuel or time, or broke a limit; the text
    /// says which, with the wasm backtrace.
    Trapped(String),
}

/// What a run produced: how it ended and the board, with its trace.
pub struct RunResult {
    pub outcome: Outcome,
    pub state: State,
}

/// An app loaded once and instantiated for each run.
pub struct Runner {
    engine: Engine,
    pre: AppPre<State>,
    fuel: bool,
    /// Kept for its `Drop`, which stops the thread.
    _ticker: Ticker,
}

/// The thread that advances the engine's epoch every [`TICK`], for as
/// long as its runner lives, so that runs can have wall-clock deadlines.
struct Ticker {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const TICK: Duration = Duration::from_millis(10);

impl Ticker {
    fn start(engine: Engine) -> Ticker {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                std::thread::park_timeout(TICK);
                engine.increment_epoch();
            }
        });
        Ticker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

/// The engine configuration of the reference host.
pub fn engine(fuel: bool) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.consume_fuel(fuel);
    Engine::new(&config)
}

impl Runner {
    /// Loads `bytes` (a component, or one precompiled by `wasi-hw compile`
    /// with the same engine configuration). `fuel` must match how runs are
    /// limited.
    pub fn new(bytes: &[u8], fuel: bool) -> wasmtime::Result<Runner> {
        let engine = engine(fuel)?;
        let component = if Engine::detect_precompiled(bytes).is_some() {
            // SAFETY: wasmtime checks that the artifact was made by this
            // version and configuration; the file is the user's own output
            // of `wasi-hw compile`, as trusted as the app itself.
            unsafe { Component::deserialize(&engine, bytes)? }
        } else {
            Component::new(&engine, bytes)?
        };
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        App::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
        let pre = AppPre::new(linker.instantiate_pre(&component)?)?;
        let ticker = Ticker::start(engine.clone());
        Ok(Runner {
            engine,
            pre,
            fuel,
            _ticker: ticker,
        })
    }

    /// Loads an app from a file.
    pub fn from_file(path: &Path, fuel: bool) -> wasmtime::Result<Runner> {
        let bytes = std::fs::read(path)
            .map_err(|e| wasmtime::format_err!("cannot read {}: {e}", path.display()))?;
        Runner::new(&bytes, fuel)
    }

    /// The names of the instances the app imports, such as
    /// `wasi-hw:hal/gpio@0.1.0`.
    pub fn imports(&self) -> Vec<String> {
        let component = self.pre.instance_pre().component();
        component
            .component_type()
            .imports(&self.engine)
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// The time to instantiate the app on `board` from its `InstancePre`
    /// (for benchmarks).
    pub fn instantiate_time(&self, board: Board) -> Duration {
        let mut store = Store::new(&self.engine, State::new(board, &[], &Limits::default()));
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(1 << 32);
        if self.fuel {
            let _ = store.set_fuel(u64::MAX);
        }
        let start = std::time::Instant::now();
        let app = self.pre.instantiate(&mut store);
        let elapsed = start.elapsed();
        if let Err(e) = app {
            panic!("instantiation failed: {e:?}");
        }
        elapsed
    }

    /// The engine, for `compile`.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs the app once on `board` with `args`.
    pub fn run(
        &self,
        board: Board,
        args: &[String],
        limits: &Limits,
        echo: Echo,
    ) -> wasmtime::Result<RunResult> {
        self.run_with_quirks(board, args, limits, echo, Quirks::default())
    }

    /// Runs the app once, with deliberate deviations from the spec (see
    /// [`Quirks`]): for testing conformance tooling only.
    pub fn run_with_quirks(
        &self,
        mut board: Board,
        args: &[String],
        limits: &Limits,
        echo: Echo,
        quirks: Quirks,
    ) -> wasmtime::Result<RunResult> {
        if quirks.ignore_pin_policy {
            board.policy.pins = board.gpio.pins.iter().map(|p| p.name.clone()).collect();
        }
        if quirks.no_repeated_start {
            for bus in &mut board.buses {
                bus.stop_between_operations = true;
            }
        }
        let mut state = State::new(board, args, limits);
        state.echo = echo;
        state.quirks = quirks;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        if self.fuel {
            store.set_fuel(limits.fuel.unwrap_or(u64::MAX))?;
        }
        // The runner's ticker advances the epoch every TICK.
        store.set_epoch_deadline((limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64);
        let result = (|| -> wasmtime::Result<Result<(), String>> {
            let app = self.pre.instantiate(&mut store)?;
            app.call_run(&mut store, args)
        })();
        let outcome = match result {
            Ok(Ok(())) => Outcome::Success,
            Ok(Err(message)) => Outcome::Failed(message),
            Err(e) => Outcome::Trapped(describe_trap(&e, limits)),
        };
        let mut state = store.into_data();
        state.echo();
        Ok(RunResult { outcome, state })
    }
}

/// A trap, in words, with the wasm backtrace wasmtime attached.
fn describe_trap(e: &wasmtime::Error, limits: &Limits) -> String {
    let why = match e.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => format!(
            "the app ran for more than {:?} of wall-clock time and was stopped (--timeout)",
            limits.timeout
        ),
        Some(wasmtime::Trap::OutOfFuel) => format!(
            "the app used all its fuel ({}) and was stopped (--fuel)",
            limits.fuel.unwrap_or(0)
        ),
        Some(trap) => format!("the app trapped: {trap}"),
        None => match e
            .chain()
            .map(|c| c.to_string())
            .find(|m| m.contains("forcing trap when growing memory"))
        {
            Some(_) => format!(
                "the app's linear memory would have grown past {} bytes and it was stopped (--max-memory)",
                limits.max_memory
            ),
            None => format!(
                "the app was stopped: {}",
                e.chain().last().map(|c| c.to_string()).unwrap_or_default()
            ),
        },
    };
    format!("{why}\n{e:?}")
}
