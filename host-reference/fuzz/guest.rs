//! The wasmtime target's guest: a core module that imports every import of
//! the world (`wasi_hw_shim::app::IMPORTS`) and whose `run` interprets its
//! argument, the fuzzer's input in hex ([`hex`]), in the glue harness's
//! format (host-shim/fuzz/harness.rs). Shared by the target
//! (`fuzz_targets/wasmtime.rs`) and the test that replays its corpus
//! (`host-reference/tests/fuzz_corpus.rs`).

use std::fmt::Write;

use wasi_hw_shim::app::{IMPORTS, ValType};

/// The input as the guest's argument: two lowercase hex digits a byte.
pub fn hex(data: &[u8]) -> String {
    let mut hex = String::with_capacity(2 * data.len());
    for b in data {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

fn wat_type(t: ValType) -> &'static str {
    match t {
        ValType::I32 => "i32",
        ValType::I64 => "i64",
        ValType::F32 => "f32",
        ValType::F64 => "f64",
    }
}

fn width(t: ValType) -> u32 {
    match t {
        ValType::I32 | ValType::F32 => 4,
        ValType::I64 | ValType::F64 => 8,
    }
}

/// The interpreter guest, as text. Memory: 0..4096 the app's (where
/// pokes and most fuzzed pointers land), 2048.. the bump allocator's
/// (wrapping within the first page), 131072.. the decoded input.
pub fn guest_text() -> String {
    let mut w = String::new();
    w.push_str("(module\n");
    for (i, import) in IMPORTS.iter().enumerate() {
        let params: Vec<&str> = import.params.iter().map(|&t| wat_type(t)).collect();
        let _ = write!(
            w,
            "  (import {:?} {:?} (func $f{i} (param {})",
            import.module,
            import.name,
            params.join(" ")
        );
        if let Some(r) = import.result {
            let _ = write!(w, " (result {})", wat_type(r));
        }
        w.push_str("))\n");
    }
    w.push_str(
        r#"  (memory (export "memory") 3)
  (global $mode (mut i32) (i32.const 0))
  (global $next (mut i32) (i32.const 2048))
  (global $seed (mut i32) (i32.const 1))
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (local $at i32)
    (if (i32.eq (global.get $mode) (i32.const 2)) (then unreachable))
    (if (i32.eq (global.get $mode) (i32.const 1)) (then
      (global.set $seed (i32.add (i32.mul (global.get $seed) (i32.const 1103515245)) (i32.const 12345)))
      (return (global.get $seed))))
    ;; bump: aligned up, wrapping back to 2048 past 60 KiB
    (local.set $at (i32.and (i32.add (global.get $next) (i32.sub (local.get 2) (i32.const 1)))
                            (i32.sub (i32.const 0) (local.get 2))))
    (if (i32.gt_u (i32.add (local.get $at) (local.get 3)) (i32.const 61440)) (then
      (local.set $at (i32.const 2048))))
    (global.set $next (i32.add (local.get $at) (local.get 3)))
    (local.get $at))
  ;; A hex digit's value (the host sends only 0-9 and a-f).
  (func $hex (param i32) (result i32)
    (if (result i32) (i32.ge_u (local.get 0) (i32.const 97))
      (then (i32.sub (local.get 0) (i32.const 87)))
      (else (i32.sub (local.get 0) (i32.const 48)))))
  (func (export "run") (param $args i32) (param $count i32) (result i32)
    (local $src i32) (local $n i32) (local $i i32) (local $p i32) (local $end i32)
    (local $op i32) (local $at i32) (local $len i32)
    (if (i32.eqz (local.get $count)) (then (return (i32.const 1024))))
    (local.set $src (i32.load (local.get $args)))
    (local.set $n (i32.shr_u (i32.load offset=4 (local.get $args)) (i32.const 1)))
    (block $done (loop $decode
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store8 (i32.add (i32.const 131072) (local.get $i))
        (i32.or (i32.shl (call $hex (i32.load8_u (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1))))) (i32.const 4))
                (call $hex (i32.load8_u offset=1 (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $decode)))
    (if (i32.eqz (local.get $n)) (then (return (i32.const 1024))))
    (global.set $mode (i32.rem_u (i32.load8_u (i32.const 131072)) (i32.const 3)))
    (global.set $seed (i32.load8_u (i32.const 131072)))
    (local.set $p (i32.const 131073))
    (local.set $end (i32.add (i32.const 131072) (local.get $n)))
    (block $stop (loop $step
      (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $op (i32.load8_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.ge_u (local.get $op) (i32.const 240)) (then
        (br_if $stop (i32.gt_u (i32.add (local.get $p) (i32.const 3)) (local.get $end)))
        (local.set $at (i32.rem_u (i32.load16_u (local.get $p)) (i32.const 4096)))
        (local.set $len (i32.load8_u offset=2 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 3)))
        (if (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))) (then
          (local.set $len (i32.sub (local.get $end) (local.get $p)))))
        (if (i32.gt_u (local.get $len) (i32.sub (i32.const 4096) (local.get $at))) (then
          (local.set $len (i32.sub (i32.const 4096) (local.get $at)))))
        (memory.copy (local.get $at) (local.get $p) (local.get $len))
        (local.set $p (i32.add (local.get $p) (local.get $len)))
        (br $step)))
"#,
    );
    // One block a call: br_table on the import's index.
    let n = IMPORTS.len();
    for i in (0..n).rev() {
        let _ = writeln!(w, "      (block $c{i}");
    }
    let targets: Vec<String> = (0..n).map(|i| format!("$c{i}")).collect();
    let _ = writeln!(
        w,
        "      (br_table {} $c0 (i32.rem_u (local.get $op) (i32.const {n})))",
        targets.join(" ")
    );
    for (i, import) in IMPORTS.iter().enumerate() {
        let _ = writeln!(w, "      ) ;; $c{i}: {}", import.name);
        let need: u32 = import.params.iter().map(|&t| width(t)).sum();
        let _ = writeln!(
            w,
            "      (br_if $stop (i32.gt_u (i32.add (local.get $p) (i32.const {need})) (local.get $end)))"
        );
        let mut off = 0;
        let mut call = format!("(call $f{i}");
        for &t in import.params {
            let _ = write!(
                call,
                " ({}.load offset={off} align=1 (local.get $p))",
                wat_type(t)
            );
            off += width(t);
        }
        call.push(')');
        if import.result.is_some() {
            call = format!("(drop {call})");
        }
        let _ = writeln!(w, "      {call}");
        let _ = writeln!(
            w,
            "      (local.set $p (i32.add (local.get $p) (i32.const {need})))"
        );
        let _ = writeln!(w, "      (br $step)");
    }
    w.push_str("    ))\n    (i32.const 1024)))\n");
    w
}
