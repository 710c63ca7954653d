//! Dates and times in the agent's locale, with the browser's `Intl`.

use wasm_bindgen::JsValue;

fn date(at: i64) -> js_sys::Date {
    js_sys::Date::new(&JsValue::from_f64(at as f64 * 1000.0))
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let options = js_sys::Object::new();
    for (key, value) in pairs {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &(*value).into());
    }
    options.into()
}

/// `14:05` (or `2:05 PM`) for Unix seconds `at`.
pub fn clock(at: i64, locale: &str) -> String {
    date(at)
        .to_locale_time_string_with_options(
            locale,
            &options(&[("hour", "numeric"), ("minute", "2-digit")]),
        )
        .into()
}

/// `Nov 22, 14:05` for Unix seconds `at`.
pub fn day_and_time(at: i64, locale: &str) -> String {
    date(at)
        .to_locale_string(
            locale,
            &options(&[
                ("month", "short"),
                ("day", "numeric"),
                ("hour", "numeric"),
                ("minute", "2-digit"),
            ]),
        )
        .into()
}

/// `2026-11-22T14:05:00.000Z`, for `<time datetime>`.
pub fn iso(at: i64) -> String {
    date(at).to_iso_string().into()
}
