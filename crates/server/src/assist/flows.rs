//! The self-service flows, one function per step. Each step reads the request,
//! re-checks proof and policy, writes what it creates, and fills the reply.

use super::Turn;
use super::records::{self, NewTicket, Pending};
use super::text::{Text, fill};
use crate::error::AppError;
use crate::limits::Write;
use crate::sites::localized as localized_faq;
use crate::stores::{self, Cancelled, OrderSource, Returned, StoreOrder};
use aisle_core::assist::{Card, Choice, Fact, Field, FieldKind, Link, Prompt, Said};
use aisle_core::order::{
    EmailError, MAX_EMAIL_LEN, OrderNumber, OrderNumberError, OrderState, OrderView,
    TrackingEventKind, normalize_email,
};
use aisle_core::policy::{
    self, CancelRefusal, IssueKind, MAX_COMMENT_CHARS, MAX_DESCRIPTION_CHARS,
    MIN_DESCRIPTION_CHARS, ReturnReason, ReturnRefusal,
};
use std::time::Instant;

/// Flows that work on one order.
const ORDER_FLOWS: [&str; 4] = ["track", "return", "cancel", "report"];
/// Longest message to the team, in characters.
const MAX_MESSAGE_CHARS: usize = 2000;
const DAY: i64 = 86_400;

/// Runs the step the request names.
pub async fn run(turn: &mut Turn<'_>) -> Result<(), AppError> {
    let action = turn.request.action.clone();
    let (verb, arg) = match action.split_once(':') {
        Some((verb, arg)) => (verb, Some(arg)),
        None => (action.as_str(), None),
    };
    // A menu entry starts a flow; how it ends is recorded where it ends.
    if arg.is_none() && (ORDER_FLOWS.contains(&verb) || matches!(verb, "faq" | "human")) {
        let flow = if verb == "human" { "message" } else { verb };
        records::outcome(&turn.state.db, &turn.site.id, flow, "started").await?;
    }
    match (verb, arg) {
        ("menu", None) => {}
        (flow, None) if ORDER_FLOWS.contains(&flow) => choose_order(turn, flow).await?,
        ("identify", Some(flow)) if ORDER_FLOWS.contains(&flow) => identify(turn, flow).await?,
        (step, Some(number)) => match number.parse::<u32>() {
            Ok(number) if is_order_step(step) => order_step(turn, step, number).await?,
            _ => match (step, number) {
                ("faq", id) => faq_answer(turn, id),
                ("helpful", rest) => helpful(turn, rest).await?,
                _ => unknown(turn),
            },
        },
        ("faq", None) => faq_list(turn),
        ("human", None) => message_form(turn, None),
        ("message", None) => send_message(turn).await?,
        _ => unknown(turn),
    }
    Ok(())
}

fn is_order_step(step: &str) -> bool {
    ORDER_FLOWS.contains(&step)
        || matches!(
            step,
            "return-items" | "return-confirm" | "cancel-confirm" | "cancel-keep" | "report-send"
        )
}

fn unknown(turn: &mut Turn<'_>) {
    let t = turn.t();
    turn.say(t.unknown_action);
}

fn state_text(t: &Text, state: OrderState) -> &'static str {
    match state {
        OrderState::Unfulfilled => t.state_unfulfilled,
        OrderState::InTransit => t.state_in_transit,
        OrderState::Delivered => t.state_delivered,
        OrderState::Cancelled => t.state_cancelled,
    }
}

fn number_text(number: u32) -> String {
    OrderNumber(number).to_string()
}

// ---------------------------------------------------------------------------
// Proving an order: number + email, once per session.

/// Starts an order flow: the proven email's orders to choose from, straight
/// to the one order when there is one, else the lookup form.
async fn choose_order(turn: &mut Turn<'_>, flow: &str) -> Result<(), AppError> {
    let t = turn.t();
    let Some(email) = turn.session.email.clone() else {
        turn.say(t.ask_order);
        identify_form(turn, flow, String::new(), String::new(), None, None);
        return Ok(());
    };
    let orders = match stores::of(turn.state, turn.site).orders_of(&email).await {
        Ok(orders) => orders,
        Err(e) => return store_failed(turn, flow, None, &email, &Failure::Unreachable(e)).await,
    };
    if let [(number, _)] = orders.as_slice() {
        order_step(turn, flow, *number).await?;
        offer_another_order(turn, flow);
        return Ok(());
    }
    let mut choices: Vec<Choice> = orders
        .iter()
        .map(|(number, state)| {
            let state = OrderState::from_name(state).map_or("", |s| state_text(t, s));
            let label = fill(
                t.order_choice,
                &[("number", &number_text(*number)), ("state", state)],
            );
            Choice::new(format!("{flow}:{number}"), label)
        })
        .collect();
    choices.push(Choice::new(format!("identify:{flow}"), t.another_order));
    choices.push(turn.menu_choice());
    turn.say(t.choose_order);
    turn.choices(choices);
    Ok(())
}

