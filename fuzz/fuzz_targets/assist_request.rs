//! Self-service requests (`POST /api/sites/{site}/assist`): decoding, then
//! what the server reads from one before any database access: the language,
//! the step recorded in the session, order numbers and emails typed in forms.

#![no_main]

use aisle_core::assist::AssistRequest;
use aisle_core::order::{OrderNumber, normalize_email};
use aisle_server::records::Session;
use aisle_server::text::Locale;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(request) = serde_json::from_str::<AssistRequest>(text) else {
        return;
    };
    let encoded = serde_json::to_string(&request).expect("a request serializes");
    let decoded: AssistRequest = serde_json::from_str(&encoded).expect("a request decodes");
    assert_eq!(decoded, request);
    let lang = Locale::of(&request.locale);
    assert_eq!(Locale::of(lang.tag()), lang);
    let mut session = Session {
        token: String::new(),
        email: None,
        pending: None,
        steps: Vec::new(),
        is_new: false,
    };
    for _ in 0..3 {
        session.step(&request.action);
    }
    assert!(session.steps.iter().all(|s| s.chars().count() <= 64));
    for (_, value) in &request.values {
        let _ = OrderNumber::parse(value);
        if let Ok(email) = normalize_email(value) {
            assert_eq!(normalize_email(&email), Ok(email.clone()));
        }
    }
    if let Some(identity) = &request.identity {
        let _ = normalize_email(&identity.email);
    }
});
