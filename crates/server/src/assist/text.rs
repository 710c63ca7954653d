//! What the assistant says, in every language the widget speaks.
//!
//! A [`Text`] table is a struct, so no language can miss a string: the
//! compiler refuses it. Placeholders are `{name}`, filled by [`fill`].
//! Merchant content (FAQ answers) is not here but in the site configuration.

/// The languages the assistant answers in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// French.
    Fr,
    /// Finnish.
    Fi,
    /// Simplified Chinese.
    ZhHans,
    /// Traditional Chinese.
    ZhHant,
    /// Thai.
    Th,
}

impl Lang {
    /// Every language, in the order of [`Lang::index`].
    pub const ALL: [Lang; 6] = [
        Lang::En,
        Lang::Fr,
        Lang::Fi,
        Lang::ZhHans,
        Lang::ZhHant,
        Lang::Th,
    ];

    /// Position in [`Lang::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The language for a BCP 47 tag (`fr-CA` → French, `zh-TW` → Traditional
    /// Chinese); English when unsupported.
    pub fn from_tag(tag: &str) -> Lang {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        match parts.next().unwrap_or_default() {
            "fr" => Lang::Fr,
            "fi" => Lang::Fi,
            "th" => Lang::Th,
            "zh" => {
                if parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo")) {
                    Lang::ZhHant
                } else {
                    Lang::ZhHans
                }
            }
            _ => Lang::En,
        }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
            Lang::Fi => "fi",
            Lang::ZhHans => "zh-Hans",
            Lang::ZhHant => "zh-Hant",
            Lang::Th => "th",
        }
    }

    /// This language's table.
    pub fn text(self) -> &'static Text {
        match self {
            Lang::En => &EN,
            Lang::Fr => &FR,
            Lang::Fi => &FI,
            Lang::ZhHans => &ZH_HANS,
            Lang::ZhHant => &ZH_HANT,
            Lang::Th => &TH,
        }
    }
}

