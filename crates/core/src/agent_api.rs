//! The bodies of the agent API (`/api/agent/*`, and the agents' routes
//! under `/api/sites/{site}`), defined once: the server serialises them, the
//! console deserialises them (and serialises the requests the server reads).
//!
//! Field names and optional-field behaviour are the wire contract the
//! console, the Playwright specs and outside tests rely on (`docs/http-api.md`):
//! an `Option` without `skip_serializing_if` is sent as `null`, one with it is
//! left out. The figures of Insights, staffing and a customer's history are
//! in [`crate::insights`], campaign figures in [`crate::attribution`], every
//! error body is [`crate::api::ApiError`].
//!
//! | route | request | answer |
//! |---|---|---|
//! | `POST /api/agent/login` | [`LoginRequest`] | [`LoginAnswer`] |
//! | `GET /api/agent/me` | — | [`AgentInfo`] |
//! | `GET /api/agent/stats`, `GET /api/sites/{site}/stats` | — | [`AgentStats`] |
//! | `GET /api/agent/tickets` | `?limit&before` | [`TicketPage`] |
//! | `GET /api/agent/returns` | `?limit&before` | [`ReturnPage`] |
//! | `GET /api/agent/tickets/{reference}/messages` | — | [`TicketThread`] |
//! | `POST /api/agent/tickets/{reference}/reply` | [`ReplyRequest`] | [`ReplySent`] |
//! | `POST /api/agent/tickets/{reference}/state` | [`TicketStateRequest`] | 204 |
//! | `GET /api/agent/orders/{number}` | — | [`OrderFacts`] |
//! | `GET /api/agent/store-requests` | — | [`StoreRequests`] |
//! | `POST /api/agent/store-requests/{id}/retry` | — | [`Resent`] |
//! | `GET /api/agent/macros` | — | [`Macros`] |
//! | `POST /api/agent/macros`, `PUT …/macros/{id}` | [`MacroForm`] | [`Macro`] |
//! | `GET /api/agent/tags` | — | [`Tags`] |
//! | `POST /api/agent/tags`, `PUT …/tags/{id}` | [`TagForm`] | [`SiteTag`] |
//! | `GET`/`PUT /api/agent/hours` | [`HoursBody`] | [`HoursBody`], 400 [`HoursRefused`] |
//! | `GET /api/agent/team` | — | [`Team`] |
//! | `POST /api/agent/team/invites` | [`InviteRequest`] | [`Invited`] |
//! | `POST /api/agent/team/{id}/disable`, `/enable` | — | [`Member`] |
//! | `POST /api/agent/team/{id}/role` | [`RoleRequest`] | [`Member`] |
//! | `POST /api/agent/team/{id}/reset` | — | [`PasswordLink`] |
//! | `POST /api/agent/password/forgot` | [`ForgotRequest`] | [`Accepted`] |
//! | `POST /api/agent/password/set` | [`SetPasswordRequest`] | 204 |
//! | `GET /api/agent/campaigns` | — | [`CampaignHistory`] |
//! | `POST /api/agent/campaigns` | [`CampaignSource`] | [`Published`], 400 [`CampaignFileRefused`] |
//! | `POST /api/agent/campaigns/check` | [`CampaignSource`] | [`Checked`] |
//! | `POST /api/agent/campaigns/preview` | [`PreviewRequest`] | [`Preview`] |
//! | `GET /api/agent/insights`, `/staffing` | query | [`crate::insights::Insights`], [`crate::insights::Staffing`] |
//! | `GET /api/agent/conversations/{id}/customer` | — | [`crate::insights::CustomerHistory`] |
//! | `GET /api/sites/{site}/campaigns/stats` | — | [`crate::attribution::CampaignStats`] |

use crate::api::{ErrorCode, ShownCampaign};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---- login and who is logged in ----

/// What an agent may do: an `admin` also manages the team and the desk's
/// settings; an `agent` answers shoppers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages the team and the desk's settings.
    Admin,
    /// Answers shoppers.
    #[default]
    Agent,
}

impl Role {
    /// The wire and stored name: `admin` or `agent`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
        }
    }

    /// The role stored as `name`; anything unknown is a plain agent.
    pub fn from_name(name: &str) -> Role {
        if name == "admin" {
            Role::Admin
        } else {
            Role::Agent
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "admin" => Ok(Role::Admin),
            "agent" => Ok(Role::Agent),
            other => Err(format!("{other:?} is not a role (admin or agent)")),
        }
    }
}

/// `POST /api/agent/login` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The agent's email.
    pub email: String,
    /// The agent's password.
    pub password: String,
}

