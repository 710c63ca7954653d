//! Report a problem with an order: the kinds its state allows, the form,
//! and the ticket.

use super::*;

pub(super) fn issue_label<'t>(t: &Text<'t>, kind: IssueKind) -> &'t str {
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
pub(super) struct ReportDraft {
    kind: String,
    description: String,
    kind_error: Option<String>,
    description_error: Option<String>,
}

pub(super) fn report_form(turn: &mut Turn<'_>, order: &OrderView, draft: Option<ReportDraft>) {
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
            .map(|k| Choice::new(k.as_str(), issue_label(&t, *k))),
    );
    let fields = vec![
        Field {
            name: "kind".into(),
            label: t.report_kind.into(),
            kind: FieldKind::Select,
            error: draft.kind_error,
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
        Action::Step(OrderStep::ReportSend, order.number.0),
        fields,
        t.report_send,
    );
}

pub(super) async fn report_send(turn: &mut Turn<'_>, order: &OrderView) -> Result<(), AppError> {
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
            kind_error: kind.is_none().then(|| t.kind_required.into()),
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
    turn.reply.echo = Some(format!("{} · {description}", issue_label(&t, kind)));
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