/// A `'static` copy of a merchant's sentence, made once per distinct text (site
/// settings are re-read every few seconds; the same text is not copied again).
pub fn intern(text: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TEXTS: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut texts = TEXTS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(known) = texts.get(text) {
        return known;
    }
    let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
    texts.insert(leaked);
    leaked
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

/// Defines [`Text`] from its list of sentence keys, with [`Text::KEYS`] and
/// [`Text::set`] (merchant overrides by key) generated from the same list.
macro_rules! text_table {
    ($($(#[$doc:meta])* $field:ident,)*) => {
        /// Every sentence and label of the assistant in one language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Text {
            $($(#[$doc])* pub $field: &'static str,)*
    /// Reasons, in `ReturnReason::ALL` order.
            pub reasons: [&'static str; 6],
    /// Issue kinds, in `IssueKind` declaration order.
            pub issues: [&'static str; 7],
        }

        impl Text {
            /// The keys a merchant can override (`strings` in the site file).
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Replaces the sentence `key`; `false` for an unknown key.
            pub fn set(&mut self, key: &str, value: &'static str) -> bool {
                match key {
                    $(stringify!($field) => self.$field = value,)*
                    _ => return false,
                }
                true
            }

            /// The sentence `key`, if there is one.
            pub fn get(&self, key: &str) -> Option<&'static str> {
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
}

/// English.
pub static EN: Text = Text {
    ask_order: "Enter your order number and the email you used at checkout.",
    order_number: "Order number",
    order_number_hint: "Order numbers are digits, like #1001.",
    email: "Email",
    find_order: "Find my order",
    error_order_empty: "Enter your order number.",
    error_email_empty: "Enter the email you used at checkout.",
    error_email_format: "Enter an email like name@example.com.",
    not_found: "We couldn't find an order with that number and email. Check both and try again.",
    rate_limited: "Too many attempts. Please try again in {minutes} minutes.",
    choose_order: "Which order is it about?",
    order_choice: "Order {number} · {state}",
    another_order: "Another order",
    next_steps: "What next?",
    something_else: "Something else",
    talk_to_person: "Talk to a person",
    unknown_action: "Sorry, that option is no longer available. Here is the menu again.",
    track_intro: "Here is the latest on order {number}.",
    order_heading: "Order {number}",
    state_unfulfilled: "Being prepared",
    state_in_transit: "In transit",
    state_delivered: "Delivered",
    state_cancelled: "Cancelled",
    carrier: "Carrier",
    tracking_number: "Tracking number",
    estimated_delivery: "Estimated delivery",
    track_with_carrier: "Track on the {carrier} website",
    timeline: "Timeline",
    event_ordered: "Order placed",
    event_shipped: "Shipped",
    event_in_transit: "In transit",
    event_out_for_delivery: "Out for delivery",
    event_delivered: "Delivered",
    event_cancelled: "Cancelled",
    return_items: "Return items",
    return_pick: "Which items from order {number} would you like to return?",
    return_quantity_hint: "How many to return, 0 to {max}.",
    return_final_sale: "{title} was sold as final sale and can't be returned.",
    return_outside_window: "Order {number} was delivered {days} days ago. Returns are accepted within {window} days of delivery, so it can no longer be returned.",
    return_not_delivered: "Order {number} hasn't been delivered yet. Once it arrives, you can return items within {window} days.",
    return_cancelled: "Order {number} was cancelled, so there is nothing to return.",
    return_nothing_eligible: "Nothing in order {number} can be returned.",
    return_reason: "Reason for the return",
    choose_one: "Choose…",
    reasons: [
        "Doesn't match the description",
        "Arrived too late",
        "Wrong item sent",
        "Damaged or defective",
        "Changed my mind",
        "Other",
    ],
    return_comment: "Comment (optional)",
    return_review: "Review return",
    return_none_selected: "Choose at least one item to return.",
    return_bad_quantity: "Enter a number from 0 to {max}.",
    reason_required: "Choose a reason.",
    too_long: "Please keep it under {max} characters.",
    return_summary: "You're returning from order {number}: {items}. Reason: {reason}.",
    return_confirm: "Confirm return",
    change: "Change",
    return_done: "Your return {reference} is registered. We'll email the next steps to {email}.",
    cancel_order: "Cancel order",
    cancel_ask: "Cancel order {number}? This can't be undone.",
    cancel_yes: "Yes, cancel the order",
    cancel_no: "Keep my order",
    cancel_kept: "Order {number} stays as it is.",
    cancel_done: "Order {number} is cancelled. Your payment will be refunded to the original method.",
    cancel_shipped: "Order {number} has already shipped, so it can no longer be cancelled. Once it's delivered, you can return it within {window} days.",
    cancel_delivered: "Order {number} has been delivered, so it can't be cancelled, but you can return it.",
    cancel_already: "Order {number} is already cancelled.",
    cancel_too_late: "Order {number} can only be cancelled within {hours} hours of ordering.",
    cancel_processing: "The store is cancelling order {number} now. It will email you once it's done.",
    store_unreachable: "We couldn't reach the store just now. Your request is with our team (reference {reference}); we'll reply to {email}.",
    store_refused: "The store couldn't do that for order {number}. Your request is with our team (reference {reference}); we'll reply to {email}.",
    report_issue: "Report an issue",
    report_ask: "What's wrong with order {number}?",
    report_kind: "What happened",
    issues: [
        "It's late",
        "It's lost",
        "It arrived damaged",
        "It doesn't work",
        "Wrong item",
        "Something is missing",
        "It never arrived",
    ],
    report_description: "Describe the problem",
    report_description_hint: "{min} to {max} characters.",
    kind_required: "Choose what happened.",
    too_short: "Please write at least {min} characters.",
    report_send: "Send report",
    report_done: "Thank you. Ticket {reference} is open for order {number}; our team will reply to {email}.",
    report_not_shipped: "Order {number} hasn't shipped yet, so there is nothing to report about its delivery. A person can help with anything else.",
    faq_intro: "Here are the questions shoppers ask most.",
    faq_label: "Common questions",
    faq_empty: "There are no saved answers yet. A person can help.",
    helpful_ask: "Did this help?",
    helpful_yes: "Yes, thanks",
    helpful_no: "Not really",
    helpful_thanks: "Glad it helped.",
    helpful_sorry: "Sorry about that. A person can help.",
    message_intro: "Leave a message and our team will reply by email.",
    away: "We're away right now. Leave a message and we'll reply by email as soon as we're back.",
    back_title: "When we're back",
    back_label: "Back",
    message: "Message",
    message_send: "Send message",
    message_empty: "Write your message.",
    message_done: "Thank you. We received your message ({reference}) and will reply to {email}.",
    email_greeting: "Hello,",
    email_ticket_subject: "{store}: we received your request {reference}",
    email_ticket_body: "Thank you for contacting {store}. We received your request and gave it the reference {reference}. A member of our team will reply to this address; please keep the reference if you write to us again.",
    email_your_message: "Your message",
    email_return_subject: "{store}: return request {reference} received",
    email_return_body: "We received your return request {reference} for order {number}. We'll email you the next steps once our team has reviewed it.",
    email_return_items: "Items to return",
    email_signoff: "The {store} team",
    email_footer: "This email was sent automatically because you contacted {store}.",
};

/// French.
pub static FR: Text = Text {
    ask_order: "Saisissez votre numéro de commande et l’e-mail utilisé lors de l’achat.",
    order_number: "Numéro de commande",
    order_number_hint: "Un numéro de commande ne contient que des chiffres, comme #1001.",
    email: "E-mail",
    find_order: "Trouver ma commande",
    error_order_empty: "Saisissez votre numéro de commande.",
    error_email_empty: "Saisissez l’e-mail utilisé lors de l’achat.",
    error_email_format: "Saisissez un e-mail comme nom@exemple.fr.",
    not_found: "Nous n’avons trouvé aucune commande avec ce numéro et cet e-mail. Vérifiez-les et réessayez.",
    rate_limited: "Trop de tentatives. Réessayez dans {minutes} minutes.",
    choose_order: "De quelle commande s’agit-il ?",
    order_choice: "Commande {number} · {state}",
    another_order: "Une autre commande",
    next_steps: "Et ensuite ?",
    something_else: "Autre chose",
    talk_to_person: "Parler à quelqu’un",
    unknown_action: "Désolé, cette option n’est plus disponible. Voici de nouveau le menu.",
    track_intro: "Voici les dernières nouvelles de la commande {number}.",
    order_heading: "Commande {number}",
    state_unfulfilled: "En préparation",
    state_in_transit: "En cours d’acheminement",
    state_delivered: "Livrée",
    state_cancelled: "Annulée",
    carrier: "Transporteur",
    tracking_number: "Numéro de suivi",
    estimated_delivery: "Livraison estimée",
    track_with_carrier: "Suivre sur le site de {carrier}",
    timeline: "Historique",
    event_ordered: "Commande passée",
    event_shipped: "Expédiée",
    event_in_transit: "En cours d’acheminement",
    event_out_for_delivery: "En cours de livraison",
    event_delivered: "Livrée",
    event_cancelled: "Annulée",
    return_items: "Retourner des articles",
    return_pick: "Quels articles de la commande {number} souhaitez-vous retourner ?",
    return_quantity_hint: "Quantité à retourner, de 0 à {max}.",
    return_final_sale: "{title} a été vendu en vente finale et ne peut pas être retourné.",
    return_outside_window: "La commande {number} a été livrée il y a {days} jours. Les retours sont acceptés dans les {window} jours suivant la livraison : elle ne peut plus être retournée.",
    return_not_delivered: "La commande {number} n’a pas encore été livrée. Une fois reçue, vous pourrez retourner des articles pendant {window} jours.",
    return_cancelled: "La commande {number} a été annulée : il n’y a rien à retourner.",
    return_nothing_eligible: "Aucun article de la commande {number} ne peut être retourné.",
    return_reason: "Motif du retour",
    choose_one: "Choisir…",
    reasons: [
        "Ne correspond pas à la description",
        "Arrivé trop tard",
        "Mauvais article envoyé",
        "Endommagé ou défectueux",
        "J’ai changé d’avis",
        "Autre",
    ],
    return_comment: "Commentaire (facultatif)",
    return_review: "Vérifier le retour",
    return_none_selected: "Choisissez au moins un article à retourner.",
    return_bad_quantity: "Saisissez un nombre de 0 à {max}.",
    reason_required: "Choisissez un motif.",
    too_long: "Pas plus de {max} caractères, s’il vous plaît.",
    return_summary: "Vous retournez, de la commande {number} : {items}. Motif : {reason}.",
    return_confirm: "Confirmer le retour",
    change: "Modifier",
    return_done: "Votre retour {reference} est enregistré. Nous enverrons la suite à {email}.",
    cancel_order: "Annuler la commande",
    cancel_ask: "Annuler la commande {number} ? Cette action est définitive.",
    cancel_yes: "Oui, annuler la commande",
    cancel_no: "Garder ma commande",
    cancel_kept: "La commande {number} reste inchangée.",
    cancel_done: "La commande {number} est annulée. Le paiement sera remboursé sur le moyen d’origine.",
    cancel_shipped: "La commande {number} est déjà expédiée et ne peut plus être annulée. Une fois livrée, vous pourrez la retourner pendant {window} jours.",
    cancel_delivered: "La commande {number} a été livrée : elle ne peut pas être annulée, mais vous pouvez la retourner.",
    cancel_already: "La commande {number} est déjà annulée.",
    cancel_too_late: "La commande {number} ne peut être annulée que dans les {hours} heures suivant l’achat.",
    cancel_processing: "La boutique annule la commande {number} en ce moment. Elle vous écrira une fois l’annulation faite.",
    store_unreachable: "Nous n’avons pas pu joindre la boutique pour l’instant. Votre demande est transmise à notre équipe (référence {reference}) ; nous répondrons à {email}.",
    store_refused: "La boutique n’a pas pu le faire pour la commande {number}. Votre demande est transmise à notre équipe (référence {reference}) ; nous répondrons à {email}.",
    report_issue: "Signaler un problème",
    report_ask: "Quel est le problème avec la commande {number} ?",
    report_kind: "Ce qui s’est passé",
    issues: [
        "Elle est en retard",
        "Elle est perdue",
        "Elle est arrivée endommagée",
        "L’article ne fonctionne pas",
        "Mauvais article",
        "Il manque quelque chose",
        "Je ne l’ai jamais reçue",
    ],
    report_description: "Décrivez le problème",
    report_description_hint: "De {min} à {max} caractères.",
    kind_required: "Choisissez ce qui s’est passé.",
    too_short: "Écrivez au moins {min} caractères, s’il vous plaît.",
    report_send: "Envoyer le signalement",
    report_done: "Merci. Le ticket {reference} est ouvert pour la commande {number} ; notre équipe répondra à {email}.",
    report_not_shipped: "La commande {number} n’est pas encore expédiée : il n’y a rien à signaler sur sa livraison. Quelqu’un peut vous aider pour le reste.",
    faq_intro: "Voici les questions les plus fréquentes.",
    faq_label: "Questions fréquentes",
    faq_empty: "Aucune réponse enregistrée pour l’instant. Quelqu’un peut vous aider.",
    helpful_ask: "Cette réponse vous a-t-elle aidé ?",
    helpful_yes: "Oui, merci",
    helpful_no: "Pas vraiment",
    helpful_thanks: "Ravi d’avoir pu aider.",
    helpful_sorry: "Désolé. Quelqu’un peut vous aider.",
    message_intro: "Laissez un message : notre équipe vous répondra par e-mail.",
    away: "Nous sommes absents pour le moment. Laissez un message : nous vous répondrons par e-mail dès notre retour.",
    back_title: "Notre retour",
    back_label: "Retour",
    message: "Message",
    message_send: "Envoyer le message",
    message_empty: "Écrivez votre message.",
    message_done: "Merci. Nous avons reçu votre message ({reference}) et répondrons à {email}.",
    email_greeting: "Bonjour,",
    email_ticket_subject: "{store} : nous avons reçu votre demande {reference}",
    email_ticket_body: "Merci d’avoir contacté {store}. Nous avons reçu votre demande et lui avons donné la référence {reference}. Un membre de notre équipe vous répondra à cette adresse ; gardez cette référence si vous nous écrivez de nouveau.",
    email_your_message: "Votre message",
    email_return_subject: "{store} : demande de retour {reference} reçue",
    email_return_body: "Nous avons reçu votre demande de retour {reference} pour la commande {number}. Nous vous enverrons la suite par e-mail dès que notre équipe l’aura examinée.",
    email_return_items: "Articles à retourner",
    email_signoff: "L’équipe {store}",
    email_footer: "Cet e-mail vous a été envoyé automatiquement parce que vous avez contacté {store}.",
};

/// Finnish.
pub static FI: Text = Text {
    ask_order: "Anna tilausnumerosi ja sähköpostiosoite, jota käytit tilatessasi.",
    order_number: "Tilausnumero",
    order_number_hint: "Tilausnumero koostuu numeroista, esimerkiksi #1001.",
    email: "Sähköposti",
    find_order: "Etsi tilaukseni",
    error_order_empty: "Anna tilausnumerosi.",
    error_email_empty: "Anna sähköpostiosoite, jota käytit tilatessasi.",
    error_email_format: "Anna sähköpostiosoite muodossa nimi@esimerkki.fi.",
    not_found: "Emme löytäneet tilausta tällä numerolla ja sähköpostiosoitteella. Tarkista molemmat ja yritä uudelleen.",
    rate_limited: "Liian monta yritystä. Yritä uudelleen {minutes} minuutin kuluttua.",
    choose_order: "Mitä tilausta asia koskee?",
    order_choice: "Tilaus {number} · {state}",
    another_order: "Jokin muu tilaus",
    next_steps: "Mitä seuraavaksi?",
    something_else: "Jotain muuta",
    talk_to_person: "Ota yhteyttä asiakaspalveluun",
    unknown_action: "Valitettavasti tämä vaihtoehto ei ole enää käytettävissä. Tässä valikko uudelleen.",
    track_intro: "Tässä tilauksen {number} viimeisimmät tiedot.",
    order_heading: "Tilaus {number}",
    state_unfulfilled: "Käsittelyssä",
    state_in_transit: "Kuljetuksessa",
    state_delivered: "Toimitettu",
    state_cancelled: "Peruttu",
    carrier: "Kuljetusyhtiö",
    tracking_number: "Seurantanumero",
    estimated_delivery: "Arvioitu toimitus",
    track_with_carrier: "Seuraa lähetystä {carrier}-sivustolla",
    timeline: "Tapahtumat",
    event_ordered: "Tilaus tehty",
    event_shipped: "Lähetetty",
    event_in_transit: "Kuljetuksessa",
    event_out_for_delivery: "Jakelussa",
    event_delivered: "Toimitettu",
    event_cancelled: "Peruttu",
    return_items: "Palauta tuotteita",
    return_pick: "Mitkä tuotteet tilauksesta {number} haluat palauttaa?",
    return_quantity_hint: "Palautettava määrä, 0–{max}.",
    return_final_sale: "{title} on myyty ilman palautusoikeutta, joten sitä ei voi palauttaa.",
    return_outside_window: "Tilaus {number} toimitettiin {days} päivää sitten. Palautukset hyväksytään {window} päivän kuluessa toimituksesta, joten tilausta ei voi enää palauttaa.",
    return_not_delivered: "Tilausta {number} ei ole vielä toimitettu. Kun se saapuu, voit palauttaa tuotteita {window} päivän kuluessa.",
    return_cancelled: "Tilaus {number} on peruttu, joten palautettavaa ei ole.",
    return_nothing_eligible: "Tilauksen {number} tuotteita ei voi palauttaa.",
    return_reason: "Palautuksen syy",
    choose_one: "Valitse…",
    reasons: [
        "Ei vastaa kuvausta",
        "Saapui liian myöhään",
        "Väärä tuote lähetetty",
        "Vaurioitunut tai viallinen",
        "Muutin mieleni",
        "Muu syy",
    ],
    return_comment: "Kommentti (vapaaehtoinen)",
    return_review: "Tarkista palautus",
    return_none_selected: "Valitse vähintään yksi palautettava tuote.",
    return_bad_quantity: "Anna luku väliltä 0–{max}.",
    reason_required: "Valitse syy.",
    too_long: "Enintään {max} merkkiä, kiitos.",
    return_summary: "Palautat tilauksesta {number}: {items}. Syy: {reason}.",
    return_confirm: "Vahvista palautus",
    change: "Muuta",
    return_done: "Palautuksesi {reference} on kirjattu. Lähetämme jatko-ohjeet osoitteeseen {email}.",
    cancel_order: "Peru tilaus",
    cancel_ask: "Haluatko perua tilauksen {number}? Tätä ei voi kumota.",
    cancel_yes: "Kyllä, peru tilaus",
    cancel_no: "Säilytä tilaus",
    cancel_kept: "Tilaus {number} säilyy ennallaan.",
    cancel_done: "Tilaus {number} on peruttu. Maksu palautetaan alkuperäiselle maksutavalle.",
    cancel_shipped: "Tilaus {number} on jo lähetetty, joten sitä ei voi enää perua. Kun se on toimitettu, voit palauttaa sen {window} päivän kuluessa.",
    cancel_delivered: "Tilaus {number} on jo toimitettu, joten sitä ei voi perua, mutta voit palauttaa sen.",
    cancel_already: "Tilaus {number} on jo peruttu.",
    cancel_too_late: "Tilauksen {number} voi perua vain {hours} tunnin kuluessa tilaamisesta.",
    cancel_processing: "Kauppa käsittelee tilauksen {number} peruutusta parhaillaan. Saat sähköpostin, kun se on valmis.",
    store_unreachable: "Emme saaneet juuri nyt yhteyttä kauppaan. Pyyntösi on välitetty tiimillemme (viite {reference}); vastaamme osoitteeseen {email}.",
    store_refused: "Kauppa ei voinut tehdä tätä tilaukselle {number}. Pyyntösi on välitetty tiimillemme (viite {reference}); vastaamme osoitteeseen {email}.",
    report_issue: "Ilmoita ongelmasta",
    report_ask: "Millainen ongelma tilauksessa {number} on?",
    report_kind: "Mitä tapahtui",
    issues: [
        "Tilaus on myöhässä",
        "Lähetys on kadonnut",
        "Tuote saapui vaurioituneena",
        "Tuote ei toimi",
        "Väärä tuote",
        "Jotain puuttuu",
        "Tilaus ei saapunut lainkaan",
    ],
    report_description: "Kuvaile ongelma",
    report_description_hint: "{min}–{max} merkkiä.",
    kind_required: "Valitse, mitä tapahtui.",
    too_short: "Kirjoita vähintään {min} merkkiä.",
    report_send: "Lähetä ilmoitus",
    report_done: "Kiitos. Tilaukselle {number} on avattu tukipyyntö {reference}, ja tiimimme vastaa osoitteeseen {email}.",
    report_not_shipped: "Tilausta {number} ei ole vielä lähetetty, joten sen toimituksesta ei ole ilmoitettavaa. Asiakaspalvelumme auttaa mielellään muissa asioissa.",
    faq_intro: "Tässä asiakkaiden yleisimmät kysymykset.",
    faq_label: "Usein kysyttyä",
    faq_empty: "Tallennettuja vastauksia ei vielä ole. Asiakaspalvelumme auttaa mielellään.",
    helpful_ask: "Oliko tästä apua?",
    helpful_yes: "Kyllä, kiitos",
    helpful_no: "Ei oikeastaan",
    helpful_thanks: "Hienoa, että tästä oli apua.",
    helpful_sorry: "Pahoittelemme. Asiakaspalvelumme auttaa mielellään.",
    message_intro: "Jätä viesti, niin tiimimme vastaa sinulle sähköpostitse.",
    away: "Olemme juuri nyt poissa. Jätä viesti, niin vastaamme sähköpostitse heti palattuamme.",
    back_title: "Palaamme",
    back_label: "Paikalla",
    message: "Viesti",
    message_send: "Lähetä viesti",
    message_empty: "Kirjoita viestisi.",
    message_done: "Kiitos. Saimme viestisi ({reference}) ja vastaamme osoitteeseen {email}.",
    email_greeting: "Hei,",
    email_ticket_subject: "{store}: saimme pyyntösi {reference}",
    email_ticket_body: "Kiitos, että otit yhteyttä: {store}. Saimme pyyntösi, ja sen viite on {reference}. Tiimimme vastaa tähän osoitteeseen; säilytä viite, jos kirjoitat meille uudelleen.",
    email_your_message: "Viestisi",
    email_return_subject: "{store}: palautuspyyntö {reference} vastaanotettu",
    email_return_body: "Saimme palautuspyyntösi {reference} tilaukselle {number}. Lähetämme jatko-ohjeet sähköpostitse, kun tiimimme on käsitellyt sen.",
    email_return_items: "Palautettavat tuotteet",
    email_signoff: "{store}-tiimi",
    email_footer: "Tämä viesti lähetettiin automaattisesti, koska otit yhteyttä: {store}.",
};

/// Simplified Chinese.
pub static ZH_HANS: Text = Text {
    ask_order: "请输入您的订单号以及下单时使用的邮箱。",
    order_number: "订单号",
    order_number_hint: "订单号由数字组成，例如 #1001。",
    email: "邮箱",
    find_order: "查询订单",
    error_order_empty: "请输入订单号。",
    error_email_empty: "请输入下单时使用的邮箱。",
    error_email_format: "请输入有效的邮箱，例如 name@example.com。",
    not_found: "未找到与该订单号和邮箱匹配的订单，请核对后重试。",
    rate_limited: "尝试次数过多，请在 {minutes} 分钟后重试。",
    choose_order: "请问是哪个订单？",
    order_choice: "订单 {number} · {state}",
    another_order: "其他订单",
    next_steps: "还需要什么帮助？",
    something_else: "其他问题",
    talk_to_person: "联系人工客服",
    unknown_action: "抱歉，该选项已失效。以下是主菜单。",
    track_intro: "以下是订单 {number} 的最新动态。",
    order_heading: "订单 {number}",
    state_unfulfilled: "备货中",
    state_in_transit: "运输中",
    state_delivered: "已送达",
    state_cancelled: "已取消",
    carrier: "物流公司",
    tracking_number: "运单号",
    estimated_delivery: "预计送达",
    track_with_carrier: "前往 {carrier} 官网查询",
    timeline: "订单进度",
    event_ordered: "已下单",
    event_shipped: "已发货",
    event_in_transit: "运输中",
    event_out_for_delivery: "派送中",
    event_delivered: "已送达",
    event_cancelled: "已取消",
    return_items: "退货",
    return_pick: "您想退回订单 {number} 中的哪些商品？",
    return_quantity_hint: "退货数量：0 至 {max}。",
    return_final_sale: "{title} 为不可退换商品，无法退货。",
    return_outside_window: "订单 {number} 已于 {days} 天前送达。退货须在签收后 {window} 天内申请，因此该订单已无法退货。",
    return_not_delivered: "订单 {number} 尚未送达。收到商品后，您可在 {window} 天内申请退货。",
    return_cancelled: "订单 {number} 已取消，无需退货。",
    return_nothing_eligible: "订单 {number} 中没有可退货的商品。",
    return_reason: "退货原因",
    choose_one: "请选择…",
    reasons: [
        "与描述不符",
        "到货太晚",
        "发错商品",
        "商品损坏或有缺陷",
        "不想要了",
        "其他",
    ],
    return_comment: "备注（选填）",
    return_review: "核对退货信息",
    return_none_selected: "请至少选择一件要退的商品。",
    return_bad_quantity: "请输入 0 至 {max} 之间的数字。",
    reason_required: "请选择退货原因。",
    too_long: "请勿超过 {max} 个字符。",
    return_summary: "您将退回订单 {number} 中的：{items}。原因：{reason}。",
    return_confirm: "确认退货",
    change: "修改",
    return_done: "您的退货申请 {reference} 已登记，后续步骤将发送至 {email}。",
    cancel_order: "取消订单",
    cancel_ask: "确定要取消订单 {number} 吗？此操作无法撤销。",
    cancel_yes: "是的，取消订单",
    cancel_no: "保留订单",
    cancel_kept: "订单 {number} 保持不变。",
    cancel_done: "订单 {number} 已取消，款项将原路退回。",
    cancel_shipped: "订单 {number} 已发货，无法再取消。送达后，您可在 {window} 天内申请退货。",
    cancel_delivered: "订单 {number} 已送达，无法取消，但您可以申请退货。",
    cancel_already: "订单 {number} 已取消。",
    cancel_too_late: "订单 {number} 仅可在下单后 {hours} 小时内取消。",
    cancel_processing: "商店正在取消订单 {number}，完成后会发邮件通知您。",
    store_unreachable: "暂时无法连接商店。您的请求已转交我们的团队（编号 {reference}），我们会回复至 {email}。",
    store_refused: "商店无法为订单 {number} 完成此操作。您的请求已转交我们的团队（编号 {reference}），我们会回复至 {email}。",
    report_issue: "反馈问题",
    report_ask: "订单 {number} 遇到了什么问题？",
    report_kind: "问题类型",
    issues: [
        "物流延误",
        "包裹丢失",
        "到货时已损坏",
        "商品无法使用",
        "商品发错",
        "商品缺件",
        "一直未收到",
    ],
    report_description: "问题描述",
    report_description_hint: "{min} 至 {max} 个字符。",
    kind_required: "请选择问题类型。",
    too_short: "请至少输入 {min} 个字符。",
    report_send: "提交反馈",
    report_done: "感谢您的反馈。已为订单 {number} 创建工单 {reference}，我们的团队将回复至 {email}。",
    report_not_shipped: "订单 {number} 尚未发货，暂无配送问题可反馈。如有其他问题，人工客服可为您提供帮助。",
    faq_intro: "以下是顾客最常咨询的问题。",
    faq_label: "常见问题",
    faq_empty: "暂无已保存的解答。人工客服可为您提供帮助。",
    helpful_ask: "以上内容对您有帮助吗？",
    helpful_yes: "有帮助，谢谢",
    helpful_no: "没有帮助",
    helpful_thanks: "很高兴能帮到您。",
    helpful_sorry: "很抱歉。人工客服可为您提供帮助。",
    message_intro: "请留言，我们的团队会通过邮件回复您。",
    away: "我们现在不在线。请留言，我们回来后会尽快通过邮件回复您。",
    back_title: "恢复服务时间",
    back_label: "恢复时间",
    message: "留言",
    message_send: "发送留言",
    message_empty: "请输入留言内容。",
    message_done: "谢谢！我们已收到您的留言（{reference}），将回复至 {email}。",
    email_greeting: "您好：",
    email_ticket_subject: "{store}：我们已收到您的请求 {reference}",
    email_ticket_body: "感谢您联系 {store}。我们已收到您的请求，编号为 {reference}。我们的团队成员将回复至此邮箱；如再次来信，请保留此编号。",
    email_your_message: "您的留言",
    email_return_subject: "{store}：已收到退货申请 {reference}",
    email_return_body: "我们已收到您对订单 {number} 的退货申请 {reference}。团队审核后，我们会通过邮件告知后续步骤。",
    email_return_items: "退货商品",
    email_signoff: "{store} 团队",
    email_footer: "由于您联系了 {store}，系统自动发送了此邮件。",
};

/// Traditional Chinese.
pub static ZH_HANT: Text = Text {
    ask_order: "請輸入您的訂單編號及結帳時使用的電子郵件。",
    order_number: "訂單編號",
    order_number_hint: "訂單編號由數字組成，例如 #1001。",
    email: "電子郵件",
    find_order: "查詢訂單",
    error_order_empty: "請輸入訂單編號。",
    error_email_empty: "請輸入結帳時使用的電子郵件。",
    error_email_format: "請輸入有效的電子郵件，例如 name@example.com。",
    not_found: "找不到符合此訂單編號與電子郵件的訂單，請確認後再試一次。",
    rate_limited: "嘗試次數過多，請於 {minutes} 分鐘後再試。",
    choose_order: "請問是哪一筆訂單？",
    order_choice: "訂單 {number} · {state}",
    another_order: "其他訂單",
    next_steps: "還需要什麼協助？",
    something_else: "其他問題",
    talk_to_person: "聯絡真人客服",
    unknown_action: "抱歉，此選項已失效。以下是主選單。",
    track_intro: "以下是訂單 {number} 的最新狀態。",
    order_heading: "訂單 {number}",
    state_unfulfilled: "備貨中",
    state_in_transit: "運送中",
    state_delivered: "已送達",
    state_cancelled: "已取消",
    carrier: "物流業者",
    tracking_number: "貨件追蹤碼",
    estimated_delivery: "預計送達",
    track_with_carrier: "前往 {carrier} 網站查詢",
    timeline: "訂單進度",
    event_ordered: "已下單",
    event_shipped: "已出貨",
    event_in_transit: "運送中",
    event_out_for_delivery: "配送中",
    event_delivered: "已送達",
    event_cancelled: "已取消",
    return_items: "退貨",
    return_pick: "您想退回訂單 {number} 中的哪些商品？",
    return_quantity_hint: "退貨數量：0 至 {max}。",
    return_final_sale: "{title} 為不可退換商品，無法退貨。",
    return_outside_window: "訂單 {number} 已於 {days} 天前送達。退貨須在送達後 {window} 天內申請，因此此訂單已無法退貨。",
    return_not_delivered: "訂單 {number} 尚未送達。收到商品後，您可在 {window} 天內申請退貨。",
    return_cancelled: "訂單 {number} 已取消，無需退貨。",
    return_nothing_eligible: "訂單 {number} 中沒有可退貨的商品。",
    return_reason: "退貨原因",
    choose_one: "請選擇…",
    reasons: [
        "與商品描述不符",
        "太晚送達",
        "寄錯商品",
        "商品損壞或有瑕疵",
        "改變心意",
        "其他",
    ],
    return_comment: "備註（選填）",
    return_review: "檢視退貨內容",
    return_none_selected: "請至少選擇一件要退貨的商品。",
    return_bad_quantity: "請輸入 0 至 {max} 之間的數字。",
    reason_required: "請選擇退貨原因。",
    too_long: "請勿超過 {max} 個字元。",
    return_summary: "您將退回訂單 {number} 中的：{items}。原因：{reason}。",
    return_confirm: "確認退貨",
    change: "修改",
    return_done: "您的退貨申請 {reference} 已登記，後續步驟將寄至 {email}。",
    cancel_order: "取消訂單",
    cancel_ask: "確定要取消訂單 {number} 嗎？此操作無法復原。",
    cancel_yes: "是，取消訂單",
    cancel_no: "保留訂單",
    cancel_kept: "訂單 {number} 維持不變。",
    cancel_done: "訂單 {number} 已取消，款項將退回原付款方式。",
    cancel_shipped: "訂單 {number} 已出貨，無法再取消。送達後，您可在 {window} 天內申請退貨。",
    cancel_delivered: "訂單 {number} 已送達，無法取消，但您可以申請退貨。",
    cancel_already: "訂單 {number} 已取消。",
    cancel_too_late: "訂單 {number} 僅能在下單後 {hours} 小時內取消。",
    cancel_processing: "商店正在取消訂單 {number}，完成後會寄電子郵件通知您。",
    store_unreachable: "暫時無法連線到商店。您的請求已轉交我們的團隊（編號 {reference}），我們會回覆至 {email}。",
    store_refused: "商店無法為訂單 {number} 完成此操作。您的請求已轉交我們的團隊（編號 {reference}），我們會回覆至 {email}。",
    report_issue: "回報問題",
    report_ask: "訂單 {number} 發生了什麼問題？",
    report_kind: "問題類型",
    issues: [
        "延遲送達",
        "包裹遺失",
        "送達時已損壞",
        "商品無法使用",
        "寄錯商品",
        "商品短缺",
        "一直沒收到",
    ],
    report_description: "問題描述",
    report_description_hint: "{min} 至 {max} 個字元。",
    kind_required: "請選擇問題類型。",
    too_short: "請至少輸入 {min} 個字元。",
    report_send: "送出回報",
    report_done: "感謝您的回報。已為訂單 {number} 建立客服單 {reference}，我們的團隊將回覆至 {email}。",
    report_not_shipped: "訂單 {number} 尚未出貨，目前沒有配送問題需要回報。如有其他問題，真人客服可以協助您。",
    faq_intro: "以下是顧客最常詢問的問題。",
    faq_label: "常見問題",
    faq_empty: "目前尚無已儲存的解答。真人客服可以協助您。",
    helpful_ask: "以上內容對您有幫助嗎？",
    helpful_yes: "有幫助，謝謝",
    helpful_no: "沒有幫助",
    helpful_thanks: "很高興能幫上忙。",
    helpful_sorry: "很抱歉。真人客服可以協助您。",
    message_intro: "請留言，我們的團隊會以電子郵件回覆您。",
    away: "我們目前不在線上。請留言，我們回來後會盡快以電子郵件回覆您。",
    back_title: "恢復服務時間",
    back_label: "恢復時間",
    message: "留言",
    message_send: "送出留言",
    message_empty: "請輸入留言內容。",
    message_done: "謝謝！我們已收到您的留言（{reference}），將回覆至 {email}。",
    email_greeting: "您好：",
    email_ticket_subject: "{store}：我們已收到您的請求 {reference}",
    email_ticket_body: "感謝您聯絡 {store}。我們已收到您的請求，編號為 {reference}。我們的團隊成員將回覆至此信箱；如再次來信，請保留此編號。",
    email_your_message: "您的留言",
    email_return_subject: "{store}：已收到退貨申請 {reference}",
    email_return_body: "我們已收到您對訂單 {number} 的退貨申請 {reference}。團隊審核後，我們會以電子郵件告知後續步驟。",
    email_return_items: "退貨商品",
    email_signoff: "{store} 團隊",
    email_footer: "由於您聯絡了 {store}，系統自動寄出此郵件。",
};

/// Thai.
pub static TH: Text = Text {
    ask_order: "กรุณากรอกหมายเลขคำสั่งซื้อและอีเมลที่ใช้ตอนสั่งซื้อ",
    order_number: "หมายเลขคำสั่งซื้อ",
    order_number_hint: "หมายเลขคำสั่งซื้อเป็นตัวเลข เช่น #1001",
    email: "อีเมล",
    find_order: "ค้นหาคำสั่งซื้อ",
    error_order_empty: "กรุณากรอกหมายเลขคำสั่งซื้อ",
    error_email_empty: "กรุณากรอกอีเมลที่ใช้ตอนสั่งซื้อ",
    error_email_format: "กรุณากรอกอีเมลให้ถูกต้อง เช่น name@example.com",
    not_found: "ไม่พบคำสั่งซื้อที่ตรงกับหมายเลขและอีเมลนี้ กรุณาตรวจสอบอีกครั้งแล้วลองใหม่",
    rate_limited: "ลองหลายครั้งเกินไป กรุณาลองใหม่ในอีก {minutes} นาที",
    choose_order: "ต้องการสอบถามเกี่ยวกับคำสั่งซื้อใด",
    order_choice: "คำสั่งซื้อ {number} · {state}",
    another_order: "คำสั่งซื้ออื่น",
    next_steps: "ต้องการทำอะไรต่อ",
    something_else: "เรื่องอื่น",
    talk_to_person: "ติดต่อเจ้าหน้าที่",
    unknown_action: "ขออภัย ตัวเลือกนี้ใช้งานไม่ได้แล้ว กรุณาเลือกจากเมนูด้านล่าง",
    track_intro: "ข้อมูลล่าสุดของคำสั่งซื้อ {number} มีดังนี้",
    order_heading: "คำสั่งซื้อ {number}",
    state_unfulfilled: "กำลังเตรียมสินค้า",
    state_in_transit: "อยู่ระหว่างจัดส่ง",
    state_delivered: "จัดส่งสำเร็จ",
    state_cancelled: "ยกเลิกแล้ว",
    carrier: "บริษัทขนส่ง",
    tracking_number: "หมายเลขพัสดุ",
    estimated_delivery: "คาดว่าจะได้รับ",
    track_with_carrier: "ติดตามพัสดุบนเว็บไซต์ {carrier}",
    timeline: "ความคืบหน้า",
    event_ordered: "สั่งซื้อแล้ว",
    event_shipped: "จัดส่งแล้ว",
    event_in_transit: "อยู่ระหว่างขนส่ง",
    event_out_for_delivery: "กำลังนำจ่าย",
    event_delivered: "จัดส่งสำเร็จ",
    event_cancelled: "ยกเลิกแล้ว",
    return_items: "คืนสินค้า",
    return_pick: "ต้องการคืนสินค้าใดจากคำสั่งซื้อ {number}",
    return_quantity_hint: "จำนวนที่ต้องการคืน 0 ถึง {max}",
    return_final_sale: "{title} เป็นสินค้าประเภทไม่รับคืน",
    return_outside_window: "คำสั่งซื้อ {number} จัดส่งถึงเมื่อ {days} วันที่แล้ว ทางร้านรับคืนสินค้าภายใน {window} วันหลังได้รับสินค้า จึงไม่สามารถคืนได้แล้ว",
    return_not_delivered: "คำสั่งซื้อ {number} ยังจัดส่งไม่ถึง เมื่อได้รับสินค้าแล้ว คุณสามารถคืนสินค้าได้ภายใน {window} วัน",
    return_cancelled: "คำสั่งซื้อ {number} ถูกยกเลิกแล้ว จึงไม่มีสินค้าที่ต้องคืน",
    return_nothing_eligible: "ไม่มีสินค้าในคำสั่งซื้อ {number} ที่สามารถคืนได้",
    return_reason: "เหตุผลในการคืนสินค้า",
    choose_one: "เลือก…",
    reasons: [
        "ไม่ตรงตามรายละเอียดสินค้า",
        "ได้รับสินค้าช้าเกินไป",
        "ได้รับสินค้าผิด",
        "สินค้าเสียหายหรือชำรุด",
        "เปลี่ยนใจ",
        "อื่น ๆ",
    ],
    return_comment: "ความคิดเห็น (ไม่บังคับ)",
    return_review: "ตรวจสอบการคืนสินค้า",
    return_none_selected: "กรุณาเลือกสินค้าที่ต้องการคืนอย่างน้อย 1 รายการ",
    return_bad_quantity: "กรุณากรอกตัวเลขตั้งแต่ 0 ถึง {max}",
    reason_required: "กรุณาเลือกเหตุผล",
    too_long: "กรุณากรอกไม่เกิน {max} ตัวอักษร",
    return_summary: "คุณกำลังคืนสินค้าจากคำสั่งซื้อ {number}: {items} เหตุผล: {reason}",
    return_confirm: "ยืนยันการคืนสินค้า",
    change: "แก้ไข",
    return_done: "บันทึกคำขอคืนสินค้า {reference} เรียบร้อยแล้ว เราจะส่งขั้นตอนถัดไปไปที่ {email}",
    cancel_order: "ยกเลิกคำสั่งซื้อ",
    cancel_ask: "ยืนยันการยกเลิกคำสั่งซื้อ {number} หรือไม่ เมื่อยกเลิกแล้วจะไม่สามารถย้อนกลับได้",
    cancel_yes: "ใช่ ยกเลิกคำสั่งซื้อ",
    cancel_no: "ไม่ยกเลิกคำสั่งซื้อ",
    cancel_kept: "คำสั่งซื้อ {number} ยังคงดำเนินการตามปกติ",
    cancel_done: "ยกเลิกคำสั่งซื้อ {number} เรียบร้อยแล้ว เงินจะคืนเข้าช่องทางการชำระเงินเดิม",
    cancel_shipped: "คำสั่งซื้อ {number} จัดส่งออกไปแล้ว จึงไม่สามารถยกเลิกได้ เมื่อได้รับสินค้าแล้ว คุณสามารถคืนสินค้าได้ภายใน {window} วัน",
    cancel_delivered: "คำสั่งซื้อ {number} จัดส่งถึงแล้ว จึงไม่สามารถยกเลิกได้ แต่คุณสามารถคืนสินค้าได้",
    cancel_already: "คำสั่งซื้อ {number} ถูกยกเลิกไปแล้ว",
    cancel_too_late: "คำสั่งซื้อ {number} ยกเลิกได้ภายใน {hours} ชั่วโมงหลังสั่งซื้อเท่านั้น",
    cancel_processing: "ร้านค้ากำลังยกเลิกคำสั่งซื้อ {number} อยู่ และจะส่งอีเมลแจ้งเมื่อเสร็จแล้ว",
    store_unreachable: "ขณะนี้ไม่สามารถติดต่อร้านค้าได้ เราได้ส่งคำขอของคุณให้ทีมงานแล้ว (หมายเลขอ้างอิง {reference}) และจะตอบกลับไปที่ {email}",
    store_refused: "ร้านค้าไม่สามารถดำเนินการนี้กับคำสั่งซื้อ {number} ได้ เราได้ส่งคำขอของคุณให้ทีมงานแล้ว (หมายเลขอ้างอิง {reference}) และจะตอบกลับไปที่ {email}",
    report_issue: "แจ้งปัญหา",
    report_ask: "คำสั่งซื้อ {number} มีปัญหาอะไร",
    report_kind: "ปัญหาที่พบ",
    issues: [
        "จัดส่งล่าช้า",
        "พัสดุสูญหาย",
        "ได้รับสินค้าในสภาพเสียหาย",
        "สินค้าใช้งานไม่ได้",
        "ได้รับสินค้าผิด",
        "สินค้าไม่ครบ",
        "ไม่ได้รับสินค้าเลย",
    ],
    report_description: "อธิบายปัญหา",
    report_description_hint: "{min} ถึง {max} ตัวอักษร",
    kind_required: "กรุณาเลือกปัญหาที่พบ",
    too_short: "กรุณากรอกอย่างน้อย {min} ตัวอักษร",
    report_send: "ส่งเรื่อง",
    report_done: "ขอบคุณ เราได้เปิดเรื่อง {reference} สำหรับคำสั่งซื้อ {number} แล้ว ทีมงานจะตอบกลับไปที่ {email}",
    report_not_shipped: "คำสั่งซื้อ {number} ยังไม่ได้จัดส่ง จึงยังไม่มีปัญหาการจัดส่งที่ต้องแจ้ง หากมีเรื่องอื่น เจ้าหน้าที่ยินดีช่วยเหลือ",
    faq_intro: "คำถามที่ลูกค้าถามบ่อยที่สุดมีดังนี้",
    faq_label: "คำถามที่พบบ่อย",
    faq_empty: "ยังไม่มีคำตอบที่บันทึกไว้ เจ้าหน้าที่ยินดีช่วยเหลือ",
    helpful_ask: "ข้อมูลนี้มีประโยชน์ไหม",
    helpful_yes: "มีประโยชน์ ขอบคุณ",
    helpful_no: "ไม่ค่อยมีประโยชน์",
    helpful_thanks: "ยินดีที่ได้ช่วยเหลือ",
    helpful_sorry: "ขออภัยด้วย เจ้าหน้าที่ยินดีช่วยเหลือ",
    message_intro: "ฝากข้อความไว้ได้เลย ทีมงานจะตอบกลับทางอีเมล",
    away: "ขณะนี้อยู่นอกเวลาทำการ ฝากข้อความไว้ได้เลย เราจะตอบกลับทางอีเมลทันทีที่กลับมา",
    back_title: "เวลาที่เรากลับมา",
    back_label: "กลับมา",
    message: "ข้อความ",
    message_send: "ส่งข้อความ",
    message_empty: "กรุณาพิมพ์ข้อความ",
    message_done: "ขอบคุณ เราได้รับข้อความของคุณแล้ว ({reference}) และจะตอบกลับไปที่ {email}",
    email_greeting: "สวัสดี",
    email_ticket_subject: "{store}: เราได้รับคำขอ {reference} ของคุณแล้ว",
    email_ticket_body: "ขอบคุณที่ติดต่อ {store} เราได้รับคำขอของคุณแล้ว หมายเลขอ้างอิงคือ {reference} ทีมงานของเราจะตอบกลับมาที่อีเมลนี้ โปรดเก็บหมายเลขอ้างอิงไว้หากคุณเขียนถึงเราอีกครั้ง",
    email_your_message: "ข้อความของคุณ",
    email_return_subject: "{store}: ได้รับคำขอคืนสินค้า {reference} แล้ว",
    email_return_body: "เราได้รับคำขอคืนสินค้า {reference} สำหรับคำสั่งซื้อ {number} แล้ว เราจะส่งขั้นตอนถัดไปทางอีเมลเมื่อทีมงานตรวจสอบเรียบร้อย",
    email_return_items: "สินค้าที่จะคืน",
    email_signoff: "ทีมงาน {store}",
    email_footer: "อีเมลนี้ส่งโดยอัตโนมัติเนื่องจากคุณได้ติดต่อ {store}",
};
