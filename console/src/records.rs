//! The "Tickets" and "Returns" views: what shoppers left for the team
//! (reported issues, messages sent while nobody was online) and the return
//! requests self-service created, each with "Mark done". Both lists come a
//! page at a time (newest first); "Show older" appends the next page.

use crate::api::{self, CallError, ReturnRequest, Ticket};
use crate::dates;
use crate::i18n::fill;
use crate::replies::{TicketThreadView, email_text};
use crate::state::{Console, kept};
use aisle_core::agent_api::ReturnItem;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where a list stands.
#[derive(Debug, Clone, PartialEq)]
enum Loaded<T> {
    Loading,
    Ready(Vec<T>),
    Failed,
}

/// Marks `reference` done in `collection` (`tickets` or `returns`), then
/// runs `done` and announces it.
fn mark_done(
    console: Console,
    collection: &'static str,
    reference: String,
    done: impl FnOnce() + 'static,
) {
    spawn_local(async move {
        match api::mark_done(collection, &reference).await {
            Ok(()) => {
                done();
                console.announce(fill(
                    console.strings().notice_done,
                    &[("reference", &reference)],
                ));
            }
            Err(CallError::Unauthorized) => console.reconnect(),
            Err(_) => console.announce(console.strings().network_error.to_owned()),
        }
    });
}

/// `older` after `list`, leaving out references `list` already shows.
fn append<T>(list: &mut Vec<T>, older: Vec<T>, reference: impl Fn(&T) -> &str) {
    for item in older {
        if !list
            .iter()
            .any(|known| reference(known) == reference(&item))
        {
            list.push(item);
        }
    }
}

/// A list the server hands out a page at a time, newest first: the first
/// page on [`Paged::load`], older pages appended by [`Paged::more`] ("Show
/// older").
struct Paged<T: Send + Sync + 'static> {
    list: RwSignal<Loaded<T>>,
    next: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Send + Sync + 'static> Paged<T> {
    fn new() -> Self {
        Paged {
            list: RwSignal::new(Loaded::Loading),
            next: RwSignal::new(None),
            busy: RwSignal::new(false),
        }
    }

    /// (Re)loads the first page with `fetch(None)`.
    fn load<Fut>(self, fetch: impl FnOnce(Option<String>) -> Fut)
    where
        Fut: Future<Output = Result<api::Page<T>, CallError>> + 'static,
    {
        self.list.set(Loaded::Loading);
        let page = fetch(None);
        spawn_local(async move {
            self.list.set(match page.await {
                Ok(page) => {
                    self.next.set(page.next);
                    Loaded::Ready(page.items)
                }
                Err(_) => Loaded::Failed,
            });
        });
    }

    /// Appends the next older page, if any (`fetch(Some(cursor))`), skipping
    /// records already listed (by `key`).
    fn more<Fut>(
        self,
        console: Console,
        fetch: impl FnOnce(Option<String>) -> Fut,
        key: fn(&T) -> &str,
    ) where
        Fut: Future<Output = Result<api::Page<T>, CallError>> + 'static,
    {
        let Some(cursor) = self.next.get_untracked() else {
            return;
        };
        self.busy.set(true);
        let page = fetch(Some(cursor));
        spawn_local(async move {
            match page.await {
                Ok(page) => {
                    self.list.update(|l| {
                        if let Loaded::Ready(items) = l {
                            append(items, page.items, key);
                        }
                    });
                    self.next.set(page.next);
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(_) => console.announce(console.strings().network_error.to_owned()),
            }
            self.busy.set(false);
        });
    }
}

/// "Show older", while there is an older page; busy while it loads.
fn older_button(
    s: &'static crate::i18n::Strings,
    next: RwSignal<Option<String>>,
    busy: RwSignal<bool>,
    more: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        next.with(Option::is_some).then(|| {
            view! {
                <button
                    type="button"
                    class="secondary older"
                    aria-disabled=move || busy.get().then_some("true")
                    on:click=move |_| {
                        if !busy.get_untracked() {
                            more()
                        }
                    }
                >
                    {move || if busy.get() { s.loading } else { s.show_older }}
                </button>
            }
        })
    }
}

/// The self-service steps on one line (empty without any).
fn steps_text(steps: &Option<Vec<String>>) -> String {
    steps.as_deref().unwrap_or_default().join(", ")
}

