//! Proactive campaigns: the marketer's JSON model, its validation with
//! positioned errors ([`check`]), and the evaluator that decides, for one
//! visitor, which campaigns are eligible, which one to show, and how long
//! until each of the others becomes eligible if the visitor simply stays
//! ([`eval`]).
//!
//! The same code runs in the widget (wasm), the server and the `aisle
//! campaigns` CLI, so "what would this visitor see?" has one answer.

pub mod cases;
pub mod check;
pub mod eval;
pub mod feed;
pub mod json;
pub mod template;
pub mod time;
pub mod variants;

pub use check::{CampaignError, parse_campaigns};
pub use eval::{Decision, Evaluation, Seen, Visitor, decide, evaluate};

/// A campaign file: `{"version": 1, "campaigns": [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignFile {
    /// Format version (1).
    pub version: u32,
    /// Campaigns in file order (the tie-break of equal priorities).
    pub campaigns: Vec<Campaign>,
    /// Indexes into `campaigns` by priority, highest first, ties in file order.
    display_order: Vec<usize>,
}

impl CampaignFile {
    /// A file of `campaigns` (in file order).
    pub fn new(version: u32, campaigns: Vec<Campaign>) -> Self {
        // Insertion by priority, after every equal one, so ties keep file
        // order. (Files hold tens of campaigns; std's sort would add kilobytes
        // to the widget's wasm.)
        let mut display_order: Vec<usize> = Vec::with_capacity(campaigns.len());
        for (i, campaign) in campaigns.iter().enumerate() {
            let at = display_order
                .iter()
                .position(|&j| campaigns[j].priority < campaign.priority)
                .unwrap_or(display_order.len());
            display_order.insert(at, i);
        }
        CampaignFile {
            version,
            campaigns,
            display_order,
        }
    }

    /// The campaigns in display order: priority, highest first, then file order.
    pub fn in_display_order(&self) -> impl Iterator<Item = &Campaign> {
        self.display_order.iter().map(|&i| &self.campaigns[i])
    }
}

/// One proactive message and the rules for showing it.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    /// Unique id within the file (`"bf-sitewide"`).
    pub id: String,
    /// Human name for reports.
    pub name: Option<String>,
    /// What the visitor reads.
    pub message: Text,
    /// When it applies; `None` means always.
    pub when: Option<Condition>,
    /// When it is live.
    pub schedule: Schedule,
    /// How often one visitor may see it.
    pub frequency: Frequency,
    /// Higher shows first; ties keep file order.
    pub priority: i64,
    /// Disabled campaigns are never eligible.
    pub enabled: bool,
    /// Buttons under the message.
    pub actions: Vec<Action>,
    /// A/B message variants (2–4, weighted); empty: `message` for everyone.
    /// A visitor keeps one variant ([`variants::variant_for`]).
    pub variants: Vec<Variant>,
    /// The discount code `{{campaign.code}}` stands for, if any.
    pub code: Option<Code>,
    /// Whether its links carry `utm_source=aisle&utm_medium=chat&utm_campaign=<id>`
    /// ([`tag_link`]; `"utm": false` in the file turns it off).
    pub utm: bool,
    /// Product cards under the message (at most [`MAX_PRODUCTS`]): "customers
    /// also bought", the other half of a free-shipping nudge.
    pub products: Vec<Product>,
}

/// Most product cards one campaign shows.
pub const MAX_PRODUCTS: usize = 3;

/// A product card under a campaign message: a picture, a title, a price and a
/// link, as the marketer wrote them in the campaign file.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// The store's SKU or product handle; a product already in the visitor's
    /// cart is not shown.
    pub id: String,
    /// The product's name (also the picture's text alternative).
    pub title: Text,
    /// The price as shoppers read it (`"€29"`, or per language).
    pub price: Option<Text>,
    /// The picture: a path on the store or an `https://` URL.
    pub image: Option<String>,
    /// The product page: a path on the store or an http(s) URL.
    pub url: String,
}

/// `url` with the UTM parameters that tell the store's analytics a visit came
/// from campaign `campaign` of Aisle: `utm_source=aisle`, `utm_medium=chat`,
/// `utm_campaign=<campaign>` (percent-encoded), added before any `#fragment`.
/// A parameter the marketer already wrote in the link is kept as written.
///
/// ```
/// use aisle_core::campaign::tag_link;
/// assert_eq!(
///     tag_link("/collections/winter#top", "bf-sitewide"),
///     "/collections/winter?utm_source=aisle&utm_medium=chat&utm_campaign=bf-sitewide#top"
/// );
/// assert_eq!(
///     tag_link("https://shop.example/?ref=x&utm_source=mail", "été"),
///     "https://shop.example/?ref=x&utm_source=mail&utm_medium=chat&utm_campaign=%C3%A9t%C3%A9"
/// );
/// ```
pub fn tag_link(url: &str, campaign: &str) -> String {
    let (head, fragment) = match url.find('#') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    let query = head.split_once('?').map_or("", |(_, q)| q);
    let has = |name: &str| {
        query
            .split('&')
            .any(|pair| pair.split('=').next() == Some(name))
    };
    let mut out = String::from(head);
    let mut sep = if head.contains('?') {
        if head.ends_with('?') || head.ends_with('&') {
            ""
        } else {
            "&"
        }
    } else {
        "?"
    };
    let mut id = String::new();
    for b in campaign.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            id.push(char::from(b));
        } else {
            id.push('%');
            id.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            id.push(char::from(b"0123456789ABCDEF"[usize::from(b & 15)]));
        }
    }
    for (name, value) in [
        ("utm_source", "aisle"),
        ("utm_medium", "chat"),
        ("utm_campaign", id.as_str()),
    ] {
        if !has(name) {
            out.push_str(sep);
            out.push_str(name);
            out.push('=');
            out.push_str(value);
            sep = "&";
        }
    }
    out.push_str(fragment);
    out
}

