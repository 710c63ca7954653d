//! The hostile-string corpus (`tests/hostile/strings.json`) for native tests:
//! markup and script injection, bidi overrides, combining marks, emoji,
//! lone surrogates, strings at and over the message limit, `http://` before
//! multi-byte characters, control characters, many scripts.

/// The corpus file, as committed.
const CORPUS: &str = include_str!("../../tests/hostile/strings.json");

/// Every corpus string as the console receives it: a lone surrogate (which a
/// JavaScript string can hold and a Rust one cannot) arrives as U+FFFD, as
/// `String.prototype.toWellFormed` and wasm-bindgen make it.
pub fn corpus() -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct File {
        strings: Vec<String>,
    }
    let file: File = serde_json::from_str(&well_formed(CORPUS)).expect("corpus is JSON");
    assert!(file.strings.len() >= 200, "the corpus keeps 200+ strings");
    file.strings
}

/// `json` with each `\uXXXX` escape of a lone surrogate replaced by `\uFFFD`.
fn well_formed(json: &str) -> String {
    let bytes = json.as_bytes();
    let surrogate = |at: usize| -> Option<u16> {
        let hex = json.get(at + 2..at + 6)?;
        (bytes.get(at..at + 2) == Some(&b"\\u"[..]))
            .then(|| u16::from_str_radix(hex, 16).ok())
            .flatten()
            .filter(|u| (0xD800..0xE000).contains(u))
    };
    let mut out = String::with_capacity(json.len());
    let mut at = 0;
    while let Some(found) = json[at..].find('\\') {
        let start = at + found;
        out.push_str(&json[at..start]);
        match surrogate(start) {
            Some(high)
                if high < 0xDC00 && surrogate(start + 6).is_some_and(|low| low >= 0xDC00) =>
            {
                out.push_str(&json[start..start + 12]);
                at = start + 12;
            }
            Some(_) => {
                out.push_str("\\uFFFD");
                at = start + 6;
            }
            None => {
                // Any other escape: copy it whole (`\\` must not start another).
                let len = json[start + 1..]
                    .chars()
                    .next()
                    .map_or(1, |c| 1 + c.len_utf8());
                out.push_str(&json[start..start + len]);
                at = start + len;
            }
        }
    }
    out.push_str(&json[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(well_formed(r#""\ud800""#), r#""\uFFFD""#);
        assert_eq!(well_formed(r#""\ud83d\ude00""#), r#""\ud83d\ude00""#);
        assert_eq!(well_formed(r#""\\ud800""#), r#""\\ud800""#);
        assert_eq!(well_formed(r#""\ude00\ud83d""#), r#""\uFFFD\uFFFD""#);
        assert!(corpus().iter().any(|s| s.contains('\u{FFFD}')));
    }
}
