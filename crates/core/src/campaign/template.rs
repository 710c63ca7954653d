//! Dynamic text in campaign messages and button labels: `{{cart.value}}`,
//! `{{cart.remaining_to_free_shipping}}`, `{{customer.first_name}}` and
//! `{{campaign.code}}`, with an optional fallback after `|`
//! (`{{customer.first_name|there}}`).
//!
//! [`fill`] is pure and returns plain text: values are inserted as they are
//! (a first name of `<b>x</b>` stays those characters, shown as text by the
//! widget) and never scanned again, so a value cannot bring in another
//! placeholder. Money is formatted for the shopper's language ([`money`]).

/// The names a placeholder may use.
pub const VARIABLES: &[&str] = &[
    "cart.value",
    "cart.remaining_to_free_shipping",
    "customer.first_name",
    "campaign.code",
];

/// What the placeholders stand for, for one visitor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Values<'a> {
    /// The shopper's language tag (`fr-CA`), for number formats.
    pub locale: &'a str,
    /// The cart's value in hundredths of its currency.
    pub cart_minor: i64,
    /// The cart's currency (`EUR`), when the page said.
    pub currency: Option<&'a str>,
    /// The site's free-shipping threshold: hundredths and currency.
    pub free_shipping: Option<(i64, &'a str)>,
    /// The signed customer's first name.
    pub first_name: Option<&'a str>,
    /// The campaign's discount code for this visitor.
    pub code: Option<&'a str>,
}

impl Values<'_> {
    /// The value of placeholder `name`, if known for this visitor.
    fn get(&self, name: &str, money: &impl Fn(i64, &str, &str) -> String) -> Option<String> {
        let currency = self
            .currency
            .or(self.free_shipping.map(|(_, c)| c))
            .unwrap_or("");
        match name {
            "cart.value" => Some(money(self.cart_minor, currency, self.locale)),
            "cart.remaining_to_free_shipping" => {
                let (threshold, in_currency) = self.free_shipping?;
                // Different currencies cannot be compared: no value.
                if !self
                    .currency
                    .is_none_or(|c| c.eq_ignore_ascii_case(in_currency))
                {
                    return None;
                }
                let left = threshold.saturating_sub(self.cart_minor).max(0);
                Some(money(left, in_currency, self.locale))
            }
            "customer.first_name" => self.first_name.map(str::to_owned),
            "campaign.code" => self.code.map(str::to_owned),
            _ => None,
        }
        .filter(|v| !v.is_empty())
    }
}

/// One `{{…}}` of a text: its name, its fallback, and where it lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder<'t> {
    /// The variable's name, trimmed (`customer.first_name`).
    pub name: &'t str,
    /// The text after `|`, trimmed, used when the value is unknown.
    pub fallback: Option<&'t str>,
    /// Byte range of the whole `{{…}}` in the text.
    pub range: std::ops::Range<usize>,
}

/// Where `pair` (two equal ASCII bytes, `{{` or `}}`) next starts in
/// `text` at or after `from`. (A byte scan: std's substring searcher costs
/// the widget's wasm kilobytes.)
fn find_pair(text: &str, from: usize, pair: u8) -> Option<usize> {
    let bytes = text.as_bytes().get(from..)?;
    let at = bytes.windows(2).position(|w| w == [pair, pair])?;
    Some(from + at)
}

/// The first placeholder of `text` at or after `from`: `None` when there
/// is none, `Some(None)` for a `{{` never closed.
fn next(text: &str, from: usize) -> Option<Option<Placeholder<'_>>> {
    let open = find_pair(text, from, b'{')?;
    let Some(close) = find_pair(text, open + 2, b'}') else {
        return Some(None);
    };
    // `get`, not indexing: no slicing panic in the widget's wasm.
    let inner = text.get(open + 2..close).unwrap_or_default();
    let (name, fallback) = match super::eval::cut(inner, b'|') {
        Some((name, fallback)) => (name.trim(), Some(fallback.trim())),
        None => (inner.trim(), None),
    };
    Some(Some(Placeholder {
        name,
        fallback,
        range: open..close + 2,
    }))
}

/// Every placeholder of `text`, in order; `Err` describes an unclosed `{{`.
pub fn placeholders(text: &str) -> Result<Vec<Placeholder<'_>>, String> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(p) = next(text, from) {
        let Some(p) = p else {
            return Err("\"{{\" is not closed with \"}}\"".into());
        };
        from = p.range.end;
        found.push(p);
    }
    Ok(found)
}

/// `template` with every placeholder replaced by its value, else its
/// fallback, else nothing. Plain text in, plain text out. Money by [`money`].
pub fn fill(template: &str, values: &Values) -> String {
    fill_with(template, values, money)
}

/// [`fill`] with another money formatter `money(hundredths, currency,
/// locale)`: the widget passes the browser's number formats, which know
/// every locale and keep this crate's table out of its wasm. One pass, no
/// list of placeholders (each `collect` costs the widget's wasm); a
/// template with an unclosed `{{` comes back as written.
pub fn fill_with(
    template: &str,
    values: &Values,
    money: impl Fn(i64, &str, &str) -> String,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut at = 0;
    while let Some(p) = next(template, at) {
        let Some(p) = p else {
            return template.to_owned();
        };
        out.push_str(template.get(at..p.range.start).unwrap_or_default());
        match values.get(p.name, &money) {
            Some(value) => out.push_str(&value),
            None => out.push_str(p.fallback.unwrap_or("")),
        }
        at = p.range.end;
    }
    out.push_str(template.get(at..).unwrap_or_default());
    out
}

