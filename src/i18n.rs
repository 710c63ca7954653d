//! Locale tables: every string the widget shows, in each supported language.
//!
//! A [`Strings`] table is a struct, so a language cannot ship with a string
//! missing: the compiler refuses it. Placeholders are `{name}` and are filled
//! with [`fill`]. The launcher label is also in the loader (`loader/aisle.js`),
//! which draws the launcher before this bundle loads; a test keeps them equal.

/// The languages the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    /// The BCP 47 tag, used for `lang` and for `Intl` formatting.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The locale for one BCP 47 tag (`fr-CA` → French), if supported.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let primary = tag.split('-').next().unwrap_or_default();
        match primary {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            _ => None,
        }
    }

    /// The first supported locale among `tags` (in preference order), else English.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Locale {
        tags.into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or_default()
    }

    /// This locale's strings.
    pub fn strings(self) -> &'static Strings {
        match self {
            Locale::En => &EN,
            Locale::Fr => &FR,
        }
    }
}

/// Replaces `{key}` in `template` with `value`.
pub fn fill(template: &str, key: &str, value: &str) -> String {
    let mut placeholder = String::with_capacity(key.len() + 2);
    placeholder.push('{');
    placeholder.push_str(key);
    placeholder.push('}');
    template.replace(&placeholder, value)
}

/// Every string of the widget for one language.
#[derive(Debug)]
pub struct Strings {
    /// Launcher button label.
    pub launcher: &'static str,
    /// Panel heading (the dialog's name).
    pub title: &'static str,
    /// Under the heading: says plainly that answers are automated.
    pub automated_notice: &'static str,
    /// Close button label.
    pub close: &'static str,
    /// Accessible name of the conversation log.
    pub conversation: &'static str,
    /// First message in the conversation.
    pub greeting: &'static str,
    /// Accessible name of the self-service menu.
    pub menu_label: &'static str,
    /// Menu item.
    pub track_order: &'static str,
    /// Asks for order number + email.
    pub ask_order: &'static str,
    /// Field label.
    pub order_number: &'static str,
    /// Field hint.
    pub order_number_hint: &'static str,
    /// Field label.
    pub email: &'static str,
    /// Submit button.
    pub find_order: &'static str,
    /// Shown while looking up.
    pub looking_up: &'static str,
    /// Back to the menu.
    pub back: &'static str,
    /// Validation: order number missing.
    pub error_order_empty: &'static str,
    /// Validation: order number malformed.
    pub error_order_format: &'static str,
    /// Validation: email missing.
    pub error_email_empty: &'static str,
    /// Validation: email malformed.
    pub error_email_format: &'static str,
    /// Lookup failed (unknown order or wrong email, deliberately the same).
    pub not_found: &'static str,
    /// Too many failed lookups; `{minutes}`.
    pub rate_limited: &'static str,
    /// Network or server failure.
    pub network_error: &'static str,
    /// Order card heading; `{number}`.
    pub order_heading: &'static str,
    /// Order state.
    pub state_unfulfilled: &'static str,
    /// Order state.
    pub state_in_transit: &'static str,
    /// Order state.
    pub state_delivered: &'static str,
    /// Order state.
    pub state_cancelled: &'static str,
    /// Label.
    pub carrier: &'static str,
    /// Label.
    pub tracking_number: &'static str,
    /// Label.
    pub estimated_delivery: &'static str,
    /// Link to the carrier's page; `{carrier}`.
    pub track_with_carrier: &'static str,
    /// Appended to links that open a new tab (screen readers).
    pub opens_in_new_tab: &'static str,
    /// Timeline heading.
    pub timeline: &'static str,
    /// Timeline event.
    pub event_ordered: &'static str,
    /// Timeline event.
    pub event_shipped: &'static str,
    /// Timeline event.
    pub event_in_transit: &'static str,
    /// Timeline event.
    pub event_out_for_delivery: &'static str,
    /// Timeline event.
    pub event_delivered: &'static str,
    /// Timeline event.
    pub event_cancelled: &'static str,
    /// Menu item after a result.
    pub track_another: &'static str,
}

