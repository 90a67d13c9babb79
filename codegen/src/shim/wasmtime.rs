//! The wasmtime adapter: a world's imports on a `wasmtime::component::Linker`,
//! served by the same traits as the core-module glue.
//!
//! wasmtime lifts and lowers component values itself, so the adapter is
//! thin: `wasmtime::component::bindgen!` (over the world's WIT, inlined)
//! declares the owned types and one `Host` trait per interface, and the
//! adapter implements those traits for a [`View`](#the-generated-items) of
//! the firmware's host, converting each argument to the shim's borrowed
//! types, calling the shim's trait, and converting the result back.
//! Resources are the trait's associated types, kept in one growable table
//! per resource type (`wasi_hw_shim_runtime::slab::Slab`); wasmtime holds
//! the guest's handles and the adapter only sees their representation.
//!
//! A trait method's `Err(rt::Error)` becomes a trap whose error is the
//! `rt::Error` itself, so an embedder can `downcast_ref` it.
//!
//! The generated items, in `mod wasmtime` under `#[cfg(feature =
//! "wasmtime")]`: `bindings` (what `bindgen!` declares), a marker type per
//! resource, `Resources<H>` (the tables), `View<'a, H>` (the host and its
//! tables, what the `bindgen!` traits are implemented for), `Host` (the
//! shim's `Host` with its resources `Send + 'static`, which wasmtime
//! requires of a store's data) and `add_to_linker`.
//!
//! With mapped packages (`--with`), their interfaces are the other shim's:
//! `bindgen!`'s `with` points at its `bindings`, its markers and
//! conversions are used by path, its `Resources` is a field of ours, and
//! `add_to_linker` registers its imports through its own adapter, with a
//! view made from ours (so the store's data implements `AsView`, since a
//! function pointer could not be turned into the other adapter's).

use anyhow::{Result, bail};
use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{World, names};
use crate::wit_parser::{Function, FunctionKind, Handle, Type, TypeDefKind, TypeId};

