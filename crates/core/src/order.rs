//! Orders as a shopper sees them once they have proven the order is theirs.
//!
//! The server owns the data; the widget renders an [`OrderView`]. Parsing of the
//! two things a shopper types, the order number and the email, lives here so the
//! widget can validate while typing and the server can validate again.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A store's order number, as printed on the confirmation email (`#1001`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderNumber(pub u32);

/// Why a typed order number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderNumberError {
    /// Nothing was typed.
    Empty,
    /// Something other than digits (after an optional leading `#`).
    NotDigits,
    /// More digits than any order number has.
    TooLong,
}

impl OrderNumber {
    /// Longest order number accepted, in digits.
    pub const MAX_DIGITS: usize = 9;

    /// Parses what a shopper typed: digits with or without a leading `#`,
    /// surrounding whitespace ignored (`"#1001"`, `" 1001 "`).
    pub fn parse(input: &str) -> Result<Self, OrderNumberError> {
        let trimmed = input.trim();
        let digits = trimmed.strip_prefix('#').unwrap_or(trimmed).trim_start();
        if digits.is_empty() {
            return Err(OrderNumberError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(OrderNumberError::NotDigits);
        }
        if digits.len() > Self::MAX_DIGITS {
            return Err(OrderNumberError::TooLong);
        }
        // At most nine digits always fit in a u32.
        digits
            .parse()
            .map(OrderNumber)
            .map_err(|_| OrderNumberError::TooLong)
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a typed email address was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Nothing was typed.
    Empty,
    /// Not of the form `name@domain.tld`.
    Malformed,
    /// Longer than any deliverable address (254 bytes).
    TooLong,
}

/// Longest email address accepted, in bytes (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Normalizes an email for comparison: trimmed, ASCII-lower-cased, checked for
/// one `@` between a non-empty local part and a dotted domain.
///
/// Only ASCII letters are folded: domains travel as ASCII (IDNA), and folding
/// all of Unicode would put the Unicode case tables into the widget's wasm
/// (5 KB of its brotli budget, measured) for addresses stores do not have.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let email = input.trim();
    if email.is_empty() {
        return Err(EmailError::Empty);
    }
    if email.len() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong);
    }
    let (local, domain) = email.split_once('@').ok_or(EmailError::Malformed)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@');
    if local.is_empty() || !domain_ok || email.chars().any(char::is_whitespace) {
        return Err(EmailError::Malformed);
    }
    Ok(email.to_ascii_lowercase())
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Paid, not yet handed to a carrier.
    Unfulfilled,
    /// Handed to a carrier, not yet delivered.
    InTransit,
    /// Delivered to the shopper.
    Delivered,
    /// Cancelled before it shipped.
    Cancelled,
}

impl OrderState {
    /// The stable name stored in the database and sent on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Unfulfilled => "unfulfilled",
            OrderState::InTransit => "in_transit",
            OrderState::Delivered => "delivered",
            OrderState::Cancelled => "cancelled",
        }
    }

    /// Inverse of [`OrderState::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "unfulfilled" => OrderState::Unfulfilled,
            "in_transit" => OrderState::InTransit,
            "delivered" => OrderState::Delivered,
            "cancelled" => OrderState::Cancelled,
            _ => return None,
        })
    }
}

/// One step of an order's timeline; the widget words it in the shopper's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrackingEventKind {
    /// The shopper placed and paid for the order.
    Ordered,
    /// The store packed the order and handed it to the carrier.
    Shipped,
    /// The carrier scanned the parcel on its way.
    InTransit,
    /// The parcel is on the delivery vehicle.
    OutForDelivery,
    /// The carrier delivered the parcel.
    Delivered,
    /// The order was cancelled.
    Cancelled,
}

impl TrackingEventKind {
    /// The stable name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            TrackingEventKind::Ordered => "ordered",
            TrackingEventKind::Shipped => "shipped",
            TrackingEventKind::InTransit => "in_transit",
            TrackingEventKind::OutForDelivery => "out_for_delivery",
            TrackingEventKind::Delivered => "delivered",
            TrackingEventKind::Cancelled => "cancelled",
        }
    }

    /// Inverse of [`TrackingEventKind::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "ordered" => TrackingEventKind::Ordered,
            "shipped" => TrackingEventKind::Shipped,
            "in_transit" => TrackingEventKind::InTransit,
            "out_for_delivery" => TrackingEventKind::OutForDelivery,
            "delivered" => TrackingEventKind::Delivered,
            "cancelled" => TrackingEventKind::Cancelled,
            _ => return None,
        })
    }
}

