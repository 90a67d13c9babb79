//! `no_std` host shims: what a firmware needs to host a world's apps as core
//! modules in a small interpreter.
//!
//! For each interface the world imports, the output has a module with
//!
//! - the interface's types in Rust (records, enums, flags, variants), with a
//!   lifetime where they hold strings or lists;
//! - a trait the firmware implements, one method per function in lifted
//!   types, resources as associated types (the firmware's own
//!   representation of a pin or a bus), and a drop method per resource;
//! - the canonical-ABI glue of every import, engine-agnostic: a function
//!   that takes the firmware's host, the calling guest (memory, tables,
//!   `cabi_realloc`, see `wasi_hw_shim_runtime::Guest`) and the core wasm
//!   arguments, and returns the core result or an error that becomes a trap.
//!
//! Beside them: `Host`, the union of the traits; `Tables`, the fixed-capacity
//! handle tables (a capacity per resource type, a const generic); `IMPORTS`
//! and `dispatch`, every import by index with raw arguments, for engines
//! whose native functions take an argument array; and the engine adapters,
//! each behind its feature of the including crate: `wasmi` (every import
//! added to a `wasmi::Linker`), `wasefire` (the in-place interpreter, whose
//! host calls come back to the embedder: `link` and `serve`) and
//! `wasmtime` (components).
//!
//! A borrowed handle comes to the firmware as `&mut` its resource, looked
//! up in its table for the call. The guest may pass one handle for two
//! borrows of a call (`same-as: func(other: borrow<unit>)` called with
//! `self` twice), and two `&mut` to one resource would alias: so where a
//! function borrows two or more resources of one type (counting `self`, a
//! borrow inside an `option`, `result` or `tuple`, and a list of borrows,
//! lifted as `Handles`, beside another), every borrow of that type in that
//! function is a shared `&` (`Table::get`), and borrows of other types stay
//! `&mut` (`types::shared_borrows`). The firmware tells one resource from
//! two with `core::ptr::eq`, and changes one through interior mutability or
//! through its own state (`&mut self`). The trait's doc says so where it
//! applies. An owned handle after a borrow of its type is refused: the
//! borrow holds the table while the own would take from it.
//!
//! With `ShimOptions::with` (`--with wasi-hw:hal=wasi_hw_shim::app`), the
//! interfaces of a mapped package are another shim's: re-exported, not
//! generated; `Host` requires that shim's `Host`, `Tables` hold its tables
//! as a field, and the adapters and `dispatch` call its glue through
//! `rt::Project`. See codegen/README.md, "Vendor worlds".
//!
//! The glue comes from wit-bindgen-core's canonical-ABI instruction stream
//! (lift the arguments, call, lower the results), rendered as Rust that
//! checks every pointer, length, discriminant, handle and string. A WIT
//! construct the shim cannot express without an allocator is an error that
//! names the item, never wrong code.

mod dispatch;
mod glue;
mod names;
mod types;
mod wasefire;
mod wasmi;
mod wasmtime;

use anyhow::{Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::package::Package;
use crate::wit_parser::{
    Function, InterfaceId, Resolve, SizeAlign, TypeDefKind, TypeId, TypeOwner, WorldItem, WorldKey,
};

/// How to generate a host shim.
#[derive(Debug, Clone)]
pub struct ShimOptions {
    /// The Rust path of the runtime crate the generated code uses.
    pub runtime: String,
    /// The default capacity of each resource table.
    pub default_capacity: usize,
    /// Packages whose interfaces another shim already has, as wit-bindgen's
    /// `with`: (`wasi-hw:hal` or `wasi-hw:hal/app`, the Rust path of the
    /// module generated from that package's world, `wasi_hw_shim::app`).
    /// Their interfaces are not generated: the file re-exports that
    /// module's (`pub use ::wasi_hw_shim::app::gpio;`), its `Host` requires
    /// that module's `Host`, and its `Tables` hold that module's `Tables`
    /// as a field named after the package (`hal`). See [`parse_with`].
    pub with: Vec<(String, String)>,
}

impl Default for ShimOptions {
    fn default() -> Self {
        ShimOptions {
            runtime: "wasi_hw_shim_runtime".into(),
            default_capacity: 16,
            with: Vec::new(),
        }
    }
}

/// Reads a `--with` value, `PACKAGE=PATH` or `PACKAGE/WORLD=PATH`: a WIT
/// package (with or without its version) and the Rust path of the module
/// generated from its world, for example
/// `wasi-hw:hal=wasi_hw_shim::app`.
pub fn parse_with(value: &str) -> Result<(String, String)> {
    let Some((package, path)) = value.split_once('=') else {
        bail!("--with `{value}` is not PACKAGE=PATH (for example `wasi-hw:hal=wasi_hw_shim::app`)");
    };
    let (package, path) = (package.trim(), path.trim());
    let name = package.split_once('/').map_or(package, |(p, _)| p);
    let name = name.split_once('@').map_or(name, |(n, _)| n);
    let well_formed = |s: &str| {
        !s.is_empty()
            && s.split('-')
                .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()))
    };
    if !name
        .split_once(':')
        .is_some_and(|(ns, n)| well_formed(ns) && well_formed(n))
    {
        bail!(
            "--with `{value}`: `{package}` is not a WIT package name (namespace:name, for example `wasi-hw:hal`)"
        );
    }
    if !path
        .parse::<TokenStream>()
        .is_ok_and(|t| syn::parse2::<syn::Path>(t).is_ok())
    {
        bail!("--with `{value}`: `{path}` is not a Rust path (for example `wasi_hw_shim::app`)");
    }
    Ok((package.to_string(), path.to_string()))
}

