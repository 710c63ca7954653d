//! The bar chart of figures per day, shared by the Insights page
//! (conversations per day) and the Campaigns page (each campaign's last 30
//! days): inline SVG with `role="img"`, named by its caption, one bar a day
//! scaled to the largest value, an optional darker bar inside (a campaign's
//! conversions), each day's figures as its tooltip, and the table of figures
//! behind it (the accessible version, and the one to copy from;
//! [`figures_table`]).

use leptos::prelude::*;

/// One day of a [`day_bars`] chart.
#[derive(Debug, Clone, PartialEq)]
pub struct DayBar {
    /// The tooltip: the day and its figures, in the agent's locale.
    pub title: String,
    /// The bar's value.
    pub value: u64,
    /// A second value drawn as a narrower bar inside (conversions).
    pub inner: Option<u64>,
}

/// Height in the 100-unit-high chart of `value` when `max` is the tallest.
fn height(value: u64, max: u64) -> f64 {
    (value as f64 / max.max(1) as f64 * 96.0).round()
}

/// A figure: caption `caption` (its id `caption_id` names the chart), the
/// bars, then `table` (the same figures as an HTML table). `class` is added
/// to the figure's `chart` class.
pub fn day_bars(
    class: &'static str,
    caption_id: String,
    caption: String,
    bars: Vec<DayBar>,
    table: impl IntoView + 'static,
) -> impl IntoView {
    let max = bars
        .iter()
        .map(|b| b.value.max(b.inner.unwrap_or(0)))
        .max()
        .unwrap_or(0);
    let width = bars.len().max(1) * 12;
    let bars = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let outer = height(bar.value, max);
            let inner = bar.inner.map(|inner| {
                let inner = height(inner, max);
                view! {
                    <rect
                        x=(i * 12 + 3).to_string()
                        y=(100.0 - inner).to_string()
                        width="6"
                        height=inner.to_string()
                        class="bar conversions"
                    />
                }
            });
            view! {
                <g>
                    <title>{bar.title}</title>
                    <rect
                        x=(i * 12 + 1).to_string()
                        y=(100.0 - outer).to_string()
                        width="10"
                        height=outer.to_string()
                        class="bar"
                    />
                    {inner}
                </g>
            }
        })
        .collect_view();
    view! {
        <figure class=format!("chart {class}")>
            <figcaption id=caption_id.clone()>{caption}</figcaption>
            <svg
                role="img"
                aria-labelledby=caption_id
                viewBox=format!("0 0 {width} 100")
                preserveAspectRatio="none"
                class="bars"
            >
                {bars}
            </svg>
            {table}
        </figure>
    }
}

/// A table of figures as the charts show them: `caption`, a header row of
/// `headings` (columns), then `rows`, scrolling sideways when narrow.
pub fn figures_table(
    class: &'static str,
    caption: String,
    headings: Vec<&'static str>,
    rows: impl IntoView + 'static,
) -> impl IntoView {
    let headings = headings
        .into_iter()
        .map(|h| view! { <th scope="col">{h}</th> })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class=format!("figures {class}")>
                <caption>{caption}</caption>
                <thead>
                    <tr>{headings}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::height;

    #[test]
    fn bars_scale_to_the_tallest_and_an_empty_chart_draws_nothing() {
        assert_eq!(height(10, 10), 96.0);
        assert_eq!(height(5, 10), 48.0);
        assert_eq!(height(0, 0), 0.0);
    }
}
