//! The campaign feed: a site's live campaigns in a compact text form that the
//! server writes (`GET /api/sites/{site}/campaigns/feed`) and the widget
//! reads back into the same [`CampaignFile`] the checker builds, together with
//! what only the server knows (agents online, opening hours).
//!
//! The server encodes a file the checker already accepted, so the widget needs
//! no JSON parser, checker or serde: [`decode`] is a few hundred bytes of wasm.
//! Path operands travel as the checker normalised them ([`PathTest::new`]),
//! and `decode(encode(f)) == f` (tested).
//!
//! Grammar: a sequence of numbers (`-?[0-9]+,`) and texts (`LEN:BYTES`, `LEN`
//! the UTF-8 byte length), in the order [`encode`] writes them. A feed starts
//! with its format number, [`FORMAT`].

use super::{
    Action, ActionKind, Campaign, CampaignFile, Code, Condition, CountRange, Device, Frequency,
    PathTest, Product, QueryTest, ReferrerTest, Schedule, Text, Variant, VisitorKind,
};

/// Path operators by their number in the feed (the order of [`PathTest`]).
const PATH_OPERATORS: [&str; 7] = [
    "is",
    "is_not",
    "starts_with",
    "ends_with",
    "contains",
    "not_contains",
    "matches",
];

/// The feed format this code writes and reads (2: A/B variants; 3: product
/// cards; 4: discount codes and the free-shipping threshold, for the widget
/// that fills placeholders itself). A fixed code travels as written; a code
/// per visitor (a pool or Shopify) only as "ask the server" and reads back
/// as [`Code::Pool`]: the widget asks `POST …/campaigns/code` either way.
pub const FORMAT: i64 = 4;

/// Deepest condition nesting [`decode`] follows (as the JSON parser's limit),
/// so a corrupted stored copy cannot exhaust the stack.
const MAX_DEPTH: u32 = 128;

/// What the widget needs to decide on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// The live campaigns.
    pub file: CampaignFile,
    /// Agents online (not away) when the feed was made.
    pub agents_online: u32,
    /// Opening hours as Unix-millisecond spans `[from, until)` from the start
    /// of the store's day for about a week; `None`: the site sets no business
    /// hours (always open).
    pub open: Option<Vec<(i64, i64)>>,
    /// The site's free-shipping threshold: hundredths and currency
    /// (`{{cart.remaining_to_free_shipping}}`).
    pub free_shipping: Option<(i64, String)>,
}

impl Feed {
    /// Whether `now_ms` is inside business hours. Past the spans' end (a page
    /// left open for a week) counts as open, as an unknown time zone does on
    /// the server, rather than hiding people.
    pub fn business_hours_at(&self, now_ms: i64) -> bool {
        match &self.open {
            None => true,
            Some(spans) => {
                spans
                    .iter()
                    .any(|(from, until)| *from <= now_ms && now_ms < *until)
                    || spans.last().is_none_or(|(_, until)| now_ms >= *until)
            }
        }
    }
}

/// The feed's text.
pub fn encode(feed: &Feed) -> String {
    let mut w = Writer(String::new());
    w.int(FORMAT);
    w.int(feed.agents_online.into());
    match &feed.open {
        None => w.int(0),
        Some(spans) => {
            w.int(1);
            w.int(spans.len() as i64);
            for (from, until) in spans {
                w.int(*from);
                w.int(*until);
            }
        }
    }
    match &feed.free_shipping {
        None => w.int(0),
        Some((minor, currency)) => {
            w.int(1);
            w.int(*minor);
            w.text(currency);
        }
    }
    let file = &feed.file;
    w.int(file.version.into());
    w.int(file.campaigns.len() as i64);
    for c in &file.campaigns {
        w.text(&c.id);
        w.option_text(c.name.as_deref());
        w.localized(&c.message);
        match &c.when {
            None => w.int(0),
            Some(condition) => {
                w.int(1);
                w.condition(condition);
            }
        }
        w.option_int(c.schedule.from);
        w.option_int(c.schedule.until);
        w.int(match c.frequency {
            Frequency::Always => 0,
            Frequency::OncePerPage => 1,
            Frequency::OncePerSession => 2,
            Frequency::OncePerVisitor => 3,
        });
        w.int(c.priority);
        w.int(c.enabled.into());
        w.int(c.actions.len() as i64);
        for a in &c.actions {
            w.localized(&a.label);
            match &a.kind {
                ActionKind::OpenUrl(url) => {
                    w.int(0);
                    w.text(url);
                }
                ActionKind::OpenChat => w.int(1),
            }
        }
        w.int(c.variants.len() as i64);
        for v in &c.variants {
            w.text(&v.id);
            w.int(v.weight.into());
            w.localized(&v.message);
        }
        // 0: no code; 1: a fixed code, written; 2: a code per visitor, which
        // the widget asks the server for (a pool or Shopify alike).
        match &c.code {
            None => w.int(0),
            Some(Code::Fixed(code)) => {
                w.int(1);
                w.text(code);
            }
            Some(_) => w.int(2),
        }
        w.int(c.products.len() as i64);
        for p in &c.products {
            w.text(&p.id);
            w.localized(&p.title);
            match &p.price {
                None => w.int(0),
                Some(price) => {
                    w.int(1);
                    w.localized(price);
                }
            }
            w.option_text(p.image.as_deref());
            w.text(&p.url);
        }
    }
    w.0
}