/// An agent as the API shows them (`/api/agent/me`, the login answer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Row id.
    pub id: i64,
    /// The site they answer for.
    pub site: String,
    /// Login email.
    pub email: String,
    /// Display name (shoppers see it).
    pub name: String,
    /// What they may do.
    #[serde(default)]
    pub role: Role,
}

impl AgentInfo {
    /// Whether they manage the team (see the Team page).
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// `POST /api/agent/login` answer (the session cookie is set beside it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginAnswer {
    /// The session token, for `Authorization: Bearer`.
    pub token: String,
    /// When the session ends, Unix seconds.
    pub expires_at: i64,
    /// Who logged in.
    pub agent: AgentInfo,
}

// ---- the site's numbers ----

/// What one campaign did, all days summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CampaignCounts {
    /// Times shown.
    pub shown: i64,
    /// Buttons clicked.
    pub clicked: i64,
    /// Times dismissed.
    pub dismissed: i64,
    /// Conversations started from it.
    pub conversation_started: i64,
}

/// How one self-service flow ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FlowCounts {
    /// Times started.
    pub started: i64,
    /// Ended without an agent.
    pub resolved: i64,
    /// Handed to a person.
    pub handoff: i64,
}

/// Self-service over every flow.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SelfServiceCounts {
    /// By flow (`track`, `return`, `cancel`, `report`, `faq`, `message`).
    pub flows: BTreeMap<String, FlowCounts>,
    /// Flows started.
    pub started: i64,
    /// Flows resolved without an agent.
    pub resolved: i64,
    /// `resolved / started` (0 when nothing started).
    pub deflection: f64,
}

/// "Did this help?" answers of one FAQ entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct FaqCounts {
    /// Yes.
    pub helpful: i64,
    /// No.
    pub not_helpful: i64,
}

/// `GET /api/agent/stats`: campaigns, self-service and FAQ feedback.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AgentStats {
    /// By campaign id.
    pub campaigns: BTreeMap<String, CampaignCounts>,
    /// Self-service outcomes.
    pub self_service: SelfServiceCounts,
    /// By FAQ entry id.
    pub faq: BTreeMap<String, FaqCounts>,
}

// ---- the desk: tickets, returns, orders, store requests ----

/// Where an email to the shopper stands (a ticket's automatic email, an
/// agent's reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailStatus {
    /// `ticket_received`, `return_received`, `agent_reply`…
    #[serde(default)]
    pub kind: String,
    /// `queued`, `sent` or `failed`.
    pub state: String,
    /// Delivery attempts so far.
    #[serde(default)]
    pub attempts: i64,
    /// Why the last attempt failed (or why it was never sent).
    #[serde(default)]
    pub error: Option<String>,
    /// Last change, Unix seconds (on the tickets and returns lists only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<i64>,
}

/// A ticket: a reported issue or a message left while nobody was online.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// Reference the shopper was given.
    pub reference: String,
    /// `issue` or `message`.
    pub kind: String,
    /// The order it is about.
    pub order: Option<i64>,
    /// The shopper's email.
    pub email: String,
    /// The kind of issue, for reported issues.
    pub issue: Option<String>,
    /// What the shopper wrote.
    pub body: String,
    /// Self-service actions taken before (`null` when unreadable).
    #[serde(default)]
    pub steps: Option<Vec<String>>,
    /// `open`, `pending`, `solved` or `done`.
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The automatic email to the shopper; `null` when the site sends none.
    #[serde(default)]
    pub email_status: Option<EmailStatus>,
}

/// An item of a return request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnItem {
    /// The store's SKU.
    pub sku: String,
    /// Product title.
    pub title: String,
    /// How many.
    pub quantity: u32,
}

/// A return request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequest {
    /// Reference the shopper was given.
    pub reference: String,
    /// Order number.
    pub order: i64,
    /// The shopper's email.
    pub email: String,
    /// Items to return (`null` when unreadable).
    #[serde(default)]
    pub items: Option<Vec<ReturnItem>>,
    /// The reason chosen.
    pub reason: String,
    /// The shopper's comment.
    #[serde(default)]
    pub comment: String,
    /// `requested`, `done`…
    pub status: String,
    /// Unix seconds.
    pub created_at: i64,
    /// The automatic email to the shopper; `null` when the site sends none.
    #[serde(default)]
    pub email_status: Option<EmailStatus>,
}

/// `GET /api/agent/tickets[?limit=N&before=CURSOR]`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketPage {
    /// This page's tickets.
    pub tickets: Vec<Ticket>,
    /// Cursor of the next (older) page; `null` on the last.
    pub next: Option<String>,
}

