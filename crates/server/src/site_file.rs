//! Site configuration files: `aisle site import FILE` and `aisle site export SITE`.
//!
//! A site file is the merchant's whole self-service setup in one JSON object:
//! name, allowed origins, policies (return window, cancel rule, return reasons,
//! issue kinds), quick responses, business hours, brand colour, greeting, the
//! order source and how the store emails shoppers (`email`, see `crate::email`).
//! Every problem is reported at once with its JSON path and line:column, and an
//! invalid file never replaces a valid configuration. The identity secret is
//! never part of the file (`aisle site secret SITE` prints it, `aisle site
//! rotate-secret SITE` replaces it with a grace period for the old one, `aisle
//! site sign SITE --email E` signs a test identity).

use crate::db::Db;
use crate::db::now;
use crate::email::EmailConfig;
use crate::sites::{BusinessHours, FaqEntry, SiteConfig, WEEKDAYS, parse_hhmm};
use crate::stores::OrderSourceConfig;
use crate::text::{Text, placeholders, table};
use aisle_core::campaign::json::{self, Json, Pos, Value};
use aisle_core::locale::Locale;
use aisle_core::policy::Policy;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// A site as merchants write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteFile {
    /// The site id (`data-site`).
    pub site: String,
    /// The store's name.
    pub name: String,
    /// Origins allowed to embed the widget (`https://shop.example`).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Return window, cancel rule, return reasons, issue kinds.
    #[serde(default)]
    pub policy: Policy,
    /// Quick responses.
    #[serde(default)]
    pub faq: Vec<FaqEntry>,
    /// When people answer; absent: always.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand_color: Option<String>,
    /// Locale tag → greeting.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub greeting: BTreeMap<String, String>,
    /// Locale tag → sentence key → the merchant's wording of the assistant.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
    /// Published live-chat reply time, minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_promise_minutes: Option<u32>,
    /// Minutes after the agent's last message before a chat the shopper left
    /// unanswered closes on its own (tag `auto-closed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_close_minutes: Option<u32>,
    /// Days after a campaign click during which a purchase counts for that
    /// campaign (last touch); absent: 7, at most 90.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_days: Option<u32>,
    /// The order value from which shipping is free, `{"amount": 100,
    /// "currency": "EUR"}` (`{{cart.remaining_to_free_shipping}}` in campaigns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_shipping_threshold: Option<crate::sites::FreeShipping>,
    /// Where orders come from: `{"kind": "shopify", "shop": …, "token_env": …}`;
    /// absent: the demo tables.
    #[serde(default, skip_serializing_if = "OrderSourceConfig::is_demo")]
    pub order_source: OrderSourceConfig,
    /// How the store emails shoppers: `{"from": …, "reply_to": …, "smtp":
    /// {"host", "port", "tls", "username", "password_env"}}`; absent: no email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailConfig>,
}

impl SiteFile {
    /// The part stored in `sites.config`.
    pub fn config(&self) -> SiteConfig {
        SiteConfig {
            policy: self.policy.clone(),
            faq: self.faq.clone(),
            business_hours: self.business_hours.clone(),
            brand_color: self.brand_color.clone(),
            greeting: self.greeting.clone(),
            strings: self.strings.clone(),
            reply_promise_minutes: self.reply_promise_minutes,
            auto_close_minutes: self.auto_close_minutes,
            attribution_days: self.attribution_days,
            free_shipping_threshold: self.free_shipping_threshold.clone(),
            order_source: self.order_source.clone(),
            email: self.email.clone(),
        }
    }
}

/// One problem in a site file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFileError {
    /// Where it starts.
    pub pos: Pos,
    /// JSON path (`$.faq[2].id`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for SiteFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.pos, self.path, self.message)
    }
}

/// The locale whose tag is exactly `tag` (any case): greetings and strings
/// are keyed by [`Locale::tag`], not by tags that merely fall back to one.
fn keyed_locale(tag: &str) -> Option<Locale> {
    Locale::ALL
        .into_iter()
        .find(|l| l.tag().eq_ignore_ascii_case(tag))
}

