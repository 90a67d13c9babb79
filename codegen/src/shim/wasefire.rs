//! The wasefire-interpreter 0.5 adapter, behind `#[cfg(feature =
//! "wasefire")]`: the in-place interpreter of the tiny profile.
//!
//! Its host functions do not run inside the interpreter: a call to the host
//! suspends the guest and returns `RunResult::Host` to the embedder, which
//! serves it and resumes. So the adapter is not a set of callbacks but one
//! function, `serve`, that the embedder calls for each suspended call: it
//! reads the arguments and runs the engine-agnostic `dispatch` with a
//! `Guest` over the store. While the guest waits, the store can run another
//! of its functions to completion (its stack discipline), which is how the
//! `Guest`'s `cabi_realloc` is called: the glue's abstraction holds as it
//! is for every engine.
//!
//! Floating point is a feature of the interpreter (`float-types`, about
//! 12 KiB of flash on a Cortex-M4 with its soft-float `f64`), so it is one
//! of the including crate's too: `wasefire-float`. Without it a float
//! argument or result traps; `wasi-hw pack` marks a bundle whose module
//! uses floats, for a firmware built without them to refuse.
//!
//! wasefire links host functions by index in the order they are linked and
//! refuses any order but (module, name) ascending, so the generator sorts
//! the imports and emits the permutation (`LINKED`) with each one's core
//! type, an index into the world's distinct core types (`TYPES`): a few
//! hundred bytes of flash fewer than a type written out for each import.

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use wit_bindgen_core::abi::WasmType;

use super::World;
use super::dispatch::core_imports;

fn val_type(t: WasmType) -> TokenStream {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => quote!(wi::ValType::I32),
        WasmType::I64 | WasmType::PointerOrI64 => quote!(wi::ValType::I64),
        WasmType::F32 => quote!(wi::ValType::F32),
        WasmType::F64 => quote!(wi::ValType::F64),
    }
}

