//! What the shopper shared, for the agent: current page and history, cart,
//! verified orders, the campaign that started the chat, self-service steps,
//! language. Every value is shown as text; only `http(s)` URLs become links.

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
                    <span class="visually-hidden">" " {console.strings.opens_in_new_tab}</span>
                </a>
            }
            .into_any()
        }
        None => view! { <span>{label}</span> }.into_any(),
    }
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
    let s = console.strings;
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
        fields.push(field(
            s.ctx_priority,
            view! { <span class="priority" data-priority=priority.as_str()>{text::priority(priority, s)}</span> }
                .into_any(),
        ));
    }
    match context.email.clone() {
        Some(email) => fields.push(field(
            s.ctx_email,
            view! { <span>{email}</span> }.into_any(),
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
            let title = context.page_title.clone().filter(|t| !t.trim().is_empty());
            let label = title
                .clone()
                .unwrap_or_else(|| text::path_of(&url).to_owned());
            let path = title.map(|_| text::path_of(&url).to_owned());
            fields.push(field(
                s.ctx_page,
                view! {
                    <SafeLink url=url label=label/>
                    {path.map(|p| view! { <span class="muted">" " {p}</span> })}
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
            .map(|url| {
                let path = text::path_of(url).to_owned();
                view! { <li><SafeLink url=url.clone() label=path/></li> }
            })
            .collect_view();
        let more = (hidden > 0).then(|| {
            let note = crate::i18n::fill(s.ctx_more_pages, &[("count", &hidden.to_string())]);
            view! { <span class="muted">{note}</span> }
        });
        fields.push(field(
            s.ctx_history,
            view! { {more}<ol class="pages">{shown}</ol> }.into_any(),
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
        let orders = context
            .verified_orders
            .iter()
            .map(|n| format!("#{n}"))
            .collect::<Vec<_>>()
            .join(", ");
        fields.push(field(
            s.ctx_orders,
            view! { <span>{orders}</span> }.into_any(),
        ));
    } else if !compact {
        fields.push(field(s.ctx_orders, none()));
    }
    match context.campaign.clone() {
        Some(campaign) => fields.push(field(
            s.ctx_campaign,
            view! { <span>{campaign}</span> }.into_any(),
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
    view! { <dl class="context" class:compact=compact>{fields}</dl> }
}
