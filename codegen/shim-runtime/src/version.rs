//! Which import names a shim serves: those of its own package version and
//! of every semver-compatible one, as wasmtime's component linker does.
//!
//! A package adds an interface or a function in a patch release of a `0.x`
//! version (or a minor one from 1.0): `wasi-hw:hal@0.1.1` added `spi`. An
//! app built against `0.1.0` imports `wasi-hw:hal/gpio@0.1.0`; a shim
//! generated from `0.1.1` must serve it, under the name the app uses.
//! [`compatible`] is the rule; [`imports`] reads an app's import names from
//! its bytes, for engines whose API does not list them (wasefire).

/// Whether an import named `import` (`ns:pkg/iface@0.1.0`) is served by
/// the interface a shim knows as `known` (`ns:pkg/iface@0.1.1`): the same
/// name and either the same version or one on the same compatible track:
/// the same major version from 1.0 on, the same `0.minor` below it. A
/// `0.0.z` version, a pre-release (`-rc1`) or an unversioned name matches
/// itself only. Build metadata (`+abc`) is ignored, as semver says.
pub fn compatible(import: &str, known: &str) -> bool {
    import == known
        || matches!((track(import.as_bytes()), track(known.as_bytes())), (Some(a), Some(b)) if a == b)
}

/// `name` up to the end of its compatible track (`ns:pkg/iface@0.1`, or
/// `ns:pkg/iface@2` for 2.x.y), or `None` if it has none. Byte loops, not
/// `str`'s pattern searchers: this is in the tiny firmware's flash.
fn track(name: &[u8]) -> Option<&[u8]> {
    let at = name.iter().position(|&b| b == b'@')? + 1;
    let version = &name[at..];
    let end = version
        .iter()
        .position(|&b| b == b'+')
        .unwrap_or(version.len());
    // MAJOR.MINOR.PATCH, each one or more digits: the two dots' positions.
    let mut dots = [0usize; 2];
    let mut count = 0;
    let mut start = 0;
    for (i, &b) in version[..end].iter().enumerate() {
        if b == b'.' {
            if count == 2 || i == start {
                return None;
            }
            dots[count] = i;
            count += 1;
            start = i + 1;
        } else if !b.is_ascii_digit() {
            return None;
        }
    }
    if count != 2 || start == end {
        return None;
    }
    let zero = |part: &[u8]| part.iter().all(|&b| b == b'0');
    let cut = if !zero(&version[..dots[0]]) {
        dots[0]
    } else if !zero(&version[dots[0] + 1..dots[1]]) {
        dots[1]
    } else {
        return None;
    };
    Some(&name[..at + cut])
}

/// The module and function names of a core module's function imports, in
/// the order of its import section, read from its bytes (`bytes` a module that the
/// engine validates; anything malformed ends the iteration early, so a
/// caller falls back to its own names, and the engine then refuses the
/// module for what it is).
pub fn imports(bytes: &[u8]) -> Imports<'_> {
    Imports {
        reader: Reader { bytes, at: 8 },
        left: None,
    }
}

/// See [`imports`].
pub struct Imports<'m> {
    reader: Reader<'m>,
    /// Imports left to read, once the import section is found.
    left: Option<u32>,
}

impl<'m> Iterator for Imports<'m> {
    type Item = (&'m str, &'m str);

    fn next(&mut self) -> Option<(&'m str, &'m str)> {
        let r = &mut self.reader;
        if self.left.is_none() {
            // Sections before the imports (type, custom): skipped.
            loop {
                let id = r.byte()?;
                let size = r.leb()? as usize;
                if id == 2 {
                    self.left = Some(r.leb()?);
                    break;
                }
                if id != 0 && id != 1 {
                    return None;
                }
                r.at = r.at.checked_add(size)?;
            }
        }
        loop {
            let left = self.left.as_mut()?;
            *left = left.checked_sub(1)?;
            let module = r.name()?;
            let name = r.name()?;
            match r.byte()? {
                0 => {
                    r.leb()?;
                    return Some((module, name));
                }
                // A table: its reference type, then its limits.
                1 => {
                    r.byte()?;
                    r.limits()?;
                }
                2 => r.limits()?,
                // A global: its value type and mutability.
                3 => {
                    r.byte()?;
                    r.byte()?;
                }
                _ => return None,
            }
        }
    }
}