/// Whether `text` uses `{{campaign.code}}`.
pub fn uses_code(text: &str) -> bool {
    placeholders(text).is_ok_and(|found| found.iter().any(|p| p.name == "campaign.code"))
}

/// Currencies shown without decimals.
const WHOLE: &[&str] = &["JPY", "KRW", "VND", "ISK", "CLP", "HUF", "TWD"];

/// `minor` hundredths of `currency` as the shopper's language writes money:
/// `€1,234.50` (en, zh, th), `1 234,50 €` (fr, fi); an unknown currency by
/// its code (`CHF 12.00`); no currency: the number alone.
pub fn money(minor: i64, currency: &str, locale: &str) -> String {
    let language = locale
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let code = currency.to_ascii_uppercase();
    let comma = matches!(language.as_str(), "fr" | "fi");
    let (group, decimal) = match language.as_str() {
        "fr" => ('\u{202f}', ','),
        "fi" => ('\u{a0}', ','),
        _ => (',', '.'),
    };
    let negative = minor < 0;
    let minor = minor.unsigned_abs();
    let whole = WHOLE.contains(&code.as_str());
    let units = if whole {
        (minor + 50) / 100
    } else {
        minor / 100
    };
    // Digits pushed by hand: `format!` padding would cost the widget's wasm.
    let mut digits = Vec::new();
    let mut n = units;
    loop {
        digits.push(b'0' + (n % 10) as u8);
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut number = String::new();
    if negative {
        number.push('-');
    }
    for (i, d) in digits.iter().rev().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            number.push(group);
        }
        number.push(char::from(*d));
    }
    if !whole {
        let cents = (minor % 100) as u8;
        number.push(decimal);
        number.push(char::from(b'0' + cents / 10));
        number.push(char::from(b'0' + cents % 10));
    }
    let symbol = match code.as_str() {
        "" => return number,
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        "THB" => "฿",
        "TWD" => "NT$",
        "HKD" => "HK$",
        _ => code.as_str(),
    };
    // A code (no symbol) is set apart by a space on either side.
    let spaced = symbol.len() == 3 && symbol.bytes().all(|b| b.is_ascii_uppercase());
    let mut out = String::new();
    if comma {
        out.push_str(&number);
        out.push('\u{a0}');
        out.push_str(symbol);
    } else {
        out.push_str(symbol);
        if spaced {
            out.push('\u{a0}');
        }
        out.push_str(&number);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values<'static> {
        Values {
            locale: "en",
            cart_minor: 7_450,
            currency: Some("EUR"),
            free_shipping: Some((10_000, "EUR")),
            first_name: Some("Ada"),
            code: Some("WINTER-7Q2"),
        }
    }

    #[test]
    fn placeholders_are_filled_in_the_shoppers_language() {
        let text = "Hi {{customer.first_name}}! {{ cart.remaining_to_free_shipping }} more \
                    for free shipping ({{cart.value}} so far). Code: {{campaign.code}}";
        assert_eq!(
            fill(text, &values()),
            "Hi Ada! €25.50 more for free shipping (€74.50 so far). Code: WINTER-7Q2"
        );
        let fr = Values {
            locale: "fr-CA",
            cart_minor: 123_456_789,
            ..values()
        };
        assert_eq!(
            fill("{{cart.value}}", &fr),
            "1\u{202f}234\u{202f}567,89\u{a0}€"
        );
        assert_eq!(
            fill("{{cart.remaining_to_free_shipping}}", &fr),
            "0,00\u{a0}€",
            "past the threshold: nothing left"
        );
        assert_eq!(money(150_000, "JPY", "en"), "¥1,500");
        assert_eq!(money(1_200, "CHF", "fi"), "12,00\u{a0}CHF");
        assert_eq!(money(1_200, "CHF", "th"), "CHF\u{a0}12.00");
        assert_eq!(money(5, "", "en"), "0.05");
    }

    #[test]
    fn unknown_values_take_the_fallback_or_nothing() {
        let anonymous = Values {
            first_name: None,
            code: None,
            ..values()
        };
        assert_eq!(
            fill("Hi {{customer.first_name|there}}!", &anonymous),
            "Hi there!"
        );
        assert_eq!(fill("Hi {{customer.first_name}}!", &anonymous), "Hi !");
        let usd = Values {
            currency: Some("USD"),
            ..values()
        };
        assert_eq!(
            fill("{{cart.remaining_to_free_shipping|a little}}", &usd),
            "a little",
            "a dollar cart and a euro threshold do not compare"
        );
        assert_eq!(fill("{{nope}} and {{", &values()), "{{nope}} and {{");
    }

    #[test]
    fn hostile_values_stay_text_and_are_never_expanded_again() {
        let hostile = Values {
            first_name: Some("<img src=x onerror=alert(1)>{{campaign.code}}"),
            code: Some("</p><script>alert(1)</script>"),
            ..values()
        };
        assert_eq!(
            fill("{{customer.first_name}}|{{campaign.code}}", &hostile),
            "<img src=x onerror=alert(1)>{{campaign.code}}|</p><script>alert(1)</script>"
        );
        // Odd templates never panic and keep their text.
        for text in [
            "{{",
            "}}{{",
            "{{}}",
            "{{|}}",
            "é{{cart.value}}ü",
            "{{{{cart.value}}}}",
        ] {
            let _ = fill(text, &values());
        }
        assert_eq!(fill("é{{cart.value}}ü", &values()), "é€74.50ü");
        assert_eq!(
            placeholders("a {{ campaign.code | none }} b").unwrap()[0],
            Placeholder {
                name: "campaign.code",
                fallback: Some("none"),
                range: 2..28
            }
        );
        assert!(placeholders("a {{campaign.code").is_err());
    }
}
