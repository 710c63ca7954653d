//! Return items: what may be returned and why not, the item form, and the
//! return request (in the store, or as an Aisle return).

use super::*;

/// Refusals that apply to the whole order, worded.
pub(super) fn return_refusal(
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
pub(super) struct ReturnDraft {
    quantities: Vec<String>,
    reason: String,
    comment: String,
    quantity_errors: Vec<Option<String>>,
    reason_error: Option<String>,
    comment_error: Option<String>,
}

/// Explains exclusions and asks for items, quantities, a reason and a comment.
pub(super) fn return_form(turn: &mut Turn<'_>, order: &OrderView, draft: Option<ReturnDraft>) {
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
            let text = return_refusal(&t, order, why, policy.return_window_days, now);
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
            let text = return_refusal(&t, order, ReturnRefusal::FinalSale, 0, now);
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
            .map(|r| Choice::new(r.as_str(), reason_label(&t, *r))),
    );
    fields.push(Field {
        name: "reason".into(),
        label: t.return_reason.into(),
        kind: FieldKind::Select,
        error: draft.reason_error,
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
        Action::Step(OrderStep::ReturnItems, order.number.0),
        fields,
        t.return_review,
    );
}

/// Checks the item form; on success keeps it pending and asks to confirm.
pub(super) fn return_items(turn: &mut Turn<'_>, order: &OrderView) {
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
        draft.reason_error = Some(t.reason_required.into());
    }
    if draft.comment.chars().count() > MAX_COMMENT_CHARS {
        any_error = true;
        draft.comment_error = Some(fill(t.too_long, &[("max", &MAX_COMMENT_CHARS.to_string())]));
    }
    let Some(reason) = reason.filter(|_| !any_error) else {
        return_form(turn, order, Some(draft));
        return;
    };
    let reason_label = reason_label(&t, reason);
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
        Choice::primary(
            Action::Step(OrderStep::ReturnConfirm, number),
            t.return_confirm,
        ),
        Choice::new(Action::Step(OrderStep::Return, number), t.change),
        turn.menu_choice(),
    ]);
}

/// Stores the pending return after checking it still holds.
pub(super) async fn return_confirm(
    turn: &mut Turn<'_>,
    found: &StoreOrder,
) -> Result<(), AppError> {
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
    let key = format!("return:{n}:{}", crate::db::digest(&format!("{pending:?}")));
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

/// The shopper-facing label of a return reason.
pub(super) fn reason_label<'t>(t: &Text<'t>, reason: ReturnReason) -> &'t str {
    ReturnReason::ALL
        .iter()
        .position(|r| *r == reason)
        .map_or("", |i| t.reasons[i])
}
