//! `wasi-hw-wasefire`: runs a wasi-hw app's core module on
//! wasefire-interpreter through the generated shim's wasefire adapter
//! (`wasi_hw_shim::app::wasefire`), over the board model's `BoardHost`:
//! the same host the reference runs, reached through the tiny profile's
//! engine. It speaks the conformance runner's external-host protocol
//! (conformance/README.md), so the runner checks the adapter against the
//! reference host case by case.

mod memory;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::Parser;
use wasefire_interpreter::{Module, Store};
use wasi_hw_board::host::BoardHost;
use wasi_hw_bundle::{Form, pack};
use wasi_hw_shim::Ran;
use wasi_hw_shim::app::{self, Tables};
use wasi_hw_shim::wasefire::call_run;

/// The capacity of every resource table: above the board host's own limit
/// on handles, so that the limit the app meets is the spec's
/// `limit-reached`, as on the reference host (host-reference/src/shim.rs).
const CAPACITY: usize = 256;

/// The app's resources, as the shim keeps them.
type AppTables = Tables<BoardHost, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY, CAPACITY>;

/// wasi-hw apps on wasefire-interpreter, the in-place engine of wasi-hw's
/// tiny profile: `run` one on a mocked board, or `pack` one into a signed
/// bundle for a device that runs it in place.
#[derive(Parser)]
#[command(name = "wasi-hw-wasefire", version)]
enum Command {
    Run(RunArgs),
    Pack(PackArgs),
}

/// Runs a wasi-hw app (a core module, built for wasm32v1-none) on
/// wasefire-interpreter, on a mocked board under virtual time.
///
/// It prints the trace on standard output, one JSON object a line (as
/// `wasi-hw run --trace -` does), and the app's log on standard error. It
/// exits 0 when the app's `run` returned `ok`; 1 when it returned an error
/// or trapped, with the message as the first line of standard error; 2 on
/// bad input (a module or board file that cannot be used). For the
/// conformance runner:
///
///   wasi-hw-conformance --host-command 'wasi-hw-wasefire run "$WASI_HW_GUEST_CORE" --board "$WASI_HW_BOARD" -- "$WASI_HW_CASE"'
///
/// The interpreter has no fuel: an app that never returns runs until the
/// runner's timeout kills it.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct RunArgs {
    /// The app: a core module (wasm32v1-none) that imports only wasi-hw's
    /// `app` world and exports `run`, `memory` and `cabi_realloc`; or a
    /// bundle of form `wasefire` (from `pack`), run as a device runs it,
    /// with the memory it records.
    app: PathBuf,
    /// The board file (see host-reference/README.md).
    #[arg(long)]
    board: PathBuf,
    /// The public key a bundle must be signed with (`wasi-hw keygen`'s
    /// NAME.pub).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// The most linear memory the app may have, in bytes (rounded up to
    /// whole 64 KiB pages), given to the interpreter at the start: the
    /// app's `memory.grow` fails past it. Without it the app's memory is
    /// fixed at what the module starts with, as the tiny profile runs apps.
    /// With it, the glue sees all of it from the start: a pointer into
    /// pages the app has not grown yet is accepted where wasmi would trap
    /// (wasefire-interpreter does not tell its embedder how much the app
    /// has grown).
    #[arg(long, value_name = "BYTES")]
    max_memory: Option<u64>,
    /// The most resources the app may hold at once (`limit-reached`
    /// beyond), as the reference host's `--max-handles`.
    #[arg(long, default_value_t = 64)]
    max_handles: usize,
    /// The app's arguments.
    #[arg(last = true)]
    args: Vec<String>,
}

