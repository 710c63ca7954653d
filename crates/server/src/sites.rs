//! Sites: the stores this server serves, with the origins allowed to embed them.
//!
//! Loaded from the database into memory at start ([`SiteRegistry::load`]) because
//! every WebSocket upgrade and API request needs them.

use crate::db::Db;
use aisle_core::policy::Policy;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

pub mod email_settings;
pub mod order_source;
pub mod store;

/// One store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    /// The id merchants put in `data-site`.
    pub id: String,
    /// The store's display name.
    pub name: String,
    /// Origins (`https://shop.example`) whose pages may embed the widget.
    pub allowed_origins: Vec<String>,
    /// The merchant's self-service settings.
    pub config: SiteConfig,
    /// Key of the HMAC-SHA256 signatures the store puts on logged-in
    /// customers' identities (see [`Site::verify_identity`]); never sent to browsers.
    pub identity_secret: Option<String>,
    /// The key before the last `aisle site rotate-secret` and until when
    /// (Unix seconds) signatures made with it still verify.
    pub previous_identity_secret: Option<(String, i64)>,
}

/// What a merchant configures for self-service (`sites.config`, JSON).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteConfig {
    /// Return window, cancel limit.
    pub policy: Policy,
    /// Quick responses, in the order shoppers see them.
    pub faq: Vec<FaqEntry>,
    /// When people answer; `None`: always.
    pub business_hours: Option<BusinessHours>,
    /// The launcher and accent colour, `#rrggbb`.
    pub brand_color: Option<String>,
    /// Locale tag → the first thing the widget says; empty: the built-in greeting.
    pub greeting: BTreeMap<String, String>,
    /// Locale tag → sentence key (`text::Text::KEYS`) → the merchant's wording.
    pub strings: BTreeMap<String, BTreeMap<String, String>>,
    /// The reply time the store publishes for live chat, in minutes (shown
    /// to waiting shoppers next to the live estimate).
    pub reply_promise_minutes: Option<u32>,
    /// Close a live chat the shopper left unanswered this many minutes after
    /// the agent's last message (tagged `auto-closed`); `None`: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_close_minutes: Option<u32>,
    /// Attribution window for campaign purchases, days; `None`: 7.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution_days: Option<u32>,
    /// From which order value shipping is free (campaigns' `{{cart.remaining_to_free_shipping}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free_shipping_threshold: Option<FreeShipping>,
    /// Where orders come from (the demo tables unless the site file says).
    #[serde(skip_serializing_if = "order_source::OrderSourceConfig::is_demo")]
    pub order_source: order_source::OrderSourceConfig,
    /// How the store emails shoppers; `None`: it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<email_settings::EmailConfig>,
}

/// An amount of money in the site file: `{"amount": 100, "currency": "EUR"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeShipping {
    /// In currency units (`100`, `49.5`), 0 to 10^9.
    pub amount: f64,
    /// ISO 4217, capitals.
    pub currency: String,
}

// Amounts are checked finite on import, so equality is an equivalence.
impl Eq for FreeShipping {}

impl FreeShipping {
    /// Hundredths and currency, as the campaign feed carries them.
    pub fn minor(&self) -> (i64, String) {
        ((self.amount * 100.0).round() as i64, self.currency.clone())
    }
}

/// Opening hours in the store's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA time zone (`America/New_York`).
    pub time_zone: String,
    /// Day (`mon` … `sun`) → opening spans `["09:00", "17:30"]`; a missing day is closed.
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
}

