//! The rules a wasi-hw WIT package follows beyond what wit-parser checks.
//!
//! Today one rule: every item carries a doc comment (interfaces, worlds, the
//! items of worlds, types, record fields, variant and enum cases, flags,
//! functions and resource methods), because the doc comments *are* the spec:
//! units, ranges, blocking behaviour and every error.

use crate::wit_parser::{
    Docs, Function, InterfaceId, PackageId, Resolve, Span, Type, TypeDefKind, TypeOwner, WorldItem,
    WorldKey,
};

/// An item without a doc comment: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undocumented {
    /// `file:line:column` of the item, as wit-parser renders it.
    pub location: String,
    /// What the item is, for example ``enum `error-code` case `busy` in interface `gpio` ``.
    pub item: String,
}

impl std::fmt::Display for Undocumented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} has no doc comment", self.location, self.item)
    }
}

/// Every item of package `pkg` that lacks a doc comment, in source order of
/// interfaces and worlds.
pub fn undocumented(resolve: &Resolve, pkg: PackageId) -> Vec<Undocumented> {
    let mut out = Walk {
        resolve,
        found: Vec::new(),
    };
    let package = &resolve.packages[pkg];
    for (name, id) in &package.interfaces {
        out.interface(name, *id);
    }
    for (name, id) in &package.worlds {
        let world = &resolve.worlds[*id];
        let place = format!("world `{name}`");
        out.check(&world.docs, world.span, || place.clone());
        for (key, item) in world.imports.iter().chain(&world.exports) {
            match (key, item) {
                // `import gpio;` is documented on the interface itself.
                (WorldKey::Interface(_), _) => {}
                (WorldKey::Name(_), WorldItem::Function(f)) => out.function(f, &place),
                (WorldKey::Name(n), WorldItem::Interface { id, .. }) => {
                    out.interface(&format!("{n} (in {place})"), *id)
                }
                (WorldKey::Name(n), WorldItem::Type { id, span }) => {
                    let ty = &resolve.types[*id];
                    out.check(&ty.docs, *span, || format!("type `{n}` in {place}"));
                }
            }
        }
    }
    out.found
}

struct Walk<'a> {
    resolve: &'a Resolve,
    found: Vec<Undocumented>,
}

impl Walk<'_> {
    fn check(&mut self, docs: &Docs, span: Span, item: impl FnOnce() -> String) {
        let blank = docs.contents.as_deref().is_none_or(|d| d.trim().is_empty());
        if blank {
            self.found.push(Undocumented {
                location: self.resolve.render_location(span),
                item: item(),
            });
        }
    }

    fn interface(&mut self, name: &str, id: InterfaceId) {
        let iface = &self.resolve.interfaces[id];
        let place = format!("interface `{name}`");
        self.check(&iface.docs, iface.span, || place.clone());
        for (tname, ty_id) in &iface.types {
            let ty = &self.resolve.types[*ty_id];
            // `use other.{t}` brings in an alias documented where it is defined.
            if let TypeDefKind::Type(Type::Id(target)) = ty.kind
                && self.resolve.types[target].owner != TypeOwner::Interface(id)
            {
                continue;
            }
            let what = kind_name(&ty.kind);
            self.check(&ty.docs, ty.span, || format!("{what} `{tname}` in {place}"));
            let member = |m: &str, kind: &str| format!("{what} `{tname}` {kind} `{m}` in {place}");
            match &ty.kind {
                TypeDefKind::Record(r) => {
                    for f in &r.fields {
                        self.check(&f.docs, f.span, || member(&f.name, "field"));
                    }
                }
                TypeDefKind::Variant(v) => {
                    for c in &v.cases {
                        self.check(&c.docs, c.span, || member(&c.name, "case"));
                    }
                }
                TypeDefKind::Enum(e) => {
                    for c in &e.cases {
                        self.check(&c.docs, c.span, || member(&c.name, "case"));
                    }
                }
                TypeDefKind::Flags(fl) => {
                    for f in &fl.flags {
                        self.check(&f.docs, f.span, || member(&f.name, "flag"));
                    }
                }
                _ => {}
            }
        }
        for f in iface.functions.values() {
            self.function(f, &place);
        }
    }

    fn function(&mut self, f: &Function, place: &str) {
        let what = match f.kind.resource() {
            Some(res) => {
                let res = self.resolve.types[res].name.as_deref().unwrap_or("?");
                format!("function `{}` of resource `{res}`", f.item_name())
            }
            None => format!("function `{}`", f.name),
        };
        self.check(&f.docs, f.span, || format!("{what} in {place}"));
    }
}

fn kind_name(kind: &TypeDefKind) -> &'static str {
    match kind {
        TypeDefKind::Record(_) => "record",
        TypeDefKind::Resource => "resource",
        TypeDefKind::Flags(_) => "flags",
        TypeDefKind::Variant(_) => "variant",
        TypeDefKind::Enum(_) => "enum",
        _ => "type",
    }
}
