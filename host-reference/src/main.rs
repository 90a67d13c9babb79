//! The `wasi-hw` command: run, check and compile apps on the reference host.
//! See `wasi-hw --help`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use wasi_hw_host::board::file as board_file;
use wasi_hw_host::host::{Echo, Limits, Outcome, RunResult, Runner};
use wasi_hw_host::shim::CoreRunner;
use wasi_hw_host::time::parse_duration;
use wasi_hw_host::{pack, template};

/// Runs wasi-hw apps on a mocked board.
///
/// An app is either form of a guest-sdk app: a component of world
/// wasi-hw:hal/app (a `wasm32-wasip2` build), run on wasmtime, or a core
/// module (a `wasm32v1-none` build, what a device runs), run on wasmi
/// through the generated no_std shim. Both forms reach the same board
/// model through the same traits and print the same lines. The board file describes the mocked pins, I2C buses
/// with their devices, sensors, and the policy of what the app may touch; see
/// host-reference/README.md.
///
/// Exit codes: 0 when the app succeeded; 1 when it returned an error,
/// trapped or was stopped by a limit (or `check` found something missing);
/// 2 on bad input (a board file, an app file, an argument).
#[derive(Parser)]
#[command(name = "wasi-hw", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs an app on a board, printing its log and the pins' changes with
    /// their (virtual) times.
    ///
    /// Example: wasi-hw run blinky.wasm --board host-reference/boards/demo.toml -- 3
    Run {
        /// The app: a component (.wasm), its precompiled form (.cwasm), or
        /// a core module (.wasm, a wasm32v1-none build).
        app: PathBuf,
        #[command(flatten)]
        board: BoardArgs,
        /// Write every peripheral operation as JSON lines to FILE (`-`:
        /// standard output, instead of the usual printout).
        #[arg(long, value_name = "FILE")]
        trace: Option<PathBuf>,
        /// Write the pins' levels as a VCD waveform (PulseView, GTKWave) to FILE.
        #[arg(long, value_name = "FILE")]
        vcd: Option<PathBuf>,
        /// Use the wall clock instead of virtual time.
        #[arg(long)]
        real_time: bool,
        /// The most linear memory the app may have, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = 16 << 20)]
        max_memory: usize,
        /// The most resources (pins, buses, sensors, timers, pollables) the
        /// app may hold at once.
        #[arg(long, value_name = "N", default_value_t = 64)]
        max_handles: usize,
        /// Stop the app after this much fuel (about one unit per wasm
        /// instruction).
        #[arg(long, value_name = "N")]
        fuel: Option<u64>,
        /// Stop the app after this much wall-clock time (for example `30s`),
        /// whatever it does: spins for ever under virtual time, waits, or
        /// calls the host in a loop; on wasmtime and on wasmi alike.
        #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration_arg)]
        timeout: Duration,
        /// The most bytes of memory the trace keeps: past it, the oldest
        /// events and level changes are dropped (and counted), so that an
        /// app that logs or toggles for ever cannot grow the host's memory;
        /// --trace and --vcd then hold the latest.
        #[arg(long, value_name = "BYTES", default_value_t = wasi_hw_host::trace::DEFAULT_MAX_BYTES)]
        max_trace_bytes: usize,
        /// The most bytes of log messages the host keeps (the latest).
        #[arg(long, value_name = "BYTES", default_value_t = wasi_hw_board::host::DEFAULT_MAX_LOG_BYTES)]
        max_log_bytes: usize,
        /// Print only the app's log, not the pins' changes and readings.
        #[arg(long)]
        quiet: bool,
        /// The app's arguments.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Says, without running the app, which interfaces it imports and what
    /// the board and its policy grant for each.
    Check {
        /// The app: a component or a core module (.wasm).
        app: PathBuf,
        #[command(flatten)]
        board: BoardArgs,
    },
    /// Makes a key pair for signing bundles: NAME.key, the secret (keep it
    /// on the build machine, out of version control), and NAME.pub, the
    /// public key a device checks bundles with. Each is 64 hex digits.
    ///
    /// Example: wasi-hw keygen release
    Keygen {
        /// The keys' path without extension; neither file may exist.
        name: PathBuf,
    },
    /// Checks an app's core module and makes it a bundle signed with a
    /// secret key: what a device runs after checking only the signature.
    ///
    /// The checks: valid WebAssembly 1.0 (with the extensions wasm32v1-none
    /// builds use); imports only functions of world wasi-hw:hal/app, each
    /// with the world's signature; exports run, memory and cabi_realloc.
    /// Custom sections are dropped. The bundle records the smallest world
    /// that has the app's imports and the memory it needs: for an app whose
    /// memory is fixed (linked with --no-growable-memory, a fixed heap, no
    /// memory.grow or memory.size: the guest SDK's `fixed_heap!`), the bytes
    /// below its __heap_base, all it ever touches; for any other, what its
    /// memory starts with.
    ///
    /// Example: wasi-hw pack blinky.core.wasm --key release.key -o blinky.bundle
    Pack {
        /// The app: a core module (.wasm, a wasm32v1-none build).
        app: PathBuf,
        /// The secret key (from `wasi-hw keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Where to write the bundle.
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// How to lay the module out for the engine that runs it: `plain`,
        /// as built, for any engine; `custom-pages`, a fixed memory declared
        /// in pages of one byte, so that an engine with custom page sizes
        /// (wasmi 2.0) allocates only what the app needs. The in-place
        /// engine's form, `wasefire`, is made by `wasi-hw-wasefire pack`.
        #[arg(long, value_enum, default_value = "plain")]
        form: PackForm,
    },
    /// Checks a bundle's signature with a public key and says what it
    /// holds. Exit 0 when it is whole and signed with the key's secret, 2
    /// otherwise.
    ///
    /// Example: wasi-hw verify blinky.bundle --key release.pub
    Verify {
        /// The bundle.
        bundle: PathBuf,
        /// The public key (NAME.pub from `wasi-hw keygen`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Makes a component of an app's core module (a wasm32v1-none build, or
    /// an app in C built with guest-sdk/c), from the description of its
    /// world that the SDK's bindings put in it, so that `run` runs it on
    /// wasmtime as a component.
    ///
    /// Example: wasi-hw component blinky.wasm -o blinky.component.wasm
    Component {
        /// The app's core module (.wasm), its custom sections kept.
        app: PathBuf,
        /// Where to write the component (.wasm).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
    },
    /// Compiles an app ahead of time, so that `run` starts it at once.
    Compile {
        /// The app: a component (.wasm).
        app: PathBuf,
        /// Where to write the compiled app (.cwasm).
        #[arg(short, long, value_name = "FILE")]
        output: PathBuf,
        /// Compile for runs with --fuel (fuel needs differently compiled code).
        #[arg(long)]
        fuel: bool,
    },
    /// Makes a new app: a crate in the new folder DIR, named after it, with
    /// the SDK as its dependency, a size-optimised release profile, its
    /// targets and a board file, that builds and runs at once. Installs the
    /// two wasm targets if the toolchain lacks them.
    ///
    /// Example: wasi-hw new my-app && cd my-app && cargo build --release --target wasm32-wasip2
    New {
        /// The folder to make; its last component names the app.
        dir: PathBuf,
        /// The guest SDK (the folder guest-sdk of a wasi-hw checkout).
        /// Default: the one this command was built from.
        #[arg(long, value_name = "DIR")]
        sdk: Option<PathBuf>,
    },
}

#[derive(Args)]
struct BoardArgs {
    /// The board file (TOML), for example host-reference/boards/demo.toml.
    #[arg(long, value_name = "FILE")]
    board: PathBuf,
}

fn parse_duration_arg(s: &str) -> Result<Duration, String> {
    parse_duration(s).map(Duration::from_nanos)
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Run {
            app,
            board,
            trace,
            vcd,
            real_time,
            max_memory,
            max_handles,
            fuel,
            timeout,
            max_trace_bytes,
            max_log_bytes,
            quiet,
            args,
        } => {
            let limits = Limits {
                max_memory,
                max_handles,
                fuel,
                timeout,
                max_trace_bytes,
                max_log_bytes,
            };
            run(
                &app,
                &board.board,
                trace.as_deref(),
                vcd.as_deref(),
                real_time,
                &limits,
                quiet,
                &args,
            )
        }
        Command::Check { app, board } => check(&app, &board.board),
        Command::Component { app, output } => component(&app, &output),
        Command::Compile { app, output, fuel } => compile(&app, &output, fuel),
        Command::New { dir, sdk } => new_app(&dir, sdk),
        Command::Keygen { name } => keygen(&name),
        Command::Pack {
            app,
            key,
            output,
            form,
        } => pack(&app, &key, &output, form.into()),
        Command::Verify { bundle, key } => verify(&bundle, &key),
    }
}

