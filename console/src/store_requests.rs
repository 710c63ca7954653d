//! The "Store requests" view: cancels and returns that shoppers asked for and
//! the merchant's own system (order source "push") never received after
//! Aisle's retries — the dead letters. An agent sends one again once that
//! system is back; what it answers is announced and the row leaves the list.

use crate::api::{self, CallError, StoreRequest};
use crate::dates;
use crate::i18n::fill;
use crate::state::Console;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Where the list stands.
#[derive(Debug, Clone, PartialEq)]
enum Loaded {
    Loading,
    Ready(Vec<StoreRequest>),
    Failed,
}

/// Undelivered requests, newest first, each with "Send again".
#[component]
pub fn StoreRequestsView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let list = RwSignal::new(Loaded::Loading);
    let sending = RwSignal::new(None::<i64>);
    let load = move || {
        list.set(Loaded::Loading);
        spawn_local(async move {
            list.set(match api::store_requests().await {
                Ok(items) => Loaded::Ready(items),
                Err(CallError::Unauthorized) => {
                    console.reconnect();
                    Loaded::Failed
                }
                Err(_) => Loaded::Failed,
            });
        });
    };
    let send_again = move |id: i64, order: i64| {
        if sending.get_untracked().is_some() {
            return;
        }
        sending.set(Some(id));
        spawn_local(async move {
            let order_text = order.to_string();
            match api::retry_store_request(id).await {
                Ok(resent) if resent.status != "failed" => {
                    list.update(|l| {
                        if let Loaded::Ready(items) = l {
                            items.retain(|r| r.id != id);
                        }
                    });
                    console.announce(fill(
                        s.notice_request_sent,
                        &[("order", &order_text), ("status", &resent.status)],
                    ));
                }
                Ok(resent) => {
                    // The row shows the new error and tries.
                    load();
                    console.announce(fill(
                        s.notice_request_failed,
                        &[("order", &order_text), ("error", &resent.detail)],
                    ));
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(_) => console.announce(s.network_error.to_owned()),
            }
            sending.set(None);
        });
    };
    load();
    let locale = console.locale().tag();
    let rows = move || match list.get() {
        Loaded::Loading => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Loaded::Failed => view! { <p class="error">{s.network_error}</p> }.into_any(),
        Loaded::Ready(items) if items.is_empty() => {
            view! { <p class="muted">{s.no_store_requests}</p> }.into_any()
        }
        Loaded::Ready(items) => {
            let rows = items
                .into_iter()
                .map(|r| {
                    let kind = if r.kind == "cancel" {
                        s.request_cancel
                    } else {
                        s.request_return
                    };
                    let (id, order) = (r.id, r.order);
                    let label = fill(s.send_again_order, &[("order", &order.to_string())]);
                    let busy = move || sending.get() == Some(id);
                    view! {
                        <tr>
                            <th scope="row">{format!("#{order}")}</th>
                            <td>{kind}</td>
                            <td class="body"><p>{r.error.clone()}</p></td>
                            <td>{r.attempts}</td>
                            <td>
                                <time datetime=dates::iso(r.updated_at)>
                                    {dates::day_and_time(r.updated_at, locale)}
                                </time>
                            </td>
                            <td>
                                <button
                                    type="button"
                                    class="secondary"
                                    aria-label=label
                                    aria-disabled=move || busy().then_some("true")
                                    on:click=move |_| send_again(id, order)
                                >
                                    {move || if busy() { s.sending } else { s.send_again }}
                                </button>
                            </td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="records" aria-labelledby="store-requests-title">
                    <thead>
                        <tr>
                            <th scope="col">{s.order_number_heading}</th>
                            <th scope="col">{s.kind}</th>
                            <th scope="col">{s.last_error}</th>
                            <th scope="col">{s.attempts}</th>
                            <th scope="col">{s.created}</th>
                            <th scope="col"><span class="visually-hidden">{s.send_again}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    view! {
        <section class="records-view panel" aria-labelledby="store-requests-title">
            <div class="section-head">
                <h2 id="store-requests-title">{s.store_requests}</h2>
                <button type="button" class="secondary" on:click=move |_| load()>{s.refresh}</button>
            </div>
            <p class="muted">{s.store_requests_intro}</p>
            {rows}
        </section>
    }
}
