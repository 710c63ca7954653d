//! What marketers offer in campaigns (issue #12): discount codes and the
//! signed customer's tags and first name.
//!
//! - `POST /api/sites/{site}/campaigns/customer` checks the page's signed
//!   customer (`data-customer`, `Aisle('identify')`) and answers what the
//!   store vouches for ([`VerifiedCustomer`]): the widget decides campaigns in
//!   the browser, so it asks once per page that has a signed customer and
//!   puts the verified tags into the evaluator's `customer_tags` and the first
//!   name into `{{customer.first_name}}`. Tags without a valid
//!   `profile_signature` are never returned.
//! - `POST /api/sites/{site}/campaigns/code` hands a visitor the code of a
//!   campaign with `"codes": "pool"`: the same visitor always gets the same
//!   one, no code ever goes to two visitors, and an exhausted pool answers 404
//!   `no codes left`. Rate-limited like every anonymous write
//!   ([`Write::CampaignCode`]), counting codes handed out: a visitor asking
//!   again for the code they hold is answered without spending the limit.
//!   A campaign with `"codes": {"shopify": …}` creates each visitor's code in
//!   the site's Shopify store on their first ask ([`Shopify::create_discount`]).
//! - [`add_codes`] (`aisle campaigns codes add SITE CAMPAIGN FILE`) fills a
//!   campaign's pool, at most [`MAX_CODES_PER_CAMPAIGN`].

use crate::AppState;
use crate::campaigns::{live, store};
use crate::client::ClientIp;
use crate::db::Db;
use crate::db::now;
use crate::error::{ApiJson, AppError};
use crate::limits::Write;
use crate::sites::KnownSite;
use crate::stores::OrderSourceConfig;
use crate::stores::shopify::{DiscountError, Shopify};
use aisle_core::api::{CodeRequest, CustomerRequest, ErrorCode, VerifiedCustomer};
use aisle_core::attribution::valid_visitor;
use aisle_core::campaign::check::code_fault;
use aisle_core::campaign::{CampaignFile, Code, Condition, ShopifyDiscount, parse_campaigns};
use axum::Json;
use axum::extract::State;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Most codes one campaign's pool may hold (free and handed out together).
pub const MAX_CODES_PER_CAMPAIGN: i64 = 100_000;

/// `POST /api/sites/{site}/campaigns/customer`: what the store vouches for
/// about the page's customer. A refused identity answers
/// `{"verified": false, "tags": [], "first_name": null}` (the reason is
/// logged, never told).
pub async fn customer(
    KnownSite(site): KnownSite,
    ApiJson(request): ApiJson<CustomerRequest>,
) -> Json<VerifiedCustomer> {
    match site.verify_customer(&request.identity, now()) {
        Ok(customer) => Json(customer),
        Err(why) => {
            tracing::warn!(site = site.id, %why, "signed customer refused");
            Json(VerifiedCustomer::default())
        }
    }
}

/// Every customer tag a condition names.
fn tags_named(condition: &Condition, out: &mut Vec<String>) {
    match condition {
        Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| tags_named(c, out)),
        Condition::Not(c) => tags_named(c, out),
        Condition::CustomerTag(tag) => out.push(tag.clone()),
        _ => {}
    }
}

/// A 400 naming `field`.
fn bad(field: &str, message: &str) -> AppError {
    AppError::Invalid {
        code: ErrorCode::BadRequest,
        message: message.to_owned(),
        field: Some(field.to_owned()),
    }
}