/// `GET /api/agent/returns[?limit=N&before=CURSOR]`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReturnPage {
    /// This page's return requests.
    pub returns: Vec<ReturnRequest>,
    /// Cursor of the next (older) page; `null` on the last.
    pub next: Option<String>,
}

/// One message of a ticket's email thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketMessage {
    /// `agent` (sent from the console) or `shopper` (came back by email).
    pub direction: String,
    /// The agent who wrote it.
    #[serde(default)]
    pub agent: Option<String>,
    /// What was written.
    pub body: String,
    /// Unix seconds.
    pub created_at: i64,
    /// For agents' replies: where the email stands.
    #[serde(default)]
    pub email_status: Option<EmailStatus>,
}

/// `GET /api/agent/tickets/{reference}/messages`: a ticket's state,
/// assignee and email thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketThread {
    /// The ticket.
    #[serde(default)]
    pub reference: String,
    /// `open`, `pending`, `solved` (or `done`).
    pub status: String,
    /// The agent it is assigned to.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Oldest first.
    pub messages: Vec<TicketMessage>,
}

/// `POST /api/agent/tickets/{reference}/reply` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRequest {
    /// The reply, emailed to the shopper.
    pub body: String,
}

/// `POST /api/agent/tickets/{reference}/reply` answer (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplySent {
    /// The email's Message-ID.
    pub message_id: String,
    /// The ticket's state now: `pending`.
    pub status: String,
}

/// `POST /api/agent/tickets/{reference}/state` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketStateRequest {
    /// `open`, `pending` or `solved`.
    pub state: String,
}

/// An item of an order, as agents see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderItemFacts {
    /// Product title.
    pub title: String,
    /// How many.
    pub quantity: u32,
    /// Cannot be returned.
    pub final_sale: bool,
}

/// A parcel of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    /// Carrier (`UPS`).
    pub company: String,
    /// Tracking number.
    pub number: String,
    /// Carrier's tracking page.
    pub url: String,
}

/// `GET /api/agent/orders/{number}`: the order as its store has it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFacts {
    /// Order number.
    pub number: u32,
    /// The customer's email.
    #[serde(default)]
    pub email: String,
    /// `unfulfilled`, `in_transit`, `delivered` or `cancelled`.
    #[serde(default)]
    pub state: String,
    /// The shipment's carrier, once shipped.
    #[serde(default)]
    pub carrier: Option<String>,
    /// Its tracking number.
    #[serde(default)]
    pub tracking_number: Option<String>,
    /// The carrier's tracking page.
    #[serde(default)]
    pub tracking_url: Option<String>,
    /// What was ordered.
    #[serde(default)]
    pub items: Vec<OrderItemFacts>,
    /// Every parcel.
    #[serde(default)]
    pub tracking: Vec<Parcel>,
    /// The order in the store's admin (Shopify, WooCommerce).
    #[serde(default)]
    pub admin_url: Option<String>,
}

/// A cancel or return request the merchant's system (order source "push")
/// did not receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRequest {
    /// Delivery id.
    pub id: i64,
    /// `cancel` or `return`.
    pub kind: String,
    /// The order number.
    pub order: i64,
    /// `dead` or still `pending`.
    #[serde(default)]
    pub status: String,
    /// Tries so far.
    pub attempts: i64,
    /// The last error.
    pub error: String,
    /// Unix seconds of the first try.
    #[serde(default)]
    pub created_at: i64,
    /// Unix seconds of the last try.
    pub updated_at: i64,
}

/// `GET /api/agent/store-requests`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StoreRequests {
    /// The requests.
    pub requests: Vec<StoreRequest>,
}

/// `POST /api/agent/store-requests/{id}/retry`: what sending it again gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resent {
    /// The request's id.
    #[serde(default)]
    pub id: i64,
    /// `done`, `refused`, `processing` or `failed`.
    pub status: String,
    /// The reference, the refusal's reason or the error.
    #[serde(default)]
    pub detail: String,
}

// ---- macros, tags, hours ----

/// A macro: a canned reply with `{{variables}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Macro {
    /// Stable id within the site.
    pub id: String,
    /// Short name for the picker.
    pub title: String,
    /// The text, with `{{variables}}`.
    pub body: String,
}

/// `GET /api/agent/macros`: in picker order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Macros {
    /// The site's macros.
    pub macros: Vec<Macro>,
}

/// `POST /api/agent/macros` and `PUT /api/agent/macros/{id}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MacroForm {
    /// Short name for the picker.
    pub title: String,
    /// The text, with `{{variables}}`.
    pub body: String,
}