/// `wasi-hw keygen`.
fn keygen(name: &Path) -> ExitCode {
    let [secret, public] = ["key", "pub"].map(|ext| name.with_extension(ext));
    for path in [&secret, &public] {
        if path.exists() {
            return bad_input(format!(
                "{} exists: keygen never overwrites a key (remove it, or pick another name)",
                path.display()
            ));
        }
    }
    let (seed, public_key) = match wasi_hw_bundle::keygen() {
        Ok(pair) => pair,
        Err(e) => return bad_input(format!("no randomness from the system for a key: {e}")),
    };
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    if let Err(e) = write(&secret, pack::key_text(&seed))
        .and_then(|()| write(&public, pack::key_text(&public_key)))
    {
        return bad_input(e);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600));
    }
    println!(
        "wrote {} (secret: keep it off devices) and {} (public)",
        secret.display(),
        public.display()
    );
    ExitCode::SUCCESS
}

/// A bundle's form, as `wasi-hw pack --form` takes it.
#[derive(Clone, Copy, ValueEnum)]
enum PackForm {
    Plain,
    CustomPages,
}

impl From<PackForm> for wasi_hw_bundle::Form {
    fn from(f: PackForm) -> Self {
        match f {
            PackForm::Plain => wasi_hw_bundle::Form::Plain,
            PackForm::CustomPages => wasi_hw_bundle::Form::CustomPages,
        }
    }
}

