//! The "Campaigns" view: what each campaign did (shown, clicked, dismissed,
//! conversations, conversions, revenue per currency), a daily chart of the
//! last 30 days per campaign with its table, the CSV export; and the editor
//! for marketers who do not use the command line: paste or upload a campaign
//! file, check it (errors at line:column, as `aisle campaigns check`),
//! preview what a visitor would see (as `aisle campaigns simulate`), publish
//! it as a new version, and the version history with who pushed each.
//!
//! Charts are inline SVG with `role="img"` and a name, and their figures are
//! in a table beside them, as on the Insights page. Everything the file or a
//! campaign id holds is shown as text, never as markup.

use crate::api::{self, CallError, CampaignHistory, Checked, Preview, PreviewVisitor};
use crate::chart::{DayBar, day_bars, figures_table};
use crate::dates;
use crate::i18n::{Strings, fill};
use crate::state::Console;
use aisle_core::attribution::{CampaignReport, CampaignStats, CodeFigures, Figures};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Largest campaign file the editor reads (the server's limit too).
const MAX_FILE_BYTES: f64 = 256.0 * 1024.0;

/// Where a request stands.
#[derive(Debug, Clone, PartialEq)]
enum Loaded<T> {
    Loading,
    Ready(T),
    Failed(String),
}

fn failure(console: Console, error: CallError) -> String {
    match error {
        CallError::Unauthorized => {
            console.reconnect();
            console.strings().network_error.to_owned()
        }
        CallError::Api(e) => e.message,
        _ => console.strings().network_error.to_owned(),
    }
}

fn count(value: u64, lang: &str) -> String {
    dates::number(value as f64, lang)
}

/// Revenue per currency on one line (`129.90 EUR, 12.00 USD`), or a dash.
fn revenue(figures: &Figures) -> String {
    if figures.revenue.is_empty() {
        return "—".to_owned();
    }
    figures
        .revenue
        .iter()
        .map(|(currency, amount)| format!("{amount} {currency}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figures as table cells, in the header's order.
fn cells(f: &Figures, lang: &str) -> impl IntoView + use<> {
    view! {
        <td>{count(f.shown, lang)}</td>
        <td>{count(f.clicked, lang)}</td>
        <td>{count(f.dismissed, lang)}</td>
        <td>{count(f.conversation_started, lang)}</td>
        <td>{count(f.conversions, lang)}</td>
        <td>{revenue(f)}</td>
    }
}

/// The headings of [`cells`], after `first`.
fn figure_headings(first: &'static str, s: &'static Strings) -> Vec<&'static str> {
    vec![
        first,
        s.shown_heading,
        s.clicked_heading,
        s.dismissed_heading,
        s.conversations_heading,
        s.conversions_heading,
        s.revenue_heading,
    ]
}

/// One line of the campaigns table: a campaign, or one of its A/B variants
/// (right after it).
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow<'a> {
    /// Campaign id.
    pub campaign: &'a str,
    /// The variant's id, on a variant's line.
    pub variant: Option<&'a str>,
    /// Its figures (all time).
    pub figures: &'a Figures,
    /// The campaign's code pool, on its own line.
    pub codes: Option<CodeFigures>,
}

/// The campaigns table's lines: each campaign, then its variants in id order.
pub fn figure_rows(stats: &CampaignStats) -> Vec<FigureRow<'_>> {
    let mut rows = Vec::new();
    for (id, report) in &stats.campaigns {
        rows.push(FigureRow {
            campaign: id,
            variant: None,
            figures: &report.total,
            codes: report.codes,
        });
        for (variant, figures) in &report.variants {
            rows.push(FigureRow {
                campaign: id,
                variant: Some(variant),
                figures,
                codes: None,
            });
        }
    }
    rows
}

/// A row's header text: the campaign id, or "campaign, variant a".
pub fn row_label(row: &FigureRow, s: &Strings) -> String {
    match row.variant {
        Some(variant) => fill(
            s.variant_row,
            &[("campaign", row.campaign), ("variant", variant)],
        ),
        None => row.campaign.to_owned(),
    }
}

/// A code pool as "500 handed out, 20 left", numbers by `number`; a dash without one.
pub fn codes_text(
    codes: Option<CodeFigures>,
    s: &Strings,
    number: impl Fn(u64) -> String,
) -> String {
    match codes {
        Some(c) => fill(
            s.codes_figures,
            &[
                ("handed_out", &number(c.handed_out)),
                ("left", &number(c.left)),
            ],
        ),
        None => "—".to_owned(),
    }
}

/// One campaign's last 30 days: shown per day as bars, conversions as a
/// darker bar inside, and the table of every figure behind it.
fn days_chart(
    index: usize,
    id: &str,
    report: &CampaignReport,
    s: &'static Strings,
    lang: &'static str,
) -> impl IntoView + use<> {
    let caption = fill(s.chart_campaign_days, &[("campaign", id)]);
    let bars = report
        .recent
        .iter()
        .map(|d| DayBar {
            title: format!(
                "{}: {} {}, {} {}",
                dates::day(&d.day, lang),
                count(d.figures.shown, lang),
                s.shown_heading,
                count(d.figures.conversions, lang),
                s.conversions_heading
            ),
            value: d.figures.shown,
            inner: Some(d.figures.conversions),
        })
        .collect();
    let rows = report
        .recent
        .iter()
        .rev()
        .map(|d| {
            view! {
                <tr>
                    <th scope="row">{dates::day(&d.day, lang)}</th>
                    {cells(&d.figures, lang)}
                </tr>
            }
        })
        .collect_view();
    let summary = fill(s.daily_figures, &[("campaign", id)]);
    let headings = figure_headings(s.day, s);
    let table = view! {
        <details>
            <summary>{summary}</summary>
            {figures_table("", caption.clone(), headings, rows)}
        </details>
    };
    day_bars(
        "campaign-chart",
        format!("campaign-chart-{index}"),
        caption,
        bars,
        table,
    )
}

fn stats_view(stats: CampaignStats, s: &'static Strings, lang: &'static str) -> impl IntoView {
    if stats.campaigns.is_empty() {
        return view! { <p class="muted">{s.no_campaigns}</p> }.into_any();
    }
    let rows = figure_rows(&stats)
        .iter()
        .map(|row| {
            let class = if row.variant.is_some() { "variant" } else { "" };
            view! {
                <tr class=class>
                    <th scope="row">{row_label(row, s)}</th>
                    {cells(row.figures, lang)}
                    <td>{codes_text(row.codes, s, |n| count(n, lang))}</td>
                </tr>
            }
        })
        .collect_view();
    let charts = stats
        .campaigns
        .iter()
        .enumerate()
        .map(|(i, (id, report))| days_chart(i, id, report, s, lang))
        .collect_view();
    let days = stats.attribution_days.to_string();
    let mut headings = figure_headings(s.campaign_heading, s);
    headings.push(s.codes_heading);
    view! {
        <p class="muted">{fill(s.attribution_note, &[("days", &days)])}</p>
        {figures_table("campaign-figures", s.campaigns_title.into(), headings, rows)}
        {charts}
    }
    .into_any()
}

/// The Campaigns page.
#[component]
pub fn CampaignsView() -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let lang = console.locale().tag();
    let site = console
        .agent
        .with_untracked(|a| a.as_ref().map(|a| a.site.clone()))
        .unwrap_or_default();
    let stats = RwSignal::new(Loaded::<CampaignStats>::Loading);
    let history = RwSignal::new(Loaded::<CampaignHistory>::Loading);
    let load = {
        let site = site.clone();
        move || {
            let site = site.clone();
            spawn_local(async move {
                stats.set(match api::campaign_stats(&site).await {
                    Ok(figures) => Loaded::Ready(figures),
                    Err(e) => Loaded::Failed(failure(console, e)),
                });
                history.set(match api::campaign_history().await {
                    Ok(h) => Loaded::Ready(h),
                    Err(e) => Loaded::Failed(failure(console, e)),
                });
            });
        }
    };
    load();
    let csv = format!(
        "/api/sites/{}/campaigns/stats.csv",
        String::from(js_sys::encode_uri_component(&site))
    );
    let body = move || match stats.get() {
        Loaded::Loading => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Loaded::Failed(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Loaded::Ready(figures) => stats_view(figures, s, lang).into_any(),
    };
    let refresh = load.clone();
    view! {
        <section class="campaigns-view panel" aria-labelledby="campaigns-title">
            <div class="section-head">
                <h2 id="campaigns-title">{s.campaigns_title}</h2>
                <button type="button" class="secondary" on:click=move |_| refresh()>{s.refresh}</button>
                <a class="button secondary" href=csv download="">{s.export_csv}</a>
            </div>
            {body}
        </section>
        <Editor history=history reload=load/>
    }
}

/// What the editor last did, shown under its buttons.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    None,
    Checked(Checked),
    Published(i64),
    Failed(String),
}

