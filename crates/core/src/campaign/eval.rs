//! Evaluating campaigns for one visitor.
//!
//! Each condition is evaluated not to a boolean but to the set of waiting
//! times `t ≥ 0` (milliseconds from now, the visitor staying on this page)
//! at which it holds: time on page and on site grow with `t`, the clock moves
//! with `t`, everything else stays. A campaign is eligible now when `0` is in
//! its set, and otherwise becomes eligible at the set's first instant — which
//! lets the widget set one exact timer instead of polling.

use super::{
    Campaign, CampaignFile, Condition, Device, Frequency, PathTest, QueryTest, ReferrerTest,
    VisitorKind,
};

/// What the evaluator knows about the visitor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Visitor {
    /// URL path, without query or fragment (`/collections/winter`).
    pub path: String,
    /// Query parameters, URL-decoded, in order.
    pub query: Vec<(String, String)>,
    /// The page's referrer URL, if any.
    pub referrer: Option<String>,
    /// Time on this page, milliseconds.
    pub on_page_ms: u64,
    /// Time on the site this session, milliseconds.
    pub on_site_ms: u64,
    /// Pages viewed this session, this one included.
    pub pages_viewed: u32,
    /// Visits (sessions), this one included.
    pub visits: u32,
    /// Cart value in minor units.
    pub cart_value_minor: i64,
    /// SKUs and product handles in the cart.
    pub cart_items: Vec<String>,
    /// Device class.
    pub device: Device,
    /// BCP 47 language tag (`fr-CA`).
    pub language: String,
    /// Now, Unix milliseconds.
    pub now_ms: i64,
    /// Agents online.
    pub agents_online: u32,
    /// Inside the site's business hours.
    pub business_hours: bool,
    /// Exit intent detected on this page.
    pub exit_intent: bool,
    /// Scroll depth, percent.
    pub scroll_percent: u8,
    /// Tags of the identified customer.
    pub customer_tags: Vec<String>,
    /// What this visitor has already seen, per campaign id.
    pub history: Vec<(String, Seen)>,
}

impl Visitor {
    /// A visitor on `url` (a full URL or a path with query) with `aisle
    /// campaigns simulate`'s defaults (`docs/cli.md`): first page of a first visit, nothing in the cart, desktop,
    /// English, one agent online, inside business hours.
    pub fn at(url: &str, now_ms: i64) -> Visitor {
        let (path, query) = split_url(url);
        Visitor {
            path,
            query,
            pages_viewed: 1,
            visits: 1,
            language: "en".into(),
            now_ms,
            agents_online: 1,
            business_hours: true,
            ..Visitor::default()
        }
    }

    fn seen(&self, id: &str) -> Seen {
        self.history
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, s)| *s)
            .unwrap_or_default()
    }
}

/// What a visitor has seen of one campaign, by scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Seen {
    /// Shown on this page.
    pub shown_on_page: bool,
    /// Shown this session.
    pub shown_in_session: bool,
    /// Shown ever.
    pub shown_ever: bool,
    /// Dismissed on this page.
    pub dismissed_on_page: bool,
}

/// The evaluator's answer for one visitor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Evaluation<'a> {
    /// Eligible campaign ids, in display order (priority, then file order).
    pub eligible: Vec<&'a str>,
    /// The one to show: the first eligible.
    pub show: Option<&'a str>,
    /// Campaigns not yet eligible that will be if the visitor stays, with the
    /// milliseconds until then, in display order.
    pub waiting: Vec<(&'a str, u64)>,
}

/// Evaluates every campaign of `file` for `visitor`.
pub fn evaluate<'a>(file: &'a CampaignFile, visitor: &Visitor) -> Evaluation<'a> {
    let mut result = Evaluation::default();
    let here = Here::new(visitor);
    for campaign in file.in_display_order() {
        let times = eligible_in(campaign, &here);
        match times.first_instant() {
            Some(0) => result.eligible.push(&campaign.id),
            Some(wait) => result.waiting.push((&campaign.id, wait)),
            None => {}
        }
    }
    result.show = result.eligible.first().copied();
    result
}

/// What the live path does for one visitor: the campaign to show now and
/// when to look again.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Decision<'a> {
    /// The campaign to show now.
    pub show: Option<&'a Campaign>,
    /// Milliseconds until the next waiting campaign becomes eligible if the
    /// visitor stays (one exact timer).
    pub next_in_ms: Option<u64>,
}

