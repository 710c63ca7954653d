//! A message to the team: the form and the ticket it makes.

use super::*;

/// Submitted values of the message form and why they were refused.
pub(super) struct MessageDraft {
    email: String,
    message: String,
    email_error: Option<String>,
    message_error: Option<String>,
}

pub(super) fn message_form(turn: &mut Turn<'_>, refused: Option<MessageDraft>) {
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
            error: email_error,
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
    turn.form(t.talk_to_person, Action::Message, fields, t.message_send);
}

pub(super) async fn send_message(turn: &mut Turn<'_>) -> Result<(), AppError> {
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
            email_error: email_error.map(Into::into),
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
