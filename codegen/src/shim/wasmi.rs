//! The wasmi 2.0 adapter: every import of the world added to a
//! `wasmi::Linker`, behind `#[cfg(feature = "wasmi")]`.
//!
//! The shim's state lives in the store's data (`Shim`: the firmware's host,
//! the tables, the guest's exports once found). For an import whose result
//! needs no allocation in the guest, the glue borrows memory and state side
//! by side (`Memory::data_and_store_mut`). For one that does, the host is
//! moved out of the store for the call, so that a result borrowed from it
//! can be copied into the guest while its `cabi_realloc` runs; a guest that
//! calls back into the host from `cabi_realloc` finds no host and traps.
//!
//! `add_to_linker_dispatch` is the small variant: every import through one
//! `Linker::func_new` trampoline over the engine-agnostic `dispatch`, so the
//! glue is linked once, not once an import; it always moves the host out.

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{World, glue, names, types};
use wit_bindgen_core::abi::AbiVariant;

pub fn adapter(w: &World) -> Result<TokenStream> {
    let rt = &w.rt;
    let decl = w.capacities(Some(16));
    let plain = w.capacities(None);
    let caps = w.capacity_args();
    let tables = quote!(super::Tables<H, #(#caps),*>);
    let shim = quote!(Shim<H, #(#caps),*>);
    let mut links = Vec::new();
    for (i, iface) in w.interfaces.iter().enumerate() {
        let module = &iface.module;
        let import = &iface.import;
        // Another shim's glue (`--with`): its tables are a field of ours,
        // its const generics its own.
        let (glue_caps, project) = match iface.mapped {
            Some(m) => {
                let field = &w.mapped[m].field;
                let project = format_ident!("project_{field}");
                (
                    w.mapped_capacity_args(m),
                    Some(Project {
                        field: quote!(#field),
                        project: quote!(super::#project::<H, #(#caps),*>),
                    }),
                )
            }
            None => (caps.clone(), None),
        };
        for f in w.functions(i) {
            let sig = w.resolve.wasm_signature(AbiVariant::GuestImport, f);
            let args: Vec<_> = (0..sig.params.len())
                .map(|i| format_ident!("arg{i}"))
                .collect();
            let params: Vec<TokenStream> = sig
                .params
                .iter()
                .zip(&args)
                .map(|(t, a)| {
                    let t = super::core_type(*t);
                    quote!(#a: #t)
                })
                .collect();
            let ret = match sig.results.first() {
                Some(t) => super::core_type(*t),
                None => quote!(()),
            };
            let glue = names::glue(&names::method(f));
            let name = &f.name;
            let call = quote!(super::#module::#glue::<H, _, #(#glue_caps),*>);
            let allocates = f.result.as_ref().is_some_and(|t| types::allocates(w, t));
            let area = glue::return_area(w, f);
            links.push(link(
                import,
                name,
                &params,
                &ret,
                &call,
                &args,
                allocates,
                area,
                project.as_ref(),
            ));
        }
        for r in w.resources.iter().filter(|r| r.interface == i) {
            let glue = names::glue(&format!("{}_drop", names::snake(&r.name)));
            let name = format!("[resource-drop]{}", r.name);
            let call = quote!(super::#module::#glue::<H, _, #(#glue_caps),*>);
            let arg = format_ident!("arg0");
            links.push(link(
                import,
                &name,
                &[quote!(#arg: i32)],
                &quote!(()),
                &call,
                &[arg],
                false,
                None,
                project.as_ref(),
            ));
        }
    }
    // With another shim's interfaces (`--with`), its `Trap`: one type for
    // the traps of both shims' glue (and of `wasi_hw_shim::run::call_run`).
    let trap_type = match w.mapped.first() {
        Some(m) => {
            let path = &m.path;
            quote! {
                /// Why the shim stopped a guest: the `Trap` of the shim
                /// whose interfaces this one reuses, so that a trap in
                /// either's glue is found with one
                /// `wasmi::Error::downcast_ref::<Trap>()`.
                pub use #path::wasmi::Trap;
            }
        }
        None => quote! {
            /// Why the shim stopped a guest: a `wasi_hw_shim_runtime::Error`
            /// carried through wasmi as a host error (find it with
            /// `wasmi::Error::downcast_ref::<Trap>()`).
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Trap(pub rt::Error);

            impl core::fmt::Display for Trap {
                fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                    core::fmt::Display::fmt(&self.0, f)?;
                    if let Some((found, expected)) = self.0.wrong_type_tags() {
                        let name = |tag: u8| {
                            super::RESOURCE_TYPES
                                .get(usize::from(tag).wrapping_sub(1))
                                .copied()
                                .unwrap_or("another resource type")
                        };
                        write!(f, ": a `{}` handle used as a `{}`", name(found), name(expected))?;
                    }
                    Ok(())
                }
            }

            impl ::wasmi::errors::HostError for Trap {}
        },
    };
    Ok(quote! {
        /// The wasmi 2.0 adapter: `add_to_linker` (fastest) or
        /// `add_to_linker_dispatch` (smallest) defines every import of the
        /// world in a `wasmi::Linker`, over a `Shim` kept in the store.
        #[cfg(feature = "wasmi")]
        pub mod wasmi {
            use super::Host;
            use #rt as rt;

            /// The shim's state in a wasmi store: the firmware's host, the
            /// guest's resource tables, and the guest's `memory` and
            /// `cabi_realloc` exports (found on the first call; one
            /// instance per store).
            pub struct Shim<H: Host, #(#decl),*> {
                host: Option<H>,
                /// The guest's resources.
                pub tables: #tables,
                exports: Option<Exports>,
                /// Why the guest's `cabi_realloc` failed, when it trapped
                /// (the call traps with `rt::Error::Realloc`).
                realloc_error: Option<::wasmi::Error>,
                /// Fuel kept aside from the store's by a host that runs
                /// `run` in slices (`wasi_hw_shim::run::Slices`). A call
                /// of `cabi_realloc` from an import, which cannot be
                /// resumed, may use it too; what it leaves goes back here.
                pub fuel_reserve: u64,
            }

            #[derive(Clone, Copy)]
            struct Exports {
                memory: ::wasmi::Memory,
                realloc: Option<::wasmi::TypedFunc<(i32, i32, i32, i32), i32>>,
            }

            impl<H: Host, #(#plain),*> #shim {
                /// The shim over `host`, with empty tables.
                pub fn new(host: H) -> Self {
                    Shim { host: Some(host), tables: super::Tables::new(), exports: None, realloc_error: None, fuel_reserve: 0 }
                }

                /// Why the guest's `cabi_realloc` trapped, if a call ended
                /// in `rt::Error::Realloc` because it did: its own trap
                /// (`unreachable`, out of fuel, ...) as wasmi gave it.
                pub fn take_realloc_error(&mut self) -> Option<::wasmi::Error> {
                    self.realloc_error.take()
                }

                /// The firmware's host. `None` only while the shim is
                /// calling the guest's `cabi_realloc` (firmware code does
                /// not run then).
                pub fn host(&self) -> Option<&H> {
                    self.host.as_ref()
                }

                /// The firmware's host, mutably.
                pub fn host_mut(&mut self) -> Option<&mut H> {
                    self.host.as_mut()
                }

                /// The host back, when the guest is done.
                pub fn into_host(self) -> Option<H> {
                    self.host
                }
            }

            #trap_type

            fn trap(e: rt::Error) -> ::wasmi::Error {
                ::wasmi::Error::host(Trap(e))
            }

            fn exports<T, H: Host, #(#plain),*>(
                caller: &mut ::wasmi::Caller<'_, T>,
                get: fn(&mut T) -> &mut #shim,
            ) -> Result<Exports, ::wasmi::Error> {
                if let Some(e) = get(caller.data_mut()).exports {
                    return Ok(e);
                }
                let Some(memory) = caller.get_export("memory").and_then(::wasmi::Extern::into_memory) else {
                    return Err(trap(rt::Error::Trap(&"the guest exports no memory named `memory`")));
                };
                let realloc = caller
                    .get_export("cabi_realloc")
                    .and_then(::wasmi::Extern::into_func)
                    .and_then(|f| f.typed::<(i32, i32, i32, i32), i32>(&*caller).ok());
                let e = Exports { memory, realloc };
                get(caller.data_mut()).exports = Some(e);
                Ok(e)
            }

            /// The calling guest, with its `cabi_realloc`.
            struct Guest<'c, 'a, T, H: Host, #(#plain),*> {
                caller: &'c mut ::wasmi::Caller<'a, T>,
                get: fn(&mut T) -> &mut #shim,
                exports: Exports,
            }

            impl<T, H: Host, #(#plain),*> rt::Guest<#tables> for Guest<'_, '_, T, H, #(#caps),*> {
                fn memory(&mut self) -> &mut [u8] {
                    self.exports.memory.data_mut(&mut *self.caller)
                }
                fn parts(&mut self) -> (&mut [u8], &mut #tables) {
                    let (memory, data) = self.exports.memory.data_and_store_mut(&mut *self.caller);
                    (memory, &mut (self.get)(data).tables)
                }
                // Out of line: the call into wasmi stays the adapter's
                // own code, not inlined into the runtime's `alloc` (one
                // call site either way).
                #[inline(never)]
                fn realloc(&mut self, old_ptr: u32, old_size: u32, align: u32, new_size: u32) -> Result<u32, rt::Error> {
                    let Some(realloc) = self.exports.realloc else {
                        return Err(rt::Error::Trap(&"the guest exports no cabi_realloc (func (param i32 i32 i32 i32) (result i32)), which this call needs"));
                    };
                    // With the fuel kept aside, if any: a slice that ends
                    // here could not be resumed.
                    let reserve = core::mem::take(&mut (self.get)(self.caller.data_mut()).fuel_reserve);
                    let slice = match self.caller.get_fuel() {
                        Ok(slice) if reserve > 0 => {
                            let _ = self.caller.set_fuel(slice.saturating_add(reserve));
                            Some(slice)
                        }
                        _ => None,
                    };
                    let result = realloc.call(&mut *self.caller, (old_ptr as i32, old_size as i32, align as i32, new_size as i32));
                    if let Some(slice) = slice {
                        let left = self.caller.get_fuel().unwrap_or(0);
                        let _ = self.caller.set_fuel(left.min(slice));
                        (self.get)(self.caller.data_mut()).fuel_reserve = left - left.min(slice);
                    }
                    match result {
                        Ok(p) => Ok(p as u32),
                        Err(e) => match e.downcast_ref::<Trap>() {
                            Some(Trap(inner)) => Err(*inner),
                            None => {
                                // Kept for the embedder's report.
                                (self.get)(self.caller.data_mut()).realloc_error = Some(e);
                                Err(rt::Error::Realloc)
                            }
                        },
                    }
                }
            }

            /// Defines every import of the world in `linker` through
            /// [`super::dispatch`]: one untyped trampoline serves them all.
            /// It does what `add_to_linker` does, in less flash (one copy of
            /// the glue instead of one typed host function an import), at a
            /// higher cost a call: wasmi passes the arguments as `wasmi::Val`
            /// in a buffer it allocates for each call. For firmware whose
            /// flash is tight. `get` finds the shim in the store's data.
            pub fn add_to_linker_dispatch<T: 'static, H: Host + 'static, #(#plain),*>(
                linker: &mut ::wasmi::Linker<T>,
                get: fn(&mut T) -> &mut #shim,
            ) -> Result<(), ::wasmi::errors::LinkerError> {
                define_dispatch::<T, H, #(#caps),*>(linker, get, None)
            }

            /// [`add_to_linker_dispatch`] for the imports of `module`
            /// alone: a linker made for one app holds what that app
            /// imports, not the whole world (each import costs the linker
            /// its name and type on the heap: on a Cortex-M4, blinky's 6
            /// imports take 2 KiB where the world's 40 take 12).
            pub fn add_to_linker_dispatch_for<T: 'static, H: Host + 'static, #(#plain),*>(
                linker: &mut ::wasmi::Linker<T>,
                get: fn(&mut T) -> &mut #shim,
                module: &::wasmi::Module,
            ) -> Result<(), ::wasmi::errors::LinkerError> {
                define_dispatch::<T, H, #(#caps),*>(linker, get, Some(module))
            }

            /// Defines the imports of the world, or of them those that
            /// `module` has, through the trampoline.
            fn define_dispatch<T: 'static, H: Host + 'static, #(#plain),*>(
                linker: &mut ::wasmi::Linker<T>,
                get: fn(&mut T) -> &mut #shim,
                module: Option<&::wasmi::Module>,
            ) -> Result<(), ::wasmi::errors::LinkerError> {
                fn val_type(t: super::ValType) -> ::wasmi::ValType {
                    match t {
                        super::ValType::I32 => ::wasmi::ValType::I32,
                        super::ValType::I64 => ::wasmi::ValType::I64,
                        super::ValType::F32 => ::wasmi::ValType::F32,
                        super::ValType::F64 => ::wasmi::ValType::F64,
                    }
                }
                for (index, import) in super::IMPORTS.iter().enumerate() {
                    // For a module, under the name it imports: this
                    // version's or a compatible one's (`0.1.0` for `0.1.1`).
                    let as_module = match module {
                        None => import.module,
                        Some(m) => match m.imports().find(|i| {
                            i.name() == import.name && rt::version::compatible(i.module(), import.module)
                        }) {
                            Some(i) => i.module(),
                            None => continue,
                        },
                    };
                    let ty = ::wasmi::FuncType::new(
                        import.params.iter().map(|t| val_type(*t)),
                        import.result.map(val_type),
                    );
                    linker.func_new(as_module, import.name, ty, move |mut caller, params, results| {
                        dispatch_call::<T, H, #(#caps),*>(&mut caller, get, index, params, results)
                    })?;
                }
                Ok(())
            }

            /// One call through [`add_to_linker_dispatch`]'s trampoline.
            /// Out of line, so that wasmi's trampoline (generic over the
            /// closure that calls this) stays small.
            #[inline(never)]
            fn dispatch_call<T, H: Host, #(#plain),*>(
                caller: &mut ::wasmi::Caller<'_, T>,
                get: fn(&mut T) -> &mut #shim,
                index: usize,
                params: &[::wasmi::Val],
                results: &mut [::wasmi::Val],
            ) -> Result<(), ::wasmi::Error> {
                let exports = exports(caller, get)?;
                // The canonical ABI flattens at most 16 parameters.
                let mut slots = [0u64; 16];
                let Some(slots) = slots.get_mut(..params.len()) else {
                    return Err(trap(rt::Error::Trap(&"wrong number of arguments")));
                };
                for (slot, param) in slots.iter_mut().zip(params) {
                    *slot = match param {
                        ::wasmi::Val::I32(v) => u64::from(*v as u32),
                        ::wasmi::Val::I64(v) => *v as u64,
                        ::wasmi::Val::F32(v) => u64::from(v.to_bits()),
                        ::wasmi::Val::F64(v) => v.to_bits(),
                        _ => return Err(trap(rt::Error::Trap(&"an argument of a type no import takes"))),
                    };
                }
                let Some(mut host) = get(caller.data_mut()).host.take() else {
                    return Err(trap(rt::Error::Reentered));
                };
                let result = {
                    let mut guest = Guest { caller: &mut *caller, get, exports };
                    super::dispatch(&mut host, &mut guest, index, slots)
                };
                get(caller.data_mut()).host = Some(host);
                let result = result.map_err(trap)?;
                let kind = super::IMPORTS.get(index).and_then(|i| i.result);
                if let (Some(out), Some(kind)) = (results.first_mut(), kind) {
                    *out = match kind {
                        super::ValType::I32 => ::wasmi::Val::I32(result as u32 as i32),
                        super::ValType::I64 => ::wasmi::Val::I64(result as i64),
                        super::ValType::F32 => ::wasmi::Val::F32(::wasmi::F32::from_bits(result as u32)),
                        super::ValType::F64 => ::wasmi::Val::F64(::wasmi::F64::from_bits(result)),
                    };
                }
                Ok(())
            }

            /// Defines every import of the world in `linker`, each as a typed
            /// host function with its own copy of the glue: the fastest
            /// calls. `get` finds the shim in the store's data. The names
            /// are this version's; [`alias_versions`] adds those of an app
            /// built against a compatible one.
            pub fn add_to_linker<T: 'static, H: Host + 'static, #(#plain),*>(
                linker: &mut ::wasmi::Linker<T>,
                get: fn(&mut T) -> &mut #shim,
            ) -> Result<(), ::wasmi::errors::LinkerError> {
                #(#links)*
                Ok(())
            }

            /// After [`add_to_linker`]: defines this world's interfaces
            /// also under the names `module` imports them by where it was
            /// built against a semver-compatible version of the package
            /// (`...@0.1.0` for a shim of `0.1.1`), so that an app built
            /// before an addition runs unchanged.
            pub fn alias_versions<T>(
                linker: &mut ::wasmi::Linker<T>,
                module: &::wasmi::Module,
            ) -> Result<(), ::wasmi::Error> {
                for (at, import) in module.imports().enumerate() {
                    let name = import.module();
                    let known = super::IMPORTS.iter().find(|i| rt::version::compatible(name, i.module));
                    let Some(known) = known else { continue };
                    // Once a name, and never this version's own.
                    if known.module == name || module.imports().take(at).any(|i| i.module() == name) {
                        continue;
                    }
                    linker.alias_module(known.module, name)?;
                }
                Ok(())
            }
        }
    })
}

