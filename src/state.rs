//! The widget's state for this page: one [`Widget`] of reactive cells,
//! typed (core's shapes, the chat's [`Chat`]), restored from and saved to
//! [`crate::persist`]. The views draw from it; the handlers change it.

use crate::conversation::Chat;
use crate::i18n::{Locale, LocaleStrings as _, Strings};
use crate::persist::Saved;
use crate::reactive::Var;
use crate::transcript::{self, Entry, Kept, Line};
use aisle_core::api::ShownCampaign;
use aisle_core::assist::Prompt;
use std::cell::RefCell;
use web_sys::HtmlElement;

/// The cart as the page last told it (`Aisle('cart', …)`): for campaigns'
/// conditions and for what an agent sees about the shopper.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PageCart {
    /// Its value in minor units.
    pub value_minor: i64,
    /// Its currency (ISO 4217), when the page told it.
    pub currency: Option<String>,
    /// SKUs or handles of its lines.
    pub items: Vec<String>,
}

thread_local! {
    static CART: RefCell<PageCart> = RefCell::new(PageCart::default());
}

/// The page's cart.
pub fn cart() -> PageCart {
    CART.with(|c| c.borrow().clone())
}

/// The page told a new cart.
pub fn set_cart(cart: PageCart) {
    CART.with(|c| *c.borrow_mut() = cart);
}

/// The widget's shared state (`Copy`: handed to every callback).
#[derive(Clone, Copy)]
pub struct Widget {
    /// The panel is open.
    pub open: Var<bool>,
    /// The assistant's current question; `None`: the menu.
    pub prompt: Var<Option<Kept<Prompt>>>,
    /// What the shopper typed into the question's form, by field name.
    pub drafts: Var<Vec<(String, String)>>,
    /// The assistant session (which orders the shopper proved).
    pub session: Var<Option<String>>,
    /// An answer is on its way.
    pub busy: Var<bool>,
    /// The conversation.
    pub transcript: Var<Vec<Entry>>,
    /// Locale chosen with `Aisle('locale', …)`, overriding the default.
    pub chosen_locale: Var<Option<Locale>>,
    /// Locale from `data-locale` or the browser.
    pub default_locale: Locale,
    /// The proactive campaign message on screen, if any.
    pub campaign: Var<Option<ShownCampaign>>,
    /// The merchant's brand colour (`#rrggbb`, contrast-checked by the server).
    pub brand: Var<Option<String>>,
    /// The merchant's greetings, `(locale tag, text)`.
    pub greetings: Var<Vec<(String, String)>>,
    /// The live chat with a person, if one was started.
    pub chat: Var<Option<Chat>>,
    /// The agent is typing.
    pub agent_typing: Var<bool>,
    /// The live-chat connection is up.
    pub connected: Var<bool>,
    /// The panel element once the view is built (focus management from callbacks).
    pub panel: Var<Option<HtmlElement>>,
    /// The transcript email: its form is open, and what became of the last
    /// request (announced), for the ended live chat.
    pub mail: Var<(bool, String)>,
}

impl Widget {
    /// State restored from `saved`, with a greeting if the log is empty.
    pub fn new(saved: Saved, default_locale: Locale) -> Self {
        let mut log = saved.transcript;
        if log.is_empty() {
            transcript::push(&mut log, Line::Greeting);
        }
        Widget {
            open: Var::new(saved.open),
            prompt: Var::new(saved.prompt),
            drafts: Var::new(saved.drafts),
            session: Var::new(saved.session),
            busy: Var::new(false),
            transcript: Var::new(log),
            chosen_locale: Var::new(saved.locale),
            default_locale,
            campaign: Var::new(None),
            brand: Var::new(None),
            greetings: Var::new(Vec::new()),
            chat: Var::new(saved.chat),
            agent_typing: Var::new(false),
            connected: Var::new(false),
            panel: Var::new(None),
            mail: Var::new((false, String::new())),
        }
    }

    /// The locale in effect.
    pub fn locale(&self) -> Locale {
        self.chosen_locale.get().unwrap_or(self.default_locale)
    }

    /// The strings of the locale in effect.
    pub fn strings(&self) -> &'static Strings {
        self.locale().strings()
    }

    /// The merchant's greeting in the shopper's language, else the built-in one.
    pub fn greeting(&self) -> String {
        let tag = self.locale().tag();
        self.greetings
            .with(|g| {
                g.iter()
                    .find(|(t, _)| t.eq_ignore_ascii_case(tag))
                    .map(|(_, text)| text.clone())
            })
            .unwrap_or_else(|| self.strings().greeting.to_owned())
    }

    /// Adds a line to the conversation.
    pub fn say(&self, line: Line) {
        self.transcript.update(|log| transcript::push(log, line));
    }
}
