//! Core modules on wasmi through the generated no_std shim: the same board
//! model and the same semantics as the wasmtime host, reached through the
//! canonical-ABI glue that `wasi-hw-codegen host-shim` writes for firmware.
//! The host behind the shim's traits is `wasi_hw_board::host::BoardHost`,
//! the one the QEMU firmware runs. Running a core module here and a
//! component on wasmtime must give identical traces; the conformance suite
//! checks that (`--host shim-wasmi`, `--host shim-wasmi-dispatch`).

use anyhow::{Context, Result};
use wasi_hw_board::host::BoardHost;
use wasi_hw_shim::app::{self as s, wasmi::Shim};
use wasi_hw_shim::run::{Ran, Slices, call_run_in_slices};

use crate::board::Board;
use crate::host::{Echo, Limits, Outcome};

/// Capacity of every resource table: above the reference host's own limit
/// on handles (`--max-handles`, 64 by default), so that the limit is the
/// spec's `limit-reached`, as on wasmtime, and never a full table.
pub const CAPACITY: usize = 256;

/// The generated shim's state over the board model.
pub type HostShim = Shim<BoardHost, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY>;

/// What a run on wasmi produced: how it ended, and the host with its board
/// and trace; the same as a run on wasmtime.
pub type ShimRun = crate::host::RunResult;

/// The store's data: the shim, and the memory limit.
pub struct Data {
    pub shim: HostShim,
    limits: wasmi::StoreLimits,
}

/// Which of the generated wasmi adapters defines the imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adapter {
    /// `add_to_linker`: a typed host function an import.
    Typed,
    /// `add_to_linker_dispatch`: one untyped trampoline over `dispatch`.
    Dispatch,
}

/// A core module loaded once and instantiated for each run, on wasmi
/// through the generated shim.
pub struct CoreRunner {
    engine: wasmi::Engine,
    module: wasmi::Module,
    linker: wasmi::Linker<Data>,
    /// The fuel of a slice of `run` ([`SLICE`] unless changed): a smaller
    /// slice ends a run sooner after its wall-clock limit, at a small cost
    /// a slice; `u64::MAX` runs it in one go, ended only by its fuel.
    pub slice: u64,
}

/// The fuel of one slice of `run`: wasmi cannot be interrupted from
/// outside, so the run is given its fuel a slice at a time and the
/// wall-clock limit is looked at between two. On the machine of
/// BENCHMARKS.md a slice is about 1 ms of a spin and 10 ms of a loop of
/// host calls.
pub const SLICE: u64 = 1_000_000;

/// Gives `run` its fuel in slices and stops it at its wall-clock limit.
struct Clock {
    slice: u64,
    deadline: Option<std::time::Instant>,
    timed_out: bool,
}

impl Slices<&mut wasmi::Store<Data>> for Clock {
    fn begin(&mut self, store: &mut &mut wasmi::Store<Data>) {
        let fuel = store.get_fuel().unwrap_or(0);
        let slice = fuel.min(self.slice);
        let _ = store.set_fuel(slice);
        store.data_mut().shim.fuel_reserve = fuel - slice;
    }

    fn next(&mut self, store: &mut &mut wasmi::Store<Data>) -> bool {
        if self
            .deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
        {
            self.timed_out = true;
            return false;
        }
        let reserve = &mut store.data_mut().shim.fuel_reserve;
        let slice = (*reserve).min(self.slice);
        *reserve -= slice;
        slice > 0 && store.set_fuel(slice).is_ok()
    }

    fn end(&mut self, store: &mut &mut wasmi::Store<Data>) {
        let reserve = std::mem::take(&mut store.data_mut().shim.fuel_reserve);
        let fuel = store.get_fuel().unwrap_or(0).saturating_add(reserve);
        let _ = store.set_fuel(fuel);
    }
}

impl CoreRunner {
    /// The names of the interfaces the module imports, such as
    /// `wasi-hw:hal/gpio@0.1.1`, each once, in the module's order.
    pub fn imports(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for import in self.module.imports() {
            if !names.iter().any(|n| n == import.module()) {
                names.push(import.module().to_string());
            }
        }
        names
    }

    /// Loads a core module (`wasm32v1-none`).
    pub fn new(bytes: &[u8]) -> Result<CoreRunner> {
        CoreRunner::with_imports(bytes, |_| Ok(()))
    }

    /// Loads a core module, with the imports defined by `adapter`.
    pub fn with_adapter(bytes: &[u8], adapter: Adapter) -> Result<CoreRunner> {
        CoreRunner::build(bytes, adapter, |_| Ok(()))
    }

    /// Loads a core module, with `replace` defining imports of its own over
    /// the generated ones (for benchmarks against hand-written glue).
    pub fn with_imports(
        bytes: &[u8],
        replace: impl FnOnce(&mut wasmi::Linker<Data>) -> Result<()>,
    ) -> Result<CoreRunner> {
        CoreRunner::build(bytes, Adapter::Typed, replace)
    }

