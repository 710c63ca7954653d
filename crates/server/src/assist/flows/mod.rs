//! The self-service flows, one function per step and one file per flow
//! ([`order`] the proof and the order steps' dispatch, [`track`],
//! [`returns`], [`cancel`], [`report`], [`faq`], [`message`]). Each step
//! reads the request, re-checks proof and policy, writes what it creates, and
//! fills the reply.

mod cancel;
mod faq;
mod message;
mod order;
mod report;
mod returns;
mod track;

use cancel::*;
use faq::*;
use message::*;
use order::*;
use report::*;
use returns::*;
use track::*;

use super::Turn;
use crate::error::AppError;
use crate::limits::Write;
use crate::proof::Proof;
use crate::records::{self, NewTicket, Pending};
use crate::sites::localized as localized_faq;
use crate::stores::{self, Cancelled, OrderSource, Returned, StoreOrder};
use crate::text::{Text, fill};
use aisle_core::assist::{
    Action, Card, Choice, Fact, Field, FieldKind, Link, OrderFlow, OrderStep, Prompt, Said,
};
use aisle_core::order::{
    EmailError, MAX_EMAIL_LEN, OrderNumber, OrderNumberError, OrderState, OrderView,
    TrackingEventKind, normalize_email,
};
use aisle_core::policy::{
    self, CancelRefusal, IssueKind, MAX_COMMENT_CHARS, MAX_DESCRIPTION_CHARS,
    MIN_DESCRIPTION_CHARS, ReturnReason, ReturnRefusal,
};

/// Longest message to the team, in characters.
const MAX_MESSAGE_CHARS: usize = 2000;
const DAY: i64 = 86_400;

/// Runs the step the request names.
pub async fn run(turn: &mut Turn<'_>) -> Result<(), AppError> {
    let action = turn.request.requested();
    // A menu entry starts a flow; how it ends is recorded where it ends.
    let started = match &action {
        Action::Start(flow) => Some(flow.as_str()),
        Action::Faqs => Some("faq"),
        Action::Human => Some("message"),
        _ => None,
    };
    if let Some(flow) = started {
        records::outcome(&turn.state.db, &turn.site.id, flow, "started").await?;
    }
    match action {
        Action::Menu => {}
        Action::Start(flow) => choose_order(turn, flow).await?,
        Action::Identify(flow) => identify(turn, flow).await?,
        Action::Step(step, number) => order_step(turn, step, number).await?,
        Action::Faqs => faq_list(turn),
        Action::Faq(id) => faq_answer(turn, &id),
        Action::Helpful { faq, yes } => helpful(turn, &faq, yes).await?,
        Action::Human => message_form(turn, None),
        Action::Message => send_message(turn).await?,
        Action::Unknown(_) => unknown(turn),
    }
    Ok(())
}

fn unknown(turn: &mut Turn<'_>) {
    let t = turn.t();
    turn.say(t.unknown_action);
}

fn state_text<'t>(t: &Text<'t>, state: OrderState) -> &'t str {
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