/// The day keys of [`BusinessHours::weekly`], Monday first.
pub const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Minutes after midnight of `"HH:MM"` (`"24:00"` allowed as an end).
pub fn parse_hhmm(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

impl BusinessHours {
    /// Whether the store is open at `unix_seconds`. An unknown time zone
    /// (rejected on import) counts as open rather than hiding people.
    pub fn is_open(&self, unix_seconds: i64) -> bool {
        let Ok(tz) = jiff::tz::TimeZone::get(&self.time_zone) else {
            return true;
        };
        let Ok(at) = jiff::Timestamp::from_second(unix_seconds) else {
            return true;
        };
        let local = at.to_zoned(tz);
        let day = WEEKDAYS[usize::from(local.weekday().to_monday_zero_offset().unsigned_abs())];
        let minute =
            u32::from(local.hour().unsigned_abs()) * 60 + u32::from(local.minute().unsigned_abs());
        self.weekly.get(day).is_some_and(|spans| {
            spans.iter().any(|[from, until]| {
                matches!((parse_hhmm(from), parse_hhmm(until)), (Some(f), Some(u)) if f <= minute && minute < u)
            })
        })
    }
}

impl BusinessHours {
    /// When the store next opens after `unix_seconds` (within a week), Unix seconds.
    pub fn next_open(&self, unix_seconds: i64) -> Option<i64> {
        let tz = jiff::tz::TimeZone::get(&self.time_zone).ok()?;
        let today = jiff::Timestamp::from_second(unix_seconds)
            .ok()?
            .to_zoned(tz.clone())
            .date();
        (0..8)
            .filter_map(|offset| today.checked_add(jiff::Span::new().days(offset)).ok())
            .flat_map(|day| {
                let key =
                    WEEKDAYS[usize::from(day.weekday().to_monday_zero_offset().unsigned_abs())];
                let tz = tz.clone();
                self.weekly
                    .get(key)
                    .into_iter()
                    .flatten()
                    .filter_map(move |[from, _]| {
                        let minutes = parse_hhmm(from)?;
                        let at = day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
                        Some(at.to_zoned(tz.clone()).ok()?.timestamp().as_second())
                    })
            })
            .filter(|&at| at > unix_seconds)
            .min()
    }
}

impl BusinessHours {
    /// The opening spans `[from, until)` in Unix milliseconds of `days` days
    /// from the start of the store's day at `unix_seconds`, merged where one
    /// ends as the next starts (`24:00` then `00:00`). The widget's feed
    /// carries them, so it knows the hours without a time-zone database.
    /// An unknown time zone (refused on import) counts as always open.
    pub fn open_spans(&self, unix_seconds: i64, days: i64) -> Vec<(i64, i64)> {
        let always = vec![(i64::MIN, i64::MAX)];
        let Ok(tz) = jiff::tz::TimeZone::get(&self.time_zone) else {
            return always;
        };
        let Ok(at) = jiff::Timestamp::from_second(unix_seconds) else {
            return always;
        };
        let today = at.to_zoned(tz.clone()).date();
        // A wall-clock time of `day` (`24:00`: the next midnight) as Unix ms.
        let instant = |day: jiff::civil::Date, minutes: u32| -> Option<i64> {
            let (day, minutes) = if minutes >= 24 * 60 {
                (day.tomorrow().ok()?, minutes - 24 * 60)
            } else {
                (day, minutes)
            };
            let wall = day.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
            Some(wall.to_zoned(tz.clone()).ok()?.timestamp().as_millisecond())
        };
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for offset in 0..days {
            let Ok(day) = today.checked_add(jiff::Span::new().days(offset)) else {
                continue;
            };
            let key = WEEKDAYS[usize::from(day.weekday().to_monday_zero_offset().unsigned_abs())];
            let mut today_spans: Vec<(i64, i64)> = self
                .weekly
                .get(key)
                .into_iter()
                .flatten()
                .filter_map(|[from, until]| {
                    let (from, until) = (parse_hhmm(from)?, parse_hhmm(until)?);
                    (from < until).then_some(())?;
                    Some((instant(day, from)?, instant(day, until)?))
                })
                .collect();
            today_spans.sort_unstable();
            for span in today_spans {
                match spans.last_mut() {
                    Some(last) if span.0 <= last.1 => last.1 = last.1.max(span.1),
                    _ => spans.push(span),
                }
            }
        }
        spans
    }
}

impl SiteConfig {
    /// The campaign attribution window, days (7 unless the site file says).
    pub fn attribution_days(&self) -> u32 {
        self.attribution_days
            .unwrap_or(aisle_core::attribution::DEFAULT_ATTRIBUTION_DAYS)
    }

    /// When people are next on duty, if they are off now.
    pub fn back_at(&self, unix_seconds: i64) -> Option<i64> {
        self.business_hours
            .as_ref()
            .filter(|h| !h.is_open(unix_seconds))
            .and_then(|h| h.next_open(unix_seconds))
    }

    /// Whether people are on duty at `unix_seconds` by the business hours.
    pub fn open_at(&self, unix_seconds: i64) -> bool {
        self.business_hours
            .as_ref()
            .is_none_or(|h| h.is_open(unix_seconds))
    }
}

/// One quick response: a question shown as a button and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    /// Stable id (feedback is counted per id).
    pub id: String,
    /// Locale tag → question.
    pub question: BTreeMap<String, String>,
    /// Locale tag → answer.
    pub answer: BTreeMap<String, String>,
}