pub fn adapter(w: &World) -> TokenStream {
    let rt = &w.rt;
    let caps = w.capacity_args();
    let plain = w.capacities(None);
    let tables = quote!(super::Tables<H, #(#caps),*>);
    let imports = core_imports(w);
    let mut order: Vec<usize> = (0..imports.len()).collect();
    let key = |i: &usize| {
        let import = &imports[*i];
        (
            w.interfaces[import.interface].import.as_bytes(),
            import.name.as_bytes(),
        )
    };
    order.sort_by(|a, b| key(a).cmp(&key(b)));
    let max_params = imports.iter().map(|i| i.params.len()).max().unwrap_or(0);
    let max_params = Literal::usize_unsuffixed(max_params.max(1));
    // The distinct core types, in the order the linked imports first use
    // them.
    let mut types: Vec<(&[WasmType], Option<WasmType>)> = Vec::new();
    let linked: Vec<TokenStream> = order
        .iter()
        .map(|&i| {
            let import = &imports[i];
            let index = u16::try_from(i).expect("a world of fewer than 65536 imports");
            let ty = (&import.params[..], import.result);
            let at = types.iter().position(|t| *t == ty).unwrap_or_else(|| {
                types.push(ty);
                types.len() - 1
            });
            let at = u8::try_from(at).expect("a world of fewer than 256 core types");
            quote!((#index, #at))
        })
        .collect();
    let types = types.iter().map(|(params, result)| {
        let params = params.iter().map(|t| val_type(*t));
        let results = result.iter().map(|t| val_type(*t));
        quote!((&[#(#params),*], &[#(#results),*]))
    });
    quote! {
        /// The wasefire-interpreter 0.5 adapter: runs apps in place, from
        /// flash, in the tiny profile. A host call suspends the guest and
        /// returns to the embedder (`RunResult::Host`); the embedder calls
        /// [`serve`](wasefire::serve) and resumes with what it returns
        /// (`wasi_hw_shim::wasefire::call_run` does all of it).
        #[cfg(feature = "wasefire")]
        pub mod wasefire {
            use super::Host;
            use #rt as rt;
            use ::wasefire_interpreter as wi;

            /// Every import of the world in the order wasefire-interpreter
            /// links host functions: by module, then by name
            /// (`Store::link_func_custom` refuses any other order). Each is
            /// its index in [`super::IMPORTS`] and its core type's index in
            /// [`TYPES`]; the host functions a store links follow this order
            /// ([`Linked`]).
            pub const LINKED: &[(u16, u8)] = &[#(#linked),*];

            /// The distinct core types of the world's imports, as
            /// parameters and results.
            pub const TYPES: &[(&[wi::ValType], &[wi::ValType])] = &[#(#types),*];

            /// What a store linked, in the order it linked it: for each host
            /// function index (`Call::index()`), the import's index in
            /// [`super::IMPORTS`]; `None` for all of `LINKED`, as [`link`]
            /// links them. [`serve`] takes it.
            pub struct Linked(Option<::alloc::vec::Vec<u16>>);

            /// Links every import of the world in `store`, which must hold
            /// no instance yet, under this version's names. A module that
            /// imports anything else, or an import with another type, then
            /// fails to instantiate. [`link_for`] links less, and serves
            /// apps built against a compatible version too.
            pub fn link(store: &mut wi::Store<'_>) -> Result<Linked, wi::Error> {
                for &(index, ty) in LINKED {
                    let Some(&(params, results)) = TYPES.get(usize::from(ty)) else {
                        return Err(wi::Error::Invalid);
                    };
                    let Some(import) = super::IMPORTS.get(usize::from(index)) else {
                        return Err(wi::Error::Invalid);
                    };
                    store.link_func_custom(
                        import.module,
                        import.name,
                        wi::FuncType { params: params.into(), results: results.into() },
                    )?;
                }
                Ok(Linked(None))
            }

            /// [`link`] for the module whose bytes are `module`: only the
            /// imports it has (the store keeps an entry for each: on a
            /// device, RAM), each under the name the module imports it by,
            /// this version's or a semver-compatible one's (`...@0.1.0` for
            /// a shim of `0.1.1`), so that an app built before an addition
            /// runs unchanged.
            pub fn link_for<'m>(store: &mut wi::Store<'m>, module: &'m [u8]) -> Result<Linked, wi::Error> {
                // In `LINKED`'s order, each import the module has; the
                // order stays ascending, as compatible names differ after
                // the `@` alone.
                let mut linked = ::alloc::vec::Vec::new();
                for &(index, ty) in LINKED {
                    let Some(&(params, results)) = TYPES.get(usize::from(ty)) else {
                        return Err(wi::Error::Invalid);
                    };
                    let Some(import) = super::IMPORTS.get(usize::from(index)) else {
                        return Err(wi::Error::Invalid);
                    };
                    let Some((as_module, _)) = rt::version::imports(module)
                        .find(|&(m, n)| n == import.name && rt::version::compatible(m, import.module))
                    else {
                        continue;
                    };
                    store.link_func_custom(
                        as_module,
                        import.name,
                        wi::FuncType { params: params.into(), results: results.into() },
                    )?;
                    linked.push(index);
                }
                Ok(Linked(Some(linked)))
            }

            /// The guest, suspended in a call to the host.
            struct Guest<'s, 'm, T> {
                store: &'s mut wi::Store<'m>,
                inst: wi::InstId,
                tables: &'s mut T,
            }

            impl<T> rt::Guest<T> for Guest<'_, '_, T> {
                fn memory(&mut self) -> &mut [u8] {
                    self.store.memory(self.inst).unwrap_or_default()
                }
                fn parts(&mut self) -> (&mut [u8], &mut T) {
                    (self.store.memory(self.inst).unwrap_or_default(), &mut *self.tables)
                }
                #[inline(never)]
                fn realloc(
                    &mut self,
                    old_ptr: u32,
                    old_size: u32,
                    align: u32,
                    new_size: u32,
                ) -> Result<u32, rt::Error> {
                    realloc(self.store, self.inst, [old_ptr, old_size, align, new_size])
                }
            }

            /// Calls the guest's `cabi_realloc` in `store` to completion,
            /// while a call of the guest may be suspended there: the
            /// arguments of `run`, or a result of an import. A guest that
            /// calls the host from it is [`rt::Error::Reentered`] (the call
            /// stays suspended in the store: the embedder ends the run).
            pub fn realloc(
                store: &mut wi::Store<'_>,
                inst: wi::InstId,
                args: [u32; 4],
            ) -> Result<u32, rt::Error> {
                let args = ::alloc::vec::Vec::from(args.map(wi::Val::I32));
                match store.invoke(inst, "cabi_realloc", args) {
                    Ok(wi::RunResult::Done(results)) => match results[..] {
                        [wi::Val::I32(ptr)] => Ok(ptr),
                        _ => Err(rt::Error::Trap(
                            &"the guest's cabi_realloc is not (func (param i32 i32 i32 i32) (result i32))",
                        )),
                    },
                    Ok(wi::RunResult::Host(_)) => Err(rt::Error::Reentered),
                    Err(wi::Error::NotFound) => Err(rt::Error::Trap(
                        &"the guest exports no cabi_realloc (func (param i32 i32 i32 i32) (result i32)), which this call needs",
                    )),
                    Err(wi::Error::Invalid) => Err(rt::Error::Trap(
                        &"the guest's cabi_realloc is not (func (param i32 i32 i32 i32) (result i32))",
                    )),
                    Err(_) => Err(rt::Error::Realloc),
                }
            }

            /// Serves the call to the host that `store` is suspended in
            /// (after `Store::invoke` or `Call::resume` answered
            /// `RunResult::Host`): reads its arguments, runs the import's
            /// glue over `host` and `tables` (which may call the guest's
            /// `cabi_realloc` meanwhile), and returns the result to resume
            /// the call with. An error is a trap: the embedder ends the run
            /// and does not resume.
            pub fn serve<H: Host, #(#plain),*>(
                store: &mut wi::Store<'_>,
                linked: &Linked,
                host: &mut H,
                tables: &mut #tables,
            ) -> Result<Option<wi::Val>, rt::Error> {
                let mut slots = [0u64; #max_params];
                let (index, inst, count) = {
                    let Some(call) = store.last_call() else {
                        return Err(rt::Error::Trap(&"no call to the host is waiting"));
                    };
                    let index = match &linked.0 {
                        None => LINKED.get(call.index()).map(|&(index, _)| index),
                        Some(linked) => linked.get(call.index()).copied(),
                    };
                    let Some(index) = index else {
                        return Err(rt::Error::Trap(&"no import has this index"));
                    };
                    let args = call.args();
                    if args.len() > slots.len() {
                        return Err(rt::Error::Trap(&"wrong number of arguments"));
                    }
                    for (slot, arg) in slots.iter_mut().zip(args) {
                        *slot = match *arg {
                            wi::Val::I32(v) => u64::from(v),
                            wi::Val::I64(v) => v,
                            #[cfg(feature = "wasefire-float")]
                            wi::Val::F32(v) => u64::from(v),
                            #[cfg(feature = "wasefire-float")]
                            wi::Val::F64(v) => v,
                            _ => {
                                return Err(rt::Error::Trap(&"an argument of a type no import takes"));
                            }
                        };
                    }
                    (usize::from(index), call.inst(), args.len())
                };
                let result = super::dispatch(
                    host,
                    &mut Guest { store, inst, tables },
                    index,
                    &slots[..count],
                )?;
                let Some(kind) = super::IMPORTS.get(index).and_then(|i| i.result) else {
                    return Ok(None);
                };
                Ok(Some(match kind {
                    super::ValType::I32 => wi::Val::I32(result as u32),
                    super::ValType::I64 => wi::Val::I64(result),
                    #[cfg(feature = "wasefire-float")]
                    super::ValType::F32 => wi::Val::F32(result as u32),
                    #[cfg(feature = "wasefire-float")]
                    super::ValType::F64 => wi::Val::F64(result),
                    #[cfg(not(feature = "wasefire-float"))]
                    super::ValType::F32 | super::ValType::F64 => {
                        return Err(rt::Error::Trap(
                            &"a floating-point result, and the interpreter was built without floats (feature `wasefire-float`)",
                        ));
                    }
                }))
            }
        }
    }
}