/// How an import of a mapped package (`--with`) reaches the other shim's
/// glue: its tables are the field `field` of ours, `project` picks them.
struct Project {
    field: TokenStream,
    project: TokenStream,
}

/// One `func_wrap`. `area` is the size and alignment of the area the
/// result is written to through the return pointer (the last argument),
/// if it has one: the glue builds the result in a buffer, written here.
#[allow(clippy::too_many_arguments)]
fn link(
    import: &str,
    name: &str,
    params: &[TokenStream],
    ret: &TokenStream,
    call: &TokenStream,
    args: &[proc_macro2::Ident],
    allocates: bool,
    area: Option<(usize, u32)>,
    project: Option<&Project>,
) -> TokenStream {
    let (buffer, call_args, write) = match (area, args.last()) {
        (Some((size, align)), Some(ptr)) => {
            let size = proc_macro2::Literal::usize_unsuffixed(size);
            let align = proc_macro2::Literal::u32_unsuffixed(align);
            (
                quote!(let mut ret = [0u8; #size];),
                quote!(#(#args,)* &mut ret),
                quote!(.and_then(|()| rt::guest::write(&mut guest, #ptr as u32, #align, &ret))),
            )
        }
        _ => (quote!(), quote!(#(#args),*), quote!()),
    };
    let (view, tables) = match project {
        Some(Project { field, project }) => (
            quote!(let mut guest = rt::Project::new(&mut guest, #project);),
            quote!(&mut shim.tables.#field),
        ),
        None => (quote!(), quote!(&mut shim.tables)),
    };
    let body = if allocates {
        quote! {
            let Some(mut host) = get(caller.data_mut()).host.take() else {
                return Err(trap(rt::Error::Reentered));
            };
            let result = {
                let mut guest = Guest { caller: &mut caller, get, exports };
                #view
                #buffer
                #call(&mut host, &mut guest, #call_args)#write
            };
            get(caller.data_mut()).host = Some(host);
            result.map_err(trap)
        }
    } else {
        quote! {
            let (memory, data) = exports.memory.data_and_store_mut(&mut caller);
            let shim = get(data);
            let Some(host) = shim.host.as_mut() else {
                return Err(trap(rt::Error::Reentered));
            };
            let mut guest = rt::NoRealloc { memory, tables: #tables };
            #buffer
            #call(host, &mut guest, #call_args)#write.map_err(trap)
        }
    };
    quote! {
        linker.func_wrap(#import, #name, move |mut caller: ::wasmi::Caller<'_, T>, #(#params),*| -> Result<#ret, ::wasmi::Error> {
            let exports = exports(&mut caller, get)?;
            #body
        })?;
    }
}