/// A package whose interfaces another shim has (`ShimOptions::with`).
struct Mapped {
    /// The option, as `namespace:name=PATH`, for docs and messages.
    spec: String,
    /// The package, for example `wasi-hw:hal@0.1.1`.
    package: String,
    /// The Rust path of the other shim's module, for example
    /// `::wasi_hw_shim::app`.
    path: TokenStream,
    /// The same, as text for docs.
    path_text: String,
    /// The world it was generated from.
    world: String,
    /// The field of `Tables` that holds its tables, for example `hal`.
    field: proc_macro2::Ident,
    /// The const generics of its tables, in its order.
    capacities: Vec<proc_macro2::Ident>,
    /// Its world's resources (`wasi-hw:hal/gpio.pin`), in the same order.
    keys: Vec<String>,
}

/// An imported interface, as the generator names it.
struct Interface {
    id: InterfaceId,
    /// The mapped package it belongs to (index into `World::mapped`): its
    /// module is the other shim's, re-exported.
    mapped: Option<usize>,
    /// Its import name, for example `wasi-hw:hal/gpio@0.1.1`.
    import: String,
    /// The Rust module, for example `gpio`.
    module: proc_macro2::Ident,
    /// The trait, for example `Gpio`.
    trait_name: proc_macro2::Ident,
}

/// A resource type declared by an imported interface.
struct Resource {
    id: TypeId,
    interface: usize,
    /// The field of `Tables` its table is in, when its interface is
    /// mapped (`hal`: `tables.hal.gpio_pin`).
    mapped: Option<proc_macro2::Ident>,
    /// The associated type in the interface's trait, for example `Pin`.
    assoc: proc_macro2::Ident,
    /// The field of `Tables`, for example `gpio_pin`.
    field: proc_macro2::Ident,
    /// The const generic of its capacity, for example `GPIO_PIN`.
    capacity: proc_macro2::Ident,
    /// The WIT name, for example `pin`.
    name: String,
    /// `wasi-hw:hal/gpio.pin`: its name in traps.
    key: String,
}

/// `namespace:package/interface.resource`, unversioned: the name of a
/// resource type in traps.
fn resource_key(resolve: &Resolve, iface: InterfaceId, resource: &str) -> String {
    let i = &resolve.interfaces[iface];
    let pkg = i.package.map(|p| &resolve.packages[p].name);
    format!(
        "{}:{}/{}.{resource}",
        pkg.map_or("", |p| p.namespace.as_str()),
        pkg.map_or("", |p| p.name.as_str()),
        i.name.as_deref().unwrap_or_default()
    )
}

/// Everything the parts of the generator share about one world.
struct World<'a> {
    resolve: &'a Resolve,
    sizes: SizeAlign,
    rt: TokenStream,
    interfaces: Vec<Interface>,
    resources: Vec<Resource>,
    /// The packages whose interfaces another shim has.
    mapped: Vec<Mapped>,
    /// The mapped resources whose `lookup_*` the glue calls (by field): a
    /// mapped resource gets one only then.
    lookups: std::cell::RefCell<std::collections::BTreeSet<String>>,
    /// Records lowered by a function of their own (`glue::shared_records`).
    shared: std::collections::HashSet<TypeId>,
}

