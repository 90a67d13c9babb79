//! The canonical-ABI glue of each import, from wit-bindgen-core's
//! instruction stream.
//!
//! `abi::call` with `AbiVariant::GuestImport` and `LiftArgsLowerResults`
//! walks a function the way a host must: lift the core arguments (from
//! flat values, or from guest memory when there are too many), call the
//! implementation, lower the result (flat, or into the return area the
//! guest passed). [`FnGen`] renders each instruction as Rust that goes
//! through `wasi_hw_shim_runtime`: every load, and every write into guest
//! memory, is bounds- and alignment-checked, every discriminant, `char`
//! and string validated, every handle looked up, every allocation made by
//! the guest's `cabi_realloc` and checked.
//!
//! Before the call, lifted values borrow the guest's memory and tables
//! (`__mem`, `__tables`, from `Guest::parts`); glue that reads nothing of
//! the guest but one borrowed handle calls the generated `lookup_*`
//! instead. Right after the call, the return pointer, if any, is checked
//! (`rt::guest::check`), as the canonical ABI checks it before storing
//! anything, where lowering then calls the guest's `cabi_realloc`
//! (elsewhere the final write's check comes before anything the guest can
//! see). The result is then built in a byte array on the host's stack:
//! `__ret`, which the caller passes and then writes into the guest with
//! one checked copy (`dispatch` for every import, or the typed adapter's
//! closure), and each element of a list result in `__eN`, written by the
//! glue. A store per field with its own bounds check and error path made
//! the glue 18% larger. The generator refuses a store past the end of its
//! area. Memory is asked for afresh for each write, since `cabi_realloc`
//! may grow it.
//!
//! Two rewrites of the instruction stream keep the glue small: a
//! variant's discriminant is stored once, from a `match` that maps cases
//! to numbers ([`FnGen::lower_tagged`]); and a record that the world's
//! results lower in more than one place gets a function of its own
//! ([`shared_records`]), which the glue calls where the instructions
//! would lower it inline ([`Capture`]).

use anyhow::{Result, bail};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};
use wit_bindgen_core::abi::{self, AbiVariant, Bindgen, Bitcast, Instruction, LiftLower, WasmType};

use super::types::{self, Pos, Render};
use super::{World, names, owner};
use crate::wit_parser::{Function, Handle, Resolve, SizeAlign, Type, TypeDefKind, TypeId};