/// The tags a site file keys greetings and strings by, for messages.
fn locale_tags() -> String {
    Locale::ALL.map(Locale::tag).join(", ")
}

/// Longest quick-response question or answer, greeting, in characters.
const MAX_TEXT_CHARS: usize = 2000;

/// Parses and validates a site file, reporting every problem.
pub fn parse_site_file(text: &str) -> Result<SiteFile, Vec<SiteFileError>> {
    let tree = json::parse(text).map_err(|e| {
        vec![SiteFileError {
            pos: e.pos,
            path: "$".into(),
            message: e.message,
        }]
    })?;
    let mut de = serde_json::Deserializer::from_str(text);
    let file: SiteFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let inner = e.inner();
        let message = inner.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .to_owned();
        let path = e.path().to_string();
        let path = if path == "." {
            "$".to_owned()
        } else {
            format!("$.{path}")
        };
        vec![SiteFileError {
            pos: Pos {
                line: u32::try_from(inner.line()).unwrap_or(u32::MAX),
                column: u32::try_from(inner.column()).unwrap_or(u32::MAX),
            },
            path,
            message,
        }]
    })?;
    let mut errors = Vec::new();
    let mut err = |path: &[Seg], message: String| {
        errors.push(SiteFileError {
            pos: position(&tree, path),
            path: render(path),
            message,
        });
    };
    use Seg::{I, K};
    if !is_site_id(&file.site) {
        err(
            &[K("site")],
            "site ids are 1–40 lowercase letters, digits or dashes".into(),
        );
    }
    if file.name.trim().is_empty() {
        err(&[K("name")], "the store needs a name".into());
    }
    for (i, origin) in file.allowed_origins.iter().enumerate() {
        if let Err(why) = check_origin(origin) {
            err(&[K("allowed_origins"), I(i)], why);
        }
    }
    let policy = &file.policy;
    if policy.return_window_days > 365 {
        err(
            &[K("policy"), K("return_window_days")],
            "at most 365 days".into(),
        );
    }
    if policy.return_reasons.is_empty() {
        err(
            &[K("policy"), K("return_reasons")],
            "list at least one return reason".into(),
        );
    }
    for (i, r) in policy.return_reasons.iter().enumerate() {
        if policy.return_reasons[..i].contains(r) {
            err(
                &[K("policy"), K("return_reasons"), I(i)],
                format!("\"{}\" is listed twice", r.as_str()),
            );
        }
    }
    for (i, k) in policy.issue_kinds.iter().enumerate() {
        if policy.issue_kinds[..i].contains(k) {
            err(
                &[K("policy"), K("issue_kinds"), I(i)],
                format!("\"{}\" is listed twice", k.as_str()),
            );
        }
    }
    let mut ids = HashSet::new();
    for (i, entry) in file.faq.iter().enumerate() {
        if !is_site_id(&entry.id) {
            err(
                &[K("faq"), I(i), K("id")],
                "ids are 1–40 lowercase letters, digits or dashes".into(),
            );
        } else if !ids.insert(entry.id.as_str()) {
            err(
                &[K("faq"), I(i), K("id")],
                format!("\"{}\" is used by an earlier entry", entry.id),
            );
        }
        for (field, texts) in [("question", &entry.question), ("answer", &entry.answer)] {
            if texts.is_empty() {
                err(
                    &[K("faq"), I(i), K(field)],
                    "give the text in at least one language".into(),
                );
            }
            for (tag, text) in texts {
                let at = [K("faq"), I(i), K(field), K(tag)];
                if text.trim().is_empty() {
                    err(&at, "empty text".into());
                } else if text.chars().count() > MAX_TEXT_CHARS {
                    err(&at, format!("longer than {MAX_TEXT_CHARS} characters"));
                }
            }
        }
    }
    if let Some(hours) = &file.business_hours {
        if jiff::tz::TimeZone::get(&hours.time_zone).is_err() {
            err(
                &[K("business_hours"), K("time_zone")],
                format!(
                    "unknown time zone \"{}\" (use an IANA name such as \"America/New_York\")",
                    hours.time_zone
                ),
            );
        }
        for (day, spans) in &hours.weekly {
            if !WEEKDAYS.contains(&day.as_str()) {
                err(
                    &[K("business_hours"), K("weekly"), K(day)],
                    format!("unknown day \"{day}\" (use {})", WEEKDAYS.join(", ")),
                );
                continue;
            }
            for (i, [from, until]) in spans.iter().enumerate() {
                let at = [K("business_hours"), K("weekly"), K(day), I(i)];
                match (parse_hhmm(from), parse_hhmm(until)) {
                    (Some(f), Some(u)) if f < u && f < 24 * 60 => {}
                    (Some(_), Some(_)) => {
                        err(&at, format!("\"{from}\" must come before \"{until}\""));
                    }
                    _ => err(&at, "times are \"HH:MM\", 00:00 to 24:00".into()),
                }
            }
        }
    }
    if file
        .reply_promise_minutes
        .is_some_and(|m| m == 0 || m > 7 * 24 * 60)
    {
        err(
            &[K("reply_promise_minutes")],
            "between 1 minute and a week (10080)".into(),
        );
    }
    if file
        .auto_close_minutes
        .is_some_and(|m| !(5..=7 * 24 * 60).contains(&m))
    {
        err(
            &[K("auto_close_minutes")],
            "between 5 minutes and a week (10080)".into(),
        );
    }
    if file
        .attribution_days
        .is_some_and(|d| !(1..=aisle_core::attribution::MAX_ATTRIBUTION_DAYS).contains(&d))
    {
        err(&[K("attribution_days")], "between 1 and 90 days".into());
    }
    if let Some(threshold) = &file.free_shipping_threshold {
        if !(threshold.amount.is_finite() && (0.0..=1e9).contains(&threshold.amount)) {
            err(
                &[K("free_shipping_threshold"), K("amount")],
                "an amount between 0 and 1000000000".into(),
            );
        }
        if threshold.currency.len() != 3
            || !threshold.currency.bytes().all(|b| b.is_ascii_uppercase())
        {
            err(
                &[K("free_shipping_threshold"), K("currency")],
                "an ISO 4217 code in capitals, such as \"EUR\"".into(),
            );
        }
    }
    let source_problems = match &file.order_source {
        OrderSourceConfig::Demo => Vec::new(),
        OrderSourceConfig::Shopify(shopify) => shopify.problems(),
        OrderSourceConfig::Woocommerce(woo) => woo.problems(),
        OrderSourceConfig::Push(push) => push.problems(),
    };
    for (field, message) in source_problems {
        err(&[K("order_source"), K(field)], message);
    }
    if let Some(email) = &file.email {
        for (fields, message) in email.problems() {
            let path: Vec<Seg> = std::iter::once(K("email"))
                .chain(fields.iter().map(|f| K(f)))
                .collect();
            err(&path, message);
        }
    }
    if let Some(color) = &file.brand_color {
        let hex = color.strip_prefix('#').unwrap_or("");
        if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            err(
                &[K("brand_color")],
                format!("\"{color}\" is not a colour like \"#1f5f4a\""),
            );
        } else if contrast_with_white(hex) < 4.5 {
            err(
                &[K("brand_color")],
                format!(
                    "\"{color}\" has {:.1}:1 contrast with white text; buttons need at least 4.5:1 (choose a darker shade)",
                    contrast_with_white(hex)
                ),
            );
        }
    }
    for (tag, text) in &file.greeting {
        if keyed_locale(tag).is_none() {
            err(
                &[K("greeting"), K(tag)],
                format!(
                    "the widget speaks {}; \"{tag}\" is not one of them",
                    locale_tags()
                ),
            );
        } else if text.trim().is_empty() || text.chars().count() > MAX_TEXT_CHARS {
            err(
                &[K("greeting"), K(tag)],
                format!("1 to {MAX_TEXT_CHARS} characters"),
            );
        }
    }
    for (tag, overrides) in &file.strings {
        let Some(lang) = keyed_locale(tag) else {
            err(
                &[K("strings"), K(tag)],
                format!(
                    "the assistant speaks {}; \"{tag}\" is not one of them",
                    locale_tags()
                ),
            );
            continue;
        };
        for (key, text) in overrides {
            let at = [K("strings"), K(tag), K(key)];
            let Some(built_in) = table(lang).get(key) else {
                let hint = aisle_core::campaign::check::did_you_mean(key, Text::KEYS)
                    .map(|k| format!(" (did you mean \"{k}\"?)"))
                    .unwrap_or_default();
                err(&at, format!("unknown sentence \"{key}\"{hint}"));
                continue;
            };
            let mut want = placeholders(built_in);
            let mut have = placeholders(text);
            want.sort_unstable();
            want.dedup();
            have.sort_unstable();
            have.dedup();
            if text.trim().is_empty() || text.chars().count() > MAX_TEXT_CHARS {
                err(&at, format!("1 to {MAX_TEXT_CHARS} characters"));
            } else if want != have {
                let list = |p: &[&str]| {
                    p.iter()
                        .map(|p| format!("{{{p}}}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                err(
                    &at,
                    format!(
                        "must use exactly the placeholders {} (it uses {})",
                        if want.is_empty() {
                            "none".into()
                        } else {
                            list(&want)
                        },
                        if have.is_empty() {
                            "none".into()
                        } else {
                            list(&have)
                        }
                    ),
                );
            }
        }
    }
    if errors.is_empty() {
        Ok(file)
    } else {
        Err(errors)
    }
}

/// WCAG 2 contrast ratio of the colour `rrggbb` with white (the widget puts
/// white text on the brand colour, and the brand colour on white).
fn contrast_with_white(hex: &str) -> f64 {
    let channel = |i: usize| {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.040_45 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
    1.05 / (luminance + 0.05)
}

fn is_site_id(id: &str) -> bool {
    (1..=40).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An origin is `http(s)://host[:port]`, nothing after.
fn check_origin(origin: &str) -> Result<(), String> {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err(format!(
            "\"{origin}\" is not an origin like \"https://shop.example\""
        ));
    };
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "\"{origin}\": only http and https pages embed the widget"
        ));
    }
    let host = rest.trim_end_matches('/');
    if host.is_empty() || host.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!(
            "\"{origin}\": an origin has no path, query or credentials"
        ));
    }
    Ok(())
}

