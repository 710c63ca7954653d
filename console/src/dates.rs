//! Dates, times and numbers in the agent's locale, with the browser's `Intl`.

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

/// A figure in the agent's locale (`1,234`, `1 234`, `1.5`, `1,5`), with
/// at most two decimals.
pub fn number(value: f64, locale: &str) -> String {
    format_number(value, locale, &[("maximumFractionDigits", 2.0)])
}

/// A calendar day given as `2026-11-22` (already in the agent's time zone),
/// in the agent's locale (`Nov 22, 2026`, `22 nov. 2026`, `2026年11月22日`);
/// as given when it is not such a day.
pub fn day(iso_day: &str, locale: &str) -> String {
    let mut parts = iso_day.splitn(3, '-').map(str::parse::<u32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return iso_day.to_owned();
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return iso_day.to_owned();
    }
    let at = js_sys::Date::utc(f64::from(y), f64::from(m - 1)) + f64::from(d - 1) * 86_400_000.0;
    js_sys::Date::new(&JsValue::from_f64(at))
        .to_locale_date_string(
            locale,
            &options(&[
                ("year", "numeric"),
                ("month", "short"),
                ("day", "numeric"),
                ("timeZone", "UTC"),
            ]),
        )
        .into()
}

/// A figure with exactly `digits` decimals (`4.50`, `4,50`).
pub fn decimal(value: f64, digits: u8, locale: &str) -> String {
    let digits = f64::from(digits);
    format_number(
        value,
        locale,
        &[
            ("minimumFractionDigits", digits),
            ("maximumFractionDigits", digits),
        ],
    )
}

/// A share (0.5) as a whole percentage in the agent's locale (`50%`, `50 %`).
pub fn percent(share: f64, locale: &str) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"style".into(), &"percent".into());
    let _ = js_sys::Reflect::set(
        &options,
        &"maximumFractionDigits".into(),
        &JsValue::from_f64(0.0),
    );
    intl_format(share, locale, &options)
}

fn format_number(value: f64, locale: &str, pairs: &[(&str, f64)]) -> String {
    let options = js_sys::Object::new();
    for (key, n) in pairs {
        let _ = js_sys::Reflect::set(&options, &(*key).into(), &JsValue::from_f64(*n));
    }
    intl_format(value, locale, &options)
}

fn intl_format(value: f64, locale: &str, options: &js_sys::Object) -> String {
    let locales = js_sys::Array::of1(&locale.into());
    js_sys::Intl::NumberFormat::new(&locales, options)
        .format()
        .call1(&JsValue::NULL, &JsValue::from_f64(value))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| value.to_string())
}
