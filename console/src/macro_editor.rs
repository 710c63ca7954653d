//! The admins' macros editor: the site's macros with a live preview of the
//! one being written, its variables filled from a sample conversation
//! ([`crate::macros::sample`]). Unknown variables are named as they are
//! typed; the server checks them again and its answer is shown as it says.
//! The list it edits is the one the reply box's picker uses
//! ([`Console::macros`]), so a change shows there at once.

use crate::api::{self, CallError};
use crate::i18n::fill;
use crate::macros::{self, Macro, VARIABLES};
use crate::state::Console;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The macros and the form (new, or editing one).
#[component]
pub fn MacrosView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let editing = RwSignal::new(None::<Macro>);
    let title = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let agent_name = console
        .agent
        .with_untracked(|a| a.as_ref().map(|a| a.name.clone()))
        .unwrap_or_default();
    let sample = macros::sample(&agent_name);
    let expanded = Memo::new(move |_| macros::expand(&body.get(), &sample));
    let unknown = move || {
        let missing = expanded.with(|e| e.missing.clone());
        (!missing.is_empty()).then(|| {
            let names: Vec<String> = missing.iter().map(|m| format!("{{{{{m}}}}}")).collect();
            fill(s.macro_unknown, &[("names", &names.join(", "))])
        })
    };
    let start_edit = move |m: Macro| {
        title.set(m.title.clone());
        body.set(m.body.clone());
        error.set(None);
        editing.set(Some(m));
    };
    let clear = move || {
        editing.set(None);
        title.set(String::new());
        body.set(String::new());
        error.set(None);
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (t, b) = (
            title.get_untracked().trim().to_owned(),
            body.get_untracked().trim().to_owned(),
        );
        if t.is_empty() || b.is_empty() {
            error.set(Some(s.macro_incomplete.to_owned()));
            return;
        }
        if let Some(problem) = unknown() {
            error.set(Some(problem));
            return;
        }
        busy.set(true);
        error.set(None);
        let id = editing.get_untracked().map(|m| m.id);
        spawn_local(async move {
            match api::save_macro(id.as_deref(), &t, &b).await {
                Ok(saved) => {
                    console.macros.update(|list| {
                        match list.iter_mut().find(|m| m.id == saved.id) {
                            Some(m) => *m = saved.clone(),
                            None => list.push(saved.clone()),
                        }
                    });
                    console.announce(fill(s.notice_macro_saved, &[("title", &saved.title)]));
                    clear();
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(CallError::Api(e)) => {
                    if e.code == aisle_core::api::ErrorCode::Forbidden {
                        console.forbidden();
                    }
                    error.set(Some(e.message))
                }
                Err(_) => error.set(Some(s.network_error.to_owned())),
            }
            busy.set(false);
        });
    };
    let delete = move |m: Macro| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::delete_macro(&m.id).await {
                Ok(()) => {
                    console.macros.update(|list| list.retain(|x| x.id != m.id));
                    if editing.with_untracked(|e| e.as_ref().is_some_and(|e| e.id == m.id)) {
                        clear();
                    }
                    console.announce(fill(s.notice_macro_deleted, &[("title", &m.title)]));
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(CallError::Api(e)) => console.announce(e.message),
                Err(_) => console.announce(s.network_error.to_owned()),
            }
            busy.set(false);
        });
    };
    let rows = move || {
        let list = console.macros.get();
        if list.is_empty() {
            return view! { <p class="muted">{s.no_macros}</p> }.into_any();
        }
        let rows = list
            .into_iter()
            .map(|m| {
                let (for_edit, for_delete) = (m.clone(), m.clone());
                view! {
                    <tr>
                        <th scope="row">{m.title.clone()}</th>
                        <td class="body"><p>{m.body.clone()}</p></td>
                        <td class="team-actions">
                            <button
                                type="button"
                                class="secondary"
                                aria-label=fill(s.edit_macro, &[("title", &m.title)])
                                on:click=move |_| start_edit(for_edit.clone())
                            >
                                {s.edit}
                            </button>
                            <button
                                type="button"
                                class="secondary"
                                aria-label=fill(s.delete_macro, &[("title", &m.title)])
                                on:click=move |_| delete(for_delete.clone())
                            >
                                {s.delete}
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="records" aria-labelledby="macros-title">
                <thead>
                    <tr>
                        <th scope="col">{s.macro_title}</th>
                        <th scope="col">{s.macro_body}</th>
                        <th scope="col"><span class="visually-hidden">{s.team_actions}</span></th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    let variables: String = VARIABLES
        .iter()
        .map(|v| format!("{{{{{v}}}}}"))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        <section class="records-view panel" aria-labelledby="macros-title">
            <div class="section-head">
                <h2 id="macros-title">{s.macros_view}</h2>
            </div>
            <p class="muted">{s.macros_intro}</p>
            {rows}
            <form class="invite macro-form" on:submit=submit novalidate aria-labelledby="macro-form-title">
                <h3 id="macro-form-title">
                    {move || match editing.get() {
                        Some(m) => fill(s.editing_macro, &[("title", &m.title)]),
                        None => s.new_macro.to_owned(),
                    }}
                </h3>
                <p id="macro-error" class="error" role="alert">{move || error.get()}</p>
                <label for="macro-title">{s.macro_title}</label>
                <input id="macro-title" type="text" maxlength="80" bind:value=title/>
                <label for="macro-body">{s.macro_body}</label>
                <p id="macro-variables" class="muted small">
                    {fill(s.macro_variables, &[("variables", &variables)])}
                </p>
                <textarea
                    id="macro-body"
                    rows="4"
                    maxlength="2000"
                    aria-describedby="macro-variables macro-unknown"
                    aria-invalid=move || unknown().is_some().then_some("true")
                    bind:value=body
                ></textarea>
                <p id="macro-unknown" class="error">{unknown}</p>
                <h4 id="macro-preview-title">{s.macro_preview}</h4>
                <p class="macro-preview" role="region" aria-labelledby="macro-preview-title">
                    {move || expanded.with(|e| e.text.clone())}
                </p>
                <div class="team-actions">
                    <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                        {s.save_macro}
                    </button>
                    {move || editing.with(Option::is_some).then(|| view! {
                        <button type="button" class="secondary" on:click=move |_| clear()>{s.cancel_edit}</button>
                    })}
                </div>
            </form>
        </section>
    }
}
