//! What is wasmtime's alone: the engine, store limits, epochs and fuel,
//! instantiation, the runner and trap descriptions.
//!
//! The spec's semantics are not here. The app's imports are the generated
//! wasmtime adapter of the host shim (`wasi_hw_shim::app::wasmtime`) over
//! [`BoardHost`], the same implementation of the shim's traits that serves
//! core modules on wasmi and the QEMU firmware, so a fix to the semantics
//! lands once for every engine. This module adds WASI (the app's stdio and
//! arguments), prints the trace as it happens ([`Echo`]) and stops a wait
//! at the run's wall-clock limit, both through the board host's
//! [`Watcher`].

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use wasi_hw_board::host::{BoardHost, Watcher};
use wasi_hw_shim::app::wasmtime::{self as adapter, Resources, View};

use crate::board::Board;
pub use crate::quirks::Quirks;
use crate::quirks::Quirky;
use crate::time::{Nanos, format_duration};

pub use wasi_hw_board::host::LogLine;

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
    /// Bytes the trace keeps at most (its latest events and level
    /// changes; the oldest are dropped and counted).
    pub max_trace_bytes: usize,
    /// Bytes of log messages the host keeps at most (the latest).
    pub max_log_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_memory: 16 << 20,
            max_handles: 64,
            fuel: None,
            timeout: Duration::from_secs(60),
            max_trace_bytes: wasi_hw_board::trace::DEFAULT_MAX_BYTES,
            max_log_bytes: wasi_hw_board::host::DEFAULT_MAX_LOG_BYTES,
        }
    }
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

/// What a run of either form of an app watches as it goes: the echo, and
/// the wall-clock limit of waits (`limits.timeout` from now).
pub fn live(echo: Echo, limits: &Limits) -> Box<dyn Watcher + Send> {
    Box::new(Live {
        echo,
        echoed: 0,
        wall_deadline: std::time::Instant::now().checked_add(limits.timeout),
        timeout: limits.timeout,
    })
}

/// A board host over `board` within `limits`: handles, trace and log.
pub(crate) fn board_host(mut board: Board, limits: &Limits) -> BoardHost {
    board.trace.max_bytes = limits.max_trace_bytes;
    let mut host = BoardHost::new(board, limits.max_handles);
    host.max_log_bytes = limits.max_log_bytes;
    host
}

/// Prints what the app did since the last call, at the end of a run.
pub fn finish(host: &mut BoardHost) {
    if let Some(mut watcher) = host.watcher.take() {
        watcher.after_call(&host.board);
    }
}

/// The run as it goes: the echo, and the wall-clock limit of waits.
struct Live {
    echo: Echo,
    /// Trace events already printed (of all ever recorded).
    echoed: u64,
    /// When the run must end, wall clock.
    wall_deadline: Option<std::time::Instant>,
    /// The limit, for the message.
    timeout: Duration,
}

impl Watcher for Live {
    /// Epoch interruption stops only wasm code, so a wait checks the
    /// wall-clock limit itself. Under real time a wait sleeps: one that
    /// would pass the limit sleeps until it and stops the app. Under
    /// virtual time a wait moves the clock from event to event (a sensor's
    /// samples, checked against a threshold), which may go on for ever:
    /// each step checks that the limit has not passed.
    fn before_wait(&mut self, board: &mut Board, t: Nanos) -> Result<(), String> {
        let Some(limit) = self.wall_deadline else {
            return Ok(());
        };
        let stopped = || {
            format!(
                "the app waited past its wall-clock limit of {:?} (--timeout) and was stopped",
                self.timeout
            )
        };
        if board.clock.is_virtual() {
            if std::time::Instant::now() >= limit {
                return Err(stopped());
            }
        } else {
            let now = board.now();
            let left = limit.saturating_duration_since(std::time::Instant::now());
            if Duration::from_nanos(t.saturating_sub(now)) > left {
                std::thread::sleep(left);
                return Err(stopped());
            }
        }
        Ok(())
    }

    /// Prints what happened since the last call, when echoing.
    fn after_call(&mut self, board: &Board) {
        if self.echo == Echo::Off {
            return;
        }
        for e in board.trace.since(self.echoed) {
            if self.echo == Echo::Log && e.interface != "log" {
                continue;
            }
            if let Some(line) = crate::printout::line(board, e) {
                println!("[{:>14}] {line}", format_duration(e.t));
            }
        }
        self.echoed = board.trace.recorded;
    }
}