/// One step of a JSON path.
#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    K(&'a str),
    I(usize),
}

fn render(path: &[Seg]) -> String {
    let mut out = String::from("$");
    for seg in path {
        match seg {
            Seg::K(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::I(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Where the value at `path` starts (or the deepest part of it that exists).
fn position(tree: &Json, path: &[Seg]) -> Pos {
    let mut at = tree;
    for seg in path {
        let next = match (seg, &at.value) {
            (Seg::K(k), Value::Object(members)) => {
                members.iter().find(|(key, _, _)| key == k).map(|m| &m.2)
            }
            (Seg::I(i), Value::Array(items)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    at.pos
}

/// Stores a validated site file: creates the site or replaces its settings,
/// in one transaction, and gives a new site its identity secret.
pub async fn import(db: &Db, file: &SiteFile) -> anyhow::Result<()> {
    let secret = hex::encode(rand::rng().random::<[u8; 32]>());
    crate::sites::store::upsert(
        db,
        &file.site,
        &file.name,
        &serde_json::to_string(&file.allowed_origins)?,
        &serde_json::to_string(&file.config())?,
        &secret,
        now(),
    )
    .await?;
    Ok(())
}

/// The site as a file, or `None` when there is no such site.
pub async fn export(db: &Db, site: &str) -> anyhow::Result<Option<SiteFile>> {
    let Some((id, name, origins, config)) = crate::sites::store::settings(db, site).await? else {
        return Ok(None);
    };
    let config: SiteConfig = serde_json::from_str(&config)?;
    Ok(Some(SiteFile {
        site: id,
        name,
        allowed_origins: serde_json::from_str(&origins)?,
        policy: config.policy,
        faq: config.faq,
        business_hours: config.business_hours,
        brand_color: config.brand_color,
        greeting: config.greeting,
        strings: config.strings,
        reply_promise_minutes: config.reply_promise_minutes,
        auto_close_minutes: config.auto_close_minutes,
        attribution_days: config.attribution_days,
        free_shipping_threshold: config.free_shipping_threshold,
        order_source: config.order_source,
        email: config.email,
    }))
}

/// The site's identity secret, created on first use.
pub async fn identity_secret(db: &Db, site: &str) -> anyhow::Result<Option<String>> {
    let fresh = hex::encode(rand::rng().random::<[u8; 32]>());
    Ok(crate::sites::store::identity_secret(db, site, &fresh).await?)
}

/// Longest grace period `rotate-secret` gives the previous secret: 30 days.
pub const MAX_GRACE_HOURS: u32 = 720;

/// Replaces the site's identity secret with a fresh one. The previous secret
/// keeps verifying for `grace_hours` (none when 0; only the last previous one:
/// rotating again drops the one before). Returns the new secret and until when
/// the previous one is accepted, or `None` when there is no such site.
pub async fn rotate_secret(
    db: &Db,
    site: &str,
    grace_hours: u32,
) -> anyhow::Result<Option<(String, Option<i64>)>> {
    let fresh = hex::encode(rand::rng().random::<[u8; 32]>());
    let until = now() + i64::from(grace_hours.min(MAX_GRACE_HOURS)) * 3600;
    let kept = crate::sites::store::rotate_secret(db, site, &fresh, grace_hours > 0, until).await?;
    Ok(kept.map(|until| (fresh, until)))
}

/// The `data-customer` JSON for `email` on `site`, valid for `ttl_hours`
/// (signed with the current secret, created if missing), or `None` when there
/// is no such site.
pub async fn sign_identity(
    db: &Db,
    site: &str,
    email: &str,
    ttl_hours: u32,
) -> anyhow::Result<Option<String>> {
    let Some(secret) = identity_secret(db, site).await? else {
        return Ok(None);
    };
    let exp = now() + i64::from(ttl_hours) * 3600;
    let message = aisle_core::assist::Identity::message(site, email, exp);
    let signature = crate::sites::sign(&secret, &message);
    Ok(Some(
        serde_json::json!({"email": email, "exp": exp, "signature": signature}).to_string(),
    ))
}

/// What the site's live campaigns ask of it that it cannot do now (codes
/// created in Shopify while its orders come from elsewhere), with the live
/// version: `aisle site import` warns of these after changing the settings.
async fn live_campaign_problems(
    db: &Db,
    site: &str,
) -> anyhow::Result<Vec<(i64, aisle_core::campaign::CampaignError)>> {
    let Some((version, source)) = crate::campaigns::live(db, site).await? else {
        return Ok(Vec::new());
    };
    let problems = crate::campaigns::check_for_site(db, site, &source)
        .await?
        .err()
        .unwrap_or_default();
    Ok(problems.into_iter().map(|p| (version, p)).collect())
}

/// `aisle site import FILE`: exit 0 with a summary, or every error and exit 1.
pub async fn cli_import(path: &std::path::Path, db_url: &str) -> std::process::ExitCode {
    let name = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{name}: cannot read: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let file = match parse_site_file(&text) {
        Ok(f) => f,
        Err(errors) => {
            for e in &errors {
                eprintln!("{name}:{e}");
            }
            eprintln!("{name}: {} error(s); nothing changed", errors.len());
            return std::process::ExitCode::FAILURE;
        }
    };
    let stored = async {
        let db = crate::db::connect(db_url).await?;
        import(&db, &file).await?;
        anyhow::Ok(live_campaign_problems(&db, &file.site).await?)
    };
    match stored.await {
        Ok(problems) => {
            println!(
                "{name}: imported site {} ({} quick responses, {}-day returns)",
                file.site,
                file.faq.len(),
                file.policy.return_window_days
            );
            // The settings are in; what they break in the live campaigns is
            // said, so the marketer can push a fixed file.
            for (version, problem) in &problems {
                eprintln!("warning: live campaigns (version {version}): {problem}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{name}: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `aisle site export SITE`: the site file on stdout.
pub async fn cli_export(site: &str, db_url: &str) -> std::process::ExitCode {
    let found = async {
        let db = crate::db::connect(db_url).await?;
        let file = export(&db, site).await?;
        anyhow::Ok(file.map(|f| serde_json::to_string_pretty(&f)).transpose()?)
    };
    print_found(site, found.await)
}

/// `aisle site secret SITE`: the identity secret on stdout.
pub async fn cli_secret(site: &str, db_url: &str) -> std::process::ExitCode {
    let found = async {
        let db = crate::db::connect(db_url).await?;
        identity_secret(&db, site).await
    };
    print_found(site, found.await)
}

/// `aisle site rotate-secret SITE`: the new secret on stdout, the grace period on stderr.
pub async fn cli_rotate_secret(
    site: &str,
    grace_hours: u32,
    db_url: &str,
) -> std::process::ExitCode {
    let rotated = async {
        let db = crate::db::connect(db_url).await?;
        rotate_secret(&db, site, grace_hours).await
    };
    let rotated = rotated.await;
    if let Ok(Some((_, until))) = &rotated {
        match until.and_then(|u| jiff::Timestamp::from_second(u).ok()) {
            Some(at) => eprintln!(
                "The previous secret is accepted until {at} ({grace_hours} h); sign with the new one before then."
            ),
            None => eprintln!("The previous secret no longer verifies."),
        }
    }
    print_found(site, rotated.map(|r| r.map(|(secret, _)| secret)))
}

/// `aisle site sign SITE --email E`: a `data-customer` value for testing.
pub async fn cli_sign(
    site: &str,
    email: &str,
    ttl_hours: u32,
    db_url: &str,
) -> std::process::ExitCode {
    let signed = async {
        let db = crate::db::connect(db_url).await?;
        sign_identity(&db, site, email, ttl_hours).await
    };
    print_found(site, signed.await)
}

/// Prints what a site command found: the text and exit 0, or why not and exit 1.
fn print_found(site: &str, found: anyhow::Result<Option<String>>) -> std::process::ExitCode {
    match found {
        Ok(Some(text)) => {
            println!("{text}");
            std::process::ExitCode::SUCCESS
        }
        Ok(None) => {
            eprintln!("no site \"{site}\"");
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        parse_site_file(text)
            .err()
            .unwrap_or_default()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn brand_colours_need_readable_white_text() {
        assert!((contrast_with_white("000000") - 21.0).abs() < 0.01);
        assert!((contrast_with_white("ffffff") - 1.0).abs() < 0.01);
        assert!(contrast_with_white("1f5f8b") >= 4.5, "the default");
        let e = errors("{\"site\": \"demo\", \"name\": \"N\", \"brand_color\": \"#ffd700\"}");
        assert!(e[0].contains("contrast with white text"), "{e:?}");
        assert!(
            errors("{\"site\": \"demo\", \"name\": \"N\", \"brand_color\": \"#1f5f4a\"}")
                .is_empty()
        );
    }

    #[test]
    fn string_overrides_name_real_sentences_and_keep_their_placeholders() {
        let e = errors(
            r#"{"site": "demo", "name": "N", "strings": {
  "en": { "talk_to_persn": "Ask an outfitter", "track_intro": "Your order, {number}!", "return_done": "Done" },
  "xx": { "track_intro": "?" }
}}"#,
        );
        assert!(
            e.iter().any(
                |x| x.starts_with("2:28: $.strings.en.talk_to_persn: unknown sentence")
                    && x.contains("did you mean \"talk_to_person\"")
            ),
            "{e:#?}"
        );
        assert!(
            e.iter()
                .any(|x| x.contains("$.strings.en.return_done: must use exactly the placeholders")),
            "{e:#?}"
        );
        assert!(e.iter().any(|x| x.contains("$.strings.xx:")), "{e:#?}");
        assert_eq!(e.len(), 3, "{e:#?}");
        assert!(
            errors(r#"{"site": "demo", "name": "N", "strings": {"fr": {"talk_to_person": "Parler à un conseiller"}}}"#)
                .is_empty()
        );
    }

    #[test]
    fn the_email_block_is_checked_with_its_place_and_kept_without_secrets() {
        let e = errors(
            r#"{"site": "demo", "name": "N",
 "email": {"from": "not an address", "reply_to": "help@",
  "smtp": {"host": "smtp.example", "port": 0, "tls": "none", "username": "u"}}}"#,
        );
        let expect = [
            "2:20: $.email.from:",
            "2:50: $.email.reply_to:",
            "3:44: $.email.smtp.port:",
            "3:54: $.email.smtp.tls:",
            "3:11: $.email.smtp.password_env:",
        ];
        for want in expect {
            assert!(
                e.iter().any(|x| x.starts_with(want)),
                "missing {want} in {e:#?}"
            );
        }
        assert_eq!(e.len(), expect.len(), "{e:#?}");
        let e = errors(
            r#"{"site": "demo", "name": "N", "email": {"from": "a@b.example", "smtp": {"host": "h", "port": 25, "tls": "ssl"}}}"#,
        );
        assert!(
            e[0].contains("$.email.smtp.tls") && e[0].contains("starttls"),
            "{e:?}"
        );
        let file = parse_site_file(
            r#"{"site": "demo", "name": "N", "email": {
  "from": "Northwind Outfitters <help@northwind.example>", "reply_to": "care@northwind.example",
  "smtp": {"host": "smtp.example", "port": 587, "tls": "starttls", "username": "help", "password_env": "AISLE_SMTP_PASSWORD"}}}"#,
        )
        .expect("valid");
        let out = serde_json::to_string(&file).unwrap();
        assert!(
            out.contains(r#""smtp":{"host":"smtp.example","port":587,"tls":"starttls","username":"help","password_env":"AISLE_SMTP_PASSWORD"}"#),
            "{out}"
        );
        assert_eq!(parse_site_file(&out), Ok(file));
    }

    #[test]
    fn type_errors_and_unknown_fields_name_path_and_position() {
        let e = errors(
            "{\n  \"site\": \"demo\",\n  \"name\": \"N\",\n  \"policy\": { \"return_window_dayz\": 30 }\n}",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with("4:"), "{e:?}");
        assert!(e[0].contains("$.policy"), "{e:?}");
        assert!(e[0].contains("return_window_dayz"), "{e:?}");
        let e = errors(
            "{\"site\": \"demo\", \"name\": \"N\", \"policy\": {\"return_reasons\": [\"bored\"]}}",
        );
        assert!(e[0].contains("$.policy.return_reasons[0]"), "{e:?}");
        let e = errors("{\"site\": \"demo\",\n \"name\": 5}");
        assert!(e[0].starts_with("2:") && e[0].contains("$.name"), "{e:?}");
        let e = errors("{\"site\": \"demo\", \"name\": \"N\",,}");
        assert!(e[0].starts_with("1:"), "{e:?}");
    }

    #[test]
    fn every_semantic_problem_is_reported_at_once_with_its_place() {
        let text = r##"{
  "site": "Demo Store",
  "name": "N",
  "allowed_origins": ["https://shop.example", "shop.example", "https://shop.example/path"],
  "policy": { "return_reasons": [] },
  "faq": [
    { "id": "a", "question": {"en": "Q"}, "answer": {"en": "A"} },
    { "id": "a", "question": {}, "answer": {"en": " "} }
  ],
  "business_hours": { "time_zone": "Mars/Olympus", "weekly": { "mon": [["17:00", "09:00"]], "funday": [] } },
  "brand_color": "green"
}"##;
        let e = errors(text);
        let expect = [
            "2:11: $.site:",
            "4:47: $.allowed_origins[1]:",
            "4:63: $.allowed_origins[2]:",
            "5:33: $.policy.return_reasons:",
            "8:13: $.faq[1].id:",
            "8:30: $.faq[1].question:",
            "8:51: $.faq[1].answer.en:",
            "10:36: $.business_hours.time_zone:",
            "10:103: $.business_hours.weekly.funday:",
            "10:72: $.business_hours.weekly.mon[0]:",
            "11:18: $.brand_color:",
        ];
        for want in expect {
            assert!(
                e.iter().any(|x| x.starts_with(want)),
                "missing {want} in {e:#?}"
            );
        }
        assert_eq!(e.len(), expect.len(), "{e:#?}");
    }
}