/// `POST /api/sites/{site}/campaigns/code`: `{"code": "…"}`, this visitor's
/// code of a live campaign with `"codes": "pool"`. When the campaign's
/// conditions name customer tags, the request must carry a signed customer
/// ([`crate::sites::Site::verify_customer`]) with one of them (403
/// otherwise): a pooled code for VIPs is not handed to whoever asks.
pub async fn code(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    KnownSite(site): KnownSite,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<Json<Value>, AppError> {
    if !valid_visitor(&request.visitor) {
        return Err(bad(
            "visitor",
            "visitor must be 8-64 letters, digits, - or _",
        ));
    }
    let file = live(&state.db, &site.id)
        .await?
        .and_then(|(_, source)| parse_campaigns(&source).ok());
    let Some(campaign) = file
        .as_ref()
        .and_then(|f| f.campaigns.iter().find(|c| c.id == request.campaign))
        .filter(|c| c.enabled && c.code.as_ref().is_some_and(Code::per_visitor))
    else {
        return Err(bad(
            "campaign",
            "no live campaign with that id hands out codes per visitor",
        ));
    };
    let mut needed = Vec::new();
    if let Some(when) = &campaign.when {
        tags_named(when, &mut needed);
    }
    if !needed.is_empty() {
        let tags = request
            .identity
            .as_ref()
            .and_then(|identity| site.verify_customer(identity, now()).ok())
            .map(|customer| customer.tags)
            .unwrap_or_default();
        if !tags.iter().any(|t| needed.contains(t)) {
            return Err(AppError::Forbidden(
                "this campaign's codes are for signed customers with its tags".into(),
            ));
        }
    }
    // The visitor's own code again (the widget asks on every page where the
    // campaign is decided): answered without spending the address's limit,
    // which counts codes handed out, so shoppers behind one address (a
    // carrier's NAT) are not refused the code they already hold.
    if let Some(code) =
        store::held_code(&state.db, &site.id, &campaign.id, &request.visitor).await?
    {
        return Ok(Json(json!({ "code": code })));
    }
    crate::limits::allow(&state, Write::CampaignCode, &site.id, client)
        .map_err(AppError::RateLimited)?;
    let code = match &campaign.code {
        Some(Code::Shopify(discount)) => {
            created_code(&state, &site, &campaign.id, discount, &request.visitor).await?
        }
        _ => claim(&state.db, &site.id, &campaign.id, &request.visitor)
            .await?
            .ok_or(AppError::NotFound(ErrorCode::NotFound, "no codes left"))?,
    };
    Ok(Json(json!({ "code": code })))
}

/// How many times a code is drawn again when the store already has it.
const CREATE_ATTEMPTS: usize = 3;

/// A new code: `AISLE-` and 10 letters and digits without look-alikes.
fn new_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let tail: String = (0..10)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("AISLE-{tail}")
}

/// A code created for `visitor`, who held none when the handler looked, in
/// the site's Shopify store (`"codes": {"shopify": …}`). The visitor's row
/// is written before the store is asked, so racing requests of one visitor
/// create one code (the loser gets the winner's); if the store refuses,
/// the row goes.
async fn created_code(
    state: &AppState,
    site: &crate::sites::Site,
    campaign: &str,
    discount: &ShopifyDiscount,
    visitor: &str,
) -> Result<String, AppError> {
    let db = &state.db;
    let OrderSourceConfig::Shopify(config) = &site.config.order_source else {
        return Err(AppError::StoreUnavailable(
            "this campaign's codes are created in Shopify, and the site's order source is not Shopify".into(),
        ));
    };
    if store::codes_held(db, &site.id, campaign).await? >= MAX_CODES_PER_CAMPAIGN {
        return Err(AppError::NotFound(ErrorCode::NotFound, "no codes left"));
    }
    let shopify = Shopify::new(config, &site.id, db, &state.stores);
    let title = format!("Aisle campaign {campaign}");
    for _ in 0..CREATE_ATTEMPTS {
        let code = new_code();
        let at = now();
        match store::hand_new_code(db, &site.id, campaign, &code, visitor, at).await {
            Ok(()) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                match store::held_code(db, &site.id, campaign, visitor).await? {
                    Some(theirs) => return Ok(theirs),
                    None => continue,
                }
            }
            Err(e) => return Err(e.into()),
        }
        let created = shopify
            .create_discount(&code, &title, discount.off, discount.valid_days, at)
            .await;
        match created {
            Ok(id) => {
                tracing::info!(
                    site = site.id,
                    campaign,
                    discount = id,
                    "discount code created in Shopify"
                );
                return Ok(code);
            }
            Err(why) => {
                store::forget_code(db, &site.id, campaign, &code).await?;
                match why {
                    DiscountError::Taken => continue,
                    DiscountError::Refused(message) => {
                        tracing::warn!(
                            site = site.id,
                            campaign,
                            message,
                            "Shopify refused a discount code"
                        );
                        return Err(AppError::StoreUnavailable(format!(
                            "the store refused the code: {message}"
                        )));
                    }
                    DiscountError::Store(e) => {
                        tracing::warn!(site = site.id, campaign, error = %e, "Shopify could not create a discount code");
                        return Err(AppError::StoreUnavailable(
                            "the store could not create a code now; try again later".into(),
                        ));
                    }
                }
            }
        }
    }
    Err(AppError::StoreUnavailable(
        "the store could not create a code now; try again later".into(),
    ))
}