/// The host shim of `world` as one formatted Rust file, headed by a comment
/// that says how it was made.
pub fn rust(package: &Package, world: &str, opts: &ShimOptions) -> Result<String> {
    let world_id = package.world(world)?;
    let resolve = &package.resolve;
    let rt: TokenStream = match opts.runtime.parse::<TokenStream>() {
        Ok(path) if syn::parse2::<syn::Path>(path.clone()).is_ok() => path,
        _ => bail!("--runtime `{}` is not a Rust path", opts.runtime),
    };
    let mut sizes = SizeAlign::default();
    sizes
        .fill(resolve)
        .map_err(|e| anyhow::anyhow!("computing the canonical ABI layout: {e}"))?;
    let mut w = World {
        resolve,
        sizes,
        rt,
        interfaces: Vec::new(),
        resources: Vec::new(),
        mapped: Vec::new(),
        lookups: Default::default(),
        shared: Default::default(),
    };
    let mapped_of = w.map_packages(package, world_id, world, opts)?;
    for (key, item) in &resolve.worlds[world_id].imports {
        match item {
            WorldItem::Interface { id, .. } => {
                let mapped = mapped_of(*id);
                w.add_interface(key, *id, mapped)?
            }
            other => bail!(
                "{}",
                crate::worlds::import_problem(resolve, world, other).unwrap_or_default()
            ),
        }
    }
    w.check_tags()?;
    w.shared = glue::shared_records(&w);
    let mut modules = Vec::new();
    for i in 0..w.interfaces.len() {
        modules.push(match w.interfaces[i].mapped {
            Some(m) => w.reexport(i, m),
            None => w.interface_module(i)?,
        });
    }
    let host = w.host_trait();
    let tables = w.tables();
    let resource_types = w.resource_types();
    let dispatch = dispatch::dispatch(&w)?;
    let adapter = wasmi::adapter(&w)?;
    let wasefire = wasefire::adapter(&w);
    let wit = wit_text(package)?;
    let name = &resolve.packages[package.id].name;
    let wasmtime = wasmtime::adapter(
        &w,
        &format!("{}:{}", name.namespace, name.name),
        world,
        &wit,
    )?;
    // What the world exports, after what its imports need (so that a
    // construct the glue cannot express is named first).
    crate::worlds::check(package, world, false)?;
    let package_name = package.name();
    let file: TokenStream = quote! {
        #host
        #tables
        #resource_types
        #(#modules)*
        #dispatch
        #adapter
        #wasefire
        #wasmtime
    };
    let parsed: syn::File = syn::parse2(file)
        .map_err(|e| anyhow::anyhow!("internal error: the generated shim does not parse: {e}"))?;
    let body = prettyplease::unparse(&parsed);
    Ok(format!(
        "// Generated by `wasi-hw-codegen host-shim` from the world `{world}` of {package_name}.\n\
         // Do not edit: change the WIT or the generator, and regenerate.\n\
         #![allow(\n    clippy::all,\n    unused_variables,\n    unused_mut,\n    unused_parens,\n    non_camel_case_types,\n    dead_code\n)]\n\n{body}"
    ))
}

/// The package as one WIT text, its dependencies nested in it: what the
/// wasmtime adapter's `bindgen!` reads, so that the generated file needs no
/// WIT folder beside it.
fn wit_text(package: &Package) -> Result<String> {
    let nested: Vec<_> = package
        .resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != package.id)
        .collect();
    let mut printer = wit_component::WitPrinter::default();
    printer
        .print(&package.resolve, package.id, &nested)
        .map_err(|e| anyhow::anyhow!("printing the WIT of {}: {e}", package.name()))?;
    Ok(printer.output.to_string())
}

