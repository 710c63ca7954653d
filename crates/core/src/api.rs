//! JSON bodies of Aisle's HTTP API, shared by the server and the widget.
//!
//! Every error the API returns has the same shape, [`ApiError`]: a stable
//! machine-readable [`ErrorCode`] the widget localizes, and an English message
//! for developers reading the network tab.

use crate::campaign::eval::split_url;
use crate::campaign::template::{Values, fill_with, money};
use crate::campaign::variants::message_for;
use crate::campaign::{ActionKind, Campaign, Code, Device, Seen, Text, Visitor};
use serde::{Deserialize, Serialize};

/// `POST /api/sites/{site}/orders/lookup`: prove an order by number + email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupRequest {
    /// The order number as typed (`"#1001"` or `"1001"`).
    pub order: String,
    /// The email the order was placed with (any case).
    pub email: String,
}

/// Stable error codes of the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The order number is not a number.
    InvalidOrderNumber,
    /// The email is not an email address.
    InvalidEmail,
    /// No order with that number and email (the same answer for both cases).
    OrderNotFound,
    /// Too many failed attempts; retry later.
    RateLimited,
    /// The site id in the URL is not configured on this server.
    UnknownSite,
    /// The body is not the JSON this endpoint takes.
    BadRequest,
    /// The body is larger than the endpoint accepts.
    TooLarge,
    /// Agent routes: no valid session token, or a wrong email/password.
    Unauthorized,
    /// Logged in, but this belongs to another site.
    Forbidden,
    /// Agent routes: no such ticket, return request or order on the agent's site.
    NotFound,
    /// Something failed on the server; details are in its log.
    Internal,
    /// The merchant's store (Shopify…) could not be reached; try again later.
    StoreUnavailable,
}

/// The body of every non-2xx API answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub code: ErrorCode,
    /// What went wrong, in English, for developers.
    pub message: String,
    /// For a body that could not be read ([`ErrorCode::BadRequest`]): the JSON
    /// path of the offending value (`values[0]`, `scroll_percent`), when
    /// there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For [`ErrorCode::RateLimited`]: seconds until a retry can succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// `POST /api/sites/{site}/campaigns/evaluate`: the visitor as the widget sees it.
/// The server evaluates the live campaigns with `aisle_core::campaign` and
/// answers a [`CampaignDecision`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitorState {
    /// Page URL (absolute or path with query).
    pub url: String,
    /// Referrer URL.
    #[serde(default)]
    pub referrer: Option<String>,
    /// Milliseconds on this page (restarts on every URL change).
    #[serde(default)]
    pub on_page_ms: u64,
    /// Milliseconds on the site this session.
    #[serde(default)]
    pub on_site_ms: u64,
    /// Pages viewed this session.
    #[serde(default = "one")]
    pub pages_viewed: u32,
    /// Visits, this one included.
    #[serde(default = "one")]
    pub visits: u32,
    /// Cart value in minor units.
    #[serde(default)]
    pub cart_value_minor: i64,
    /// Cart SKUs and handles.
    #[serde(default)]
    pub cart_items: Vec<String>,
    /// `mobile`, `tablet` or `desktop`.
    #[serde(default)]
    pub device: Option<String>,
    /// Language tag.
    #[serde(default)]
    pub language: Option<String>,
    /// Exit intent seen on this page.
    #[serde(default)]
    pub exit_intent: bool,
    /// Scroll depth, percent.
    #[serde(default)]
    pub scroll_percent: u8,
    /// Campaign ids shown on this page.
    #[serde(default)]
    pub shown_on_page: Vec<String>,
    /// Shown this session.
    #[serde(default)]
    pub shown_in_session: Vec<String>,
    /// Shown ever.
    #[serde(default)]
    pub shown_ever: Vec<String>,
    /// Dismissed on this page.
    #[serde(default)]
    pub dismissed_on_page: Vec<String>,
    /// `Aisle('trigger', id)`: show this campaign now, whatever its conditions.
    #[serde(default)]
    pub trigger: Option<String>,
}

fn one() -> u32 {
    1
}

/// Longest time on a page or site a visitor state may claim (a year, in ms).
pub const MAX_VISITOR_MS: u64 = 365 * 24 * 3600 * 1000;
/// Most pages viewed or visits a visitor state may claim.
pub const MAX_VISITOR_COUNT: u32 = 1_000_000;
/// Largest cart value a visitor state may claim, in minor units.
pub const MAX_CART_MINOR: i64 = 1_000_000_000_000;
/// Most entries in each list of a visitor state (cart items, campaign history).
pub const MAX_VISITOR_LIST: usize = 500;

