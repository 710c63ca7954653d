//! Aisle's agent console: Leptos (CSR) compiled to WebAssembly, served by the
//! server at `/console/` (same origin as the API and the agent WebSocket).
//!
//! - [`app`]: the root, login and the top bar; [`queue`], [`chat`],
//!   [`context`], [`records`], [`store_requests`], [`insights`], [`team`],
//!   [`macro_editor`], [`settings`], [`campaigns`]: the screens; [`chart`]
//!   the bar chart per day both Insights and Campaigns draw.
//! - [`state`]: shared signals and the agent's actions; [`desk`]: queue and
//!   conversation logic without DOM (native `#[test]`s).
//! - [`socket`]: the agent WebSocket; [`api`]: the agent HTTP API.
//! - [`macros`]: canned replies with variables; [`text`], [`dates`]: display
//!   text; [`i18n`]: every interface string, in six languages.
//!
//! Build: `cargo xtask build` (Trunk, into `dist/console/`). Test: native
//! `cargo test -p aisle-console`, end to end `tests/e2e/console.spec.ts`.

pub mod api;
pub mod app;
pub mod campaigns;
pub mod chart;
pub mod chat;
pub mod context;
pub mod dates;
pub mod desk;
#[cfg(test)]
mod hostile;
pub mod i18n;
pub mod insights;
pub mod language;
pub mod macro_editor;
pub mod macros;
pub mod notify;
pub mod queue;
pub mod records;
pub mod replies;
pub mod settings;
pub mod socket;
pub mod state;
pub mod store_requests;
pub mod team;
pub mod text;

use app::App;
use i18n::Locale;
use leptos::prelude::*;

/// The locale for the browser's preferred languages.
pub fn browser_locale() -> Locale {
    let languages = web_sys::window()
        .map(|w| w.navigator().languages())
        .map(|list| {
            list.iter()
                .filter_map(|v| v.as_string())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    Locale::negotiate(languages.iter().map(String::as_str))
}

/// Mounts the console into `<body>`, in the language the agent chose earlier
/// in this browser, else the browser's.
pub fn boot() {
    let locale = i18n::remembered_locale().unwrap_or_else(browser_locale);
    mount_to_body(move || view! { <App locale=locale/> });
}