struct Reader<'m> {
    bytes: &'m [u8],
    at: usize,
}

impl<'m> Reader<'m> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn leb(&mut self) -> Option<u32> {
        let mut value = 0u32;
        for shift in [0, 7, 14, 21, 28] {
            let b = self.byte()?;
            value |= u32::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }

    fn name(&mut self) -> Option<&'m str> {
        let len = self.leb()? as usize;
        let bytes = self.bytes.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        core::str::from_utf8(bytes).ok()
    }

    /// Limits: a flag byte, the minimum, the maximum if flag bit 0 says,
    /// and a page size's log2 if bit 3 (custom page sizes) says.
    fn limits(&mut self) -> Option<()> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        if flags & 8 != 0 {
            self.leb()?;
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_releases_of_zero_minor_and_minors_of_a_major_are_compatible() {
        let k = "wasi-hw:hal/gpio@0.1.1";
        assert!(compatible("wasi-hw:hal/gpio@0.1.1", k));
        assert!(compatible("wasi-hw:hal/gpio@0.1.0", k));
        assert!(compatible("wasi-hw:hal/gpio@0.1.7", k));
        assert!(compatible("wasi-hw:hal/gpio@0.1.0+build.5", k));
        assert!(!compatible("wasi-hw:hal/gpio@0.2.0", k));
        assert!(!compatible("wasi-hw:hal/i2c@0.1.0", k));
        assert!(!compatible("wasi-hw:hal/gpio", k));
        assert!(!compatible("wasi-hw:hal/gpio@0.1.0-rc1", k));
        assert!(!compatible("wasi-hw:hal/gpio@0.1", k));
        assert!(!compatible("wasi-hw:hal/gpio@0.1.x", k));
        assert!(compatible("a:b/c@1.4.0", "a:b/c@1.0.2"));
        assert!(!compatible("a:b/c@2.0.0", "a:b/c@1.0.2"));
        assert!(!compatible("a:b/c@0.0.1", "a:b/c@0.0.2"));
        assert!(compatible("a:b/c@0.0.1", "a:b/c@0.0.1"));
        assert!(compatible("x", "x"));
    }

    /// A module with a type section, then imports: a function of
    /// `a:b/c@0.1.0`, a memory with a maximum, a table, a global, and a
    /// function of `d`.
    #[test]
    fn the_function_imports_module_names_are_read_in_order() {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend([1, 4, 1, 0x60, 0, 0]);
        let mut imports = vec![5];
        let mut add = |module: &str, name: &str, desc: &[u8]| {
            imports.push(module.len() as u8);
            imports.extend(module.bytes());
            imports.push(name.len() as u8);
            imports.extend(name.bytes());
            imports.extend(desc);
        };
        add("a:b/c@0.1.0", "f", &[0, 0]);
        add("env", "memory", &[2, 1, 1, 2]);
        add("env", "table", &[1, 0x70, 0, 1]);
        add("env", "g", &[3, 0x7f, 0]);
        add("d", "[method]x.y", &[0, 0x80, 0]);
        m.push(2);
        m.push(imports.len() as u8);
        m.extend(imports);
        assert_eq!(imports_of(&m), [("a:b/c@0.1.0", "f"), ("d", "[method]x.y")]);
        // Cut short: what was read, then nothing.
        assert_eq!(imports_of(&m[..m.len() - 3]), [("a:b/c@0.1.0", "f")]);
        assert_eq!(imports_of(b"\0asm\x01\0\0\0"), []);
    }

    fn imports_of(bytes: &[u8]) -> Vec<(&str, &str)> {
        imports(bytes).collect()
    }

    extern crate std;
    use std::vec;
    use std::vec::Vec;
}
