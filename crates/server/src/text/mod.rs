//! What the assistant (and the emails to shoppers) say, in every language the widget speaks: the
//! [`Text`] table's shape here, one file per language beside it.
//!
//! A [`Text`] table is a struct, so no language can miss a string: the
//! compiler refuses it. Placeholders are `{name}`, filled by [`fill`].
//! Merchant content (FAQ answers) is not here but in the site configuration;
//! a merchant's rewording of a sentence (`strings` in the site file) is
//! borrowed from the site's settings for the length of a request
//! ([`crate::sites::Site::text`]), never copied into a `'static`.

pub use aisle_core::locale::Locale;

/// The built-in tables, in [`Locale::ALL`] order.
static TABLES: [&Text<'static>; 6] = [&EN, &FR, &FI, &ZH_HANS, &ZH_HANT, &TH];

/// The built-in table of `locale`.
pub fn table(locale: Locale) -> &'static Text<'static> {
    TABLES[locale.index()]
}

/// The `{placeholders}` of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// Replaces each `{key}` of `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

impl crate::sites::Site {
    /// The assistant's sentences in `lang`, with this site's rewordings
    /// (`strings`) borrowed from its settings: nothing is copied or kept
    /// beyond the site, so a re-import frees the old wording with the old site.
    pub fn text(&self, lang: Locale) -> Text<'_> {
        self.config.text(lang)
    }
}

impl crate::sites::SiteConfig {
    /// The assistant's sentences in `lang` with these settings' overrides,
    /// borrowed from them.
    pub fn text(&self, lang: Locale) -> Text<'_> {
        let mut text = *table(lang);
        for (tag, overrides) in &self.strings {
            if tag.eq_ignore_ascii_case(lang.tag()) {
                for (key, value) in overrides {
                    text.set(key, value);
                }
            }
        }
        text
    }
}

