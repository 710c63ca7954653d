//! Turning what shoppers and agents typed, and what the server knows, into
//! display text. Nothing here builds HTML: the components render every piece
//! as a text node, and only `http`/`https` URLs ever become links.

use crate::i18n::{Strings, fill};
use aisle_core::protocol::{Cart, ChatContext, Priority};

/// A piece of a chat message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Plain text.
    Text(&'a str),
    /// An `http`/`https` URL, safe to use as a link target.
    Link(&'a str),
}

/// Splits `text` into plain text and `http(s)://` links. Trailing punctuation
/// (`.`, `,`, `)`…) stays outside a link; nothing else becomes one.
pub fn linkify(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        let tail = &rest[start..];
        let end = tail.find(char::is_whitespace).unwrap_or(tail.len());
        let url = tail[..end]
            .trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '"', '>']);
        // `get`, not `[..8]`: the eighth byte may fall inside a character
        // (`http://é.example`), and slicing there would panic the console.
        let scheme_len = if url
            .get(..8)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
        {
            8
        } else {
            7
        };
        if url.len() <= scheme_len {
            // A bare "https://" is not a link; keep it as text and move on.
            out.push(Segment::Text(&rest[..start + scheme_len]));
            rest = &rest[start + scheme_len..];
            continue;
        }
        if start > 0 {
            out.push(Segment::Text(&rest[..start]));
        }
        out.push(Segment::Link(url));
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        out.push(Segment::Text(rest));
    }
    out
}

/// Byte offset of the first `http://` or `https://` (any case) that starts a word.
fn find_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("http") {
        let at = from + found;
        let rest = &lower[at..];
        let starts_word = text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if starts_word && (rest.starts_with("https://") || rest.starts_with("http://")) {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

/// `url` if it is an absolute `http`/`https` URL (safe as a link target).
pub fn safe_link(url: &str) -> Option<&str> {
    let url = url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let ok = (lower.starts_with("https://") && url.len() > 8)
        || (lower.starts_with("http://") && url.len() > 7);
    (ok && !url.chars().any(char::is_whitespace)).then_some(url)
}

/// The path (with query) of a URL, or the text as given when it is not one.
pub fn path_of(url: &str) -> &str {
    let Some(after_scheme) = url.split_once("://").map(|(_, rest)| rest) else {
        return url;
    };
    match after_scheme.find('/') {
        Some(slash) => &after_scheme[slash..],
        None => "/",
    }
}

/// How long someone has waited, for `seconds` (clamped at zero).
pub fn duration(seconds: i64, s: &Strings) -> String {
    let minutes = seconds.max(0) / 60;
    match minutes {
        0 => s.just_now.to_owned(),
        m if m < 60 => fill(s.minutes, &[("minutes", &m.to_string())]),
        m => fill(
            s.hours_minutes,
            &[
                ("hours", &(m / 60).to_string()),
                ("minutes", &(m % 60).to_string()),
            ],
        ),
    }
}

/// A cart total: `USD 129.00` (two decimals except for currencies without minor units).
pub fn money(minor: u64, currency: &str) -> String {
    const NO_MINOR_UNITS: [&str; 6] = ["JPY", "KRW", "VND", "CLP", "ISK", "HUF"];
    if NO_MINOR_UNITS.contains(&currency) {
        format!("{currency} {minor}")
    } else {
        format!("{currency} {}.{:02}", minor / 100, minor % 100)
    }
}

/// One line per cart item: `2 × Alpine parka (PARKA-M)`.
pub fn cart_lines(cart: &Cart) -> Vec<String> {
    cart.items
        .iter()
        .map(|item| match &item.title {
            Some(title) => format!("{} × {} ({})", item.quantity, title, item.sku),
            None => format!("{} × {}", item.quantity, item.sku),
        })
        .collect()
}

/// Who the shopper is, as far as the agent can tell: their email, else the
/// page they are on, else "visitor".
pub fn shopper_label(context: &ChatContext, s: &Strings) -> String {
    if let Some(email) = context.email.as_deref().filter(|e| !e.trim().is_empty()) {
        return email.trim().to_owned();
    }
    match context.page_url.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(url) => fill(s.visitor_on, &[("page", path_of(url.trim()))]),
        None => s.visitor.to_owned(),
    }
}

/// The queue priority in words.
pub fn priority(priority: Priority, s: &Strings) -> &'static str {
    match priority {
        Priority::Vip => s.priority_vip,
        Priority::HighCart => s.priority_high_cart,
        Priority::PreSale => s.priority_pre_sale,
        Priority::Normal => s.priority_normal,
    }
}