/// [`evaluate`] as the widget (and `POST …/campaigns/evaluate`) act on it:
/// its `show`, or with `trigger` (`Aisle('trigger', id)`) that enabled
/// campaign whatever its conditions; and the shortest wait.
pub fn decide<'a>(
    file: &'a CampaignFile,
    visitor: &Visitor,
    trigger: Option<&str>,
) -> Decision<'a> {
    let result = evaluate(file, visitor);
    let find = |id: &str| file.campaigns.iter().find(|c| c.id == id && c.enabled);
    Decision {
        show: trigger
            .and_then(find)
            .or_else(|| result.show.and_then(find)),
        next_in_ms: result.waiting.iter().map(|(_, ms)| *ms).min(),
    }
}

/// The waiting times at which `campaign` is eligible for `visitor`.
pub fn eligible_times(campaign: &Campaign, visitor: &Visitor) -> Times {
    eligible_in(campaign, &Here::new(visitor))
}

/// The visitor with what every condition reads of it prepared once: the
/// path normalised by [`normalize_path`], and with a trailing slash (so the
/// last segment also ends at a `/`).
struct Here<'v> {
    v: &'v Visitor,
    path: String,
    slashed: String,
}

impl<'v> Here<'v> {
    fn new(v: &'v Visitor) -> Here<'v> {
        let path = normalize_path(&v.path);
        let mut slashed = path.clone();
        if !slashed.ends_with('/') {
            slashed.push('/');
        }
        Here { v, path, slashed }
    }
}

fn eligible_in(campaign: &Campaign, here: &Here) -> Times {
    let visitor = here.v;
    if !campaign.enabled || blocked_by_history(campaign.frequency, visitor.seen(&campaign.id)) {
        return Times::never();
    }
    // The schedule first: a campaign that is over costs nothing more.
    let mut times = Times::always();
    if let Some(from) = campaign.schedule.from {
        times = Times::from(from.saturating_sub(visitor.now_ms));
    }
    if let Some(until) = campaign.schedule.until {
        times = times.intersect(&Times::from(until.saturating_sub(visitor.now_ms)).complement());
    }
    match &campaign.when {
        _ if times.is_never() => times,
        None => times,
        Some(condition) => times.intersect(&condition_times(condition, here)),
    }
}

fn blocked_by_history(frequency: Frequency, seen: Seen) -> bool {
    match frequency {
        Frequency::Always => seen.dismissed_on_page,
        Frequency::OncePerPage => seen.shown_on_page,
        Frequency::OncePerSession => seen.shown_in_session,
        Frequency::OncePerVisitor => seen.shown_ever,
    }
}

/// Whether `condition` holds for `visitor` right now.
pub fn holds(condition: &Condition, visitor: &Visitor) -> bool {
    condition_times(condition, &Here::new(visitor)).first_instant() == Some(0)
}

fn condition_times(condition: &Condition, here: &Here) -> Times {
    let v = here.v;
    // Everything but compositions and times is constant while the visitor waits.
    let holds = match condition {
        Condition::All(conditions) => {
            let mut acc = Times::always();
            for c in conditions {
                acc = acc.intersect(&condition_times(c, here));
                if acc.is_never() {
                    break;
                }
            }
            return acc;
        }
        Condition::Any(conditions) => {
            let mut acc = Times::never();
            for c in conditions {
                acc = acc.union(&condition_times(c, here));
                if acc.is_always() {
                    break;
                }
            }
            return acc;
        }
        Condition::Not(condition) => return condition_times(condition, here).complement(),
        Condition::TimeOnPage(ms) => return Times::from(wait_ms(*ms, v.on_page_ms)),
        // Time on the site includes this page, so it is never less than time on page.
        Condition::TimeOnSite(ms) => {
            return Times::from(wait_ms(*ms, v.on_site_ms.max(v.on_page_ms)));
        }
        Condition::Path(tests) => tests.iter().all(|t| path_test(t, here)),
        Condition::Query { param, test } => {
            let mut values = v
                .query
                .iter()
                .filter(|(k, _)| k == param)
                .map(|(_, value)| value);
            match test {
                QueryTest::Exists(exists) => values.next().is_some() == *exists,
                QueryTest::Is(want) => values.any(|value| value == want),
            }
        }
        Condition::Referrer(tests) => v.referrer.as_deref().is_some_and(|referrer| {
            tests.iter().all(|t| match t {
                ReferrerTest::Contains(part) => contains_ignore_ascii_case(referrer, part),
                ReferrerTest::IsHost(host) => url_host(referrer).eq_ignore_ascii_case(host),
            })
        }),
        Condition::PagesViewed(range) => range.contains(v.pages_viewed),
        Condition::Visits(range) => range.contains(v.visits),
        Condition::Visitor(kind) => (v.visits <= 1) == (*kind == VisitorKind::New),
        Condition::CartValue { at_least, below } => {
            at_least.is_none_or(|min| v.cart_value_minor >= min)
                && below.is_none_or(|max| v.cart_value_minor < max)
        }
        Condition::CartContains(item) => v.cart_items.iter().any(|i| i == item),
        Condition::ExitIntent(want) => v.exit_intent == *want,
        Condition::ScrollDepth(percent) => v.scroll_percent.min(100) >= *percent,
        Condition::Device(device) => v.device == *device,
        Condition::Language(tags) => tags.iter().any(|tag| language_matches(tag, &v.language)),
        Condition::AgentsOnline(want) => (v.agents_online > 0) == *want,
        Condition::BusinessHours(want) => v.business_hours == *want,
        Condition::CustomerTag(tag) => v.customer_tags.iter().any(|t| t == tag),
    };
    if holds {
        Times::always()
    } else {
        Times::never()
    }
}

/// The visitor's path as every path operator sees it: query and fragment
/// dropped, percent-escapes decoded (except `%2F`, which stays inside its
/// segment), lower case, empty segments (`//`, a trailing `/`) dropped, one
/// leading `/`. `/Collections/Winter/?a=1` → `/collections/winter`; the root is `/`.
pub fn normalize_path(path: &str) -> String {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let decoded = percent_decode(path, false).to_ascii_lowercase();
    let mut out = String::with_capacity(decoded.len() + 1);
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// A marketer's operand, normalised like the visitor's path (escapes, case,
/// `//`) but keeping its leading and trailing `/`: they mark segment boundaries.
fn normalize_operand(operand: &str) -> String {
    let decoded = percent_decode(operand, false).to_ascii_lowercase();
    let mut out = String::with_capacity(decoded.len());
    for c in decoded.chars() {
        if !(c == '/' && out.ends_with('/')) {
            out.push(c);
        }
    }
    out
}

impl PathTest {
    /// The test `operator` (`is`, `starts_with`, …) of `operand`, normalised
    /// once: parsing a file and decoding the widget's feed both come here.
    pub fn new(operator: &str, operand: &str) -> Option<PathTest> {
        let o = normalize_operand(operand);
        let whole = || normalize_path(&o);
        let lead = |o: String| {
            if o.starts_with('/') {
                o
            } else {
                format!("/{o}")
            }
        };
        let trail = |o: String| if o.ends_with('/') { o } else { format!("{o}/") };
        Some(match operator {
            "is" => PathTest::Is(whole()),
            "is_not" => PathTest::IsNot(whole()),
            "starts_with" => PathTest::StartsWith(lead(o)),
            "ends_with" => PathTest::EndsWith(trail(o)),
            "contains" => PathTest::Contains(o),
            "not_contains" => PathTest::NotContains(o),
            "matches" => {
                let pattern = o.trim_end_matches('/');
                PathTest::Matches(if pattern.is_empty() {
                    o.clone()
                } else {
                    pattern.to_owned()
                })
            }
            _ => return None,
        })
    }

    /// The operator's name and its (normalised) operand.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            PathTest::Is(o) => ("is", o),
            PathTest::IsNot(o) => ("is_not", o),
            PathTest::StartsWith(o) => ("starts_with", o),
            PathTest::EndsWith(o) => ("ends_with", o),
            PathTest::Contains(o) => ("contains", o),
            PathTest::NotContains(o) => ("not_contains", o),
            PathTest::Matches(o) => ("matches", o),
        }
    }
}