/// The order number + email form for `flow`, with what was typed and why it was refused.
fn identify_form(
    turn: &mut Turn<'_>,
    flow: &str,
    order: String,
    email: String,
    order_error: Option<&str>,
    email_error: Option<&str>,
) {
    let t = turn.t();
    let fields = vec![
        Field {
            name: "order".into(),
            label: t.order_number.into(),
            kind: FieldKind::Text,
            hint: Some(t.order_number_hint.into()),
            error: order_error.map(Into::into),
            value: order,
            max: 12,
            required: true,
            ..Field::default()
        },
        Field {
            name: "email".into(),
            label: t.email.into(),
            kind: FieldKind::Email,
            error: email_error.map(Into::into),
            value: email,
            max: MAX_EMAIL_LEN as u32,
            required: true,
            ..Field::default()
        },
    ];
    turn.form(
        t.ask_order,
        format!("identify:{flow}"),
        fields,
        t.find_order,
    );
}

/// Checks the lookup form, proves the order (rate-limited), then runs `flow` on it.
async fn identify(turn: &mut Turn<'_>, flow: &str) -> Result<(), AppError> {
    let t = turn.t();
    let typed_order = turn.request.value("order").trim().to_owned();
    let typed_email = turn.request.value("email").trim().to_owned();
    let order = OrderNumber::parse(&typed_order);
    let email = normalize_email(&typed_email);
    let order_error = match order {
        Err(OrderNumberError::Empty) => Some(t.error_order_empty),
        Err(_) => Some(t.order_number_hint),
        Ok(_) => None,
    };
    let email_error = match email {
        Err(EmailError::Empty) => Some(t.error_email_empty),
        Err(_) => Some(t.error_email_format),
        Ok(_) => None,
    };
    let (Ok(number), Ok(email)) = (order, email) else {
        identify_form(
            turn,
            flow,
            typed_order,
            typed_email,
            order_error,
            email_error,
        );
        return Ok(());
    };
    turn.reply.echo = Some(format!("{number} · {typed_email}"));

    // A slot is reserved before the database is asked, so parallel guesses
    // get no more answers than the limit (see `api::lookup_rules`).
    let client = turn.client;
    let attempt = match turn.state.lookup_failures.attempt(
        &client.to_string(),
        &crate::api::lookup_rules(&turn.site.id, client, number),
        Instant::now(),
    ) {
        Ok(attempt) => attempt,
        Err(wait) => {
            let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
            turn.say(fill(t.rate_limited, &[("minutes", &minutes)]));
            identify_form(turn, flow, typed_order, typed_email, None, None);
            return Ok(());
        }
    };
    let found = match stores::of(turn.state, turn.site).find(number, &email).await {
        Ok(found) => found,
        Err(e) => {
            // Not the shopper's failure: the slot is given back.
            attempt.succeeded();
            return store_failed(turn, flow, Some(number.0), &email, &Failure::Unreachable(e))
                .await;
        }
    };
    let Some(found) = found else {
        attempt.failed();
        tracing::info!(site = turn.site.id, order = number.0, %client, "order lookup failed");
        turn.say(t.not_found);
        identify_form(turn, flow, typed_order, typed_email, None, None);
        return Ok(());
    };
    attempt.succeeded();
    turn.session.email = Some(email);
    order_step_on(turn, flow, found).await?;
    offer_another_order(turn, flow);
    Ok(())
}

/// After a flow started on an order, the shopper may mean another one (placed
/// with another email): offer it before "Something else".
fn offer_another_order(turn: &mut Turn<'_>, flow: &str) {
    let label = turn.t().another_order;
    if let Some(prompt) = turn.reply.prompt.as_mut()
        && prompt.choices.last().is_some_and(|c| c.action == "menu")
    {
        let at = prompt.choices.len() - 1;
        prompt
            .choices
            .insert(at, Choice::new(format!("identify:{flow}"), label));
    }
}

/// Runs `step` on order `number` if this session proved it, else asks to prove it.
async fn order_step(turn: &mut Turn<'_>, step: &str, number: u32) -> Result<(), AppError> {
    let found = match turn.session.email.clone() {
        Some(email) => {
            let source = stores::of(turn.state, turn.site);
            match source.find(OrderNumber(number), &email).await {
                Ok(found) => found,
                Err(e) => {
                    let flow = step.split('-').next().unwrap_or(step);
                    let failure = Failure::Unreachable(e);
                    return store_failed(turn, flow, Some(number), &email, &failure).await;
                }
            }
        }
        None => None,
    };
    let Some(found) = found else {
        let flow = step.split('-').next().unwrap_or(step);
        let t = turn.t();
        turn.say(t.ask_order);
        identify_form(turn, flow, number_text(number), String::new(), None, None);
        return Ok(());
    };
    order_step_on(turn, step, found).await
}

