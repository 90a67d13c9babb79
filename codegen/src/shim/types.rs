//! WIT types as the firmware sees them: type definitions, and the Rust
//! types of trait method parameters and results.
//!
//! Lifted values borrow: a `string` argument is a `&str` into guest memory,
//! a `list<u8>` a `&[u8]`, any other list argument a `List` (lifted element
//! by element) or, of borrowed resources, a `Handles`. Results are borrowed
//! from the firmware (`&str`, `&[T]`), so that a firmware with static
//! tables copies nothing and needs no allocator. Every generated type is
//! `Copy`.

use anyhow::{Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{World, names, owner};
use crate::wit_parser::{Function, FunctionKind, Handle, Type, TypeDefKind, TypeId};

/// Where a type appears, which decides how it is represented.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Pos {
    /// A parameter of a trait method (lifted from the guest).
    Param,
    /// The result of a trait method (lowered into the guest).
    Result,
    /// A field or payload of a named type.
    Field,
}

/// A trait method's parameters and result, and the other interfaces whose
/// resources it names (which become supertraits).
pub struct Signature {
    pub params: Vec<TokenStream>,
    pub result: TokenStream,
    pub uses: Vec<usize>,
}

/// Renders WIT types as Rust from inside interface module `iface`.
pub struct Render<'w, 'a> {
    pub w: &'w World<'a>,
    pub iface: usize,
    /// `Self` inside a trait, `H` in glue.
    pub on: TokenStream,
    /// The lifetime of borrowed data: `'_` in trait methods, `'a` in type
    /// definitions.
    pub lt: TokenStream,
    /// What is being rendered, for errors.
    pub item: String,
    pub uses: Vec<usize>,
    /// The resources whose borrows are shared (`&`) rather than `&mut`:
    /// those the function being rendered borrows more than once (see
    /// [`shared_borrows`]).
    pub shared: Vec<TypeId>,
}

impl Render<'_, '_> {
    /// The firmware's representation of resource `r`: `Self::Pin` in its
    /// own trait, `<Self as super::poll::Poll>::Pollable` in another (which
    /// then needs that trait as a supertrait).
    fn rep(&mut self, r: TypeId) -> Result<TokenStream> {
        let r = self.w.resource(r)?;
        if r.interface != self.iface && !self.uses.contains(&r.interface) {
            self.uses.push(r.interface);
        }
        Ok(
            if r.interface == self.iface && self.on.to_string() == "Self" {
                let a = &r.assoc;
                quote!(Self::#a)
            } else {
                self.w.resource_type(r, &self.on, false)
            },
        )
    }

    pub fn ty(&mut self, t: &Type, pos: Pos) -> Result<TokenStream> {
        let lt = self.lt.clone();
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
            Type::String => quote!(&#lt str),
            Type::ErrorContext => bail!(
                "{}: `error-context` is not supported by the host shim",
                self.item
            ),
            Type::Id(id) => self.id(*id, pos)?,
        })
    }