/// `wasi-hw pack`.
fn pack(app: &Path, key: &Path, output: &Path, form: wasi_hw_bundle::Form) -> ExitCode {
    let seed = match pack::read_key(key) {
        Ok(k) => k,
        Err(e) => return bad_input(format!("{e:#}")),
    };
    let wasm = match std::fs::read(app) {
        Ok(b) => b,
        Err(e) => return bad_input(format!("{}: cannot read it: {e}", app.display())),
    };
    let packed = match pack::check(&wasm) {
        Ok(p) => p,
        Err(e) => return bad_input(format!("{}: {e:#}", app.display())),
    };
    let bytes = match pack::lay_out(&packed, form, None)
        .and_then(|module| Ok((pack::bundle(&packed, form, &module, &seed)?, module)))
    {
        Ok(b) => b,
        Err(e) => return bad_input(format!("{}: {e:#}", app.display())),
    };
    let (bytes, module) = bytes;
    if let Err(e) = std::fs::write(output, &bytes) {
        return bad_input(format!("cannot write {}: {e}", output.display()));
    }
    println!(
        "{}",
        pack::summary(
            &output.display().to_string(),
            &packed,
            form,
            &module,
            wasm.len(),
            bytes.len()
        )
    );
    ExitCode::SUCCESS
}