/// Runs `step` on `found`, an order this session proved.
async fn order_step_on(turn: &mut Turn<'_>, step: &str, found: StoreOrder) -> Result<(), AppError> {
    let number = found.view.number.0;
    let order = found.view.clone();
    match step {
        "track" => {
            track(turn, &order);
            records::outcome(&turn.state.db, &turn.site.id, "track", "resolved").await?;
        }
        "return" => return_form(turn, &order, None),
        "return-items" => return_items(turn, &order),
        "return-confirm" => return_confirm(turn, &found).await?,
        "cancel" => cancel(turn, &order),
        "cancel-confirm" => cancel_confirm(turn, &found).await?,
        "cancel-keep" => {
            let t = turn.t();
            turn.say(fill(t.cancel_kept, &[("number", &number_text(number))]));
        }
        "report" => report_form(turn, &order, None),
        "report-send" => report_send(turn, &order).await?,
        _ => unknown(turn),
    }
    Ok(())
}

/// What an order's owner can do next, by its state.
fn next_steps(turn: &Turn<'_>, order: &OrderView) -> Vec<Choice> {
    let t = turn.t();
    let n = order.number.0;
    let mut choices = match order.state {
        OrderState::Unfulfilled => vec![Choice::new(format!("cancel:{n}"), t.cancel_order)],
        OrderState::InTransit => vec![Choice::new(format!("report:{n}"), t.report_issue)],
        OrderState::Delivered => vec![
            Choice::new(format!("return:{n}"), t.return_items),
            Choice::new(format!("report:{n}"), t.report_issue),
        ],
        OrderState::Cancelled => vec![],
    };
    choices.push(turn.human_choice());
    choices.push(turn.menu_choice());
    choices
}

// ---------------------------------------------------------------------------
// Track.

fn event_text(t: &Text, kind: TrackingEventKind) -> &'static str {
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

fn track(turn: &mut Turn<'_>, order: &OrderView) {
    let t = turn.t();
    turn.reply.said.push(Said {
        text: fill(t.track_intro, &[("number", &order.number.to_string())]),
        card: Some(order_card(t, order)),
    });
    let choices = next_steps(turn, order);
    turn.choices(choices);
}

// ---------------------------------------------------------------------------
// Return.

/// Refusals that apply to the whole order, worded.
fn return_refusal(
    t: &Text,
    order: &OrderView,
    why: ReturnRefusal,
    window: u32,
    now: i64,
) -> String {
    let number = order.number.to_string();
    let window = window.to_string();
    match why {
        ReturnRefusal::OutsideWindow => {
            let days = order
                .delivered_at
                .map_or(0, |at| (now - at) / DAY)
                .to_string();
            fill(
                t.return_outside_window,
                &[("number", &number), ("days", &days), ("window", &window)],
            )
        }
        ReturnRefusal::NotDelivered => fill(
            t.return_not_delivered,
            &[("number", &number), ("window", &window)],
        ),
        ReturnRefusal::Cancelled => fill(t.return_cancelled, &[("number", &number)]),
        ReturnRefusal::FinalSale => fill(t.return_nothing_eligible, &[("number", &number)]),
    }
}

/// Submitted values of the item form and why they were refused.
#[derive(Default)]
struct ReturnDraft {
    quantities: Vec<String>,
    reason: String,
    comment: String,
    quantity_errors: Vec<Option<String>>,
    reason_error: Option<&'static str>,
    comment_error: Option<String>,
}