impl<'a> World<'a> {
    /// Reads `opts.with`: for each package the world imports from, the
    /// world of that package whose module the path names, checked to import
    /// every interface of the package that this world imports. Returns, for
    /// an imported interface, the mapped package it belongs to.
    fn map_packages(
        &mut self,
        package: &Package,
        world_id: crate::wit_parser::WorldId,
        world: &str,
        opts: &ShimOptions,
    ) -> Result<impl Fn(InterfaceId) -> Option<usize> + use<'a>> {
        let resolve = self.resolve;
        let mut by_package: Vec<(crate::wit_parser::PackageId, usize)> = Vec::new();
        for (spec, path) in &opts.with {
            let (key, path) = parse_with(&format!("{spec}={path}"))?;
            let (pkg_spec, world_spec) = match key.split_once('/') {
                Some((p, w)) => (p.to_string(), Some(w.to_string())),
                None => (key.clone(), None),
            };
            let (name, version) = match pkg_spec.split_once('@') {
                Some((n, v)) => (n, Some(v)),
                None => (pkg_spec.as_str(), None),
            };
            let found: Vec<_> = resolve
                .packages
                .iter()
                .filter(|(_, p)| {
                    format!("{}:{}", p.name.namespace, p.name.name) == name
                        && version.is_none_or(|v| {
                            p.name
                                .version
                                .as_ref()
                                .is_some_and(|pv| pv.to_string() == v)
                        })
                })
                .collect();
            let (pkg_id, pkg) = match found.as_slice() {
                [one] => *one,
                [] => bail!(
                    "--with {spec}={path}: there is no package {pkg_spec} in the WIT of {} (nor in its deps/)",
                    package.name()
                ),
                _ => bail!(
                    "--with {spec}={path}: the WIT has more than one version of {pkg_spec}; name one ({pkg_spec}@VERSION)"
                ),
            };
            let imported: Vec<InterfaceId> = resolve.worlds[world_id]
                .imports
                .values()
                .filter_map(|item| match item {
                    WorldItem::Interface { id, .. } => Some(*id),
                    _ => None,
                })
                .filter(|id| resolve.interfaces[*id].package == Some(pkg_id))
                .collect();
            if imported.is_empty() {
                continue;
            }
            if by_package.iter().any(|(p, _)| *p == pkg_id) {
                bail!("--with names {} twice", pkg.name);
            }
            let rust_path: TokenStream = path.parse().map_err(|_| {
                anyhow::anyhow!("--with {spec}={path}: `{path}` is not a Rust path")
            })?;
            let rust_path = if path.starts_with("::")
                || path.starts_with("crate::")
                || path.starts_with("super::")
                || path.starts_with("self::")
            {
                rust_path
            } else {
                quote!(::#rust_path)
            };
            // The world: named, or the one the module is named after, or the
            // package's only one.
            let last = path
                .rsplit("::")
                .next()
                .unwrap_or_default()
                .replace('_', "-");
            let mapped_world = match &world_spec {
                Some(wname) => pkg.worlds.get(wname).map(|id| (wname.clone(), *id)),
                None if pkg.worlds.len() == 1 => {
                    pkg.worlds.iter().next().map(|(n, id)| (n.clone(), *id))
                }
                None => pkg.worlds.get(&last).map(|id| (last.clone(), *id)),
            };
            let Some((mapped_world, mapped_id)) = mapped_world else {
                let known: Vec<&str> = pkg.worlds.keys().map(String::as_str).collect();
                match &world_spec {
                    Some(wname) => bail!(
                        "--with {spec}={path}: {} has no world `{wname}`; its worlds are: {}",
                        pkg.name,
                        known.join(", ")
                    ),
                    None => bail!(
                        "--with {spec}={path}: which world of {} is `{path}` generated from? Its worlds are {}, none named `{last}`: say it, as `--with {name}/WORLD={path}`",
                        pkg.name,
                        known.join(", ")
                    ),
                }
            };
            let theirs: Vec<InterfaceId> = resolve.worlds[mapped_id]
                .imports
                .values()
                .filter_map(|item| match item {
                    WorldItem::Interface { id, .. } => Some(*id),
                    _ => None,
                })
                .collect();
            if let Some(missing) = imported.iter().find(|id| !theirs.contains(id)) {
                bail!(
                    "world `{world}` imports `{}`, which world `{mapped_world}` of {} (the world of `{path}`, from --with) does not: map a world of {} that imports it, or generate without --with",
                    resolve.id_of(*missing).unwrap_or_default(),
                    pkg.name,
                    pkg.name
                );
            }
            // Its tables' capacities, in the order its shim declares them:
            // per imported interface, its resources.
            let mut capacities = Vec::new();
            let mut keys = Vec::new();
            for id in &theirs {
                let iface = &resolve.interfaces[*id];
                let iname = iface.name.as_deref().unwrap_or_default();
                for (rname, tid) in &iface.types {
                    if let TypeDefKind::Resource = resolve.types[*tid].kind {
                        keys.push(resource_key(resolve, *id, rname));
                        capacities.push(format_ident!(
                            "{}",
                            format!("{}_{}", names::snake(iname), names::snake(rname))
                                .to_uppercase()
                        ));
                    }
                }
            }
            let field = format_ident!("{}", names::snake(&pkg.name.name));
            if self.mapped.iter().any(|m| m.field == field) {
                bail!(
                    "--with maps two packages named `{}`; the host shim names the field of their tables after them",
                    pkg.name.name
                );
            }
            by_package.push((pkg_id, self.mapped.len()));
            self.mapped.push(Mapped {
                // The same whichever way the option named it.
                spec: format!("{}:{}={path}", pkg.name.namespace, pkg.name.name),
                package: pkg.name.to_string(),
                path_text: rust_path.to_string().replace(' ', ""),
                path: rust_path,
                world: mapped_world,
                field,
                capacities,
                keys,
            });
        }
        Ok(move |id: InterfaceId| {
            let pkg = resolve.interfaces[id].package?;
            by_package.iter().find(|(p, _)| *p == pkg).map(|(_, m)| *m)
        })
    }