/// One message variant of an A/B test.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Unique within the campaign (`"a"`); reported with events and stats.
    pub id: String,
    /// Share of visitors, relative to the other variants' weights (> 0).
    pub weight: u32,
    /// What visitors assigned to it read (instead of the campaign's message).
    pub message: Text,
}

/// Where a campaign's discount code comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// The same code for everyone (`"code": "WINTER10"`).
    Fixed(String),
    /// A unique single-use code per visitor from the pool the marketer
    /// uploads (`"codes": "pool"`, `aisle campaigns codes add`), handed out
    /// by the server (`POST …/campaigns/code`).
    Pool,
    /// A unique single-use code per visitor that the server creates in the
    /// site's Shopify store when the visitor is first shown the campaign
    /// (`"codes": {"shopify": {"percent_off": 10, "valid_days": 7}}`), handed
    /// out like a pooled one.
    Shopify(ShopifyDiscount),
}

impl Code {
    /// Whether each visitor gets their own code from the server (a pool or
    /// the store), rather than one code written in the file.
    pub fn per_visitor(&self) -> bool {
        matches!(self, Code::Pool | Code::Shopify(_))
    }
}

/// The discount behind a code created in Shopify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopifyDiscount {
    /// What the code takes off the order.
    pub off: DiscountOff,
    /// Days the code stays valid from when it is created (1-365, default 7).
    pub valid_days: u32,
}

/// How much a created discount takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountOff {
    /// A percentage of the eligible items (1-100).
    Percent(u8),
    /// A fixed amount in the store's currency, in minor units (cents).
    Amount(i64),
}

/// Longest a created discount code may stay valid, days.
pub const MAX_DISCOUNT_DAYS: u32 = 365;
/// How long a created discount code stays valid when the file doesn't say.
pub const DEFAULT_DISCOUNT_DAYS: u32 = 7;

/// Picks the text for `locale` among (tag, text) pairs: exact tag, then its
/// language (`fr` for `fr-CA`), then another tag of that language, then
/// English, then the first given.
pub fn pick_localized<'a, I>(texts: I, locale: &str) -> Option<&'a str>
where
    I: Iterator<Item = (&'a str, &'a str)> + Clone,
{
    let wanted: String = locale
        .chars()
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let language = wanted.split('-').next().unwrap_or_default();
    let find = |tag: &str| {
        texts
            .clone()
            .find(|(t, _)| t.eq_ignore_ascii_case(tag))
            .map(|(_, s)| s)
    };
    find(&wanted)
        .or_else(|| find(language))
        .or_else(|| {
            texts
                .clone()
                .find(|(t, _)| t.to_ascii_lowercase().starts_with(language))
                .map(|(_, s)| s)
        })
        .or_else(|| find("en"))
        .or_else(|| texts.clone().next().map(|(_, s)| s))
}

/// A string, or one string per locale.
#[derive(Debug, Clone, PartialEq)]
pub enum Text {
    /// The same in every language.
    Plain(String),
    /// Locale tag → text, in file order.
    Localized(Vec<(String, String)>),
}

impl Text {
    /// The text for `locale`: exact tag, then its language (`fr` for `fr-CA`),
    /// then English, then the first given.
    pub fn for_locale(&self, locale: &str) -> &str {
        match self {
            Text::Plain(text) => text,
            Text::Localized(texts) => {
                pick_localized(texts.iter().map(|(t, s)| (t.as_str(), s.as_str())), locale)
                    .unwrap_or_default()
            }
        }
    }
}

/// When a campaign is live: `from` inclusive, `until` exclusive, Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Schedule {
    /// Live from this instant.
    pub from: Option<i64>,
    /// Live until just before this instant.
    pub until: Option<i64>,
}

/// How often a visitor may see a campaign; a dismissed campaign stays dismissed for this scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Frequency {
    /// Whenever it applies (but not again on the page where it was dismissed).
    Always,
    /// Once per page view.
    OncePerPage,
    /// Once per browser session.
    #[default]
    OncePerSession,
    /// Once per visitor, ever.
    OncePerVisitor,
}