/// Explains exclusions and asks for items, quantities, a reason and a comment.
fn return_form(turn: &mut Turn<'_>, order: &OrderView, draft: Option<ReturnDraft>) {
    let t = turn.t();
    let policy = &turn.site.config.policy;
    let now = crate::db::now();
    let verdicts = policy::returnable_items(order, policy, now);
    let eligible: Vec<_> = verdicts.iter().filter(|v| v.verdict.is_ok()).collect();
    if draft.is_none() {
        // Say once why anything is left out.
        let whole_order = verdicts
            .first()
            .and_then(|v| v.verdict.err())
            .filter(|why| *why != ReturnRefusal::FinalSale);
        if let Some(why) = whole_order {
            let text = return_refusal(t, order, why, policy.return_window_days, now);
            turn.say(text);
            let choices = vec![turn.human_choice(), turn.menu_choice()];
            turn.choices(choices);
            return;
        }
        for v in &verdicts {
            if v.verdict == Err(ReturnRefusal::FinalSale) {
                turn.say(fill(t.return_final_sale, &[("title", &v.item.title)]));
            }
        }
        if eligible.is_empty() {
            let text = return_refusal(t, order, ReturnRefusal::FinalSale, 0, now);
            turn.say(text);
            let choices = vec![turn.human_choice(), turn.menu_choice()];
            turn.choices(choices);
            return;
        }
        turn.say(fill(
            t.return_pick,
            &[("number", &order.number.to_string())],
        ));
    }
    let draft = draft.unwrap_or_default();
    let mut fields: Vec<Field> = eligible
        .iter()
        .enumerate()
        .map(|(i, v)| Field {
            name: format!("qty:{i}"),
            label: v.item.title.clone(),
            kind: FieldKind::Quantity,
            hint: Some(fill(
                t.return_quantity_hint,
                &[("max", &v.item.quantity.to_string())],
            )),
            error: draft.quantity_errors.get(i).cloned().flatten(),
            value: draft
                .quantities
                .get(i)
                .cloned()
                .unwrap_or_else(|| "0".into()),
            max: v.item.quantity,
            ..Field::default()
        })
        .collect();
    let mut reasons = vec![Choice::new("", t.choose_one)];
    reasons.extend(
        turn.site
            .config
            .policy
            .return_reasons
            .iter()
            .map(|r| Choice::new(r.as_str(), reason_label(t, *r))),
    );
    fields.push(Field {
        name: "reason".into(),
        label: t.return_reason.into(),
        kind: FieldKind::Select,
        error: draft.reason_error.map(Into::into),
        value: draft.reason,
        options: reasons,
        required: true,
        ..Field::default()
    });
    fields.push(Field {
        name: "comment".into(),
        label: t.return_comment.into(),
        kind: FieldKind::LongText,
        error: draft.comment_error,
        value: draft.comment,
        max: MAX_COMMENT_CHARS as u32,
        ..Field::default()
    });
    turn.form(
        t.return_items,
        format!("return-items:{}", order.number.0),
        fields,
        t.return_review,
    );
}

/// Checks the item form; on success keeps it pending and asks to confirm.
fn return_items(turn: &mut Turn<'_>, order: &OrderView) {
    let t = turn.t();
    let policy = &turn.site.config.policy;
    let verdicts = policy::returnable_items(order, policy, crate::db::now());
    let eligible: Vec<_> = verdicts.iter().filter(|v| v.verdict.is_ok()).collect();
    if eligible.is_empty() {
        return_form(turn, order, None);
        return;
    }
    let mut draft = ReturnDraft {
        reason: turn.request.value("reason").to_owned(),
        comment: turn.request.value("comment").trim().to_owned(),
        ..ReturnDraft::default()
    };
    let mut chosen = Vec::new();
    let mut any_error = false;
    for (i, v) in eligible.iter().enumerate() {
        let typed = turn.request.value(&format!("qty:{i}")).trim().to_owned();
        let parsed = if typed.is_empty() {
            Ok(0)
        } else {
            typed.parse::<u32>()
        };
        match parsed {
            Ok(q) if q <= v.item.quantity => {
                draft.quantity_errors.push(None);
                if q > 0 {
                    chosen.push((v.item.sku.clone(), v.item.title.clone(), q));
                }
            }
            _ => {
                any_error = true;
                draft.quantity_errors.push(Some(fill(
                    t.return_bad_quantity,
                    &[("max", &v.item.quantity.to_string())],
                )));
            }
        }
        draft.quantities.push(typed);
    }
    if !any_error && chosen.is_empty() {
        any_error = true;
        if let Some(first) = draft.quantity_errors.first_mut() {
            *first = Some(t.return_none_selected.into());
        }
    }
    let reason = ReturnReason::from_name(&draft.reason)
        .filter(|r| turn.site.config.policy.return_reasons.contains(r));
    if reason.is_none() {
        any_error = true;
        draft.reason_error = Some(t.reason_required);
    }
    if draft.comment.chars().count() > MAX_COMMENT_CHARS {
        any_error = true;
        draft.comment_error = Some(fill(t.too_long, &[("max", &MAX_COMMENT_CHARS.to_string())]));
    }
    let Some(reason) = reason.filter(|_| !any_error) else {
        return_form(turn, order, Some(draft));
        return;
    };
    let reason_label = reason_label(t, reason);
    let items = chosen
        .iter()
        .map(|(_, title, q)| format!("{title} × {q}"))
        .collect::<Vec<_>>()
        .join(", ");
    turn.reply.echo = Some(format!("{items} · {reason_label}"));
    let number = order.number.0;
    turn.session.pending = Some(Pending::Return {
        order: number,
        items: chosen,
        reason: reason.as_str().into(),
        comment: draft.comment,
    });
    turn.say(fill(
        t.return_summary,
        &[
            ("number", &order.number.to_string()),
            ("items", &items),
            ("reason", reason_label),
        ],
    ));
    turn.choices(vec![
        Choice::primary(format!("return-confirm:{number}"), t.return_confirm),
        Choice::new(format!("return:{number}"), t.change),
        turn.menu_choice(),
    ]);
}