/// A tag of the site's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteTag {
    /// Row id.
    pub id: i64,
    /// The tag as agents pick it.
    pub name: String,
}

/// `GET /api/agent/tags`: by name.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Tags {
    /// The site's tags.
    pub tags: Vec<SiteTag>,
}

/// `POST /api/agent/tags` and `PUT /api/agent/tags/{id}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagForm {
    /// The tag.
    pub name: String,
}

/// A site's business hours: time zone and opening spans per day.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA time zone (`America/New_York`).
    pub time_zone: String,
    /// Day (`mon` … `sun`) → opening spans `["09:00", "17:30"]`; a missing day is closed.
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
}

/// `GET`/`PUT /api/agent/hours` body, both ways.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursBody {
    /// `null`: no hours (always open when an agent is online).
    pub business_hours: Option<BusinessHours>,
}

/// One problem of a refused site file or campaign file: where and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathError {
    /// JSON path (`$.business_hours.weekly.mon[0]`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// `PUT /api/agent/hours` refused (400): the first problem as an
/// [`crate::api::ApiError`] would name it, and every problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HoursRefused {
    /// `bad_request`.
    pub code: ErrorCode,
    /// `PATH: MESSAGE` of the first problem.
    pub message: String,
    /// The first problem's path.
    pub field: String,
    /// Every problem.
    pub errors: Vec<PathError>,
}

// ---- the team ----

/// A member of the site's team, as the Team page lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Row id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Login email.
    pub email: String,
    /// `admin` or `agent`.
    pub role: Role,
    /// `active`, `disabled` or `invited`.
    pub status: String,
}

/// `GET /api/agent/team`: the team and who is asking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Every agent of the site, by name.
    pub agents: Vec<Member>,
    /// The admin's own id.
    pub me: i64,
}

/// `POST /api/agent/team/invites` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// The new agent's email.
    pub email: String,
    /// Their display name.
    pub name: String,
    /// Their role (`agent` when absent).
    #[serde(default)]
    pub role: Role,
    /// The language of their invitation email (a tag of one of the six
    /// languages); the inviting admin's console language when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// `POST /api/agent/team/invites` answer (201).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invited {
    /// The invited member.
    pub agent: Member,
    /// The "Set your password" link (shown to the admin once).
    pub link: Option<String>,
    /// Whether it was also emailed.
    pub emailed: bool,
}

/// `POST /api/agent/team/{id}/reset` answer: a new password link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLink {
    /// Whether it was emailed to the agent.
    #[serde(default)]
    pub emailed: bool,
    /// The link, when it could not be emailed (the admin passes it on).
    #[serde(default)]
    pub link: Option<String>,
}

/// `POST /api/agent/team/{id}/role` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// The new role.
    pub role: Role,
}

/// `POST /api/agent/password/forgot` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForgotRequest {
    /// The agent's email.
    pub email: String,
}

/// `POST /api/agent/password/forgot` answer (202, whatever the email).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accepted {
    /// Always `true`.
    pub accepted: bool,
}

/// `POST /api/agent/password/set` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordRequest {
    /// The token of an invitation or reset link.
    pub token: String,
    /// The new password.
    pub password: String,
}

// ---- the campaign editor ----

/// `POST /api/agent/campaigns`, `…/check` body: a campaign file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSource {
    /// The file's text.
    pub source: String,
}

/// One error in a campaign file, as `aisle campaigns check` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileError {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
    /// JSON path.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// `LINE:COL: PATH: MESSAGE`.
    pub text: String,
}

/// `POST /api/agent/campaigns/check` answer (200 either way):
/// `{"valid": true, "campaigns", "enabled"}` or `{"valid": false, "errors"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Checked {
    /// No errors.
    pub valid: bool,
    /// Campaigns in a valid file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaigns: Option<usize>,
    /// Of them, enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<usize>,
    /// Every error of an invalid file, in file order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FileError>>,
}

/// `POST /api/agent/campaigns` (and `…/preview`) refused (400): the file
/// has errors; nothing was published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignFileRefused {
    /// `bad_request`.
    pub code: ErrorCode,
    /// How many errors.
    pub message: String,
    /// Every error.
    pub errors: Vec<FileError>,
}

/// `POST /api/agent/campaigns` answer (201).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Published {
    /// The new live version.
    pub version: i64,
}

