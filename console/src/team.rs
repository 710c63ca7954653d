//! The team: the admins' "Team" view (list, invite, disable and re-enable,
//! role, password reset), and the two forms anyone reaches from outside the
//! console: "Forgot your password?" on the login screen and "Set your
//! password" behind an invitation or reset link (`#/invite/TOKEN`,
//! `#/reset/TOKEN`).
//!
//! Everything typed or received is shown as text (Leptos escapes it); a link
//! shown to the admin is in a read-only field, never markup.

use crate::api::{self, CallError, Link, Member};
use crate::i18n::{Locale, Strings, fill};
use crate::language::LanguagePicker;
use crate::state::Console;
use aisle_core::agent_api::Role;
use aisle_core::api::ErrorCode;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Shortest password the server takes (`MIN_PASSWORD_CHARS` there).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The words for a role.
fn role_name(s: &'static Strings, role: Role) -> &'static str {
    match role {
        Role::Admin => s.role_admin,
        Role::Agent => s.role_agent,
    }
}

/// The words for a status.
fn status_name(s: &'static Strings, status: &str) -> &'static str {
    match status {
        "disabled" => s.status_disabled,
        "invited" => s.status_invited,
        _ => s.status_active,
    }
}

/// Whether the server refused because the agent is not (or no longer) an admin.
pub fn is_forbidden(error: &CallError) -> bool {
    matches!(error, CallError::Api(e) if e.code == ErrorCode::Forbidden)
}

/// What the server said about a refused call, else the network message.
fn refusal(s: &'static Strings, error: &CallError) -> String {
    match error {
        CallError::Api(e) => e.message.clone(),
        CallError::RateLimited(seconds) => fill(
            s.login_rate_limited,
            &[("minutes", &seconds.div_ceil(60).to_string())],
        ),
        _ => s.network_error.to_owned(),
    }
}

/// A link shown once to the admin, with "Copy link".
#[derive(Debug, Clone, PartialEq, Eq)]
struct ShownLink {
    name: String,
    url: String,
}

/// The Team view: the site's agents and what an admin can do about them.
#[component]
pub fn TeamView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let team = RwSignal::new(None::<Result<api::Team, String>>);
    let shown = RwSignal::new(None::<ShownLink>);
    let busy = RwSignal::new(None::<i64>);
    let load = move || {
        spawn_local(async move {
            team.set(Some(match api::team().await {
                Ok(t) => Ok(t),
                Err(CallError::Unauthorized) => {
                    console.reconnect();
                    Err(s.network_error.to_owned())
                }
                Err(e) => {
                    if is_forbidden(&e) {
                        console.forbidden();
                    }
                    Err(refusal(s, &e))
                }
            }));
        });
    };
    load();
    let replace = move |member: Member| {
        team.update(|t| {
            if let Some(Ok(t)) = t
                && let Some(m) = t.agents.iter_mut().find(|m| m.id == member.id)
            {
                *m = member;
            }
        });
    };
    let act = move |id: i64, name: String, action: &'static str, role: Option<Role>| {
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(id));
        spawn_local(async move {
            match api::change_member(id, action, role).await {
                Ok(member) => {
                    let notice = match action {
                        "disable" => fill(s.notice_disabled, &[("name", &name)]),
                        "enable" => fill(s.notice_enabled, &[("name", &name)]),
                        _ => fill(
                            s.notice_role,
                            &[("name", &name), ("role", role_name(s, member.role))],
                        ),
                    };
                    replace(member);
                    console.announce(notice);
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(e) => {
                    console.announce(refusal(s, &e));
                    // The picker shows what the server has.
                    load();
                }
            }
            busy.set(None);
        });
    };
    let reset = move |id: i64, name: String| {
        if busy.get_untracked().is_some() {
            return;
        }
        busy.set(Some(id));
        spawn_local(async move {
            match api::reset_member(id).await {
                Ok(Link {
                    link: Some(url), ..
                }) => shown.set(Some(ShownLink { name, url })),
                Ok(_) => console.announce(fill(s.link_emailed, &[("name", &name)])),
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(e) => {
                    if is_forbidden(&e) {
                        console.forbidden();
                    }
                    console.announce(refusal(s, &e))
                }
            }
            busy.set(None);
        });
    };
    let rows = move || match team.get() {
        None => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Some(Err(message)) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
        Some(Ok(t)) => {
            let me = t.me;
            let rows = t
                .agents
                .into_iter()
                .map(|m| {
                    let id = m.id;
                    let name = m.name.clone();
                    let is_me = id == me;
                    let working = move || busy.get() == Some(id);
                    let disabled = m.status == "disabled";
                    let toggle = {
                        let name = name.clone();
                        (!is_me).then(|| {
                            let (label, text, action) = if disabled {
                                (fill(s.enable_member, &[("name", &name)]), s.enable, "enable")
                            } else {
                                (fill(s.disable_member, &[("name", &name)]), s.disable, "disable")
                            };
                            let name = name.clone();
                            view! {
                                <button
                                    type="button"
                                    class="secondary"
                                    aria-label=label
                                    aria-disabled=move || working().then_some("true")
                                    on:click=move |_| act(id, name.clone(), action, None)
                                >
                                    {text}
                                </button>
                            }
                        })
                    };
                    let reset_button = (!disabled).then(|| {
                        let name = name.clone();
                        view! {
                            <button
                                type="button"
                                class="secondary"
                                aria-label=fill(s.reset_member, &[("name", &name)])
                                aria-disabled=move || working().then_some("true")
                                on:click=move |_| reset(id, name.clone())
                            >
                                {s.reset_password}
                            </button>
                        }
                    });
                    let role_name_for = name.clone();
                    let change_role = move |ev: leptos::ev::Event| {
                        let role = Role::from_name(&event_target_value(&ev));
                        act(id, role_name_for.clone(), "role", Some(role));
                    };
                    let is_admin = m.role == Role::Admin;
                    view! {
                        <tr>
                            <th scope="row">
                                {m.name.clone()}
                                {is_me.then(|| view! { " " <span class="muted">{s.you_marker}</span> })}
                            </th>
                            <td class="body">{m.email.clone()}</td>
                            <td>
                                <select
                                    aria-label=fill(s.role_of, &[("name", &name)])
                                    on:change=change_role
                                >
                                    <option value="admin" selected=is_admin>{s.role_admin}</option>
                                    <option value="agent" selected=!is_admin>{s.role_agent}</option>
                                </select>
                            </td>
                            <td>{status_name(s, &m.status)}</td>
                            <td class="team-actions">{toggle}{reset_button}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="records" aria-labelledby="team-title">
                    <thead>
                        <tr>
                            <th scope="col">{s.team_name}</th>
                            <th scope="col">{s.email}</th>
                            <th scope="col">{s.team_role}</th>
                            <th scope="col">{s.team_status}</th>
                            <th scope="col"><span class="visually-hidden">{s.team_actions}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }
            .into_any()
        }
    };
    let invited = move |member: Member, link: Link| {
        team.update(|t| {
            if let Some(Ok(t)) = t {
                t.agents.push(member.clone());
            }
        });
        match link.link {
            Some(url) if !link.emailed => shown.set(Some(ShownLink {
                name: member.name.clone(),
                url,
            })),
            Some(url) => {
                console.announce(fill(s.link_emailed, &[("name", &member.name)]));
                shown.set(Some(ShownLink {
                    name: member.name,
                    url,
                }));
            }
            None => console.announce(fill(s.link_emailed, &[("name", &member.name)])),
        }
    };
    view! {
        <section class="records-view panel team" aria-labelledby="team-title">
            <div class="section-head">
                <h2 id="team-title">{s.team_view}</h2>
                <button type="button" class="secondary" on:click=move |_| load()>{s.refresh}</button>
            </div>
            <p class="muted">{s.team_intro}</p>
            {move || shown.get().map(|link| view! { <LinkBox link=link/> })}
            {rows}
            <InviteForm invited=invited/>
        </section>
    }
}

/// A password link shown once, in a read-only field, with "Copy link".
#[component]
fn LinkBox(link: ShownLink) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let input: NodeRef<html::Input> = NodeRef::new();
    let url = link.url.clone();
    let copy = move |_| {
        let url = url.clone();
        if let Some(input) = input.get_untracked() {
            input.select();
        }
        spawn_local(async move {
            let Some(window) = web_sys::window() else {
                return;
            };
            let written = wasm_bindgen_futures::JsFuture::from(
                window.navigator().clipboard().write_text(&url),
            )
            .await;
            if written.is_ok() {
                console.announce(s.link_copied.to_owned());
            }
        });
    };
    view! {
        <div class="link-box" role="group" aria-labelledby="shown-link-label">
            <label id="shown-link-label" for="shown-link">
                {fill(s.link_for, &[("name", &link.name)])}
            </label>
            <div class="link-row">
                <input id="shown-link" type="text" readonly node_ref=input prop:value=link.url.clone()/>
                <button type="button" class="primary" on:click=copy>{s.copy_link}</button>
            </div>
            <p class="muted small">{s.link_help}</p>
        </div>
    }
}

/// "Invite an agent": email, name, role, and the language of their
/// invitation email.
#[component]
fn InviteForm(invited: impl Fn(Member, Link) + Copy + Send + Sync + 'static) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new("agent".to_owned());
    // The admin's own language unless they choose the invitee's.
    let language = RwSignal::new(console.locale());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (e, n, r) = (
            email.get_untracked().trim().to_owned(),
            name.get_untracked().trim().to_owned(),
            Role::from_name(&role.get_untracked()),
        );
        if e.is_empty() || n.is_empty() {
            error.set(Some(s.invite_missing.to_owned()));
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::invite(&e, &n, r, language.get_untracked()).await {
                Ok((member, link)) => {
                    email.set(String::new());
                    name.set(String::new());
                    invited(member, link);
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(e) => {
                    if is_forbidden(&e) {
                        console.forbidden();
                    }
                    error.set(Some(refusal(s, &e)))
                }
            }
            busy.set(false);
        });
    };
    view! {
        <form class="invite" on:submit=submit novalidate aria-labelledby="invite-title">
            <h3 id="invite-title">{s.invite_heading}</h3>
            <p id="invite-error" class="error" role="alert">{move || error.get()}</p>
            <div class="invite-fields">
                <label for="invite-name">{s.team_name}</label>
                <input id="invite-name" type="text" autocomplete="off" maxlength="100" bind:value=name/>
                <label for="invite-email">{s.email}</label>
                <input id="invite-email" type="email" autocomplete="off" bind:value=email/>
                <label for="invite-role">{s.team_role}</label>
                <select id="invite-role" on:change=move |ev| role.set(event_target_value(&ev))>
                    <option value="agent" selected=true>{s.role_agent}</option>
                    <option value="admin">{s.role_admin}</option>
                </select>
                <label for="invite-language">{s.invite_language}</label>
                <select
                    id="invite-language"
                    on:change=move |ev| {
                        if let Some(locale) = Locale::from_tag(&event_target_value(&ev)) {
                            language.set(locale);
                        }
                    }
                >
                    {Locale::ALL
                        .into_iter()
                        .map(|locale| {
                            view! {
                                <option
                                    value=locale.tag()
                                    lang=locale.tag()
                                    selected=locale == language.get_untracked()
                                >
                                    {locale.name()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                {move || if busy.get() { s.inviting } else { s.invite_send }}
            </button>
        </form>
    }
}

/// "Forgot your password?": an email address; the same answer for any.
#[component]
pub fn ForgotForm() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let email = RwSignal::new(console.login_email.get_untracked());
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let e = email.get_untracked().trim().to_owned();
        if e.is_empty() {
            message.set(Some((true, s.email_missing.to_owned())));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            message.set(Some(match api::forgot_password(&e).await {
                Ok(()) => (false, s.forgot_sent.to_owned()),
                Err(e) => (true, refusal(s, &e)),
            }));
            busy.set(false);
        });
    };
    view! {
        <main class="login">
            <LanguagePicker/>
            <h1>{s.forgot_password}</h1>
            <p class="muted">{s.forgot_intro}</p>
            <form on:submit=submit novalidate>
                <p
                    class=move || if message.with(|m| m.as_ref().is_some_and(|m| m.0)) { "error" } else { "muted" }
                    role="status"
                >
                    {move || message.get().map(|m| m.1)}
                </p>
                <label for="forgot-email">{s.email}</label>
                <input id="forgot-email" type="email" autocomplete="username" bind:value=email/>
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                    {s.send_link}
                </button>
                <button type="button" class="secondary" on:click=move |_| console.forgot.set(false)>
                    {s.back_to_login}
                </button>
            </form>
        </main>
    }
}

/// "Set your password", behind an invitation or reset link.
#[component]
pub fn SetPasswordForm(
    /// The link's token.
    token: String,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let min = MIN_PASSWORD_CHARS.to_string();
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let first: NodeRef<html::Input> = NodeRef::new();
    first.on_load(move |input| {
        request_animation_frame(move || {
            let _ = input.focus();
        })
    });
    let submit = {
        let min = min.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let (p, c) = (password.get_untracked(), confirm.get_untracked());
            if p.chars().count() < MIN_PASSWORD_CHARS {
                error.set(Some(fill(s.password_too_short, &[("min", &min)])));
                return;
            }
            if p != c {
                error.set(Some(s.passwords_differ.to_owned()));
                return;
            }
            busy.set(true);
            error.set(None);
            let token = token.clone();
            spawn_local(async move {
                match api::set_password(&token, &p).await {
                    Ok(()) => console.password_done(Some(s.password_set.to_owned())),
                    Err(CallError::Api(e))
                        if e.code == ErrorCode::BadRequest
                            && e.field.as_deref() == Some("token") =>
                    {
                        error.set(Some(s.link_expired.to_owned()))
                    }
                    Err(e) => error.set(Some(refusal(s, &e))),
                }
                busy.set(false);
            });
        }
    };
    view! {
        <main class="login">
            <LanguagePicker/>
            <h1>{s.set_password_title}</h1>
            <p class="muted" id="password-rule">{fill(s.set_password_intro, &[("min", &min)])}</p>
            <form on:submit=submit novalidate>
                <p id="password-error" class="error" role="alert">{move || error.get()}</p>
                <label for="new-password">{s.new_password}</label>
                <input
                    id="new-password"
                    type="password"
                    autocomplete="new-password"
                    node_ref=first
                    aria-describedby="password-rule password-error"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    bind:value=password
                />
                <label for="confirm-password">{s.confirm_password}</label>
                <input
                    id="confirm-password"
                    type="password"
                    autocomplete="new-password"
                    aria-describedby="password-error"
                    aria-invalid=move || error.with(Option::is_some).then_some("true")
                    bind:value=confirm
                />
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                    {s.save_password}
                </button>
                <button type="button" class="secondary" on:click=move |_| console.password_done(None)>
                    {s.back_to_login}
                </button>
            </form>
        </main>
    }
}