    /// `pub use <other shim>::gpio;`: a mapped interface's module.
    fn reexport(&self, i: usize, m: usize) -> TokenStream {
        let module = &self.interfaces[i].module;
        let path = &self.mapped[m].path;
        let doc = format!(
            " `{}`, from `{}` (`--with {}`).",
            self.interfaces[i].import, self.mapped[m].path_text, self.mapped[m].spec
        );
        quote! {
            #[doc = #doc]
            pub use #path::#module;
        }
    }

    fn add_interface(
        &mut self,
        key: &WorldKey,
        id: InterfaceId,
        mapped: Option<usize>,
    ) -> Result<()> {
        let iface = &self.resolve.interfaces[id];
        let Some(name) = &iface.name else {
            bail!(
                "the world imports an anonymous interface (`{}`); the host shim needs named interfaces",
                self.resolve.name_world_key(key)
            );
        };
        let index = self.interfaces.len();
        let module = names::module(name);
        if self.interfaces.iter().any(|i| i.module == module) {
            bail!(
                "two imported interfaces are both named `{name}`; the host shim names modules after interfaces"
            );
        }
        self.interfaces.push(Interface {
            id,
            mapped,
            import: self.resolve.name_world_key(key),
            trait_name: names::upper_ident(name),
            module,
        });
        for (rname, tid) in &iface.types {
            if let TypeDefKind::Resource = self.resolve.types[*tid].kind {
                let field = format_ident!("{}_{}", names::snake(name), names::snake(rname));
                let key = resource_key(self.resolve, id, rname);
                self.resources.push(Resource {
                    key,
                    id: *tid,
                    interface: index,
                    mapped: mapped.map(|m| self.mapped[m].field.clone()),
                    assoc: names::upper_ident(rname),
                    capacity: format_ident!("{}", field.to_string().to_uppercase()),
                    field,
                    name: rname.clone(),
                });
            }
        }
        Ok(())
    }

