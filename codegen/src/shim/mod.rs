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
//! whose native functions take an argument array; and, under
//! `#[cfg(feature = "wasmi")]`, an adapter that adds every import to a
//! `wasmi::Linker`.
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
//! The glue comes from wit-bindgen-core's canonical-ABI instruction stream
//! (lift the arguments, call, lower the results), rendered as Rust that
//! checks every pointer, length, discriminant, handle and string. A WIT
//! construct the shim cannot express without an allocator is an error that
//! names the item, never wrong code.

mod dispatch;
mod glue;
mod names;
mod types;
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
}

impl Default for ShimOptions {
    fn default() -> Self {
        ShimOptions {
            runtime: "wasi_hw_shim_runtime".into(),
            default_capacity: 16,
        }
    }
}

/// An imported interface, as the generator names it.
struct Interface {
    id: InterfaceId,
    /// Its import name, for example `wasi-hw:hal/gpio@0.1.0`.
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
    /// The associated type in the interface's trait, for example `Pin`.
    assoc: proc_macro2::Ident,
    /// The field of `Tables`, for example `gpio_pin`.
    field: proc_macro2::Ident,
    /// The const generic of its capacity, for example `GPIO_PIN`.
    capacity: proc_macro2::Ident,
    /// The WIT name, for example `pin`.
    name: String,
}

/// Everything the parts of the generator share about one world.
struct World<'a> {
    resolve: &'a Resolve,
    sizes: SizeAlign,
    rt: TokenStream,
    interfaces: Vec<Interface>,
    resources: Vec<Resource>,
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
        shared: Default::default(),
    };
    for (key, item) in &resolve.worlds[world_id].imports {
        match item {
            WorldItem::Interface { id, .. } => w.add_interface(key, *id)?,
            WorldItem::Function(f) => bail!(
                "world `{world}` imports the function `{}` directly; the host shim supports imports of interfaces only (put it in an interface)",
                f.name
            ),
            WorldItem::Type { id, .. } => bail!(
                "world `{world}` imports the type `{}` directly; the host shim supports imports of interfaces only (put it in an interface)",
                resolve.types[*id].name.as_deref().unwrap_or("?")
            ),
        }
    }
    w.shared = glue::shared_records(&w);
    let mut modules = Vec::new();
    for i in 0..w.interfaces.len() {
        modules.push(w.interface_module(i)?);
    }
    let host = w.host_trait();
    let tables = w.tables();
    let dispatch = dispatch::dispatch(&w)?;
    let adapter = wasmi::adapter(&w)?;
    let wit = wit_text(package)?;
    let wasmtime = wasmtime::adapter(&w, world, &wit)?;
    let package_name = package.name();
    let file: TokenStream = quote! {
        #host
        #tables
        #(#modules)*
        #dispatch
        #adapter
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
    fn add_interface(&mut self, key: &WorldKey, id: InterfaceId) -> Result<()> {
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
            import: self.resolve.name_world_key(key),
            trait_name: names::upper_ident(name),
            module,
        });
        for (rname, tid) in &iface.types {
            if let TypeDefKind::Resource = self.resolve.types[*tid].kind {
                let field = format_ident!("{}_{}", names::snake(name), names::snake(rname));
                self.resources.push(Resource {
                    id: *tid,
                    interface: index,
                    assoc: names::upper_ident(rname),
                    capacity: format_ident!("{}", field.to_string().to_uppercase()),
                    field,
                    name: rname.clone(),
                });
            }
        }
        Ok(())
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

    /// `Host`: every interface trait at once.
    fn host_trait(&self) -> TokenStream {
        let bounds: Vec<TokenStream> = self
            .interfaces
            .iter()
            .map(|i| {
                let m = &i.module;
                let t = &i.trait_name;
                quote!(#m::#t)
            })
            .collect();
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
        self.resources
            .iter()
            .map(|r| {
                let c = &r.capacity;
                match defaults {
                    Some(d) => quote!(const #c: usize = #d),
                    None => quote!(const #c: usize),
                }
            })
            .collect()
    }

    fn capacity_args(&self) -> Vec<TokenStream> {
        self.resources
            .iter()
            .map(|r| {
                let c = &r.capacity;
                quote!(#c)
            })
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
        let fields: Vec<TokenStream> = self
            .resources
            .iter()
            .map(|r| {
                let f = &r.field;
                let c = &r.capacity;
                let ty = self.resource_type(r, &h, true);
                let doc = format!(
                    " The guest's `{}` handles (of `{}`), at most `{c}`.",
                    r.name, self.interfaces[r.interface].import
                );
                quote! {
                    #[doc = #doc]
                    pub #f: #rt::Table<#ty, #c>
                }
            })
            .collect();
        let inits: Vec<TokenStream> = self
            .resources
            .iter()
            .map(|r| {
                let f = &r.field;
                quote!(#f: #rt::Table::new())
            })
            .collect();
        let lookups: Vec<TokenStream> = self
            .resources
            .iter()
            .map(|r| {
                let f = &r.field;
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
                        guest.tables().#f.slot(handle)
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
                #(#fields,)*
            }

            impl<H: Host, #(#plain),*> Tables<H, #(#args),*> {
                /// Empty tables.
                pub fn new() -> Self {
                    Tables { #(#inits,)* }
                }
            }

            impl<H: Host, #(#plain),*> Default for Tables<H, #(#args),*> {
                fn default() -> Self {
                    Self::new()
                }
            }

            #(#lookups)*
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
