//! The admins' Settings view: the site's tag list (add, rename, delete) and
//! its business hours (time zone and each day's spans, written
//! `09:00-17:00, 13:00-18:00`). Hours are checked by the server as a site
//! file import checks them; its messages are shown as it words them.

use crate::api::{self, BusinessHours, CallError, SiteTag};
use crate::i18n::{Strings, fill};
use crate::state::Console;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Day keys of the site file, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A day's name.
fn day_name(s: &'static Strings, day: &str) -> &'static str {
    match day {
        "mon" => s.day_mon,
        "tue" => s.day_tue,
        "wed" => s.day_wed,
        "thu" => s.day_thu,
        "fri" => s.day_fri,
        "sat" => s.day_sat,
        _ => s.day_sun,
    }
}

/// A day's spans as typed: `09:00-12:00, 13:00-17:00`; `None` when a part
/// is not two times around a dash (the server checks the times themselves).
pub fn parse_spans(text: &str) -> Option<Vec<[String; 2]>> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (from, until) = part.split_once(['-', '–'])?;
            let (from, until) = (from.trim(), until.trim());
            (!from.is_empty() && !until.is_empty()).then(|| [from.to_owned(), until.to_owned()])
        })
        .collect()
}

/// Spans as the field shows them.
pub fn format_spans(spans: &[[String; 2]]) -> String {
    spans
        .iter()
        .map(|[from, until]| format!("{from}-{until}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Tags, then business hours.
#[component]
pub fn SettingsView() -> impl IntoView {
    view! {
        <div class="settings">
            <TagsEditor/>
            <HoursEditor/>
        </div>
    }
}

/// The site's tag list.
#[component]
fn TagsEditor() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let new_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The list is fresh when the view opens (another admin may have changed it).
    spawn_local(async move {
        if let Ok(list) = api::tags().await {
            console.tags.set(list);
        }
    });
    let save = move |id: Option<i64>, name: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::save_tag(id, &name).await {
                Ok(tag) => {
                    console.tags.update(|list| {
                        match list.iter_mut().find(|t| t.id == tag.id) {
                            Some(t) => *t = tag.clone(),
                            None => list.push(tag.clone()),
                        }
                        list.sort_by_key(|t| t.name.to_lowercase());
                    });
                    if id.is_none() {
                        new_name.set(String::new());
                    }
                    console.announce(fill(s.notice_tag_saved, &[("name", &tag.name)]));
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
    let delete = move |tag: SiteTag| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match api::delete_tag(tag.id).await {
                Ok(()) => {
                    console.tags.update(|list| list.retain(|t| t.id != tag.id));
                    console.announce(fill(s.notice_tag_deleted, &[("name", &tag.name)]));
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
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let name = new_name.get_untracked().trim().to_owned();
        if !name.is_empty() {
            save(None, name);
        }
    };
    let rows = move || {
        let list = console.tags.get();
        if list.is_empty() {
            return view! { <p class="muted">{s.no_tags}</p> }.into_any();
        }
        view! {
            <ul class="tag-list">
                {list
                    .into_iter()
                    .map(|tag| {
                        let name = RwSignal::new(tag.name.clone());
                        let id = tag.id;
                        let field = format!("tag-{id}");
                        let for_delete = tag.clone();
                        view! {
                            <li class="tag-row">
                                <input
                                    id=field
                                    type="text"
                                    maxlength="40"
                                    aria-label=fill(s.tag_name_of, &[("name", &tag.name)])
                                    bind:value=name
                                />
                                <button
                                    type="button"
                                    class="secondary"
                                    aria-label=fill(s.rename_tag, &[("name", &tag.name)])
                                    on:click=move |_| save(Some(id), name.get_untracked().trim().to_owned())
                                >
                                    {s.rename}
                                </button>
                                <button
                                    type="button"
                                    class="secondary"
                                    aria-label=fill(s.delete_tag, &[("name", &tag.name)])
                                    on:click=move |_| delete(for_delete.clone())
                                >
                                    {s.delete}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <section class="records-view panel" aria-labelledby="tags-title">
            <h2 id="tags-title">{s.tags_heading}</h2>
            <p class="muted">{s.tags_intro}</p>
            <p class="error" role="alert">{move || error.get()}</p>
            {rows}
            <form class="tag-row" on:submit=add>
                <label for="new-tag">{s.new_tag}</label>
                <input id="new-tag" type="text" maxlength="40" autocomplete="off" bind:value=new_name/>
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                    {s.add_tag}
                </button>
            </form>
        </section>
    }
}

/// Time zone and each day's spans.
#[component]
fn HoursEditor() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let time_zone = RwSignal::new(String::new());
    let days: [RwSignal<String>; 7] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let show = move |hours: Option<BusinessHours>| {
        let hours = hours.unwrap_or_default();
        time_zone.set(hours.time_zone.clone());
        for (day, field) in DAYS.iter().zip(days) {
            field.set(
                hours
                    .weekly
                    .get(*day)
                    .map(|spans| format_spans(spans))
                    .unwrap_or_default(),
            );
        }
    };
    spawn_local(async move {
        match api::hours().await {
            Ok(hours) => show(hours),
            Err(CallError::Unauthorized) => console.reconnect(),
            Err(_) => errors.set(vec![s.network_error.to_owned()]),
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let zone = time_zone.get_untracked().trim().to_owned();
        let mut weekly = std::collections::BTreeMap::new();
        let mut problems = Vec::new();
        for (day, field) in DAYS.iter().zip(days) {
            match parse_spans(&field.get_untracked()) {
                Some(spans) if spans.is_empty() => {}
                Some(spans) => {
                    weekly.insert((*day).to_owned(), spans);
                }
                None => problems.push(fill(s.hours_format, &[("day", day_name(s, day))])),
            }
        }
        if !problems.is_empty() {
            errors.set(problems);
            return;
        }
        let hours = (!zone.is_empty()).then_some(BusinessHours {
            time_zone: zone,
            weekly,
        });
        busy.set(true);
        errors.set(Vec::new());
        spawn_local(async move {
            match api::save_hours(hours.as_ref()).await {
                Ok(saved) => {
                    show(saved);
                    console.announce(s.notice_hours_saved.to_owned());
                }
                Err(CallError::Unauthorized) => console.reconnect(),
                Err(CallError::Api(e)) => {
                    if e.code == aisle_core::api::ErrorCode::Forbidden {
                        console.forbidden();
                    }
                    errors.set(vec![e.message])
                }
                Err(_) => errors.set(vec![s.network_error.to_owned()]),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="records-view panel" aria-labelledby="hours-title">
            <h2 id="hours-title">{s.hours_heading}</h2>
            <p class="muted">{s.hours_intro}</p>
            <div class="error" role="alert">
                {move || errors.get().into_iter().map(|e| view! { <p>{e}</p> }).collect_view()}
            </div>
            <form class="invite hours-form" on:submit=submit novalidate>
                <div class="invite-fields">
                    <label for="time-zone">{s.time_zone}</label>
                    <div>
                        <input
                            id="time-zone"
                            type="text"
                            autocomplete="off"
                            aria-describedby="time-zone-hint"
                            bind:value=time_zone
                        />
                        <p id="time-zone-hint" class="muted small">{s.time_zone_hint}</p>
                    </div>
                    {DAYS
                        .iter()
                        .zip(days)
                        .map(|(day, field)| {
                            let id = format!("hours-{day}");
                            view! {
                                <label for=id.clone()>{day_name(s, day)}</label>
                                <input
                                    id=id
                                    type="text"
                                    autocomplete="off"
                                    placeholder="09:00-17:00"
                                    aria-describedby="hours-hint"
                                    bind:value=field
                                />
                            }
                        })
                        .collect_view()}
                </div>
                <p id="hours-hint" class="muted small">{s.hours_day_hint}</p>
                <button type="submit" class="primary" aria-disabled=move || busy.get().then_some("true")>
                    {s.save_hours}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_read_as_typed_and_written_back_the_same() {
        let spans = parse_spans(" 09:00-12:00 ,13:00 – 17:30,").unwrap();
        assert_eq!(
            spans,
            [
                ["09:00".to_owned(), "12:00".to_owned()],
                ["13:00".to_owned(), "17:30".to_owned()]
            ]
        );
        assert_eq!(format_spans(&spans), "09:00-12:00, 13:00-17:30");
        assert_eq!(parse_spans(""), Some(vec![]));
        assert_eq!(parse_spans("9 to 5"), None);
        assert_eq!(parse_spans("09:00-"), None);
    }
}
