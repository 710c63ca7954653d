//! A ticket's email thread under its row in the Tickets view: the replies
//! agents sent (with each email's state) and the shopper's answers that came
//! back by email, the ticket's state (open, pending, solved) and assignee,
//! and a box to answer by email.

use crate::api::{self, CallError, EmailStatus, TicketThread};
use crate::dates;
use crate::i18n::{Strings, fill};
use crate::state::{Console, kept};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Longest reply, as the server allows.
const MAX_REPLY_CHARS: usize = 10_000;

/// Says what a failed call means.
fn refused(console: Console, error: CallError) {
    let s = console.strings();
    match error {
        CallError::Unauthorized => console.reconnect(),
        CallError::Api(e) => console.announce(fill(s.notice_error, &[("message", &e.message)])),
        _ => console.announce(s.network_error.to_owned()),
    }
}

/// The thread of ticket `reference`, whose shopper is `email`.
#[component]
pub fn TicketThreadView(reference: String, email: String) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let locale = console.locale().tag();
    let thread = RwSignal::new(None::<Result<TicketThread, ()>>);
    let draft = kept(format!("ticket-reply:{reference}"), String::new);
    let busy = RwSignal::new(false);
    let load = {
        let reference = reference.clone();
        move || {
            let reference = reference.clone();
            spawn_local(async move {
                match api::ticket_thread(&reference).await {
                    Ok(t) => thread.set(Some(Ok(t))),
                    Err(CallError::Unauthorized) => console.reconnect(),
                    Err(_) => thread.set(Some(Err(()))),
                }
            });
        }
    };
    load();
    let send = {
        let (reference, load) = (reference.clone(), load.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = draft.get_untracked().trim().to_owned();
            if body.is_empty() || body.chars().count() > MAX_REPLY_CHARS || busy.get_untracked() {
                return;
            }
            busy.set(true);
            let (reference, load) = (reference.clone(), load.clone());
            spawn_local(async move {
                match api::reply_to_ticket(&reference, &body).await {
                    Ok(()) => {
                        draft.set(String::new());
                        console.announce(fill(s.notice_replied, &[("reference", &reference)]));
                        load();
                    }
                    Err(e) => refused(console, e),
                }
                busy.set(false);
            });
        }
    };
    let change_state = {
        let (reference, load) = (reference.clone(), load.clone());
        move |ev: leptos::ev::Event| {
            let state = event_target_value(&ev);
            let (reference, load) = (reference.clone(), load.clone());
            spawn_local(async move {
                match api::set_ticket_state(&reference, &state).await {
                    Ok(()) => load(),
                    Err(e) => refused(console, e),
                }
            });
        }
    };
    let id = format!("thread-{reference}");
    let state_id = format!("{id}-state");
    let reply_id = format!("{id}-reply");
    let body = move || match thread.get() {
        None => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Some(Err(())) => view! { <p class="error">{s.network_error}</p> }.into_any(),
        Some(Ok(t)) => {
            let assignee = t
                .assignee
                .as_deref()
                .map(|name| fill(s.assigned_to, &[("name", name)]));
            let messages = if t.messages.is_empty() {
                view! { <p class="muted small">{s.no_thread}</p> }.into_any()
            } else {
                let items = t
                    .messages
                    .into_iter()
                    .map(|m| {
                        let who = if m.direction == "shopper" {
                            s.from_shopper.to_owned()
                        } else {
                            m.agent.clone().unwrap_or_default()
                        };
                        let email = (m.direction == "agent")
                            .then(|| email_text(s, m.email_status.as_ref()));
                        view! {
                            <li>
                                <p class="muted small">
                                    {who} " · "
                                    <time datetime=dates::iso(m.created_at)>
                                        {dates::day_and_time(m.created_at, locale)}
                                    </time>
                                    {email.map(|(text, failed)| view! {
                                        " · " <span class:error=failed>{text}</span>
                                    })}
                                </p>
                                <p class="body">{m.body}</p>
                            </li>
                        }
                    })
                    .collect_view();
                view! { <ol class="thread">{items}</ol> }.into_any()
            };
            let status = t.status.clone();
            let option = move |value: &'static str, label: &'static str| {
                // "Mark done" (status `done`) is solved too.
                let selected = status == value || (value == "solved" && status == "done");
                view! { <option value=value selected=selected>{label}</option> }
            };
            view! {
                <p>
                    <label for=state_id.clone()>{s.ticket_state}</label>
                    " "
                    <select id=state_id.clone() on:change=change_state.clone()>
                        {option("open", s.state_open)}
                        {option("pending", s.state_pending)}
                        {option("solved", s.state_solved)}
                    </select>
                    {assignee.map(|a| view! { " " <span class="muted small">{a}</span> })}
                </p>
                {messages}
            }
            .into_any()
        }
    };
    view! {
        <section class="ticket-thread" aria-label=fill(s.ticket_thread, &[("reference", &reference)])>
            {body}
            <form on:submit=send>
                <label for=reply_id.clone()>{fill(s.ticket_reply_label, &[("email", &email)])}</label>
                <textarea
                    id=reply_id.clone()
                    rows="3"
                    maxlength=MAX_REPLY_CHARS.to_string()
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                ></textarea>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {s.send_reply}
                </button>
            </form>
        </section>
    }
}

/// What the tickets list says about a ticket's automatic email, and whether
/// it failed for good (shown as an error).
pub fn email_text(s: &Strings, status: Option<&EmailStatus>) -> (String, bool) {
    let Some(status) = status else {
        return (s.email_none.to_owned(), false);
    };
    let error = status.error.as_deref().unwrap_or_default();
    match status.state.as_str() {
        "sent" => (s.email_sent.to_owned(), false),
        "failed" => (fill(s.email_failed, &[("error", error)]), true),
        _ if status.attempts > 0 => (
            fill(
                s.email_retrying,
                &[("attempts", &status.attempts.to_string()), ("error", error)],
            ),
            false,
        ),
        _ => (s.email_queued.to_owned(), false),
    }
}