impl VisitorState {
    /// Checks every number and list against its range: `Err` names the field
    /// and the range (`"scroll_percent must be 0 to 100"`).
    pub fn validate(&self) -> Result<(), String> {
        let ms = [
            ("on_page_ms", self.on_page_ms),
            ("on_site_ms", self.on_site_ms),
        ];
        if let Some((field, _)) = ms.iter().find(|(_, v)| *v > MAX_VISITOR_MS) {
            return Err(format!("{field} must be 0 to {MAX_VISITOR_MS}"));
        }
        let counts = [("pages_viewed", self.pages_viewed), ("visits", self.visits)];
        if let Some((field, _)) = counts.iter().find(|(_, v)| *v > MAX_VISITOR_COUNT) {
            return Err(format!("{field} must be 0 to {MAX_VISITOR_COUNT}"));
        }
        if !(0..=MAX_CART_MINOR).contains(&self.cart_value_minor) {
            return Err(format!("cart_value_minor must be 0 to {MAX_CART_MINOR}"));
        }
        if self.scroll_percent > 100 {
            return Err("scroll_percent must be 0 to 100".into());
        }
        let lists = [
            ("cart_items", self.cart_items.len()),
            ("shown_on_page", self.shown_on_page.len()),
            ("shown_in_session", self.shown_in_session.len()),
            ("shown_ever", self.shown_ever.len()),
            ("dismissed_on_page", self.dismissed_on_page.len()),
        ];
        if let Some((field, _)) = lists.iter().find(|(_, n)| *n > MAX_VISITOR_LIST) {
            return Err(format!(
                "{field} may hold at most {MAX_VISITOR_LIST} entries"
            ));
        }
        Ok(())
    }
}

impl VisitorState {
    /// The evaluator's [`Visitor`] for this state, with what only the server
    /// (or the widget's feed) knows: the time, agents online, business hours.
    /// The one mapping of the live path, in the widget and the server alike.
    pub fn visitor(&self, now_ms: i64, agents_online: u32, business_hours: bool) -> Visitor {
        let (path, query) = split_url(&self.url);
        let mut ids: Vec<&String> = Vec::new();
        for list in [
            &self.shown_on_page,
            &self.shown_in_session,
            &self.shown_ever,
            &self.dismissed_on_page,
        ] {
            for id in list {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        let history = ids
            .into_iter()
            .map(|id| {
                let on_page = self.shown_on_page.contains(id);
                let in_session = on_page || self.shown_in_session.contains(id);
                let seen = Seen {
                    shown_on_page: on_page,
                    shown_in_session: in_session,
                    shown_ever: in_session || self.shown_ever.contains(id),
                    dismissed_on_page: self.dismissed_on_page.contains(id),
                };
                (id.clone(), seen)
            })
            .collect();
        Visitor {
            path,
            query,
            referrer: self.referrer.clone().filter(|r| !r.is_empty()),
            on_page_ms: self.on_page_ms,
            on_site_ms: self.on_site_ms,
            pages_viewed: self.pages_viewed,
            visits: self.visits,
            cart_value_minor: self.cart_value_minor,
            cart_items: trimmed(&self.cart_items),
            device: self
                .device
                .as_deref()
                .and_then(Device::from_name)
                .unwrap_or_default(),
            language: self.language.clone().unwrap_or_else(|| "en".into()),
            now_ms,
            agents_online,
            business_hours,
            exit_intent: self.exit_intent,
            scroll_percent: self.scroll_percent.min(100),
            customer_tags: Vec::new(),
            history,
        }
    }
}

/// Cart items as the evaluator compares them: trimmed, empty ones left out
/// (the same for `simulate --cart-items` and the live cart).
pub fn trimmed(items: &[String]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// What the widget should do about campaigns now.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CampaignDecision {
    /// The campaign to show now, worded for the visitor's language.
    pub show: Option<ShownCampaign>,
    /// Milliseconds until another campaign becomes eligible if the visitor stays:
    /// ask again then (one exact timer, no polling).
    pub next_in_ms: Option<u64>,
    /// Version of the campaign file decided on.
    pub version: i64,
}

/// A campaign ready to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownCampaign {
    /// Campaign id (for events and frequency history).
    pub id: String,
    /// Message in the visitor's language.
    pub message: String,
    /// Buttons under the message.
    pub actions: Vec<ShownAction>,
    /// The A/B variant shown (sent back with the campaign's events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// The discount code the message offers, when it has one (the widget's
    /// "Copy code" button): the campaign's fixed code or the visitor's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl ShownCampaign {
    /// `campaign` worded for `locale`, as written (placeholders unfilled, the
    /// first variant's message when it has variants).
    pub fn of(campaign: &Campaign, locale: &str) -> ShownCampaign {
        ShownCampaign::worded(campaign, &campaign.message, None, None, |text| {
            text.for_locale(locale).to_owned()
        })
    }

    /// `campaign` as the visitor `visitor` (the loader's visitor id) reads it:
    /// their sticky A/B variant, every placeholder filled from `values`
    /// (its language, cart, signed first name; the campaign's fixed code
    /// unless `values.code` names this visitor's pooled one). Plain text.
    pub fn for_visitor(campaign: &Campaign, visitor: &str, values: &Values) -> ShownCampaign {
        ShownCampaign::for_visitor_with(campaign, visitor, values, money)
    }

    /// [`ShownCampaign::for_visitor`] with another money formatter
    /// ([`fill_with`]).
    pub fn for_visitor_with(
        campaign: &Campaign,
        visitor: &str,
        values: &Values,
        money: impl Fn(i64, &str, &str) -> String,
    ) -> ShownCampaign {
        let (message, variant) = message_for(campaign, visitor);
        let mut values = *values;
        if values.code.is_none()
            && let Some(Code::Fixed(code)) = &campaign.code
        {
            values.code = Some(code);
        }
        ShownCampaign::worded(campaign, message, variant, values.code, |text| {
            fill_with(text.for_locale(values.locale), &values, &money)
        })
    }

    fn worded(
        campaign: &Campaign,
        message: &Text,
        variant: Option<&str>,
        code: Option<&str>,
        word: impl Fn(&Text) -> String,
    ) -> ShownCampaign {
        ShownCampaign {
            id: campaign.id.clone(),
            code: code.map(str::to_owned),
            message: word(message),
            variant: variant.map(str::to_owned),
            actions: campaign
                .actions
                .iter()
                .map(|a| ShownAction {
                    label: word(&a.label),
                    url: match &a.kind {
                        ActionKind::OpenUrl(url) => Some(url.clone()),
                        ActionKind::OpenChat => None,
                    },
                })
                .collect(),
        }
    }
}

/// A button of a shown campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShownAction {
    /// Label in the visitor's language.
    pub label: String,
    /// URL to open; `None` opens the chat.
    pub url: Option<String>,
}

