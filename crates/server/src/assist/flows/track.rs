//! Track: an order's status card, its tracking link and timeline.

use super::*;

pub(super) fn event_text<'t>(t: &Text<'t>, kind: TrackingEventKind) -> &'t str {
    match kind {
        TrackingEventKind::Ordered => t.event_ordered,
        TrackingEventKind::Shipped => t.event_shipped,
        TrackingEventKind::InTransit => t.event_in_transit,
        TrackingEventKind::OutForDelivery => t.event_out_for_delivery,
        TrackingEventKind::Delivered => t.event_delivered,
        TrackingEventKind::Cancelled => t.event_cancelled,
    }
}

/// The order's card: state, carrier, tracking number and link, ETA, timeline.
pub fn order_card(t: &Text, order: &OrderView) -> Card {
    let number = order.number.to_string();
    let mut facts = Vec::new();
    let mut link = None;
    if let Some(ship) = &order.shipment {
        facts.push(Fact {
            label: t.carrier.into(),
            value: ship.carrier.clone(),
            ..Fact::default()
        });
        facts.push(Fact {
            label: t.tracking_number.into(),
            value: ship.tracking_number.clone(),
            ..Fact::default()
        });
        if order.state == OrderState::InTransit
            && let Some(eta) = ship.estimated_delivery
        {
            facts.push(Fact {
                label: t.estimated_delivery.into(),
                at: Some(eta),
                ..Fact::default()
            });
        }
        link = Some(Link {
            label: fill(t.track_with_carrier, &[("carrier", &ship.carrier)]),
            url: ship.tracking_url.clone(),
        });
    }
    Card {
        title: fill(t.order_heading, &[("number", &number)]),
        status: Some(state_text(t, order.state).into()),
        tone: Some(order.state.as_str().into()),
        facts,
        link,
        list_title: Some(t.timeline.into()),
        list: order
            .timeline
            .iter()
            .rev()
            .map(|event| Fact {
                label: event_text(t, event.kind).into(),
                value: event.location.clone().unwrap_or_default(),
                at: Some(event.at),
                ..Fact::default()
            })
            .collect(),
    }
}

pub(super) fn track(turn: &mut Turn<'_>, order: &OrderView) {
    let t = turn.t();
    turn.reply.said.push(Said {
        text: fill(t.track_intro, &[("number", &order.number.to_string())]),
        card: Some(order_card(&t, order)),
    });
    let choices = next_steps(turn, order);
    turn.choices(choices);
}
