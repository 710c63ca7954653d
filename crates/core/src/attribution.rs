//! Revenue attribution for campaigns: the purchase the store's thank-you page
//! reports (`Aisle('purchase', {order, value, currency})`, posted by the
//! loader), and the per-campaign figures the console and
//! `GET /api/sites/{site}/campaigns/stats` show.
//!
//! A purchase counts for the last campaign the same visitor both saw and
//! interacted with (clicked a button of, or started a conversation from)
//! within the site's attribution window (last touch); one order counts once.
//! Money is kept in thousandths of the currency unit (`value_milli`), so sums
//! are exact and three-decimal currencies (KWD, BHD) fit.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Attribution window when the site file names none, days.
pub const DEFAULT_ATTRIBUTION_DAYS: u32 = 7;
/// Longest attribution window a site file may set, days.
pub const MAX_ATTRIBUTION_DAYS: u32 = 90;
/// Longest order reference, characters.
pub const MAX_ORDER_CHARS: usize = 64;
/// Largest purchase value accepted (so thousandths fit an `i64` with room to sum).
pub const MAX_VALUE: f64 = 1e12;
/// Days of the per-day series (`recent`).
pub const RECENT_DAYS: usize = 30;

/// `POST /api/sites/{site}/campaigns/purchase` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purchase {
    /// The browser's visitor id (`Aisle.visitor`).
    pub visitor: String,
    /// The store's order reference (`#1001`), at most [`MAX_ORDER_CHARS`].
    pub order: String,
    /// Order total, ≥ 0, in `currency` units (`129.9`).
    pub value: f64,
    /// ISO 4217 code, three letters (`EUR`).
    pub currency: String,
}

/// A field of a [`Purchase`] that is not acceptable: `(field, why)`.
pub type FieldError = (&'static str, &'static str);

impl Purchase {
    /// Checks every field; `Ok` holds the value in thousandths and the
    /// currency in capitals.
    pub fn validate(&self) -> Result<(i64, String), FieldError> {
        if !valid_visitor(&self.visitor) {
            return Err(("visitor", "visitor must be 8-64 letters, digits, - or _"));
        }
        let order = self.order.trim();
        if order.is_empty() || order.chars().count() > MAX_ORDER_CHARS {
            return Err(("order", "order must be 1-64 characters"));
        }
        if order.chars().any(char::is_control) {
            return Err(("order", "order must not contain control characters"));
        }
        if !self.value.is_finite() || self.value < 0.0 || self.value > MAX_VALUE {
            return Err(("value", "value must be a finite number ≥ 0"));
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err((
                "currency",
                "currency must be an ISO 4217 code of three letters",
            ));
        }
        Ok((
            (self.value * 1000.0).round() as i64,
            self.currency.to_ascii_uppercase(),
        ))
    }
}

/// A visitor id as the loader makes them: 8–64 ASCII letters, digits, `-`, `_`.
pub fn valid_visitor(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Thousandths of a unit as text: two decimals, three when the third is used
/// (`129900` → `"129.90"`, `1234` → `"1.234"`).
pub fn money_text(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let m = milli.unsigned_abs();
    let (units, frac) = (m / 1000, m % 1000);
    if frac % 10 == 0 {
        format!("{sign}{units}.{:02}", frac / 10)
    } else {
        format!("{sign}{units}.{frac:03}")
    }
}

/// What a campaign did over a span: events by kind, attributed purchases and
/// their revenue per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Times the message was shown.
    #[serde(default)]
    pub shown: u64,
    /// Clicks on its buttons.
    #[serde(default)]
    pub clicked: u64,
    /// Times it was closed.
    #[serde(default)]
    pub dismissed: u64,
    /// Conversations started from it.
    #[serde(default)]
    pub conversation_started: u64,
    /// Purchases attributed to it.
    #[serde(default)]
    pub conversions: u64,
    /// Currency → attributed revenue as text (`{"EUR": "129.90"}`).
    #[serde(default)]
    pub revenue: BTreeMap<String, String>,
}

/// One UTC day of a campaign's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayFigures {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// That day's figures.
    #[serde(flatten)]
    pub figures: Figures,
}

/// A campaign's figures: all time, per day with any activity, and the last
/// [`RECENT_DAYS`] days one by one (zeros included), oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignReport {
    /// All days summed.
    pub total: Figures,
    /// Day → figures, days with activity only.
    #[serde(default)]
    pub days: BTreeMap<String, Figures>,
    /// The last 30 UTC days, today included, oldest first.
    #[serde(default)]
    pub recent: Vec<DayFigures>,
    /// A/B variant id → its figures, all time (campaigns with variants).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, Figures>,
    /// Its pool of discount codes, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes: Option<CodeFigures>,
}

/// A campaign's pool of single-use discount codes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeFigures {
    /// Codes not handed out yet.
    pub left: u64,
    /// Codes handed to a visitor.
    pub handed_out: u64,
}

/// `GET /api/sites/{site}/campaigns/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignStats {
    /// Campaign id → figures: every campaign of the live file, and any other
    /// that has figures.
    pub campaigns: BTreeMap<String, CampaignReport>,
    /// The site's attribution window, days.
    #[serde(default)]
    pub attribution_days: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purchase(value: f64, currency: &str, order: &str) -> Purchase {
        Purchase {
            visitor: "v-12345678".into(),
            order: order.into(),
            value,
            currency: currency.into(),
        }
    }

    #[test]
    fn fields_are_checked_and_named() {
        assert_eq!(
            purchase(129.9, "eur", "#1001").validate(),
            Ok((129_900, "EUR".into()))
        );
        assert_eq!(
            purchase(-1.0, "EUR", "1").validate().unwrap_err().0,
            "value"
        );
        assert_eq!(
            purchase(f64::NAN, "EUR", "1").validate().unwrap_err().0,
            "value"
        );
        assert_eq!(
            purchase(1.0, "EURO", "1").validate().unwrap_err().0,
            "currency"
        );
        assert_eq!(
            purchase(1.0, "E1R", "1").validate().unwrap_err().0,
            "currency"
        );
        assert_eq!(purchase(1.0, "EUR", "").validate().unwrap_err().0, "order");
        assert_eq!(
            purchase(1.0, "EUR", &"x".repeat(65))
                .validate()
                .unwrap_err()
                .0,
            "order"
        );
        let mut bad = purchase(1.0, "EUR", "1");
        bad.visitor = "<script>".into();
        assert_eq!(bad.validate().unwrap_err().0, "visitor");
    }

    #[test]
    fn money_keeps_thousandths() {
        assert_eq!(money_text(129_900), "129.90");
        assert_eq!(money_text(1_234), "1.234");
        assert_eq!(money_text(0), "0.00");
        assert_eq!(money_text(5), "0.005");
    }
}