/// Stores the pending return after checking it still holds.
async fn return_confirm(turn: &mut Turn<'_>, found: &StoreOrder) -> Result<(), AppError> {
    let t = turn.t();
    let order = &found.view;
    let pending = turn.session.pending.take();
    let Some(pending @ Pending::Return { order: n, .. }) = pending else {
        return_form(turn, order, None);
        return Ok(());
    };
    let Pending::Return { items, .. } = &pending;
    let verdicts = policy::returnable_items(order, &turn.site.config.policy, crate::db::now());
    let still_ok = n == order.number.0
        && items.iter().all(|(sku, _, q)| {
            verdicts
                .iter()
                .any(|v| v.verdict.is_ok() && v.item.sku == *sku && *q <= v.item.quantity)
        });
    if !still_ok {
        return_form(turn, order, None);
        return Ok(());
    }
    if turn.over_limit(Write::Ticket) {
        return_form(turn, order, None);
        return Ok(());
    }
    let email = turn.session.email.clone().unwrap_or_default();
    // The same items and reason for the same order are one return, however
    // often the button is pressed.
    let key = format!(
        "return:{n}:{}",
        crate::agents::token_digest(&format!("{pending:?}"))
    );
    let source = stores::of(turn.state, turn.site);
    let reference = match source.request_return(found, &email, &pending, &key).await {
        Ok(Returned::Requested { reference }) => reference,
        Ok(Returned::Refused(why)) => {
            return store_failed(turn, "return", Some(n), &email, &Failure::Refused(why)).await;
        }
        Err(e) => {
            return store_failed(turn, "return", Some(n), &email, &Failure::Unreachable(e)).await;
        }
    };
    let Pending::Return { items, comment, .. } = &pending;
    let request = crate::email::compose::ReturnRequest {
        number: n,
        items,
        comment,
    };
    crate::email::return_received(
        turn.state, turn.site, turn.lang, &reference, &email, request,
    )
    .await;
    records::outcome(&turn.state.db, &turn.site.id, "return", "resolved").await?;
    tracing::info!(
        site = turn.site.id,
        order = n,
        reference,
        "return requested"
    );
    turn.say(fill(
        t.return_done,
        &[("reference", &reference), ("email", &email)],
    ));
    Ok(())
}

// ---------------------------------------------------------------------------
// Cancel.

fn cancel_refusal(turn: &mut Turn<'_>, order: &OrderView, why: CancelRefusal) {
    let t = turn.t();
    let number = order.number.to_string();
    let n = order.number.0;
    let policy = &turn.site.config.policy;
    let (text, mut choices) = match why {
        CancelRefusal::Shipped => (
            fill(
                t.cancel_shipped,
                &[
                    ("number", &number),
                    ("window", &policy.return_window_days.to_string()),
                ],
            ),
            vec![Choice::new(
                format!("track:{n}"),
                t.order_heading.replace("{number}", &number),
            )],
        ),
        CancelRefusal::Delivered => (
            fill(t.cancel_delivered, &[("number", &number)]),
            vec![Choice::new(format!("return:{n}"), t.return_items)],
        ),
        CancelRefusal::AlreadyCancelled => (fill(t.cancel_already, &[("number", &number)]), vec![]),
        CancelRefusal::TooLate => (
            fill(
                t.cancel_too_late,
                &[
                    ("number", &number),
                    (
                        "hours",
                        &policy.cancel_within_hours.unwrap_or(0).to_string(),
                    ),
                ],
            ),
            vec![],
        ),
    };
    turn.say(text);
    choices.push(turn.human_choice());
    choices.push(turn.menu_choice());
    turn.choices(choices);
}

fn cancel(turn: &mut Turn<'_>, order: &OrderView) {
    let t = turn.t();
    match policy::can_cancel(order, &turn.site.config.policy, crate::db::now()) {
        Ok(()) => {
            let n = order.number.0;
            turn.say(fill(t.cancel_ask, &[("number", &order.number.to_string())]));
            turn.choices(vec![
                Choice::primary(format!("cancel-confirm:{n}"), t.cancel_yes),
                Choice::new(format!("cancel-keep:{n}"), t.cancel_no),
            ]);
        }
        Err(why) => cancel_refusal(turn, order, why),
    }
}

