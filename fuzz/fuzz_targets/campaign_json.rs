//! Campaign files: the positioned JSON parser, the checker (every error with
//! its path and position) and, for files that check out, the evaluator for a
//! visitor built from the same bytes. Nothing may panic or loop.

#![no_main]

use aisle_core::campaign::{Visitor, evaluate, json, parse_campaigns};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The raw parser alone (the site file uses it too).
    let _ = json::parse(text);
    match parse_campaigns(text) {
        Ok(file) => {
            // Evaluate for a visitor whose page comes from the input, at a
            // fixed instant, and check the answer is one of the file's.
            let url = text.get(..text.len().min(64)).unwrap_or("/");
            let visitor = Visitor::at(url, 1_795_755_600_000);
            let evaluation = evaluate(&file, &visitor);
            if let Some(shown) = evaluation.show {
                assert!(file.campaigns.iter().any(|c| c.id == shown));
                assert_eq!(evaluation.eligible.first(), Some(&shown));
            }
        }
        Err(errors) => {
            assert!(
                !errors.is_empty(),
                "a refused file names at least one error"
            );
            for error in &errors {
                assert!(error.path.starts_with('$'), "{error:?}");
            }
        }
    }
});
