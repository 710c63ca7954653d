//! The console's root: the login form until an agent is logged in, then the
//! top bar (views, presence, log out) over the chosen screen.

use crate::api;
use crate::campaigns::CampaignsView;
use crate::chat::{ChatList, ChatPane};
use crate::i18n::{Locale, fill};
use crate::insights::InsightsView;
use crate::language::LanguagePicker;
use crate::macro_editor::MacrosView;
use crate::queue::Queue;
use crate::records::{ReturnsView, TicketsView};
use crate::settings::SettingsView;
use crate::state::{Connection, Console, View, unix_now};
use crate::store_requests::StoreRequestsView;
use crate::team::{ForgotForm, SetPasswordForm, TeamView};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The whole console.
#[component]
pub fn App(
    /// The interface language.
    locale: Locale,
) -> impl IntoView {
    let console = Console::new(locale);
    provide_context(console);
    console.check_session();
    // Waiting times tick without polling the server.
    let clock = set_interval_with_handle(
        move || console.now.set(unix_now()),
        std::time::Duration::from_secs(5),
    )
    .ok();
    on_cleanup(move || {
        if let Some(clock) = clock {
            clock.clear();
        }
    });
    // Coming back to the tab counts as reading what is on screen.
    let visibility =
        window_event_listener_untyped("visibilitychange", move |_| console.send_read_receipt());
    on_cleanup(move || visibility.remove());
    // `<html lang>` follows the interface language (screen readers,
    // hyphenation, the right CJK glyphs).
    Effect::new(move |_| {
        let tag = console.language.get().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });
    // The tab title shows how many shoppers wait.
    Effect::new(move |_| {
        console.language.track();
        let waiting = console.desk.with(|d| d.queue.len());
        let title = match (console.agent.with(Option::is_some), waiting) {
            (true, n) if n > 0 => format!("({n}) {}", console.strings().app_title),
            _ => console.strings().app_title.to_owned(),
        };
        document().set_title(&title);
    });
    view! {
        {move || {
            // A new language draws every screen again, at once; what the
            // agent was doing lives in `Console`, outside the screens.
            console.language.track();
            if let Some(token) = console.password_token.get() {
                Some(view! { <SetPasswordForm token=token/> }.into_any())
            } else if !console.checked.get() {
                None
            } else if console.agent.with(Option::is_some) {
                Some(view! { <Workspace/> }.into_any())
            } else if console.forgot.get() {
                Some(view! { <ForgotForm/> }.into_any())
            } else {
                Some(view! { <Login/> }.into_any())
            }
        }}
    }
}

/// The login form: email, password, a clear error.
#[component]
pub fn Login() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let email = console.login_email;
    let password = console.login_password;
    let error = RwSignal::new(console.login_message.get_untracked());
    let invalid = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let email_input: NodeRef<html::Input> = NodeRef::new();
    let password_input: NodeRef<html::Input> = NodeRef::new();
    // The email field takes focus, unless the agent is choosing a language
    // or has already put the focus somewhere (typing fast, or a password
    // manager): the deferred focus never pulls the caret out of a field.
    let autofocus = !console.refocus_language.get_untracked();
    email_input.on_load(move |input| {
        if autofocus {
            request_animation_frame(move || {
                let focused = document()
                    .active_element()
                    .is_some_and(|el| el.tag_name() != "BODY");
                if !focused {
                    let _ = input.focus();
                }
            })
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (e, p) = (email.get_untracked(), password.get_untracked());
        if e.trim().is_empty() || p.is_empty() {
            error.set(Some(s.login_missing.to_owned()));
            invalid.set(true);
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::login(e.trim(), &p).await;
            busy.set(false);
            match result {
                Ok(agent) => console.logged_in(agent),
                Err(failure) => {
                    let message = match &failure {
                        api::CallError::Unauthorized => s.wrong_credentials.to_owned(),
                        api::CallError::Api(e)
                            if e.code == aisle_core::api::ErrorCode::Forbidden =>
                        {
                            s.account_disabled.to_owned()
                        }
                        api::CallError::RateLimited(seconds) => fill(
                            s.login_rate_limited,
                            &[("minutes", &seconds.div_ceil(60).to_string())],
                        ),
                        _ => s.network_error.to_owned(),
                    };
                    invalid.set(matches!(failure, api::CallError::Unauthorized));
                    password.set(String::new());
                    error.set(Some(message));
                    if let Some(input) = password_input.get_untracked() {
                        let _ = input.focus();
                    }
                }
            }
        });
    };

    view! {
        <main class="login">
            <LanguagePicker/>
            <h1>{s.app_title}</h1>
            <p class="muted">{s.login_intro}</p>
            <form on:submit=submit novalidate>
                <p
                    id="login-error"
                    class="error"
                    role="alert"
                >
                    {move || error.get()}
                </p>
                <label for="login-email">{s.email}</label>
                <input
                    id="login-email"
                    type="email"
                    name="email"
                    autocomplete="username"
                    required
                    node_ref=email_input
                    aria-invalid=move || invalid.get().then_some("true")
                    aria-describedby=move || error.with(Option::is_some).then_some("login-error")
                    bind:value=email
                />
                <label for="login-password">{s.password}</label>
                <input
                    id="login-password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                    node_ref=password_input
                    aria-invalid=move || invalid.get().then_some("true")
                    aria-describedby=move || error.with(Option::is_some).then_some("login-error")
                    bind:value=password
                />
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                    {move || if busy.get() { s.logging_in } else { s.log_in }}
                </button>
                <button type="button" class="link-button" on:click=move |_| console.forgot.set(true)>
                    {s.forgot_password}
                </button>
            </form>
        </main>
    }
}