    fn id(&mut self, id: TypeId, pos: Pos) -> Result<TokenStream> {
        let resolve = self.w.resolve;
        let def = &resolve.types[id];
        if let Some(name) = &def.name
            && !matches!(def.kind, TypeDefKind::Handle(_) | TypeDefKind::Resource)
            && !is_resource_alias(self.w, id)
        {
            if pos == Pos::Param
                && let Some(problem) = param_problem(self.w, &Type::Id(id))
            {
                bail!(
                    "{}: the parameter type `{name}` {problem}; the host shim cannot lift that without an allocator (pass the list as a parameter of its own)",
                    self.item
                );
            }
            if handle_inside(self.w, &Type::Id(id)) {
                bail!(
                    "{}: the type `{name}` holds a resource handle; the host shim supports handles as parameters and results, and inside `option`, `result` and `tuple`, not inside named types",
                    self.item
                );
            }
            let Some(iface) = owner(resolve, id) else {
                bail!(
                    "{}: the type `{name}` is not defined in an interface",
                    self.item
                );
            };
            let Some(m) = self.w.interfaces.iter().find(|i| i.id == iface) else {
                bail!(
                    "{}: the type `{name}` belongs to an interface the world does not import",
                    self.item
                );
            };
            let module = &m.module;
            let ident = names::upper_ident(name);
            let lt = &self.lt;
            return Ok(if needs_lifetime(self.w, &Type::Id(id)) {
                quote!(super::#module::#ident<#lt>)
            } else {
                quote!(super::#module::#ident)
            });
        }
        let lt = self.lt.clone();
        Ok(match &def.kind {
            TypeDefKind::Type(t) => self.ty(t, pos)?,
            TypeDefKind::Handle(h) => {
                if pos == Pos::Field {
                    bail!(
                        "{}: a resource handle inside a list, record or variant is not supported by the host shim",
                        self.item
                    );
                }
                let (Handle::Own(r) | Handle::Borrow(r)) = h;
                let shared = self.shared.contains(&self.w.resource(*r)?.id);
                let rep = self.rep(*r)?;
                match (h, pos) {
                    (Handle::Own(_), _) => rep,
                    (Handle::Borrow(_), Pos::Param) if shared => quote!(&#lt #rep),
                    (Handle::Borrow(_), Pos::Param) => quote!(&#lt mut #rep),
                    (Handle::Borrow(_), _) => bail!(
                        "{}: a borrowed handle as a result is not supported by the host shim",
                        self.item
                    ),
                }
            }
            TypeDefKind::List(elem) => match (elem, pos) {
                (Type::U8, _) => quote!(&#lt [u8]),
                (elem, Pos::Param) => {
                    if let Some(r) = borrowed_resource(self.w, elem) {
                        let rep = self.rep(r)?;
                        quote!(rt::Handles<#lt, #rep>)
                    } else {
                        let e = self.ty(elem, Pos::Field)?;
                        quote!(rt::List<#lt, #e>)
                    }
                }
                (elem, _) => {
                    let e = self.ty(elem, Pos::Field)?;
                    quote!(&#lt [#e])
                }
            },
            TypeDefKind::Option(t) => {
                let t = self.ty(t, pos)?;
                quote!(Option<#t>)
            }
            TypeDefKind::Result(r) => {
                let ok = match &r.ok {
                    Some(t) => self.ty(t, pos)?,
                    None => quote!(()),
                };
                let err = match &r.err {
                    Some(t) => self.ty(t, pos)?,
                    None => quote!(()),
                };
                quote!(Result<#ok, #err>)
            }
            TypeDefKind::Tuple(t) => {
                let mut parts = Vec::new();
                for t in &t.types {
                    parts.push(self.ty(t, pos)?);
                }
                quote!((#(#parts,)*))
            }
            TypeDefKind::Resource => bail!("{}: a bare resource type is not a value", self.item),
            TypeDefKind::Record(_)
            | TypeDefKind::Flags(_)
            | TypeDefKind::Enum(_)
            | TypeDefKind::Variant(_) => {
                bail!("{}: an anonymous record, flags, enum or variant", self.item)
            }
            TypeDefKind::Future(_) => bail!(
                "{}: `future` is not supported by the host shim (it is synchronous)",
                self.item
            ),
            TypeDefKind::Stream(_) => bail!(
                "{}: `stream` is not supported by the host shim (it is synchronous)",
                self.item
            ),
            TypeDefKind::Map(..) => bail!("{}: `map` is not supported by the host shim", self.item),
            TypeDefKind::FixedLengthList(..) => bail!(
                "{}: fixed-length lists are not supported by the host shim",
                self.item
            ),
            TypeDefKind::Unknown => bail!("{}: a type wit-parser did not resolve", self.item),
        })
    }
}

/// Whether `t` is a `use` of a resource from another interface.
fn is_resource_alias(w: &World, id: TypeId) -> bool {
    let mut id = id;
    loop {
        match &w.resolve.types[id].kind {
            TypeDefKind::Type(Type::Id(next)) => id = *next,
            TypeDefKind::Resource => return true,
            _ => return false,
        }
    }
}

/// The resource of a `borrow<R>` element type.
fn borrowed_resource(w: &World, t: &Type) -> Option<TypeId> {
    let Type::Id(id) = t else { return None };
    match &w.resolve.types[*id].kind {
        TypeDefKind::Handle(Handle::Borrow(r)) => Some(*r),
        TypeDefKind::Type(t) => borrowed_resource(w, t),
        _ => None,
    }
}

/// Whether values of `t` borrow data (strings or lists), so that its Rust
/// type has a lifetime.
pub fn needs_lifetime(w: &World, t: &Type) -> bool {
    match t {
        Type::String => true,
        Type::Id(id) => match &w.resolve.types[*id].kind {
            TypeDefKind::List(_) => true,
            TypeDefKind::Type(t) | TypeDefKind::Option(t) => needs_lifetime(w, t),
            TypeDefKind::Record(r) => r.fields.iter().any(|f| needs_lifetime(w, &f.ty)),
            TypeDefKind::Variant(v) => v
                .cases
                .iter()
                .any(|c| c.ty.as_ref().is_some_and(|t| needs_lifetime(w, t))),
            TypeDefKind::Tuple(t) => t.types.iter().any(|t| needs_lifetime(w, t)),
            TypeDefKind::Result(r) => {
                r.ok.as_ref().is_some_and(|t| needs_lifetime(w, t))
                    || r.err.as_ref().is_some_and(|t| needs_lifetime(w, t))
            }
            _ => false,
        },
        _ => false,
    }
}

/// Whether lowering `t` into the guest allocates there (it holds a string
/// or a list), so that the glue calls `cabi_realloc`.
pub fn allocates(w: &World, t: &Type) -> bool {
    needs_lifetime(w, t)
}

/// Why a named type cannot be lifted as a parameter: it holds a list other
/// than `list<u8>`, which only an allocator could turn into a Rust field.
fn param_problem(w: &World, t: &Type) -> Option<String> {
    let Type::Id(id) = t else { return None };
    let def = &w.resolve.types[*id];
    match &def.kind {
        TypeDefKind::List(Type::U8) => None,
        TypeDefKind::List(_) => Some("holds a list of something other than u8".into()),
        TypeDefKind::Type(t) | TypeDefKind::Option(t) => param_problem(w, t),
        TypeDefKind::Record(r) => r.fields.iter().find_map(|f| param_problem(w, &f.ty)),
        TypeDefKind::Variant(v) => v
            .cases
            .iter()
            .find_map(|c| c.ty.as_ref().and_then(|t| param_problem(w, t))),
        TypeDefKind::Tuple(t) => t.types.iter().find_map(|t| param_problem(w, t)),
        TypeDefKind::Result(r) => {
            r.ok.as_ref()
                .and_then(|t| param_problem(w, t))
                .or_else(|| r.err.as_ref().and_then(|t| param_problem(w, t)))
        }
        _ => None,
    }
}

/// Whether a named type holds a resource handle somewhere.
pub fn handle_inside(w: &World, t: &Type) -> bool {
    let Type::Id(id) = t else { return false };
    match &w.resolve.types[*id].kind {
        TypeDefKind::Handle(_) => true,
        TypeDefKind::Type(t) | TypeDefKind::Option(t) | TypeDefKind::List(t) => handle_inside(w, t),
        TypeDefKind::Record(r) => r.fields.iter().any(|f| handle_inside(w, &f.ty)),
        TypeDefKind::Variant(v) => v
            .cases
            .iter()
            .any(|c| c.ty.as_ref().is_some_and(|t| handle_inside(w, t))),
        TypeDefKind::Tuple(t) => t.types.iter().any(|t| handle_inside(w, t)),
        TypeDefKind::Result(r) => {
            r.ok.as_ref().is_some_and(|t| handle_inside(w, t))
                || r.err.as_ref().is_some_and(|t| handle_inside(w, t))
        }
        _ => false,
    }
}

/// The WIT name of a function's parameter as a Rust identifier: a method's
/// `self` is named after its resource.
pub fn param_name(f: &Function, i: usize) -> proc_macro2::Ident {
    let name = &f.params[i].name;
    if i == 0
        && name == "self"
        && let Some((_, rest)) = f.name.split_once(']')
        && let Some((res, _)) = rest.split_once('.')
    {
        return names::value_ident(res);
    }
    names::value_ident(name)
}

/// Checks that the shim supports `f` at all.
pub fn supported(w: &World, iface: usize, f: &Function) -> Result<()> {
    let where_ = format!("function `{}` of `{}`", f.name, w.interfaces[iface].import);
    match f.kind {
        FunctionKind::Freestanding
        | FunctionKind::Method(_)
        | FunctionKind::Static(_)
        | FunctionKind::Constructor(_) => {}
        _ => bail!(
            "{where_}: async functions, getters and setters are not supported by the host shim"
        ),
    }
    // Arguments are lifted in order, and a borrow holds its table until
    // the call: an own handle of the same type lifted after it would take
    // a resource out of a table that is still borrowed.
    fn handles(w: &World, t: &Type, out: &mut Vec<(bool, TypeId)>) -> Result<()> {
        let Type::Id(id) = t else { return Ok(()) };
        match &w.resolve.types[*id].kind {
            TypeDefKind::Handle(Handle::Own(r)) => out.push((true, w.resource(*r)?.id)),
            TypeDefKind::Handle(Handle::Borrow(r)) => out.push((false, w.resource(*r)?.id)),
            TypeDefKind::Type(t) | TypeDefKind::Option(t) | TypeDefKind::List(t) => {
                handles(w, t, out)?
            }
            TypeDefKind::Tuple(t) => {
                for t in &t.types {
                    handles(w, t, out)?;
                }
            }
            TypeDefKind::Result(r) => {
                for t in r.ok.iter().chain(r.err.iter()) {
                    handles(w, t, out)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut borrowed: Vec<TypeId> = Vec::new();
    for (i, p) in f.params.iter().enumerate() {
        let mut found = Vec::new();
        handles(w, &p.ty, &mut found)?;
        for (own, r) in found {
            if !own {
                borrowed.push(r);
            } else if borrowed.contains(&r) {
                let name = &f.params[i].name;
                let res = w.resource(r)?.name.clone();
                bail!(
                    "{where_}: the parameter `{name}` owns a `{res}` and comes after a borrow of one; the host shim lifts arguments in order and cannot take a resource out of a table it has lent for the call (put the owned handle first)"
                );
            }
        }
    }
    Ok(())
}

/// The resources that `f` borrows more than once outside a list, or
/// once beside a list of them, counting `self` and a borrow inside an
/// `option`, `result` or `tuple`: their borrows are shared (`&`), the
/// others `&mut`. The guest may pass one handle for two of them, and two
/// `&mut` to one resource would alias; two `&` may (the firmware tells
/// with `core::ptr::eq`). A list of borrows is lifted as `Handles`, which
/// reads the table shared, so a borrow of the same type beside it is
/// shared too; a list alone is `Handles` already, and needs nothing here.
pub fn shared_borrows(w: &World, f: &Function) -> Result<Vec<TypeId>> {
    /// Per resource: how many borrows (a list counts as two), and whether
    /// one is outside a list.
    type Seen = Vec<(TypeId, usize, bool)>;
    fn count(w: &World, t: &Type, many: bool, seen: &mut Seen) -> Result<()> {
        let Type::Id(id) = t else { return Ok(()) };
        match &w.resolve.types[*id].kind {
            TypeDefKind::Handle(Handle::Borrow(r)) => {
                let r = w.resource(*r)?.id;
                let n = if many { 2 } else { 1 };
                match seen.iter_mut().find(|(s, ..)| *s == r) {
                    Some((_, c, single)) => {
                        *c += n;
                        *single |= !many;
                    }
                    None => seen.push((r, n, !many)),
                }
            }
            TypeDefKind::Type(t) | TypeDefKind::Option(t) => count(w, t, many, seen)?,
            TypeDefKind::List(t) => count(w, t, true, seen)?,
            TypeDefKind::Tuple(t) => {
                for t in &t.types {
                    count(w, t, many, seen)?;
                }
            }
            TypeDefKind::Result(r) => {
                for t in r.ok.iter().chain(r.err.iter()) {
                    count(w, t, many, seen)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
    let mut seen = Vec::new();
    for p in &f.params {
        count(w, &p.ty, false, &mut seen)?;
    }
    Ok(seen
        .into_iter()
        .filter(|(_, n, single)| *n > 1 && *single)
        .map(|(r, ..)| r)
        .collect())
}

/// The trait method of `f` in interface `iface`.
pub fn method_signature(w: &World, iface: usize, f: &Function) -> Result<Signature> {
    supported(w, iface, f)?;
    let mut r = Render {
        w,
        iface,
        on: quote!(Self),
        lt: quote!('_),
        item: format!("function `{}` of `{}`", f.name, w.interfaces[iface].import),
        uses: Vec::new(),
        shared: shared_borrows(w, f)?,
    };
    let mut params = Vec::new();
    for (i, p) in f.params.iter().enumerate() {
        let name = param_name(f, i);
        let ty = r.ty(&p.ty, Pos::Param)?;
        params.push(quote!(#name: #ty));
    }
    let result = match &f.result {
        Some(t) => r.ty(t, Pos::Result)?,
        None => quote!(()),
    };
    Ok(Signature {
        params,
        result,
        uses: r.uses,
    })
}

/// The type definitions of interface `iface`.
pub fn definitions(w: &World, iface: usize) -> Result<TokenStream> {
    let resolve = w.resolve;
    let wit = &resolve.interfaces[w.interfaces[iface].id];
    let mut out = Vec::new();
    for (name, id) in &wit.types {
        let def = &resolve.types[*id];
        let docs = names::docs(&def.docs);
        let ident = names::upper_ident(name);
        let lifetime = needs_lifetime(w, &Type::Id(*id));
        let generics = if lifetime { quote!(<'a>) } else { quote!() };
        let mut r = Render {
            w,
            iface,
            on: quote!(H),
            lt: quote!('a),
            item: format!("type `{name}` of `{}`", w.interfaces[iface].import),
            uses: Vec::new(),
            shared: Vec::new(),
        };
        if handle_inside(w, &Type::Id(*id)) && !is_resource_alias(w, *id) {
            match &def.kind {
                TypeDefKind::Type(_) | TypeDefKind::Handle(_) => {}
                _ => bail!(
                    "type `{name}` of `{}` holds a resource handle; the host shim supports handles as parameters and results, and inside `option`, `result` and `tuple`, not inside named types",
                    w.interfaces[iface].import
                ),
            }
        }
        let item = match &def.kind {
            TypeDefKind::Resource => continue,
            TypeDefKind::Type(_) if is_resource_alias(w, *id) => continue,
            TypeDefKind::Handle(_) => continue,
            TypeDefKind::Type(t) => {
                let t = r.ty(t, Pos::Field)?;
                quote! {
                    #docs
                    pub type #ident #generics = #t;
                }
            }
            TypeDefKind::Record(rec) => {
                let mut fields = Vec::new();
                for f in &rec.fields {
                    let fd = names::docs(&f.docs);
                    let fi = names::value_ident(&f.name);
                    let ft = r.ty(&f.ty, Pos::Field)?;
                    fields.push(quote!(#fd pub #fi: #ft));
                }
                quote! {
                    #docs
                    #[derive(Debug, Clone, Copy, PartialEq)]
                    pub struct #ident #generics {
                        #(#fields,)*
                    }
                }
            }
            TypeDefKind::Enum(e) => {
                let cases: Vec<TokenStream> = e
                    .cases
                    .iter()
                    .map(|c| {
                        let cd = names::docs(&c.docs);
                        let ci = names::upper_ident(&c.name);
                        quote!(#cd #ci)
                    })
                    .collect();
                quote! {
                    #docs
                    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
                    pub enum #ident {
                        #(#cases,)*
                    }
                }
            }
            TypeDefKind::Variant(v) => {
                let mut cases = Vec::new();
                for c in &v.cases {
                    let cd = names::docs(&c.docs);
                    let ci = names::upper_ident(&c.name);
                    cases.push(match &c.ty {
                        Some(t) => {
                            let t = r.ty(t, Pos::Field)?;
                            quote!(#cd #ci(#t))
                        }
                        None => quote!(#cd #ci),
                    });
                }
                quote! {
                    #docs
                    #[derive(Debug, Clone, Copy, PartialEq)]
                    pub enum #ident #generics {
                        #(#cases,)*
                    }
                }
            }
            TypeDefKind::Flags(flags) => {
                let bits = match flags.flags.len() {
                    0..=8 => quote!(u8),
                    9..=16 => quote!(u16),
                    17..=32 => quote!(u32),
                    _ => bail!(
                        "type `{name}` of `{}`: flags with more than 32 members are not supported by the host shim",
                        w.interfaces[iface].import
                    ),
                };
                let consts: Vec<TokenStream> = flags
                    .flags
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let fd = names::docs(&f.docs);
                        let fi = format_ident!(
                            "{}",
                            names::snake(&f.name).trim_end_matches('_').to_uppercase()
                        );
                        let i = i as u32;
                        quote!(#fd pub const #fi: Self = Self { bits: 1 << #i };)
                    })
                    .collect();
                let all: u64 = if flags.flags.is_empty() {
                    0
                } else {
                    (1u64 << flags.flags.len()) - 1
                };
                let all = proc_macro2::Literal::u64_unsuffixed(all);
                quote! {
                    #docs
                    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
                    pub struct #ident {
                        bits: #bits,
                    }
                    impl #ident {
                        #(#consts)*
                        /// No flag set.
                        pub const fn empty() -> Self { Self { bits: 0 } }
                        /// Every flag set.
                        pub const fn all() -> Self { Self { bits: #all } }
                        /// The flags as bits, the first flag the lowest.
                        pub const fn bits(self) -> #bits { self.bits }
                        /// The flags of `bits`, ignoring bits that name no flag
                        /// (as the canonical ABI does).
                        pub const fn from_bits_truncate(bits: #bits) -> Self {
                            Self { bits: bits & #all }
                        }
                        /// Whether every flag of `other` is set.
                        pub const fn contains(self, other: Self) -> bool {
                            self.bits & other.bits == other.bits
                        }
                        /// Whether no flag is set.
                        pub const fn is_empty(self) -> bool { self.bits == 0 }
                    }
                    impl core::ops::BitOr for #ident {
                        type Output = Self;
                        fn bitor(self, other: Self) -> Self { Self { bits: self.bits | other.bits } }
                    }
                    impl core::ops::BitOrAssign for #ident {
                        fn bitor_assign(&mut self, other: Self) { self.bits |= other.bits; }
                    }
                }
            }
            TypeDefKind::Option(_)
            | TypeDefKind::Result(_)
            | TypeDefKind::Tuple(_)
            | TypeDefKind::List(_) => {
                let t = shape(&mut r, &def.kind)?;
                quote! {
                    #docs
                    pub type #ident #generics = #t;
                }
            }
            TypeDefKind::Future(_) | TypeDefKind::Stream(_) => bail!(
                "type `{name}` of `{}`: futures and streams are not supported by the host shim (it is synchronous)",
                w.interfaces[iface].import
            ),
            TypeDefKind::Map(..) | TypeDefKind::FixedLengthList(..) | TypeDefKind::Unknown => {
                bail!(
                    "type `{name}` of `{}`: this kind of type is not supported by the host shim",
                    w.interfaces[iface].import
                )
            }
        };
        out.push(item);
    }
    Ok(quote!(#(#out)*))
}

/// The shape of a named `option`, `result`, `tuple` or `list` alias.
fn shape(r: &mut Render, kind: &TypeDefKind) -> Result<TokenStream> {
    Ok(match kind {
        TypeDefKind::Option(t) => {
            let t = r.ty(t, Pos::Field)?;
            quote!(Option<#t>)
        }
        TypeDefKind::Result(res) => {
            let ok = match &res.ok {
                Some(t) => r.ty(t, Pos::Field)?,
                None => quote!(()),
            };
            let err = match &res.err {
                Some(t) => r.ty(t, Pos::Field)?,
                None => quote!(()),
            };
            quote!(Result<#ok, #err>)
        }
        TypeDefKind::Tuple(t) => {
            let mut parts = Vec::new();
            for t in &t.types {
                parts.push(r.ty(t, Pos::Field)?);
            }
            quote!((#(#parts,)*))
        }
        TypeDefKind::List(Type::U8) => {
            let lt = &r.lt;
            quote!(&#lt [u8])
        }
        TypeDefKind::List(e) => {
            let e = r.ty(e, Pos::Field)?;
            let lt = &r.lt;
            quote!(&#lt [#e])
        }
        _ => bail!("{}: not an alias shape", r.item),
    })
}