/// A dated step of an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    /// When it happened, Unix seconds (UTC).
    pub at: i64,
    /// What happened.
    pub kind: TrackingEventKind,
    /// Where, when the carrier says (`"Memphis, TN"`).
    pub location: Option<String>,
}

/// The parcel as the carrier knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// Carrier name (`"UPS"`).
    pub carrier: String,
    /// Carrier's tracking number.
    pub tracking_number: String,
    /// The carrier's public tracking page for this parcel (always https).
    pub tracking_url: String,
    /// Estimated delivery, Unix seconds, when the carrier gives one.
    pub estimated_delivery: Option<i64>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItem {
    /// Stock-keeping unit.
    pub sku: String,
    /// Product title as sold.
    pub title: String,
    /// Units ordered.
    pub quantity: u32,
    /// Price of one unit, in the order currency's minor units.
    pub unit_price_minor: i64,
    /// Sold as final sale: never returnable.
    pub final_sale: bool,
}

/// What a shopper who proved an order may see of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    /// The order number.
    pub number: OrderNumber,
    /// Current state.
    pub state: OrderState,
    /// When it was placed, Unix seconds.
    pub placed_at: i64,
    /// When it was delivered, Unix seconds, once delivered.
    pub delivered_at: Option<i64>,
    /// ISO 4217 currency code of the amounts.
    pub currency: String,
    /// Order total in minor units.
    pub total_minor: i64,
    /// The lines of the order.
    pub items: Vec<OrderItem>,
    /// The parcel, once shipped.
    pub shipment: Option<Shipment>,
    /// Oldest first.
    pub timeline: Vec<TrackingEvent>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_parse_with_or_without_hash() {
        assert_eq!(OrderNumber::parse("#1001"), Ok(OrderNumber(1001)));
        assert_eq!(OrderNumber::parse(" 1001 "), Ok(OrderNumber(1001)));
        assert_eq!(OrderNumber::parse("# 1001"), Ok(OrderNumber(1001)));
        assert_eq!(OrderNumber(1001).to_string(), "#1001");
    }

    #[test]
    fn malformed_order_numbers_are_rejected_with_a_reason() {
        assert_eq!(OrderNumber::parse(""), Err(OrderNumberError::Empty));
        assert_eq!(OrderNumber::parse("#"), Err(OrderNumberError::Empty));
        assert_eq!(OrderNumber::parse("10O1"), Err(OrderNumberError::NotDigits));
        assert_eq!(OrderNumber::parse("-1"), Err(OrderNumberError::NotDigits));
        assert_eq!(
            OrderNumber::parse("1234567890"),
            Err(OrderNumberError::TooLong)
        );
        assert_eq!(
            OrderNumber::parse("999999999"),
            Ok(OrderNumber(999_999_999))
        );
    }

    #[test]
    fn emails_compare_case_insensitively_and_must_look_deliverable() {
        assert_eq!(
            normalize_email(" Ada@Example.COM "),
            Ok("ada@example.com".into())
        );
        assert_eq!(normalize_email(""), Err(EmailError::Empty));
        assert_eq!(normalize_email("ada"), Err(EmailError::Malformed));
        assert_eq!(normalize_email("@example.com"), Err(EmailError::Malformed));
        assert_eq!(normalize_email("ada@localhost"), Err(EmailError::Malformed));
        assert_eq!(
            normalize_email("a da@example.com"),
            Err(EmailError::Malformed)
        );
        assert_eq!(
            normalize_email("ada@ex@ample.com"),
            Err(EmailError::Malformed)
        );
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(normalize_email(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn state_and_event_names_round_trip() {
        for s in [
            OrderState::Unfulfilled,
            OrderState::InTransit,
            OrderState::Delivered,
            OrderState::Cancelled,
        ] {
            assert_eq!(OrderState::from_name(s.as_str()), Some(s));
        }
        for k in [
            TrackingEventKind::Ordered,
            TrackingEventKind::Shipped,
            TrackingEventKind::InTransit,
            TrackingEventKind::OutForDelivery,
            TrackingEventKind::Delivered,
            TrackingEventKind::Cancelled,
        ] {
            assert_eq!(TrackingEventKind::from_name(k.as_str()), Some(k));
        }
        assert_eq!(OrderState::from_name("lost"), None);
    }
}
