//! Site files (`aisle site import`): the positioned JSON parser, serde with
//! paths, and every validation; for accepted files, what the server derives
//! from them (assistant texts, business hours with time zones).

#![no_main]

use aisle_server::text::Locale;
use aisle_server::site_file::parse_site_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_site_file(text) {
        Ok(file) => {
            let config = file.config();
            for lang in Locale::ALL {
                let _ = config.text(lang);
            }
            for at in [0, 1_795_755_600, i64::from(i32::MAX)] {
                let _ = config.open_at(at);
                let _ = config.back_at(at);
            }
            // What export writes, import reads back the same.
            let exported = serde_json::to_string_pretty(&file).expect("a site file serializes");
            let again = parse_site_file(&exported).expect("an exported file imports");
            assert_eq!(again, file);
        }
        Err(errors) => {
            assert!(
                !errors.is_empty(),
                "a refused file names at least one error"
            );
        }
    }
});