struct Writer(String);

impl Writer {
    fn int(&mut self, n: i64) {
        self.0.push_str(&n.to_string());
        self.0.push(',');
    }

    fn text(&mut self, text: &str) {
        self.0.push_str(&text.len().to_string());
        self.0.push(':');
        self.0.push_str(text);
    }

    fn option_int(&mut self, n: Option<i64>) {
        match n {
            None => self.int(0),
            Some(n) => {
                self.int(1);
                self.int(n);
            }
        }
    }

    fn option_text(&mut self, text: Option<&str>) {
        match text {
            None => self.int(0),
            Some(text) => {
                self.int(1);
                self.text(text);
            }
        }
    }

    fn localized(&mut self, text: &Text) {
        match text {
            Text::Plain(text) => {
                self.int(0);
                self.text(text);
            }
            Text::Localized(texts) => {
                self.int(1);
                self.int(texts.len() as i64);
                for (tag, text) in texts {
                    self.text(tag);
                    self.text(text);
                }
            }
        }
    }

    fn range(&mut self, range: &CountRange) {
        self.option_int(range.at_least.map(i64::from));
        self.option_int(range.at_most.map(i64::from));
    }

    fn condition(&mut self, condition: &Condition) {
        let list = |w: &mut Writer, tag: i64, conditions: &[Condition]| {
            w.int(tag);
            w.int(conditions.len() as i64);
            for c in conditions {
                w.condition(c);
            }
        };
        match condition {
            Condition::All(cs) => list(self, 0, cs),
            Condition::Any(cs) => list(self, 1, cs),
            Condition::Not(c) => {
                self.int(2);
                self.condition(c);
            }
            Condition::Path(tests) => {
                self.int(3);
                self.int(tests.len() as i64);
                for test in tests {
                    let (operator, operand) = test.parts();
                    let code = PATH_OPERATORS.iter().position(|o| *o == operator);
                    self.int(code.unwrap_or_default() as i64);
                    self.text(operand);
                }
            }
            Condition::Query { param, test } => {
                self.int(4);
                self.text(param);
                match test {
                    QueryTest::Is(value) => {
                        self.int(0);
                        self.text(value);
                    }
                    QueryTest::Exists(exists) => {
                        self.int(1);
                        self.int((*exists).into());
                    }
                }
            }
            Condition::Referrer(tests) => {
                self.int(5);
                self.int(tests.len() as i64);
                for test in tests {
                    match test {
                        ReferrerTest::Contains(part) => {
                            self.int(0);
                            self.text(part);
                        }
                        ReferrerTest::IsHost(host) => {
                            self.int(1);
                            self.text(host);
                        }
                    }
                }
            }
            Condition::TimeOnPage(ms) => {
                self.int(6);
                self.int(*ms as i64);
            }
            Condition::TimeOnSite(ms) => {
                self.int(7);
                self.int(*ms as i64);
            }
            Condition::PagesViewed(range) => {
                self.int(8);
                self.range(range);
            }
            Condition::Visits(range) => {
                self.int(9);
                self.range(range);
            }
            Condition::Visitor(kind) => {
                self.int(10);
                self.int((*kind == VisitorKind::Returning).into());
            }
            Condition::CartValue { at_least, below } => {
                self.int(11);
                self.option_int(*at_least);
                self.option_int(*below);
            }
            Condition::CartContains(item) => {
                self.int(12);
                self.text(item);
            }
            Condition::ExitIntent(want) => {
                self.int(13);
                self.int((*want).into());
            }
            Condition::ScrollDepth(percent) => {
                self.int(14);
                self.int((*percent).into());
            }
            Condition::Device(device) => {
                self.int(15);
                self.int(match device {
                    Device::Mobile => 0,
                    Device::Tablet => 1,
                    Device::Desktop => 2,
                });
            }
            Condition::Language(tags) => {
                self.int(16);
                self.int(tags.len() as i64);
                for tag in tags {
                    self.text(tag);
                }
            }
            Condition::AgentsOnline(want) => {
                self.int(17);
                self.int((*want).into());
            }
            Condition::BusinessHours(want) => {
                self.int(18);
                self.int((*want).into());
            }
            Condition::CustomerTag(tag) => {
                self.int(19);
                self.text(tag);
            }
        }
    }
}