/// One path operator on the normalised path. `slashed` is the path with a
/// trailing `/`, so a `/` at either end of an operand only matches at a
/// segment boundary: `starts_with "/collections/"` matches `/collections`
/// and `/collections/winter`, not `/collections-sale`.
fn path_test(test: &PathTest, here: &Here) -> bool {
    let (path, slashed) = (here.path.as_str(), here.slashed.as_str());
    match test {
        PathTest::Is(p) => path == p,
        PathTest::IsNot(p) => path != p,
        PathTest::StartsWith(p) => slashed.starts_with(p.as_str()),
        PathTest::EndsWith(p) => slashed.ends_with(p.as_str()),
        PathTest::Contains(p) => contains(slashed, p),
        PathTest::NotContains(p) => !contains(slashed, p),
        PathTest::Matches(pattern) => wildcard_match(pattern.as_bytes(), path.as_bytes()),
    }
}

/// Whole-string match where `*` in `pattern` matches any run of bytes.
pub fn wildcard_match(pattern: &[u8], text: &[u8]) -> bool {
    // Greedy with backtracking to the last star: linear in practice, no recursion.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == text[t] {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&b| b == b'*')
}

/// Whether `haystack` contains `needle` (a byte comparison: paths are short,
/// and the widget's bundle is spared std's substring searcher).
fn contains(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w == n)
}

