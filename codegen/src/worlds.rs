//! The worlds wasi-hw's app generators accept: `guest-crate` (an app's SDK)
//! and `host-shim` (the firmware's host) refuse the same shapes, with a
//! message that says what to change.
//!
//! - Imports are interfaces: a function or type imported by the world
//!   itself has no trait (host) or module (SDK) to live in.
//! - The one export is `run: func(args: list<string>) -> result<_, string>`,
//!   the one that `wasi_hw_shim::run::call_run` calls and the SDK's `app!`
//!   exports. `guest-crate` requires it; `host-shim` also accepts a world
//!   that exports nothing (its glue is only the imports: test worlds, hosts
//!   that call their own way).
//!
//! A world that exports its own `run` beside the one of `wasi-hw:hal/app`
//! that it includes is refused by wit-parser already (see
//! `Package::load`, which adds what to change).

use anyhow::{Result, bail};

use crate::package::Package;
use crate::wit_parser::{Function, Resolve, Type, TypeDefKind, WorldItem};

/// The signature every wasi-hw app exports.
pub const RUN: &str = "run: func(args: list<string>) -> result<_, string>";

/// Why `item`, imported by `world`, is refused, if it is.
pub fn import_problem(resolve: &Resolve, world: &str, item: &WorldItem) -> Option<String> {
    let (what, name) = match item {
        WorldItem::Interface { .. } => return None,
        WorldItem::Function(f) => ("function", f.name.clone()),
        WorldItem::Type { id, .. } => (
            "type",
            resolve.types[*id]
                .name
                .clone()
                .unwrap_or_else(|| "?".into()),
        ),
    };
    Some(format!(
        "world `{world}` imports the {what} `{name}` directly; wasi-hw worlds import interfaces only (the host shim makes a trait of each, an SDK a module): put it in an interface and import that"
    ))
}

/// Checks `world` against the rules above; `require_run` for an SDK.
pub fn check(package: &Package, world: &str, require_run: bool) -> Result<()> {
    let id = package.world(world)?;
    let resolve = &package.resolve;
    let w = &resolve.worlds[id];
    for item in w.imports.values() {
        if let Some(problem) = import_problem(resolve, world, item) {
            bail!("{problem}");
        }
    }
    let mut run = false;
    for (key, item) in &w.exports {
        let name = resolve.name_world_key(key);
        match item {
            WorldItem::Function(f) if f.name == "run" => {
                if !is_run(resolve, f) {
                    bail!(
                        "world `{world}` exports `run` with another signature; a wasi-hw host calls `{RUN}`: export that (include `wasi-hw:hal/app` to get it)"
                    );
                }
                run = true;
            }
            _ => bail!(
                "world `{world}` exports `{name}`; a wasi-hw host calls only `{RUN}` (`wasi_hw_shim::run::call_run`, the SDK's `app!`): remove the export, or make it an interface the world imports"
            ),
        }
    }
    if require_run && !run {
        bail!(
            "world `{world}` exports no `run`; an app exports `{RUN}` (the SDK's `app!`): include `wasi-hw:hal/app`, or export that `run`"
        );
    }
    Ok(())
}

/// Whether `f` is `func(args: list<string>) -> result<_, string>` (any
/// parameter name; through type aliases).
fn is_run(resolve: &Resolve, f: &Function) -> bool {
    let kind = |t: &Type| -> Option<&TypeDefKind> {
        let mut t = *t;
        loop {
            let Type::Id(id) = t else { return None };
            match &resolve.types[id].kind {
                TypeDefKind::Type(next) => t = *next,
                k => return Some(k),
            }
        }
    };
    let list_of_strings = |t: &Type| matches!(kind(t), Some(TypeDefKind::List(Type::String)));
    let result_string = |t: &Type| matches!(kind(t), Some(TypeDefKind::Result(r)) if r.ok.is_none() && r.err == Some(Type::String));
    matches!(f.params.as_slice(), [p] if list_of_strings(&p.ty))
        && f.result.as_ref().is_some_and(result_string)
}