/// `POST /api/sites/{site}/campaigns/events` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignEvent {
    /// Campaign id.
    pub campaign: String,
    /// What happened.
    pub kind: CampaignEventKind,
    /// The browser's visitor id (`Aisle.visitor`, kept by the loader in
    /// `localStorage`), so a later purchase can be attributed to a clicked
    /// campaign ([`crate::attribution`]); absent: counted, never attributed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<String>,
    /// The A/B variant the visitor saw ([`ShownCampaign::variant`]), for the
    /// per-variant figures; absent for campaigns without variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

/// `POST /api/sites/{site}/campaigns/code` body: this visitor's code of a
/// campaign with `"codes": "pool"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// Campaign id.
    pub campaign: String,
    /// The browser's visitor id (`Aisle.visitor`): the same one always gets the same code.
    pub visitor: String,
    /// The signed customer, required when the campaign's conditions name customer tags.
    #[serde(default)]
    pub identity: Option<crate::assist::Identity>,
}

/// `POST /api/sites/{site}/campaigns/customer` body: the page's signed customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerRequest {
    /// As in `data-customer` / `Aisle('identify', …)`.
    pub identity: crate::assist::Identity,
}

/// What the server vouches for about the page's customer: the widget puts
/// `tags` into the evaluator's `customer_tags` and `first_name` into
/// `{{customer.first_name}}`. Nothing unsigned ever gets here.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct VerifiedCustomer {
    /// The identity's signature (email, expiry) checked out.
    pub verified: bool,
    /// Tags covered by a valid `profile_signature`; empty otherwise.
    #[serde(default)]
    pub tags: Vec<String>,
    /// First name covered by a valid `profile_signature`.
    #[serde(default)]
    pub first_name: Option<String>,
}

/// What a campaign did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignEventKind {
    /// The message was shown.
    Shown,
    /// An action button was clicked.
    Clicked,
    /// The visitor dismissed it.
    Dismissed,
    /// A conversation started from it.
    ConversationStarted,
}

impl CampaignEventKind {
    /// The stored name (also the suffix of the `dataLayer` event `aisle_campaign_…`).
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignEventKind::Shown => "shown",
            CampaignEventKind::Clicked => "clicked",
            CampaignEventKind::Dismissed => "dismissed",
            CampaignEventKind::ConversationStarted => "conversation_started",
        }
    }
}