/// Reads a feed back; `None` for anything [`encode`] did not write (another
/// format, a truncated or altered copy).
pub fn decode(text: &str) -> Option<Feed> {
    let mut r = Reader {
        rest: text,
        bad: false,
    };
    if r.int() != FORMAT {
        return None;
    }
    let agents_online = r.small();
    let open = r.flag().then(|| r.list(|r| (r.int(), r.int())));
    let free_shipping = r.flag().then(|| (r.int(), r.text()));
    let version = r.small();
    let campaigns = r.list(|r| Campaign {
        id: r.text(),
        name: r.flag().then(|| r.text()),
        message: r.localized(),
        when: r.flag().then(|| r.condition(0)),
        schedule: Schedule {
            from: r.flag().then(|| r.int()),
            until: r.flag().then(|| r.int()),
        },
        frequency: match r.int() {
            0 => Frequency::Always,
            1 => Frequency::OncePerPage,
            2 => Frequency::OncePerSession,
            3 => Frequency::OncePerVisitor,
            _ => r.fail(Frequency::Always),
        },
        priority: r.int(),
        enabled: r.flag(),
        actions: r.list(|r| Action {
            label: r.localized(),
            kind: match r.flag() {
                false => ActionKind::OpenUrl(r.text()),
                true => ActionKind::OpenChat,
            },
        }),
        variants: r.list(|r| Variant {
            id: r.text(),
            weight: r.small(),
            message: r.localized(),
        }),
        code: match r.int() {
            0 => None,
            1 => Some(Code::Fixed(r.text())),
            2 => Some(Code::Pool),
            _ => r.fail(None),
        },
        products: r.list(|r| Product {
            id: r.text(),
            title: r.localized(),
            price: r.flag().then(|| r.localized()),
            image: r.flag().then(|| r.text()),
            url: r.text(),
        }),
        // Not in the feed: the server tags the links before encoding
        // ([`super::tag_link`]); the widget never tags them again.
        utm: true,
    });
    (!r.bad && r.rest.is_empty()).then(|| Feed {
        file: CampaignFile::new(version, campaigns),
        agents_online,
        open,
        free_shipping,
    })
}

/// Reads what [`Writer`] wrote. A malformed part marks the reader `bad` and
/// reads as a neutral value, so decoding goes on without branching at every
/// step (smaller wasm) and [`decode`] refuses the whole feed at the end.
struct Reader<'a> {
    rest: &'a str,
    bad: bool,
}