/// The code `visitor` holds for `campaign`, handing them a free one if they
/// have none; `None` when the pool is empty. The unique index on (site,
/// campaign, visitor) and SQLite's one writer (PostgreSQL: row locks) make it safe under any
/// concurrency: a visitor racing themselves gets the code the winner got.
pub async fn hand_out(
    db: &Db,
    site: &str,
    campaign: &str,
    visitor: &str,
) -> sqlx::Result<Option<String>> {
    if let Some(code) = store::held_code(db, site, campaign, visitor).await? {
        return Ok(Some(code));
    }
    claim(db, site, campaign, visitor).await
}

/// A free code of `campaign` for `visitor`, who held none when last looked
/// at ([`hand_out`] without its first look, for a caller that just looked);
/// `None` when the pool is empty.
async fn claim(db: &Db, site: &str, campaign: &str, visitor: &str) -> sqlx::Result<Option<String>> {
    match store::claim_code(db, site, campaign, visitor, now()).await {
        Ok(code) => Ok(code),
        // The same visitor won a parallel request: theirs stands.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            store::held_code(db, site, campaign, visitor).await
        }
        Err(e) => Err(e),
    }
}

/// What [`add_codes`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    /// New codes in the pool.
    pub added: u64,
    /// Lines that were already in the pool (or twice in the file).
    pub duplicates: u64,
}

/// Why codes were not added; nothing was.
#[derive(Debug)]
pub enum AddError {
    /// No such site.
    UnknownSite,
    /// The site's live campaigns have no campaign of that id with `"codes": "pool"`.
    NotPooled,
    /// A line is not a code: its number (from 1) and why.
    BadLine(usize, &'static str),
    /// The pool would hold more than [`MAX_CODES_PER_CAMPAIGN`].
    TooMany {
        /// Codes already in the pool.
        held: i64,
        /// New codes in the file.
        new: i64,
    },
    /// Storage failed.
    Storage(sqlx::Error),
}

impl From<sqlx::Error> for AddError {
    fn from(e: sqlx::Error) -> Self {
        AddError::Storage(e)
    }
}

impl std::fmt::Display for AddError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddError::UnknownSite => write!(f, "no such site"),
            AddError::NotPooled => write!(
                f,
                "the live campaigns have no campaign of that id with \"codes\": \"pool\" (push the file first)"
            ),
            AddError::BadLine(line, why) => write!(f, "line {line}: {why}"),
            AddError::TooMany { held, new } => write!(
                f,
                "a campaign holds at most {MAX_CODES_PER_CAMPAIGN} codes: {held} in the pool and {new} new ones"
            ),
            AddError::Storage(e) => write!(f, "storage failed: {e}"),
        }
    }
}