/// The adapter of the world `world` of the package `package`
/// (`namespace:name`, as WIT writes them), with `wit` the WIT text that
/// `bindgen!` reads.
pub fn adapter(w: &World, package: &str, world: &str, wit: &str) -> Result<TokenStream> {
    // wasmtime's typed host functions take at most 16 parameters.
    for (i, iface) in w.interfaces.iter().enumerate() {
        if iface.mapped.is_some() {
            continue;
        }
        if let Some(f) = w.functions(i).into_iter().find(|f| f.params.len() > 16) {
            let message = format!(
                "no wasmtime adapter for this world: the function `{}` of `{}` has {} parameters, and wasmtime's host functions take at most 16 (pass a record)",
                f.name,
                iface.import,
                f.params.len()
            );
            return Ok(quote! {
                #[cfg(feature = "wasmtime")]
                compile_error!(#message);
            });
        }
    }
    let a = Adapter { w };
    let rt = &w.rt;
    let mut markers = Vec::new();
    let mut with = Vec::new();
    let mut fields = Vec::new();
    let mut inits = Vec::new();
    let mut bounds = Vec::new();
    for r in w.resources.iter().filter(|r| r.mapped.is_none()) {
        let iface = &w.interfaces[r.interface];
        let marker = a.marker(r.id)?;
        let doc = format!(
            " The `{}` of `{}` as wasmtime names it: a `Resource<{marker}>`'s representation indexes `Resources::{}`.",
            r.name, iface.import, r.field
        );
        markers.push(quote! {
            #[doc = #doc]
            pub enum #marker {}
        });
        let key = format!("{}.{}", a.unversioned(r.interface), r.name);
        with.push(quote!(#key: super::#marker));
        let field = &r.field;
        let module = &iface.module;
        let tr = &iface.trait_name;
        let assoc = &r.assoc;
        let doc = format!(" The guest's `{}` resources.", r.name);
        fields.push(quote! {
            #[doc = #doc]
            pub #field: #rt::slab::Slab<<H as super::#module::#tr>::#assoc>
        });
        inits.push(quote!(#field: #rt::slab::Slab::new()));
        bounds.push(quote!(super::#module::#tr<#assoc: Send + 'static>));
    }
    // A mapped package: its interfaces are the other shim's `bindgen!`
    // modules, its tables a `Resources` of its own inside ours, and the
    // host is what its adapter needs.
    for (i, iface) in w.interfaces.iter().enumerate() {
        if iface.mapped.is_some() {
            let key = a.unversioned(i);
            let path = a.module(i);
            with.push(quote!(#key: #path));
        }
    }
    for m in &w.mapped {
        let field = &m.field;
        let path = &m.path;
        let doc = format!(
            " The guest's resources of {} (`{}`'s tables).",
            m.package, m.path_text
        );
        fields.push(quote! {
            #[doc = #doc]
            pub #field: #path::wasmtime::Resources<H>
        });
        inits.push(quote!(#field: #path::wasmtime::Resources::new()));
        bounds.push(quote!(#path::wasmtime::Host));
    }
    let world_key = format!("{package}/{world}");
    // As bindgen! names the world's type: `host` would be its own `Host`.
    let world_ident = match world {
        "host" => format_ident!("Host_"),
        _ => names::upper_ident(world),
    };
    let add_to_linker = if w.mapped.is_empty() {
        quote! {
            /// Adds every import of the world to `linker`, served by the
            /// host that `view` finds in the store's data.
            pub fn add_to_linker<T: 'static, H: Host>(
                linker: &mut ::wasmtime::component::Linker<T>,
                view: fn(&mut T) -> View<'_, H>,
            ) -> ::wasmtime::Result<()> {
                bindings::#world_ident::add_to_linker::<T, HasView<H>>(linker, view)
            }
        }
    } else {
        let mut steps = Vec::new();
        for m in &w.mapped {
            let field = &m.field;
            let path = &m.path;
            steps.push(quote! {
                #path::wasmtime::add_to_linker::<T, H>(linker, |data: &mut T| {
                    let view = data.view();
                    #path::wasmtime::View { host: view.host, resources: &mut view.resources.#field }
                })?;
            });
        }
        for (i, iface) in w.interfaces.iter().enumerate() {
            if iface.mapped.is_none() {
                let module = a.module(i);
                steps.push(quote! {
                    #module::add_to_linker::<T, HasView<H>>(linker, |data: &mut T| data.view())?;
                });
            }
        }
        let doc = format!(
            " Adds every import of the world to `linker`: those of {} through their own adapter, over the tables in [`Resources`], and the world's own; all served by the host that [`AsView::view`] finds in the store's data.",
            w.mapped
                .iter()
                .map(|m| format!("`{}`", m.path_text))
                .collect::<Vec<_>>()
                .join(" and ")
        );
        quote! {
            /// How the store's data gives the adapter its [`View`]: the
            /// host and the guest's resources. (A trait, where the adapter
            /// of a world without `--with` takes a function, because the
            /// adapters of the mapped packages are given a view of their
            /// own made from this one.)
            pub trait AsView<H: Host> {
                /// The host and the guest's resources.
                fn view(&mut self) -> View<'_, H>;
            }

            #[doc = #doc]
            pub fn add_to_linker<T: AsView<H> + 'static, H: Host>(
                linker: &mut ::wasmtime::component::Linker<T>,
            ) -> ::wasmtime::Result<()> {
                #(#steps)*
                Ok(())
            }
        }
    };
    let mut impls = Vec::new();
    for i in 0..w.interfaces.len() {
        if w.interfaces[i].mapped.is_none() {
            impls.push(a.interface(i)?);
        }
    }
    let conversions = a.conversions()?;
    let host_bounds = if bounds.is_empty() {
        quote!(super::Host + 'static)
    } else {
        quote!(super::Host + #(#bounds)+* + 'static)
    };
    Ok(quote! {
        /// The world's imports on wasmtime (`add_to_linker`), served by the
        /// same traits as the core-module glue: one implementation of the
        /// traits runs apps as components on wasmtime and as core modules
        /// on wasmi or on a device.
        #[cfg(feature = "wasmtime")]
        pub mod wasmtime {
            extern crate std;
            #[allow(unused_imports)]
            use std::{string::String, vec::Vec};
            use #rt as rt;
            use ::wasmtime::component::Resource;

            /// What `wasmtime::component::bindgen!` declares for the world:
            /// its owned types, a `Host` trait per interface (implemented
            /// here for [`View`]), and the world's types (`App` and
            /// `AppPre` for the world `app`), for instantiating an app and
            /// calling its exports. They are not re-exported beside
            /// [`Host`], which a world named `host` would clash with.
            #[allow(missing_docs)]
            pub mod bindings {
                ::wasmtime::component::bindgen!({
                    inline: #wit,
                    world: #world_key,
                    imports: { default: trappable },
                    wasmtime_crate: ::wasmtime,
                    with: { #(#with,)* },
                });
            }

            #(#markers)*

            /// The guest's resources: the firmware's value for each of its
            /// handles, one table per resource type.
            pub struct Resources<H: super::Host> {
                #(#fields,)*
            }

            impl<H: super::Host> Resources<H> {
                /// Empty tables.
                pub fn new() -> Self {
                    Resources { #(#inits,)* }
                }
            }

            impl<H: super::Host> Default for Resources<H> {
                fn default() -> Self {
                    Self::new()
                }
            }

            /// The firmware's host and the guest's resources, during one
            /// call: what the adapter implements wasmtime's traits for.
            /// `add_to_linker` takes a function that makes one from the
            /// store's data.
            pub struct View<'a, H: super::Host> {
                /// The firmware's host.
                pub host: &'a mut H,
                /// The guest's resources.
                pub resources: &'a mut Resources<H>,
            }

            /// A host wasmtime can run: the shim's `Host`, with every
            /// resource `Send + 'static` (wasmtime keeps store data so).
            pub trait Host: #host_bounds {}
            impl<T: #host_bounds> Host for T {}

            /// [`View`] as wasmtime's `HasData`.
            pub struct HasView<H>(core::marker::PhantomData<fn() -> H>);

            impl<H: Host> ::wasmtime::component::HasData for HasView<H> {
                type Data<'a> = View<'a, H>;
            }

            #add_to_linker

            /// A trait method's error as wasmtime's: the call traps, and
            /// the embedder can `downcast_ref::<rt::Error>()` it.
            fn trap(e: rt::Error) -> ::wasmtime::Error {
                ::wasmtime::Error::new(e)
            }

            #(#impls)*

            #conversions
        }
    })
}

struct Adapter<'w, 'a> {
    w: &'w World<'a>,
}

impl Adapter<'_, '_> {
    /// `wasi-hw:hal/gpio`: an interface as `with` keys name it.
    fn unversioned(&self, i: usize) -> String {
        let id = self.w.interfaces[i].id;
        let iface = &self.w.resolve.interfaces[id];
        let pkg = &self.w.resolve.packages[iface.package.expect("named interface")].name;
        format!(
            "{}:{}/{}",
            pkg.namespace,
            pkg.name,
            iface.name.as_deref().unwrap_or("")
        )
    }

    /// The Rust path of interface `i` in `bindings`.
    fn module(&self, i: usize) -> TokenStream {
        let id = self.w.interfaces[i].id;
        let iface = &self.w.resolve.interfaces[id];
        let pkg = &self.w.resolve.packages[iface.package.expect("named interface")].name;
        let ns = names::module(&pkg.namespace);
        let p = names::module(&pkg.name);
        let m = names::module(iface.name.as_deref().unwrap_or(""));
        match self.w.interfaces[i].mapped {
            Some(mapped) => {
                let path = &self.w.mapped[mapped].path;
                quote!(#path::wasmtime::bindings::#ns::#p::#m)
            }
            None => quote!(bindings::#ns::#p::#m),
        }
    }

    /// The marker type of resource `id`: `GpioPin`, or the other shim's
    /// for a resource of a mapped package.
    fn marker(&self, id: TypeId) -> Result<TokenStream> {
        let r = self.w.resource(id)?;
        let iface = &self.w.interfaces[r.interface];
        let name = self.w.resolve.interfaces[iface.id]
            .name
            .as_deref()
            .unwrap_or("");
        let ident = names::upper_ident(&format!("{name}-{}", r.name));
        Ok(match iface.mapped {
            Some(m) => {
                let path = &self.w.mapped[m].path;
                quote!(#path::wasmtime::#ident)
            }
            None => quote!(#ident),
        })
    }

    /// The table of resource `r` in `Resources`: `gpio_pin`, or
    /// `hal.gpio_pin` for a resource of a mapped package.
    fn table(&self, r: TypeId) -> Result<TokenStream> {
        let r = self.w.resource(r)?;
        let field = &r.field;
        Ok(match &r.mapped {
            Some(package) => quote!(#package.#field),
            None => quote!(#field),
        })
    }

    /// A type as `bindgen!` renders it, from inside `mod wasmtime`.
    fn wt_ty(&self, t: &Type) -> Result<TokenStream> {
        Ok(match t {
            Type::Bool => quote!(bool),
            Type::U8 => quote!(u8),
            Type::U16 => quote!(u16),
            Type::U32 => quote!(u32),
            Type::U64 => quote!(u64),
            Type::S8 => quote!(i8),
            Type::S16 => quote!(i16),
            Type::S32 => quote!(i32),
            Type::S64 => quote!(i64),
            Type::F32 => quote!(f32),
            Type::F64 => quote!(f64),
            Type::Char => quote!(char),
            Type::String => quote!(String),
            Type::ErrorContext => bail!("`error-context` is not supported by the host shim"),
            Type::Id(id) => {
                let def = &self.w.resolve.types[*id];
                match &def.kind {
                    TypeDefKind::Type(t) => self.wt_ty(t)?,
                    TypeDefKind::Handle(Handle::Own(r) | Handle::Borrow(r)) => {
                        let m = self.marker(*r)?;
                        quote!(Resource<#m>)
                    }
                    TypeDefKind::List(t) => {
                        let t = self.wt_ty(t)?;
                        quote!(Vec<#t>)
                    }
                    TypeDefKind::Option(t) => {
                        let t = self.wt_ty(t)?;
                        quote!(Option<#t>)
                    }
                    TypeDefKind::Result(r) => {
                        let ok = self.opt_ty(r.ok.as_ref())?;
                        let err = self.opt_ty(r.err.as_ref())?;
                        quote!(Result<#ok, #err>)
                    }
                    TypeDefKind::Tuple(t) => {
                        let parts = t
                            .types
                            .iter()
                            .map(|t| self.wt_ty(t))
                            .collect::<Result<Vec<_>>>()?;
                        quote!((#(#parts,)*))
                    }
                    TypeDefKind::Record(_)
                    | TypeDefKind::Variant(_)
                    | TypeDefKind::Enum(_)
                    | TypeDefKind::Flags(_) => {
                        let (module, ident) = self.named(*id)?;
                        quote!(#module::#ident)
                    }
                    _ => bail!(
                        "the type `{}` is not supported by the wasmtime adapter",
                        def.name.as_deref().unwrap_or("?")
                    ),
                }
            }
        })
    }

    fn opt_ty(&self, t: Option<&Type>) -> Result<TokenStream> {
        match t {
            Some(t) => self.wt_ty(t),
            None => Ok(quote!(())),
        }
    }

    /// The `bindings` module of a named type's interface, and its name.
    fn named(&self, id: TypeId) -> Result<(TokenStream, proc_macro2::Ident)> {
        let def = &self.w.resolve.types[id];
        let Some(i) = super::owner(self.w.resolve, id)
            .and_then(|o| self.w.interfaces.iter().position(|i| i.id == o))
        else {
            bail!(
                "the type `{}` belongs to no interface the world imports",
                def.name.as_deref().unwrap_or("?")
            );
        };
        Ok((
            self.module(i),
            names::upper_ident(def.name.as_deref().unwrap_or("")),
        ))
    }

    /// The conversion functions of a named type: `gpio_config`.
    fn conversion_name(&self, id: TypeId) -> Result<String> {
        let def = &self.w.resolve.types[id];
        let Some(i) = super::owner(self.w.resolve, id)
            .and_then(|o| self.w.interfaces.iter().position(|i| i.id == o))
        else {
            bail!(
                "the type `{}` belongs to no interface the world imports",
                def.name.as_deref().unwrap_or("?")
            );
        };
        Ok(format!(
            "{}_{}",
            self.w.interfaces[i].module,
            names::snake(def.name.as_deref().unwrap_or(""))
        ))
    }

    /// The conversion function `which` (`lift` or `lower`) of a named
    /// type, with the path to the other shim's for a type of a mapped
    /// package.
    fn conversion(&self, id: TypeId, which: &str) -> Result<TokenStream> {
        let f = format_ident!("{}_{which}", self.conversion_name(id)?);
        let owner = super::owner(self.w.resolve, id)
            .and_then(|o| self.w.interfaces.iter().find(|i| i.id == o));
        Ok(match owner.and_then(|i| i.mapped) {
            Some(m) => {
                let path = &self.w.mapped[m].path;
                quote!(#path::wasmtime::#f)
            }
            None => quote!(#f),
        })
    }

    /// `id` with `type` aliases followed.
    fn real(&self, mut id: TypeId) -> TypeId {
        while let TypeDefKind::Type(Type::Id(next)) = &self.w.resolve.types[id].kind {
            id = *next;
        }
        id
    }

    /// An expression of the shim's type from `e`, a reference to a value of
    /// wasmtime's (a parameter, or a field or payload of one).
    fn lift(
        &self,
        t: &Type,
        e: TokenStream,
        depth: usize,
        call: Option<&Function>,
    ) -> Result<TokenStream> {
        Ok(match t {
            Type::String => quote!(#e.as_str()),
            Type::Id(id) => {
                let id = self.real(*id);
                let v = format_ident!("v{depth}");
                let d = depth + 1;
                match &self.w.resolve.types[id].kind {
                    TypeDefKind::Type(t) => self.lift(t, e, depth, call)?,
                    TypeDefKind::List(Type::U8) => quote!(#e.as_slice()),
                    TypeDefKind::List(_) => {
                        bail!("a list other than `list<u8>` inside a parameter")
                    }
                    TypeDefKind::Handle(h) => {
                        let Some(f) = call else {
                            bail!("a resource handle inside a named type")
                        };
                        let (Handle::Own(r) | Handle::Borrow(r)) = h;
                        let field = self.table(*r)?;
                        match h {
                            Handle::Own(_) => {
                                quote!(resources.#field.remove(#e.rep()).map_err(trap)?)
                            }
                            Handle::Borrow(_) if self.shared(f, *r)? => {
                                quote!(resources.#field.get(#e.rep()).map_err(trap)?)
                            }
                            Handle::Borrow(_) => {
                                quote!(resources.#field.get_mut(#e.rep()).map_err(trap)?)
                            }
                        }
                    }
                    TypeDefKind::Option(t) => {
                        let inner = self.lift(t, quote!(#v), d, call)?;
                        quote!(match #e { Some(#v) => Some(#inner), None => None })
                    }
                    TypeDefKind::Result(r) => {
                        let ok = match &r.ok {
                            Some(t) => self.lift(t, quote!(#v), d, call)?,
                            None => quote!(()),
                        };
                        let err = match &r.err {
                            Some(t) => self.lift(t, quote!(#v), d, call)?,
                            None => quote!(()),
                        };
                        quote!(match #e { Ok(#v) => Ok(#ok), Err(#v) => Err(#err) })
                    }
                    TypeDefKind::Tuple(t) => {
                        let vs: Vec<_> = (0..t.types.len())
                            .map(|k| format_ident!("v{depth}_{k}"))
                            .collect();
                        let parts = t
                            .types
                            .iter()
                            .zip(&vs)
                            .map(|(t, v)| self.lift(t, quote!(#v), d, call))
                            .collect::<Result<Vec<_>>>()?;
                        quote!({ let (#(#vs,)*) = #e; (#(#parts,)*) })
                    }
                    _ => {
                        let f = self.conversion(id, "lift")?;
                        quote!(#f(#e))
                    }
                }
            }
            _ => quote!(*#e),
        })
    }

    /// An expression of wasmtime's type from `e`, a value of the shim's
    /// (a result, or a field or payload of one). Own handles go into
    /// `resources`.
    fn lower(&self, t: &Type, e: TokenStream, depth: usize) -> Result<TokenStream> {
        Ok(match t {
            Type::String => quote!(String::from(#e)),
            Type::Id(id) => {
                let id = self.real(*id);
                let v = format_ident!("v{depth}");
                let d = depth + 1;
                match &self.w.resolve.types[id].kind {
                    TypeDefKind::Type(t) => self.lower(t, e, depth)?,
                    TypeDefKind::List(Type::U8) => quote!(#e.to_vec()),
                    TypeDefKind::List(t) => {
                        let inner = self.lower(t, quote!((*#v)), d)?;
                        quote!(#e.iter().map(|#v| #inner).collect::<Vec<_>>())
                    }
                    TypeDefKind::Handle(Handle::Own(r)) => {
                        let field = self.table(*r)?;
                        quote!(Resource::new_own(resources.#field.insert(#e).map_err(trap)?))
                    }
                    TypeDefKind::Handle(Handle::Borrow(_)) => {
                        bail!("a borrowed handle as a result")
                    }
                    TypeDefKind::Option(t) => {
                        let inner = self.lower(t, quote!(#v), d)?;
                        quote!(match #e { Some(#v) => Some(#inner), None => None })
                    }
                    TypeDefKind::Result(r) => {
                        let ok = match &r.ok {
                            Some(t) => self.lower(t, quote!(#v), d)?,
                            None => quote!(()),
                        };
                        let err = match &r.err {
                            Some(t) => self.lower(t, quote!(#v), d)?,
                            None => quote!(()),
                        };
                        quote!(match #e { Ok(#v) => Ok(#ok), Err(#v) => Err(#err) })
                    }
                    TypeDefKind::Tuple(t) => {
                        let vs: Vec<_> = (0..t.types.len())
                            .map(|k| format_ident!("v{depth}_{k}"))
                            .collect();
                        let parts = t
                            .types
                            .iter()
                            .zip(&vs)
                            .map(|(t, v)| self.lower(t, quote!(#v), d))
                            .collect::<Result<Vec<_>>>()?;
                        quote!({ let (#(#vs,)*) = #e; (#(#parts,)*) })
                    }
                    _ => {
                        let f = self.conversion(id, "lower")?;
                        quote!(#f(#e))
                    }
                }
            }
            _ => e,
        })
    }

    /// The conversions of every named type of the world's interfaces.
    fn conversions(&self) -> Result<TokenStream> {
        let mut out = Vec::new();
        for iface in self.w.interfaces.iter().filter(|i| i.mapped.is_none()) {
            for (name, id) in &self.w.resolve.interfaces[iface.id].types {
                let def = &self.w.resolve.types[*id];
                let (wt_module, ident) = match &def.kind {
                    TypeDefKind::Record(_)
                    | TypeDefKind::Variant(_)
                    | TypeDefKind::Enum(_)
                    | TypeDefKind::Flags(_) => self.named(*id)?,
                    _ => continue,
                };
                let module = &iface.module;
                let shim = quote!(super::#module::#ident);
                let base = self.conversion_name(*id)?;
                let lift_fn = format_ident!("{base}_lift");
                let lower_fn = format_ident!("{base}_lower");
                let t = Type::Id(*id);
                let lt = if super::types::needs_lifetime(self.w, &t) {
                    quote!(<'a>)
                } else {
                    quote!()
                };
                let wt = quote!(#wt_module::#ident);
                let what = format!("`{name}` of `{}`", iface.import);
                let (lift_body, lower_body) = match &def.kind {
                    TypeDefKind::Record(r) => {
                        let mut lifts = Vec::new();
                        let mut lowers = Vec::new();
                        for f in &r.fields {
                            let fi = names::value_ident(&f.name);
                            let l = self.lift(&f.ty, quote!((&v.#fi)), 1, None);
                            let o = self.lower(&f.ty, quote!(v.#fi), 1)?;
                            lifts.push(l.map(|l| quote!(#fi: #l)));
                            lowers.push(quote!(#fi: #o));
                        }
                        let lift = lifts
                            .into_iter()
                            .collect::<Result<Vec<_>>>()
                            .ok()
                            .map(|l| quote!(#shim { #(#l,)* }));
                        (lift, quote!(#wt { #(#lowers,)* }))
                    }
                    TypeDefKind::Variant(var) => {
                        let mut lifts = Vec::new();
                        let mut lowers = Vec::new();
                        for c in &var.cases {
                            let ci = names::upper_ident(&c.name);
                            match &c.ty {
                                Some(t) => {
                                    let l = self.lift(t, quote!(x), 1, None);
                                    let o = self.lower(t, quote!(x), 1)?;
                                    lifts.push(l.map(|l| quote!(#wt::#ci(x) => #shim::#ci(#l))));
                                    lowers.push(quote!(#shim::#ci(x) => #wt::#ci(#o)));
                                }
                                None => {
                                    lifts.push(Ok(quote!(#wt::#ci => #shim::#ci)));
                                    lowers.push(quote!(#shim::#ci => #wt::#ci));
                                }
                            }
                        }
                        let lift = lifts
                            .into_iter()
                            .collect::<Result<Vec<_>>>()
                            .ok()
                            .map(|l| quote!(match v { #(#l,)* }));
                        (lift, quote!(match v { #(#lowers,)* }))
                    }
                    TypeDefKind::Enum(en) => {
                        let cases: Vec<_> = en
                            .cases
                            .iter()
                            .map(|c| names::upper_ident(&c.name))
                            .collect();
                        (
                            Some(quote!(match v { #(#wt::#cases => #shim::#cases,)* })),
                            quote!(match v { #(#shim::#cases => #wt::#cases,)* }),
                        )
                    }
                    TypeDefKind::Flags(fl) => {
                        let flags: Vec<_> = fl
                            .flags
                            .iter()
                            .map(|f| format_ident!("{}", f.name.to_shouty_snake_case()))
                            .collect();
                        (
                            Some(quote! {
                                let mut out = #shim::empty();
                                #(if v.contains(#wt::#flags) { out = out | #shim::#flags; })*
                                out
                            }),
                            quote! {
                                let mut out = #wt::empty();
                                #(if v.contains(#shim::#flags) { out = out | #wt::#flags; })*
                                out
                            },
                        )
                    }
                    _ => unreachable!(),
                };
                let lift_doc = format!(" {what}, wasmtime's as the shim's.");
                let lower_doc = format!(" {what}, the shim's as wasmtime's.");
                // Public for the adapters of vendor worlds that map this
                // package (`--with`), hidden from the docs.
                if let Some(body) = lift_body {
                    out.push(quote! {
                        #[doc = #lift_doc]
                        #[doc(hidden)]
                        pub fn #lift_fn<'a>(v: &'a #wt) -> #shim #lt {
                            #body
                        }
                    });
                }
                out.push(quote! {
                    #[doc = #lower_doc]
                    #[doc(hidden)]
                    pub fn #lower_fn #lt (v: #shim #lt) -> #wt {
                        #lower_body
                    }
                });
            }
        }
        Ok(quote!(#(#out)*))
    }

    /// The implementations of `bindgen!`'s traits for interface `i`.
    fn interface(&self, i: usize) -> Result<TokenStream> {
        let iface = &self.w.interfaces[i];
        let module = self.module(i);
        let mut free = Vec::new();
        let mut by_resource: Vec<(TypeId, Vec<TokenStream>)> = self
            .w
            .resources
            .iter()
            .filter(|r| r.interface == i)
            .map(|r| (r.id, Vec::new()))
            .collect();
        for f in self.w.functions(i) {
            let m = self.function(i, f)?;
            match f.kind {
                FunctionKind::Method(r)
                | FunctionKind::Static(r)
                | FunctionKind::Constructor(r) => {
                    let r = self.w.resource(r)?.id;
                    match by_resource.iter_mut().find(|(id, _)| *id == r) {
                        Some((_, ms)) => ms.push(m),
                        None => bail!(
                            "function `{}`: its resource is not declared by `{}`",
                            f.name,
                            iface.import
                        ),
                    }
                }
                _ => free.push(m),
            }
        }
        let shim_module = &iface.module;
        let tr = &iface.trait_name;
        let mut out = vec![quote! {
            impl<H: Host> #module::Host for View<'_, H> {
                #(#free)*
            }
        }];
        for (id, methods) in by_resource {
            let r = self.w.resource(id)?;
            let host_tr = format_ident!("Host{}", names::upper(&r.name));
            let marker = self.marker(id)?;
            let field = &r.field;
            let drop = format_ident!("{}_drop", names::snake(&r.name));
            out.push(quote! {
                impl<H: Host> #module::#host_tr for View<'_, H> {
                    #(#methods)*
                    fn drop(&mut self, handle: Resource<#marker>) -> ::wasmtime::Result<()> {
                        let value = self.resources.#field.remove(handle.rep()).map_err(trap)?;
                        <H as super::#shim_module::#tr>::#drop(self.host, value).map_err(trap)
                    }
                }
            });
        }
        Ok(quote!(#(#out)*))
    }

    /// One function: lifts wasmtime's arguments to the shim's, calls the
    /// trait, lowers the result.
    fn function(&self, i: usize, f: &Function) -> Result<TokenStream> {
        let iface = &self.w.interfaces[i];
        let shim_module = &iface.module;
        let tr = &iface.trait_name;
        let method = format_ident!("{}", names::method(f));
        let item = names::value_ident(f.item_name());
        let item = if matches!(f.kind, FunctionKind::Constructor(_)) {
            format_ident!("new")
        } else {
            item
        };
        let what = format!("function `{}` of `{}`", f.name, iface.import);
        let mut params = Vec::new();
        let mut lifts = Vec::new();
        let mut args = Vec::new();
        for (k, p) in f.params.iter().enumerate() {
            let name = format_ident!("p{k}");
            let ty = self
                .wt_ty(&p.ty)
                .map_err(|e| anyhow::anyhow!("{what}: {e}"))?;
            params.push(quote!(#name: #ty));
            args.push(quote!(#name));
            lifts.push(
                self.param(f, &p.ty, &name)
                    .map_err(|e| anyhow::anyhow!("{what}: {e}"))?,
            );
        }
        let ret = match &f.result {
            Some(t) => self.wt_ty(t).map_err(|e| anyhow::anyhow!("{what}: {e}"))?,
            None => quote!(()),
        };
        let lower = match &f.result {
            Some(t) => self
                .lower(t, quote!(result), 0)
                .map_err(|e| anyhow::anyhow!("{what}: {e}"))?,
            None => quote!(result),
        };
        Ok(quote! {
            fn #item(&mut self, #(#params),*) -> ::wasmtime::Result<#ret> {
                let host = &mut *self.host;
                let resources = &mut *self.resources;
                #(#lifts)*
                let result = <H as super::#shim_module::#tr>::#method(host, #(#args),*).map_err(trap)?;
                Ok(#lower)
            }
        })
    }

    /// The statement that turns parameter `name` (wasmtime's value) into
    /// the shim's, under the same name.
    fn param(&self, f: &Function, t: &Type, name: &proc_macro2::Ident) -> Result<TokenStream> {
        if let Type::Id(id) = t {
            let id = self.real(*id);
            match &self.w.resolve.types[id].kind {
                TypeDefKind::List(Type::Id(e))
                    if matches!(
                        self.w.resolve.types[self.real(*e)].kind,
                        TypeDefKind::Handle(Handle::Borrow(_))
                    ) =>
                {
                    let TypeDefKind::Handle(Handle::Borrow(r)) =
                        &self.w.resolve.types[self.real(*e)].kind
                    else {
                        unreachable!()
                    };
                    let field = self.table(*r)?;
                    let reps = format_ident!("{name}_reps");
                    return Ok(quote! {
                        let #reps: Vec<u8> = #name.iter().flat_map(|r| r.rep().to_le_bytes()).collect();
                        let #name = rt::Handles::new(
                            &#reps,
                            0,
                            u32::try_from(#name.len()).map_err(|_| trap(rt::Error::TooLong))?,
                            &resources.#field,
                        ).map_err(trap)?;
                    });
                }
                TypeDefKind::List(Type::U8) => {}
                TypeDefKind::List(e) => {
                    let values = format_ident!("{name}_values");
                    let lift = self.lift(e, quote!(v), 1, None)?;
                    return Ok(quote! {
                        let #values: Vec<_> = #name.iter().map(|v| #lift).collect();
                        let #name = rt::List::lifted(&#values);
                    });
                }
                _ => {}
            }
        }
        let lift = self.lift(t, quote!((&#name)), 0, Some(f))?;
        Ok(quote!(let #name = #lift;))
    }

    /// Whether the shim passes `f`'s borrows of resource `r` as `&`
    /// rather than `&mut` (`types::shared_borrows` says when).
    fn shared(&self, f: &Function, r: TypeId) -> Result<bool> {
        let r = self.w.resource(r)?.id;
        Ok(super::types::shared_borrows(self.w, f)?.contains(&r))
    }
}