/// The text for `locale` from a locale → text map: exact tag, then the
/// language, then English, then any.
pub fn localized<'a>(texts: &'a BTreeMap<String, String>, locale: &str) -> &'a str {
    aisle_core::campaign::pick_localized(
        texts.iter().map(|(t, s)| (t.as_str(), s.as_str())),
        locale,
    )
    .unwrap_or_default()
}

/// Longest an identity signature may vouch for, from now: 7 days. A leaked
/// `data-customer` works at most this long; stores sign on each page render
/// with a much shorter `exp` (an hour or a day).
pub const IDENTITY_MAX_LIFETIME_SECONDS: i64 = 7 * 86_400;

/// Clock difference tolerated between the store's server and this one.
pub const IDENTITY_CLOCK_SKEW_SECONDS: i64 = 60;

/// Why a store-signed identity was not trusted (logged, never shown to shoppers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRefusal {
    /// The site has no identity secret.
    NoSecret,
    /// No `exp` (an old email-only signature) or not whole seconds.
    NoExpiry,
    /// `exp` has passed.
    Expired,
    /// `exp` is further away than [`IDENTITY_MAX_LIFETIME_SECONDS`].
    TooLong,
    /// The signature is not hex, or not of this site, email and `exp` under
    /// the site's secret (or its previous one within the grace period).
    BadSignature,
}

impl std::fmt::Display for IdentityRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdentityRefusal::NoSecret => "the site has no identity secret",
            IdentityRefusal::NoExpiry => "no exp (email-only signatures are no longer accepted)",
            IdentityRefusal::Expired => "exp has passed",
            IdentityRefusal::TooLong => "exp is more than 7 days away",
            IdentityRefusal::BadSignature => "the signature does not match",
        })
    }
}

