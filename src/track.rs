//! "Track order": the order number + email form, and the order card that shows
//! state, carrier, tracking link and timeline.

use crate::api::{self, CallError};
use crate::app::{Widget, focus_first_control};
use crate::config::WidgetConfig;
use crate::format;
use crate::i18n::{Strings, fill};
use crate::persist::Screen;
use crate::transcript::Line;
use aisle_core::api::{ErrorCode, LookupRequest};
use aisle_core::order::{
    EmailError, MAX_EMAIL_LEN, OrderNumber, OrderState, OrderView, TrackingEventKind,
    normalize_email,
};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A field the shopper must correct before looking up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldError {
    OrderEmpty,
    OrderFormat,
    EmailEmpty,
    EmailFormat,
}

impl FieldError {
    fn text(self, s: &Strings) -> &'static str {
        match self {
            FieldError::OrderEmpty => s.error_order_empty,
            FieldError::OrderFormat => s.error_order_format,
            FieldError::EmailEmpty => s.error_email_empty,
            FieldError::EmailFormat => s.error_email_format,
        }
    }
}

/// Checks both fields with the same parsers the server uses.
fn validate(
    order: &str,
    email: &str,
) -> (Result<OrderNumber, FieldError>, Result<String, FieldError>) {
    let order = OrderNumber::parse(order).map_err(|e| match e {
        aisle_core::order::OrderNumberError::Empty => FieldError::OrderEmpty,
        _ => FieldError::OrderFormat,
    });
    let email = normalize_email(email).map_err(|e| match e {
        EmailError::Empty => FieldError::EmailEmpty,
        _ => FieldError::EmailFormat,
    });
    (order, email)
}

/// The lookup form of "Track order".
#[component]
pub fn TrackForm(
    /// The panel, to move focus after the lookup.
    panel: NodeRef<html::Div>,
) -> impl IntoView {
    let widget = expect_context::<Widget>();
    let config = expect_context::<WidgetConfig>();
    let s = widget.strings();
    let order_error = RwSignal::new(None::<FieldError>);
    let email_error = RwSignal::new(None::<FieldError>);
    let busy = RwSignal::new(false);
    let order_field: NodeRef<html::Input> = NodeRef::new();
    let email_field: NodeRef<html::Input> = NodeRef::new();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (order, email) = validate(
            &widget.order_input.get_untracked(),
            &widget.email_input.get_untracked(),
        );
        order_error.set(order.err());
        email_error.set(email.as_ref().err().copied());
        let (Ok(order), Ok(_)) = (order, email) else {
            let field = if order_error.get_untracked().is_some() {
                order_field
            } else {
                email_field
            };
            if let Some(input) = field.get_untracked() {
                let _ = input.focus();
            }
            return;
        };
        let typed_email = widget.email_input.get_untracked().trim().to_owned();
        widget.say(Line::Submitted {
            order: order.to_string(),
            email: typed_email.clone(),
        });
        busy.set(true);
        let config = config.clone();
        spawn_local(async move {
            let request = LookupRequest {
                order: order.to_string(),
                email: typed_email,
            };
            let result = api::lookup_order(&config.server, &config.site, &request).await;
            busy.set(false);
            match result {
                Ok(found) => {
                    widget.say(Line::Order(Box::new(found)));
                    widget.order_input.set(String::new());
                    widget.email_input.set(String::new());
                    widget.screen.set(Screen::Menu);
                    focus_first_control(panel);
                }
                Err(CallError::Api(e)) if e.code == ErrorCode::RateLimited => {
                    let minutes = e.retry_after.unwrap_or(60).div_ceil(60);
                    widget.say(Line::RateLimited { minutes });
                }
                Err(e) if e.code() == Some(ErrorCode::InvalidOrderNumber) => {
                    order_error.set(Some(FieldError::OrderFormat))
                }
                Err(e) if e.code() == Some(ErrorCode::InvalidEmail) => {
                    email_error.set(Some(FieldError::EmailFormat))
                }
                Err(e) if e.code() == Some(ErrorCode::OrderNotFound) => widget.say(Line::NotFound),
                Err(_) => widget.say(Line::NetworkError),
            }
        });
    };

    let back = move |_| {
        widget.screen.set(Screen::Menu);
        focus_first_control(panel);
    };

    view! {
        <form class="track-form" on:submit=submit novalidate>
            <div class="field">
                <label for="aisle-order">{s.order_number}</label>
                <input
                    id="aisle-order"
                    name="order"
                    type="text"
                    autocomplete="off"
                    maxlength="12"
                    node_ref=order_field
                    aria-invalid=move || order_error.get().is_some().to_string()
                    aria-describedby=move || {
                        if order_error.get().is_some() { "aisle-order-error" } else { "aisle-order-hint" }
                    }
                    prop:value=move || widget.order_input.get()
                    on:input=move |ev| {
                        widget.order_input.set(event_target_value(&ev));
                        order_error.set(None);
                    }
                />
                <p class="hint" id="aisle-order-hint">{s.order_number_hint}</p>
                <p class="error" id="aisle-order-error" hidden=move || order_error.get().is_none()>
                    {move || order_error.get().map(|e| e.text(s))}
                </p>
            </div>
            <div class="field">
                <label for="aisle-email">{s.email}</label>
                <input
                    id="aisle-email"
                    name="email"
                    type="email"
                    autocomplete="email"
                    maxlength=MAX_EMAIL_LEN.to_string()
                    node_ref=email_field
                    aria-invalid=move || email_error.get().is_some().to_string()
                    aria-describedby=move || email_error.get().map(|_| "aisle-email-error")
                    prop:value=move || widget.email_input.get()
                    on:input=move |ev| {
                        widget.email_input.set(event_target_value(&ev));
                        email_error.set(None);
                    }
                />
                <p class="error" id="aisle-email-error" hidden=move || email_error.get().is_none()>
                    {move || email_error.get().map(|e| e.text(s))}
                </p>
            </div>
            <div class="form-actions">
                <button type="submit" class="primary" aria-disabled=move || busy.get().to_string()>
                    {move || if busy.get() { s.looking_up } else { s.find_order }}
                </button>
                <button type="button" class="secondary" on:click=back>
                    {s.back}
                </button>
            </div>
        </form>
    }
}