/// Whether `haystack` contains `needle`, ASCII case-insensitively, without allocating.
fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// `fr` matches `fr`, `fr-CA` and `FR_ca`, not `fri`.
fn language_matches(tag: &str, language: &str) -> bool {
    let same = |a: u8, b: u8| {
        a.eq_ignore_ascii_case(&b) || (matches!(a, b'-' | b'_') && matches!(b, b'-' | b'_'))
    };
    let (tag, language) = (tag.trim().as_bytes(), language.trim().as_bytes());
    language.len() >= tag.len()
        && tag.iter().zip(language).all(|(a, b)| same(*a, *b))
        && matches!(language.get(tag.len()), None | Some(b'-' | b'_'))
}

/// The host of a URL (`https://www.google.com/search?q` → `www.google.com`).
pub fn url_host(url: &str) -> &str {
    let rest = after_scheme(url).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.bytes().rposition(|b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    cut(host, b':').map_or(host, |(host, _)| host)
}

/// What follows the first `://` in `url`, if any: `str::split_once("://")`
/// without the `&str` pattern searcher, which costs the widget's wasm ~1.5 KB.
fn after_scheme(url: &str) -> Option<&str> {
    let at = url.as_bytes().windows(3).position(|w| w == b"://")?;
    url.get(at + 3..)
}

/// `text` split around the first `byte` (an ASCII delimiter), as
/// `str::split_once` with a smaller footprint in the widget's wasm.
pub fn cut(text: &str, byte: u8) -> Option<(&str, &str)> {
    // `get`, not indexing: no slicing panic (and its formatting) in the wasm.
    let at = text.bytes().position(|b| b == byte)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// Splits a URL (absolute, or a path with query) into its path and its
/// URL-decoded query parameters.
pub fn split_url(url: &str) -> (String, Vec<(String, String)>) {
    let url = cut(url, b'#').map_or(url, |(url, _)| url);
    let after_scheme =
        after_scheme(url).map(|rest| rest.find('/').and_then(|i| rest.get(i..)).unwrap_or("/"));
    let local = after_scheme.unwrap_or(url);
    let (path, query) = cut(local, b'?').unwrap_or((local, ""));
    let mut slashed = String::new();
    if !path.starts_with('/') {
        slashed.push('/');
    }
    slashed.push_str(path);
    let params = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = cut(pair, b'=').unwrap_or((pair, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    (slashed, params)
}

/// `%XX` escapes decoded (`+` as a space in a query); in a path (`query`
/// false) `%2F` stays as is, so an escaped slash never splits a segment.
fn percent_decode(text: &str, query: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let escaped = match (b, bytes.get(i + 1..i + 3)) {
            (b'%', Some(&[h, l])) => hex(h)
                .zip(hex(l))
                .map(|(h, l)| h * 16 + l)
                .filter(|&c| query || c != b'/'),
            _ => None,
        };
        match escaped {
            Some(c) => {
                out.push(c);
                i += 3;
            }
            None => {
                out.push(if b == b'+' && query { b' ' } else { b });
                i += 1;
            }
        }
    }
    // Escapes that do not decode to UTF-8 leave the text as it was.
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// One interval `[start, end)` of waiting times; `end = None` means forever.
type Interval = (u64, Option<u64>);

/// A set of waiting times `t ≥ 0` in milliseconds: sorted, disjoint, half-open
/// intervals. Almost every set is one or two intervals, kept inline so that
/// evaluating hundreds of campaigns allocates nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Times(Intervals);

// In the widget's wasm a plain `Vec` holds the intervals: the evaluation runs
// once per change of the visitor's state there, and smallvec's growth and
// error paths cost kilobytes of the bundle. Natively, inline storage keeps
// evaluating hundreds of campaigns free of allocations (`cargo xtask bench`).
#[cfg(not(target_arch = "wasm32"))]
type Intervals = smallvec::SmallVec<[Interval; 2]>;
#[cfg(target_arch = "wasm32")]
type Intervals = Vec<Interval>;

/// A set of one interval.
// `Intervals` is a `Vec` only in wasm; the same code fills a `SmallVec` natively.
#[allow(clippy::vec_init_then_push)]
fn one(interval: Interval) -> Times {
    let mut intervals = Intervals::new();
    intervals.push(interval);
    Times(intervals)
}

/// Milliseconds from `spent` until `needed`, negative when already past;
/// saturating, so no visitor state can overflow it.
fn wait_ms(needed: u64, spent: u64) -> i64 {
    let as_i64 = |ms: u64| i64::try_from(ms).unwrap_or(i64::MAX);
    as_i64(needed).saturating_sub(as_i64(spent))
}

impl Times {
    /// Every `t ≥ 0`.
    pub fn always() -> Times {
        one((0, None))
    }

    /// No `t`.
    pub fn never() -> Times {
        Times(Intervals::new())
    }

    /// Every `t ≥ start` (all of them when `start ≤ 0`).
    pub fn from(start: i64) -> Times {
        one((start.max(0) as u64, None))
    }

    /// Whether the set is empty.
    pub fn is_never(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the set holds every `t ≥ 0`.
    pub fn is_always(&self) -> bool {
        self.0.as_slice() == [(0, None)]
    }

    /// The earliest `t` in the set.
    pub fn first_instant(&self) -> Option<u64> {
        self.0.first().map(|(start, _)| *start)
    }

    /// Times in both sets.
    pub fn intersect(&self, other: &Times) -> Times {
        // The common case, one interval each, without the general merge.
        #[cfg(not(target_arch = "wasm32"))]
        if let ([(a0, a1)], [(b0, b1)]) = (self.0.as_slice(), other.0.as_slice()) {
            let start = *a0.max(b0);
            let end = match (a1, b1) {
                (Some(x), Some(y)) => Some(*x.min(y)),
                (x, None) => *x,
                (None, y) => *y,
            };
            return if end.is_none_or(|e| start < e) {
                one((start, end))
            } else {
                Times::never()
            };
        }
        let mut out = Intervals::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a0, a1) = self.0[i];
            let (b0, b1) = other.0[j];
            let start = a0.max(b0);
            let end = match (a1, b1) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, None) => x,
                (None, y) => y,
            };
            if end.is_none_or(|e| start < e) {
                out.push((start, end));
            }
            // Advance whichever interval ends first.
            match (a1, b1) {
                (Some(x), Some(y)) if x <= y => i += 1,
                (Some(_), None) => i += 1,
                (None, None) => break,
                _ => j += 1,
            }
        }
        Times(out)
    }

    /// Times outside the set.
    pub fn complement(&self) -> Times {
        let mut out = Intervals::new();
        let mut cursor = Some(0u64);
        for &(start, end) in &self.0 {
            let Some(from) = cursor else { break };
            if start > from {
                out.push((from, Some(start)));
            }
            cursor = end;
        }
        if let Some(from) = cursor {
            out.push((from, None));
        }
        Times(out)
    }

    /// Times in either set.
    pub fn union(&self, other: &Times) -> Times {
        if self.is_never() || other.is_always() {
            return other.clone();
        }
        if other.is_never() || self.is_always() {
            return self.clone();
        }
        self.complement()
            .intersect(&other.complement())
            .complement()
    }
}

/// Evaluations of a file against a visitor as the CLI prints them: waiting
/// times rounded up to whole seconds.
pub fn waiting_seconds(ms: u64) -> u64 {
    ms.div_ceil(1000)
}

/// Is a campaign of this file eligible now? (Convenience for tests and the widget.)
pub fn is_eligible(file: &CampaignFile, id: &str, visitor: &Visitor) -> bool {
    evaluate(file, visitor).eligible.contains(&id)
}