/// The glue functions of interface `iface`, and the element readers their
/// list arguments need.
pub fn functions(w: &World, iface: usize) -> Result<TokenStream> {
    let mut out = Vec::new();
    let mut lifts: Vec<(Type, Ident)> = Vec::new();
    for f in w.functions(iface) {
        out.push(function(w, iface, f, &mut lifts)?);
    }
    for r in w.resources.iter().filter(|r| r.interface == iface) {
        out.push(drop(w, r));
    }
    let resolve = w.resolve;
    for id in resolve.interfaces[w.interfaces[iface].id].types.values() {
        if w.shared.contains(id) {
            out.push(lower_fn(w, iface, *id, &mut lifts)?);
        }
    }
    // Element readers may ask for more readers (none do today: nested
    // lists are refused by the type checks), so loop until done.
    let mut done = 0;
    while done < lifts.len() {
        let (ty, name) = lifts[done].clone();
        out.push(lift_fn(w, iface, &ty, &name, &mut lifts)?);
        done += 1;
    }
    Ok(quote!(#(#out)*))
}

/// The generics every glue function has: the host, the guest, the tables'
/// capacities.
fn generics(w: &World) -> (TokenStream, TokenStream) {
    let caps = w.capacities(None);
    let tables = w.tables_type();
    let rt = &w.rt;
    (
        quote!(<H: super::Host, G: #rt::Guest<#tables> + ?Sized, #(#caps),*>),
        tables,
    )
}

fn drop(w: &World, r: &super::Resource) -> TokenStream {
    let (generics, _) = generics(w);
    let method = format_ident!("{}_drop", names::snake(&r.name));
    let glue = names::glue(&method.to_string());
    let field = &r.field;
    let iface = &w.interfaces[r.interface];
    let m = &iface.module;
    let t = &iface.trait_name;
    let doc = format!(
        " `[resource-drop]{}`: removes the handle from its table (a forged, dropped or lent handle is an error) and passes the resource to the firmware.",
        r.name
    );
    quote! {
        #[doc = #doc]
        pub fn #glue #generics(host: &mut H, guest: &mut G, arg0: i32) -> Result<(), rt::Error> {
            let rep = guest.tables().#field.remove(arg0 as u32)?;
            <H as super::#m::#t>::#method(host, rep)
        }
    }
}

/// The size and alignment of the area that import `f`'s result is
/// written to, when it goes through a return pointer (its last argument)
/// rather than a core result.
pub fn return_area(w: &World, f: &Function) -> Option<(usize, u32)> {
    let ty = f.result.as_ref()?;
    let sig = w.resolve.wasm_signature(AbiVariant::GuestImport, f);
    sig.retptr.then(|| {
        (
            w.sizes.size(ty).size_wasm32(),
            w.sizes.align(ty).align_wasm32() as u32,
        )
    })
}

/// The glue of one function.
fn function(
    w: &World,
    iface: usize,
    f: &Function,
    lifts: &mut Vec<(Type, Ident)>,
) -> Result<TokenStream> {
    types::method_signature(w, iface, f)?;
    let sig = w.resolve.wasm_signature(AbiVariant::GuestImport, f);
    let item = format!("function `{}` of `{}`", f.name, w.interfaces[iface].import);
    let method = Ident::new(&names::method(f), Span::call_site());
    let shared = types::shared_borrows(w, f)?;
    let mut fg = FnGen::new(w, iface, Some(method.clone()), lifts, false);
    fg.shared.clone_from(&shared);
    // A result that does not fit in a core result goes to the return
    // pointer, the last argument: checked right after the call where
    // lowering calls `cabi_realloc` (as the canonical ABI checks it before
    // it stores anything), built in `__ret`, written once by the caller.
    if let (Some(ty), Some((size, align))) = (&f.result, return_area(w, f)) {
        fg.ret_area = Some(RetArea {
            arg: format_ident!("arg{}", sig.params.len().saturating_sub(1)),
            size,
            align,
            allocates: types::allocates(w, ty),
        });
    }
    render(w, f, &mut fg, &item)?;
    let mut body = std::mem::take(&mut fg.blocks[0]);
    // When the only thing read of the guest before the call is one
    // borrowed handle, it is looked up by a call of the generated
    // `lookup_*` (which borrows the guest until the call) rather than
    // inline from `Guest::parts`: smaller, at some thirty imports.
    let text = quote!(#(#body)*).to_string();
    if !text.contains("__mem")
        && text.matches("__tables").count() == 1
        && text.contains("__tables . ")
        && text.matches(". get_mut (").count() == 1
    {
        let ret_area = fg.ret_area.take();
        fg = FnGen::new(w, iface, Some(method), fg.lifts, false);
        fg.ret_area = ret_area;
        fg.shared = shared;
        fg.lookup_by_call = true;
        render(w, f, &mut fg, &item)?;
        body = std::mem::take(&mut fg.blocks[0]);
    }
    let result = fg.result.take().unwrap_or_else(|| quote!(()));
    let text = quote!(#(#body)*).to_string();
    let parts = if text.contains("__mem") || text.contains("__tables") {
        quote!(let (__mem, __tables) = guest.parts();)
    } else {
        quote!()
    };
    let params: Vec<TokenStream> = sig
        .params
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let a = format_ident!("arg{i}");
            let t = super::core_type(*t);
            quote!(#a: #t)
        })
        .collect();
    let ret = match sig.results.as_slice() {
        [] => quote!(()),
        [t] => super::core_type(*t),
        _ => bail!("{item}: more than one core result"),
    };
    // The caller writes `__ret` into the guest (one write in `dispatch`
    // for every import, rather than one in each import's glue).
    let area = match &fg.ret_area {
        Some(RetArea { size, .. }) => {
            if fg.extents.get("__ret").is_some_and(|end| end > size) {
                bail!("{item}: a store past the end of the return area");
            }
            let size = Literal::usize_unsuffixed(*size);
            quote!(__ret: &mut [u8; #size])
        }
        None => quote!(),
    };
    let (generics, _) = generics(w);
    let glue = names::glue(&names::method(f));
    let doc = if fg.ret_area.is_some() {
        format!(
            " `{}`: lifts the arguments, calls the firmware, lowers the result into `__ret`, which the caller then writes into the guest at the return pointer, the last argument.",
            f.name
        )
    } else {
        format!(
            " `{}`: lifts the arguments, calls the firmware, lowers the result.",
            f.name
        )
    };
    Ok(quote! {
        #[doc = #doc]
        pub fn #glue #generics(host: &mut H, guest: &mut G, #(#params,)* #area) -> Result<#ret, rt::Error> {
            #parts
            #(#body)*
            Ok(#result)
        }
    })
}

/// The records that get a lowering function of their own
/// (`lower_<record>`), called where the glue lowers one into an area (a
/// return area, a list element) rather than lowered inline at each place:
/// those that the world's imports lower in more than one place (counting a
/// record inside a shared record once), such as `sensor-info`, both the
/// result of `sensor.info` and the element of `list-sensors`' list. A
/// record that holds a resource, or whose interface is not imported or is
/// another shim's (`--with`: its lowering functions are that shim's), is
/// lowered inline everywhere; so is a shared one where it is lowered to
/// core values (a one-field record as a result of its own).
pub fn shared_records(w: &World) -> std::collections::HashSet<TypeId> {
    fn count(resolve: &Resolve, ty: &Type, seen: &mut std::collections::HashMap<TypeId, usize>) {
        let Type::Id(id) = ty else {
            return;
        };
        let walk = |tys: Vec<&Type>, seen: &mut std::collections::HashMap<TypeId, usize>| {
            for t in tys {
                count(resolve, t, seen);
            }
        };
        match &resolve.types[*id].kind {
            TypeDefKind::Record(r) => {
                let n = seen.entry(*id).or_default();
                *n += 1;
                if *n == 1 {
                    walk(r.fields.iter().map(|f| &f.ty).collect(), seen);
                }
            }
            TypeDefKind::Tuple(t) => walk(t.types.iter().collect(), seen),
            TypeDefKind::Variant(v) => {
                walk(v.cases.iter().filter_map(|c| c.ty.as_ref()).collect(), seen)
            }
            TypeDefKind::Result(r) => walk(r.ok.iter().chain(r.err.iter()).collect(), seen),
            TypeDefKind::Option(t)
            | TypeDefKind::Type(t)
            | TypeDefKind::List(t)
            | TypeDefKind::FixedLengthList(t, _) => count(resolve, t, seen),
            _ => {}
        }
    }
    let mut seen = std::collections::HashMap::new();
    for i in 0..w.interfaces.len() {
        for f in w.functions(i) {
            // Only results that go into memory: one lowered to a core
            // value holds no record that a function could write.
            if let (Some(ty), Some(_)) = (&f.result, return_area(w, f)) {
                count(w.resolve, ty, &mut seen);
            }
        }
    }
    seen.into_iter()
        .filter(|(id, n)| {
            *n > 1
                && !types::handle_inside(w, &Type::Id(*id))
                && super::owner(w.resolve, *id)
                    .is_some_and(|o| w.interfaces.iter().any(|i| i.id == o && i.mapped.is_none()))
        })
        .map(|(id, _)| id)
        .collect()
}

/// The name of record `id`'s lowering function.
fn lower_name(w: &World, id: TypeId) -> Ident {
    format_ident!(
        "lower_{}",
        names::snake(w.resolve.types[id].name.as_deref().unwrap_or("record"))
    )
}

/// The path of record `id`'s lowering function, from an interface module.
fn lower_path(w: &World, id: TypeId) -> TokenStream {
    let owner = super::owner(w.resolve, id)
        .and_then(|o| w.interfaces.iter().find(|i| i.id == o))
        .map(|i| i.module.clone());
    let name = lower_name(w, id);
    quote!(super::#owner::#name)
}

/// The lowering function of shared record `id` (see [`shared_records`]):
/// writes the record into `__ret`, its canonical-ABI layout, asking the
/// guest for memory for its strings and lists.
fn lower_fn(
    w: &World,
    iface: usize,
    id: TypeId,
    lifts: &mut Vec<(Type, Ident)>,
) -> Result<TokenStream> {
    let ty = Type::Id(id);
    let wit_name = w.resolve.types[id].name.clone().unwrap_or_default();
    let mut render = Render {
        w,
        iface,
        on: quote!(H),
        lt: quote!('_),
        item: format!(
            "the record `{wit_name}` of `{}`",
            w.interfaces[iface].import
        ),
        uses: Vec::new(),
        shared: Vec::new(),
    };
    let value_ty = render.ty(&ty, Pos::Result)?;
    let item = render.item.clone();
    let size = w.sizes.size(&ty).size_wasm32();
    let mut fg = FnGen::new(w, iface, None, lifts, false);
    fg.own = Some(id);
    fg.ret_area = Some(RetArea {
        arg: format_ident!("__at"),
        size,
        align: w.sizes.align(&ty).align_wasm32() as u32,
        allocates: types::allocates(w, &ty),
    });
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        abi::lower_to_memory(w.resolve, &mut fg, quote!(__at), quote!(v), &ty)
    }));
    if run.is_err() {
        bail!("{item}: the host shim cannot write this type into memory");
    }
    if let Some(e) = fg.error.take() {
        bail!("{item}: {e}");
    }
    fg.check_closed(&item)?;
    if fg.extents.get("__ret").is_some_and(|end| *end > size) {
        bail!("{item}: a store past the end of the record");
    }
    let body = std::mem::take(&mut fg.blocks[0]);
    let (generics, _) = generics(w);
    let name = lower_name(w, id);
    let size = Literal::usize_unsuffixed(size);
    let doc = format!(
        " Writes a `{wit_name}` into `__ret`, in its canonical-ABI layout, asking the guest for memory for its strings and lists: the glue calls this wherever it lowers one into an area."
    );
    Ok(quote! {
        #[doc = #doc]
        pub fn #name #generics(guest: &mut G, v: #value_ty, __ret: &mut [u8; #size]) -> Result<(), rt::Error> {
            #(#body)*
            Ok(())
        }
    })
}

/// Runs wit-bindgen-core's instructions for import `f` through `fg`.
fn render(w: &World, f: &Function, fg: &mut FnGen, item: &str) -> Result<()> {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        abi::call(
            w.resolve,
            AbiVariant::GuestImport,
            LiftLower::LiftArgsLowerResults,
            f,
            fg,
            false,
        )
    }));
    if run.is_err() {
        bail!("{item}: the host shim cannot generate glue for this function");
    }
    if let Some(e) = fg.error.take() {
        bail!("{item}: {e}");
    }
    fg.check_closed(item)
}