/// Checks an app's core module as `wasi-hw pack` does, lays it out for
/// wasefire-interpreter (its fixed memory declared as one page, and the
/// interpreter's side table, which this validation computes) and signs it:
/// a bundle of form `wasefire` (bundle/src/lib.rs), which a device runs in
/// place with `Module::new_unchecked` after checking only its signature.
/// Only for an app whose memory is fixed (the guest SDK's `fixed_heap!`)
/// and at most 64 KiB.
///
/// Example: wasi-hw-wasefire pack blinky.wasm --key release.key -o blinky.bundle
#[derive(clap::Args)]
struct PackArgs {
    /// The app: a core module (.wasm, a wasm32v1-none build).
    app: PathBuf,
    /// The secret key (from `wasi-hw keygen`).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Where to write the bundle.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

/// Bad input: exit 2.
struct BadInput(anyhow::Error);

fn main() -> ExitCode {
    let ended = match Command::parse() {
        Command::Run(args) => run(&args),
        Command::Pack(args) => pack(&args).map(|()| true),
    };
    match ended {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(BadInput(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `pack`: the bundle of form `wasefire`.
fn pack(args: &PackArgs) -> Result<(), BadInput> {
    let app = args.app.display();
    let seed = pack::read_key(&args.key).map_err(BadInput)?;
    let wasm = std::fs::read(&args.app)
        .map_err(|e| BadInput(anyhow::anyhow!("{app}: cannot read it: {e}")))?;
    let packed = pack::check(&wasm).map_err(|e| BadInput(e.context(format!("{app}"))))?;
    let side_table = |module: &[u8]| -> Result<Vec<u8>> {
        let prepared = wasefire_interpreter::prepare(module).map_err(|e| {
            anyhow::anyhow!("wasefire-interpreter refuses it ({e:?}): it uses what the interpreter does not support")
        })?;
        // What the device will trust without looking: checked here once more.
        Module::new(&prepared).map_err(|e| {
            anyhow::anyhow!("wasefire-interpreter refuses its own side table ({e:?})")
        })?;
        Ok(prepared)
    };
    let form = Form::Wasefire;
    let module = pack::lay_out(&packed, form, Some(&side_table))
        .map_err(|e| BadInput(e.context(format!("{app}"))))?;
    let bytes = pack::bundle(&packed, form, &module, &seed)
        .map_err(|e| BadInput(e.context(format!("{app}"))))?;
    std::fs::write(&args.output, &bytes).map_err(|e| {
        BadInput(anyhow::anyhow!(
            "cannot write {}: {e}",
            args.output.display()
        ))
    })?;
    let output = args.output.display().to_string();
    println!(
        "{}",
        pack::summary(&output, &packed, form, &module, wasm.len(), bytes.len())
    );
    Ok(())
}

/// The module made runnable in place: its memory bounded, validated, with
/// the interpreter's side table.
fn prepare(args: &RunArgs) -> Result<(Vec<u8>, usize)> {
    let app = args.app.display();
    let wasm = std::fs::read(&args.app).with_context(|| format!("cannot read the app {app}"))?;
    // A bundle of form `wasefire`: what a device runs, signed.
    if wasm.starts_with(&wasi_hw_bundle::MAGIC) {
        let Some(key) = &args.key else {
            bail!("{app} is a bundle: give the public key it is signed with (--key)");
        };
        let key = pack::read_key(key)?;
        let bundle = wasi_hw_bundle::open(&wasm, &key).with_context(|| format!("{app}"))?;
        if bundle.form != Form::Wasefire {
            bail!(
                "{app}: a bundle of form {}, not wasefire (`wasi-hw-wasefire pack` makes those)",
                bundle.form.name()
            );
        }
        return Ok((bundle.module.to_vec(), bundle.memory as usize));
    }
    let pages = args.max_memory.map(|bytes| bytes.div_ceil(memory::PAGE));
    let (bounded, pages) = memory::bounded(&wasm, pages).with_context(|| format!("{app}"))?;
    let prepared = wasefire_interpreter::prepare(&bounded).map_err(|e| {
        anyhow::anyhow!(
            "{app}: wasefire-interpreter refuses it ({e:?}): not valid WebAssembly 1.0 with the extensions wasm32v1-none uses"
        )
    })?;
    let bytes =
        usize::try_from(pages * memory::PAGE).context("a memory larger than this machine's")?;
    Ok((prepared, bytes))
}

/// Runs the app; whether its `run` returned `ok`.
fn run(args: &RunArgs) -> Result<bool, BadInput> {
    let (prepared, memory_bytes) = prepare(args).map_err(BadInput)?;
    let board = wasi_hw_board::board::file::load(&args.board, false)
        .map_err(|e| BadInput(anyhow::anyhow!("{e}")))?;
    let module = Module::new(&prepared).map_err(|e| {
        BadInput(anyhow::anyhow!(
            "{}: wasefire-interpreter refuses its side table ({e:?})",
            args.app.display()
        ))
    })?;
    // The interpreter wants its memory aligned to 16 bytes.
    let mut buffer = vec![0u8; memory_bytes + wasefire_interpreter::MEMORY_ALIGN];
    let offset = buffer
        .as_ptr()
        .align_offset(wasefire_interpreter::MEMORY_ALIGN);
    let memory = &mut buffer[offset..offset + memory_bytes];

    let mut store = Store::default();
    let linked = app::wasefire::link_for(&mut store, &prepared)
        .map_err(|e| BadInput(anyhow::anyhow!("linking the world's imports: {e:?}")))?;
    let inst = store.instantiate(module, memory).map_err(|e| {
        BadInput(anyhow::anyhow!(
            "{}: cannot be instantiated ({e:?}): it imports what the wasi-hw:hal/app world does not have, or with another type",
            args.app.display()
        ))
    })?;
    let mut host = BoardHost::new(board, args.max_handles);
    let mut tables = AppTables::new();
    let mut message = None;
    let argv: Vec<&str> = args.args.iter().map(String::as_str).collect();
    let ran = call_run(
        &mut store,
        inst,
        &argv,
        |m| message = Some(m.to_string()),
        |store| app::wasefire::serve(store, &linked, &mut host, &mut tables),
    );
    drop(store);
    let failure = match ran {
        Ok(Ran::Ok) => None,
        Ok(Ran::Err) => Some(message.unwrap_or_default()),
        Err(stop) => Some(match (host.trap.take(), stop) {
            (Some(why), _) => format!("the app was stopped: {why}"),
            // As the reference host's shim on wasmi says it, but that the
            // interpreter does not name the trap.
            (None, stop) => stop.report().to_string(),
        }),
    };
    if let Some(failure) = &failure {
        eprintln!("{failure}");
    }
    for line in &host.log {
        eprintln!("{:<5} {}", line.level, line.message);
    }
    let mut out = std::io::stdout().lock();
    for event in &host.board.trace.events {
        // A closed standard output loses the trace, not the verdict.
        let _ = writeln!(out, "{}", event.to_value());
    }
    Ok(failure.is_none())
}
