//! The engine-agnostic entry: a table of every import with its core
//! signature, and `dispatch`, which calls an import's glue by index with
//! its arguments as raw 64-bit slots. An adapter for an engine whose native
//! functions receive an argument array (wasm3, WAMR) is then a loop over
//! `IMPORTS` and one callback.

use anyhow::{Result, bail};
use proc_macro2::{Literal, TokenStream};
use quote::quote;
use wit_bindgen_core::abi::{AbiVariant, WasmType};

use super::{World, glue, names};

fn val(t: WasmType) -> TokenStream {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => quote!(ValType::I32),
        WasmType::I64 | WasmType::PointerOrI64 => quote!(ValType::I64),
        WasmType::F32 => quote!(ValType::F32),
        WasmType::F64 => quote!(ValType::F64),
    }
}

fn from_slot(t: WasmType, slot: &TokenStream) -> TokenStream {
    match t {
        WasmType::I32 | WasmType::Pointer | WasmType::Length => quote!((#slot as u32 as i32)),
        WasmType::I64 | WasmType::PointerOrI64 => quote!((#slot as i64)),
        WasmType::F32 => quote!(f32::from_bits(#slot as u32)),
        WasmType::F64 => quote!(f64::from_bits(#slot)),
    }
}

fn to_slot(t: Option<WasmType>) -> TokenStream {
    match t {
        None => quote!(|()| 0u64),
        Some(WasmType::I32 | WasmType::Pointer | WasmType::Length) => {
            quote!(|r: i32| r as u32 as u64)
        }
        Some(WasmType::I64 | WasmType::PointerOrI64) => quote!(|r: i64| r as u64),
        Some(WasmType::F32) => quote!(|r: f32| u64::from(r.to_bits())),
        Some(WasmType::F64) => quote!(|r: f64| r.to_bits()),
    }
}

/// One import of the world as a core module sees it.
pub struct CoreImport {
    /// Its interface (index into `World::interfaces`).
    pub interface: usize,
    /// Its name in that interface, for example `[method]pin.set-high`.
    pub name: String,
    /// The glue function that serves it.
    pub glue: syn::Ident,
    /// Its core parameters.
    pub params: Vec<WasmType>,
    /// Its core result.
    pub result: Option<WasmType>,
    /// The size and alignment of its return area, if it has one.
    pub area: Option<(usize, u32)>,
}

/// Every import of the world, functions then resource drops, interface by
/// interface: the order of `IMPORTS`, whose index `dispatch` takes.
pub fn core_imports(w: &World) -> Vec<CoreImport> {
    let mut all = Vec::new();
    for (i, _) in w.interfaces.iter().enumerate() {
        for f in w.functions(i) {
            let sig = w.resolve.wasm_signature(AbiVariant::GuestImport, f);
            all.push(CoreImport {
                interface: i,
                name: f.name.clone(),
                glue: names::glue(&names::method(f)),
                params: sig.params.clone(),
                result: sig.results.first().copied(),
                area: glue::return_area(w, f),
            });
        }
        for r in w.resources.iter().filter(|r| r.interface == i) {
            all.push(CoreImport {
                interface: i,
                name: format!("[resource-drop]{}", r.name),
                glue: names::glue(&format!("{}_drop", names::snake(&r.name))),
                params: vec![WasmType::I32],
                result: None,
                area: None,
            });
        }
    }
    all
}

pub fn dispatch(w: &World) -> Result<TokenStream> {
    let rt = &w.rt;
    let caps = w.capacity_args();
    let plain = w.capacities(None);
    let mut table = Vec::new();
    let mut arms = Vec::new();
    let mut max_params = 0;
    let mut max_area = 0;
    let mut add = |module: &syn::Ident,
                   mapped: Option<usize>,
                   import: &str,
                   name: &str,
                   glue: syn::Ident,
                   params: Vec<WasmType>,
                   result: Option<WasmType>,
                   area: Option<(usize, u32)>|
     -> Result<()> {
        let index = Literal::usize_unsuffixed(table.len());
        let ps: Vec<TokenStream> = params.iter().map(|t| val(*t)).collect();
        let r = match result {
            Some(t) => {
                let t = val(t);
                quote!(Some(#t))
            }
            None => quote!(None),
        };
        let (size, align) = area.unwrap_or((0, 0));
        let (Ok(ret_size), Ok(ret_align)) = (u16::try_from(size), u8::try_from(align)) else {
            bail!(
                "`{name}` of `{import}`: a result of {size} bytes, more than the host shim's 65535"
            );
        };
        max_area = max_area.max(size);
        table.push(quote!(Import {
            module: #import,
            name: #name,
            params: &[#(#ps),*],
            result: #r,
            ret_size: #ret_size,
            ret_align: #ret_align,
        }));
        let mut args: Vec<TokenStream> = params
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let i = Literal::usize_unsuffixed(i);
                from_slot(*t, &quote!(a[#i]))
            })
            .collect();
        if area.is_some() {
            // The glue's own area: the first `size` bytes of `ret`.
            let size = Literal::usize_unsuffixed(size);
            args.push(quote!(rt::area::sub::<0, #size, RETURN_AREA>(&mut ret)));
        }
        max_params = max_params.max(params.len());
        let back = to_slot(result);
        arms.push(match mapped {
            // Another shim's glue, over the part of the tables that is its.
            Some(m) => {
                let mcaps = w.mapped_capacity_args(m);
                let project = quote::format_ident!("project_{}", w.mapped[m].field);
                quote! {
                    #index => #module::#glue::<H, _, #(#mcaps),*>(
                        host,
                        &mut rt::Project::new(&mut *guest, #project::<H, #(#caps),*>),
                        #(#args),*
                    ).map(#back),
                }
            }
            None => quote! {
                #index => #module::#glue::<H, G, #(#caps),*>(host, guest, #(#args),*).map(#back),
            },
        });
        Ok(())
    };
    for i in core_imports(w) {
        let iface = &w.interfaces[i.interface];
        add(
            &iface.module,
            iface.mapped,
            &iface.import,
            &i.name,
            i.glue,
            i.params,
            i.result,
            i.area,
        )?;
    }
    let max_params = Literal::usize_unsuffixed(max_params);
    let max_area = Literal::usize_unsuffixed(max_area);
    Ok(quote! {
        /// A core WebAssembly value type.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ValType {
            /// `i32`
            I32,
            /// `i64`
            I64,
            /// `f32`
            F32,
            /// `f64`
            F64,
        }

        /// One import of the world as a core module sees it.
        #[derive(Debug, Clone, Copy)]
        pub struct Import {
            /// The import's module, for example `wasi-hw:hal/gpio@0.1.1`.
            pub module: &'static str,
            /// Its name, for example `[method]pin.set-high`.
            pub name: &'static str,
            /// Its core parameters.
            pub params: &'static [ValType],
            /// Its core result, if any.
            pub result: Option<ValType>,
            /// When its result does not fit in a core result: the size in
            /// bytes of the area in guest memory that it is written to,
            /// whose address is the last argument (0 otherwise; at most
            /// [`RETURN_AREA`]).
            pub ret_size: u16,
            /// That area's alignment in bytes (0 when there is none).
            pub ret_align: u8,
        }

        /// The largest area any import's result is written to through a
        /// return pointer: `dispatch` has the glue build a result in the
        /// first bytes of a buffer this size on the host's stack (on
        /// every call, so a world with one large result costs that much
        /// stack at each import).
        pub const RETURN_AREA: usize = #max_area;

        /// Every import of the world; an import's index here is its index
        /// for [`dispatch`].
        pub const IMPORTS: &[Import] = &[#(#table),*];

        /// Calls import `index` of [`IMPORTS`] with its core arguments as
        /// raw 64-bit slots (an `i32` in the low bits, a float as its bits),
        /// and returns its result the same way (0 when it has none); a
        /// result that goes through a return pointer is written into the
        /// guest here, for every import, from the buffer the glue built it
        /// in. A wrong index or argument count is an error, as is anything
        /// the glue refuses.
        pub fn dispatch<H: Host, G: #rt::Guest<Tables<H, #(#caps),*>> + ?Sized, #(#plain),*>(
            host: &mut H,
            guest: &mut G,
            index: usize,
            args: &[u64],
        ) -> Result<u64, #rt::Error> {
            use #rt as rt;
            // One check of the argument count for every import; then each
            // arm reads its arguments at fixed places.
            let Some(import) = IMPORTS.get(index) else {
                return Err(rt::Error::Trap(&"no import has this index"));
            };
            if args.len() != import.params.len() {
                return Err(rt::Error::Trap(&"wrong number of arguments"));
            }
            let mut a = [0u64; #max_params];
            for (slot, arg) in a.iter_mut().zip(args) {
                *slot = *arg;
            }
            let mut ret = [0u8; RETURN_AREA];
            let result = match index {
                #(#arms)*
                _ => Err(rt::Error::Trap(&"no import has this index")),
            }?;
            if import.ret_size != 0 {
                let (Some(ptr), Some(area)) = (args.last(), ret.get(..usize::from(import.ret_size)))
                else {
                    return Err(rt::Error::Trap(&"a return area larger than RETURN_AREA"));
                };
                rt::guest::write(guest, *ptr as u32, u32::from(import.ret_align), area)?;
            }
            Ok(result)
        }
    })
}
