//! What the shopper shared, for the agent: current page and history, cart,
//! verified orders, the campaign that started the chat, self-service steps,
//! language. Every value is shown as text; only `http(s)` URLs become links,
//! and a link shows its URL (never a title the shopper's page chose). What
//! only the shopper's browser says (typed email, page, title, cart, campaign)
//! is marked "unverified"; proven orders and a proven or signed email "verified".

use crate::state::Console;
use crate::text;
use aisle_core::protocol::{ChatContext, Priority};
use leptos::prelude::*;

/// Earlier pages shown before "and N more".
const PAGES_SHOWN: usize = 5;

/// A link that opens in a new tab, or plain text when `url` is not `http(s)`.
#[component]
pub fn SafeLink(
    /// The URL as the shopper's browser reported it.
    url: String,
    /// What to show (defaults to the URL).
    #[prop(optional, into)]
    label: Option<String>,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let label = label.unwrap_or_else(|| url.clone());
    match text::safe_link(&url) {
        Some(href) => {
            let href = href.to_owned();
            view! {
                <a href=href target="_blank" rel="noopener noreferrer">
                    {label}
                    <span class="visually-hidden">" " {console.strings().opens_in_new_tab}</span>
                </a>
            }
            .into_any()
        }
        None => view! { <span>{label}</span> }.into_any(),
    }
}

/// "verified" or "unverified" next to a value.
fn badge(verified: bool, s: &'static crate::i18n::Strings) -> AnyView {
    let (class, label) = if verified {
        ("badge verified", s.ctx_verified)
    } else {
        ("badge unverified", s.ctx_unverified)
    };
    view! { <span class=class>{label}</span> }.into_any()
}

/// The shopper's context as a description list. `compact` leaves out what is
/// empty (queue rows); the full form lists every field.
#[component]
pub fn ShopperContext(
    /// What the shopper shared.
    context: ChatContext,
    /// Queue priority, when known.
    #[prop(optional)]
    priority: Option<Priority>,
    /// The shopper's language (BCP 47), when known.
    #[prop(optional)]
    locale: Option<String>,
    /// Leave out empty fields.
    #[prop(optional)]
    compact: bool,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let none = move || view! { <span class="muted">{s.ctx_none}</span> }.into_any();
    let field = move |term: &'static str, value: AnyView| {
        view! {
            <div class="field">
                <dt>{term}</dt>
                <dd>{value}</dd>
            </div>
        }
    };
    let mut fields = Vec::new();
    if let Some(priority) = priority {
        // A big cart is the shopper's word; proven orders are not.
        let claimed = (priority == Priority::HighCart).then(|| badge(false, s));
        fields.push(field(
            s.ctx_priority,
            view! {
                <span class="priority" data-priority=priority.as_str()>{text::priority(priority, s)}</span>
                {claimed}
            }
            .into_any(),
        ));
    }
    match context.email.clone() {
        Some(email) => fields.push(field(
            s.ctx_email,
            view! { <span>{email}</span> " " {badge(context.email_verified, s)} }.into_any(),
        )),
        None if !compact => fields.push(field(s.ctx_email, none())),
        None => {}
    }
    if let Some(locale) = locale.filter(|l| !l.is_empty()) {
        fields.push(field(
            s.ctx_language,
            view! { <span>{locale}</span> }.into_any(),
        ));
    }
    match context.page_url.clone() {
        Some(url) => {
            // The link shows where it goes; the page's own title is beside it.
            let title = context.page_title.clone().filter(|t| !t.trim().is_empty());
            fields.push(field(
                s.ctx_page,
                view! {
                    <SafeLink url=url/>
                    {title.map(|t| view! { " " <span class="page-title">{t}</span> })}
                    " "
                    {badge(false, s)}
                }
                .into_any(),
            ));
        }
        None if !compact => fields.push(field(s.ctx_page, none())),
        None => {}
    }
    if !context.pages.is_empty() {
        let hidden = context.pages.len().saturating_sub(PAGES_SHOWN);
        let shown = context.pages[hidden..]
            .iter()
            .map(|url| view! { <li><SafeLink url=url.clone()/></li> })
            .collect_view();
        let more = (hidden > 0).then(|| {
            let note = crate::i18n::fill(s.ctx_more_pages, &[("count", &hidden.to_string())]);
            view! { <span class="muted">{note}</span> }
        });
        fields.push(field(
            s.ctx_history,
            view! { {badge(false, s)} {more}<ol class="pages">{shown}</ol> }.into_any(),
        ));
    } else if !compact {
        fields.push(field(s.ctx_history, none()));
    }
    match context
        .cart
        .clone()
        .filter(|c| !c.items.is_empty() || c.value_minor > 0)
    {
        Some(cart) => {
            let total = text::money(cart.value_minor, &cart.currency);
            let lines = text::cart_lines(&cart)
                .into_iter()
                .map(|line| view! { <li>{line}</li> })
                .collect_view();
            fields.push(field(
                s.ctx_cart,
                view! {
                    <span class="cart-total">{total}</span>
                    " "
                    {badge(false, s)}
                    <ul class="cart-items">{lines}</ul>
                }
                .into_any(),
            ));
        }
        None if !compact => fields.push(field(
            s.ctx_cart,
            view! { <span class="muted">{s.ctx_no_cart}</span> }.into_any(),
        )),
        None => {}
    }
    if !context.verified_orders.is_empty() {
        // Each proven order, with its page in the store's admin once the
        // console has looked it up (for macros, when the chat is open).
        let facts = console.orders;
        if !compact {
            for &n in context.verified_orders.iter().take(3) {
                console.load_order(n);
            }
        }
        let orders = context
            .verified_orders
            .iter()
            .map(|&n| {
                let admin = move || {
                    facts.with(|o| {
                        o.iter()
                            .find(|f| f.number == n)
                            .and_then(|f| f.admin_url.clone())
                    })
                };
                view! {
                    <li>
                        {format!("#{n}")}
                        {move || admin().map(|url| view! {
                            " (" <SafeLink url=url label=s.ctx_open_in_admin/> ")"
                        })}
                    </li>
                }
            })
            .collect_view();
        fields.push(field(
            s.ctx_orders,
            view! { <ul class="orders">{orders}</ul> " " {badge(true, s)} }.into_any(),
        ));
    } else if !compact {
        fields.push(field(s.ctx_orders, none()));
    }
    match context.campaign.clone() {
        Some(campaign) => fields.push(field(
            s.ctx_campaign,
            view! { <span>{campaign}</span> " " {badge(false, s)} }.into_any(),
        )),
        None if !compact => fields.push(field(s.ctx_campaign, none())),
        None => {}
    }
    if !context.assist_steps.is_empty() {
        let steps = context
            .assist_steps
            .iter()
            .map(|step| view! { <li>{step.clone()}</li> })
            .collect_view();
        fields.push(field(
            s.ctx_steps,
            view! { <ol class="steps">{steps}</ol> }.into_any(),
        ));
    } else if !compact {
        fields.push(field(s.ctx_steps, none()));
    }
    let note = (!compact).then(|| view! { <p class="muted small">{s.ctx_unverified_note}</p> });
    view! {
        <dl class="context" class:compact=compact>{fields}</dl>
        {note}
    }
}