fn state_text(s: &Strings, state: OrderState) -> &'static str {
    match state {
        OrderState::Unfulfilled => s.state_unfulfilled,
        OrderState::InTransit => s.state_in_transit,
        OrderState::Delivered => s.state_delivered,
        OrderState::Cancelled => s.state_cancelled,
    }
}

fn event_text(s: &Strings, kind: TrackingEventKind) -> &'static str {
    match kind {
        TrackingEventKind::Ordered => s.event_ordered,
        TrackingEventKind::Shipped => s.event_shipped,
        TrackingEventKind::InTransit => s.event_in_transit,
        TrackingEventKind::OutForDelivery => s.event_out_for_delivery,
        TrackingEventKind::Delivered => s.event_delivered,
        TrackingEventKind::Cancelled => s.event_cancelled,
    }
}

/// Whether a URL from the server is safe to put in an `href` (no `javascript:`).
pub fn is_safe_link(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// An order's status: state, carrier, tracking number and link, timeline.
#[component]
pub fn OrderCard(
    /// The order found.
    order: OrderView,
) -> impl IntoView {
    let widget = expect_context::<Widget>();
    {
        let s = widget.strings();
        let locale = widget.locale();
        let heading = fill(s.order_heading, "number", &order.number.to_string());
        let shipment = order.shipment.clone().map(|ship| {
            let eta = ship.estimated_delivery.map(|at| {
                view! {
                    <dt>{s.estimated_delivery}</dt>
                    <dd><time datetime=format::iso(at)>{format::date(locale, at)}</time></dd>
                }
            });
            let link = is_safe_link(&ship.tracking_url).then(|| {
                view! {
                    <a class="tracking-link" href=ship.tracking_url.clone() target="_blank" rel="noopener noreferrer">
                        {fill(s.track_with_carrier, "carrier", &ship.carrier)}
                        <span class="visually-hidden">" " {s.opens_in_new_tab}</span>
                    </a>
                }
            });
            view! {
                <dl class="facts">
                    <dt>{s.carrier}</dt>
                    <dd>{ship.carrier.clone()}</dd>
                    <dt>{s.tracking_number}</dt>
                    <dd class="mono">{ship.tracking_number.clone()}</dd>
                    {eta}
                </dl>
                {link}
            }
        });
        let timeline = order
            .timeline
            .iter()
            .rev()
            .map(|event| {
                let place = event.location.clone().map(|l| format!(" · {l}"));
                view! {
                    <li>
                        <span class="event">{event_text(s, event.kind)}{place}</span>
                        <time datetime=format::iso(event.at)>{format::date_time(locale, event.at)}</time>
                    </li>
                }
            })
            .collect_view();
        view! {
            <article class="order-card" aria-label=heading.clone()>
                <h3>{heading.clone()}</h3>
                <p class=format!("state state-{}", order.state.as_str())>{state_text(s, order.state)}</p>
                {shipment}
                <h4>{s.timeline}</h4>
                <ol class="timeline">{timeline}</ol>
            </article>
        }
    }
}