/// English.
pub static EN: Strings = Strings {
    launcher: "Chat with us",
    title: "How can we help?",
    automated_notice: "Automated assistant: instant answers about your orders.",
    close: "Close",
    conversation: "Conversation",
    greeting: "Hi! I can look up your order right away. What do you need?",
    menu_label: "Help topics",
    track_order: "Track order",
    ask_order: "Enter your order number and the email you used at checkout.",
    order_number: "Order number",
    order_number_hint: "For example #1001",
    email: "Email",
    find_order: "Find my order",
    looking_up: "Looking up your order…",
    back: "Back",
    error_order_empty: "Enter your order number.",
    error_order_format: "Order numbers are digits, like #1001.",
    error_email_empty: "Enter your email.",
    error_email_format: "Enter an email like name@example.com.",
    not_found: "We couldn't find an order with that number and email. Check both and try again.",
    rate_limited: "Too many attempts. Please try again in {minutes} min.",
    network_error: "We couldn't reach the store. Check your connection and try again.",
    order_heading: "Order {number}",
    state_unfulfilled: "Being prepared",
    state_in_transit: "In transit",
    state_delivered: "Delivered",
    state_cancelled: "Cancelled",
    carrier: "Carrier",
    tracking_number: "Tracking number",
    estimated_delivery: "Estimated delivery",
    track_with_carrier: "Track on the {carrier} website",
    opens_in_new_tab: "(opens in a new tab)",
    timeline: "Timeline",
    event_ordered: "Order placed",
    event_shipped: "Shipped",
    event_in_transit: "In transit",
    event_out_for_delivery: "Out for delivery",
    event_delivered: "Delivered",
    event_cancelled: "Cancelled",
    track_another: "Track another order",
};

/// French.
pub static FR: Strings = Strings {
    launcher: "Discuter avec nous",
    title: "Comment pouvons-nous vous aider ?",
    automated_notice: "Assistant automatique : réponses immédiates sur vos commandes.",
    close: "Fermer",
    conversation: "Conversation",
    greeting: "Bonjour ! Je peux retrouver votre commande tout de suite. De quoi avez-vous besoin ?",
    menu_label: "Sujets d'aide",
    track_order: "Suivre ma commande",
    ask_order: "Saisissez votre numéro de commande et l'e-mail utilisé lors de l'achat.",
    order_number: "Numéro de commande",
    order_number_hint: "Par exemple #1001",
    email: "E-mail",
    find_order: "Trouver ma commande",
    looking_up: "Recherche de votre commande…",
    back: "Retour",
    error_order_empty: "Saisissez votre numéro de commande.",
    error_order_format: "Un numéro de commande ne contient que des chiffres, comme #1001.",
    error_email_empty: "Saisissez votre e-mail.",
    error_email_format: "Saisissez un e-mail comme nom@exemple.fr.",
    not_found: "Nous n'avons trouvé aucune commande avec ce numéro et cet e-mail. Vérifiez les deux et réessayez.",
    rate_limited: "Trop de tentatives. Réessayez dans {minutes} min.",
    network_error: "Impossible de joindre la boutique. Vérifiez votre connexion et réessayez.",
    order_heading: "Commande {number}",
    state_unfulfilled: "En préparation",
    state_in_transit: "En cours de livraison",
    state_delivered: "Livrée",
    state_cancelled: "Annulée",
    carrier: "Transporteur",
    tracking_number: "Numéro de suivi",
    estimated_delivery: "Livraison estimée",
    track_with_carrier: "Suivre sur le site de {carrier}",
    opens_in_new_tab: "(s'ouvre dans un nouvel onglet)",
    timeline: "Historique",
    event_ordered: "Commande passée",
    event_shipped: "Expédiée",
    event_in_transit: "En transit",
    event_out_for_delivery: "En cours de livraison",
    event_delivered: "Livrée",
    event_cancelled: "Annulée",
    track_another: "Suivre une autre commande",
};