/// Adds the codes of `text` (one a line; blank lines skipped, spaces around
/// a code trimmed) to `campaign`'s pool on `site`, in one transaction: a bad
/// line or a pool over [`MAX_CODES_PER_CAMPAIGN`] adds nothing.
pub async fn add_codes(db: &Db, site: &str, campaign: &str, text: &str) -> Result<Added, AddError> {
    let exists = crate::agents::store::site_exists(db, site).await?;
    if !exists {
        return Err(AddError::UnknownSite);
    }
    let pooled = live(db, site)
        .await?
        .and_then(|(_, source)| parse_campaigns(&source).ok())
        .is_some_and(|f| {
            f.campaigns
                .iter()
                .any(|c| c.id == campaign && c.code == Some(Code::Pool))
        });
    if !pooled {
        return Err(AddError::NotPooled);
    }
    let mut codes: Vec<&str> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.trim();
        if code.is_empty() {
            continue;
        }
        if let Some(why) = code_fault(code) {
            return Err(AddError::BadLine(i + 1, why));
        }
        codes.push(code);
        if codes.len() as i64 > MAX_CODES_PER_CAMPAIGN {
            return Err(AddError::TooMany {
                held: 0,
                new: codes.len() as i64,
            });
        }
    }
    let added = match store::add_codes(db, site, campaign, &codes, MAX_CODES_PER_CAMPAIGN).await? {
        Ok(added) => added,
        Err((held, added)) => {
            return Err(AddError::TooMany {
                held: held - added as i64,
                new: added as i64,
            });
        }
    };
    Ok(Added {
        added,
        duplicates: codes.len() as u64 - added,
    })
}

/// Per campaign of `site` with a pool: `(left, handed_out)`.
pub async fn code_counts(db: &Db, site: &str) -> sqlx::Result<BTreeMap<String, (u64, u64)>> {
    let file = live(db, site)
        .await?
        .and_then(|(_, source)| parse_campaigns(&source).ok());
    code_counts_in(db, site, file.as_ref()).await
}

/// [`code_counts`] for a caller that already parsed the live `file`.
pub async fn code_counts_in(
    db: &Db,
    site: &str,
    file: Option<&CampaignFile>,
) -> sqlx::Result<BTreeMap<String, (u64, u64)>> {
    let rows = store::code_counts(db, site).await?;
    // Codes created in the store on demand: what is left is what Aisle may
    // still create for the campaign.
    let created = |id: &str| {
        file.is_some_and(|f| {
            f.campaigns
                .iter()
                .any(|c| c.id == id && matches!(c.code, Some(Code::Shopify(_))))
        })
    };
    Ok(rows
        .into_iter()
        .map(|(id, left, handed)| {
            let handed = u64::try_from(handed).unwrap_or(0);
            let left = if created(&id) {
                u64::try_from(MAX_CODES_PER_CAMPAIGN)
                    .unwrap_or(0)
                    .saturating_sub(handed)
            } else {
                u64::try_from(left).unwrap_or(0)
            };
            (id, (left, handed))
        })
        .collect())
}

/// `aisle campaigns codes add SITE CAMPAIGN FILE`: prints
/// `added N codes, M duplicates skipped (P in the pool, Q left)`.
pub async fn add_codes_cli(
    db_url: &str,
    site: &str,
    campaign: &str,
    file: &std::path::Path,
) -> anyhow::Result<std::process::ExitCode> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{}: cannot read: {e}", file.display());
            return Ok(std::process::ExitCode::FAILURE);
        }
    };
    let db = crate::db::connect(db_url).await?;
    match add_codes(&db, site, campaign, &text).await {
        Ok(Added { added, duplicates }) => {
            let (left, handed) = code_counts(&db, site)
                .await?
                .get(campaign)
                .copied()
                .unwrap_or_default();
            println!(
                "added {added} codes, {duplicates} duplicates skipped ({} in the pool, {left} left)",
                left + handed
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(AddError::Storage(e)) => Err(e.into()),
        Err(e) => {
            eprintln!("{}: {e}; nothing was added", file.display());
            Ok(std::process::ExitCode::FAILURE)
        }
    }
}