    fn build(
        bytes: &[u8],
        adapter: Adapter,
        replace: impl FnOnce(&mut wasmi::Linker<Data>) -> Result<()>,
    ) -> Result<CoreRunner> {
        let mut config = wasmi::Config::default();
        config.consume_fuel(true);
        let engine = wasmi::Engine::new(&config);
        let module =
            wasmi::Module::new(&engine, bytes).context("not a core module wasmi can load")?;
        let mut linker = wasmi::Linker::new(&engine);
        match adapter {
            Adapter::Typed => s::wasmi::add_to_linker(&mut linker, |d: &mut Data| &mut d.shim)?,
            Adapter::Dispatch => {
                s::wasmi::add_to_linker_dispatch(&mut linker, |d: &mut Data| &mut d.shim)?
            }
        }
        // An app built against an earlier compatible version of the
        // package (`...@0.1.0`) is served under its names.
        s::wasmi::alias_versions(&mut linker, &module)?;
        linker.allow_shadowing(true);
        replace(&mut linker)?;
        Ok(CoreRunner {
            engine,
            module,
            linker,
            slice: SLICE,
        })
    }

    /// Runs the module once on `board` with `args`.
    pub fn run(&self, board: Board, args: &[String], limits: &Limits) -> Result<ShimRun> {
        self.run_echo(board, args, limits, Echo::Off)
    }

    /// Runs the module once on `board` with `args`, printing what `echo`
    /// asks as it happens, as `wasi-hw run` does for a component, with the
    /// same limits: `limits.timeout` ends any run (a wait at once; code
    /// between two slices of fuel, see [`SLICE`]), and `limits.fuel`, if
    /// any, ends an app that has used that much.
    pub fn run_echo(
        &self,
        board: Board,
        args: &[String],
        limits: &Limits,
        echo: Echo,
    ) -> Result<ShimRun> {
        let mut host = crate::host::board_host(board, limits);
        host.watcher = Some(crate::host::live(echo, limits));
        let data = Data {
            shim: Shim::new(host),
            limits: wasmi::StoreLimitsBuilder::new()
                .memory_size(limits.max_memory)
                .trap_on_grow_failure(true)
                .build(),
        };
        let mut store = wasmi::Store::new(&self.engine, data);
        store.limiter(|d| &mut d.limits);
        store.set_fuel(limits.fuel.unwrap_or(u64::MAX))?;
        let mut clock = Clock {
            slice: self.slice,
            deadline: std::time::Instant::now().checked_add(limits.timeout),
            timed_out: false,
        };
        let mut message = None;
        let ran = (|| -> Result<Ran, wasmi::Error> {
            let instance = self
                .linker
                .instantiate_and_start(&mut store, &self.module)?;
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            call_run_in_slices(
                &mut store,
                &instance,
                &args,
                |m| message = Some(m.to_string()),
                &mut clock,
            )
        })();
        let mut data = store.into_data();
        let realloc_error = data.shim.take_realloc_error();
        let mut host = data
            .shim
            .into_host()
            .context("the shim lost its host (a bug in the generated adapter)")?;
        let outcome = match ran {
            Ok(Ran::Ok) => Outcome::Success,
            Ok(Ran::Err) => Outcome::Failed(message.unwrap_or_default()),
            Err(_) if clock.timed_out => Outcome::Trapped(format!(
                "the app ran for more than {:?} of wall-clock time and was stopped (--timeout)",
                limits.timeout
            )),
            Err(e) => Outcome::Trapped(describe(&e, host.trap.take(), realloc_error, limits)),
        };
        crate::host::finish(&mut host);
        Ok(ShimRun { outcome, host })
    }
}

/// Why a run ended in `e`: the board host's reason (`host`), else fuel,
/// else the trap, with the cause of a `cabi_realloc` that trapped
/// (`realloc`).
fn describe(
    e: &wasmi::Error,
    host: Option<String>,
    realloc: Option<wasmi::Error>,
    limits: &Limits,
) -> String {
    if let Some(m) = host {
        return format!("the app was stopped: {m}");
    }
    // A cabi_realloc that ran out of fuel ran out of the app's fuel.
    let cause = wasi_hw_shim::run::realloc_cause(e, realloc.as_ref());
    if let Some(wasmi::TrapCode::OutOfFuel) = cause.unwrap_or(e).as_trap_code() {
        return format!(
            "the app used all its fuel ({}) and was stopped (--fuel)",
            limits.fuel.unwrap_or(u64::MAX)
        );
    }
    if let Some(cause) = cause {
        return format!("the app trapped in its cabi_realloc, called by the host: {cause}");
    }
    match e.downcast_ref::<s::wasmi::Trap>() {
        Some(t) => format!("the app trapped: {t}"),
        None => format!("the app trapped: {e}"),
    }
}
