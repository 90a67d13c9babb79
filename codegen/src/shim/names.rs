//! Rust names for WIT names, and WIT docs as Rust doc attributes.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::wit_parser::{Docs, Function, FunctionKind};

/// Whether `s` is a Rust keyword that cannot be an identifier.
fn keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// `some-name` as `some_name`, with a `_` appended to a keyword.
pub fn snake(name: &str) -> String {
    let s = name.to_snake_case();
    if keyword(&s) { format!("{s}_") } else { s }
}

/// `some-name` as `SomeName`.
pub fn upper(name: &str) -> String {
    let s = name.to_upper_camel_case();
    if keyword(&s) { format!("{s}_") } else { s }
}

pub fn upper_ident(name: &str) -> Ident {
    Ident::new(&upper(name), Span::call_site())
}

/// A module named after an interface.
pub fn module(name: &str) -> Ident {
    Ident::new(&snake(name), Span::call_site())
}

/// A parameter or field.
pub fn value_ident(name: &str) -> Ident {
    Ident::new(&snake(name), Span::call_site())
}

/// The trait method of a function: `list-pins` is `list_pins`,
/// `[method]pin.set-high` is `pin_set_high`, `[static]one-shot.at` is
/// `one_shot_at`, a constructor of `pin` is `pin_new`.
pub fn method(f: &Function) -> String {
    let item = f.item_name();
    match f.kind {
        FunctionKind::Freestanding | FunctionKind::AsyncFreestanding => snake(item),
        FunctionKind::Constructor(_) => {
            format!("{}_new", snake(resource_name(f)))
        }
        _ => format!("{}_{}", snake(resource_name(f)), snake(item)),
    }
}

/// `pin` of `[method]pin.set-high`.
fn resource_name(f: &Function) -> &str {
    let rest = f.name.split_once(']').map(|(_, r)| r).unwrap_or(&f.name);
    rest.split_once('.').map(|(r, _)| r).unwrap_or(rest)
}

/// The glue function of a trait method: `call_pin_set_high`.
pub fn glue(method: &str) -> Ident {
    Ident::new(&format!("call_{method}"), Span::call_site())
}

/// WIT doc comments as `#[doc]` attributes, one per line.
pub fn docs(docs: &Docs) -> TokenStream {
    match &docs.contents {
        Some(text) => {
            let lines = text.lines().map(|l| format!(" {l}"));
            quote!(#(#[doc = #lines])*)
        }
        None => quote!(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_escaped() {
        assert_eq!(snake("in"), "in_");
        assert_eq!(snake("timeout-ns"), "timeout_ns");
        assert_eq!(upper("one-shot"), "OneShot");
        assert_eq!(upper("self"), "Self_");
    }
}
