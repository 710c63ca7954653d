//! A store's self-service rules: what may be returned, cancelled or reported,
//! decided from an [`OrderView`] and the merchant's [`Policy`].
//!
//! Pure functions, so the server decides with them and the tests pin every row
//! of the demo table in `README.md` without a database.

use crate::order::{OrderItem, OrderState, OrderView};
use serde::{Deserialize, Serialize};

/// Seconds in a day.
const DAY: i64 = 86_400;

/// The merchant's self-service rules (part of the site configuration).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Days after delivery during which items may be returned.
    pub return_window_days: u32,
    /// Hours after placing during which an unfulfilled order may be cancelled;
    /// `None`: until it ships.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_within_hours: Option<u32>,
    /// The return reasons shoppers choose from, in this order.
    pub return_reasons: Vec<ReturnReason>,
    /// The problems shoppers may report (each still only where the order's
    /// state makes it possible, see [`issue_kinds_for`]).
    pub issue_kinds: Vec<IssueKind>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            return_window_days: 30,
            cancel_within_hours: None,
            return_reasons: ReturnReason::ALL.to_vec(),
            issue_kinds: ALL_ISSUES.to_vec(),
        }
    }
}

/// Why an item cannot be returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnRefusal {
    /// The order has not been delivered yet.
    NotDelivered,
    /// The order was cancelled.
    Cancelled,
    /// Delivered longer ago than the return window.
    OutsideWindow,
    /// Sold as final sale.
    FinalSale,
}

/// Whether one line of an order may be returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemReturn<'a> {
    /// The line.
    pub item: &'a OrderItem,
    /// `Ok` when returnable, else why not.
    pub verdict: Result<(), ReturnRefusal>,
}

/// Decides, line by line, what of `order` may be returned at `now` (Unix seconds).
pub fn returnable_items<'a>(
    order: &'a OrderView,
    policy: &Policy,
    now: i64,
) -> Vec<ItemReturn<'a>> {
    let order_verdict = match (order.state, order.delivered_at) {
        (OrderState::Cancelled, _) => Err(ReturnRefusal::Cancelled),
        (OrderState::Delivered, Some(at)) => {
            if now - at <= i64::from(policy.return_window_days) * DAY {
                Ok(())
            } else {
                Err(ReturnRefusal::OutsideWindow)
            }
        }
        _ => Err(ReturnRefusal::NotDelivered),
    };
    order
        .items
        .iter()
        .map(|item| ItemReturn {
            item,
            verdict: match order_verdict {
                Ok(()) if item.final_sale => Err(ReturnRefusal::FinalSale),
                other => other,
            },
        })
        .collect()
}

/// The last day a delivered order may be returned, Unix seconds.
pub fn return_deadline(order: &OrderView, policy: &Policy) -> Option<i64> {
    order
        .delivered_at
        .map(|at| at + i64::from(policy.return_window_days) * DAY)
}

/// Why an order cannot be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelRefusal {
    /// Handed to the carrier: it can be returned once delivered.
    Shipped,
    /// Already delivered: it can be returned instead.
    Delivered,
    /// Already cancelled.
    AlreadyCancelled,
    /// Placed longer ago than the merchant allows cancelling.
    TooLate,
}

/// Whether `order` may be cancelled at `now` (Unix seconds).
pub fn can_cancel(order: &OrderView, policy: &Policy, now: i64) -> Result<(), CancelRefusal> {
    match order.state {
        OrderState::InTransit => Err(CancelRefusal::Shipped),
        OrderState::Delivered => Err(CancelRefusal::Delivered),
        OrderState::Cancelled => Err(CancelRefusal::AlreadyCancelled),
        OrderState::Unfulfilled => match policy.cancel_within_hours {
            Some(hours) if now - order.placed_at > i64::from(hours) * 3600 => {
                Err(CancelRefusal::TooLate)
            }
            _ => Ok(()),
        },
    }
}

/// A problem a shopper can report about an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// In transit longer than expected.
    Late,
    /// The carrier lost the parcel.
    Lost,
    /// Arrived damaged.
    Damaged,
    /// Does not work.
    Defective,
    /// Not what was ordered.
    WrongItem,
    /// Something is missing from the parcel.
    MissingItem,
    /// Marked delivered, never arrived.
    NotReceived,
}

impl IssueKind {
    /// The stable name stored with the ticket.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::Late => "late",
            IssueKind::Lost => "lost",
            IssueKind::Damaged => "damaged",
            IssueKind::Defective => "defective",
            IssueKind::WrongItem => "wrong_item",
            IssueKind::MissingItem => "missing_item",
            IssueKind::NotReceived => "not_received",
        }
    }

    /// Inverse of [`IssueKind::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        ALL_ISSUES.into_iter().find(|k| k.as_str() == name)
    }
}

/// Every kind of problem, in the order shoppers see them.
pub const ALL_ISSUES: [IssueKind; 7] = [
    IssueKind::Late,
    IssueKind::Lost,
    IssueKind::Damaged,
    IssueKind::Defective,
    IssueKind::WrongItem,
    IssueKind::MissingItem,
    IssueKind::NotReceived,
];

/// The problems that make sense for an order in `state` (none before it ships).
pub fn issue_kinds(state: OrderState) -> &'static [IssueKind] {
    match state {
        OrderState::InTransit => &[IssueKind::Late, IssueKind::Lost],
        OrderState::Delivered => &[
            IssueKind::Damaged,
            IssueKind::Defective,
            IssueKind::WrongItem,
            IssueKind::MissingItem,
            IssueKind::NotReceived,
        ],
        OrderState::Unfulfilled | OrderState::Cancelled => &[],
    }
}