/// The visitor a preview simulates: the `aisle campaigns simulate` flags
/// with `_`; absent fields take its defaults.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewVisitor {
    /// Page URL or path.
    pub url: String,
    /// Referrer URL.
    #[serde(default)]
    pub referrer: Option<String>,
    /// `mobile`, `tablet` or `desktop`.
    #[serde(default)]
    pub device: Option<String>,
    /// Language tag.
    #[serde(default)]
    pub locale: Option<String>,
    /// Seconds on this page.
    #[serde(default)]
    pub seconds_on_page: f64,
    /// Seconds on the site.
    #[serde(default)]
    pub seconds_on_site: Option<f64>,
    /// Pages viewed this session.
    #[serde(default)]
    pub pages_viewed: Option<u32>,
    /// Visits, this one included.
    #[serde(default)]
    pub visits: Option<u32>,
    /// Scroll depth, percent.
    #[serde(default)]
    pub scroll_percent: u8,
    /// Cart value.
    #[serde(default)]
    pub cart_value: f64,
    /// Cart items.
    #[serde(default)]
    pub cart_items: Vec<String>,
    /// Agents online.
    #[serde(default)]
    pub agents_online: Option<u32>,
    /// Inside business hours.
    #[serde(default)]
    pub business_hours: Option<bool>,
    /// Exit intent.
    #[serde(default)]
    pub exit_intent: bool,
    /// Tags of the identified customer.
    #[serde(default)]
    pub customer_tags: Vec<String>,
    /// The time, RFC 3339 with offset; absent: now.
    #[serde(default)]
    pub at: Option<String>,
    /// A visitor id (`Aisle.visitor`): the A/B variant that visitor reads.
    #[serde(default)]
    pub visitor_id: Option<String>,
}

/// `POST /api/agent/campaigns/preview` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The campaign file.
    pub source: String,
    /// The visitor to simulate.
    pub visitor: PreviewVisitor,
}

/// A campaign not eligible yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    /// Campaign id.
    pub id: String,
    /// Whole seconds until it would be (rounded up).
    pub in_seconds: u64,
}

/// What `aisle campaigns simulate` prints: which campaigns are eligible
/// for a visitor, the one shown, and when the others would be.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Simulation {
    /// Eligible now, in priority order.
    #[serde(default)]
    pub eligible: Vec<String>,
    /// The one shown, if any.
    pub show: Option<String>,
    /// Campaigns that would become eligible later.
    #[serde(default)]
    pub waiting: Vec<Waiting>,
}

/// `POST /api/agent/campaigns/preview` answer: the [`Simulation`] and the
/// campaign shown, worded for the visitor.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Preview {
    /// `eligible`, `show`, `waiting`.
    #[serde(flatten)]
    pub simulation: Simulation,
    /// The campaign shown in the visitor's language; `null` when none is.
    pub message: Option<ShownCampaign>,
}

/// A pushed version of the campaign file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignVersion {
    /// Version number.
    pub version: i64,
    /// Unix seconds.
    pub pushed_at: i64,
    /// The agent's name; `null`: the command line.
    pub pushed_by: Option<String>,
}

/// The live campaign file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveFile {
    /// Its version.
    pub version: i64,
    /// Its text.
    pub source: String,
}

/// `GET /api/agent/campaigns`: the live file and the history.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CampaignHistory {
    /// The live file; `null` when none was pushed.
    pub live: Option<LiveFile>,
    /// Newest first.
    pub versions: Vec<CampaignVersion>,
}