/// The customer's earlier conversations and tickets, by their proven email
/// (nothing for an email the shopper only typed).
#[component]
pub fn CustomerHistoryPanel(
    /// The conversation on screen.
    conversation: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let history = RwSignal::new(None::<aisle_core::insights::CustomerHistory>);
    leptos::task::spawn_local(async move {
        if let Ok(found) = crate::api::customer_history(&conversation).await {
            history.set(Some(found));
        }
    });
    let locale = console.locale().tag();
    move || {
        history.get().filter(|h| h.email.is_some()).map(|h| {
            let empty = h.conversations.is_empty() && h.tickets.is_empty();
            let conversations = h
                .conversations
                .into_iter()
                .map(|c| {
                    let rating = c
                        .csat
                        .map(|r| crate::i18n::fill(s.history_rated, &[("score", &r.to_string())]))
                        .unwrap_or_default();
                    view! {
                        <li>
                            <time datetime=crate::dates::iso(c.created_at)>
                                {crate::dates::day_and_time(c.created_at, locale)}
                            </time>
                            " · " {c.agent.unwrap_or_default()} " " {rating}
                            <p>{c.first_message.unwrap_or_default()}</p>
                        </li>
                    }
                })
                .collect_view();
            let tickets = h
                .tickets
                .into_iter()
                .map(|t| {
                    view! {
                        <li>
                            <strong>{t.reference}</strong> " · "
                            <time datetime=crate::dates::iso(t.created_at)>
                                {crate::dates::day_and_time(t.created_at, locale)}
                            </time>
                            " · " {t.status}
                            <p>{t.preview}</p>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="customer-history" aria-labelledby="customer-history-title">
                    <h4 id="customer-history-title">{s.history_title}</h4>
                    {empty.then(|| view! { <p class="muted">{s.history_none}</p> })}
                    <ul class="history-list" aria-label=s.history_conversations>{conversations}</ul>
                    <ul class="history-list" aria-label=s.history_tickets>{tickets}</ul>
                </section>
            }
        })
    }
}