/// A button under a campaign message.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Button label.
    pub label: Text,
    /// What it does.
    pub kind: ActionKind,
}

/// What an action button does.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Navigate to a URL (absolute http(s) or a path on the store).
    OpenUrl(String),
    /// Open the chat with the campaign as context.
    OpenChat,
}

/// A condition on the visitor: a leaf, or a composition of conditions.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Every condition holds (true when empty).
    All(Vec<Condition>),
    /// At least one holds.
    Any(Vec<Condition>),
    /// The condition does not hold.
    Not(Box<Condition>),
    /// Every operator holds on the URL path, normalised by
    /// [`eval::normalize_path`] (query, fragment, trailing slash, case,
    /// percent-escapes).
    Path(Vec<PathTest>),
    /// A query parameter test.
    Query {
        /// Parameter name (case-sensitive).
        param: String,
        /// The test.
        test: QueryTest,
    },
    /// Every operator holds on the referrer.
    Referrer(Vec<ReferrerTest>),
    /// Time on this page ≥ milliseconds.
    TimeOnPage(u64),
    /// Time on the site this session ≥ milliseconds.
    TimeOnSite(u64),
    /// Pages viewed this session within the range.
    PagesViewed(CountRange),
    /// Visits (sessions) within the range.
    Visits(CountRange),
    /// New (first visit) or returning visitor.
    Visitor(VisitorKind),
    /// Cart value in minor units: `at_least` inclusive, `below` exclusive.
    CartValue {
        /// Inclusive lower bound.
        at_least: Option<i64>,
        /// Exclusive upper bound.
        below: Option<i64>,
    },
    /// The cart holds this SKU or product handle.
    CartContains(String),
    /// Exit intent was (or was not) detected on this page.
    ExitIntent(bool),
    /// Scrolled at least this percent of the page.
    ScrollDepth(u8),
    /// The visitor's device class.
    Device(Device),
    /// The visitor's language matches one of these tags (prefix match: `fr` matches `fr-CA`).
    Language(Vec<String>),
    /// Some agent is (or no agent is) online.
    AgentsOnline(bool),
    /// Inside (or outside) the site's business hours.
    BusinessHours(bool),
    /// The identified customer carries this tag.
    CustomerTag(String),
}

/// An operator on the URL path. Both the visitor's path and the operand are
/// normalised the same way (percent-escapes decoded, lower case, `//` as `/`;
/// see [`eval::normalize_path`]), so case and escapes never matter. Built by
/// [`PathTest::new`], which stores the operand normalised.
///
/// A `/` at either end of the operand of `starts_with`, `ends_with`,
/// `contains` and `not_contains` stands for a segment boundary (the path's
/// start and end are boundaries): `starts_with "/collections/"` matches
/// `/collections` and `/collections/winter` but not `/collections-sale`;
/// `contains "/winter/"` matches `/collections/winter`; `contains "parka"`
/// (no slash) matches inside a segment, `/products/alpine-parka`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathTest {
    /// The whole path is this (a trailing slash never matters).
    Is(String),
    /// The whole path is not this.
    IsNot(String),
    /// The path starts with this (stored with a leading `/`).
    StartsWith(String),
    /// The path ends with this (stored with a trailing `/`: the path's end is a boundary).
    EndsWith(String),
    /// The path contains this.
    Contains(String),
    /// The path does not contain this.
    NotContains(String),
    /// Whole-path match where `*` matches any run of characters, `/` included.
    Matches(String),
}

/// A test on one query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryTest {
    /// Some value of the parameter equals this (after URL decoding).
    Is(String),
    /// The parameter is (or is not) present, even with an empty value.
    Exists(bool),
}

/// An operator on the referrer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferrerTest {
    /// The referrer URL contains this (ASCII case-insensitive).
    Contains(String),
    /// The referrer's host is this (ASCII case-insensitive).
    IsHost(String),
}

/// An inclusive range of counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CountRange {
    /// At least this many.
    pub at_least: Option<u32>,
    /// At most this many.
    pub at_most: Option<u32>,
}

impl CountRange {
    /// Whether `n` is in the range.
    pub fn contains(&self, n: u32) -> bool {
        self.at_least.is_none_or(|min| n >= min) && self.at_most.is_none_or(|max| n <= max)
    }
}

/// First visit or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitorKind {
    /// First visit.
    New,
    /// Visited before.
    Returning,
}

/// Device class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Device {
    /// Phone.
    Mobile,
    /// Tablet.
    Tablet,
    /// Desktop or laptop.
    #[default]
    Desktop,
}

impl Device {
    /// `"mobile"`, `"tablet"` or `"desktop"`.
    pub fn from_name(name: &str) -> Option<Device> {
        match name {
            "mobile" => Some(Device::Mobile),
            "tablet" => Some(Device::Tablet),
            "desktop" => Some(Device::Desktop),
            _ => None,
        }
    }
}
