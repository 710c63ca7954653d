//! Validating a marketer's campaign file into a [`CampaignFile`].
//!
//! Every problem is reported, not just the first, each with its JSON path
//! (`$.campaigns[0].when.all[1].path`), the line:column where it is, and for
//! misspelled names a "did you mean" hint.

use super::json::{self, Json, Pos, Value};
use super::time::parse_rfc3339;
use super::{
    Action, ActionKind, Campaign, CampaignFile, Code, Condition, CountRange, DEFAULT_DISCOUNT_DAYS,
    Device, DiscountOff, Frequency, MAX_DISCOUNT_DAYS, MAX_PRODUCTS, PathTest, Product, QueryTest,
    ReferrerTest, Schedule, ShopifyDiscount, Text, Variant, VisitorKind, template,
};
use std::fmt;

/// One problem in a campaign file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignError {
    /// Where in the text.
    pub pos: Pos,
    /// Where in the JSON (`$.campaigns[0].when`).
    pub path: String,
    /// What is wrong, and how to fix it when we know.
    pub message: String,
}

impl fmt::Display for CampaignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.pos, self.path, self.message)
    }
}

/// The problems of a valid campaign file `text` on a site whose orders do
/// not come from Shopify (`source`: what they come from, `"woocommerce"`):
/// each campaign whose `"codes"` are created in Shopify, at its position.
/// Its shoppers could never get a code, so they would never see the offer.
/// `aisle campaigns check` knows no site; a push to one checks this too.
pub fn shopify_codes_elsewhere(text: &str, source: &str) -> Vec<CampaignError> {
    let Ok(Json {
        value: Value::Object(root),
        ..
    }) = json::parse(text)
    else {
        return Vec::new();
    };
    let Some(Value::Array(campaigns)) = field(&root, "campaigns").map(|c| &c.value) else {
        return Vec::new();
    };
    let mut errors = Vec::new();
    for (i, campaign) in campaigns.iter().enumerate() {
        if let Value::Object(members) = &campaign.value
            && let Some(codes) = field(members, "codes")
            && let Value::Object(kinds) = &codes.value
            && field(kinds, "shopify").is_some()
        {
            errors.push(CampaignError {
                pos: codes.pos,
                path: format!("$.campaigns[{i}].codes"),
                message: format!(
                    "codes created in Shopify need a site whose orders come from Shopify, and this site's come from {source}: use \"codes\": \"pool\" (with `aisle campaigns codes add`) or a fixed \"code\""
                ),
            });
        }
    }
    errors
}

/// Every error of `text` as `aisle campaigns check` prints it, in file
/// order; none when the file is valid (the tables of checker tests).
#[cfg(test)]
pub(crate) fn error_lines(text: &str) -> Vec<String> {
    parse_campaigns(text)
        .err()
        .unwrap_or_default()
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Parses and validates a campaign file; `Err` holds every problem found, in file order.
pub fn parse_campaigns(text: &str) -> Result<CampaignFile, Vec<CampaignError>> {
    let root = json::parse(text).map_err(|e| {
        vec![CampaignError {
            pos: e.pos,
            path: e.path,
            message: format!("invalid JSON: {}", e.message),
        }]
    })?;
    let mut checker = Checker {
        errors: Vec::new(),
        code_used_at: None,
    };
    let file = checker.file(&root);
    let mut errors = checker.errors;
    errors.sort_by_key(|e| (e.pos.line, e.pos.column));
    match file {
        Some(file) if errors.is_empty() => Ok(file),
        _ => Err(errors),
    }
}

const FILE_FIELDS: &[&str] = &["version", "campaigns"];
const CAMPAIGN_FIELDS: &[&str] = &[
    "id",
    "name",
    "message",
    "when",
    "schedule",
    "frequency",
    "priority",
    "enabled",
    "actions",
    "variants",
    "code",
    "codes",
    "utm",
    "products",
];
const PRODUCT_FIELDS: &[&str] = &["id", "title", "price", "image", "url"];
const SHOPIFY_CODE_FIELDS: &[&str] = &["percent_off", "amount_off", "valid_days"];
/// Fewest and most message variants of an A/B test.
pub const VARIANTS: std::ops::RangeInclusive<usize> = 2..=4;
/// Longest discount code (fixed or pooled), characters.
pub const MAX_CODE_CHARS: usize = 64;

/// Why `code` cannot be a discount code a shopper reads and types at the
/// checkout, or `None` when it can: at most [`MAX_CODE_CHARS`] characters,
/// no control characters (line breaks, tabs) and no invisible formatting
/// (bidi overrides and isolates, zero-width characters, the byte-order
/// mark, soft hyphens), which would make the code read differently from
/// what the store accepts. The same rule for a campaign's fixed code and
/// for every code of a pool (`aisle campaigns codes add`).
pub fn code_fault(code: &str) -> Option<&'static str> {
    if code.chars().count() > MAX_CODE_CHARS {
        Some("a code is at most 64 characters")
    } else if code.chars().any(char::is_control) {
        Some("a code has no control characters such as line breaks")
    } else if code.chars().any(|c| {
        matches!(c,
            '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
    }) {
        Some("a code has no invisible characters (bidi or zero-width formatting)")
    } else {
        None
    }
}
const CONDITION_KINDS: &[&str] = &[
    "all",
    "any",
    "not",
    "path",
    "query",
    "referrer",
    "time_on_page",
    "time_on_site",
    "pages_viewed",
    "visits",
    "visitor",
    "cart_value",
    "cart_contains",
    "exit_intent",
    "scroll_depth",
    "device",
    "language",
    "agents_online",
    "business_hours",
    "customer_tag",
];
const PATH_OPERATORS: &[&str] = &[
    "is",
    "is_not",
    "starts_with",
    "ends_with",
    "contains",
    "not_contains",
    "matches",
];
const FREQUENCIES: &[&str] = &[
    "always",
    "once_per_page",
    "once_per_session",
    "once_per_visitor",
];

/// Edit distance between two short names.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The known name closest to `name`, if it is close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let squash = |s: &str| s.to_ascii_lowercase().replace(['_', '-', ' '], "");
    if let Some(same) = known.iter().find(|k| squash(k) == squash(name)) {
        return Some(same);
    }
    let (best, d) = known
        .iter()
        .map(|k| (*k, distance(name, k)))
        .min_by_key(|(_, d)| *d)?;
    (d <= 2.max(name.chars().count() / 4) && d < name.chars().count()).then_some(best)
}

fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    match did_you_mean(name, known) {
        Some(hint) => format!("unknown {what} \"{name}\" (did you mean \"{hint}\"?)"),
        None => format!(
            "unknown {what} \"{name}\" (expected one of: {})",
            known.join(", ")
        ),
    }
}

struct Checker {
    errors: Vec<CampaignError>,
    /// Where the campaign being checked first uses `{{campaign.code}}`.
    code_used_at: Option<(Pos, String)>,
}

type Members = [(String, Pos, Json)];

impl Checker {
    fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.errors.push(CampaignError {
            pos,
            path: path.to_owned(),
            message: message.into(),
        });
    }

    fn wrong_type(&mut self, json: &Json, path: &str, expected: &str) {
        self.error(
            json.pos,
            path,
            format!("expected {expected}, found {}", json.value.kind()),
        );
    }

    /// The members of an object, reporting fields not in `known`.
    fn object<'j>(
        &mut self,
        json: &'j Json,
        path: &str,
        what: &str,
        known: &[&str],
    ) -> Option<&'j Members> {
        self.object_of(json, path, what, "field", known)
    }

    /// The members of an object, reporting keys not in `known` as unknown `noun`s.
    fn object_of<'j>(
        &mut self,
        json: &'j Json,
        path: &str,
        what: &str,
        noun: &str,
        known: &[&str],
    ) -> Option<&'j Members> {
        let Value::Object(members) = &json.value else {
            self.wrong_type(json, path, &format!("{what} (an object)"));
            return None;
        };
        for (key, pos, _) in members {
            if !known.contains(&key.as_str()) {
                self.error(*pos, &format!("{path}.{key}"), unknown(noun, key, known));
            }
        }
        Some(members)
    }

    fn string(&mut self, json: &Json, path: &str) -> Option<String> {
        match &json.value {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.wrong_type(json, path, "a string");
                None
            }
        }
    }

    fn non_empty_string(&mut self, json: &Json, path: &str) -> Option<String> {
        let s = self.string(json, path)?;
        if s.trim().is_empty() {
            self.error(json.pos, path, "must not be empty");
            return None;
        }
        Some(s)
    }

    fn boolean(&mut self, json: &Json, path: &str) -> Option<bool> {
        match json.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(json, path, "true or false");
                None
            }
        }
    }

    fn number(&mut self, json: &Json, path: &str, min: f64, max: f64) -> Option<f64> {
        let Value::Number(n) = json.value else {
            self.wrong_type(json, path, "a number");
            return None;
        };
        if n < min || n > max {
            self.error(
                json.pos,
                path,
                format!("must be between {min} and {max}, found {n}"),
            );
            return None;
        }
        Some(n)
    }

    /// A whole number from `min` to `max`.
    fn whole_in(&mut self, json: &Json, path: &str, min: u64, max: u64) -> Option<u64> {
        let n = self.number(json, path, min as f64, max as f64)?;
        if n.fract() != 0.0 {
            self.error(json.pos, path, format!("must be a whole number, found {n}"));
            return None;
        }
        Some(n as u64)
    }

    fn whole(&mut self, json: &Json, path: &str, max: f64) -> Option<u64> {
        let n = self.number(json, path, 0.0, max)?;
        if n.fract() != 0.0 {
            self.error(json.pos, path, format!("must be a whole number, found {n}"));
            return None;
        }
        Some(n as u64)
    }

    fn file(&mut self, root: &Json) -> Option<CampaignFile> {
        let members = self.object(root, "$", "a campaign file", FILE_FIELDS)?;
        let version = match field(members, "version") {
            None => {
                self.error(root.pos, "$", "missing field \"version\" (use 1)");
                None
            }
            Some(v) => match self.whole(v, "$.version", u32::MAX.into()) {
                Some(1) => Some(1),
                Some(other) => {
                    self.error(
                        v.pos,
                        "$.version",
                        format!("unsupported version {other} (this Aisle reads 1)"),
                    );
                    None
                }
                None => None,
            },
        };
        let Some(list) = field(members, "campaigns") else {
            self.error(
                root.pos,
                "$",
                "missing field \"campaigns\" (a list of campaigns)",
            );
            return None;
        };
        let Value::Array(items) = &list.value else {
            self.wrong_type(list, "$.campaigns", "a list of campaigns");
            return None;
        };
        let mut campaigns = Vec::new();
        let mut ids: Vec<(&str, Pos)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let path = format!("$.campaigns[{i}]");
            // Duplicates are found on the raw JSON, so they are reported even
            // when one of the campaigns has other errors.
            if let Some(id_json) = field(object_members(item), "id")
                && let Value::String(id) = &id_json.value
            {
                if let Some((_, first)) = ids.iter().find(|(seen, _)| *seen == id.as_str()) {
                    let message = format!("duplicate id \"{id}\" (first used at {first})");
                    self.error(id_json.pos, &format!("{path}.id"), message);
                }
                ids.push((id, id_json.pos));
            }
            if let Some(campaign) = self.campaign(item, &path) {
                campaigns.push(campaign);
            }
        }
        Some(CampaignFile::new(version?, campaigns))
    }

    fn campaign(&mut self, json: &Json, path: &str) -> Option<Campaign> {
        let members = self.object(json, path, "a campaign", CAMPAIGN_FIELDS)?;
        let id = match field(members, "id") {
            Some(j) => self.non_empty_string(j, &format!("{path}.id")),
            None => {
                self.error(json.pos, path, "missing field \"id\"");
                None
            }
        };
        let name = field(members, "name").and_then(|j| self.string(j, &format!("{path}.name")));
        self.code_used_at = None;
        let variants =
            field(members, "variants").map(|j| self.variants(j, &format!("{path}.variants")));
        let message = match (field(members, "message"), &variants) {
            (Some(j), None) => self.text(j, &format!("{path}.message")),
            (Some(j), Some(_)) => {
                self.error(
                    j.pos,
                    &format!("{path}.message"),
                    "a campaign with \"variants\" has its messages there: leave \"message\" out",
                );
                None
            }
            // The first variant's message stands for the campaign where one text is needed.
            (None, Some(Some(variants))) => variants.first().map(|v| v.message.clone()),
            (None, Some(None)) => None,
            (None, None) => {
                self.error(json.pos, path, "missing field \"message\"");
                None
            }
        };

        let when = field(members, "when").map(|j| self.condition(j, &format!("{path}.when")));
        let schedule =
            field(members, "schedule").map(|j| self.schedule(j, &format!("{path}.schedule")));
        let frequency =
            field(members, "frequency").map(|j| self.frequency(j, &format!("{path}.frequency")));
        let priority = field(members, "priority").map(|j| {
            let p = format!("{path}.priority");
            let n = self.number(j, &p, -1e9, 1e9)?;
            if n.fract() != 0.0 {
                self.error(j.pos, &p, format!("must be a whole number, found {n}"));
                return None;
            }
            Some(n as i64)
        });
        let enabled =
            field(members, "enabled").map(|j| self.boolean(j, &format!("{path}.enabled")));
        let actions =
            field(members, "actions").map(|j| self.actions(j, &format!("{path}.actions")));
        let utm = field(members, "utm").map(|j| self.boolean(j, &format!("{path}.utm")));
        let products =
            field(members, "products").map(|j| self.products(j, &format!("{path}.products")));
        // After every text, so a `{{campaign.code}}` anywhere is checked.
        let code = self.code(members, path);
        Some(Campaign {
            id: id?,
            name,
            message: message?,
            when: match when {
                Some(c) => Some(c?),
                None => None,
            },
            schedule: schedule.unwrap_or(Some(Schedule::default()))?,
            frequency: frequency.unwrap_or(Some(Frequency::default()))?,
            priority: priority.unwrap_or(Some(0))?,
            enabled: enabled.unwrap_or(Some(true))?,
            actions: actions.unwrap_or(Some(Vec::new()))?,
            variants: variants.unwrap_or(Some(Vec::new()))?,
            code: code?,
            utm: utm.unwrap_or(Some(true))?,
            products: products.unwrap_or(Some(Vec::new()))?,
        })
    }

    /// `"code": "WINTER10"` or `"codes": "pool"` (not both); reports a
    /// `{{campaign.code}}` with neither. `Some(None)`: no code, correctly.
    fn code(&mut self, members: &Members, path: &str) -> Option<Option<Code>> {
        let code = match (field(members, "code"), field(members, "codes")) {
            (Some(_), Some(j)) => {
                self.error(
                    j.pos,
                    &format!("{path}.codes"),
                    "give either \"code\" (one code for everyone) or \"codes\": \"pool\", not both",
                );
                return None;
            }
            (Some(j), None) => {
                let p = format!("{path}.code");
                let code = self.non_empty_string(j, &p)?;
                if let Some(why) = code_fault(&code) {
                    self.error(j.pos, &p, why.to_string());
                    return None;
                }
                Some(Code::Fixed(code))
            }
            (None, Some(j)) => Some(self.code_source(j, &format!("{path}.codes"))?),
            (None, None) => None,
        };
        if code.is_none()
            && let Some((pos, at)) = self.code_used_at.take()
        {
            self.error(
                pos,
                &at,
                format!(
                    "uses {{{{campaign.code}}}} but {path} has no \"code\" or \"codes\": \"pool\""
                ),
            );
            return None;
        }
        Some(code)
    }

    /// `"codes"`: `"pool"`, or `{"shopify": {"percent_off": 10}}` /
    /// `{"shopify": {"amount_off": 5, "valid_days": 3}}`.
    fn code_source(&mut self, json: &Json, path: &str) -> Option<Code> {
        if let Value::String(name) = &json.value {
            if name == "pool" {
                return Some(Code::Pool);
            }
            self.error(
                json.pos,
                path,
                unknown("code source", name, &["pool", "{\"shopify\": {…}}"]),
            );
            return None;
        }
        let members = self.object_of(
            json,
            path,
            "\"pool\" or {\"shopify\": {…}}",
            "code source",
            &["shopify"],
        )?;
        let Some(shopify) = field(members, "shopify") else {
            self.error(
                json.pos,
                path,
                "name where codes come from: \"pool\" or {\"shopify\": {…}}",
            );
            return None;
        };
        let at = format!("{path}.shopify");
        let discount = self.object(shopify, &at, "a Shopify discount", SHOPIFY_CODE_FIELDS)?;
        let percent = field(discount, "percent_off");
        let amount = field(discount, "amount_off");
        let off = match (percent, amount) {
            (Some(j), None) => {
                DiscountOff::Percent(self.whole_in(j, &format!("{at}.percent_off"), 1, 100)? as u8)
            }
            (None, Some(j)) => {
                let p = format!("{at}.amount_off");
                let n = self.number(j, &p, 0.01, 100_000.0)?;
                let minor = (n * 100.0).round();
                if (n * 100.0 - minor).abs() > 1e-6 {
                    self.error(
                        j.pos,
                        &p,
                        format!("at most two decimals (5 or 4.99), found {n}"),
                    );
                    return None;
                }
                DiscountOff::Amount(minor as i64)
            }
            (Some(_), Some(j)) => {
                self.error(
                    j.pos,
                    &format!("{at}.amount_off"),
                    "give either \"percent_off\" or \"amount_off\", not both",
                );
                return None;
            }
            (None, None) => {
                self.error(shopify.pos, &at, "missing field \"percent_off\" (1-100) or \"amount_off\" (in the store's currency)");
                return None;
            }
        };
        let valid_days = match field(discount, "valid_days") {
            Some(j) => {
                let max = MAX_DISCOUNT_DAYS.into();
                self.whole_in(j, &format!("{at}.valid_days"), 1, max)? as u32
            }
            None => DEFAULT_DISCOUNT_DAYS,
        };
        Some(Code::Shopify(ShopifyDiscount { off, valid_days }))
    }

    /// 2–4 weighted message variants with unique ids.
    fn variants(&mut self, json: &Json, path: &str) -> Option<Vec<Variant>> {
        let Value::Array(items) = &json.value else {
            self.wrong_type(json, path, "a list of 2-4 variants");
            return None;
        };
        let mut ok = true;
        if !VARIANTS.contains(&items.len()) {
            self.error(
                json.pos,
                path,
                format!("an A/B test has 2 to 4 variants, found {}", items.len()),
            );
            ok = false;
        }
        let mut variants = Vec::new();
        let mut ids: Vec<(String, Pos)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(members) = self.object(item, &p, "a variant", &["id", "weight", "message"])
            else {
                ok = false;
                continue;
            };
            let id = match field(members, "id") {
                Some(j) => {
                    let id = self.non_empty_string(j, &format!("{p}.id"));
                    if let Some(id) = &id {
                        if let Some((_, first)) = ids.iter().find(|(seen, _)| seen == id) {
                            let message =
                                format!("duplicate variant id \"{id}\" (first used at {first})");
                            self.error(j.pos, &format!("{p}.id"), message);
                            ok = false;
                        }
                        ids.push((id.clone(), j.pos));
                    }
                    id
                }
                None => {
                    self.error(item.pos, &p, "missing field \"id\"");
                    None
                }
            };
            let weight = match field(members, "weight") {
                Some(j) => {
                    let w = self.whole(j, &format!("{p}.weight"), 1_000_000.0);
                    if w == Some(0) {
                        self.error(j.pos, &format!("{p}.weight"), "must be more than 0");
                        None
                    } else {
                        w.map(|w| w as u32)
                    }
                }
                None => {
                    self.error(
                        item.pos,
                        &p,
                        "missing field \"weight\" (a share, such as 50)",
                    );
                    None
                }
            };
            let message = match field(members, "message") {
                Some(j) => self.text(j, &format!("{p}.message")),
                None => {
                    self.error(item.pos, &p, "missing field \"message\"");
                    None
                }
            };
            match (id, weight, message) {
                (Some(id), Some(weight), Some(message)) => variants.push(Variant {
                    id,
                    weight,
                    message,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(variants)
    }

    /// Reports a malformed or unknown `{{…}}` in `text` at `json`, and
    /// remembers a use of `{{campaign.code}}`.
    fn template(&mut self, text: &str, json: &Json, path: &str) -> bool {
        match template::placeholders(text) {
            Err(why) => {
                self.error(json.pos, path, why);
                false
            }
            Ok(found) => {
                let mut ok = true;
                for p in found {
                    if p.name == "campaign.code" && self.code_used_at.is_none() {
                        self.code_used_at = Some((json.pos, path.to_owned()));
                    }
                    if !template::VARIABLES.contains(&p.name) {
                        let message = unknown("placeholder", p.name, template::VARIABLES);
                        self.error(json.pos, path, message);
                        ok = false;
                    }
                }
                ok
            }
        }
    }

    fn text(&mut self, json: &Json, path: &str) -> Option<Text> {
        match &json.value {
            Value::String(_) => {
                let text = self.non_empty_string(json, path)?;
                self.template(&text, json, path)
                    .then_some(Text::Plain(text))
            }
            Value::Object(members) if !members.is_empty() => {
                let mut texts = Vec::new();
                let mut ok = true;
                for (tag, pos, value) in members {
                    let p = format!("{path}.{tag}");
                    if !is_language_tag(tag) {
                        self.error(
                            *pos,
                            &p,
                            format!("\"{tag}\" is not a language tag like \"en\" or \"zh-Hant\""),
                        );
                        ok = false;
                    }
                    match self.non_empty_string(value, &p) {
                        Some(text) if self.template(&text, value, &p) => {
                            texts.push((tag.clone(), text))
                        }
                        _ => ok = false,
                    }
                }
                ok.then_some(Text::Localized(texts))
            }
            _ => {
                self.wrong_type(json, path, "a string or an object of language → string");
                None
            }
        }
    }

    fn schedule(&mut self, json: &Json, path: &str) -> Option<Schedule> {
        let members = self.object(json, path, "a schedule", &["from", "until"])?;
        let mut instant = |name: &str| -> Option<Option<(i64, Pos)>> {
            let Some(j) = field(members, name) else {
                return Some(None);
            };
            let p = format!("{path}.{name}");
            let text = self.string(j, &p)?;
            match parse_rfc3339(&text) {
                Some(ms) => Some(Some((ms, j.pos))),
                None => {
                    let message = format!(
                        "\"{text}\" is not an RFC 3339 time with offset, like \"2026-11-27T00:00:00-05:00\""
                    );
                    self.error(j.pos, &p, message);
                    None
                }
            }
        };
        let (from, until) = (instant("from"), instant("until"));
        let (from, until) = (from?, until?);
        if let (Some((f, _)), Some((u, pos))) = (from, until)
            && u <= f
        {
            self.error(pos, &format!("{path}.until"), "must be later than \"from\"");
            return None;
        }
        Some(Schedule {
            from: from.map(|(ms, _)| ms),
            until: until.map(|(ms, _)| ms),
        })
    }

    fn frequency(&mut self, json: &Json, path: &str) -> Option<Frequency> {
        let name = self.string(json, path)?;
        Some(match name.as_str() {
            "always" => Frequency::Always,
            "once_per_page" => Frequency::OncePerPage,
            "once_per_session" => Frequency::OncePerSession,
            "once_per_visitor" => Frequency::OncePerVisitor,
            other => {
                self.error(json.pos, path, unknown("frequency", other, FREQUENCIES));
                return None;
            }
        })
    }

    /// `"products"`: 1 to [`MAX_PRODUCTS`] cards, each with an `id`, a
    /// `title`, a `url` and optionally a `price` and an `image`.
    fn products(&mut self, json: &Json, path: &str) -> Option<Vec<Product>> {
        let Value::Array(items) = &json.value else {
            self.wrong_type(json, path, "a list of products");
            return None;
        };
        if items.is_empty() || items.len() > MAX_PRODUCTS {
            self.error(
                json.pos,
                path,
                format!("list 1 to {MAX_PRODUCTS} products, found {}", items.len()),
            );
            return None;
        }
        let mut products = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(members) = self.object(item, &p, "a product", PRODUCT_FIELDS) else {
                ok = false;
                continue;
            };
            let mut required = |name: &str| {
                let found = field(members, name);
                if found.is_none() {
                    self.error(item.pos, &p, format!("missing field \"{name}\""));
                }
                found
            };
            let (id, title, url) = (required("id"), required("title"), required("url"));
            let id = id.and_then(|j| {
                let at = format!("{p}.id");
                let id = self.non_empty_string(j, &at)?;
                if id.chars().count() > 64 {
                    self.error(
                        j.pos,
                        &at,
                        "at most 64 characters (the SKU or product handle)",
                    );
                    return None;
                }
                Some(id)
            });
            let title = title.and_then(|j| self.text(j, &format!("{p}.title")));
            let url = url.and_then(|j| self.link(j, &format!("{p}.url"), true));
            let price = field(members, "price").map(|j| self.text(j, &format!("{p}.price")));
            let image = field(members, "image").map(|j| self.link(j, &format!("{p}.image"), false));
            match (id, title, url, price, image) {
                (
                    Some(id),
                    Some(title),
                    Some(url),
                    price @ (None | Some(Some(_))),
                    image @ (None | Some(Some(_))),
                ) => {
                    products.push(Product {
                        id,
                        title,
                        url,
                        price: price.flatten(),
                        image: image.flatten(),
                    });
                }
                _ => ok = false,
            }
        }
        ok.then_some(products)
    }

    /// A path on the store (`/products/gloves`) or an `https://` URL, or
    /// with `http` also an `http://` one; never `javascript:` or `data:`.
    fn link(&mut self, json: &Json, path: &str, http: bool) -> Option<String> {
        let url = self.non_empty_string(json, path)?;
        let ok = (url.starts_with('/') && !url.starts_with("//"))
            || url.starts_with("https://")
            || (http && url.starts_with("http://"));
        if !ok {
            let want = if http {
                "must be a path (/products/gloves) or an http(s) URL"
            } else {
                "must be a path (/images/gloves.jpg) or an https:// URL"
            };
            self.error(json.pos, path, want);
            return None;
        }
        Some(url)
    }

    fn actions(&mut self, json: &Json, path: &str) -> Option<Vec<Action>> {
        let Value::Array(items) = &json.value else {
            self.wrong_type(json, path, "a list of actions");
            return None;
        };
        let mut actions = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let Some(members) =
                self.object(item, &p, "an action", &["label", "open_url", "open_chat"])
            else {
                ok = false;
                continue;
            };
            let label = match field(members, "label") {
                Some(j) => self.text(j, &format!("{p}.label")),
                None => {
                    self.error(item.pos, &p, "missing field \"label\"");
                    None
                }
            };
            let kind = match (field(members, "open_url"), field(members, "open_chat")) {
                (Some(url), None) => self
                    .non_empty_string(url, &format!("{p}.open_url"))
                    .and_then(|u| {
                        if u.starts_with('/')
                            || u.starts_with("https://")
                            || u.starts_with("http://")
                        {
                            Some(ActionKind::OpenUrl(u))
                        } else {
                            self.error(
                                url.pos,
                                &format!("{p}.open_url"),
                                "must be a path (/quiz) or an http(s) URL",
                            );
                            None
                        }
                    }),
                (None, Some(chat)) => match self.boolean(chat, &format!("{p}.open_chat")) {
                    Some(true) => Some(ActionKind::OpenChat),
                    Some(false) => {
                        self.error(
                            chat.pos,
                            &format!("{p}.open_chat"),
                            "must be true (or leave the action out)",
                        );
                        None
                    }
                    None => None,
                },
                _ => {
                    self.error(
                        item.pos,
                        &p,
                        "an action needs exactly one of \"open_url\" or \"open_chat\"",
                    );
                    None
                }
            };
            match (label, kind) {
                (Some(label), Some(kind)) => actions.push(Action { label, kind }),
                _ => ok = false,
            }
        }
        ok.then_some(actions)
    }

    fn condition(&mut self, json: &Json, path: &str) -> Option<Condition> {
        let Value::Object(members) = &json.value else {
            self.wrong_type(
                json,
                path,
                "a condition (an object such as {\"path\": {\"is\": \"/\"}})",
            );
            return None;
        };
        let [(kind, key_pos, value)] = members.as_slice() else {
            if members.is_empty() {
                self.error(
                    json.pos,
                    path,
                    "empty condition: name one kind, such as \"path\" or \"all\"",
                );
            } else {
                let names: Vec<&str> = members.iter().map(|(k, _, _)| k.as_str()).collect();
                let message = format!(
                    "a condition has exactly one kind, found {}; combine several with {{\"all\": [...]}}",
                    names.join(", ")
                );
                self.error(json.pos, path, message);
                for (key, pos, _) in members {
                    if !CONDITION_KINDS.contains(&key.as_str()) {
                        self.error(
                            *pos,
                            &format!("{path}.{key}"),
                            unknown("condition", key, CONDITION_KINDS),
                        );
                    }
                }
            }
            return None;
        };
        let path = format!("{path}.{kind}");
        let path = path.as_str();
        match kind.as_str() {
            "all" | "any" => {
                let Value::Array(items) = &value.value else {
                    self.wrong_type(value, path, "a list of conditions");
                    return None;
                };
                if items.is_empty() {
                    self.error(value.pos, path, "needs at least one condition");
                    return None;
                }
                let conditions: Vec<Option<Condition>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.condition(c, &format!("{path}[{i}]")))
                    .collect();
                let conditions: Option<Vec<Condition>> = conditions.into_iter().collect();
                Some(if kind == "all" {
                    Condition::All(conditions?)
                } else {
                    Condition::Any(conditions?)
                })
            }
            "not" => self
                .condition(value, path)
                .map(|c| Condition::Not(Box::new(c))),
            "path" => {
                let members = self.object_of(
                    value,
                    path,
                    "path operators",
                    "path operator",
                    PATH_OPERATORS,
                )?;
                let tests: Vec<PathTest> = members
                    .iter()
                    .filter(|(op, _, _)| PATH_OPERATORS.contains(&op.as_str()))
                    .filter_map(|(op, _, j)| {
                        let s = self.string(j, &format!("{path}.{op}"))?;
                        PathTest::new(op, &s)
                    })
                    .collect();
                self.need_one(members, value, path, PATH_OPERATORS)?;
                (tests.len() == members.len()).then_some(Condition::Path(tests))
            }
            "query" => {
                let members =
                    self.object(value, path, "a query test", &["param", "is", "exists"])?;
                let param = match field(members, "param") {
                    Some(j) => self.non_empty_string(j, &format!("{path}.param")),
                    None => {
                        self.error(
                            value.pos,
                            path,
                            "missing field \"param\" (the query parameter's name)",
                        );
                        None
                    }
                };
                let test = match (field(members, "is"), field(members, "exists")) {
                    (Some(j), None) => self.string(j, &format!("{path}.is")).map(QueryTest::Is),
                    (None, Some(j)) => self
                        .boolean(j, &format!("{path}.exists"))
                        .map(QueryTest::Exists),
                    _ => {
                        self.error(value.pos, path, "needs exactly one of \"is\" or \"exists\"");
                        None
                    }
                };
                Some(Condition::Query {
                    param: param?,
                    test: test?,
                })
            }
            "referrer" => {
                let members = self.object_of(
                    value,
                    path,
                    "referrer operators",
                    "referrer operator",
                    &["contains", "is"],
                )?;
                let tests: Vec<ReferrerTest> = members
                    .iter()
                    .filter_map(|(op, _, j)| {
                        let s = self.non_empty_string(j, &format!("{path}.{op}"))?;
                        match op.as_str() {
                            "contains" => Some(ReferrerTest::Contains(s)),
                            "is" => Some(ReferrerTest::IsHost(s)),
                            _ => None,
                        }
                    })
                    .collect();
                self.need_one(members, value, path, &["contains", "is"])?;
                (tests.len() == members.len()).then_some(Condition::Referrer(tests))
            }
            "time_on_page" | "time_on_site" => {
                let members = self.object(value, path, "a time test", &["at_least"])?;
                let Some(j) = field(members, "at_least") else {
                    self.error(value.pos, path, "missing field \"at_least\" (seconds)");
                    return None;
                };
                let seconds = self.number(j, &format!("{path}.at_least"), 0.0, 31_536_000.0)?;
                let ms = (seconds * 1000.0).round() as u64;
                Some(if kind == "time_on_page" {
                    Condition::TimeOnPage(ms)
                } else {
                    Condition::TimeOnSite(ms)
                })
            }
            "pages_viewed" | "visits" => {
                let members = self.object(value, path, "a count test", &["at_least", "at_most"])?;
                let mut bound = |name: &str| {
                    field(members, name)
                        .map(|j| self.whole(j, &format!("{path}.{name}"), u32::MAX.into()))
                };
                let (at_least, at_most) = (bound("at_least"), bound("at_most"));
                self.need_one(members, value, path, &["at_least", "at_most"])?;
                let at_least = match at_least {
                    Some(b) => Some(b? as u32),
                    None => None,
                };
                let at_most = match at_most {
                    Some(b) => Some(b? as u32),
                    None => None,
                };
                if let (Some(min), Some(max)) = (at_least, at_most)
                    && min > max
                {
                    self.error(
                        value.pos,
                        path,
                        format!("at_least ({min}) is more than at_most ({max})"),
                    );
                    return None;
                }
                let range = CountRange { at_least, at_most };
                Some(if kind == "visits" {
                    Condition::Visits(range)
                } else {
                    Condition::PagesViewed(range)
                })
            }
            "visitor" => {
                let name = self.string(value, path)?;
                match name.as_str() {
                    "new" => Some(Condition::Visitor(VisitorKind::New)),
                    "returning" => Some(Condition::Visitor(VisitorKind::Returning)),
                    other => {
                        self.error(
                            value.pos,
                            path,
                            unknown("visitor kind", other, &["new", "returning"]),
                        );
                        None
                    }
                }
            }
            "cart_value" => {
                let members =
                    self.object(value, path, "a cart value test", &["at_least", "below"])?;
                let mut bound = |name: &str| {
                    field(members, name).map(|j| {
                        let amount = self.number(j, &format!("{path}.{name}"), 0.0, 1e12)?;
                        Some((amount * 100.0).round() as i64)
                    })
                };
                let (at_least, below) = (bound("at_least"), bound("below"));
                self.need_one(members, value, path, &["at_least", "below"])?;
                let at_least = match at_least {
                    Some(b) => Some(b?),
                    None => None,
                };
                let below = match below {
                    Some(b) => Some(b?),
                    None => None,
                };
                if let (Some(min), Some(max)) = (at_least, below)
                    && min >= max
                {
                    self.error(value.pos, path, "at_least must be less than below");
                    return None;
                }
                Some(Condition::CartValue { at_least, below })
            }
            "cart_contains" => self
                .non_empty_string(value, path)
                .map(Condition::CartContains),
            "exit_intent" => self.boolean(value, path).map(Condition::ExitIntent),
            "scroll_depth" => {
                let members = self.object(value, path, "a scroll test", &["at_least"])?;
                let Some(j) = field(members, "at_least") else {
                    self.error(value.pos, path, "missing field \"at_least\" (percent)");
                    return None;
                };
                self.whole(j, &format!("{path}.at_least"), 100.0)
                    .map(|p| Condition::ScrollDepth(p as u8))
            }
            "device" => {
                let name = self.string(value, path)?;
                match Device::from_name(&name) {
                    Some(device) => Some(Condition::Device(device)),
                    None => {
                        self.error(
                            value.pos,
                            path,
                            unknown("device", &name, &["mobile", "tablet", "desktop"]),
                        );
                        None
                    }
                }
            }
            "language" => {
                let Value::Array(items) = &value.value else {
                    self.wrong_type(
                        value,
                        path,
                        "a list of language tags, such as [\"fr\", \"en-GB\"]",
                    );
                    return None;
                };
                if items.is_empty() {
                    self.error(value.pos, path, "needs at least one language tag");
                    return None;
                }
                let tags: Vec<Option<String>> = items
                    .iter()
                    .enumerate()
                    .map(|(i, j)| {
                        let p = format!("{path}[{i}]");
                        let tag = self.string(j, &p)?;
                        if is_language_tag(&tag) {
                            Some(tag)
                        } else {
                            self.error(
                                j.pos,
                                &p,
                                format!(
                                    "\"{tag}\" is not a language tag like \"fr\" or \"zh-Hant\""
                                ),
                            );
                            None
                        }
                    })
                    .collect();
                tags.into_iter()
                    .collect::<Option<Vec<_>>>()
                    .map(Condition::Language)
            }
            "agents_online" => self.boolean(value, path).map(Condition::AgentsOnline),
            "business_hours" => self.boolean(value, path).map(Condition::BusinessHours),
            "customer_tag" => self
                .non_empty_string(value, path)
                .map(Condition::CustomerTag),
            other => {
                self.error(*key_pos, path, unknown("condition", other, CONDITION_KINDS));
                None
            }
        }
    }

    /// Reports an operator object with none of `operators`.
    fn need_one(
        &mut self,
        members: &Members,
        json: &Json,
        path: &str,
        operators: &[&str],
    ) -> Option<()> {
        if members
            .iter()
            .any(|(k, _, _)| operators.contains(&k.as_str()))
        {
            Some(())
        } else {
            if members.is_empty() {
                self.error(
                    json.pos,
                    path,
                    format!("needs one of: {}", operators.join(", ")),
                );
            }
            None
        }
    }
}

