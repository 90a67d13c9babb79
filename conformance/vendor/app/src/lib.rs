//! probes: the vendor fixture's app, on the guest crate that
//! `wasi-hw-codegen guest-crate` made for acme:bench. It calls every
//! function of `probes` (and lends it a `wasi-hw:hal` pin) and logs what
//! each returned, one line a call, so that two hosts' runs can be compared
//! line by line. Its host opens the pin `indicator`.
#![no_std]

extern crate alloc;

use acme_bench::bindings::acme::bench::probes::{
    self, Mode, Probe, Quantities, ReadingParam, SettingsParam,
};
use acme_bench::{self as hw, gpio, log};
use alloc::format;

hw::app!(run);

fn run(_args: &hw::Args) -> Result<(), hw::Error> {
    // A free function returning a list of strings.
    log::info(&format!("catalog(\"t\") = {:?}", probes::catalog("t")));
    log::info(&format!("catalog(\"\") = {:?}", probes::catalog("")));

    // The constructor: a record with a string, an enum, flags, an option
    // and a list; and its settings back, lowered through `cabi_realloc`.
    let custom = Probe::new(SettingsParam {
        name: "custom",
        mode: Mode::Averaged,
        quantities: Quantities::TEMPERATURE | Quantities::PRESSURE,
        gain: Some(2.0),
        calibration: &[10, 20],
    });
    log::info(&format!("custom.settings() = {:?}", custom.settings()));

    // The static constructor, its result an own handle or an error.
    let thermo = Probe::named("thermo").map_err(|e| hw::Error::message(format!("{e:?}")))?;
    log::info(&format!("thermo.settings() = {:?}", thermo.settings()));
    log::info(&format!(
        "named(\"nowhere\") is {:?}",
        Probe::named("nowhere").err().map(|e| e.name())
    ));

    // A list of tuples in, and out.
    log::info(&format!("custom.measure(0) = {:?}", custom.measure(0)));
    log::info(&format!(
        "custom.feed(3 samples) = {:?}",
        custom
            .feed(&[(1, 20.5), (2, 21.0), (3, -4.25)])
            .map_err(|e| e.name())
    ));
    let many: alloc::vec::Vec<(u16, f32)> = (0..40).map(|i| (i, i as f32)).collect();
    log::info(&format!(
        "custom.feed(40 samples) = {:?}",
        custom.feed(&many).map_err(|e| e.name())
    ));
    log::info(&format!("custom.samples() = {:?}", custom.samples()));

    // A variant with each kind of payload, out and back in.
    for kind in 0..3 {
        let reading = custom.measure(kind);
        log::info(&format!("custom.measure({kind}) = {reading:?}"));
        let param = match &reading {
            probes::ReadingResult::Nothing => ReadingParam::Nothing,
            probes::ReadingResult::Scalar(v) => ReadingParam::Scalar(*v),
            probes::ReadingResult::Indexed(t) => ReadingParam::Indexed(*t),
            probes::ReadingResult::Note(n) => ReadingParam::Note(n),
        };
        log::info(&format!("describe(..) = {:?}", probes::describe(param)));
    }

    // Two borrows of one type: the same handle twice, then two probes.
    log::info(&format!(
        "custom.same-as(custom) = {}",
        custom.same_as(&custom)
    ));
    log::info(&format!(
        "custom.same-as(thermo) = {}",
        custom.same_as(&thermo)
    ));
    custom.copy_from(&custom);
    log::info(&format!("after copy-from(self): {:?}", custom.samples()));
    thermo.copy_from(&custom);
    log::info(&format!(
        "after thermo.copy-from(custom): {:?}",
        thermo.samples()
    ));

    // A `wasi-hw:hal` pin lent to the vendor's interface; its error type
    // is gpio's.
    let indicator = gpio::open("indicator", gpio::Config::output(false))?;
    log::info(&format!(
        "custom.indicate(indicator) = {:?}",
        custom.indicate(&indicator).map_err(|e| e.name())
    ));
    let input = gpio::open("button", gpio::Config::input(gpio::Pull::None))?;
    log::info(&format!(
        "custom.indicate(button) = {:?}",
        custom.indicate(&input).map_err(|e| e.name())
    ));
    drop(thermo);
    drop(custom);
    log::info("probes: done");
    Ok(())
}