async fn cancel_confirm(turn: &mut Turn<'_>, found: &StoreOrder) -> Result<(), AppError> {
    let t = turn.t();
    let order = &found.view;
    if let Err(why) = policy::can_cancel(order, &turn.site.config.policy, crate::db::now()) {
        cancel_refusal(turn, order, why);
        return Ok(());
    }
    let n = order.number.0;
    let number = order.number.to_string();
    let email = turn.session.email.clone().unwrap_or_default();
    // One key per order: a double click or a retry never cancels twice.
    let key = format!("cancel:{n}");
    match stores::of(turn.state, turn.site).cancel(found, &key).await {
        Ok(Cancelled::Done) => {
            records::outcome(&turn.state.db, &turn.site.id, "cancel", "resolved").await?;
            tracing::info!(site = turn.site.id, order = n, "order cancelled");
            turn.say(fill(t.cancel_done, &[("number", &number)]));
        }
        Ok(Cancelled::Processing) => {
            records::outcome(&turn.state.db, &turn.site.id, "cancel", "resolved").await?;
            tracing::info!(
                site = turn.site.id,
                order = n,
                "order cancel processing in the store"
            );
            turn.say(fill(t.cancel_processing, &[("number", &number)]));
        }
        Ok(Cancelled::Refused(why)) if matches!(found.refs, stores::Refs::None) => {
            // The demo tables: someone else changed it in between.
            tracing::info!(site = turn.site.id, order = n, why, "cancel refused");
            cancel_refusal(turn, order, CancelRefusal::AlreadyCancelled);
        }
        Ok(Cancelled::Refused(why)) => {
            return store_failed(turn, "cancel", Some(n), &email, &Failure::Refused(why)).await;
        }
        Err(e) => {
            return store_failed(turn, "cancel", Some(n), &email, &Failure::Unreachable(e)).await;
        }
    }
    Ok(())
}

/// Why a store did not do what the shopper asked.
enum Failure {
    /// It could not be reached or failed.
    Unreachable(stores::StoreError),
    /// It said no, and why.
    Refused(String),
}

/// The store failed the shopper: say so, and hand the request to a person as
/// a ticket carrying the store's error and the steps taken, so nothing the
/// shopper did is lost and nothing false is claimed.
async fn store_failed(
    turn: &mut Turn<'_>,
    flow: &str,
    number: Option<u32>,
    email: &str,
    failure: &Failure,
) -> Result<(), AppError> {
    let t = turn.t();
    let source = turn.site.config.order_source.kind();
    let order = number.map(|n| format!(" order #{n}")).unwrap_or_default();
    let body = match failure {
        Failure::Unreachable(e) => {
            tracing::warn!(site = turn.site.id, source, flow, error = %e, "the store failed self-service");
            format!("Self-service could not {flow}{order}: the store ({source}) failed: {e}")
        }
        Failure::Refused(why) => {
            tracing::info!(site = turn.site.id, source, flow, why, "the store refused");
            format!("Self-service asked the store ({source}) to {flow}{order}; it refused: {why}")
        }
    };
    if turn.over_limit(Write::Ticket) {
        return Ok(());
    }
    let steps = turn.session.steps.clone();
    let ticket = NewTicket {
        kind: "message",
        order: number,
        email,
        issue: None,
        body: &body,
        steps: &steps,
    };
    let reference = records::create_ticket(&turn.state.db, &turn.site.id, &ticket).await?;
    // The ticket's text is the server's (the store's error), not the shopper's.
    crate::email::ticket_received(turn.state, turn.site, turn.lang, &reference, email, None).await;
    records::outcome(&turn.state.db, &turn.site.id, flow, "handoff").await?;
    let number = number.map(number_text).unwrap_or_default();
    let values = [
        ("number", number.as_str()),
        ("reference", &reference),
        ("email", email),
    ];
    turn.say(match failure {
        Failure::Unreachable(_) => fill(t.store_unreachable, &values),
        Failure::Refused(_) => fill(t.store_refused, &values),
    });
    turn.choices(vec![turn.human_choice(), turn.menu_choice()]);
    Ok(())
}

// ---------------------------------------------------------------------------
// Report an issue.

fn issue_label(t: &Text, kind: IssueKind) -> &'static str {
    let i = match kind {
        IssueKind::Late => 0,
        IssueKind::Lost => 1,
        IssueKind::Damaged => 2,
        IssueKind::Defective => 3,
        IssueKind::WrongItem => 4,
        IssueKind::MissingItem => 5,
        IssueKind::NotReceived => 6,
    };
    t.issues[i]
}

/// Submitted values of the report form and why they were refused.
struct ReportDraft {
    kind: String,
    description: String,
    kind_error: Option<&'static str>,
    description_error: Option<String>,
}

