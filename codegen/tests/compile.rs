//! The kitchen-sink snapshot compiles, and its types are usable as an app
//! would use them (the import functions themselves only run in wasm).

#[allow(dead_code, clippy::all, unsafe_op_in_unsafe_fn)]
#[rustfmt::skip]
#[path = "snapshots/kitchen_sink.rs"]
mod kitchen_sink;

use kitchen_sink::fixture::kitchen_sink::things::{Color, Point, Shape, Style};

struct Guest;

impl kitchen_sink::Guest for Guest {
    fn start(args: Vec<String>) -> Result<(), String> {
        if args.is_empty() {
            Err("no arguments".into())
        } else {
            Ok(())
        }
    }
}

kitchen_sink::export!(Guest with_types_in kitchen_sink);

#[test]
fn generated_types_are_plain_rust_values() {
    let corners = [
        Point {
            x: 0,
            y: 0,
            label: None,
        },
        Point {
            x: 3,
            y: 4,
            label: Some("far"),
        },
    ];
    let shape = Shape::Polygon(&corners);
    let Shape::Polygon(points) = shape else {
        unreachable!()
    };
    assert_eq!(points[1].label, Some("far"));
    assert_eq!(Color::Green as u8, 1);
    let style = Style::BOLD | Style::UNDERLINE;
    assert!(style.contains(Style::UNDERLINE) && !style.contains(Style::ITALIC));
    assert_eq!(
        <Guest as kitchen_sink::Guest>::start(vec![]),
        Err("no arguments".to_string())
    );
}