/// Hex HMAC-SHA256 of `message` under `secret`.
pub fn sign(secret: &str, message: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

impl Site {
    /// Whether the store vouches for `email` at `now` (Unix seconds):
    /// `signature` must be the hex HMAC-SHA256 of
    /// [`Identity::message`](aisle_core::assist::Identity::message) (this site,
    /// `email`, `exp`) under the site's secret, or under the previous one until
    /// its grace period ends; `exp` must not have passed and be at most
    /// [`IDENTITY_MAX_LIFETIME_SECONDS`] away (both give
    /// [`IDENTITY_CLOCK_SKEW_SECONDS`] of slack). Constant-time comparison.
    pub fn verify_identity(
        &self,
        email: &str,
        exp: Option<i64>,
        signature: &str,
        now: i64,
    ) -> Result<(), IdentityRefusal> {
        use hmac::{KeyInit, Mac};
        let current = self.identity_secret.as_deref().filter(|s| !s.is_empty());
        let previous = self
            .previous_identity_secret
            .as_ref()
            .filter(|(s, until)| !s.is_empty() && now < *until)
            .map(|(s, _)| s.as_str());
        if current.is_none() && previous.is_none() {
            return Err(IdentityRefusal::NoSecret);
        }
        let exp = exp.ok_or(IdentityRefusal::NoExpiry)?;
        if exp.saturating_add(IDENTITY_CLOCK_SKEW_SECONDS) < now {
            return Err(IdentityRefusal::Expired);
        }
        if exp > now.saturating_add(IDENTITY_MAX_LIFETIME_SECONDS + IDENTITY_CLOCK_SKEW_SECONDS) {
            return Err(IdentityRefusal::TooLong);
        }
        let signature = hex::decode(signature.trim()).map_err(|_| IdentityRefusal::BadSignature)?;
        let message = aisle_core::assist::Identity::message(&self.id, email, exp);
        let matches = |secret: &str| {
            hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
                mac.update(message.as_bytes());
                mac.verify_slice(&signature).is_ok()
            })
        };
        if current.into_iter().chain(previous).any(matches) {
            Ok(())
        } else {
            Err(IdentityRefusal::BadSignature)
        }
    }

    /// What the store vouches for about `identity` at `now`: the email by
    /// [`Site::verify_identity`], then its tags and first name only when
    /// `profile_signature` is the hex HMAC-SHA256 of
    /// [`Identity::profile_message`](aisle_core::assist::Identity::profile_message)
    /// under the same secrets. Unsigned or forged tags are dropped (logged),
    /// never trusted; an identity without them verifies as before.
    pub fn verify_customer(
        &self,
        identity: &aisle_core::assist::Identity,
        now: i64,
    ) -> Result<aisle_core::api::VerifiedCustomer, IdentityRefusal> {
        use aisle_core::assist::{Identity, MAX_PROFILE_CHARS};
        use hmac::{KeyInit, Mac};
        self.verify_identity(&identity.email, identity.exp, &identity.signature, now)?;
        let mut customer = aisle_core::api::VerifiedCustomer {
            verified: true,
            ..Default::default()
        };
        let (tags, first_name) = (
            identity.tags.as_deref().unwrap_or(""),
            identity.first_name.as_deref().unwrap_or(""),
        );
        if tags.is_empty() && first_name.is_empty() {
            return Ok(customer);
        }
        let message = Identity::profile_message(
            &self.id,
            &identity.email,
            identity.exp.unwrap_or_default(),
            tags,
            first_name,
        );
        let Some(signature) = identity
            .profile_signature
            .as_deref()
            .and_then(|s| hex::decode(s.trim()).ok())
        else {
            tracing::warn!(
                site = self.id,
                "customer tags ignored: no profile_signature"
            );
            return Ok(customer);
        };
        let current = self.identity_secret.as_deref().filter(|s| !s.is_empty());
        let previous = self
            .previous_identity_secret
            .as_ref()
            .filter(|(s, until)| !s.is_empty() && now < *until)
            .map(|(s, _)| s.as_str());
        let matches = |secret: &str| {
            hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).is_ok_and(|mut mac| {
                mac.update(message.as_bytes());
                mac.verify_slice(&signature).is_ok()
            })
        };
        if !current.into_iter().chain(previous).any(matches) {
            tracing::warn!(
                site = self.id,
                "customer tags ignored: profile_signature does not match"
            );
            return Ok(customer);
        }
        customer.tags = Identity::tag_list(tags).unwrap_or_default();
        let name = first_name.trim();
        if !name.is_empty()
            && name.chars().count() <= MAX_PROFILE_CHARS
            && !name.contains(char::is_control)
        {
            customer.first_name = Some(name.to_owned());
        }
        Ok(customer)
    }

    /// Whether a page at `origin` may talk to this site. `own_host` is the `Host`
    /// the request was sent to: pages this server serves itself (the demo store)
    /// are always allowed.
    pub fn allows_origin(&self, origin: &str, own_host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/');
        let authority = origin.split_once("://").map(|(_, rest)| rest);
        let same_origin = authority
            .zip(own_host)
            .is_some_and(|(a, h)| a.eq_ignore_ascii_case(h));
        same_origin
            || self
                .allowed_origins
                .iter()
                .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

/// The site a request's `{site}` path segment names: the extractor every
/// `/api/sites/{site}/…` handler starts with, so an unknown site is one
/// `404 unknown_site`, answered before the body is read. For routes whose
/// only path parameter is `{site}`.
#[derive(Debug, Clone)]
pub struct KnownSite(pub Arc<Site>);

impl std::ops::Deref for KnownSite {
    type Target = Site;

    fn deref(&self) -> &Site {
        &self.0
    }
}

impl axum::extract::FromRequestParts<crate::AppState> for KnownSite {
    type Rejection = crate::error::AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        let id = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(id)| id)
            .unwrap_or_default();
        state.sites.known(&id).map(KnownSite)
    }
}

/// The PostgreSQL channel a trigger on `sites` notifies (`migrations_pg/0004`).
pub const CHANGES_CHANNEL: &str = "aisle_sites";