    /// Every resource type whose handles the guest may hold, in the order
    /// of their tags (1, 2, ...): the mapped package's world's (numbered
    /// as its own shim numbers them), then the world's own.
    fn all_keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.mapped.iter().flat_map(|m| m.keys.clone()).collect();
        for r in &self.resources {
            if !keys.contains(&r.key) {
                keys.push(r.key.clone());
            }
        }
        keys
    }

    /// The tag of resource `r`'s handles: its place in [`all_keys`](Self::all_keys), from 1.
    fn tag(&self, r: &Resource) -> u8 {
        self.all_keys()
            .iter()
            .position(|k| *k == r.key)
            .map_or(0, |i| (i + 1) as u8)
    }

    /// Refuses a world whose handles' tags could not be told apart: more
    /// than 254 resource types, or two mapped packages with resources
    /// (each one's shim numbers its own from 1).
    fn check_tags(&self) -> Result<()> {
        let keys = self.all_keys();
        if keys.len() > 254 {
            bail!(
                "the world's guests may hold handles of {} resource types; the host shim tags handles with 8 bits, so at most 254",
                keys.len()
            );
        }
        let with_resources: Vec<&Mapped> =
            self.mapped.iter().filter(|m| !m.keys.is_empty()).collect();
        if let [a, b, ..] = with_resources.as_slice() {
            bail!(
                "--with maps {} and {}, which both have resources: each one's shim numbers its handles' types from 1, so their handles could not be told apart; map one of them only",
                a.package,
                b.package
            );
        }
        Ok(())
    }

    /// `RESOURCE_TYPES`: every resource type's name, by tag.
    fn resource_types(&self) -> TokenStream {
        let keys = self.all_keys();
        quote! {
            /// The resource types whose handles the guest may hold, by tag
            /// (the upper 8 bits of a handle; the first is tag 1). A trap
            /// for a handle of the wrong type names both from here.
            pub const RESOURCE_TYPES: &[&str] = &[#(#keys),*];
        }
    }

    /// The resource a handle or alias refers to, following `use` aliases.
    fn resource(&self, mut id: TypeId) -> Result<&Resource> {
        while let TypeDefKind::Type(crate::wit_parser::Type::Id(next)) =
            &self.resolve.types[id].kind
        {
            id = *next;
        }
        self.resources.iter().find(|r| r.id == id).ok_or_else(|| {
            anyhow::anyhow!(
                "the resource `{}` is not declared by an interface the world imports",
                self.resolve.types[id].name.as_deref().unwrap_or("?")
            )
        })
    }

    /// `<Self as super::m::Trait>::Assoc` (inside a trait) or
    /// `<H as super::m::Trait>::Assoc` (elsewhere) for a resource; without
    /// `super::` when written at the root of the file.
    fn resource_type(&self, r: &Resource, on: &TokenStream, at_root: bool) -> TokenStream {
        let iface = &self.interfaces[r.interface];
        let module = &iface.module;
        let tr = &iface.trait_name;
        let assoc = &r.assoc;
        if at_root {
            quote!(<#on as #module::#tr>::#assoc)
        } else {
            quote!(<#on as super::#module::#tr>::#assoc)
        }
    }

    /// The module of interface `i`: types, trait and glue.
    fn interface_module(&self, i: usize) -> Result<TokenStream> {
        let iface = &self.interfaces[i];
        let wit = &self.resolve.interfaces[iface.id];
        let module = &iface.module;
        let docs = names::docs(&wit.docs);
        let rt = &self.rt;
        let typedefs = types::definitions(self, i)?;
        let tr = self.interface_trait(i)?;
        let glue = glue::functions(self, i)?;
        let import = &iface.import;
        let import_doc = format!(" The import name of this interface: `{import}`.");
        Ok(quote! {
            #docs
            pub mod #module {
                use #rt as rt;
                #[doc = #import_doc]
                pub const IMPORT: &str = #import;
                #typedefs
                #tr
                #glue
            }
        })
    }

    /// The functions of interface `i` in the order the trait lists them:
    /// the WIT order, then one drop per resource.
    fn functions(&self, i: usize) -> Vec<&'a Function> {
        let resolve = self.resolve;
        resolve.interfaces[self.interfaces[i].id]
            .functions
            .values()
            .collect()
    }

    fn interface_trait(&self, i: usize) -> Result<TokenStream> {
        let iface = &self.interfaces[i];
        let tr = &iface.trait_name;
        let wit = &self.resolve.interfaces[iface.id];
        let mut supertraits = Vec::new();
        let mut assoc = Vec::new();
        let mut methods = Vec::new();
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut any_shared = false;
        for r in self.resources.iter().filter(|r| r.interface == i) {
            let a = &r.assoc;
            let doc = names::docs(&self.resolve.types[r.id].docs);
            let what = format!(
                " The firmware's representation of a `{}`: what a guest's handle stands for. The shim keeps it in a table and hands the firmware a reference to it.",
                r.name
            );
            assoc.push(quote! {
                #doc
                #[doc = ""]
                #[doc = #what]
                type #a;
            });
        }
        for f in self.functions(i) {
            let method = names::method(f);
            if let Some((_, other)) = seen.iter().find(|(m, _)| *m == method) {
                bail!(
                    "in interface `{}`, the functions `{}` and `{other}` would both be the trait method `{method}`",
                    wit.name.as_deref().unwrap_or("?"),
                    f.name
                );
            }
            seen.push((method.clone(), f.name.clone()));
            let sig = types::method_signature(self, i, f)?;
            for other in &sig.uses {
                if *other != i && !supertraits.contains(other) {
                    supertraits.push(*other);
                }
            }
            let doc = names::docs(&f.docs);
            let shared = self.shared_borrows_doc(f)?;
            any_shared |= !shared.is_empty();
            let m = format_ident!("{}", method);
            let params = &sig.params;
            let ret = &sig.result;
            methods.push(quote! {
                #doc
                #shared
                fn #m(&mut self, #(#params),*) -> Result<#ret, rt::Error>;
            });
        }
        for r in self.resources.iter().filter(|r| r.interface == i) {
            let m = format_ident!("{}_drop", names::snake(&r.name));
            if let Some((_, other)) = seen.iter().find(|(n, _)| m == n) {
                bail!(
                    "in interface `{}`, the function `{other}` would be the trait method `{m}`, which is the drop of resource `{}`",
                    wit.name.as_deref().unwrap_or("?"),
                    r.name
                );
            }
            let a = &r.assoc;
            let arg = names::value_ident(&r.name);
            let doc = format!(
                " The guest dropped its handle to this `{}`; release what it holds. By default the value is simply dropped.",
                r.name
            );
            methods.push(quote! {
                #[doc = #doc]
                fn #m(&mut self, #arg: Self::#a) -> Result<(), rt::Error> {
                    let _ = #arg;
                    Ok(())
                }
            });
        }
        let supers: Vec<TokenStream> = supertraits
            .iter()
            .map(|o| {
                let m = &self.interfaces[*o].module;
                let t = &self.interfaces[*o].trait_name;
                quote!(super::#m::#t)
            })
            .collect();
        let bound = if supers.is_empty() {
            quote!()
        } else {
            quote!(: #(#supers)+*)
        };
        let doc = format!(
            " What the firmware implements for `{}`: one method per function, in lifted types. A method returns the function's result, or an error that stops the guest (a trap). Results may borrow from `self`: the shim copies them into the guest before the next call.",
            iface.import
        );
        // Only where it applies, so that the doc of a trait without such a
        // function stays as it was.
        let shared_doc = any_shared.then(|| {
            quote! {
                #[doc = ""]
                #[doc = " A borrowed resource comes as `&mut` (in a list, as `rt::Handles`), except where a function borrows two or more of one resource type (counting `self`, and a list of them beside another): the guest may pass one handle for two, so each borrow of that type in that function comes as a shared `&`, and two of them may be the same resource (`core::ptr::eq` tells). Such a method changes a resource through interior mutability (`Cell`, `RefCell`) or keeps the state in the host, the resource an index into it."]
            }
        });
        Ok(quote! {
            #[doc = #doc]
            #shared_doc
            pub trait #tr #bound {
                #(#assoc)*
                #(#methods)*
            }
        })
    }

    /// The doc paragraph of a trait method that gets shared borrows (see
    /// `types::shared_borrows`), naming the resource types; nothing for
    /// any other.
    fn shared_borrows_doc(&self, f: &Function) -> Result<TokenStream> {
        let shared = types::shared_borrows(self, f)?;
        if shared.is_empty() {
            return Ok(quote!());
        }
        let names: Vec<String> = self
            .resources
            .iter()
            .filter(|r| shared.contains(&r.id))
            .map(|r| format!("`{}`", r.name))
            .collect();
        let doc = format!(
            " It borrows more than one {}: the guest may pass one handle twice, so each comes as `&`, and two may be the same resource (`core::ptr::eq`).",
            names.join(" and more than one ")
        );
        Ok(quote! {
            #[doc = ""]
            #[doc = #doc]
        })
    }

    /// `Host`: every interface trait at once (for a mapped package, the
    /// other shim's `Host`, which its tables need).
    fn host_trait(&self) -> TokenStream {
        let mapped = self.mapped.iter().map(|m| {
            let path = &m.path;
            quote!(#path::Host)
        });
        let own = self
            .interfaces
            .iter()
            .filter(|i| i.mapped.is_none())
            .map(|i| {
                let m = &i.module;
                let t = &i.trait_name;
                quote!(#m::#t)
            });
        let bounds: Vec<TokenStream> = mapped.chain(own).collect();
        quote! {
            /// The firmware's host: every interface of the world. Implemented
            /// for any type that implements them all.
            pub trait Host: #(#bounds)+* {}
            impl<T: #(#bounds)+*> Host for T {}
        }
    }

    /// The const generics of the tables, as declared (with defaults or
    /// without) and as used.
    fn capacities(&self, defaults: Option<usize>) -> Vec<TokenStream> {
        self.capacity_idents()
            .into_iter()
            .map(|c| match defaults {
                Some(d) => quote!(const #c: usize = #d),
                None => quote!(const #c: usize),
            })
            .collect()
    }

    fn capacity_args(&self) -> Vec<TokenStream> {
        self.capacity_idents()
            .into_iter()
            .map(|c| quote!(#c))
            .collect()
    }

    /// The tables' const generics: a mapped package's (all of its world's,
    /// in its order), then one per resource of the world's own interfaces.
    fn capacity_idents(&self) -> Vec<proc_macro2::Ident> {
        let mapped = self
            .mapped
            .iter()
            .flat_map(|m| m.capacities.iter().cloned());
        let own = self
            .resources
            .iter()
            .filter(|r| r.mapped.is_none())
            .map(|r| r.capacity.clone());
        mapped.chain(own).collect()
    }

    /// The const generics of mapped package `m`'s tables, as used.
    fn mapped_capacity_args(&self, m: usize) -> Vec<TokenStream> {
        self.mapped[m]
            .capacities
            .iter()
            .map(|c| quote!(#c))
            .collect()
    }

    /// `Tables<H, A, B, ...>`, as glue and adapter name it.
    fn tables_type(&self) -> TokenStream {
        let args = self.capacity_args();
        quote!(super::Tables<H, #(#args),*>)
    }

    fn tables(&self) -> TokenStream {
        let rt = &self.rt;
        let decl = self.capacities(Some(16));
        let plain = self.capacities(None);
        let args = self.capacity_args();
        let h = quote!(H);
        let mapped_fields: Vec<TokenStream> = self
            .mapped
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let f = &m.field;
                let path = &m.path;
                let caps = self.mapped_capacity_args(i);
                let doc = format!(
                    " The guest's handles of {} resources: the tables of `{}` (world `{}`).",
                    m.package, m.path_text, m.world
                );
                quote! {
                    #[doc = #doc]
                    pub #f: #path::Tables<H, #(#caps),*>
                }
            })
            .collect();
        let mapped_inits: Vec<TokenStream> = self
            .mapped
            .iter()
            .map(|m| {
                let f = &m.field;
                let path = &m.path;
                quote!(#f: #path::Tables::new())
            })
            .collect();
        let projections: Vec<TokenStream> = self
            .mapped
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let f = &m.field;
                let path = &m.path;
                let caps = self.mapped_capacity_args(i);
                let name = format_ident!("project_{f}");
                let doc = format!(
                    " The tables of {} inside `Tables`: how the glue of `{}` (generic over a guest with those tables) gets the guest, through `rt::Project`.",
                    m.package, m.path_text
                );
                quote! {
                    #[doc = #doc]
                    pub fn #name<H: Host, #(#plain),*>(tables: &mut Tables<H, #(#args),*>) -> &mut #path::Tables<H, #(#caps),*> {
                        &mut tables.#f
                    }
                }
            })
            .collect();
        let fields: Vec<TokenStream> = self
            .resources
            .iter()
            .filter(|r| r.mapped.is_none())
            .map(|r| {
                let f = &r.field;
                let c = &r.capacity;
                let ty = self.resource_type(r, &h, true);
                let doc = format!(
                    " The guest's `{}` handles (of `{}`), at most `{c}`.",
                    r.name, self.interfaces[r.interface].import
                );
                let tag = self.tag(r);
                quote! {
                    #[doc = #doc]
                    pub #f: #rt::Table<#ty, #c, #tag>
                }
            })
            .collect();
        let inits: Vec<TokenStream> = self
            .resources
            .iter()
            .filter(|r| r.mapped.is_none())
            .map(|r| {
                let f = &r.field;
                quote!(#f: #rt::Table::new())
            })
            .collect();
        let used = self.lookups.borrow();
        let lookups: Vec<TokenStream> = self
            .resources
            .iter()
            .filter(|r| r.mapped.is_none() || used.contains(&r.field.to_string()))
            .map(|r| {
                let f = &r.field;
                let access = r.access();
                let name = format_ident!("lookup_{f}");
                let ty = self.resource_type(r, &h, true);
                let doc = format!(
                    " The `{}` behind `handle` in the calling guest's table. Out of line, for the glue of the imports that borrow one `{}` and read nothing else of the guest before the call: a call at each, rather than the lookup inline in each.",
                    r.name, r.name
                );
                quote! {
                    #[doc = #doc]
                    #[inline(never)]
                    pub fn #name<'g, H: Host + 'g, G: #rt::Guest<Tables<H, #(#args),*>> + ?Sized, #(#plain),*>(
                        guest: &'g mut G,
                        handle: u32,
                    ) -> Option<&'g mut #ty> {
                        guest.tables().#access.slot(handle)
                    }
                }
            })
            .collect();
        quote! {
            /// The guest's resources: one fixed-capacity table per resource
            /// type, a capacity each (a const generic, 16 unless the
            /// firmware says otherwise). A handle the guest sends is
            /// looked up here; a forged or dropped one is an error.
            pub struct Tables<H: Host, #(#decl),*> {
                #(#mapped_fields,)*
                #(#fields,)*
            }

            impl<H: Host, #(#plain),*> Tables<H, #(#args),*> {
                /// Empty tables.
                pub fn new() -> Self {
                    Tables { #(#mapped_inits,)* #(#inits,)* }
                }
            }

            impl<H: Host, #(#plain),*> Default for Tables<H, #(#args),*> {
                fn default() -> Self {
                    Self::new()
                }
            }

            #(#lookups)*
            #(#projections)*
        }
    }
}

impl Resource {
    /// Its table, from `Tables`: `gpio_pin`, or for a mapped interface's
    /// resource `hal.gpio_pin`.
    fn access(&self) -> TokenStream {
        let f = &self.field;
        match &self.mapped {
            Some(m) => quote!(#m.#f),
            None => quote!(#f),
        }
    }
}

/// The Rust type of a core wasm value (pointers and lengths are `i32` on
/// wasm32).
fn core_type(t: wit_bindgen_core::abi::WasmType) -> TokenStream {
    use wit_bindgen_core::abi::WasmType;
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => quote!(i32),
        WasmType::I64 | WasmType::PointerOrI64 => quote!(i64),
        WasmType::F32 => quote!(f32),
        WasmType::F64 => quote!(f64),
    }
}

/// The interface a type belongs to, if any.
fn owner(resolve: &Resolve, id: TypeId) -> Option<InterfaceId> {
    match resolve.types[id].owner {
        TypeOwner::Interface(i) => Some(i),
        _ => None,
    }
}