fn report_form(turn: &mut Turn<'_>, order: &OrderView, draft: Option<ReportDraft>) {
    let t = turn.t();
    let kinds = policy::issue_kinds_for(order.state, &turn.site.config.policy);
    if kinds.is_empty() {
        turn.say(fill(
            t.report_not_shipped,
            &[("number", &order.number.to_string())],
        ));
        let choices = vec![turn.human_choice(), turn.menu_choice()];
        turn.choices(choices);
        return;
    }
    if draft.is_none() {
        turn.say(fill(t.report_ask, &[("number", &order.number.to_string())]));
    }
    let draft = draft.unwrap_or(ReportDraft {
        kind: String::new(),
        description: String::new(),
        kind_error: None,
        description_error: None,
    });
    let mut options = vec![Choice::new("", t.choose_one)];
    options.extend(
        kinds
            .iter()
            .map(|k| Choice::new(k.as_str(), issue_label(t, *k))),
    );
    let fields = vec![
        Field {
            name: "kind".into(),
            label: t.report_kind.into(),
            kind: FieldKind::Select,
            error: draft.kind_error.map(Into::into),
            value: draft.kind,
            options,
            required: true,
            ..Field::default()
        },
        Field {
            name: "description".into(),
            label: t.report_description.into(),
            kind: FieldKind::LongText,
            hint: Some(fill(
                t.report_description_hint,
                &[
                    ("min", &MIN_DESCRIPTION_CHARS.to_string()),
                    ("max", &MAX_DESCRIPTION_CHARS.to_string()),
                ],
            )),
            error: draft.description_error,
            value: draft.description,
            max: MAX_DESCRIPTION_CHARS as u32,
            required: true,
            ..Field::default()
        },
    ];
    turn.form(
        t.report_issue,
        format!("report-send:{}", order.number.0),
        fields,
        t.report_send,
    );
}

async fn report_send(turn: &mut Turn<'_>, order: &OrderView) -> Result<(), AppError> {
    let t = turn.t();
    let kind_name = turn.request.value("kind").to_owned();
    let description = turn.request.value("description").trim().to_owned();
    let kind = IssueKind::from_name(&kind_name)
        .filter(|k| policy::issue_kinds_for(order.state, &turn.site.config.policy).contains(k));
    let length = description.chars().count();
    let description_error = if length < MIN_DESCRIPTION_CHARS {
        Some(fill(
            t.too_short,
            &[("min", &MIN_DESCRIPTION_CHARS.to_string())],
        ))
    } else if length > MAX_DESCRIPTION_CHARS {
        Some(fill(
            t.too_long,
            &[("max", &MAX_DESCRIPTION_CHARS.to_string())],
        ))
    } else {
        None
    };
    let Some(kind) = kind.filter(|_| description_error.is_none()) else {
        let draft = ReportDraft {
            kind_error: kind.is_none().then_some(t.kind_required),
            kind: kind_name,
            description,
            description_error,
        };
        report_form(turn, order, Some(draft));
        return Ok(());
    };
    if turn.over_limit(Write::Ticket) {
        let draft = ReportDraft {
            kind: kind_name,
            description,
            kind_error: None,
            description_error: None,
        };
        report_form(turn, order, Some(draft));
        return Ok(());
    }
    turn.reply.echo = Some(format!("{} · {description}", issue_label(t, kind)));
    let email = turn.session.email.clone().unwrap_or_default();
    let ticket = NewTicket {
        kind: "issue",
        order: Some(order.number.0),
        email: &email,
        issue: Some(kind.as_str()),
        body: &description,
        steps: &turn.session.steps,
    };
    let reference = records::create_ticket(&turn.state.db, &turn.site.id, &ticket).await?;
    crate::email::ticket_received(
        turn.state,
        turn.site,
        turn.lang,
        &reference,
        &email,
        Some(&description),
    )
    .await;
    records::outcome(&turn.state.db, &turn.site.id, "report", "handoff").await?;
    tracing::info!(
        site = turn.site.id,
        order = order.number.0,
        reference,
        "issue reported"
    );
    turn.say(fill(
        t.report_done,
        &[
            ("reference", &reference),
            ("number", &order.number.to_string()),
            ("email", &email),
        ],
    ));
    Ok(())
}

// ---------------------------------------------------------------------------
// Quick answers.

fn faq_list(turn: &mut Turn<'_>) {
    let t = turn.t();
    let locale = turn.request.locale.clone();
    let mut choices: Vec<Choice> = turn
        .site
        .config
        .faq
        .iter()
        .map(|entry| {
            Choice::new(
                format!("faq:{}", entry.id),
                localized_faq(&entry.question, &locale),
            )
        })
        .collect();
    turn.say(if choices.is_empty() {
        t.faq_empty
    } else {
        t.faq_intro
    });
    choices.push(turn.human_choice());
    choices.push(turn.menu_choice());
    turn.reply.prompt = Some(Prompt {
        label: t.faq_label.into(),
        form: None,
        choices,
    });
}

fn faq_answer(turn: &mut Turn<'_>, id: &str) {
    let t = turn.t();
    let Some(entry) = turn.site.config.faq.iter().find(|e| e.id == id) else {
        return unknown(turn);
    };
    let answer = localized_faq(&entry.answer, &turn.request.locale);
    turn.say(answer);
    turn.say(t.helpful_ask);
    turn.choices(vec![
        Choice::new(format!("helpful:{id}:yes"), t.helpful_yes),
        Choice::new(format!("helpful:{id}:no"), t.helpful_no),
        turn.human_choice(),
        turn.menu_choice(),
    ]);
}

