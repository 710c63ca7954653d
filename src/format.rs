//! Locale-aware formatting of dates with the browser's `Intl`, so the bundle
//! carries no date or number tables of its own.

use crate::i18n::Locale;
use js_sys::Date;
use wasm_bindgen::JsValue;

/// A date (`23 Nov 2026` / `Nov 23, 2026` / `2026年11月23日`) from Unix seconds.
pub fn date(locale: Locale, unix_seconds: i64) -> String {
    let date = Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0));
    let options = crate::js::object(&[("dateStyle", "medium".into())]);
    date.to_locale_date_string(locale.tag(), &options).into()
}

/// A date and time, for timeline events.
pub fn date_time(locale: Locale, unix_seconds: i64) -> String {
    let date = Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0));
    let options = crate::js::object(&[
        ("dateStyle", "medium".into()),
        ("timeStyle", "short".into()),
    ]);
    date.to_locale_string(locale.tag(), &options).into()
}

/// `n` in decimal digits. Written out rather than with `to_string` or
/// `format!`, whose formatting machinery costs the bundle at every call site.
pub fn number(mut n: u64) -> String {
    let mut digits = Vec::new();
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// ISO 8601 for `<time datetime>`.
pub fn iso(unix_seconds: i64) -> String {
    Date::new(&JsValue::from_f64(unix_seconds as f64 * 1000.0))
        .to_iso_string()
        .into()
}