/// A reader of one list element from guest memory, for `List`.
fn lift_fn(
    w: &World,
    iface: usize,
    ty: &Type,
    name: &Ident,
    lifts: &mut Vec<(Type, Ident)>,
) -> Result<TokenStream> {
    let mut render = Render {
        w,
        iface,
        on: quote!(H),
        lt: quote!('m),
        item: format!("a list element of `{}`", w.interfaces[iface].import),
        uses: Vec::new(),
        shared: Vec::new(),
    };
    let elem = render.ty(ty, Pos::Field)?;
    let item = render.item.clone();
    let mut fg = FnGen::new(w, iface, None, lifts, true);
    let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        abi::lift_from_memory(w.resolve, &mut fg, quote!(base), ty)
    }));
    let Ok(value) = value else {
        bail!("{item}: the host shim cannot read this type from memory");
    };
    if let Some(e) = fg.error.take() {
        bail!("{item}: {e}");
    }
    let body = std::mem::take(&mut fg.blocks[0]);
    Ok(quote! {
        fn #name<'m>(__mem: &'m [u8], base: u32) -> Result<#elem, rt::Error> {
            let base = base as i32;
            #(#body)*
            Ok(#value)
        }
    })
}

/// Renders one function's instruction stream.
struct FnGen<'w, 'a, 'l> {
    w: &'w World<'a>,
    iface: usize,
    /// The trait method called (none in an element reader).
    method: Option<Ident>,
    /// Statement lists: the body, then one per open block.
    blocks: Vec<Vec<TokenStream>>,
    /// Finished blocks, waiting for the instruction that uses them.
    finished: Vec<(Vec<TokenStream>, Vec<TokenStream>)>,
    payloads: Vec<Ident>,
    tmp: usize,
    error: Option<String>,
    result: Option<TokenStream>,
    lifts: &'l mut Vec<(Type, Ident)>,
    in_lift_fn: bool,
    /// The return pointer, when the result goes through one: its stores go
    /// to the area `__ret`.
    ret_area: Option<RetArea>,
    /// Per area (`__ret`, `__eN`), the end of its furthest store, to check
    /// against the area's size.
    extents: std::collections::HashMap<String, usize>,
    /// The stores into an area, by the statement that makes them, so that
    /// lowering a variant can find the store of its discriminant.
    area_stores: std::collections::HashMap<String, AreaStore>,
    /// Whether a borrowed handle is looked up by the generated
    /// `lookup_*` function (which borrows the whole guest until the call)
    /// rather than in `__tables` (see [`function`]).
    lookup_by_call: bool,
    /// The resources whose borrows are looked up shared (`Table::get`),
    /// as the trait method takes them (`&`): those the function borrows
    /// more than once (`types::shared_borrows`).
    shared: Vec<TypeId>,
    /// The record this is the lowering function of, if it is one (its
    /// own lowering is not replaced by a call to itself).
    own: Option<TypeId>,
    /// A shared record's lowering being set aside, to be replaced by a
    /// call to its function (see [`FnGen::capture`]).
    capture: Option<Capture>,
}

/// The lowering of a record that has a function of its own
/// ([`shared_records`]), while wit-bindgen-core's instructions for it
/// come in: its statements go to a block of their own, to be replaced by
/// one call once its last field is stored.
struct Capture {
    id: TypeId,
    /// The record's value, bound before the block.
    value: TokenStream,
    /// `blocks.len()` with the capture's block on top.
    depth: usize,
    /// The values derived from the record's fields not yet used by
    /// another instruction (by their tokens): when none is left, every
    /// field has been stored.
    live: std::collections::HashSet<String>,
    /// Where the record's own stores went: the address and the lowest
    /// offset. That is the record's start: its first field is at offset
    /// 0 of it, and whatever its type (a scalar, a string's or list's
    /// pointer, a variant's discriminant, a nested record's first field),
    /// lowering it stores something there; a zero-size field shares its
    /// offset with the next.
    at: Option<(TokenStream, usize)>,
    /// Whether the stores went to more than one address: then the record
    /// is lowered inline after all.
    inline: bool,
}

/// A store into an area on the host's stack (see [`FnGen::store`]).
#[derive(Clone, PartialEq)]
struct AreaStore {
    area: String,
    offset: usize,
    ty: String,
    /// The value stored, as tokens.
    value: String,
}

/// A function's return pointer and the size and alignment of its result.
struct RetArea {
    /// The argument that holds it (`argN`, the last).
    arg: Ident,
    size: usize,
    align: u32,
    /// Whether lowering the result calls the guest's `cabi_realloc`.
    allocates: bool,
}

impl<'w, 'a, 'l> FnGen<'w, 'a, 'l> {
    fn new(
        w: &'w World<'a>,
        iface: usize,
        method: Option<Ident>,
        lifts: &'l mut Vec<(Type, Ident)>,
        in_lift_fn: bool,
    ) -> Self {
        FnGen {
            w,
            iface,
            method,
            blocks: vec![Vec::new()],
            finished: Vec::new(),
            payloads: Vec::new(),
            tmp: 0,
            error: None,
            result: None,
            lifts,
            in_lift_fn,
            ret_area: None,
            extents: std::collections::HashMap::new(),
            area_stores: std::collections::HashMap::new(),
            own: None,
            capture: None,
            lookup_by_call: false,
            shared: Vec::new(),
        }
    }

    fn fresh(&mut self, prefix: &str) -> Ident {
        self.tmp += 1;
        format_ident!("{prefix}{}", self.tmp)
    }

    fn stmt(&mut self, s: TokenStream) {
        self.blocks.last_mut().expect("a block").push(s);
    }