/// The store's data: the board host (with the quirks of a deliberately
/// broken host, all off in a normal run) and the app's resources, WASI,
/// and the memory limit.
pub struct State {
    pub host: Quirky,
    resources: Resources<Quirky>,
    table: ResourceTable,
    wasi: WasiCtx,
    limits: StoreLimits,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl State {
    pub fn new(board: Board, args: &[String], limits: &Limits) -> State {
        State::with_quirks(board, args, limits, Quirks::default())
    }

    /// A state whose host deviates from the spec as `quirks` says (for
    /// testing conformance tooling only).
    pub fn with_quirks(board: Board, args: &[String], limits: &Limits, quirks: Quirks) -> State {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stdout().inherit_stderr().args(args);
        State {
            host: Quirky::new(board_host(board, limits), quirks),
            resources: Resources::new(),
            table: ResourceTable::new(),
            wasi: wasi.build(),
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.max_memory)
                .trap_on_grow_failure(true)
                .build(),
        }
    }

    /// What the generated adapter serves the app's imports from.
    fn view(&mut self) -> View<'_, Quirky> {
        View {
            host: &mut self.host,
            resources: &mut self.resources,
        }
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
    /// The host after the run: the board with its trace, the app's log.
    pub host: BoardHost,
}

/// An app loaded once and instantiated for each run.
pub struct Runner {
    engine: Engine,
    pre: adapter::bindings::AppPre<State>,
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
        adapter::add_to_linker(&mut linker, State::view)?;
        let pre = adapter::bindings::AppPre::new(linker.instantiate_pre(&component)?)?;
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
    /// `wasi-hw:hal/gpio@0.1.1`.
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
        board: Board,
        args: &[String],
        limits: &Limits,
        echo: Echo,
        quirks: Quirks,
    ) -> wasmtime::Result<RunResult> {
        let mut state = State::with_quirks(board, args, limits, quirks);
        state.host.inner.watcher = Some(live(echo, limits));
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // wasmtime counts every borrow it lends for a call (a `poll` over a
        // list of pollables lends each), and traps past its own cap (100,000
        // by default), before the board host could answer `too-many` as the
        // spec says. Every borrow in a list takes 4 bytes of the app's
        // memory, so with this cap lending never fails: the resources the
        // app owns stay limited by `max_handles` (the board host's count),
        // plus a few for WASI's own.
        store.set_max_component_handles(
            limits
                .max_handles
                .saturating_add(limits.max_memory / 4)
                .saturating_add(64),
        );
        if self.fuel {
            store.set_fuel(limits.fuel.unwrap_or(u64::MAX))?;
        } else if let Some(fuel) = limits.fuel {
            // Without this the limit would be ignored and the app run on.
            wasmtime::bail!(
                "a fuel limit ({fuel}) on a runner made without fuel: make it with `Runner::new(bytes, true)`"
            );
        }
        // The runner's ticker advances the epoch every TICK.
        store.set_epoch_deadline((limits.timeout.as_millis() / TICK.as_millis()).max(1) as u64);
        let result = (|| -> wasmtime::Result<Result<(), String>> {
            let app = self.pre.instantiate(&mut store)?;
            app.call_run(&mut store, args)
        })();
        let mut state = store.into_data();
        let outcome = match result {
            Ok(Ok(())) => Outcome::Success,
            Ok(Err(message)) => Outcome::Failed(message),
            Err(e) => Outcome::Trapped(describe_trap(&e, limits, state.host.inner.trap.take())),
        };
        let mut host = state.host.inner;
        finish(&mut host);
        Ok(RunResult { outcome, host })
    }
}

/// A trap, in words, with the wasm backtrace wasmtime attached. `stopped`
/// is why the board host stopped the app, when it did.
fn describe_trap(e: &wasmtime::Error, limits: &Limits, stopped: Option<String>) -> String {
    if let Some(why) = stopped
        && e.downcast_ref::<wasi_hw_shim::runtime::Error>().is_some()
    {
        return format!("the app was stopped: {why}\n{e:?}");
    }
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