impl Reader<'_> {
    /// Marks the feed malformed; `value` stands in.
    fn fail<T>(&mut self, value: T) -> T {
        self.bad = true;
        self.rest = "";
        value
    }

    /// Decimal digits (optionally after `-`) up to `end`.
    fn number(&mut self, end: u8) -> i64 {
        let bytes = self.rest.as_bytes();
        let negative = bytes.first() == Some(&b'-');
        let mut n: i64 = 0;
        let mut i = usize::from(negative);
        while let Some(&b) = bytes.get(i) {
            if b == end && i > usize::from(negative) {
                self.rest = self.rest.get(i + 1..).unwrap_or_default();
                return if negative { -n } else { n };
            }
            match n
                .checked_mul(10)
                .and_then(|tens| tens.checked_add(i64::from(b.wrapping_sub(b'0'))))
            {
                Some(next) if b.is_ascii_digit() => n = next,
                _ => break,
            }
            i += 1;
        }
        self.fail(0)
    }

    fn int(&mut self) -> i64 {
        self.number(b',')
    }

    /// A number that fits a `u32` (counts, percentages, versions).
    fn small(&mut self) -> u32 {
        let n = self.int();
        u32::try_from(n).unwrap_or_else(|_| self.fail(0))
    }

    fn flag(&mut self) -> bool {
        match self.int() {
            0 => false,
            1 => true,
            _ => self.fail(false),
        }
    }

    fn text(&mut self) -> String {
        let length = usize::try_from(self.number(b':')).unwrap_or(usize::MAX);
        match self.rest.split_at_checked(length) {
            Some((text, rest)) => {
                self.rest = rest;
                text.to_owned()
            }
            None => self.fail(String::new()),
        }
    }

    /// A count, then that many items. No capacity is reserved from the count,
    /// and a malformed feed stops at once: a forged count cannot allocate.
    fn list<T>(&mut self, mut read: impl FnMut(&mut Self) -> T) -> Vec<T> {
        let count = self.int();
        let mut items = Vec::new();
        for _ in 0..count {
            if self.bad {
                break;
            }
            items.push(read(self));
        }
        items
    }

    fn localized(&mut self) -> Text {
        match self.flag() {
            false => Text::Plain(self.text()),
            true => Text::Localized(self.list(|r| (r.text(), r.text()))),
        }
    }

    /// A duration (milliseconds, not negative).
    fn milliseconds(&mut self) -> u64 {
        let n = self.int();
        u64::try_from(n).unwrap_or_else(|_| self.fail(0))
    }

    fn optional_small(&mut self) -> Option<u32> {
        self.flag().then(|| self.small())
    }

    fn range(&mut self) -> CountRange {
        CountRange {
            at_least: self.optional_small(),
            at_most: self.optional_small(),
        }
    }

    fn condition(&mut self, depth: u32) -> Condition {
        if depth > MAX_DEPTH {
            return self.fail(Condition::All(Vec::new()));
        }
        let next = depth + 1;
        match self.int() {
            0 => Condition::All(self.list(|r| r.condition(next))),
            1 => Condition::Any(self.list(|r| r.condition(next))),
            2 => Condition::Not(Box::new(self.condition(next))),
            // Operands arrive as the checker normalised them (`PathTest::new`).
            3 => Condition::Path(self.list(|r| {
                let (operator, operand) = (r.int(), r.text());
                match operator {
                    0 => PathTest::Is(operand),
                    1 => PathTest::IsNot(operand),
                    2 => PathTest::StartsWith(operand),
                    3 => PathTest::EndsWith(operand),
                    4 => PathTest::Contains(operand),
                    5 => PathTest::NotContains(operand),
                    6 => PathTest::Matches(operand),
                    _ => r.fail(PathTest::Is(operand)),
                }
            })),
            4 => Condition::Query {
                param: self.text(),
                test: match self.flag() {
                    false => QueryTest::Is(self.text()),
                    true => QueryTest::Exists(self.flag()),
                },
            },
            5 => Condition::Referrer(self.list(|r| match r.flag() {
                false => ReferrerTest::Contains(r.text()),
                true => ReferrerTest::IsHost(r.text()),
            })),
            6 => Condition::TimeOnPage(self.milliseconds()),
            7 => Condition::TimeOnSite(self.milliseconds()),
            8 => Condition::PagesViewed(self.range()),
            9 => Condition::Visits(self.range()),
            10 => Condition::Visitor(match self.flag() {
                false => VisitorKind::New,
                true => VisitorKind::Returning,
            }),
            11 => Condition::CartValue {
                at_least: self.flag().then(|| self.int()),
                below: self.flag().then(|| self.int()),
            },
            12 => Condition::CartContains(self.text()),
            13 => Condition::ExitIntent(self.flag()),
            14 => Condition::ScrollDepth(match self.small() {
                percent @ 0..=100 => percent as u8,
                _ => self.fail(0),
            }),
            15 => Condition::Device(match self.int() {
                0 => Device::Mobile,
                1 => Device::Tablet,
                2 => Device::Desktop,
                _ => self.fail(Device::Desktop),
            }),
            16 => Condition::Language(self.list(Self::text)),
            17 => Condition::AgentsOnline(self.flag()),
            18 => Condition::BusinessHours(self.flag()),
            19 => Condition::CustomerTag(self.text()),
            _ => self.fail(Condition::All(Vec::new())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::parse_campaigns;

    fn feed(text: &str) -> Feed {
        Feed {
            file: parse_campaigns(text).unwrap(),
            agents_online: 2,
            open: Some(vec![(1_000, 2_000), (5_000, 9_000)]),
            free_shipping: Some((10_000, "EUR".into())),
        }
    }

    #[test]
    fn the_demo_file_survives_the_round_trip() {
        let demo = feed(include_str!("../../../server/demo/campaigns.json"));
        assert_eq!(decode(&encode(&demo)), Some(demo));
    }

    #[test]
    fn variants_and_codes_survive_the_round_trip_and_per_visitor_codes_read_as_ask() {
        let offers = feed(
            r#"{"version": 1, "campaigns": [
              {"id": "ab", "codes": "pool", "variants": [
                {"id": "a", "weight": 70, "message": "Code {{campaign.code}}"},
                {"id": "b", "weight": 30, "message": {"fr": "Ça {{cart.value}}", "en": "x"}}]},
              {"id": "fixed", "message": "Use {{campaign.code}}", "code": "WINTER10"},
              {"id": "store", "message": "{{campaign.code}}",
               "codes": {"shopify": {"percent_off": 10, "valid_days": 7}}}]}"#,
        );
        let mut as_read = offers.clone();
        // Only "ask the server" travels: a Shopify code reads as a pool one.
        as_read.file.campaigns[2].code = Some(Code::Pool);
        assert_eq!(
            as_read.file.campaigns[1].code,
            Some(Code::Fixed("WINTER10".into()))
        );
        assert_eq!(decode(&encode(&offers)), Some(as_read));
    }

    #[test]
    fn anything_else_is_refused_not_misread() {
        let demo = encode(&feed(include_str!("../../../server/demo/campaigns.json")));
        for cut in 0..demo.len() {
            if demo.is_char_boundary(cut) {
                assert_eq!(decode(&demo[..cut]), None, "cut at {cut}");
            }
        }
        assert_eq!(decode(&format!("{demo}1,")), None, "trailing text");
        assert_eq!(
            decode(&demo.replacen("4,", "3,", 1)),
            None,
            "another format"
        );
        let deep = format!("3,0,0,1,1,1:c,0,0,1:m,1,{}", "2,".repeat(10_000));
        assert_eq!(decode(&deep), None, "nesting is bounded");
    }

    #[test]
    fn product_cards_survive_the_round_trip() {
        let f = feed(
            r#"{"version": 1, "campaigns": [{"id": "also", "message": "Also bought", "products": [
                {"id": "gloves", "title": {"en": "Gloves", "fr": "Gants"}, "price": "€29",
                 "image": "/img/gloves.jpg", "url": "/products/gloves"},
                {"id": "hat", "title": "Hat", "url": "https://shop.example/hat"}]}]}"#,
        );
        let products = &f.file.campaigns[0].products;
        assert_eq!(products.len(), 2);
        assert_eq!(products[0].title.for_locale("fr"), "Gants");
        assert_eq!(products[1].price, None);
        assert_eq!(decode(&encode(&f)), Some(f));
    }

    #[test]
    fn business_hours_come_from_the_spans() {
        let f = feed(r#"{"version": 1, "campaigns": []}"#);
        assert!(!f.business_hours_at(999));
        assert!(f.business_hours_at(1_000));
        assert!(!f.business_hours_at(2_000));
        assert!(f.business_hours_at(8_999));
        assert!(f.business_hours_at(9_000), "past the spans: open");
        let always = Feed { open: None, ..f };
        assert!(always.business_hours_at(0));
    }
}