/// Everything once logged in: the top bar and the chosen view.
#[component]
pub fn Workspace() -> impl IntoView {
    let console = expect_context::<Console>();
    view! {
        <TopBar/>
        <main class="workspace">
            <NoticeRegion/>
            {move || match console.view.get() {
                View::Conversations => view! { <ConversationsView/> }.into_any(),
                View::Tickets => view! { <TicketsView/> }.into_any(),
                View::Returns => view! { <ReturnsView/> }.into_any(),
                View::StoreRequests => view! { <StoreRequestsView/> }.into_any(),
                View::Insights => view! { <InsightsView/> }.into_any(),
                View::Team if console.is_admin() => view! { <TeamView/> }.into_any(),
                View::Macros if console.is_admin() => view! { <MacrosView/> }.into_any(),
                View::Settings if console.is_admin() => view! { <SettingsView/> }.into_any(),
                View::Team | View::Macros | View::Settings => {
                    view! { <ConversationsView/> }.into_any()
                }
                View::Campaigns => view! { <CampaignsView/> }.into_any(),
            }}
        </main>
    }
}

/// Announcements (new shopper waiting, conversation taken…), read out politely.
#[component]
fn NoticeRegion() -> impl IntoView {
    let console = expect_context::<Console>();
    view! {
        <div class="notice-region" role="status" aria-live="polite">
            {move || {
                console
                    .notice
                    .get()
                    .map(|(_, text)| view! { <p class="notice">{text}</p> })
            }}
        </div>
    }
}

/// The top bar: product name, views, presence, connection, agent, log out.
#[component]
fn TopBar() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let view_button = move |view: View, label: &'static str| {
        let badge = move || {
            (view == View::Conversations)
                .then(|| console.desk.with(|d| d.queue.len()))
                .filter(|n| *n > 0)
                .map(|n| view! { <span class="badge">{n}</span> })
        };
        view! {
            <li>
                <button
                    type="button"
                    class="view-tab"
                    aria-current=move || (console.view.get() == view).then_some("page")
                    on:click=move |_| {
                        console.view.set(view);
                        console.send_read_receipt();
                    }
                >
                    {label}
                    {badge}
                </button>
            </li>
        }
    };
    let presence = move |online: bool, label: &'static str| {
        view! {
            <button
                type="button"
                class="presence"
                class:online=online
                aria-pressed=move || (console.online.get() == online).to_string()
                on:click=move |_| console.set_online(online)
            >
                <span class="dot" aria-hidden="true"></span>
                {label}
            </button>
        }
    };
    let connection = move || match console.connection.get() {
        Connection::Open => s.connected,
        Connection::Connecting | Connection::Closed => s.reconnecting,
    };
    let name = move || {
        console.agent.with(|a| {
            a.as_ref()
                .map(|a| fill(s.signed_in_as, &[("name", &a.name)]))
        })
    };
    view! {
        <header class="topbar">
            <h1 class="brand">{s.app_title}</h1>
            <nav aria-label=s.views>
                <ul class="view-tabs">
                    {view_button(View::Conversations, s.conversations_view)}
                    {view_button(View::Tickets, s.tickets_view)}
                    {view_button(View::Returns, s.returns_view)}
                    {view_button(View::StoreRequests, s.store_requests_view)}
                    {view_button(View::Insights, s.insights_view)}
                    {view_button(View::Campaigns, s.campaigns_view)}
                    {move || console.is_admin().then(|| view_button(View::Team, s.team_view))}
                    {move || console.is_admin().then(|| view_button(View::Macros, s.macros_view))}
                    {move || console.is_admin().then(|| view_button(View::Settings, s.settings_view))}
                </ul>
            </nav>
            <div class="presence-group" role="group" aria-label=s.presence>
                {presence(true, s.online)}
                {presence(false, s.away)}
            </div>
            <Alerts/>
            <p
                class="connection"
                class:open=move || console.connection.get() == Connection::Open
            >
                {connection}
            </p>
            <p class="agent-name">{name}</p>
            <LanguagePicker/>
            <button type="button" class="secondary" on:click=move |_| console.log_out()>
                {s.log_out}
            </button>
        </header>
    }
}

/// "Notifications" and "Sound": alerts while the console is not in view.
#[component]
fn Alerts() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let notify = RwSignal::new(crate::notify::enabled());
    let sound = RwSignal::new(crate::notify::sound());
    let toggle_notify = move |_| {
        let on = !notify.get_untracked();
        leptos::task::spawn_local(async move {
            let now = crate::notify::set_enabled(on).await;
            notify.set(now);
            if on && !now {
                console.announce(s.notify_blocked.to_owned());
            }
        });
    };
    let toggle_sound = move |_| {
        let on = !sound.get_untracked();
        crate::notify::set_sound(on);
        sound.set(on);
    };
    crate::notify::supported().then(|| {
        view! {
            <div class="alerts-group" role="group" aria-label=s.alerts>
                <button
                    type="button"
                    class="toggle"
                    aria-pressed=move || notify.get().to_string()
                    on:click=toggle_notify
                >
                    {s.notifications}
                </button>
                <button
                    type="button"
                    class="toggle"
                    aria-pressed=move || sound.get().to_string()
                    on:click=toggle_sound
                >
                    {s.sound}
                </button>
            </div>
        }
    })
}

/// Queue, the agent's conversations and the one on screen.
#[component]
fn ConversationsView() -> impl IntoView {
    view! {
        <div class="conversations">
            <div class="side">
                <Queue/>
                <ChatList/>
            </div>
            <ChatPane/>
        </div>
    }
}