async fn helpful(turn: &mut Turn<'_>, rest: &str) -> Result<(), AppError> {
    let t = turn.t();
    let Some((id, answer)) = rest.rsplit_once(':') else {
        unknown(turn);
        return Ok(());
    };
    if !turn.site.config.faq.iter().any(|e| e.id == id) || !matches!(answer, "yes" | "no") {
        unknown(turn);
        return Ok(());
    }
    let yes = answer == "yes";
    // Over the limit, the answer is thanked but not counted (no one can skew the stats).
    let counted =
        crate::limits::allow(turn.state, Write::Feedback, &turn.site.id, turn.client).is_ok();
    if counted {
        records::faq_feedback(&turn.state.db, &turn.site.id, id, yes).await?;
    }
    if yes {
        if counted {
            records::outcome(&turn.state.db, &turn.site.id, "faq", "resolved").await?;
        }
        turn.say(t.helpful_thanks);
    } else {
        turn.say(t.helpful_sorry);
        let choices = vec![turn.human_choice(), turn.menu_choice()];
        turn.choices(choices);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// A message to the team (what "Talk to a person" leads to until live chat).

/// Submitted values of the message form and why they were refused.
struct MessageDraft {
    email: String,
    message: String,
    email_error: Option<&'static str>,
    message_error: Option<String>,
}

fn message_form(turn: &mut Turn<'_>, refused: Option<MessageDraft>) {
    let t = turn.t();
    let draft = match refused {
        Some(draft) => draft,
        None => {
            match turn.site.config.back_at(crate::db::now()) {
                Some(back) => turn.reply.said.push(Said {
                    text: t.away.into(),
                    card: Some(Card {
                        title: t.back_title.into(),
                        facts: vec![Fact {
                            label: t.back_label.into(),
                            value: String::new(),
                            at: Some(back),
                            with_time: true,
                        }],
                        ..Card::default()
                    }),
                }),
                None => turn.say(t.message_intro),
            }
            MessageDraft {
                email: turn.session.email.clone().unwrap_or_default(),
                message: String::new(),
                email_error: None,
                message_error: None,
            }
        }
    };
    let MessageDraft {
        email,
        message,
        email_error,
        message_error,
    } = draft;
    let fields = vec![
        Field {
            name: "email".into(),
            label: t.email.into(),
            kind: FieldKind::Email,
            error: email_error.map(Into::into),
            value: email,
            max: MAX_EMAIL_LEN as u32,
            required: true,
            ..Field::default()
        },
        Field {
            name: "message".into(),
            label: t.message.into(),
            kind: FieldKind::LongText,
            error: message_error,
            value: message,
            max: MAX_MESSAGE_CHARS as u32,
            required: true,
            ..Field::default()
        },
    ];
    turn.form(t.talk_to_person, "message".into(), fields, t.message_send);
}

async fn send_message(turn: &mut Turn<'_>) -> Result<(), AppError> {
    let t = turn.t();
    let typed_email = turn.request.value("email").trim().to_owned();
    let message = turn.request.value("message").trim().to_owned();
    let email = normalize_email(&typed_email);
    let email_error = match email {
        Err(EmailError::Empty) => Some(t.error_email_empty),
        Err(_) => Some(t.error_email_format),
        Ok(_) => None,
    };
    let message_error = if message.is_empty() {
        Some(t.message_empty.to_owned())
    } else if message.chars().count() > MAX_MESSAGE_CHARS {
        Some(fill(t.too_long, &[("max", &MAX_MESSAGE_CHARS.to_string())]))
    } else {
        None
    };
    let (Ok(email), None) = (email, &message_error) else {
        let draft = MessageDraft {
            email: typed_email,
            message,
            email_error,
            message_error,
        };
        message_form(turn, Some(draft));
        return Ok(());
    };
    if turn.over_limit(Write::Ticket) {
        let draft = MessageDraft {
            email: typed_email,
            message,
            email_error: None,
            message_error: None,
        };
        message_form(turn, Some(draft));
        return Ok(());
    }
    turn.reply.echo = Some(message.clone());
    let steps = turn.session.steps.clone();
    let ticket = NewTicket {
        kind: "message",
        order: None,
        email: &email,
        issue: None,
        body: &message,
        steps: &steps,
    };
    let reference = records::create_ticket(&turn.state.db, &turn.site.id, &ticket).await?;
    crate::email::ticket_received(
        turn.state,
        turn.site,
        turn.lang,
        &reference,
        &email,
        Some(&message),
    )
    .await;
    records::outcome(&turn.state.db, &turn.site.id, "message", "handoff").await?;
    tracing::info!(site = turn.site.id, reference, "message left for the team");
    turn.say(fill(
        t.message_done,
        &[("reference", &reference), ("email", &email)],
    ));
    Ok(())
}

/// The shopper-facing label of a return reason.
fn reason_label(t: &Text, reason: ReturnReason) -> &'static str {
    ReturnReason::ALL
        .iter()
        .position(|r| *r == reason)
        .map_or("", |i| t.reasons[i])
}
