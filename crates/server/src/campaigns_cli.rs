//! `aisle campaigns check FILE`, `aisle campaigns simulate FILE --url URL [...]`
//! and `aisle campaigns push FILE --site ID`: the marketer's tools, on the same
//! parser and evaluator the server runs for the widget.
//!
//! Try: `cargo run -p aisle-server -- campaigns simulate crates/server/demo/campaigns.json --url / --seconds-on-page 15`.

use aisle_core::agent_api::{Simulation, Waiting};
use aisle_core::campaign::eval::{split_url, waiting_seconds};
use aisle_core::campaign::time::parse_rfc3339;
use aisle_core::campaign::{CampaignFile, Device, Visitor, evaluate, parse_campaigns};
use clap::Args;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The visitor state `simulate` evaluates, with the defaults `docs/cli.md` lists.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The campaign file.
    pub file: PathBuf,
    /// Page URL (absolute, or a path with query: `/collections/winter?utm_source=mail`).
    #[arg(long)]
    pub url: String,
    /// Seconds on this page.
    #[arg(long, default_value_t = 0.0)]
    pub seconds_on_page: f64,
    /// Seconds on the site this session, this page included (default and
    /// least: seconds on page).
    #[arg(long)]
    pub seconds_on_site: Option<f64>,
    /// Pages viewed this session.
    #[arg(long, default_value_t = 1)]
    pub pages_viewed: u32,
    /// Visits, this one included (1 = a new visitor).
    #[arg(long, default_value_t = 1)]
    pub visits: u32,
    /// Referrer URL.
    #[arg(long)]
    pub referrer: Option<String>,
    /// Cart value in the store currency (`49.99`).
    #[arg(long, default_value_t = 0.0)]
    pub cart_value: f64,
    /// Cart items: SKUs or product handles, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub cart_items: Vec<String>,
    /// mobile, tablet or desktop.
    #[arg(long, default_value = "desktop", value_parser = ["mobile", "tablet", "desktop"])]
    pub device: String,
    /// Visitor language tag.
    #[arg(long, default_value = "en")]
    pub locale: String,
    /// The current time, RFC 3339 with offset (default: now).
    #[arg(long)]
    pub at: Option<String>,
    /// Agents online.
    #[arg(long, default_value_t = 1)]
    pub agents_online: u32,
    /// Inside business hours.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub business_hours: bool,
    /// The visitor showed exit intent.
    #[arg(long)]
    pub exit_intent: bool,
    /// Scroll depth, percent.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub scroll_percent: u8,
    /// A tag of the identified customer (repeatable).
    #[arg(long = "customer-tag")]
    pub customer_tags: Vec<String>,
    /// The browser's visitor id (`Aisle.visitor`): also print the A/B
    /// variant this visitor reads of the campaign shown, and its message.
    #[arg(long)]
    pub visitor_id: Option<String>,
}

/// Reads and validates a campaign file, printing every error as `FILE:LINE:COL: PATH: MESSAGE`.
fn load(file: &Path) -> Result<CampaignFile, Vec<String>> {
    let name = file.display();
    let text =
        std::fs::read_to_string(file).map_err(|e| vec![format!("{name}: cannot read: {e}")])?;
    parse_campaigns(&text).map_err(|errors| {
        let mut lines: Vec<String> = errors.iter().map(|e| format!("{name}:{e}")).collect();
        let count = errors.len();
        lines.push(format!(
            "{name}: {count} error{}",
            if count == 1 { "" } else { "s" }
        ));
        lines
    })
}