/// `wasi-hw verify`.
fn verify(bundle: &Path, key: &Path) -> ExitCode {
    let public = match pack::read_key(key) {
        Ok(k) => k,
        Err(e) => return bad_input(format!("{e:#}")),
    };
    let bytes = match std::fs::read(bundle) {
        Ok(b) => b,
        Err(e) => return bad_input(format!("{}: cannot read it: {e}", bundle.display())),
    };
    match wasi_hw_bundle::open(&bytes, &public) {
        Ok(b) => {
            println!(
                "{}: signed with {}; world {}, memory {} bytes{}{}, form {}, module {} bytes",
                bundle.display(),
                key.display(),
                b.world,
                b.memory,
                if b.fixed { ", fixed" } else { "" },
                if b.floats { ", floating point" } else { "" },
                b.form.name(),
                b.module.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => bad_input(format!("{}: {e}", bundle.display())),
    }
}

/// `wasi-hw new`.
fn new_app(dir: &Path, sdk: Option<PathBuf>) -> ExitCode {
    let Some(sdk) = sdk.or_else(template::default_sdk) else {
        return bad_input(
            "the guest SDK this command was built from is gone: give the folder guest-sdk \
             of a wasi-hw checkout with --sdk",
        );
    };
    let files = match template::create(dir, &sdk) {
        Ok(files) => files,
        Err(e) => return bad_input(format!("{e:#}")),
    };
    println!("created {}: {}", dir.display(), files.join(", "));
    let mut say = |line: &str| println!("{line}");
    if let Err(e) = wasi_hw_toolchain::ensure(dir, &template::TARGETS, &mut say) {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    let file = dir
        .file_name()
        .map(|n| n.to_string_lossy().replace('-', "_"))
        .unwrap_or_default();
    println!(
        "next:\n  cd {}\n  cargo build --release --target wasm32-wasip2\n  \
         wasi-hw run target/wasm32-wasip2/release/{file}.wasm --board board.toml -- 3",
        dir.display()
    );
    ExitCode::SUCCESS
}

/// An app in either form.
enum App {
    /// A component (or its precompiled form), on wasmtime.
    Component(Runner),
    /// A core module, on wasmi through the shim.
    Core(CoreRunner),
}

impl App {
    /// The interfaces the app imports.
    fn imports(&self) -> Vec<String> {
        match self {
            App::Component(r) => r.imports(),
            App::Core(r) => r.imports(),
        }
    }

    fn run(
        &self,
        board: wasi_hw_host::board::Board,
        args: &[String],
        limits: &Limits,
        echo: Echo,
    ) -> Result<RunResult, String> {
        match self {
            App::Component(r) => r
                .run(board, args, limits, echo)
                .map_err(|e| format!("{e:#}")),
            App::Core(r) => r
                .run_echo(board, args, limits, echo)
                .map_err(|e| format!("{e:#}")),
        }
    }
}

/// Reads and loads the app for `command` (`run`, `check`), or says on
/// standard error why it cannot (exit code 2).
fn load(app: &Path, command: &str, fuel: bool) -> Result<App, ExitCode> {
    let bytes = std::fs::read(app)
        .map_err(|e| bad_input(format!("cannot read the app {}: {e}", app.display())))?;
    let precompiled = wasmtime::Engine::detect_precompiled(&bytes).is_some();
    if !precompiled && let Some(message) = not_wasm(app, &bytes, command) {
        return Err(bad_input(message));
    }
    if !precompiled && is_core_module(&bytes) {
        return CoreRunner::new(&bytes).map(App::Core).map_err(|e| {
            bad_input(format!(
                "{}: not a core module this host can run: {e:#}",
                app.display()
            ))
        });
    }
    Runner::new(&bytes, fuel).map(App::Component).map_err(|e| {
        bad_input(format!(
            "{}: not an app this host can run: {e:#}",
            app.display()
        ))
    })
}

/// Why `bytes`, the file `app`, is not an app, when it is plainly not
/// WebAssembly at all. `None` for anything that may be one, whose errors
/// the engine explains.
fn not_wasm(app: &Path, bytes: &[u8], command: &str) -> Option<String> {
    (!bytes.starts_with(b"\0asm")).then(|| {
        format!(
            "{} is not a WebAssembly file (it does not begin with \\0asm); wasi-hw {command} takes an app built for wasm32-wasip2 (a component) or wasm32v1-none (a core module)",
            app.display()
        )
    })
}

/// Whether `bytes` (WebAssembly) is a core module: the 4 bytes after the
/// magic are version 1, layer 0; a component has layer 1.
fn is_core_module(bytes: &[u8]) -> bool {
    bytes.get(4..8) == Some(&[1, 0, 0, 0])
}

/// Creates (or empties) the output file `path`, or says why not: its path
/// and the system's reason.
fn create_output(path: &Path) -> Result<std::fs::File, String> {
    std::fs::File::create(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn bad_input(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

#[allow(clippy::too_many_arguments)]
fn run(
    app: &Path,
    board: &Path,
    trace: Option<&Path>,
    vcd: Option<&Path>,
    real_time: bool,
    limits: &Limits,
    quiet: bool,
    args: &[String],
) -> ExitCode {
    let board = match board_file::load(board, real_time) {
        Ok(b) => b,
        Err(e) => return bad_input(e),
    };
    let runner = match load(app, "run", limits.fuel.is_some()) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let trace_to_stdout = trace.is_some_and(|t| t == Path::new("-"));
    // The output files are made before the run, so that a path that cannot
    // be written fails at once, not after a long run.
    let trace_file = match trace.filter(|_| !trace_to_stdout).map(create_output) {
        Some(Err(message)) => return bad_input(format!("cannot write the trace to {message}")),
        file => file.and_then(Result::ok),
    };
    let vcd_file = match vcd.map(create_output) {
        Some(Err(message)) => return bad_input(format!("cannot write the waveform to {message}")),
        file => file.and_then(Result::ok),
    };
    let echo = match (trace_to_stdout, quiet) {
        (true, _) => Echo::Off,
        (false, true) => Echo::Log,
        (false, false) => Echo::All,
    };
    let result = match runner.run(board, args, limits, echo) {
        Ok(r) => r,
        Err(e) => return bad_input(e),
    };
    let state = &result.host;
    if trace_to_stdout {
        print!("{}", state.board.trace.json_lines());
    } else if let (Some(path), Some(mut file)) = (trace, trace_file)
        && let Err(e) = file.write_all(state.board.trace.json_lines().as_bytes())
    {
        eprintln!("error: cannot write the trace to {}: {e}", path.display());
        return ExitCode::from(2);
    }
    if let (Some(path), Some(mut file)) = (vcd, vcd_file)
        && let Err(e) = file.write_all(state.board.vcd().as_bytes())
    {
        eprintln!(
            "error: cannot write the waveform to {}: {e}",
            path.display()
        );
        return ExitCode::from(2);
    }
    let trace = &state.board.trace;
    if (trace.dropped_events, trace.dropped_levels) != (0, 0) {
        eprintln!(
            "warning: the trace kept its latest {} events and {} level changes; the {} events and {} level changes before them were dropped to stay within {} bytes (--max-trace-bytes)",
            trace.events.len(),
            trace.levels.len(),
            trace.dropped_events,
            trace.dropped_levels,
            trace.max_bytes
        );
    }
    match result.outcome {
        Outcome::Success => ExitCode::SUCCESS,
        Outcome::Failed(message) => {
            eprintln!("error: the app failed: {message}");
            ExitCode::from(1)
        }
        Outcome::Trapped(report) => {
            eprintln!("error: {report}");
            ExitCode::from(1)
        }
    }
}

fn check(app: &Path, board: &Path) -> ExitCode {
    let board = match board_file::load(board, false) {
        Ok(b) => b,
        Err(e) => return bad_input(e),
    };
    // Loading links every import against the host: an import the host does
    // not provide, or of the wrong type, fails here.
    let runner = match load(app, "check", false) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut missing = 0;
    println!("{} imports:", app.display());
    for name in runner.imports() {
        let interface = name
            .split('/')
            .nth(1)
            .and_then(|i| i.split('@').next())
            .unwrap_or("");
        let grant = if name.starts_with("wasi-hw:hal/") {
            match interface {
                "gpio" => granted(
                    "pins",
                    board.pins_granted().into_iter().map(|(n, _)| n).collect(),
                ),
                "i2c" => granted(
                    "buses",
                    board
                        .buses_granted()
                        .into_iter()
                        .map(|(n, _, a)| {
                            format!(
                                "{n} ({})",
                                a.iter()
                                    .map(|a| a.describe())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })
                        .collect(),
                ),
                "sensor" => granted(
                    "sensors",
                    board
                        .sensors_granted()
                        .into_iter()
                        .map(|i| board.sensors[i].name.clone())
                        .collect(),
                ),
                "spi" => granted(
                    "SPI devices",
                    board
                        .spi_granted()
                        .into_iter()
                        .map(|(n, c)| format!("{n} ({}, {} Hz)", c.mode.name(), c.frequency_hz))
                        .collect(),
                ),
                _ => Ok("provided by the host".to_string()),
            }
        } else if name.starts_with("wasi:") {
            Ok("provided by the host (WASI preview 2)".to_string())
        } else {
            Err("not provided by this host".to_string())
        };
        match grant {
            Ok(text) => println!("  {name:<28} {text}"),
            Err(text) => {
                missing += 1;
                println!("  {name:<28} MISSING: {text}");
            }
        }
    }
    if missing == 0 {
        println!("ok: the board and its policy grant something for every import");
        ExitCode::SUCCESS
    } else {
        println!(
            "{missing} import(s) would fail: every open would answer not-permitted or not-found"
        );
        ExitCode::from(1)
    }
}

fn granted(what: &str, names: Vec<String>) -> Result<String, String> {
    if names.is_empty() {
        Err(format!("the policy grants no {what}"))
    } else {
        Ok(format!("granted {what}: {}", names.join(", ")))
    }
}

fn component(app: &Path, output: &Path) -> ExitCode {
    let bytes = match std::fs::read(app) {
        Ok(b) => b,
        Err(e) => return bad_input(format!("cannot read {}: {e}", app.display())),
    };
    let component = match wasi_hw_host::component::from_module(&bytes) {
        Ok(c) => c,
        Err(e) => return bad_input(format!("{}: {e:#}", app.display())),
    };
    if let Err(e) = std::fs::write(output, &component) {
        return bad_input(format!("cannot write {}: {e}", output.display()));
    }
    println!(
        "wrote {} ({} bytes, a component of the world its module describes)",
        output.display(),
        component.len()
    );
    ExitCode::SUCCESS
}

fn compile(app: &Path, output: &Path, fuel: bool) -> ExitCode {
    let bytes = match std::fs::read(app) {
        Ok(b) => b,
        Err(e) => return bad_input(format!("cannot read {}: {e}", app.display())),
    };
    if wasmtime::Engine::detect_precompiled(&bytes).is_some() {
        return bad_input(format!(
            "{} is already compiled (the output of wasi-hw compile); wasi-hw compile takes a component (.wasm, a wasm32-wasip2 build)",
            app.display()
        ));
    }
    if let Some(message) = not_wasm(app, &bytes, "compile") {
        return bad_input(message);
    }
    if is_core_module(&bytes) {
        return bad_input(format!(
            "{} is a core module (a wasm32v1-none build); wasi-hw compile takes a component (a wasm32-wasip2 build), and wasi-hw run runs a core module as it is",
            app.display()
        ));
    }
    let engine = match wasi_hw_host::host::engine(fuel) {
        Ok(e) => e,
        Err(e) => return bad_input(format!("{e:#}")),
    };
    let compiled = match engine.precompile_component(&bytes) {
        Ok(c) => c,
        Err(e) => {
            return bad_input(format!(
                "{}: not a component this host can compile: {e:#}",
                app.display()
            ));
        }
    };
    if let Err(e) = std::fs::write(output, compiled) {
        return bad_input(format!("cannot write {}: {e}", output.display()));
    }
    println!("wrote {}", output.display());
    ExitCode::SUCCESS
}