#[cfg(test)]
mod tests {
    //! Contract tests: each body round-trips through serde_json, and carries
    //! the field names the console, the e2e specs and docs/http-api.md use.

    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    /// `body` as JSON: the same value after a round trip, with exactly `keys`.
    fn contract<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
        body: &T,
        keys: &[&str],
    ) -> Value {
        let json = serde_json::to_value(body).unwrap();
        let back: T = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(&back, body, "round trip");
        let mut have: Vec<&str> = json
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        have.sort_unstable();
        let mut want = keys.to_vec();
        want.sort_unstable();
        assert_eq!(have, want, "{json}");
        json
    }

    fn agent() -> AgentInfo {
        AgentInfo {
            id: 1,
            site: "demo".into(),
            email: "ada@example.com".into(),
            name: "Ada".into(),
            role: Role::Admin,
        }
    }

    fn email_status(updated_at: Option<i64>) -> EmailStatus {
        EmailStatus {
            kind: "ticket_received".into(),
            state: "failed".into(),
            attempts: 3,
            error: Some("550 no such user".into()),
            updated_at,
        }
    }

    #[test]
    fn login_and_me() {
        let request = LoginRequest {
            email: "ada@example.com".into(),
            password: "correct horse".into(),
        };
        contract(&request, &["email", "password"]);
        assert!(
            serde_json::from_value::<LoginRequest>(json!({"email": "a", "password": "b", "x": 1}))
                .is_err(),
            "unknown fields are refused"
        );
        let json = contract(&agent(), &["id", "site", "email", "name", "role"]);
        assert_eq!(json["role"], "admin");
        let answer = LoginAnswer {
            token: "t".into(),
            expires_at: 9,
            agent: agent(),
        };
        contract(&answer, &["token", "expires_at", "agent"]);
        let old: AgentInfo =
            serde_json::from_value(json!({"id": 2, "site": "s", "email": "e", "name": "n"}))
                .unwrap();
        assert_eq!(old.role, Role::Agent, "a missing role is a plain agent");
        assert!(!old.is_admin());
    }

    #[test]
    fn stats() {
        let mut stats = AgentStats::default();
        stats.campaigns.insert(
            "welcome".into(),
            CampaignCounts {
                shown: 3,
                ..Default::default()
            },
        );
        stats.self_service.flows.insert(
            "track".into(),
            FlowCounts {
                started: 2,
                resolved: 1,
                handoff: 0,
            },
        );
        stats.faq.insert(
            "sizing".into(),
            FaqCounts {
                helpful: 1,
                not_helpful: 0,
            },
        );
        let json = contract(&stats, &["campaigns", "self_service", "faq"]);
        assert_eq!(
            json["campaigns"]["welcome"],
            json!({"shown": 3, "clicked": 0, "dismissed": 0, "conversation_started": 0})
        );
        assert_eq!(
            json["self_service"]["flows"]["track"],
            json!({"started": 2, "resolved": 1, "handoff": 0})
        );
        assert_eq!(
            json["faq"]["sizing"],
            json!({"helpful": 1, "not_helpful": 0})
        );
        contract(
            &stats.self_service,
            &["flows", "started", "resolved", "deflection"],
        );
    }

    #[test]
    fn tickets_and_returns() {
        let ticket = Ticket {
            reference: "T-1".into(),
            kind: "issue".into(),
            order: None,
            email: "ada@example.com".into(),
            issue: Some("damaged".into()),
            body: "Broken".into(),
            steps: Some(vec!["report:1004".into()]),
            status: "open".into(),
            created_at: 5,
            email_status: Some(email_status(Some(6))),
        };
        let json = contract(
            &ticket,
            &[
                "reference",
                "kind",
                "order",
                "email",
                "issue",
                "body",
                "steps",
                "status",
                "created_at",
                "email_status",
            ],
        );
        assert_eq!(json["order"], Value::Null, "an absent order is null");
        contract(
            ticket.email_status.as_ref().unwrap(),
            &["kind", "state", "attempts", "error", "updated_at"],
        );
        let page = TicketPage {
            tickets: vec![ticket],
            next: None,
        };
        let json = contract(&page, &["tickets", "next"]);
        assert_eq!(json["next"], Value::Null, "the last page's next is null");
        let ret = ReturnRequest {
            reference: "R-1".into(),
            order: 1003,
            email: "ada@example.com".into(),
            items: Some(vec![ReturnItem {
                sku: "TEE".into(),
                title: "Tee".into(),
                quantity: 1,
            }]),
            reason: "too_small".into(),
            comment: String::new(),
            status: "requested".into(),
            created_at: 5,
            email_status: None,
        };
        let json = contract(
            &ret,
            &[
                "reference",
                "order",
                "email",
                "items",
                "reason",
                "comment",
                "status",
                "created_at",
                "email_status",
            ],
        );
        assert_eq!(
            json["items"][0],
            json!({"sku": "TEE", "title": "Tee", "quantity": 1})
        );
        assert_eq!(json["email_status"], Value::Null);
        contract(
            &ReturnPage {
                returns: vec![ret],
                next: Some("5.1".into()),
            },
            &["returns", "next"],
        );
    }

    #[test]
    fn ticket_threads() {
        let thread = TicketThread {
            reference: "T-1".into(),
            status: "pending".into(),
            assignee: Some("Ada".into()),
            messages: vec![TicketMessage {
                direction: "agent".into(),
                agent: Some("Ada".into()),
                body: "Hello".into(),
                created_at: 1,
                email_status: Some(EmailStatus {
                    kind: "agent_reply".into(),
                    updated_at: None,
                    ..email_status(None)
                }),
            }],
        };
        let json = contract(&thread, &["reference", "status", "assignee", "messages"]);
        let message = &json["messages"][0];
        assert_eq!(
            message["email_status"],
            json!({"kind": "agent_reply", "state": "failed", "attempts": 3, "error": "550 no such user"}),
            "a reply's email state has no updated_at"
        );
        contract(
            &thread.messages[0],
            &["direction", "agent", "body", "created_at", "email_status"],
        );
        contract(&ReplyRequest { body: "Hi".into() }, &["body"]);
        contract(
            &ReplySent {
                message_id: "<m@x>".into(),
                status: "pending".into(),
            },
            &["message_id", "status"],
        );
        contract(
            &TicketStateRequest {
                state: "solved".into(),
            },
            &["state"],
        );
    }

    #[test]
    fn orders_and_store_requests() {
        let facts = OrderFacts {
            number: 1002,
            email: "ada@example.com".into(),
            state: "in_transit".into(),
            carrier: Some("UPS".into()),
            tracking_number: Some("1Z".into()),
            tracking_url: Some("https://ups.example/1Z".into()),
            items: vec![OrderItemFacts {
                title: "Tee".into(),
                quantity: 2,
                final_sale: false,
            }],
            tracking: vec![Parcel {
                company: "UPS".into(),
                number: "1Z".into(),
                url: "https://ups.example/1Z".into(),
            }],
            admin_url: None,
        };
        let json = contract(
            &facts,
            &[
                "number",
                "email",
                "state",
                "carrier",
                "tracking_number",
                "tracking_url",
                "items",
                "tracking",
                "admin_url",
            ],
        );
        assert_eq!(json["admin_url"], Value::Null);
        assert_eq!(
            json["items"][0],
            json!({"title": "Tee", "quantity": 2, "final_sale": false})
        );
        assert_eq!(
            json["tracking"][0],
            json!({"company": "UPS", "number": "1Z", "url": "https://ups.example/1Z"})
        );
        let request = StoreRequest {
            id: 4,
            kind: "cancel".into(),
            order: 1001,
            status: "dead".into(),
            attempts: 8,
            error: "503".into(),
            created_at: 1,
            updated_at: 2,
        };
        contract(
            &request,
            &[
                "id",
                "kind",
                "order",
                "status",
                "attempts",
                "error",
                "created_at",
                "updated_at",
            ],
        );
        contract(
            &StoreRequests {
                requests: vec![request],
            },
            &["requests"],
        );
        contract(
            &Resent {
                id: 4,
                status: "done".into(),
                detail: String::new(),
            },
            &["id", "status", "detail"],
        );
    }

    #[test]
    fn macros_tags_and_hours() {
        let m = Macro {
            id: "greeting".into(),
            title: "Greeting".into(),
            body: "Hi {{customer.first_name}}".into(),
        };
        contract(&m, &["id", "title", "body"]);
        contract(&Macros { macros: vec![m] }, &["macros"]);
        contract(
            &MacroForm {
                title: "t".into(),
                body: "b".into(),
            },
            &["title", "body"],
        );
        let tag = SiteTag {
            id: 1,
            name: "refund".into(),
        };
        contract(&tag, &["id", "name"]);
        contract(&Tags { tags: vec![tag] }, &["tags"]);
        contract(&TagForm { name: "x".into() }, &["name"]);
        let mut weekly = BTreeMap::new();
        weekly.insert(
            "mon".to_owned(),
            vec![["09:00".to_owned(), "17:00".to_owned()]],
        );
        let hours = HoursBody {
            business_hours: Some(BusinessHours {
                time_zone: "Europe/Helsinki".into(),
                weekly,
            }),
        };
        let json = contract(&hours, &["business_hours"]);
        assert_eq!(
            json["business_hours"]["weekly"]["mon"],
            json!([["09:00", "17:00"]])
        );
        let none = contract(&HoursBody::default(), &["business_hours"]);
        assert_eq!(none["business_hours"], Value::Null, "no hours is null");
        contract(
            &HoursRefused {
                code: ErrorCode::BadRequest,
                message: "$.business_hours.time_zone: unknown".into(),
                field: "$.business_hours.time_zone".into(),
                errors: vec![PathError {
                    path: "$.business_hours.time_zone".into(),
                    message: "unknown".into(),
                }],
            },
            &["code", "message", "field", "errors"],
        );
    }

    #[test]
    fn the_team() {
        let member = Member {
            id: 2,
            name: "Bo".into(),
            email: "bo@example.com".into(),
            role: Role::Agent,
            status: "invited".into(),
        };
        let json = contract(&member, &["id", "name", "email", "role", "status"]);
        assert_eq!(json["role"], "agent");
        contract(
            &Team {
                agents: vec![member.clone()],
                me: 1,
            },
            &["agents", "me"],
        );
        contract(
            &Invited {
                agent: member,
                link: Some("http://x/console/#/invite/t".into()),
                emailed: false,
            },
            &["agent", "link", "emailed"],
        );
        let json = contract(
            &PasswordLink {
                emailed: true,
                link: None,
            },
            &["emailed", "link"],
        );
        assert_eq!(json["link"], Value::Null, "an emailed link is not shown");
        let invite: InviteRequest =
            serde_json::from_value(json!({"email": "c@example.com", "name": "C"})).unwrap();
        assert_eq!(invite.role, Role::Agent, "invited as an agent by default");
        contract(&invite, &["email", "name", "role"]);
        let invite: InviteRequest = serde_json::from_value(
            json!({"email": "c@example.com", "name": "C", "language": "fi"}),
        )
        .unwrap();
        assert_eq!(invite.language.as_deref(), Some("fi"));
        contract(&invite, &["email", "name", "role", "language"]);
        contract(&RoleRequest { role: Role::Admin }, &["role"]);
        assert!(serde_json::from_value::<RoleRequest>(json!({"role": "owner"})).is_err());
        contract(&ForgotRequest { email: "e".into() }, &["email"]);
        contract(&Accepted { accepted: true }, &["accepted"]);
        contract(
            &SetPasswordRequest {
                token: "t".into(),
                password: "p".into(),
            },
            &["token", "password"],
        );
        assert_eq!("admin".parse::<Role>(), Ok(Role::Admin));
        assert!("owner".parse::<Role>().is_err());
        assert_eq!(Role::from_name("owner"), Role::Agent);
    }

    #[test]
    fn the_campaign_editor() {
        contract(
            &CampaignSource {
                source: "{}".into(),
            },
            &["source"],
        );
        let valid = Checked {
            valid: true,
            campaigns: Some(2),
            enabled: Some(1),
            errors: None,
        };
        contract(&valid, &["valid", "campaigns", "enabled"]);
        let error = FileError {
            line: 3,
            column: 7,
            path: "$.campaigns[0].id".into(),
            message: "missing".into(),
            text: "3:7: $.campaigns[0].id: missing".into(),
        };
        contract(&error, &["line", "column", "path", "message", "text"]);
        let invalid = Checked {
            valid: false,
            campaigns: None,
            enabled: None,
            errors: Some(vec![error.clone()]),
        };
        contract(&invalid, &["valid", "errors"]);
        contract(
            &CampaignFileRefused {
                code: ErrorCode::BadRequest,
                message: "the campaign file has 1 error; nothing was published".into(),
                errors: vec![error],
            },
            &["code", "message", "errors"],
        );
        contract(&Published { version: 3 }, &["version"]);
        let visitor: PreviewVisitor = serde_json::from_value(json!({"url": "/"})).unwrap();
        assert_eq!(visitor.scroll_percent, 0);
        let request = PreviewRequest {
            source: "{}".into(),
            visitor,
        };
        contract(&request, &["source", "visitor"]);
        assert!(serde_json::from_value::<PreviewVisitor>(json!({"url": "/", "speed": 1})).is_err());
        let simulated = Simulation {
            eligible: vec!["a".into()],
            show: Some("a".into()),
            waiting: vec![Waiting {
                id: "b".into(),
                in_seconds: 3,
            }],
        };
        contract(&simulated, &["eligible", "show", "waiting"]);
        let previewed = Preview {
            simulation: simulated.clone(),
            message: None,
        };
        let json = contract(&previewed, &["eligible", "show", "waiting", "message"]);
        assert_eq!(
            json["message"],
            Value::Null,
            "nothing shown: message is null"
        );
        let shown = Preview {
            simulation: simulated,
            message: Some(ShownCampaign {
                id: "a".into(),
                message: "Hi".into(),
                actions: Vec::new(),
                variant: Some("b".into()),
                code: Some("WINTER10".into()),
            }),
        };
        let json = contract(&shown, &["eligible", "show", "waiting", "message"]);
        assert_eq!(json["message"]["variant"], "b");
        contract(
            &CampaignHistory {
                live: Some(LiveFile {
                    version: 2,
                    source: "{}".into(),
                }),
                versions: vec![CampaignVersion {
                    version: 2,
                    pushed_at: 1,
                    pushed_by: None,
                }],
            },
            &["live", "versions"],
        );
        let none = contract(&CampaignHistory::default(), &["live", "versions"]);
        assert_eq!(none["live"], Value::Null);
    }
}
