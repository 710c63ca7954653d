//! The agent's conversations: the list ("My conversations") and the one on
//! screen — its log (an ARIA `log`, so new messages are announced), the
//! shopper's context, the reply box (Enter sends, Shift+Enter is a new line,
//! a character counter, macros) and the close / transfer actions.

use crate::context::{CustomerHistoryPanel, ShopperContext};
use crate::dates;
use crate::desk::{Delivery, Line};
use crate::i18n::fill;
use crate::macros::{self, Variables};
use crate::state::Console;
use crate::text::{self, Segment};
use aisle_core::protocol::{MAX_MESSAGE_CHARS, Party};
use gloo_timers::callback::Timeout;
use leptos::either::Either;
use leptos::html;
use leptos::prelude::*;
use std::cell::RefCell;
use std::collections::HashMap;

/// How long after the last keystroke the agent counts as no longer typing.
const TYPING_IDLE_MS: u32 = 4_000;

thread_local! {
    /// Unsent replies per conversation, kept while the agent switches between them.
    static DRAFTS: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}

/// The agent's conversations.
#[component]
pub fn ChatList() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let rows = move || {
        console.desk.with(|d| {
            d.chats
                .iter()
                .map(|c| {
                    (
                        c.id.clone(),
                        text::shopper_label(&c.context, s),
                        c.unread,
                        c.is_over(),
                        d.selected.as_deref() == Some(c.id.as_str()),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="mine panel" aria-labelledby="mine-title">
            <h2 id="mine-title">{s.my_conversations}</h2>
            <p class="muted" hidden=move || console.desk.with(|d| !d.chats.is_empty())>
                {s.no_conversations}
            </p>
            <ul class="chat-list" aria-labelledby="mine-title">
                <For each=rows key=|row| row.clone() let:row>
                    {
                        let (id, who, unread, over, selected) = row;
                        let unread = (unread > 0)
                            .then(|| {
                                view! {
                                    <span class="badge">
                                        {fill(s.unread, &[("count", &unread.to_string())])}
                                    </span>
                                }
                            });
                        let over = over.then(|| view! { <span class="tag">{s.ended}</span> });
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="chat-tab"
                                    aria-current=selected.then_some("true")
                                    on:click=move |_| {
                                        console.focus_reply.set(true);
                                        console.select(&id);
                                    }
                                >
                                    <span class="who">{who}</span>
                                    {unread}
                                    {over}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </section>
    }
}

/// The conversation on screen, or a hint when there is none.
#[component]
pub fn ChatPane() -> impl IntoView {
    let console = expect_context::<Console>();
    let selected = Memo::new(move |_| {
        console
            .desk
            .with(|d| d.selected_chat().map(|c| c.id.clone()))
    });
    view! {
        {move || match selected.get() {
            Some(id) => view! { <ChatView id=id/> }.into_any(),
            None => {
                view! {
                    <section class="chat panel empty">
                        <p class="muted">{console.strings().pick_conversation}</p>
                    </section>
                }
                    .into_any()
            }
        }}
    }
}

/// One conversation: heading, log, reply box, actions, context.
#[component]
fn ChatView(
    /// Conversation id.
    id: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let Some((context, who)) = console.desk.with_untracked(|d| {
        d.chat(&id)
            .map(|c| (c.context.clone(), text::shopper_label(&c.context, s)))
    }) else {
        return ().into_any();
    };
    let priority = context.priority();
    if let Some(order) = macros::order_in_question(&context) {
        console.load_order(order);
    }
    let chat_id = id.clone();
    let ended = Memo::new(move |_| {
        console
            .desk
            .with(|d| d.chat(&chat_id).and_then(|c| c.ended))
    });
    let chat_id = id.clone();
    let rating = Memo::new(move |_| {
        console
            .desk
            .with(|d| d.chat(&chat_id).and_then(|c| c.rating))
    });
    let chat_id = id.clone();
    let typing = Memo::new(move |_| {
        console
            .desk
            .with(|d| d.chat(&chat_id).is_some_and(|c| c.shopper_typing))
    });
    let dismiss_button: NodeRef<html::Button> = NodeRef::new();
    // The close button disappears with the composer: keep focus on the page.
    Effect::watch(
        move || ended.get().is_some(),
        move |over, _, _| {
            if *over {
                request_animation_frame(move || {
                    if let Some(button) = dismiss_button.get_untracked() {
                        let _ = button.focus();
                    }
                });
            }
        },
        false,
    );
    let ended_text = move || {
        ended.get().map(|by| match by {
            Party::Shopper => s.closed_by_shopper,
            Party::Agent => s.closed_by_agent,
            Party::System => s.closed_by_system,
        })
    };
    let rating_text = move || {
        rating
            .get()
            .map(|score| fill(s.rated, &[("score", &score.to_string())]))
    };
    let dismiss_id = id.clone();
    let history_id = id.clone();
    let log_name = fill(s.conversation_with, &[("who", &who)]);
    view! {
        <section class="chat panel" aria-labelledby="chat-title">
            <div class="chat-main">
                <h2 id="chat-title">{who.clone()}</h2>
                <ChatLog id=id.clone() name=log_name/>
                <p class="typing" aria-live="polite">
                    {move || typing.get().then_some(s.shopper_typing)}
                </p>
                {move || match ended_text() {
                    Some(text) => {
                        let dismiss_id = dismiss_id.clone();
                        view! {
                            <div class="ended" role="status">
                                <p>{text} " " {rating_text}</p>
                                <button
                                    type="button"
                                    class="secondary"
                                    node_ref=dismiss_button
                                    on:click=move |_| console.dismiss(&dismiss_id)
                                >
                                    {s.dismiss}
                                </button>
                            </div>
                        }
                            .into_any()
                    }
                    None => view! { <Composer id=id.clone()/> <ChatActions id=id.clone()/> }.into_any(),
                }}
            </div>
            <aside class="chat-context" aria-label=s.shopper_context>
                <h3>{s.shopper_context}</h3>
                <ShopperContext locale=context.locale.clone().unwrap_or_default() context=context priority=priority/>
                <CustomerHistoryPanel conversation=history_id/>
            </aside>
        </section>
    }
    .into_any()
}

/// The conversation's messages as an ARIA `log`.
#[component]
fn ChatLog(
    /// Conversation id.
    id: String,
    /// Accessible name of the log.
    name: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let log: NodeRef<html::Div> = NodeRef::new();
    let chat_id = id.clone();
    let lines = Memo::new(move |_| {
        console.desk.with(|d| {
            d.chat(&chat_id)
                .map(|c| {
                    c.lines
                        .iter()
                        .map(|l| (l.key(), c.delivery(l), l.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let last = Memo::new(move |_| lines.with(|l| l.last().map(|(key, _, _)| key.clone())));
    let more = {
        let id = id.clone();
        Memo::new(move |_| console.desk.with(|d| d.chat(&id).is_some_and(|c| c.more)))
    };
    // Keep the newest message in view (not when earlier ones are added on top).
    Effect::new(move |_| {
        last.track();
        if let Some(log) = log.get() {
            request_animation_frame(move || log.set_scroll_top(log.scroll_height()));
        }
    });
    let load_earlier = {
        let id = id.clone();
        move || console.load_earlier(&id)
    };
    let on_scroll = {
        let load_earlier = load_earlier.clone();
        move |_| {
            if more.get_untracked() && log.get_untracked().is_some_and(|l| l.scroll_top() == 0) {
                load_earlier();
            }
        }
    };
    view! {
        <div class="log" role="log" aria-label=name tabindex="0" node_ref=log on:scroll=on_scroll>
            <button
                type="button"
                class="secondary load-earlier"
                hidden=move || !more.get()
                on:click=move |_| load_earlier()
            >
                {console.strings().load_earlier}
            </button>
            <For
                each=move || lines.get()
                key=|(key, delivery, _)| (key.clone(), *delivery)
                let:item
            >
                <MessageLine line=item.2 delivery=item.1/>
            </For>
        </div>
    }
}

/// One message: author, time, text (links only for `http(s)`), delivery state.
#[component]
fn MessageLine(
    /// The message.
    line: Line,
    /// Where it stands (agent messages).
    delivery: Delivery,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let locale = console.locale().tag();
    let (class, author) = match line.author {
        Party::Shopper => ("msg msg-shopper", s.shopper.to_owned()),
        Party::Agent => {
            let me = console.desk.with_untracked(|d| d.me.clone());
            let name = line.name.clone().filter(|n| *n != me);
            ("msg msg-agent", name.unwrap_or_else(|| s.you.to_owned()))
        }
        Party::System => ("msg msg-system", s.system.to_owned()),
    };
    let state = (line.author == Party::Agent).then(|| {
        let (label, class) = match delivery {
            Delivery::Sending => (s.sending, "delivery sending"),
            Delivery::Sent => (s.sent, "delivery sent"),
            Delivery::Read => (s.read, "delivery read"),
        };
        view! { <span class=class>{label}</span> }
    });
    view! {
        <div class=class>
            <p class="meta">
                <span class="author">{author}</span>
                " "
                <time datetime=dates::iso(line.at)>{dates::clock(line.at, locale)}</time>
                " "
                {state}
            </p>
            <p class="text"><RichText text=line.text/></p>
        </div>
    }
}

/// Text as typed, with `http(s)` URLs as links; never HTML.
#[component]
pub fn RichText(
    /// The text.
    text: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    linked(&text, console.strings().opens_in_new_tab)
}

/// `text` as text nodes, with its `http(s)` URLs as links whose text is the
/// URL itself (`new_tab` is said to screen readers after it).
pub fn linked(text: &str, new_tab: &'static str) -> impl IntoView + use<> {
    text::linkify(text)
        .into_iter()
        .map(|segment| match segment {
            Segment::Text(t) => Either::Left(t.to_owned()),
            Segment::Link(url) => {
                let href = url.to_owned();
                Either::Right(view! {
                    <a href=href target="_blank" rel="noopener noreferrer">
                        {url.to_owned()}
                        <span class="visually-hidden">" " {new_tab}</span>
                    </a>
                })
            }
        })
        .collect_view()
}

/// The reply box: Enter sends, Shift+Enter adds a line; a counter against
/// [`MAX_MESSAGE_CHARS`]; macros with variables; typing indicator to the shopper.
#[component]
fn Composer(
    /// Conversation id.
    id: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let initial = DRAFTS.with(|d| d.borrow().get(&id).cloned().unwrap_or_default());
    let draft = RwSignal::new(initial);
    let missing = RwSignal::new(Vec::<String>::new());
    let chosen_macro = RwSignal::new(String::new());
    let textarea: NodeRef<html::Textarea> = NodeRef::new();
    let typing_timer = StoredValue::new_local(None::<Timeout>);
    let typing = RwSignal::new(false);

    if console.focus_reply.get_untracked() {
        console.focus_reply.set(false);
        textarea.on_load(|t| {
            request_animation_frame(move || {
                let _ = t.focus();
            })
        });
    }

    let chars = move || draft.with(|d| text::char_count(d));
    let too_long = move || chars() > MAX_MESSAGE_CHARS;
    let counter = move || {
        fill(
            s.counter,
            &[
                ("count", &chars().to_string()),
                ("max", &MAX_MESSAGE_CHARS.to_string()),
            ],
        )
    };

    let stop_typing = {
        let id = id.clone();
        move || {
            typing_timer.update_value(|t| {
                t.take();
            });
            if typing.get_untracked() {
                typing.set(false);
                console.typing(&id, false);
            }
        }
    };

    let send = {
        let id = id.clone();
        let stop_typing = stop_typing.clone();
        move || {
            let text = draft.get_untracked();
            if too_long() || text.trim().is_empty() {
                return;
            }
            if console.reply(&id, text) {
                draft.set(String::new());
                missing.set(Vec::new());
                DRAFTS.with(|d| d.borrow_mut().remove(&id));
                stop_typing();
            }
        }
    };

    let on_input = {
        let id = id.clone();
        let stop_typing = stop_typing.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            DRAFTS.with(|d| d.borrow_mut().insert(id.clone(), value.clone()));
            draft.set(value);
            if !typing.get_untracked() {
                typing.set(true);
                console.typing(&id, true);
            }
            let stop = stop_typing.clone();
            typing_timer.set_value(Some(Timeout::new(TYPING_IDLE_MS, stop)));
        }
    };

    let on_keydown = {
        let send = send.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                ev.prevent_default();
                send();
            }
        }
    };

    let on_submit = {
        let send = send.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            send();
        }
    };

    let chat_id = id.clone();
    let insert_macro = move |_| {
        let choice = chosen_macro.get_untracked();
        let Some(body) = console
            .macros
            .with_untracked(|m| m.iter().find(|m| m.id == choice).map(|m| m.body.clone()))
        else {
            return;
        };
        let vars = variables(console, &chat_id);
        let expanded = macros::expand(&body, &vars);
        let text = draft.with_untracked(|d| {
            if d.trim().is_empty() {
                expanded.text.clone()
            } else {
                format!("{}\n{}", d.trim_end(), expanded.text)
            }
        });
        DRAFTS.with(|d| d.borrow_mut().insert(chat_id.clone(), text.clone()));
        draft.set(text);
        missing.set(expanded.missing);
        chosen_macro.set(String::new());
        if let Some(t) = textarea.get_untracked() {
            let _ = t.focus();
        }
    };

    let macro_options = move || {
        console.macros.with(|list| {
            list.iter()
                .map(|m| {
                    let (value, title) = (m.id.clone(), m.title.clone());
                    view! { <option value=value>{title}</option> }
                })
                .collect_view()
        })
    };
    let missing_text = move || {
        missing.with(|m| {
            (!m.is_empty()).then(|| {
                let names = m.iter().map(|n| format!("{{{{{n}}}}}")).collect::<Vec<_>>();
                fill(s.macro_missing, &[("names", &names.join(", "))])
            })
        })
    };
    let describedby = move || {
        let mut ids = vec!["reply-hint", "reply-count"];
        if too_long() {
            ids.push("reply-too-long");
        }
        if missing.with(|m| !m.is_empty()) {
            ids.push("reply-missing");
        }
        ids.join(" ")
    };

    view! {
        <form class="composer" on:submit=on_submit>
            <div class="macro-picker" hidden=move || console.macros.with(Vec::is_empty)>
                <label for="macro-choice">{s.macro_label}</label>
                <select
                    id="macro-choice"
                    prop:value=move || chosen_macro.get()
                    on:change=move |ev| chosen_macro.set(event_target_value(&ev))
                >
                    <option value="">{s.choose_macro}</option>
                    {macro_options}
                </select>
                <button type="button" class="secondary" on:click=insert_macro>
                    {s.insert_macro}
                </button>
            </div>
            <label for="reply">{s.reply}</label>
            <textarea
                id="reply"
                rows="3"
                node_ref=textarea
                aria-describedby=describedby
                aria-invalid=move || too_long().then_some("true")
                prop:value=move || draft.get()
                on:input=on_input
                on:keydown=on_keydown
            ></textarea>
            <div class="composer-foot">
                <p id="reply-hint" class="muted small">{s.reply_hint}</p>
                <p id="reply-count" class="counter small" class:over=too_long>{counter}</p>
            </div>
            <p id="reply-too-long" class="error small" hidden=move || !too_long()>{s.too_long}</p>
            <p id="reply-missing" class="warning small" hidden=move || missing.with(Vec::is_empty)>
                {missing_text}
            </p>
            <button type="submit" class="primary">{s.send}</button>
        </form>
    }
}

/// What macros can fill in for conversation `id`.
fn variables(console: Console, id: &str) -> Variables {
    console.desk.with_untracked(|d| {
        let context = d.chat(id).map(|c| c.context.clone()).unwrap_or_default();
        let order_number = macros::order_in_question(&context);
        let tracking_url = order_number.and_then(|n| {
            console.orders.with_untracked(|o| {
                o.iter()
                    .find(|f| f.number == n)
                    .and_then(|f| f.tracking_url.clone())
            })
        });
        Variables {
            first_name: context
                .email
                .as_deref()
                .and_then(macros::first_name_from_email),
            email: context.email.clone(),
            order_number,
            tracking_url,
            agent_name: Some(d.me.clone()).filter(|n| !n.is_empty()),
        }
    })
}

/// The site's tag list as toggles that add a tag to (or take it from) the
/// typed tags; nothing when the site lists none.
#[component]
fn SiteTags(
    /// The close form's tags, as typed (`shipping, refund`).
    tags: RwSignal<String>,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let typed = move || crate::text::parse_tags(&tags.get());
    let toggle = move |name: String| {
        let mut list = crate::text::parse_tags(&tags.get_untracked());
        if let Some(at) = list.iter().position(|t| t.eq_ignore_ascii_case(&name)) {
            list.remove(at);
        } else {
            list.push(name);
        }
        tags.set(list.join(", "));
    };
    move || {
        let list = console.tags.get();
        (!list.is_empty()).then(|| {
            view! {
                <div class="site-tags" role="group" aria-label=s.site_tags>
                    {list
                        .into_iter()
                        .map(|tag| {
                            let name = tag.name.clone();
                            let pressed = {
                                let name = name.clone();
                                move || typed().iter().any(|t| t.eq_ignore_ascii_case(&name)).to_string()
                            };
                            view! {
                                <button
                                    type="button"
                                    class="toggle"
                                    aria-pressed=pressed
                                    on:click=move |_| toggle(name.clone())
                                >
                                    {tag.name}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            }
        })
    }
}

/// Transfer back to the queue; close with tags.
#[component]
fn ChatActions(
    /// Conversation id.
    id: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let tags = RwSignal::new(String::new());
    let transfer_id = id.clone();
    let close = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        console.close(&id, &tags.get_untracked());
    };
    view! {
        <div class="chat-actions">
            <button
                type="button"
                class="secondary"
                on:click=move |_| console.transfer(&transfer_id)
            >
                {s.transfer}
            </button>
            <form class="close-form" on:submit=close>
                <div class="field-stack">
                    <label for="close-tags">{s.tags}</label>
                    <p id="close-tags-hint" class="muted small">{s.tags_hint}</p>
                    <input
                        id="close-tags"
                        type="text"
                        aria-describedby="close-tags-hint"
                        autocomplete="off"
                        bind:value=tags
                    />
                    <SiteTags tags=tags/>
                </div>
                <button type="submit" class="danger">{s.close_conversation}</button>
            </form>
        </div>
    }
}