    /// Binds `expr` to a fresh local and returns it.
    fn bind(&mut self, expr: TokenStream) -> TokenStream {
        let t = self.fresh("t");
        self.stmt(quote!(let #t = #expr;));
        quote!(#t)
    }

    fn fail(&mut self, why: String) {
        if self.error.is_none() {
            self.error = Some(why);
        }
    }

    fn blocks(&mut self, n: usize) -> Vec<(Vec<TokenStream>, Vec<TokenStream>)> {
        let at = self.finished.len().saturating_sub(n);
        self.finished.split_off(at)
    }

    /// The Rust path of a named type, from inside an interface module.
    fn path(&mut self, id: TypeId) -> TokenStream {
        let resolve = self.w.resolve;
        let name = resolve.types[id].name.clone().unwrap_or_default();
        let module = owner(resolve, id)
            .and_then(|i| self.w.interfaces.iter().find(|x| x.id == i))
            .map(|i| i.module.clone());
        match module {
            Some(m) => {
                let ident = names::upper_ident(&name);
                quote!(super::#m::#ident)
            }
            None => {
                self.fail(format!("the type `{name}` is not in an imported interface"));
                quote!(())
            }
        }
    }

    fn table(&mut self, h: &Handle) -> TokenStream {
        let (Handle::Own(r) | Handle::Borrow(r)) = h;
        match self.w.resource(*r) {
            Ok(r) => r.access(),
            Err(e) => {
                self.fail(e.to_string());
                quote!(missing)
            }
        }
    }

    /// The reader of a list element type, asked for once.
    fn lift_of(&mut self, ty: &Type) -> Ident {
        if let Some((_, name)) = self.lifts.iter().find(|(t, _)| t == ty) {
            return name.clone();
        }
        let base = match ty {
            Type::Id(id) => self.w.resolve.types[*id]
                .name
                .as_deref()
                .map(names::snake)
                .unwrap_or_else(|| "element".into()),
            _ => "element".into(),
        };
        let name = if self.lifts.iter().any(|(_, i)| *i == format!("lift_{base}")) {
            format_ident!("lift_{base}_{}", self.lifts.len())
        } else {
            format_ident!("lift_{base}")
        };
        self.lifts.push((*ty, name.clone()));
        name
    }

    fn trait_call(&mut self, operands: &[TokenStream]) -> TokenStream {
        let iface = &self.w.interfaces[self.iface];
        let m = &iface.module;
        let t = &iface.trait_name;
        let Some(method) = self.method.clone() else {
            self.fail("a call outside a function".into());
            return quote!(());
        };
        quote!(<H as super::#m::#t>::#method(host, #(#operands),*)?)
    }
}

fn off(o: wit_bindgen_core::wit_parser::ArchitectureSize) -> Literal {
    Literal::u32_unsuffixed(o.size_wasm32() as u32)
}

fn cast(c: &Bitcast, x: &TokenStream) -> TokenStream {
    match c {
        Bitcast::None => quote!(#x),
        Bitcast::F32ToI32 => quote!(((#x).to_bits() as i32)),
        Bitcast::F64ToI64 => quote!(((#x).to_bits() as i64)),
        Bitcast::I32ToI64 | Bitcast::PToP64 | Bitcast::LToI64 => quote!((i64::from(#x))),
        Bitcast::F32ToI64 => quote!((i64::from((#x).to_bits()))),
        Bitcast::I32ToF32 => quote!((f32::from_bits((#x) as u32))),
        Bitcast::I64ToF64 => quote!((f64::from_bits((#x) as u64))),
        Bitcast::I64ToI32 | Bitcast::P64ToP | Bitcast::I64ToL => quote!(((#x) as i32)),
        Bitcast::I64ToF32 => quote!((f32::from_bits((#x) as u32))),
        Bitcast::P64ToI64
        | Bitcast::I64ToP64
        | Bitcast::I32ToP
        | Bitcast::PToI32
        | Bitcast::PToL
        | Bitcast::LToP
        | Bitcast::I32ToL
        | Bitcast::LToI32 => quote!(#x),
        Bitcast::Sequence(seq) => {
            let [a, b] = &**seq;
            let inner = cast(a, x);
            cast(b, &inner)
        }
    }
}

impl Bindgen for FnGen<'_, '_, '_> {
    type Operand = TokenStream;

    fn emit(
        &mut self,
        resolve: &Resolve,
        inst: &Instruction<'_>,
        operands: &mut Vec<TokenStream>,
        results: &mut Vec<TokenStream>,
    ) {
        if let Instruction::RecordLower { ty, .. } = inst
            && self.capture.is_none()
            && self.own != Some(*ty)
            && self.w.shared.contains(ty)
        {
            let value = self.bind(operands[0].clone());
            self.blocks.push(Vec::new());
            self.capture = Some(Capture {
                id: *ty,
                value: value.clone(),
                depth: self.blocks.len(),
                live: Default::default(),
                at: None,
                inline: false,
            });
            operands[0] = value;
            self.emit_one(resolve, inst, operands, results);
            if let Some(c) = &mut self.capture {
                c.live.extend(results.iter().map(|r| r.to_string()));
            }
            return self.end_capture();
        }
        // Every operand that derives from the record is used up here (no
        // short circuit: each must leave `live`).
        let mut derived = false;
        if let Some(c) = &mut self.capture {
            for o in operands.iter() {
                derived |= c.live.remove(&o.to_string());
            }
        }
        self.emit_one(resolve, inst, operands, results);
        if derived {
            if let Some(c) = &mut self.capture {
                c.live.extend(results.iter().map(|r| r.to_string()));
            }
            self.end_capture();
        }
    }

    fn return_pointer(
        &mut self,
        _size: wit_bindgen_core::wit_parser::ArchitectureSize,
        _align: wit_bindgen_core::wit_parser::Alignment,
    ) -> TokenStream {
        self.fail("a return area allocated by the host".into());
        quote!(0i32)
    }

    fn push_block(&mut self) {
        self.blocks.push(Vec::new());
    }

    fn finish_block(&mut self, operands: &mut Vec<TokenStream>) {
        let body = self.blocks.pop().unwrap_or_default();
        self.finished.push((body, std::mem::take(operands)));
    }

    fn sizes(&self) -> &SizeAlign {
        &self.w.sizes
    }

    fn is_list_canonical(&self, _resolve: &Resolve, element: &Type) -> bool {
        // Only bytes are the same in guest memory and in Rust without
        // copying; everything else is lifted element by element.
        matches!(element, Type::U8)
    }
}

impl FnGen<'_, '_, '_> {
    /// Renders one instruction.
    fn emit_one(
        &mut self,
        resolve: &Resolve,
        inst: &Instruction<'_>,
        operands: &mut [TokenStream],
        results: &mut Vec<TokenStream>,
    ) {
        use Instruction as I;
        let op = |i: usize| operands[i].clone();
        match inst {
            I::GetArg { nth } => {
                let a = format_ident!("arg{nth}");
                results.push(quote!(#a));
            }
            I::I32Const { val } => {
                let v = Literal::i32_suffixed(*val);
                results.push(quote!(#v));
            }
            I::Bitcasts { casts } => {
                for (c, x) in casts.iter().zip(operands.iter()) {
                    results.push(cast(c, x));
                }
            }
            I::ConstZero { tys } => {
                for t in tys.iter() {
                    results.push(match t {
                        WasmType::I32 | WasmType::Pointer | WasmType::Length => quote!(0i32),
                        WasmType::I64 | WasmType::PointerOrI64 => quote!(0i64),
                        WasmType::F32 => quote!(0f32),
                        WasmType::F64 => quote!(0f64),
                    });
                }
            }

            // Loads happen while lifting, before the call: through `__mem`.
            I::I32Load { offset } | I::PointerLoad { offset } | I::LengthLoad { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(
                    self.bind(quote!(rt::memory::load_u32(&*__mem, (#a) as u32, #o)? as i32)),
                );
            }
            I::I32Load8U { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(
                    self.bind(quote!(i32::from(rt::memory::load_u8(&*__mem, (#a) as u32, #o)?))),
                );
            }
            I::I32Load8S { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(
                    self.bind(
                        quote!(i32::from(rt::memory::load_u8(&*__mem, (#a) as u32, #o)? as i8)),
                    ),
                );
            }
            I::I32Load16U { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(
                    self.bind(quote!(i32::from(rt::memory::load_u16(&*__mem, (#a) as u32, #o)?))),
                );
            }
            I::I32Load16S { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(self.bind(
                    quote!(i32::from(rt::memory::load_u16(&*__mem, (#a) as u32, #o)? as i16)),
                ));
            }
            I::I64Load { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(
                    self.bind(quote!(rt::memory::load_u64(&*__mem, (#a) as u32, #o)? as i64)),
                );
            }
            I::F32Load { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(self.bind(quote!(rt::memory::load_f32(&*__mem, (#a) as u32, #o)?)));
            }
            I::F64Load { offset } => {
                let (a, o) = (op(0), off(*offset));
                results.push(self.bind(quote!(rt::memory::load_f64(&*__mem, (#a) as u32, #o)?)));
            }

            // Stores happen while lowering, after the call: into the area
            // being built on the host's stack when the address is the
            // return pointer or a list element (see `area`), else straight
            // into guest memory, which is asked for again each time.
            I::I32Store { offset } | I::PointerStore { offset } | I::LengthStore { offset } => {
                let v = op(0);
                self.store("u32", quote!((#v) as u32), &op(1), *offset);
            }
            I::I32Store8 { offset } => {
                let v = op(0);
                self.store("u8", quote!((#v) as u8), &op(1), *offset);
            }
            I::I32Store16 { offset } => {
                let v = op(0);
                self.store("u16", quote!((#v) as u16), &op(1), *offset);
            }
            I::I64Store { offset } => {
                let v = op(0);
                self.store("u64", quote!((#v) as u64), &op(1), *offset);
            }
            I::F32Store { offset } => self.store("f32", op(0), &op(1), *offset),
            I::F64Store { offset } => self.store("f64", op(0), &op(1), *offset),

            // Numbers.
            I::I32FromChar => {
                let x = op(0);
                results.push(quote!((u32::from(#x) as i32)));
            }
            I::I64FromU64 => {
                let x = op(0);
                results.push(quote!(((#x) as i64)));
            }
            I::I32FromU32 => {
                let x = op(0);
                results.push(quote!(((#x) as i32)));
            }
            I::I64FromS64
            | I::I32FromS32
            | I::CoreF32FromF32
            | I::CoreF64FromF64
            | I::S32FromI32
            | I::S64FromI64
            | I::F32FromCoreF32
            | I::F64FromCoreF64 => results.push(op(0)),
            I::I32FromU16 | I::I32FromS16 | I::I32FromU8 | I::I32FromS8 | I::I32FromBool => {
                let x = op(0);
                results.push(quote!((i32::from(#x))));
            }
            I::S8FromI32 => {
                let x = op(0);
                results.push(quote!(((#x) as i8)));
            }
            I::U8FromI32 => {
                let x = op(0);
                results.push(quote!(((#x) as u8)));
            }
            I::S16FromI32 => {
                let x = op(0);
                results.push(quote!(((#x) as i16)));
            }
            I::U16FromI32 => {
                let x = op(0);
                results.push(quote!(((#x) as u16)));
            }
            I::U32FromI32 => {
                let x = op(0);
                results.push(quote!(((#x) as u32)));
            }
            I::U64FromI64 => {
                let x = op(0);
                results.push(quote!(((#x) as u64)));
            }
            I::CharFromI32 => {
                let x = op(0);
                results.push(self.bind(quote!(rt::memory::lift_char((#x) as u32)?)));
            }
            I::BoolFromI32 => {
                let x = op(0);
                results.push(quote!(((#x) != 0)));
            }

            // Strings and lists.
            I::StringLift => {
                let (p, l) = (op(0), op(1));
                results.push(
                    self.bind(quote!(rt::memory::read_str(&*__mem, (#p) as u32, (#l) as u32)?)),
                );
            }
            I::ListCanonLift { .. } => {
                let (p, l) = (op(0), op(1));
                results.push(
                    self.bind(quote!(rt::memory::read_bytes(&*__mem, (#p) as u32, (#l) as u32)?)),
                );
            }
            I::StringLower { .. } | I::ListCanonLower { .. } => {
                let x = op(0);
                let bytes = if matches!(inst, I::StringLower { .. }) {
                    quote!((#x).as_bytes())
                } else {
                    quote!((#x))
                };
                let data = self.bind(bytes);
                let ptr = self.bind(quote!(rt::guest::lower_bytes(guest, #data)?));
                results.push(quote!(((#ptr) as i32)));
                results.push(quote!(((#data).len() as i32)));
            }
            I::ListLift { element, .. } => {
                let _ = self.blocks(1);
                let (p, l) = (op(0), op(1));
                if self.in_lift_fn {
                    self.fail(
                        "a list inside a list element is not supported by the host shim".into(),
                    );
                    results.push(quote!(()));
                    return;
                }
                let borrowed = match element {
                    Type::Id(id) => match &resolve.types[*id].kind {
                        TypeDefKind::Handle(h @ Handle::Borrow(_)) => Some(*h),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(h) = borrowed {
                    let table = self.table(&h);
                    results.push(self.bind(quote!(rt::Handles::new(&*__mem, (#p) as u32, (#l) as u32, &__tables.#table)?)));
                } else {
                    let sizes = &self.w.sizes;
                    let size = Literal::u32_unsuffixed(sizes.size(element).size_wasm32() as u32);
                    let align = Literal::u32_unsuffixed(sizes.align(element).align_wasm32() as u32);
                    let lift = self.lift_of(element);
                    results.push(self.bind(quote!(rt::List::new(&*__mem, (#p) as u32, (#l) as u32, #size, #align, #lift)?)));
                }
            }
            I::ListLower { element, .. } => {
                let depth = self.blocks.len() + 1;
                let blocks = self.blocks(1);
                let Some((body, _)) = blocks.into_iter().next() else {
                    self.fail("a list without its element block".into());
                    results.extend([quote!(0i32), quote!(0i32)]);
                    return;
                };
                let sizes = &self.w.sizes;
                let elem_size = sizes.size(element).size_wasm32();
                let size = Literal::u32_unsuffixed(elem_size as u32);
                let align = Literal::u32_unsuffixed(sizes.align(element).align_wasm32() as u32);
                if self
                    .extents
                    .remove(&format!("__e{depth}"))
                    .is_some_and(|end| end > elem_size)
                {
                    self.fail("a store past the end of a list element".into());
                }
                let list = self.bind(op(0));
                let ptr = self.bind(quote!(rt::guest::alloc(guest, (#list).len(), #size, #align)?));
                let e = format_ident!("e{depth}");
                let base = format_ident!("base{depth}");
                let i = format_ident!("i{depth}");
                let area = format_ident!("__e{depth}");
                self.stmt(quote! {
                    for (#i, #e) in (#list).iter().enumerate() {
                        let #e = *#e;
                        // In range: `alloc` checked ptr + len * size, and
                        // memory only grows.
                        let #base = (#ptr + (#i as u32) * #size) as i32;
                        let mut #area = [0u8; #size];
                        #(#body)*
                        rt::guest::write(guest, #base as u32, #align, &#area)?;
                    }
                });
                results.push(quote!(((#ptr) as i32)));
                results.push(quote!(((#list).len() as i32)));
            }
            I::IterElem { .. } => {
                let e = format_ident!("e{}", self.blocks.len());
                results.push(quote!(#e));
            }
            I::IterBasePointer => {
                let b = format_ident!("base{}", self.blocks.len());
                results.push(quote!(#b));
            }

            // Records, tuples, flags.
            I::RecordLower { record, .. } => {
                let x = self.bind(op(0));
                for f in &record.fields {
                    let fi = names::value_ident(&f.name);
                    results.push(quote!((#x).#fi));
                }
            }
            I::RecordLift { record, ty, .. } => {
                let path = self.path(*ty);
                let fields: Vec<TokenStream> = record
                    .fields
                    .iter()
                    .zip(operands.iter())
                    .map(|(f, v)| {
                        let fi = names::value_ident(&f.name);
                        quote!(#fi: #v)
                    })
                    .collect();
                results.push(self.bind(quote!(#path { #(#fields),* })));
            }
            I::TupleLower { tuple, .. } => {
                let x = self.bind(op(0));
                for i in 0..tuple.types.len() {
                    let i = syn::Index::from(i);
                    results.push(quote!((#x).#i));
                }
            }
            I::TupleLift { .. } => {
                let ops = operands.to_vec();
                results.push(self.bind(quote!((#(#ops,)*))));
            }
            I::FlagsLower { flags, .. } => {
                if flags.flags.len() > 32 {
                    self.fail("flags with more than 32 members".into());
                }
                let x = op(0);
                results.push(quote!(((#x).bits() as i32)));
            }
            I::FlagsLift { flags, ty, .. } => {
                let path = self.path(*ty);
                let bits = match flags.flags.len() {
                    0..=8 => quote!(u8),
                    9..=16 => quote!(u16),
                    _ => quote!(u32),
                };
                let x = op(0);
                results.push(quote!((#path::from_bits_truncate((#x) as #bits))));
            }

            // Variants, enums, options, results.
            I::VariantPayloadName => {
                let p = self.fresh("p");
                self.payloads.push(p.clone());
                results.push(quote!(#p));
            }
            I::VariantLower {
                variant,
                ty,
                results: rs,
                ..
            } => {
                let path = self.path(*ty);
                let n = variant.cases.len();
                let blocks = self.blocks(n);
                let payloads = self
                    .payloads
                    .split_off(self.payloads.len().saturating_sub(n));
                let x = op(0);
                let cases: Vec<(TokenStream, TokenStream)> = variant
                    .cases
                    .iter()
                    .zip(&payloads)
                    .map(|(c, p)| {
                        let ci = names::upper_ident(&c.name);
                        if c.ty.is_some() {
                            (quote!(#path::#ci(#p)), quote!(#path::#ci(_)))
                        } else {
                            (quote!(#path::#ci), quote!(#path::#ci))
                        }
                    })
                    .collect();
                if rs.is_empty() && self.lower_tagged(&x, &cases, &blocks) {
                    return;
                }
                let arms: Vec<TokenStream> = cases
                    .into_iter()
                    .zip(blocks)
                    .map(|((pat, _), (body, out))| quote!(#pat => { #(#body)* (#(#out,)*) }))
                    .collect();
                self.lower_match(quote!(#x), arms, rs.len(), results);
            }
            I::OptionLower { results: rs, .. } => {
                let blocks = self.blocks(2);
                let payloads = self
                    .payloads
                    .split_off(self.payloads.len().saturating_sub(2));
                let x = op(0);
                let p = &payloads[1];
                let cases = [
                    (quote!(None), quote!(None)),
                    (quote!(Some(#p)), quote!(Some(_))),
                ];
                if rs.is_empty() && self.lower_tagged(&x, &cases, &blocks) {
                    return;
                }
                let pats = [quote!(None), quote!(Some(#p))];
                let arms = pats
                    .into_iter()
                    .zip(blocks)
                    .map(|(pat, (body, out))| quote!(#pat => { #(#body)* (#(#out,)*) }))
                    .collect();
                self.lower_match(x, arms, rs.len(), results);
            }
            I::ResultLower { results: rs, .. } => {
                let blocks = self.blocks(2);
                let payloads = self
                    .payloads
                    .split_off(self.payloads.len().saturating_sub(2));
                let x = op(0);
                let (ok, err) = (&payloads[0], &payloads[1]);
                let cases = [
                    (quote!(Ok(#ok)), quote!(Ok(_))),
                    (quote!(Err(#err)), quote!(Err(_))),
                ];
                if rs.is_empty() && self.lower_tagged(&x, &cases, &blocks) {
                    return;
                }
                let pats = [quote!(Ok(#ok)), quote!(Err(#err))];
                let arms = pats
                    .into_iter()
                    .zip(blocks)
                    .map(|(pat, (body, out))| quote!(#pat => { #(#body)* (#(#out,)*) }))
                    .collect();
                self.lower_match(x, arms, rs.len(), results);
            }
            I::EnumLower { .. } => {
                let x = op(0);
                results.push(quote!(((#x) as i32)));
            }
            I::VariantLift { variant, ty, .. } => {
                let path = self.path(*ty);
                let blocks = self.blocks(variant.cases.len());
                let arms: Vec<TokenStream> = variant
                    .cases
                    .iter()
                    .zip(blocks)
                    .enumerate()
                    .map(|(i, (c, (body, out)))| {
                        let ci = names::upper_ident(&c.name);
                        let i = Literal::u32_unsuffixed(i as u32);
                        let value = match out.first() {
                            Some(v) if c.ty.is_some() => quote!(#path::#ci(#v)),
                            _ => quote!(#path::#ci),
                        };
                        quote!(#i => { #(#body)* #value })
                    })
                    .collect();
                let d = op(0);
                results.push(self.lift_match(d, arms));
            }
            I::EnumLift { enum_, ty, .. } => {
                let path = self.path(*ty);
                let arms: Vec<TokenStream> = enum_
                    .cases
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let ci = names::upper_ident(&c.name);
                        let i = Literal::u32_unsuffixed(i as u32);
                        quote!(#i => #path::#ci)
                    })
                    .collect();
                let d = op(0);
                results.push(self.lift_match(d, arms));
            }
            I::OptionLift { .. } => {
                let blocks = self.blocks(2);
                let mut it = blocks.into_iter();
                let (nb, _) = it.next().unwrap_or_default();
                let (sb, so) = it.next().unwrap_or_default();
                let some = so.first().cloned().unwrap_or_else(|| quote!(()));
                let arms = vec![
                    quote!(0 => { #(#nb)* None }),
                    quote!(1 => { #(#sb)* Some(#some) }),
                ];
                let d = op(0);
                results.push(self.lift_match(d, arms));
            }
            I::ResultLift { .. } => {
                let blocks = self.blocks(2);
                let mut it = blocks.into_iter();
                let (ob, oo) = it.next().unwrap_or_default();
                let (eb, eo) = it.next().unwrap_or_default();
                let ok = oo.first().cloned().unwrap_or_else(|| quote!(()));
                let err = eo.first().cloned().unwrap_or_else(|| quote!(()));
                let arms = vec![
                    quote!(0 => { #(#ob)* Ok(#ok) }),
                    quote!(1 => { #(#eb)* Err(#err) }),
                ];
                let d = op(0);
                results.push(self.lift_match(d, arms));
            }

            // Resources.
            I::HandleLift { handle, .. } => {
                let table = self.table(handle);
                let h = op(0);
                results.push(match handle {
                    Handle::Own(_) => self.bind(quote!(__tables.#table.remove((#h) as u32)?)),
                    Handle::Borrow(r) if self.lookup_by_call => {
                        let tag = self.w.resource(*r).map_or(0, |r| self.w.tag(r));
                        let field = self.w.resource(*r).map(|r| r.field.clone());
                        if let Ok(f) = &field {
                            self.w.lookups.borrow_mut().insert(f.to_string());
                        }
                        let lookup = format_ident!(
                            "lookup_{}",
                            field.map_or_else(|_| "missing".to_string(), |f| f.to_string())
                        );
                        let caps = self.w.capacity_args();
                        self.bind(quote!(
                            super::#lookup::<H, G, #(#caps),*>(guest, (#h) as u32)
                                .ok_or_else(|| rt::handle_error((#h) as u32, #tag))?
                        ))
                    }
                    // Shared where the function borrows this type more
                    // than once: the guest may pass one handle twice.
                    Handle::Borrow(r)
                        if self
                            .w
                            .resource(*r)
                            .is_ok_and(|r| self.shared.contains(&r.id)) =>
                    {
                        self.bind(quote!(__tables.#table.get((#h) as u32)?))
                    }
                    Handle::Borrow(_) => self.bind(quote!(__tables.#table.get_mut((#h) as u32)?)),
                });
            }
            I::HandleLower { handle, .. } => {
                let table = self.table(handle);
                let x = op(0);
                match handle {
                    Handle::Own(_) => {
                        results.push(self.bind(quote!(guest.tables().#table.insert(#x)? as i32)));
                    }
                    Handle::Borrow(_) => {
                        self.fail("a borrowed handle as a result".into());
                        results.push(quote!(0i32));
                    }
                }
            }

            // The call itself.
            I::CallInterface { func, .. } => {
                let call = self.trait_call(operands);
                if func.result.is_some() {
                    let ret = format_ident!("ret");
                    self.stmt(quote!(let #ret = #call;));
                    // The return pointer is checked now, as the canonical ABI
                    // checks it before storing anything, where lowering calls
                    // the guest's `cabi_realloc` (which may grow memory to
                    // cover a bad pointer). Elsewhere nothing the guest can
                    // see happens before the final write's own check, and an
                    // early one would only cost flash (about 14 bytes an
                    // import). A handle put in a table for a guest that then
                    // traps is left there, as every handle of a trapped
                    // guest is.
                    if let Some(r) = self.ret_area.as_ref().filter(|r| r.allocates) {
                        let (arg, size) = (&r.arg, Literal::u32_unsuffixed(r.size as u32));
                        let align = Literal::u32_unsuffixed(r.align);
                        self.stmt(quote!(rt::guest::check(guest, (#arg) as u32, #align, #size)?;));
                    }
                    results.push(quote!(#ret));
                } else {
                    self.stmt(quote!(#call;));
                }
            }
            I::Return { amt, .. } => {
                if *amt > 0 {
                    self.result = Some(op(0));
                }
            }
            I::Flush { .. } => results.extend(operands.iter().cloned()),

            other => {
                self.fail(format!(
                    "the canonical-ABI step {:?} is not supported by the host shim",
                    std::mem::discriminant(other)
                ));
                for _ in 0..other.results_len() {
                    results.push(quote!(()));
                }
            }
        }
    }
}

impl FnGen<'_, '_, '_> {
    /// The area on the host's stack that a store at `address` goes to:
    /// `__ret` for the return pointer, `__eN` for the element of the list
    /// being lowered at depth N (its base is `baseN`).
    fn area(&self, address: &TokenStream) -> Option<Ident> {
        let a = address.to_string();
        if self.ret_area.as_ref().is_some_and(|r| r.arg == a) {
            return Some(format_ident!("__ret"));
        }
        let depth = a.strip_prefix("base")?;
        (!depth.is_empty() && depth.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format_ident!("__e{depth}"))
    }

    /// Ends the capture once every field of its record is stored: the
    /// statements set aside become one call of the record's lowering
    /// function, into the part of the area the record occupies; or, if
    /// the record did not go into an area (it was lowered to core values),
    /// they go back where they were.
    fn end_capture(&mut self) {
        if self.capture.as_ref().is_none_or(|c| !c.live.is_empty()) {
            return;
        }
        let Some(c) = self.capture.take() else {
            return;
        };
        let set_aside = if self.blocks.len() == c.depth {
            self.blocks.pop().unwrap_or_default()
        } else {
            self.fail("a record's lowering ended inside a block".into());
            return;
        };
        let target =
            c.at.as_ref()
                .filter(|_| !c.inline)
                .and_then(|(address, at)| Some((self.area(address)?, *at)));
        let Some((area, at)) = target else {
            self.stmt(quote!(#(#set_aside)*));
            return;
        };
        let size = self.w.sizes.size(&Type::Id(c.id)).size_wasm32();
        // The record's part of the area counts towards the area's extent,
        // which the generator checks against the area's size.
        let end = self.extents.entry(area.to_string()).or_default();
        *end = (*end).max(at + size);
        let size = Literal::usize_unsuffixed(size);
        let at = Literal::usize_unsuffixed(at);
        let place = Self::place(&area);
        let lower = lower_path(self.w, c.id);
        let caps = self.w.capacity_args();
        let value = c.value;
        self.stmt(quote! {
            #lower::<H, G, #(#caps),*>(guest, #value, rt::area::sub::<#at, #size, _>(#place))?;
        });
    }

    /// That every block opened while rendering was closed and every
    /// capture ended: otherwise statements would be left out of the glue.
    fn check_closed(&self, item: &str) -> Result<()> {
        if self.capture.is_some() || self.blocks.len() != 1 {
            bail!("{item}: internal error: a record's lowering did not end where it began");
        }
        Ok(())
    }

    /// How a store names `area`: `__ret` is the caller's, passed as
    /// `&mut`; an element's area is a local array.
    fn place(area: &Ident) -> TokenStream {
        if area == "__ret" {
            quote!(__ret)
        } else {
            quote!(&mut #area)
        }
    }

    /// A store of `value` (already of the Rust type `ty`) at `address +
    /// offset`.
    fn store(
        &mut self,
        ty: &str,
        value: TokenStream,
        address: &TokenStream,
        offset: wit_bindgen_core::wit_parser::ArchitectureSize,
    ) {
        let o = off(offset);
        if let Some(c) = self.capture.as_mut() {
            // The record's own stores, at any depth (a variant field's
            // discriminant and payload are stored inside its cases' blocks),
            // but not those of the elements of a list inside it, whose
            // bases (`baseN`, N deeper than the capture) it makes itself.
            let a = address.to_string();
            let inner = a
                .strip_prefix("base")
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|n| n > c.depth);
            if !inner {
                let at = offset.size_wasm32();
                match &c.at {
                    Some((first, lowest)) if first.to_string() == a => {
                        c.at = Some((first.clone(), at.min(*lowest)));
                    }
                    // Not one place: lowered inline, as without a capture.
                    Some(_) => c.inline = true,
                    None => c.at = Some((address.clone(), at)),
                }
            }
        }
        match self.area(address) {
            Some(area) => {
                let width = match ty {
                    "u8" => 1,
                    "u16" => 2,
                    "u32" | "f32" => 4,
                    _ => 8,
                };
                let end = self.extents.entry(area.to_string()).or_default();
                *end = (*end).max(offset.size_wasm32() + width);
                let put = format_ident!("put_{ty}");
                let place = Self::place(&area);
                let stmt = quote!(rt::area::#put(#place, #o, #value););
                self.area_stores.insert(
                    stmt.to_string(),
                    AreaStore {
                        area: area.to_string(),
                        offset: offset.size_wasm32(),
                        ty: ty.to_string(),
                        value: value.to_string(),
                    },
                );
                self.stmt(stmt);
            }
            None => {
                let store = format_ident!("store_{ty}");
                self.stmt(
                    quote!(rt::memory::#store(guest.memory(), (#address) as u32, #o, #value)?;),
                );
            }
        }
    }

    /// Lowers a variant (or option, or result) into an area when every
    /// case's block begins by storing its own index at one place, as
    /// wit-bindgen-core writes a case: the discriminant is stored once,
    /// from a `match` that only maps cases to numbers (which LLVM turns
    /// into arithmetic or a table, where one arm a case with its own
    /// store took 4 to 8 bytes a case), then the payloads are stored by a
    /// second `match` over only the cases that have something more to
    /// store. `cases` are each case's pattern, binding its payload, and
    /// the same pattern with `_` for the payload. Returns false, having
    /// emitted nothing, when the blocks do not have that shape.
    fn lower_tagged(
        &mut self,
        x: &TokenStream,
        cases: &[(TokenStream, TokenStream)],
        blocks: &[(Vec<TokenStream>, Vec<TokenStream>)],
    ) -> bool {
        if cases.len() < 2 || blocks.iter().any(|(_, out)| !out.is_empty()) {
            return false;
        }
        let store_of = |(body, _): &(Vec<TokenStream>, Vec<TokenStream>)| {
            body.first()
                .and_then(|s| self.area_stores.get(&s.to_string()))
                .cloned()
        };
        let Some(first) = store_of(&blocks[0]) else {
            return false;
        };
        for (i, block) in blocks.iter().enumerate() {
            let tag = Literal::i32_suffixed(i as i32);
            let ty = format_ident!("{}", first.ty);
            let expected = AreaStore {
                value: quote!((#tag) as #ty).to_string(),
                ..first.clone()
            };
            if store_of(block) != Some(expected) {
                return false;
            }
        }
        let (area, ty) = (
            format_ident!("{}", first.area),
            format_ident!("{}", first.ty),
        );
        let place = Self::place(&area);
        let put = format_ident!("put_{}", first.ty);
        let o = Literal::usize_unsuffixed(first.offset);
        let x = self.bind(x.clone());
        let tags = cases.iter().enumerate().map(|(i, (_, wild))| {
            let tag = Literal::i32_suffixed(i as i32);
            quote!(#wild => (#tag) as #ty,)
        });
        self.stmt(quote!(rt::area::#put(#place, #o, match #x { #(#tags)* });));
        let rest: Vec<TokenStream> = cases
            .iter()
            .zip(blocks)
            .filter(|(_, (body, _))| body.len() > 1)
            .map(|((pat, _), (body, _))| {
                let body = &body[1..];
                quote!(#pat => { #(#body)* })
            })
            .collect();
        if rest.len() == cases.len() {
            self.stmt(quote!(match #x { #(#rest)* }));
        } else if !rest.is_empty() {
            self.stmt(quote!(match #x { #(#rest)* _ => {} }));
        }
        true
    }

    /// `let (r0, ...) = match x { arms }`, pushing the results.
    fn lower_match(
        &mut self,
        x: TokenStream,
        arms: Vec<TokenStream>,
        n: usize,
        results: &mut Vec<TokenStream>,
    ) {
        if n == 0 {
            self.stmt(quote!(match #x { #(#arms)* }));
            return;
        }
        let names: Vec<Ident> = (0..n).map(|_| self.fresh("r")).collect();
        self.stmt(quote!(let (#(#names,)*) = match #x { #(#arms)* };));
        results.extend(names.iter().map(|n| quote!(#n)));
    }

    /// A lift by discriminant; an unknown one is an error.
    fn lift_match(&mut self, d: TokenStream, arms: Vec<TokenStream>) -> TokenStream {
        self.bind(quote! {
            match (#d) as u32 {
                #(#arms,)*
                _ => return Err(rt::Error::InvalidDiscriminant),
            }
        })
    }
}
