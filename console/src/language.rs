//! The language switcher shared by the login screen, the password screens
//! and the workspace's top bar.

use crate::i18n::Locale;
use crate::state::Console;
use leptos::html;
use leptos::prelude::*;

/// The language switcher: a labelled `<select>` listing each language in
/// itself. The choice is remembered and rewords every screen at once; focus
/// comes back to the switcher once the screens are drawn again.
#[component]
pub fn LanguagePicker() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let current = console.locale();
    let select: NodeRef<html::Select> = NodeRef::new();
    select.on_load(move |select| {
        if console.refocus_language.get_untracked() {
            console.refocus_language.set(false);
            request_animation_frame(move || {
                let _ = select.focus();
            });
        }
    });
    let change = move |ev: leptos::ev::Event| {
        let Some(locale) = Locale::from_tag(&event_target_value(&ev)) else {
            return;
        };
        console.refocus_language.set(locale != console.locale());
        console.set_locale(locale);
    };
    view! {
        <div class="language-picker">
            <label for="language">{s.language}</label>
            <select id="language" node_ref=select on:change=change>
                {Locale::ALL
                    .into_iter()
                    .map(|locale| {
                        view! {
                            <option value=locale.tag() lang=locale.tag() selected=locale == current>
                                {locale.name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </div>
    }
}