/// The items of a return request on one line: `2 × Merino tee, …`.
fn items_text(items: &Option<Vec<ReturnItem>>) -> String {
    items
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let title = if item.title.is_empty() {
                &item.sku
            } else {
                &item.title
            };
            format!("{} × {title}", item.quantity)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Tickets: reported issues and offline messages, newest first.
#[component]
pub fn TicketsView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let paged = Paged::<Ticket>::new();
    let fetch = |cursor: Option<String>| async move { api::tickets(cursor.as_deref()).await };
    let load = move || paged.load(fetch);
    let more = move || paged.more(console, fetch, |r| &r.reference);
    let Paged { list, next, busy } = paged;
    load();
    let locale = console.locale().tag();
    let rows = move || match list.get() {
        Loaded::Loading => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Loaded::Failed => view! { <p class="error">{s.network_error}</p> }.into_any(),
        Loaded::Ready(tickets) if tickets.is_empty() => {
            view! { <p class="muted">{s.no_tickets}</p> }.into_any()
        }
        Loaded::Ready(tickets) => {
            let rows = tickets
                .into_iter()
                .map(|t| {
                    let kind = match (t.kind.as_str(), &t.issue) {
                        ("issue", Some(issue)) => format!("{}: {issue}", s.ticket_issue),
                        ("issue", None) => s.ticket_issue.to_owned(),
                        _ => s.ticket_message.to_owned(),
                    };
                    let order = t.order.map(|n| format!("#{n}")).unwrap_or_default();
                    let steps = steps_text(&t.steps);
                    let reference = t.reference.clone();
                    let done = t.status == "done";
                    let action = (!done).then(|| {
                        let label = fill(s.mark_done_ref, &[("reference", &reference)]);
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=label
                                on:click=move |_| {
                                    let r = reference.clone();
                                    mark_done(console, "tickets", r.clone(), move || {
                                        list.update(|l| {
                                            if let Loaded::Ready(items) = l {
                                                items
                                                    .iter_mut()
                                                    .filter(|t| t.reference == r)
                                                    .for_each(|t| t.status = "done".into());
                                            }
                                        })
                                    })
                                }
                            >
                                {s.mark_done}
                            </button>
                        }
                    });
                    let open = kept(format!("ticket-open:{}", t.reference), || false);
                    let (thread_ref, thread_email) = (t.reference.clone(), t.email.clone());
                    let reply_label = fill(s.ticket_reply_ref, &[("reference", &t.reference)]);
                    let thread = move || {
                        open.get().then(|| {
                            view! {
                                <tr class="thread-row">
                                    <td colspan="9">
                                        <TicketThreadView
                                            reference=thread_ref.clone()
                                            email=thread_email.clone()
                                        />
                                    </td>
                                </tr>
                            }
                        })
                    };
                    view! {
                        <tr>
                            <th scope="row">{t.reference.clone()}</th>
                            <td>{kind}</td>
                            <td>{order}</td>
                            <td>{t.email.clone()}</td>
                            <td class="body">
                                <p>{t.body.clone()}</p>
                                {(!steps.is_empty()).then(|| view! { <p class="muted small">{steps}</p> })}
                            </td>
                            <td>
                                <time datetime=dates::iso(t.created_at)>
                                    {dates::day_and_time(t.created_at, locale)}
                                </time>
                            </td>
                            <td>{t.status.clone()}</td>
                            {
                                let (email, failed) = email_text(s, t.email_status.as_ref());
                                view! { <td class:error=failed>{email}</td> }
                            }
                            <td>
                                {action}
                                <button
                                    type="button"
                                    class="secondary"
                                    aria-label=reply_label
                                    aria-expanded=move || open.get().to_string()
                                    on:click=move |_| open.update(|o| *o = !*o)
                                >
                                    {s.ticket_reply}
                                </button>
                            </td>
                        </tr>
                        {thread}
                    }
                })
                .collect_view();
            view! {
                <table class="records" aria-labelledby="tickets-title">
                    <thead>
                        <tr>
                            <th scope="col">{s.reference}</th>
                            <th scope="col">{s.kind}</th>
                            <th scope="col">{s.order_number_heading}</th>
                            <th scope="col">{s.email}</th>
                            <th scope="col">{s.message}</th>
                            <th scope="col">{s.created}</th>
                            <th scope="col">{s.status}</th>
                            <th scope="col">{s.email_to_shopper}</th>
                            <th scope="col"><span class="visually-hidden">{s.mark_done}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <section class="records-view panel" aria-labelledby="tickets-title">
            <div class="section-head">
                <h2 id="tickets-title">{s.tickets}</h2>
                <button type="button" class="secondary" on:click=move |_| load()>{s.refresh}</button>
            </div>
            {rows}
            {older_button(s, next, busy, more)}
        </section>
    }
}

/// Return requests, newest first.
#[component]
pub fn ReturnsView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let paged = Paged::<ReturnRequest>::new();
    let fetch = |cursor: Option<String>| async move { api::returns(cursor.as_deref()).await };
    let load = move || paged.load(fetch);
    let more = move || paged.more(console, fetch, |r| &r.reference);
    let Paged { list, next, busy } = paged;
    load();
    let locale = console.locale().tag();
    let rows = move || match list.get() {
        Loaded::Loading => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Loaded::Failed => view! { <p class="error">{s.network_error}</p> }.into_any(),
        Loaded::Ready(returns) if returns.is_empty() => {
            view! { <p class="muted">{s.no_returns}</p> }.into_any()
        }
        Loaded::Ready(returns) => {
            let rows = returns
                .into_iter()
                .map(|r| {
                    let reference = r.reference.clone();
                    let done = r.status == "done";
                    let action = (!done).then(|| {
                        let label = fill(s.mark_done_ref, &[("reference", &reference)]);
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=label
                                on:click=move |_| {
                                    let reference = reference.clone();
                                    mark_done(console, "returns", reference.clone(), move || {
                                        list.update(|l| {
                                            if let Loaded::Ready(items) = l {
                                                items
                                                    .iter_mut()
                                                    .filter(|r| r.reference == reference)
                                                    .for_each(|r| r.status = "done".into());
                                            }
                                        })
                                    })
                                }
                            >
                                {s.mark_done}
                            </button>
                        }
                    });
                    view! {
                        <tr>
                            <th scope="row">{r.reference.clone()}</th>
                            <td>{format!("#{}", r.order)}</td>
                            <td>{r.email.clone()}</td>
                            <td>{items_text(&r.items)}</td>
                            <td>
                                <p>{r.reason.clone()}</p>
                                {(!r.comment.is_empty()).then(|| view! { <p class="muted small">{r.comment.clone()}</p> })}
                            </td>
                            <td>
                                <time datetime=dates::iso(r.created_at)>
                                    {dates::day_and_time(r.created_at, locale)}
                                </time>
                            </td>
                            <td>{r.status.clone()}</td>
                            <td>{action}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="records" aria-labelledby="returns-title">
                    <thead>
                        <tr>
                            <th scope="col">{s.reference}</th>
                            <th scope="col">{s.order_number_heading}</th>
                            <th scope="col">{s.email}</th>
                            <th scope="col">{s.items}</th>
                            <th scope="col">{s.reason}</th>
                            <th scope="col">{s.created}</th>
                            <th scope="col">{s.status}</th>
                            <th scope="col"><span class="visually-hidden">{s.mark_done}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <section class="records-view panel" aria-labelledby="returns-title">
            <div class="section-head">
                <h2 id="returns-title">{s.returns}</h2>
                <button type="button" class="secondary" on:click=move |_| load()>{s.refresh}</button>
            </div>
            {rows}
            {older_button(s, next, busy, more)}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::{ReturnItem, items_text, steps_text};
    use serde_json::json;

    #[test]
    fn an_older_page_adds_only_what_is_not_shown() {
        let mut list = vec!["R-3", "R-2"];
        super::append(&mut list, vec!["R-2", "R-1"], |r| r);
        assert_eq!(list, ["R-3", "R-2", "R-1"]);
    }

    #[test]
    fn steps_and_items_read_as_one_line() {
        assert_eq!(
            steps_text(&Some(vec!["track".into(), "report:late".into()])),
            "track, report:late"
        );
        let item = |sku: &str, title: &str, quantity| ReturnItem {
            sku: sku.into(),
            title: title.into(),
            quantity,
        };
        assert_eq!(
            items_text(&Some(vec![
                item("TEE-M", "Merino tee", 2),
                item("CAP", "", 1)
            ])),
            "2 × Merino tee, 1 × CAP"
        );
        assert_eq!(steps_text(&None), "");
        assert_eq!(items_text(&None), "");
    }

    #[test]
    fn a_tickets_email_reads_as_sent_retrying_or_failed_with_the_reason() {
        use crate::api::EmailStatus;
        let s = crate::i18n::LocaleStrings::strings(crate::i18n::Locale::En);
        let status = |state: &str, attempts, error: Option<&str>| EmailStatus {
            kind: "ticket_received".into(),
            state: state.into(),
            attempts,
            error: error.map(String::from),
            updated_at: None,
        };
        assert_eq!(super::email_text(s, None).0, s.email_none);
        assert_eq!(
            super::email_text(s, Some(&status("sent", 1, None))),
            ("Sent".into(), false)
        );
        assert_eq!(
            super::email_text(s, Some(&status("queued", 2, Some("connection refused")))),
            (
                "Not sent yet, retrying (attempt 2): connection refused".into(),
                false
            )
        );
        assert_eq!(
            super::email_text(s, Some(&status("failed", 1, Some("550 No such user")))),
            ("Failed: 550 No such user".into(), true)
        );
        let ticket: crate::api::Ticket = serde_json::from_value(json!({
            "reference": "T-1", "kind": "message", "order": null, "email": "a@b.c",
            "issue": null, "body": "x", "steps": [], "status": "open", "created_at": 1,
            "email_status": {"kind": "ticket_received", "state": "failed", "attempts": 1,
                             "error": "550", "updated_at": 2}
        }))
        .unwrap();
        assert_eq!(ticket.email_status.unwrap().state, "failed");
    }
}
