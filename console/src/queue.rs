//! The "Waiting" list: shoppers who asked for a person, in the order the
//! server answers them (priority, then waiting time), each with their context,
//! how long they have waited and an "Accept" button naming them.

use crate::context::ShopperContext;
use crate::i18n::fill;
use crate::state::Console;
use crate::text;
use aisle_core::protocol::QueueEntry;
use leptos::prelude::*;

/// The queue of waiting conversations.
#[component]
pub fn Queue() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let count = move || console.desk.with(|d| d.queue_total);
    let agents = move || {
        let n = console.desk.with(|d| d.agents_online);
        fill(s.agents_online, &[("count", &n.to_string())])
    };
    view! {
        <section class="queue panel" aria-labelledby="waiting-title">
            <div class="section-head">
                <h2 id="waiting-title">{s.waiting}</h2>
                <span class="count" aria-hidden="true">{count}</span>
                <span class="muted small">{agents}</span>
            </div>
            <p class="muted" hidden=move || { count() > 0 }>{s.nobody_waiting}</p>
            <ul class="waiting" aria-labelledby="waiting-title">
                <For
                    each=move || console.desk.with(|d| d.queue.clone())
                    key=|entry| entry.conversation.clone()
                    let:entry
                >
                    <WaitingRow entry=entry/>
                </For>
            </ul>
        </section>
    }
}

/// One waiting shopper.
#[component]
fn WaitingRow(
    /// The queue entry.
    entry: QueueEntry,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let context = entry.summary.to_context();
    let who = text::shopper_label(&context, s);
    let since = entry.waiting_since;
    let waited = move || {
        fill(
            s.waited,
            &[("time", &text::duration(console.now.get() - since, s))],
        )
    };
    let id = entry.conversation.clone();
    let accepting = {
        let id = id.clone();
        move || {
            console
                .desk
                .with(|d| d.accepting.as_deref() == Some(id.as_str()))
        }
    };
    let accept = move |_| console.accept(&id);
    // What the shopper asked, as text (never markup); live, as they write
    // while waiting (the row itself stays, so focus does too).
    let asked = {
        let id = entry.conversation.clone();
        move || {
            console
                .desk
                .with(|d| {
                    d.queue
                        .iter()
                        .find(|e| e.conversation == id)
                        .and_then(|e| e.summary.last_message.clone())
                })
                .map(|text| {
                    view! {
                        <p class="asked">
                            <span class="visually-hidden">{s.latest_message}</span>
                            {text}
                        </p>
                    }
                })
        }
    };
    view! {
        <li class="waiting-row" data-conversation=entry.conversation.clone()>
            <div class="row-head">
                <span class="who">{who.clone()}</span>
                <span class="waited">{waited}</span>
            </div>
            {asked}
            <ShopperContext locale=context.locale.clone().unwrap_or_default() context=context priority=entry.priority compact=true/>
            <button
                type="button"
                class="primary"
                aria-label=fill(s.accept_who, &[("who", &who)])
                aria-disabled=move || accepting().then_some("true")
                on:click=accept
            >
                {s.accept}
            </button>
        </li>
    }
}