/// The visitor the preview form describes, as `POST …/preview` takes it.
fn preview_visitor(form: &PreviewForm) -> PreviewVisitor {
    let number = |v: &RwSignal<String>| v.get_untracked().trim().parse::<f64>().unwrap_or(0.0);
    let list = |v: &RwSignal<String>| -> Vec<String> {
        v.get_untracked()
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    PreviewVisitor {
        url: form.url.get_untracked(),
        referrer: Some(form.referrer.get_untracked()).filter(|r| !r.trim().is_empty()),
        device: Some(form.device.get_untracked()),
        locale: Some(form.locale.get_untracked()),
        seconds_on_page: number(&form.seconds),
        seconds_on_site: None,
        scroll_percent: number(&form.scroll).clamp(0.0, 100.0).round() as u8,
        cart_value: number(&form.cart),
        agents_online: Some(number(&form.agents).max(0.0).round() as u32),
        business_hours: Some(form.business_hours.get_untracked()),
        exit_intent: form.exit_intent.get_untracked(),
        visits: Some(number(&form.visits).max(1.0).round() as u32),
        pages_viewed: Some(number(&form.pages).max(1.0).round() as u32),
        cart_items: list(&form.cart_items),
        customer_tags: list(&form.customer_tags),
        at: None,
        visitor_id: Some(form.visitor_id.get_untracked().trim().to_owned())
            .filter(|v| !v.is_empty()),
    }
}

/// The preview form's fields.
#[derive(Clone, Copy)]
struct PreviewForm {
    url: RwSignal<String>,
    referrer: RwSignal<String>,
    device: RwSignal<String>,
    locale: RwSignal<String>,
    seconds: RwSignal<String>,
    scroll: RwSignal<String>,
    cart: RwSignal<String>,
    agents: RwSignal<String>,
    business_hours: RwSignal<bool>,
    exit_intent: RwSignal<bool>,
    visits: RwSignal<String>,
    pages: RwSignal<String>,
    cart_items: RwSignal<String>,
    customer_tags: RwSignal<String>,
    visitor_id: RwSignal<String>,
}

fn outcome_view(outcome: Outcome, s: &'static Strings) -> impl IntoView {
    match outcome {
        Outcome::None => ().into_any(),
        Outcome::Checked(checked) if checked.valid => {
            let text = fill(
                s.check_ok,
                &[
                    ("count", &checked.campaigns.unwrap_or_default().to_string()),
                    ("enabled", &checked.enabled.unwrap_or_default().to_string()),
                ],
            );
            view! { <p class="ok" role="status">{text}</p> }.into_any()
        }
        Outcome::Checked(checked) => {
            let errors = checked.errors.unwrap_or_default();
            let heading = fill(s.check_failed, &[("count", &errors.len().to_string())]);
            let items = errors
                .into_iter()
                .map(|e| view! { <li><code>{e.text}</code></li> })
                .collect_view();
            view! {
                <div class="error file-errors" role="alert">
                    <p>{heading}</p>
                    <ul>{items}</ul>
                </div>
            }
            .into_any()
        }
        Outcome::Published(version) => {
            let text = fill(s.published, &[("version", &version.to_string())]);
            view! { <p class="ok" role="status">{text}</p> }.into_any()
        }
        Outcome::Failed(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
    }
}

fn preview_view(preview: Preview, s: &'static Strings) -> impl IntoView {
    let shown = match preview.message {
        Some(m) => {
            let text = fill(s.preview_shows, &[("campaign", &m.id)]);
            let variant = m
                .variant
                .map(|v| view! { <p>{fill(s.preview_variant, &[("variant", &v)])}</p> });
            view! {
                <p>{text}</p>
                {variant}
                <blockquote class="preview-message">{m.message}</blockquote>
            }
            .into_any()
        }
        None => view! { <p>{s.preview_nothing}</p> }.into_any(),
    };
    let waiting = preview
        .simulation
        .waiting
        .into_iter()
        .map(|w| {
            let text = fill(
                s.preview_waiting,
                &[("campaign", &w.id), ("seconds", &w.in_seconds.to_string())],
            );
            view! { <li>{text}</li> }
        })
        .collect_view();
    view! {
        <div class="preview-result" role="status">
            {shown}
            <ul class="muted">{waiting}</ul>
        </div>
    }
}

fn history_view(
    history: CampaignHistory,
    s: &'static Strings,
    lang: &'static str,
) -> impl IntoView {
    if history.versions.is_empty() {
        return view! { <p class="muted">{s.no_versions}</p> }.into_any();
    }
    let rows = history
        .versions
        .into_iter()
        .map(|v| {
            let who = v.pushed_by.unwrap_or_else(|| s.command_line.to_owned());
            view! {
                <tr>
                    <th scope="row">{v.version}</th>
                    <td><time datetime=dates::iso(v.pushed_at)>{dates::day_and_time(v.pushed_at, lang)}</time></td>
                    <td>{who}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="figures versions">
            <caption>{s.versions_title}</caption>
            <thead>
                <tr>
                    <th scope="col">{s.version_heading}</th>
                    <th scope="col">{s.pushed_at_heading}</th>
                    <th scope="col">{s.pushed_by_heading}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// Reads the chosen file into the editor, if it is within the limit.
fn read_file(
    ev: &web_sys::Event,
    source: RwSignal<String>,
    outcome: RwSignal<Outcome>,
    s: &'static Strings,
) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return;
    };
    if file.size() > MAX_FILE_BYTES {
        outcome.set(Outcome::Failed(s.file_too_large.to_owned()));
        input.set_value("");
        return;
    }
    spawn_local(async move {
        if let Ok(text) = JsFuture::from(file.text()).await
            && let Some(text) = text.as_string()
        {
            source.set(text);
            outcome.set(Outcome::None);
        }
    });
}

/// The campaign editor: file, check, preview, publish, history.
#[component]
fn Editor(
    history: RwSignal<Loaded<CampaignHistory>>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let console = expect_context::<Console>();
    let s = console.strings();
    let lang = console.locale().tag();
    let source = RwSignal::new(String::new());
    let outcome = RwSignal::new(Outcome::None);
    let preview = RwSignal::new(None::<Loaded<Preview>>);
    let form = PreviewForm {
        url: RwSignal::new("/".to_owned()),
        referrer: RwSignal::new(String::new()),
        device: RwSignal::new("desktop".to_owned()),
        locale: RwSignal::new(lang.to_owned()),
        seconds: RwSignal::new("30".to_owned()),
        scroll: RwSignal::new("0".to_owned()),
        cart: RwSignal::new("0".to_owned()),
        agents: RwSignal::new("1".to_owned()),
        business_hours: RwSignal::new(true),
        exit_intent: RwSignal::new(false),
        visits: RwSignal::new("1".to_owned()),
        pages: RwSignal::new("1".to_owned()),
        cart_items: RwSignal::new(String::new()),
        customer_tags: RwSignal::new(String::new()),
        visitor_id: RwSignal::new(String::new()),
    };
    let check = move || {
        let text = source.get_untracked();
        spawn_local(async move {
            outcome.set(match api::check_campaigns(&text).await {
                Ok(checked) => Outcome::Checked(checked),
                Err(e) => Outcome::Failed(failure(console, e)),
            });
        });
    };
    let publish = move || {
        let text = source.get_untracked();
        let reload = reload.clone();
        spawn_local(async move {
            match api::publish_campaigns(&text).await {
                Ok(version) => {
                    outcome.set(Outcome::Published(version));
                    reload();
                }
                // An invalid file: list its errors, as Check does.
                Err(CallError::Api(e)) if e.code == aisle_core::api::ErrorCode::BadRequest => {
                    outcome.set(match api::check_campaigns(&text).await {
                        Ok(checked) if !checked.valid => Outcome::Checked(checked),
                        _ => Outcome::Failed(e.message),
                    });
                }
                Err(e) => outcome.set(Outcome::Failed(failure(console, e))),
            }
        });
    };
    let run_preview = move || {
        let text = source.get_untracked();
        let visitor = preview_visitor(&form);
        preview.set(Some(Loaded::Loading));
        spawn_local(async move {
            preview.set(Some(match api::preview_campaigns(&text, visitor).await {
                Ok(p) => Loaded::Ready(p),
                Err(e) => Loaded::Failed(failure(console, e)),
            }));
        });
    };
    let load_live = move |_| {
        if let Loaded::Ready(h) = history.get_untracked()
            && let Some(live) = h.live
        {
            source.set(live.source);
            outcome.set(Outcome::None);
        }
    };
    let previewed = move || match preview.get() {
        None => ().into_any(),
        Some(Loaded::Loading) => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Some(Loaded::Failed(why)) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Some(Loaded::Ready(p)) => preview_view(p, s).into_any(),
    };
    let versions = move || match history.get() {
        Loaded::Loading => view! { <p class="muted">{s.loading}</p> }.into_any(),
        Loaded::Failed(why) => view! { <p class="error" role="alert">{why}</p> }.into_any(),
        Loaded::Ready(h) => history_view(h, s, lang).into_any(),
    };
    let devices = [
        ("desktop", s.device_desktop),
        ("mobile", s.device_mobile),
        ("tablet", s.device_tablet),
    ]
    .map(|(value, label)| view! { <option value=value>{label}</option> });
    view! {
        <section class="campaign-editor panel" aria-labelledby="editor-title">
            <h2 id="editor-title">{s.editor_title}</h2>
            <p class="muted">{s.editor_intro}</p>
            <div class="editor-tools">
                <label>
                    {s.upload_file}
                    <input type="file" accept=".json,application/json" on:change=move |ev| read_file(&ev, source, outcome, s)/>
                </label>
                <button type="button" class="secondary" on:click=load_live>{s.load_live}</button>
            </div>
            <label class="source-label">
                {s.campaign_file}
                <textarea
                    class="campaign-source"
                    rows="18"
                    spellcheck="false"
                    prop:value=move || source.get()
                    on:input=move |ev| source.set(event_target_value(&ev))
                ></textarea>
            </label>
            <div class="editor-actions">
                <button type="button" class="secondary" on:click=move |_| check()>{s.check_button}</button>
                <button type="button" class="primary" on:click=move |_| publish()>{s.publish_button}</button>
            </div>
            {move || outcome_view(outcome.get(), s)}
            <h3>{s.preview_title}</h3>
            <form
                class="preview-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    run_preview();
                }
            >
                <label>{s.preview_url}<input type="text" bind:value=form.url required/></label>
                <label>{s.preview_referrer}<input type="text" bind:value=form.referrer/></label>
                <label>{s.preview_device}<select bind:value=form.device>{devices}</select></label>
                <label>{s.preview_locale}<input type="text" bind:value=form.locale/></label>
                <label>{s.preview_seconds}<input type="number" min="0" step="1" bind:value=form.seconds/></label>
                <label>{s.preview_scroll}<input type="number" min="0" max="100" step="1" bind:value=form.scroll/></label>
                <label>{s.preview_cart}<input type="number" min="0" step="0.01" bind:value=form.cart/></label>
                <label>{s.preview_agents}<input type="number" min="0" step="1" bind:value=form.agents/></label>
                <label>{s.preview_visits}<input type="number" min="1" step="1" bind:value=form.visits/></label>
                <label>{s.preview_pages}<input type="number" min="1" step="1" bind:value=form.pages/></label>
                <label>{s.preview_cart_items}<input type="text" bind:value=form.cart_items/></label>
                <label>{s.preview_customer_tags}<input type="text" bind:value=form.customer_tags/></label>
                <label>{s.preview_visitor_id}<input type="text" bind:value=form.visitor_id/></label>
                <label class="check"><input type="checkbox" bind:checked=form.business_hours/>{s.preview_business_hours}</label>
                <label class="check"><input type="checkbox" bind:checked=form.exit_intent/>{s.preview_exit_intent}</label>
                <button type="submit" class="primary">{s.preview_button}</button>
            </form>
            {previewed}
            <h3>{s.versions_title}</h3>
            {versions}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, Locale, LocaleStrings};
    use serde_json::json;

    fn stats() -> CampaignStats {
        serde_json::from_value(json!({
            "campaigns": {
                "ab": {"total": {"shown": 3, "conversions": 1},
                       "variants": {"b": {"shown": 1, "conversions": 1}, "a": {"shown": 2}}},
                "leaving": {"total": {"shown": 500}, "codes": {"left": 20, "handed_out": 500}},
                "plain": {"total": {}}
            },
            "attribution_days": 7
        }))
        .unwrap()
    }

    #[test]
    fn each_variant_has_its_line_under_its_campaign() {
        let stats = stats();
        let rows = figure_rows(&stats);
        let labels: Vec<String> = rows.iter().map(|r| row_label(r, &EN)).collect();
        assert_eq!(
            labels,
            ["ab", "ab, variant a", "ab, variant b", "leaving", "plain"]
        );
        assert_eq!(rows[1].figures.shown, 2);
        assert_eq!(rows[2].figures.conversions, 1);
        let fr = Locale::Fr.strings();
        assert_eq!(row_label(&rows[2], fr), "ab, variante b");
    }

    #[test]
    fn a_pool_shows_codes_handed_out_and_left() {
        let stats = stats();
        let rows = figure_rows(&stats);
        let codes: Vec<String> = rows
            .iter()
            .map(|r| codes_text(r.codes, &EN, |n| n.to_string()))
            .collect();
        assert_eq!(codes, ["—", "—", "—", "500 handed out, 20 left", "—"]);
        assert_eq!(
            codes_text(rows[3].codes, Locale::Fi.strings(), |n| n.to_string()),
            "500 jaettu, 20 jäljellä"
        );
    }
}
