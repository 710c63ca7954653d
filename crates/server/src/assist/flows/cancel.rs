//! Cancel an order: why not, the confirmation, and the cancellation in the
//! store.

use super::*;

pub(super) fn cancel_refusal(turn: &mut Turn<'_>, order: &OrderView, why: CancelRefusal) {
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
                Action::Step(OrderStep::Track, n),
                t.order_heading.replace("{number}", &number),
            )],
        ),
        CancelRefusal::Delivered => (
            fill(t.cancel_delivered, &[("number", &number)]),
            vec![Choice::new(
                Action::Step(OrderStep::Return, n),
                t.return_items,
            )],
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

pub(super) fn cancel(turn: &mut Turn<'_>, order: &OrderView) {
    let t = turn.t();
    match policy::can_cancel(order, &turn.site.config.policy, crate::db::now()) {
        Ok(()) => {
            let n = order.number.0;
            turn.say(fill(t.cancel_ask, &[("number", &order.number.to_string())]));
            turn.choices(vec![
                Choice::primary(Action::Step(OrderStep::CancelConfirm, n), t.cancel_yes),
                Choice::new(Action::Step(OrderStep::CancelKeep, n), t.cancel_no),
            ]);
        }
        Err(why) => cancel_refusal(turn, order, why),
    }
}

pub(super) async fn cancel_confirm(
    turn: &mut Turn<'_>,
    found: &StoreOrder,
) -> Result<(), AppError> {
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
