//! Choosing and proving an order (number + email, once per session), and
//! running an order step on an order the session proved.

use super::*;

/// Starts an order flow: the proven email's orders to choose from, straight
/// to the one order when there is one, else the lookup form.
pub(super) async fn choose_order(turn: &mut Turn<'_>, flow: OrderFlow) -> Result<(), AppError> {
    let t = turn.t();
    let Some(email) = turn.session.email.clone() else {
        turn.say(t.ask_order);
        identify_form(turn, flow, String::new(), String::new(), None, None);
        return Ok(());
    };
    let orders = match stores::of(turn.state, turn.site).orders_of(&email).await {
        Ok(orders) => orders,
        Err(e) => {
            let failure = Failure::Unreachable(e);
            return store_failed(turn, flow.as_str(), None, &email, &failure).await;
        }
    };
    if let [(number, _)] = orders.as_slice() {
        order_step(turn, flow.step(), *number).await?;
        offer_another_order(turn, flow);
        return Ok(());
    }
    let mut choices: Vec<Choice> = orders
        .iter()
        .map(|(number, state)| {
            let state = OrderState::from_name(state).map_or("", |s| state_text(&t, s));
            let label = fill(
                t.order_choice,
                &[("number", &number_text(*number)), ("state", state)],
            );
            Choice::new(Action::Step(flow.step(), *number), label)
        })
        .collect();
    choices.push(Choice::new(Action::Identify(flow), t.another_order));
    choices.push(turn.menu_choice());
    turn.say(t.choose_order);
    turn.choices(choices);
    Ok(())
}

/// The order number + email form for `flow`, with what was typed and why it was refused.
pub(super) fn identify_form(
    turn: &mut Turn<'_>,
    flow: OrderFlow,
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
    turn.form(t.ask_order, Action::Identify(flow), fields, t.find_order);
}

/// Checks the lookup form, proves the order (rate-limited), then runs `flow` on it.
pub(super) async fn identify(turn: &mut Turn<'_>, flow: OrderFlow) -> Result<(), AppError> {
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

    // One limiter with `orders/lookup` (see `crate::proof`).
    let client = turn.client;
    let found = match crate::proof::prove(turn.state, turn.site, client, number, &email).await {
        Proof::Proven(found) => *found,
        Proof::Limited(wait) => {
            let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
            turn.say(fill(t.rate_limited, &[("minutes", &minutes)]));
            identify_form(turn, flow, typed_order, typed_email, None, None);
            return Ok(());
        }
        Proof::Unreachable(e) => {
            let failure = Failure::Unreachable(e);
            return store_failed(turn, flow.as_str(), Some(number.0), &email, &failure).await;
        }
        Proof::NotFound => {
            turn.say(t.not_found);
            identify_form(turn, flow, typed_order, typed_email, None, None);
            return Ok(());
        }
    };
    turn.session.email = Some(email);
    order_step_on(turn, flow.step(), found).await?;
    offer_another_order(turn, flow);
    Ok(())
}

/// After a flow started on an order, the shopper may mean another one (placed
/// with another email): offer it before "Something else".
pub(super) fn offer_another_order(turn: &mut Turn<'_>, flow: OrderFlow) {
    let label = turn.t().another_order;
    if let Some(prompt) = turn.reply.prompt.as_mut()
        && prompt
            .choices
            .last()
            .is_some_and(|c| Action::parse(&c.action) == Action::Menu)
    {
        let at = prompt.choices.len() - 1;
        prompt
            .choices
            .insert(at, Choice::new(Action::Identify(flow), label));
    }
}

/// Runs `step` on order `number` if this session proved it, else asks to prove it.
pub(super) async fn order_step(
    turn: &mut Turn<'_>,
    step: OrderStep,
    number: u32,
) -> Result<(), AppError> {
    let found = match turn.session.email.clone() {
        Some(email) => {
            let source = stores::of(turn.state, turn.site);
            match source.find(OrderNumber(number), &email).await {
                Ok(found) => found,
                Err(e) => {
                    let flow = step.flow().as_str();
                    let failure = Failure::Unreachable(e);
                    return store_failed(turn, flow, Some(number), &email, &failure).await;
                }
            }
        }
        None => None,
    };
    let Some(found) = found else {
        let flow = step.flow();
        let t = turn.t();
        turn.say(t.ask_order);
        identify_form(turn, flow, number_text(number), String::new(), None, None);
        return Ok(());
    };
    order_step_on(turn, step, found).await
}

/// Runs `step` on `found`, an order this session proved.
pub(super) async fn order_step_on(
    turn: &mut Turn<'_>,
    step: OrderStep,
    found: StoreOrder,
) -> Result<(), AppError> {
    let number = found.view.number.0;
    let order = found.view.clone();
    match step {
        OrderStep::Track => {
            track(turn, &order);
            records::outcome(&turn.state.db, &turn.site.id, "track", "resolved").await?;
        }
        OrderStep::Return => return_form(turn, &order, None),
        OrderStep::ReturnItems => return_items(turn, &order),
        OrderStep::ReturnConfirm => return_confirm(turn, &found).await?,
        OrderStep::Cancel => cancel(turn, &order),
        OrderStep::CancelConfirm => cancel_confirm(turn, &found).await?,
        OrderStep::CancelKeep => {
            let t = turn.t();
            turn.say(fill(t.cancel_kept, &[("number", &number_text(number))]));
        }
        OrderStep::Report => report_form(turn, &order, None),
        OrderStep::ReportSend => report_send(turn, &order).await?,
    }
    Ok(())
}

/// What an order's owner can do next, by its state.
pub(super) fn next_steps(turn: &Turn<'_>, order: &OrderView) -> Vec<Choice> {
    let t = turn.t();
    let n = order.number.0;
    let mut choices = match order.state {
        OrderState::Unfulfilled => vec![Choice::new(
            Action::Step(OrderStep::Cancel, n),
            t.cancel_order,
        )],
        OrderState::InTransit => vec![Choice::new(
            Action::Step(OrderStep::Report, n),
            t.report_issue,
        )],
        OrderState::Delivered => vec![
            Choice::new(Action::Step(OrderStep::Return, n), t.return_items),
            Choice::new(Action::Step(OrderStep::Report, n), t.report_issue),
        ],
        OrderState::Cancelled => vec![],
    };
    choices.push(turn.human_choice());
    choices.push(turn.menu_choice());
    choices
}