/// All sites, shared by the request handlers.
#[derive(Debug, Clone, Default)]
pub struct SiteRegistry {
    sites: Arc<RwLock<HashMap<String, Arc<Site>>>>,
}

impl SiteRegistry {
    /// Reads every site from the database.
    pub async fn load(db: &Db) -> anyhow::Result<Self> {
        let rows = store::all(db).await?;
        let mut sites = HashMap::new();
        for (id, name, origins, config, identity_secret, previous, until) in rows {
            let allowed_origins: Vec<String> = serde_json::from_str(&origins)?;
            let config: SiteConfig = serde_json::from_str(&config)
                .map_err(|e| anyhow::anyhow!("site {id}: invalid config: {e}"))?;
            sites.insert(
                id.clone(),
                Arc::new(Site {
                    id,
                    name,
                    allowed_origins,
                    config,
                    identity_secret,
                    previous_identity_secret: previous.zip(until),
                }),
            );
        }
        Ok(SiteRegistry {
            sites: Arc::new(RwLock::new(sites)),
        })
    }

    /// Whether any site allows `origin` (for CORS preflights, which precede the site lookup).
    pub fn any_allows(&self, origin: &str) -> bool {
        self.sites
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .any(|s| s.allows_origin(origin, None))
    }

    /// Re-reads every site (after an import changed one).
    pub async fn reload(&self, db: &Db) -> anyhow::Result<()> {
        let fresh = Self::load(db).await?;
        let fresh = std::mem::take(&mut *fresh.sites.write().unwrap_or_else(|e| e.into_inner()));
        *self.sites.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// Re-reads every site whenever the database says one changed (PostgreSQL
    /// `LISTEN aisle_sites`, notified by a trigger on `sites`, see
    /// `migrations_pg/0004`), until `stop`: a change made through any node or
    /// the command line is live on every node within a round trip. After each
    /// (re)connection it re-reads once, for what changed while not listening.
    pub async fn follow_changes(self, db: Db, stop: tokio_util::sync::CancellationToken) {
        let url = db.connect_options().database_url.to_string();
        let pause = std::time::Duration::from_secs(1);
        while !stop.is_cancelled() {
            let listening = async {
                let mut listener = sqlx::postgres::PgListener::connect(&url).await?;
                listener.listen(CHANGES_CHANNEL).await?;
                anyhow::Ok(listener)
            };
            let mut listener = match listening.await {
                Ok(listener) => listener,
                Err(e) => {
                    tracing::warn!(error = %e, "listening for site changes failed; retrying");
                    tokio::select! {
                        _ = stop.cancelled() => return,
                        _ = tokio::time::sleep(pause) => continue,
                    }
                }
            };
            loop {
                if let Err(e) = self.reload(&db).await {
                    tracing::warn!(error = %e, "reloading sites failed; keeping the previous settings");
                }
                let heard = tokio::select! {
                    _ = stop.cancelled() => return,
                    heard = listener.try_recv() => heard,
                };
                match heard {
                    // A change, or the connection was lost (it reconnects on
                    // the next call): re-read either way.
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "site change listener failed; reconnecting");
                        break;
                    }
                }
            }
        }
    }

    /// Every site served here.
    pub fn all(&self) -> Vec<Arc<Site>> {
        self.sites
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// The site with this id, if served here (shared, not copied: requests
    /// read it on every call).
    pub fn get(&self, id: &str) -> Option<Arc<Site>> {
        self.sites
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    /// The site with this id, or the one `404 unknown_site` every route
    /// answers for a site not served here.
    pub fn known(&self, id: &str) -> Result<Arc<Site>, crate::error::AppError> {
        self.get(id).ok_or(crate::error::AppError::NotFound(
            aisle_core::api::ErrorCode::UnknownSite,
            "no such site",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_match_exactly_ignoring_case_and_trailing_slash() {
        let site = Site {
            id: "demo".into(),
            name: "Demo".into(),
            allowed_origins: vec!["https://shop.example/".into()],
            config: SiteConfig::default(),
            identity_secret: None,
            previous_identity_secret: None,
        };
        assert!(site.allows_origin("https://shop.example", None));
        assert!(site.allows_origin("HTTPS://SHOP.EXAMPLE", None));
        assert!(!site.allows_origin("https://shop.example.evil.test", None));
        assert!(!site.allows_origin("http://shop.example", None));
        assert!(site.allows_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!site.allows_origin("http://127.0.0.1:9999", Some("127.0.0.1:8080")));
    }

    const NOW: i64 = 1_780_000_000;

    fn signed_site() -> Site {
        Site {
            id: "demo".into(),
            name: "Demo".into(),
            allowed_origins: vec![],
            config: SiteConfig::default(),
            identity_secret: Some("key".into()),
            previous_identity_secret: None,
        }
    }

    fn signature(secret: &str, site: &str, email: &str, exp: i64) -> String {
        sign(
            secret,
            &aisle_core::assist::Identity::message(site, email, exp),
        )
    }

    #[test]
    fn identities_verify_only_for_this_site_email_and_a_near_expiry() {
        let mut site = signed_site();
        let exp = NOW + 3600;
        let good = signature("key", "demo", "ada@example.com", exp);
        // `printf 'aisle-identity-v1\ndemo\nada@example.com\n1780003600' | openssl dgst -sha256 -hmac key`
        assert_eq!(
            good,
            "c0fb483919876262019db6b70baa35d859f561c0b6cc98c4d0ae0ed35e0ec723"
        );
        let verify = |site: &Site, email: &str, exp: Option<i64>, sig: &str, now: i64| {
            site.verify_identity(email, exp, sig, now)
        };
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), &good, NOW),
            Ok(())
        );
        assert_eq!(
            verify(
                &site,
                "ada@example.com",
                Some(exp),
                &good.to_uppercase(),
                NOW
            ),
            Ok(()),
            "hex in either case"
        );
        let refused = |r| Err(r);
        use IdentityRefusal::*;
        // Another email, another exp, another site, another key.
        assert_eq!(
            verify(&site, "grace@example.com", Some(exp), &good, NOW),
            refused(BadSignature)
        );
        assert_eq!(
            verify(&site, "Ada@example.com", Some(exp), &good, NOW),
            refused(BadSignature)
        );
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp + 1), &good, NOW),
            refused(BadSignature)
        );
        let other_site = signature("key", "other", "ada@example.com", exp);
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), &other_site, NOW),
            refused(BadSignature)
        );
        let forged = signature("guess", "demo", "ada@example.com", exp);
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), &forged, NOW),
            refused(BadSignature)
        );
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), "not hex", NOW),
            refused(BadSignature)
        );
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), "", NOW),
            refused(BadSignature)
        );
        // Expired: a minute of clock skew, no more.
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), &good, exp + 60),
            Ok(())
        );
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), &good, exp + 61),
            refused(Expired)
        );
        // Too far ahead: at most 7 days (and the minute).
        let week = NOW + IDENTITY_MAX_LIFETIME_SECONDS + 60;
        let sig = signature("key", "demo", "ada@example.com", week);
        assert_eq!(
            verify(&site, "ada@example.com", Some(week), &sig, NOW),
            Ok(())
        );
        let far = week + 1;
        let sig = signature("key", "demo", "ada@example.com", far);
        assert_eq!(
            verify(&site, "ada@example.com", Some(far), &sig, NOW),
            refused(TooLong)
        );
        let sig = signature("key", "demo", "ada@example.com", i64::MAX);
        assert_eq!(
            verify(&site, "ada@example.com", Some(i64::MAX), &sig, NOW),
            refused(TooLong)
        );
        assert_eq!(
            verify(&site, "ada@example.com", Some(i64::MIN), &good, NOW),
            refused(Expired)
        );
        // The old format: HMAC of the email alone, no exp.
        // `printf ada@example.com | openssl dgst -sha256 -hmac key`
        let old = "20caa94149b865c2f3a23002c8ca0b02e3dba113236448a96eae078e7e3a6cc0";
        assert_eq!(sign("key", "ada@example.com"), old);
        assert_eq!(
            verify(&site, "ada@example.com", None, old, NOW),
            refused(NoExpiry)
        );
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), old, NOW),
            refused(BadSignature)
        );
        site.identity_secret = None;
        assert_eq!(
            verify(&site, "ada@example.com", Some(exp), &good, NOW),
            refused(NoSecret)
        );
    }

    #[test]
    fn the_previous_secret_verifies_only_during_its_grace_period() {
        let mut site = signed_site();
        site.identity_secret = Some("new".into());
        site.previous_identity_secret = Some(("key".into(), NOW + 86_400));
        let exp = NOW + 3600;
        let old = signature("key", "demo", "ada@example.com", exp);
        let new = signature("new", "demo", "ada@example.com", exp);
        let verify = |sig: &str, now| site.verify_identity("ada@example.com", Some(exp), sig, now);
        assert_eq!(verify(&new, NOW), Ok(()));
        assert_eq!(verify(&old, NOW), Ok(()), "within the grace period");
        assert_eq!(verify(&old, NOW + 3599), Ok(()));
        let later_exp = NOW + 86_400 + 10;
        let old_later = signature("key", "demo", "ada@example.com", later_exp);
        let new_later = signature("new", "demo", "ada@example.com", later_exp);
        let verify_later =
            |sig: &str| site.verify_identity("ada@example.com", Some(later_exp), sig, NOW + 86_400);
        assert_eq!(
            verify_later(&old_later),
            Err(IdentityRefusal::BadSignature),
            "grace over"
        );
        assert_eq!(verify_later(&new_later), Ok(()));
    }

    #[test]
    fn business_hours_follow_the_stores_time_zone_and_dst() {
        let hours = BusinessHours {
            time_zone: "America/New_York".into(),
            weekly: [(
                "mon".to_owned(),
                vec![["09:00".to_owned(), "17:00".to_owned()]],
            )]
            .into_iter()
            .collect(),
        };
        // Monday 2026-11-23 09:00 EST = 14:00 UTC.
        let monday_nine = 1_795_442_400;
        assert!(hours.is_open(monday_nine));
        assert!(!hours.is_open(monday_nine - 1));
        assert!(hours.is_open(monday_nine + 8 * 3600 - 1));
        assert!(!hours.is_open(monday_nine + 8 * 3600));
        // Monday 2026-06-01 09:00 EDT = 13:00 UTC (summer time).
        assert!(hours.is_open(1_780_318_800));
        assert!(!hours.is_open(1_780_318_800 - 1));
        // Tuesday: closed.
        assert!(!hours.is_open(monday_nine + 86_400));
        // Closed on Tuesday: next opening is the following Monday 09:00 EST.
        assert_eq!(
            hours.next_open(monday_nine + 86_400),
            Some(monday_nine + 7 * 86_400)
        );
        assert_eq!(hours.next_open(monday_nine - 60), Some(monday_nine));
        assert_eq!(parse_hhmm("24:00"), Some(1440));
        assert_eq!(parse_hhmm("24:01"), None);
    }

    #[test]
    fn the_feeds_opening_spans_agree_with_is_open_across_a_clock_change() {
        let hours = BusinessHours {
            time_zone: "America/New_York".into(),
            weekly: [
                ("sat", vec![["10:00", "14:00"], ["20:00", "24:00"]]),
                ("sun", vec![["00:00", "02:30"], ["09:00", "17:30"]]),
                ("mon", vec![["09:00", "17:00"]]),
            ]
            .into_iter()
            .map(|(day, spans)| {
                let spans = spans
                    .into_iter()
                    .map(|[a, b]| [a.to_owned(), b.to_owned()])
                    .collect();
                (day.to_owned(), spans)
            })
            .collect(),
        };
        // Friday 2026-10-30 12:00 EDT; clocks fall back on Sunday 2026-11-01.
        let start = 1_793_376_000;
        let spans = hours.open_spans(start, 8);
        assert_eq!(spans.len(), 4, "Saturday's late span runs into Sunday's");
        for minute in 0..(7 * 24 * 60) {
            let at = start + minute * 60;
            let in_spans = spans
                .iter()
                .any(|(from, until)| *from <= at * 1000 && at * 1000 < *until);
            assert_eq!(in_spans, hours.is_open(at), "at {at}");
        }
        assert_eq!(parse_hhmm("9:00"), None);
    }
}