fn field<'j>(members: &'j Members, name: &str) -> Option<&'j Json> {
    members
        .iter()
        .find(|(k, _, _)| k == name)
        .map(|(_, _, v)| v)
}

fn object_members(json: &Json) -> &Members {
    match &json.value {
        Value::Object(members) => members,
        _ => &[],
    }
}

/// `en`, `fr-CA`, `zh-Hant`: letters and digits in dash-separated parts, starting with 2–3 letters.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let first = parts.next().unwrap_or_default();
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_code_a_shopper_could_not_type_is_refused_with_its_position() {
        // A right-to-left override makes "01FFO" read as "OFF10"; a
        // zero-width space is invisible; a tab is a control character.
        let text = r#"{"version": 1, "campaigns": [
  {"id": "a", "message": "{{campaign.code}}", "code": "\u202e01FFO"},
  {"id": "b", "message": "{{campaign.code}}", "code": "SAVE\u200b10"},
  {"id": "c", "message": "{{campaign.code}}", "code": "SAVE\t10"},
  {"id": "d", "message": "{{campaign.code}}", "code": "ÉTÉ-10 冬"}
]}"#;
        let errors = error_lines(text);
        assert_eq!(
            errors,
            [
                "2:55: $.campaigns[0].code: a code has no invisible characters (bidi or zero-width formatting)",
                "3:55: $.campaigns[1].code: a code has no invisible characters (bidi or zero-width formatting)",
                "4:55: $.campaigns[2].code: a code has no control characters such as line breaks",
            ]
        );
        assert_eq!(code_fault(&"x".repeat(MAX_CODE_CHARS)), None);
        assert_eq!(code_fault("ÉTÉ-10 冬"), None);
        assert_eq!(
            code_fault(&"x".repeat(MAX_CODE_CHARS + 1)),
            Some("a code is at most 64 characters")
        );
    }

    #[test]
    fn shopify_codes_are_named_with_their_position_for_a_site_without_shopify() {
        let text = r#"{"version": 1, "campaigns": [
  {"id": "pool", "message": "{{campaign.code}}", "codes": "pool"},
  {"id": "shop", "message": "{{campaign.code}}",
   "codes": {"shopify": {"percent_off": 10}}}
]}"#;
        assert!(parse_campaigns(text).is_ok(), "valid wherever it goes");
        let errors: Vec<String> = shopify_codes_elsewhere(text, "woocommerce")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors,
            [
                "4:13: $.campaigns[1].codes: codes created in Shopify need a site whose orders come from Shopify, and this site's come from woocommerce: use \"codes\": \"pool\" (with `aisle campaigns codes add`) or a fixed \"code\""
            ]
        );
        assert!(shopify_codes_elsewhere(r#"{"version": 1, "campaigns": []}"#, "demo").is_empty());
    }
}