/// `aisle campaigns check FILE`: exit 0 with a summary line, or 1 with every error.
pub fn check(file: &Path) -> ExitCode {
    match load(file) {
        Ok(campaigns) => {
            let total = campaigns.campaigns.len();
            let enabled = campaigns.campaigns.iter().filter(|c| c.enabled).count();
            let plural = if total == 1 { "" } else { "s" };
            println!(
                "{}: valid, {total} campaign{plural} ({enabled} enabled)",
                file.display()
            );
            ExitCode::SUCCESS
        }
        Err(lines) => {
            for line in lines {
                println!("{line}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `aisle campaigns simulate`: prints `{"eligible": [...], "show": ..., "waiting": [...]}`.
pub fn simulate(args: &SimulateArgs) -> ExitCode {
    let campaigns = match load(&args.file) {
        Ok(campaigns) => campaigns,
        Err(lines) => {
            for line in lines {
                eprintln!("{line}");
            }
            return ExitCode::FAILURE;
        }
    };
    let visitor = match visitor(args) {
        Ok(visitor) => visitor,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let mut answer = simulation(&campaigns, &visitor);
    if let Some(id) = &args.visitor_id {
        add_variant(&mut answer, &campaigns, &visitor, id);
    }
    println!("{answer}");
    ExitCode::SUCCESS
}

/// What `simulate` prints for `visitor`: `{"eligible", "show", "waiting"}`.
pub fn simulation(campaigns: &CampaignFile, visitor: &Visitor) -> serde_json::Value {
    json!(simulated(campaigns, visitor))
}

/// [`simulation`], typed.
pub fn simulated(campaigns: &CampaignFile, visitor: &Visitor) -> Simulation {
    let result = evaluate(campaigns, visitor);
    Simulation {
        eligible: result.eligible.iter().map(|id| (*id).to_owned()).collect(),
        show: result.show.map(str::to_owned),
        waiting: result
            .waiting
            .iter()
            .map(|(id, ms)| Waiting {
                id: (*id).to_owned(),
                in_seconds: waiting_seconds(*ms),
            })
            .collect(),
    }
}

/// Adds to `answer` (from [`simulation`]) the shown campaign's `variant`
/// for the visitor id `id` (`null` without variants) and its `message`, as
/// the widget fills it (placeholders the CLI cannot know stay empty or take
/// their fallback).
pub fn add_variant(
    answer: &mut serde_json::Value,
    campaigns: &CampaignFile,
    visitor: &Visitor,
    id: &str,
) {
    let shown = answer["show"]
        .as_str()
        .and_then(|show| campaigns.campaigns.iter().find(|c| c.id == show));
    if let Some(campaign) = shown {
        let values = aisle_core::campaign::template::Values {
            locale: &visitor.language,
            cart_minor: visitor.cart_value_minor,
            ..Default::default()
        };
        let shown = aisle_core::api::ShownCampaign::for_visitor(campaign, id, &values);
        answer["variant"] = json!(shown.variant);
        answer["message"] = json!(shown.message);
    }
}

fn seconds_to_ms(seconds: f64, flag: &str) -> Result<u64, String> {
    if !seconds.is_finite() || seconds < 0.0 {
        return Err(format!("--{flag} must be a number of seconds ≥ 0"));
    }
    Ok((seconds * 1000.0).round() as u64)
}

/// The visitor the flags describe.
pub fn visitor(args: &SimulateArgs) -> Result<Visitor, String> {
    let now = match &args.at {
        Some(at) => parse_rfc3339(at)
            .ok_or_else(|| format!("--at {at:?} is not an RFC 3339 time with offset"))?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
    };
    if !args.cart_value.is_finite() || args.cart_value < 0.0 {
        return Err("--cart-value must be an amount ≥ 0".into());
    }
    let (path, query) = split_url(&args.url);
    let on_page_ms = seconds_to_ms(args.seconds_on_page, "seconds-on-page")?;
    let on_site_ms = match args.seconds_on_site {
        Some(s) => seconds_to_ms(s, "seconds-on-site")?,
        None => on_page_ms,
    };
    Ok(Visitor {
        path,
        query,
        referrer: args.referrer.clone().filter(|r| !r.is_empty()),
        on_page_ms,
        on_site_ms,
        pages_viewed: args.pages_viewed,
        visits: args.visits,
        cart_value_minor: (args.cart_value * 100.0).round() as i64,
        cart_items: aisle_core::api::trimmed(&args.cart_items),
        device: Device::from_name(&args.device).unwrap_or_default(),
        language: args.locale.clone(),
        now_ms: now,
        agents_online: args.agents_online,
        business_hours: args.business_hours,
        exit_intent: args.exit_intent,
        scroll_percent: args.scroll_percent,
        customer_tags: args.customer_tags.clone(),
        history: Vec::new(),
    })
}

/// `aisle campaigns push FILE --site ID`: validates, then stores the file as the
/// site's next live version; an invalid file is refused and changes nothing.
pub async fn push(file: &Path, site: &str, db_url: &str) -> ExitCode {
    let name = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(e) => {
            println!("{name}: cannot read: {e}");
            return ExitCode::FAILURE;
        }
    };
    let db = match crate::db::connect(db_url).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("error: cannot open {db_url}: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = crate::campaigns::push(&db, site, &text).await;
    db.close().await;
    match result {
        Ok(version) => {
            let count = parse_campaigns(&text)
                .map(|f| f.campaigns.len())
                .unwrap_or(0);
            println!(
                "{name}: pushed to site {site} as version {version} ({count} campaigns), live now"
            );
            ExitCode::SUCCESS
        }
        Err(crate::campaigns::PushError::Invalid(errors)) => {
            for e in &errors {
                println!("{name}:{e}");
            }
            println!(
                "{name}: {} error(s); nothing was pushed, the live campaigns are unchanged",
                errors.len()
            );
            ExitCode::FAILURE
        }
        Err(crate::campaigns::PushError::UnknownSite) => {
            println!(
                "no site {site:?} in {db_url} (the demo site appears after `aisle serve --demo`)"
            );
            ExitCode::FAILURE
        }
        Err(crate::campaigns::PushError::Storage(e)) => {
            eprintln!("error: storing campaigns failed: {e}");
            ExitCode::FAILURE
        }
    }
}