/// The problems the merchant accepts reports of for an order in `state`.
pub fn issue_kinds_for(state: OrderState, policy: &Policy) -> Vec<IssueKind> {
    issue_kinds(state)
        .iter()
        .copied()
        .filter(|k| policy.issue_kinds.contains(k))
        .collect()
}

/// The merchant's default reasons for a return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnReason {
    /// Doesn't match the description.
    NotAsDescribed,
    /// Arrived too late.
    TooLate,
    /// Wrong item sent.
    WrongItem,
    /// Damaged or defective.
    Damaged,
    /// Changed my mind.
    ChangedMind,
    /// Anything else (the comment says what).
    Other,
}

impl ReturnReason {
    /// Every reason, in the order shoppers see them.
    pub const ALL: [ReturnReason; 6] = [
        ReturnReason::NotAsDescribed,
        ReturnReason::TooLate,
        ReturnReason::WrongItem,
        ReturnReason::Damaged,
        ReturnReason::ChangedMind,
        ReturnReason::Other,
    ];

    /// The stable name stored with the return.
    pub fn as_str(self) -> &'static str {
        match self {
            ReturnReason::NotAsDescribed => "not_as_described",
            ReturnReason::TooLate => "too_late",
            ReturnReason::WrongItem => "wrong_item",
            ReturnReason::Damaged => "damaged",
            ReturnReason::ChangedMind => "changed_mind",
            ReturnReason::Other => "other",
        }
    }

    /// Inverse of [`ReturnReason::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == name)
    }
}

/// Longest description of a reported issue, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Shortest useful description of a reported issue, in characters.
pub const MIN_DESCRIPTION_CHARS: usize = 10;
/// Longest optional comment on a return, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::OrderNumber;

    const NOW: i64 = 1_800_000_000;

    fn item(sku: &str, final_sale: bool) -> OrderItem {
        OrderItem {
            sku: sku.into(),
            title: sku.into(),
            quantity: 1,
            unit_price_minor: 1000,
            final_sale,
        }
    }

    fn order(state: OrderState, days_since: i64, items: Vec<OrderItem>) -> OrderView {
        let delivered = (state == OrderState::Delivered).then_some(NOW - days_since * DAY);
        OrderView {
            number: OrderNumber(1),
            state,
            placed_at: NOW - (days_since + 5) * DAY,
            delivered_at: delivered,
            currency: "USD".into(),
            total_minor: 0,
            items,
            shipment: None,
            timeline: vec![],
        }
    }

    fn verdicts(order: &OrderView) -> Vec<Result<(), ReturnRefusal>> {
        returnable_items(order, &Policy::default(), NOW)
            .into_iter()
            .map(|r| r.verdict)
            .collect()
    }

    #[test]
    fn demo_table_returns() {
        // #1003: delivered 10 days ago, 2 items → both returnable.
        let o = order(
            OrderState::Delivered,
            10,
            vec![item("a", false), item("b", false)],
        );
        assert_eq!(verdicts(&o), vec![Ok(()), Ok(())]);
        // #1004: delivered 45 days ago → outside the 30-day window.
        let o = order(OrderState::Delivered, 45, vec![item("a", false)]);
        assert_eq!(verdicts(&o), vec![Err(ReturnRefusal::OutsideWindow)]);
        // #1005: delivered 3 days ago, final sale → refused for that item.
        let o = order(OrderState::Delivered, 3, vec![item("a", true)]);
        assert_eq!(verdicts(&o), vec![Err(ReturnRefusal::FinalSale)]);
        // #1001: in transit → not yet.
        let o = order(OrderState::InTransit, 0, vec![item("a", false)]);
        assert_eq!(verdicts(&o), vec![Err(ReturnRefusal::NotDelivered)]);
    }

    #[test]
    fn the_window_includes_its_last_day() {
        let o = order(OrderState::Delivered, 30, vec![item("a", false)]);
        assert_eq!(verdicts(&o), vec![Ok(())]);
        let o = order(OrderState::Delivered, 31, vec![item("a", false)]);
        assert_eq!(verdicts(&o), vec![Err(ReturnRefusal::OutsideWindow)]);
    }

    #[test]
    fn cancel_only_while_unfulfilled_and_within_the_merchant_limit() {
        let p = Policy::default();
        let mut o = order(OrderState::Unfulfilled, 0, vec![]);
        o.placed_at = NOW - 3600;
        assert_eq!(can_cancel(&o, &p, NOW), Ok(()));
        let strict = Policy {
            cancel_within_hours: Some(0),
            ..Policy::default()
        };
        assert_eq!(can_cancel(&o, &strict, NOW), Err(CancelRefusal::TooLate));
        o.state = OrderState::InTransit;
        assert_eq!(can_cancel(&o, &p, NOW), Err(CancelRefusal::Shipped));
        o.state = OrderState::Cancelled;
        assert_eq!(
            can_cancel(&o, &p, NOW),
            Err(CancelRefusal::AlreadyCancelled)
        );
    }

    #[test]
    fn issue_kinds_follow_the_order_state() {
        assert_eq!(
            issue_kinds(OrderState::InTransit),
            &[IssueKind::Late, IssueKind::Lost]
        );
        assert_eq!(issue_kinds(OrderState::Delivered).len(), 5);
        assert!(issue_kinds(OrderState::Unfulfilled).is_empty());
        for k in ALL_ISSUES {
            assert_eq!(IssueKind::from_name(k.as_str()), Some(k));
        }
        for r in ReturnReason::ALL {
            assert_eq!(ReturnReason::from_name(r.as_str()), Some(r));
        }
    }
}