/// Tags as typed (`shipping, refund`) → the list sent on close.
pub fn parse_tags(typed: &str) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in typed.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }
    tags
}

/// Characters (Unicode scalar values) in `text`, as the server counts them.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::EN;

    #[test]
    fn only_http_and_https_urls_become_links() {
        assert_eq!(
            linkify("Track it at https://ups.com/t?n=1Z9. Thanks"),
            [
                Segment::Text("Track it at "),
                Segment::Link("https://ups.com/t?n=1Z9"),
                Segment::Text(". Thanks"),
            ]
        );
        assert_eq!(
            linkify("javascript:alert(1) data:text/html,<b>x</b>"),
            [Segment::Text("javascript:alert(1) data:text/html,<b>x</b>")]
        );
        assert_eq!(
            linkify("(see HTTP://a.example/x)"),
            [
                Segment::Text("(see "),
                Segment::Link("HTTP://a.example/x"),
                Segment::Text(")"),
            ]
        );
    }

    #[test]
    fn urls_inside_words_and_bare_schemes_stay_text() {
        assert_eq!(
            linkify("xhttps://evil.example"),
            [Segment::Text("xhttps://evil.example")]
        );
        assert_eq!(
            linkify("https:// nope"),
            [Segment::Text("https://"), Segment::Text(" nope")]
        );
        assert_eq!(linkify(""), []);
    }

    #[test]
    fn html_in_messages_is_just_text() {
        let text = "<img src=x onerror=alert(1)>";
        assert_eq!(linkify(text), [Segment::Text(text)]);
    }

    #[test]
    fn safe_links_are_absolute_http_urls() {
        assert_eq!(
            safe_link("https://shop.example/cart"),
            Some("https://shop.example/cart")
        );
        assert_eq!(safe_link("javascript:alert(1)"), None);
        assert_eq!(safe_link("/relative"), None);
        assert_eq!(safe_link("https://"), None);
        assert_eq!(safe_link("https://a.example/x y"), None);
    }

    #[test]
    fn paths_are_shown_without_the_origin() {
        assert_eq!(path_of("http://127.0.0.1:8181/cart?x=1"), "/cart?x=1");
        assert_eq!(path_of("https://shop.example"), "/");
        assert_eq!(path_of("/already/a/path"), "/already/a/path");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(-5, &EN), "less than a minute");
        assert_eq!(duration(59, &EN), "less than a minute");
        assert_eq!(duration(125, &EN), "2 min");
        assert_eq!(duration(3 * 3600 + 4 * 60, &EN), "3 h 4 min");
    }

    #[test]
    fn durations_read_naturally_in_every_language() {
        use crate::i18n::{FI, FR, TH, ZH_HANS, ZH_HANT};
        assert_eq!(duration(3 * 3600 + 4 * 60, &FR), "3 h 4 min");
        assert_eq!(duration(125, &FI), "2 min");
        assert_eq!(duration(30, &FI), "alle minuutin");
        assert_eq!(duration(125, &ZH_HANS), "2 分钟");
        assert_eq!(duration(3 * 3600 + 4 * 60, &ZH_HANT), "3 小時 4 分鐘");
        assert_eq!(duration(125, &TH), "2 นาที");
    }

    #[test]
    fn money_has_minor_units_where_the_currency_does() {
        assert_eq!(money(12_900, "USD"), "USD 129.00");
        assert_eq!(money(5, "EUR"), "EUR 0.05");
        assert_eq!(money(1200, "JPY"), "JPY 1200");
    }

    #[test]
    fn the_shopper_is_named_by_email_then_page() {
        let mut context = ChatContext {
            page_url: Some("http://127.0.0.1:8181/products/alpine-parka".into()),
            ..ChatContext::default()
        };
        assert_eq!(
            shopper_label(&context, &EN),
            "visitor on /products/alpine-parka"
        );
        context.email = Some("ada@example.com".into());
        assert_eq!(shopper_label(&context, &EN), "ada@example.com");
        assert_eq!(shopper_label(&ChatContext::default(), &EN), "visitor");
    }

    #[test]
    fn a_multi_byte_character_after_the_scheme_is_part_of_the_link() {
        // Once `url[..8]`, which panicked the console on the `é`.
        assert_eq!(
            linkify("see http://é.example"),
            [Segment::Text("see "), Segment::Link("http://é.example")]
        );
        assert_eq!(linkify("http://é"), [Segment::Link("http://é")]);
        assert_eq!(linkify("https://é"), [Segment::Link("https://é")]);
        assert_eq!(
            linkify("HTTP://É."),
            [Segment::Link("HTTP://É"), Segment::Text(".")]
        );
    }

    /// Every split of `s` at a character boundary, and `s` in company.
    fn variants(s: &str) -> Vec<String> {
        let mut out = vec![
            s.to_owned(),
            format!("see {s}"),
            format!("{s} http://é.example"),
            format!("http://{s}"),
            format!("https://{s}"),
        ];
        if s.len() <= 200 {
            for (at, _) in s.char_indices().skip(1) {
                out.push(s[..at].to_owned());
                out.push(s[at..].to_owned());
            }
        }
        out
    }

    #[test]
    fn hostile_strings_keep_every_character_and_link_only_http() {
        for s in crate::hostile::corpus() {
            for text in variants(&s) {
                let segments = linkify(&text);
                let mut again = String::new();
                for segment in &segments {
                    match segment {
                        Segment::Text(t) => again.push_str(t),
                        Segment::Link(url) => {
                            assert_eq!(safe_link(url), Some(*url), "{text:?}");
                            again.push_str(url);
                        }
                    }
                }
                assert_eq!(again, text);
                let _ = safe_link(&text);
                let _ = path_of(&text);
            }
        }
    }

    #[test]
    fn hostile_context_fields_are_labelled_without_panicking() {
        for s in crate::hostile::corpus() {
            let context = ChatContext {
                email: Some(s.clone()),
                page_url: Some(s.clone()),
                ..ChatContext::default()
            };
            let label = shopper_label(&context, &EN);
            assert!(s.contains(&label) || label == "visitor");
            let visitor = ChatContext {
                page_url: Some(s.clone()),
                ..ChatContext::default()
            };
            let _ = shopper_label(&visitor, &EN);
            let cart = Cart {
                value_minor: 12_900,
                currency: s.clone(),
                items: vec![aisle_core::protocol::CartItem {
                    sku: s.clone(),
                    title: Some(s.clone()),
                    quantity: 1,
                }],
            };
            assert!(money(cart.value_minor, &cart.currency).starts_with(s.as_str()));
            assert_eq!(cart_lines(&cart).len(), 1);
            for tag in parse_tags(&s) {
                assert!(s.contains(&tag));
            }
            assert_eq!(char_count(&s), s.chars().count());
        }
    }

    #[test]
    fn tags_are_split_trimmed_and_unique() {
        assert_eq!(
            parse_tags(" shipping, refund ,,shipping"),
            ["shipping", "refund"]
        );
        assert!(parse_tags("  ").is_empty());
    }
}