/// Defines [`Text`] from its list of sentence keys, with [`Text::KEYS`] and
/// [`Text::set`] (merchant overrides by key) generated from the same list.
macro_rules! text_table {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// Every sentence and label of the assistant in one language; `'a`
        /// is how long the merchant's overrides it borrows live (`'static`
        /// for the built-in tables).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Text<'a> {
            $($(#[$doc])* pub $field: &'a str,)*
    /// Reasons, in `ReturnReason::ALL` order.
            pub reasons: [&'a str; 6],
    /// Issue kinds, in `IssueKind` declaration order.
            pub issues: [&'a str; 7],
        }

        impl<'a> Text<'a> {
            /// The keys a merchant can override (`strings` in the site file).
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Replaces the sentence `key`; `false` for an unknown key.
            pub fn set(&mut self, key: &str, value: &'a str) -> bool {
                match key {
                    $(stringify!($field) => self.$field = value,)*
                    _ => return false,
                }
                true
            }

            /// The sentence `key`, if there is one.
            pub fn get(&self, key: &str) -> Option<&'a str> {
                match key {
                    $(stringify!($field) => Some(self.$field),)*
                    _ => None,
                }
            }
        }
    };
}

text_table! {
    // Proving an order.
    /// Asks for order number + email.
    ask_order,
    /// Field label.
    order_number,
    /// Field hint, and the error for a malformed number.
    order_number_hint,
    /// Field label.
    email,
    /// Submit button of the lookup form.
    find_order,
    /// Validation.
    error_order_empty,
    /// Validation.
    error_email_empty,
    /// Validation.
    error_email_format,
    /// Unknown order or wrong email (deliberately the same).
    not_found,
    /// Too many failed lookups; `{minutes}`.
    rate_limited,
    /// Asks which of the shopper's orders.
    choose_order,
    /// A choice; `{number}`, `{state}`.
    order_choice,
    /// Choice: prove a different order.
    another_order,

    // Common.
    /// Group label of next steps.
    next_steps,
    /// Back to the main menu.
    something_else,
    /// Hand over to the team.
    talk_to_person,
    /// An action from an old page that no longer applies.
    unknown_action,

    // Track.
    /// Above the card; `{number}`.
    track_intro,
    /// Card heading; `{number}`.
    order_heading,
    /// Order state.
    state_unfulfilled,
    /// Order state.
    state_in_transit,
    /// Order state.
    state_delivered,
    /// Order state.
    state_cancelled,
    /// Label.
    carrier,
    /// Label.
    tracking_number,
    /// Label.
    estimated_delivery,
    /// Link to the carrier's page; `{carrier}`.
    track_with_carrier,
    /// Timeline heading.
    timeline,
    /// Timeline event.
    event_ordered,
    /// Timeline event.
    event_shipped,
    /// Timeline event.
    event_in_transit,
    /// Timeline event.
    event_out_for_delivery,
    /// Timeline event.
    event_delivered,
    /// Timeline event.
    event_cancelled,

    // Return.
    /// Menu-level action label.
    return_items,
    /// Asks for items; `{number}`.
    return_pick,
    /// Quantity field hint; `{max}`.
    return_quantity_hint,
    /// An item that cannot be returned; `{title}`.
    return_final_sale,
    /// Whole order outside the window; `{number}`, `{days}` since delivery, `{window}`.
    return_outside_window,
    /// Not delivered yet; `{number}`, `{window}`.
    return_not_delivered,
    /// Cancelled order; `{number}`.
    return_cancelled,
    /// Nothing returnable left (all final sale); `{number}`.
    return_nothing_eligible,
    /// Field label.
    return_reason,
    /// Placeholder option of a select.
    choose_one,
    /// Field label.
    return_comment,
    /// Submit of the item form.
    return_review,
    /// Validation.
    return_none_selected,
    /// Validation: quantity out of range; `{max}`.
    return_bad_quantity,
    /// Validation.
    reason_required,
    /// Validation; `{max}`.
    too_long,
    /// Summary before confirming; `{number}`, `{items}`, `{reason}`.
    return_summary,
    /// Confirm button.
    return_confirm,
    /// Go back and change.
    change,
    /// Done; `{reference}`, `{email}`.
    return_done,

    // Cancel.
    /// Menu-level action label.
    cancel_order,
    /// Asks to confirm; `{number}`.
    cancel_ask,
    /// Confirm button.
    cancel_yes,
    /// Keep the order.
    cancel_no,
    /// Kept; `{number}`.
    cancel_kept,
    /// Done; `{number}`.
    cancel_done,
    /// Refused: shipped; `{number}`, `{window}`.
    cancel_shipped,
    /// Refused: delivered; `{number}`.
    cancel_delivered,
    /// Refused: already cancelled; `{number}`.
    cancel_already,
    /// Refused: merchant time limit; `{number}`, `{hours}`.
    cancel_too_late,
    /// The store accepted the cancel and is still at it; `{number}`.
    cancel_processing,
    /// The store could not be reached; handed to a person; `{reference}`, `{email}`.
    store_unreachable,
    /// The store refused; handed to a person; `{number}`, `{reference}`, `{email}`.
    store_refused,

    // Report an issue.
    /// Menu-level action label.
    report_issue,
    /// Asks what went wrong; `{number}`.
    report_ask,
    /// Field label.
    report_kind,
    /// Field label.
    report_description,
    /// Field hint; `{min}`, `{max}`.
    report_description_hint,
    /// Validation.
    kind_required,
    /// Validation; `{min}`.
    too_short,
    /// Submit.
    report_send,
    /// Done; `{reference}`, `{number}`, `{email}`.
    report_done,
    /// Nothing to report before shipping; `{number}`.
    report_not_shipped,

    // Quick answers.
    /// Intro to the FAQ.
    faq_intro,
    /// Group label of the questions.
    faq_label,
    /// When the merchant has no FAQ.
    faq_empty,
    /// Asked under every answer.
    helpful_ask,
    /// Feedback button.
    helpful_yes,
    /// Feedback button.
    helpful_no,
    /// After "yes".
    helpful_thanks,
    /// After "no".
    helpful_sorry,

    // Message to the team (until live chat, "Talk to a person" leads here).
    /// Intro.
    message_intro,
    /// Outside business hours, before the message form.
    away,
    /// Card title of the next opening.
    back_title,
    /// Fact label of the next opening.
    back_label,
    /// Field label.
    message,
    /// Submit.
    message_send,
    /// Validation.
    message_empty,
    /// Done; `{reference}`, `{email}`.
    message_done,

    // Automatic emails (multipart text + HTML, in the shopper's language).
    /// Opening line of every email.
    email_greeting,
    /// Subject of "ticket received"; `{store}`, `{reference}`.
    email_ticket_subject,
    /// Body of "ticket received"; `{store}`, `{reference}`.
    email_ticket_body,
    /// Heading above the shopper's own words, quoted back.
    email_your_message,
    /// Subject of "return request received"; `{store}`, `{reference}`.
    email_return_subject,
    /// Body of "return request received"; `{reference}`, `{number}`.
    email_return_body,
    /// Heading above the items to return.
    email_return_items,
    /// Closing line; `{store}`.
    email_signoff,
    /// Small print; `{store}`.
    email_footer,
    /// Subject of "you left before the agent answered"; `{store}`, `{agent}`.
    email_missed_subject,
    /// Body of it; `{agent}`.
    email_missed_body,
    /// Its last line: how to go on.
    email_missed_next,
    /// Subject of the transcript the shopper asked for; `{store}`.
    email_transcript_subject,
    /// Its opening paragraph; `{store}`.
    email_transcript_body,
    /// Heading above the conversation.
    email_transcript_heading,
    /// How the shopper's own lines are labelled ("You: …").
    email_transcript_you,
    /// Said first when the oldest messages did not fit.
    email_transcript_earlier,
    // Emails to agents (plain text), in the language of the console that
    // asked: the admin's for an invitation, the agent's own for a reset.
    /// Subject of an invitation to the team; `{store}`.
    email_invite_subject,
    /// Its text; `{name}`, `{store}`, `{days}` (how long the link works), `{url}`.
    email_invite_body,
    /// Subject of a password-reset link; `{store}`.
    email_reset_subject,
    /// Its text; `{name}`, `{store}`, `{days}`, `{url}`.
    email_reset_body,
}

// One file per language.
mod en;
mod fi;
mod fr;
mod th;
mod zh_hans;
mod zh_hant;

pub use en::EN;
pub use fi::FI;
pub use fr::FR;
pub use th::TH;
pub use zh_hans::ZH_HANS;
pub use zh_hant::ZH_HANT;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sites::{Site, SiteConfig};
    use std::collections::BTreeMap;

    #[test]
    fn a_merchants_wording_is_borrowed_from_the_site_not_copied_or_leaked() {
        let mut config = SiteConfig::default();
        config.strings.insert(
            "FR".into(),
            BTreeMap::from([("talk_to_person".into(), "Parler à un conseiller".into())]),
        );
        let site = Site {
            id: "demo".into(),
            name: "Demo".into(),
            allowed_origins: vec![],
            config,
            identity_secret: None,
            previous_identity_secret: None,
        };
        let french = site.text(Locale::Fr);
        let stored = &site.config.strings["FR"]["talk_to_person"];
        assert_eq!(french.talk_to_person, "Parler à un conseiller");
        // The very bytes the site holds: freed with it when a re-import
        // replaces it, however often the merchant rewords.
        assert!(std::ptr::eq(
            french.talk_to_person.as_ptr(),
            stored.as_ptr()
        ));
        // Other sentences and languages stay the built-in ones.
        assert_eq!(french.something_else, table(Locale::Fr).something_else);
        assert_eq!(site.text(Locale::En), *table(Locale::En));
    }

    #[test]
    fn every_language_fills_the_same_placeholders_as_english() {
        let english = table(Locale::En);
        for locale in Locale::ALL {
            let text = table(locale);
            for key in Text::KEYS {
                let mut want = placeholders(english.get(key).unwrap());
                let mut have = placeholders(text.get(key).unwrap());
                want.sort_unstable();
                have.sort_unstable();
                assert_eq!(have, want, "{locale} {key}");
            }
        }
    }
}
