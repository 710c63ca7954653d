//! Locale tables: every string the console shows, per language.
//!
//! A [`Strings`] table is a struct, so a language cannot ship with a string
//! missing: the compiler refuses it. Placeholders are `{name}`, filled with
//! [`fill`]. The six languages are the widget's: English, French, Finnish,
//! Simplified and Traditional Chinese, Thai; shop words (order, return,
//! ticket, reference…) are the ones the server's self-service texts use, so
//! the agent and the shopper read the same terms.

mod fi;
mod fr;
mod th;
mod zh_hans;
mod zh_hant;

pub use fi::FI;
pub use fr::FR;
pub use th::TH;
pub use zh_hans::ZH_HANS;
pub use zh_hant::ZH_HANT;

/// The languages the console speaks: the widget's six, as `aisle_core`
/// defines them (tag parsing, fallbacks, names for the switcher).
pub use aisle_core::locale::Locale;

/// Where the agent's language choice is kept (`localStorage`).
pub const LOCALE_KEY: &str = "aisle.console.locale";

/// The language the agent chose earlier in this browser, if any (read at
/// start, and sent with every API request as `Accept-Language`).
pub fn remembered_locale() -> Option<Locale> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LOCALE_KEY).ok().flatten())
        .and_then(|tag| Locale::from_tag(&tag))
}

/// The console's strings of a [`Locale`].
pub trait LocaleStrings {
    /// This locale's strings.
    fn strings(self) -> &'static Strings;
}

/// The tables, in [`Locale::ALL`] order.
static TABLES: [&Strings; 6] = [&EN, &FR, &FI, &ZH_HANS, &ZH_HANT, &TH];

impl LocaleStrings for Locale {
    fn strings(self) -> &'static Strings {
        TABLES[self.index()]
    }
}

/// `template` with every `{key}` replaced by its value, in one pass: a value
/// that itself reads `{score}` (a shopper's page path, say) stays as typed.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let key = &after[..close];
            values
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, value)| (*value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every string of the console's interface.
#[derive(Debug)]
pub struct Strings {
    /// The language switcher's label.
    pub language: &'static str,
    /// Document title and the login heading.
    pub app_title: &'static str,
    /// Login: intro under the heading.
    pub login_intro: &'static str,
    /// Login: email field label.
    pub email: &'static str,
    /// Login: password field label.
    pub password: &'static str,
    /// Login: submit button.
    pub log_in: &'static str,
    /// Login: submit button while waiting.
    pub logging_in: &'static str,
    /// Login: wrong email or password.
    pub wrong_credentials: &'static str,
    /// Login: too many failures; `{minutes}`.
    pub login_rate_limited: &'static str,
    /// Login: both fields are needed.
    pub login_missing: &'static str,
    /// Any call: the server could not be reached.
    pub network_error: &'static str,
    /// Login screen after the session ended on its own.
    pub session_expired: &'static str,
    /// Top bar: `{name}` is the agent.
    pub signed_in_as: &'static str,
    /// Top bar: log out button.
    pub log_out: &'static str,
    /// Top bar: name of the view navigation.
    pub views: &'static str,
    /// View: live conversations.
    pub conversations_view: &'static str,
    /// View: tickets.
    pub tickets_view: &'static str,
    /// View: return requests.
    pub returns_view: &'static str,
    /// View: cancel and return requests the store's system never received.
    pub store_requests_view: &'static str,
    /// Store requests: heading.
    pub store_requests: &'static str,
    /// Store requests: what the list is.
    pub store_requests_intro: &'static str,
    /// Store requests: none waiting.
    pub no_store_requests: &'static str,
    /// Store requests: a cancel.
    pub request_cancel: &'static str,
    /// Store requests: a return.
    pub request_return: &'static str,
    /// Store requests: column of the error.
    pub last_error: &'static str,
    /// Store requests: column of the attempts.
    pub attempts: &'static str,
    /// Store requests: send again.
    pub send_again: &'static str,
    /// Store requests: send again, with `{order}` (accessible name).
    pub send_again_order: &'static str,
    /// Notice: `{order}` reached the store, with its answer `{status}`.
    pub notice_request_sent: &'static str,
    /// Notice: `{order}` still not delivered: `{error}`.
    pub notice_request_failed: &'static str,
    /// Presence group name.
    pub presence: &'static str,
    /// Presence: online.
    pub online: &'static str,
    /// Presence: away.
    pub away: &'static str,
    /// Connection state: connected.
    pub connected: &'static str,
    /// Connection state: connecting or reconnecting.
    pub reconnecting: &'static str,
    /// View: the team's figures.
    pub insights_view: &'static str,
    /// Insights: heading.
    pub insights: &'static str,
    /// Insights: download the per-day figures.
    pub export_csv: &'static str,
    /// Insights: first day.
    pub from_day: &'static str,
    /// Insights: last day.
    pub to_day: &'static str,
    /// Insights: apply the range.
    pub show_figures: &'static str,
    /// Insights: `{tz}` is the zone days and hours are in.
    pub time_zone_note: &'static str,
    /// Insights: conversations.
    pub conversations_heading: &'static str,
    /// Insights: time to the first answer.
    pub first_response: &'static str,
    /// Insights: time to closing.
    pub resolution: &'static str,
    /// Insights: satisfaction.
    pub csat: &'static str,
    /// Insights: `{average}` of 5 from `{count}` ratings.
    pub csat_of: &'static str,
    /// Insights: `{median}` and `{p90}` durations.
    pub median_p90: &'static str,
    /// Insights: share of self-service resolved without a person.
    pub deflection: &'static str,
    /// Insights: conversations per self-service session.
    pub contact_rate: &'static str,
    /// Insights: conversations per day chart.
    pub chart_per_day: &'static str,
    /// Insights: weekday × hour chart.
    pub chart_heat: &'static str,
    /// Insights: ratings chart.
    pub chart_csat: &'static str,
    /// Insights: day column.
    pub day: &'static str,
    /// Insights: weekday column.
    pub weekday: &'static str,
    /// Insights: rating score column.
    pub score: &'static str,
    /// Insights: rating count column.
    pub ratings: &'static str,
    /// Insights: self-service heading.
    pub self_service_heading: &'static str,
    /// Insights: flow column.
    pub flow: &'static str,
    /// Insights: flows started.
    pub started: &'static str,
    /// Insights: flows resolved.
    pub resolved: &'static str,
    /// Insights: flows handed to a person.
    pub handed_over: &'static str,
    /// Insights: per-agent heading.
    pub per_agent: &'static str,
    /// Insights: agent column.
    pub agent: &'static str,
    /// Staffing: heading.
    pub staffing: &'static str,
    /// Staffing: what it does.
    pub staffing_intro: &'static str,
    /// Staffing: growth factor.
    pub growth: &'static str,
    /// Staffing: weeks of history.
    pub history_weeks: &'static str,
    /// Staffing: target answer time.
    pub answer_within: &'static str,
    /// Staffing: share answered within the target.
    pub service_level: &'static str,
    /// Staffing: compute.
    pub forecast: &'static str,
    /// Staffing: `{agents}` at the busiest hour.
    pub peak_agents: &'static str,
    /// Staffing: the inputs used.
    pub staffing_inputs: &'static str,
    /// Staffing: agents per weekday × hour chart.
    pub chart_staffing: &'static str,
    /// Staffing: the formula.
    pub staffing_formula: &'static str,
    /// Insights: weekday names, Monday first.
    pub weekdays: [&'static str; 7],
    /// Context: the customer's earlier contacts heading.
    pub history_title: &'static str,
    /// Context: no earlier contacts.
    pub history_none: &'static str,
    /// Context: list name of earlier conversations.
    pub history_conversations: &'static str,
    /// Context: list name of earlier tickets.
    pub history_tickets: &'static str,
    /// Context: an earlier conversation's rating `{score}`.
    pub history_rated: &'static str,
    /// Top bar: name of the notification settings group.
    pub alerts: &'static str,
    /// Top bar: desktop notifications toggle.
    pub notifications: &'static str,
    /// Top bar: sound toggle.
    pub sound: &'static str,
    /// Notice: the browser refused notifications.
    pub notify_blocked: &'static str,
    /// Notification: `{who}` wrote in one of the agent's chats.
    pub notify_wrote: &'static str,
    /// Queue heading and the list's name.
    pub waiting: &'static str,
    /// Queue: label before a waiting shopper's latest message (screen readers).
    pub latest_message: &'static str,
    /// Queue: nobody waiting.
    pub nobody_waiting: &'static str,
    /// Queue: how many agents are online (`{count}`).
    pub agents_online: &'static str,
    /// Queue: accept button's visible text.
    pub accept: &'static str,
    /// Queue: accept button's accessible name; `{who}` identifies the shopper.
    pub accept_who: &'static str,
    /// Queue: waited `{time}`.
    pub waited: &'static str,
    /// A shopper without a known email, on `{page}`.
    pub visitor_on: &'static str,
    /// A shopper without any known page or email.
    pub visitor: &'static str,
    /// Durations.
    pub just_now: &'static str,
    /// `{minutes}` minutes.
    pub minutes: &'static str,
    /// `{hours}` hours `{minutes}` minutes.
    pub hours_minutes: &'static str,
    /// Priority: VIP (proved an order).
    pub priority_vip: &'static str,
    /// Priority: big cart.
    pub priority_high_cart: &'static str,
    /// Priority: question before buying.
    pub priority_pre_sale: &'static str,
    /// Priority: anything else.
    pub priority_normal: &'static str,
    /// My conversations heading.
    pub my_conversations: &'static str,
    /// No conversation accepted yet.
    pub no_conversations: &'static str,
    /// Hint when no conversation is selected.
    pub pick_conversation: &'static str,
    /// `{count}` unread messages.
    pub unread: &'static str,
    /// Tag on a list entry whose conversation ended.
    pub ended: &'static str,
    /// Conversation log name; `{who}`.
    pub conversation_with: &'static str,
    /// Author prefix: the shopper.
    pub shopper: &'static str,
    /// Author prefix: this agent.
    pub you: &'static str,
    /// Author prefix: Aisle's own notes.
    pub system: &'static str,
    /// Delivery: not stored yet.
    pub sending: &'static str,
    /// Delivery: stored.
    pub sent: &'static str,
    /// Delivery: the shopper read it.
    pub read: &'static str,
    /// Typing indicator.
    pub shopper_typing: &'static str,
    /// Reply field label.
    pub reply: &'static str,
    /// Under the reply field.
    pub reply_hint: &'static str,
    /// Character counter: `{count}` of `{max}`.
    pub counter: &'static str,
    /// Over the limit.
    pub too_long: &'static str,
    /// Send button.
    pub send: &'static str,
    /// Macro picker label.
    pub macro_label: &'static str,
    /// Button that inserts the chosen macro.
    pub insert_macro: &'static str,
    /// Macro picker's empty choice.
    pub choose_macro: &'static str,
    /// Macro variables that could not be filled: `{names}`.
    pub macro_missing: &'static str,
    /// Transfer button.
    pub transfer: &'static str,
    /// Tags field label.
    pub tags: &'static str,
    /// Under the tags field.
    pub tags_hint: &'static str,
    /// Close button.
    pub close_conversation: &'static str,
    /// Remove an ended conversation from the list.
    pub dismiss: &'static str,
    /// The shopper ended the conversation.
    pub closed_by_shopper: &'static str,
    /// The agent closed the conversation; a rating was requested.
    pub closed_by_agent: &'static str,
    /// The conversation ended for another reason.
    pub closed_by_system: &'static str,
    /// The shopper rated the conversation `{score}` of 5.
    pub rated: &'static str,
    /// Context panel name.
    pub shopper_context: &'static str,
    /// Context: email.
    pub ctx_email: &'static str,
    /// Context: locale.
    pub ctx_language: &'static str,
    /// Context: current page.
    pub ctx_page: &'static str,
    /// Context: earlier pages.
    pub ctx_history: &'static str,
    /// Context: `{count}` earlier pages left out.
    pub ctx_more_pages: &'static str,
    /// Context: cart.
    pub ctx_cart: &'static str,
    /// Context: empty or unknown cart.
    pub ctx_no_cart: &'static str,
    /// Context: verified orders.
    pub ctx_orders: &'static str,
    /// Context: no verified order.
    pub ctx_none: &'static str,
    /// Context: link to a verified order in the store's admin.
    pub ctx_open_in_admin: &'static str,
    /// Context: the campaign that started it.
    pub ctx_campaign: &'static str,
    /// Context: self-service steps.
    pub ctx_steps: &'static str,
    /// Context: priority.
    pub ctx_priority: &'static str,
    /// Context: badge on what the server proved (orders, a proven or signed email).
    pub ctx_verified: &'static str,
    /// Context: badge on what only the shopper's browser says.
    pub ctx_unverified: &'static str,
    /// Context: what "unverified" means, under the full context.
    pub ctx_unverified_note: &'static str,
    /// Context: opens in a new tab (for links).
    pub opens_in_new_tab: &'static str,
    /// Notice: a shopper joined the queue.
    pub notice_new_waiting: &'static str,
    /// Notice: another agent (`{name}`) accepted the conversation first.
    pub notice_taken_by: &'static str,
    /// Notice: another agent accepted it first (name unknown).
    pub notice_already_taken: &'static str,
    /// Notice: the conversation went back to the queue.
    pub notice_transferred: &'static str,
    /// Notice: the shopper left.
    pub notice_shopper_left: &'static str,
    /// Notice: `{who}` rated `{score}` of 5.
    pub notice_rated: &'static str,
    /// Notice: the message was too long.
    pub notice_too_long: &'static str,
    /// Notice: sending too fast; it will be resent.
    pub notice_rate_limited: &'static str,
    /// Notice: the conversation is closed.
    pub notice_conversation_closed: &'static str,
    /// Notice: the server refused something.
    pub notice_error: &'static str,
    /// Notice: not connected, try again.
    pub notice_offline: &'static str,
    /// Tickets heading.
    pub tickets: &'static str,
    /// Returns heading.
    pub returns: &'static str,
    /// Lists: loading.
    pub loading: &'static str,
    /// Lists: reload button.
    pub refresh: &'static str,
    /// Tickets and returns: loads the next, older page.
    pub show_older: &'static str,
    /// Tickets: none.
    pub no_tickets: &'static str,
    /// Returns: none.
    pub no_returns: &'static str,
    /// Ticket kind: reported issue.
    pub ticket_issue: &'static str,
    /// Ticket kind: message left while offline.
    pub ticket_message: &'static str,
    /// Lists: order column.
    pub order_number_heading: &'static str,
    /// Tickets: kind column.
    pub kind: &'static str,
    /// Lists: reference column.
    pub reference: &'static str,
    /// Lists: status.
    pub status: &'static str,
    /// Lists: created.
    pub created: &'static str,
    /// Returns: items.
    pub items: &'static str,
    /// Returns: reason.
    pub reason: &'static str,
    /// Returns: comment.
    pub comment: &'static str,
    /// Tickets: the message.
    pub message: &'static str,
    /// Lists: mark done button; accessible name adds `{reference}`.
    pub mark_done: &'static str,
    /// Mark done button's accessible name.
    pub mark_done_ref: &'static str,
    /// Status: done.
    pub done: &'static str,
    /// Tickets: column of the automatic email to the shopper.
    pub email_to_shopper: &'static str,
    /// Email state: the site sends no email.
    pub email_none: &'static str,
    /// Email state: waiting for its first attempt.
    pub email_queued: &'static str,
    /// Email state: attempts failed, will retry; `{attempts}`, `{error}`.
    pub email_retrying: &'static str,
    /// Email state: delivered to the mail server.
    pub email_sent: &'static str,
    /// Email state: failed for good; `{error}`.
    pub email_failed: &'static str,
    /// Tickets: opens the email thread and reply form.
    pub ticket_reply: &'static str,
    /// Accessible name of that button; `{reference}`.
    pub ticket_reply_ref: &'static str,
    /// Name of the thread region; `{reference}`.
    pub ticket_thread: &'static str,
    /// Label of the state picker.
    pub ticket_state: &'static str,
    /// Ticket state.
    pub state_open: &'static str,
    /// Ticket state.
    pub state_pending: &'static str,
    /// Ticket state.
    pub state_solved: &'static str,
    /// Who the ticket is assigned to; `{name}`.
    pub assigned_to: &'static str,
    /// Author of a message that came back by email.
    pub from_shopper: &'static str,
    /// No replies yet.
    pub no_thread: &'static str,
    /// Label of the reply box; `{email}`.
    pub ticket_reply_label: &'static str,
    /// Submit of the reply box.
    pub send_reply: &'static str,
    /// Notice: the reply is on its way; `{reference}`.
    pub notice_replied: &'static str,
    /// Notice: `{reference}` marked done.
    pub notice_done: &'static str,
    /// Conversation: button at the top of the log fetching earlier messages.
    pub load_earlier: &'static str,
    // roles
    /// Top bar: the Team view (admins only).
    pub team_view: &'static str,
    /// Team: intro under the heading.
    pub team_intro: &'static str,
    /// Team: name column and field.
    pub team_name: &'static str,
    /// Team: role column and field.
    pub team_role: &'static str,
    /// Team: the invited agent's language (their invitation email's).
    pub invite_language: &'static str,
    /// Team: status column.
    pub team_status: &'static str,
    /// Team: actions column (hidden heading).
    pub team_actions: &'static str,
    /// Role: admin.
    pub role_admin: &'static str,
    /// Role: agent.
    pub role_agent: &'static str,
    /// Status: can log in.
    pub status_active: &'static str,
    /// Status: cannot log in.
    pub status_disabled: &'static str,
    /// Status: has not set a password yet.
    pub status_invited: &'static str,
    /// Team: after the admin's own name.
    pub you_marker: &'static str,
    /// Team: the invite form's heading.
    pub invite_heading: &'static str,
    /// Team: invite button.
    pub invite_send: &'static str,
    /// Team: invite button while it works.
    pub inviting: &'static str,
    /// Team: invite without name or email.
    pub invite_missing: &'static str,
    /// Team: label of a password link shown once; `{name}`.
    pub link_for: &'static str,
    /// Team: under a link shown once.
    pub link_help: &'static str,
    /// Notice: a link went by email; `{name}`.
    pub link_emailed: &'static str,
    /// Team: copies the link shown.
    pub copy_link: &'static str,
    /// Notice: the link is on the clipboard.
    pub link_copied: &'static str,
    /// Team: disable button.
    pub disable: &'static str,
    /// Team: disable button's name; `{name}`.
    pub disable_member: &'static str,
    /// Team: re-enable button.
    pub enable: &'static str,
    /// Team: re-enable button's name; `{name}`.
    pub enable_member: &'static str,
    /// Team: reset password button.
    pub reset_password: &'static str,
    /// Team: reset button's name; `{name}`.
    pub reset_member: &'static str,
    /// Team: role picker's name; `{name}`.
    pub role_of: &'static str,
    /// Notice: `{name}` disabled.
    pub notice_disabled: &'static str,
    /// Notice: `{name}` re-enabled.
    pub notice_enabled: &'static str,
    /// Notice: role changed; `{name}`, `{role}`.
    pub notice_role: &'static str,
    /// Login: opens the reset form.
    pub forgot_password: &'static str,
    /// Reset form: intro.
    pub forgot_intro: &'static str,
    /// Reset form: submit.
    pub send_link: &'static str,
    /// Reset form: after sending (the same for every address).
    pub forgot_sent: &'static str,
    /// Reset form: no email typed.
    pub email_missing: &'static str,
    /// Back from the reset and password forms.
    pub back_to_login: &'static str,
    /// The invitation/reset form's heading.
    pub set_password_title: &'static str,
    /// Password form: intro; `{min}`.
    pub set_password_intro: &'static str,
    /// Password form: first field.
    pub new_password: &'static str,
    /// Password form: second field.
    pub confirm_password: &'static str,
    /// Password form: submit.
    pub save_password: &'static str,
    /// Password form: too short; `{min}`.
    pub password_too_short: &'static str,
    /// Password form: the two fields differ.
    pub passwords_differ: &'static str,
    /// Password form: the link is spent or expired.
    pub link_expired: &'static str,
    /// Login: after a password was set.
    pub password_set: &'static str,
    /// Login: the account is disabled (shown once the password is right), and when it is disabled while logged in.
    pub account_disabled: &'static str,
    /// Top bar: the macros editor (admins only).
    pub macros_view: &'static str,
    /// Macros editor: intro.
    pub macros_intro: &'static str,
    /// Macros editor: title field and column.
    pub macro_title: &'static str,
    /// Macros editor: text field and column.
    pub macro_body: &'static str,
    /// Macros editor: the variables one may use; `{variables}`.
    pub macro_variables: &'static str,
    /// Macros editor: heading of the live preview.
    pub macro_preview: &'static str,
    /// Macros editor: unknown variables; `{names}`.
    pub macro_unknown: &'static str,
    /// Macros editor: a title or the text is empty.
    pub macro_incomplete: &'static str,
    /// Macros editor: heading of the form for a new macro.
    pub new_macro: &'static str,
    /// Macros editor: heading while editing; `{title}`.
    pub editing_macro: &'static str,
    /// Macros editor: edit button.
    pub edit: &'static str,
    /// Macros editor: edit button's name; `{title}`.
    pub edit_macro: &'static str,
    /// Macros editor: delete button.
    pub delete: &'static str,
    /// Macros editor: delete button's name; `{title}`.
    pub delete_macro: &'static str,
    /// Macros editor: save.
    pub save_macro: &'static str,
    /// Macros editor: stop editing.
    pub cancel_edit: &'static str,
    /// Notice: `{title}` saved.
    pub notice_macro_saved: &'static str,
    /// Notice: `{title}` deleted.
    pub notice_macro_deleted: &'static str,
    /// Macros editor: the list is empty.
    pub no_macros: &'static str,
    /// Top bar: tags and business hours (admins only).
    pub settings_view: &'static str,
    /// Settings: the tag list's heading.
    pub tags_heading: &'static str,
    /// Settings: tags intro.
    pub tags_intro: &'static str,
    /// Settings: the new tag field.
    pub new_tag: &'static str,
    /// Settings: adds the new tag.
    pub add_tag: &'static str,
    /// Settings: a tag's name field; `{name}`.
    pub tag_name_of: &'static str,
    /// Settings: saves a tag's new name.
    pub rename: &'static str,
    /// Settings: rename button's name; `{name}`.
    pub rename_tag: &'static str,
    /// Settings: delete button's name; `{name}`.
    pub delete_tag: &'static str,
    /// Settings: the tag list is empty.
    pub no_tags: &'static str,
    /// Notice: tag `{name}` saved.
    pub notice_tag_saved: &'static str,
    /// Notice: tag `{name}` deleted.
    pub notice_tag_deleted: &'static str,
    /// Close form: the group of the site's tags.
    pub site_tags: &'static str,
    /// Settings: business hours heading.
    pub hours_heading: &'static str,
    /// Settings: business hours intro.
    pub hours_intro: &'static str,
    /// Settings: time zone field.
    pub time_zone: &'static str,
    /// Settings: under the time zone field.
    pub time_zone_hint: &'static str,
    /// Settings: how to write a day's hours.
    pub hours_day_hint: &'static str,
    /// Monday.
    pub day_mon: &'static str,
    /// Tuesday.
    pub day_tue: &'static str,
    /// Wednesday.
    pub day_wed: &'static str,
    /// Thursday.
    pub day_thu: &'static str,
    /// Friday.
    pub day_fri: &'static str,
    /// Saturday.
    pub day_sat: &'static str,
    /// Sunday.
    pub day_sun: &'static str,
    /// Settings: saves the hours.
    pub save_hours: &'static str,
    /// Notice: hours saved.
    pub notice_hours_saved: &'static str,
    /// Settings: a day's hours cannot be read; `{day}`.
    pub hours_format: &'static str,
    // campaigns
    /// Top navigation: campaign figures and editor.
    pub campaigns_view: &'static str,
    /// Campaigns page heading.
    pub campaigns_title: &'static str,
    /// Column: the campaign.
    pub campaign_heading: &'static str,
    /// Column: times shown.
    pub shown_heading: &'static str,
    /// Column: clicks.
    pub clicked_heading: &'static str,
    /// Column: times closed.
    pub dismissed_heading: &'static str,
    /// Column: purchases attributed.
    pub conversions_heading: &'static str,
    /// Column: attributed revenue.
    pub revenue_heading: &'static str,
    /// No campaigns yet.
    pub no_campaigns: &'static str,
    /// How purchases are attributed; `{days}`.
    pub attribution_note: &'static str,
    /// Name of a campaign's daily chart; `{campaign}`.
    pub chart_campaign_days: &'static str,
    /// Summary of the daily table; `{campaign}`.
    pub daily_figures: &'static str,
    /// Editor heading.
    pub editor_title: &'static str,
    /// Editor explanation.
    pub editor_intro: &'static str,
    /// Label of the file text area.
    pub campaign_file: &'static str,
    /// Label of the file input.
    pub upload_file: &'static str,
    /// A chosen file is over 256 KiB.
    pub file_too_large: &'static str,
    /// Button: put the live file in the editor.
    pub load_live: &'static str,
    /// Button: check the file.
    pub check_button: &'static str,
    /// The file is valid; `{count}`, `{enabled}`.
    pub check_ok: &'static str,
    /// The file has errors; `{count}`.
    pub check_failed: &'static str,
    /// Preview form heading.
    pub preview_title: &'static str,
    /// Preview: page URL.
    pub preview_url: &'static str,
    /// Preview: referrer.
    pub preview_referrer: &'static str,
    /// Preview: device.
    pub preview_device: &'static str,
    /// Device.
    pub device_mobile: &'static str,
    /// Device.
    pub device_tablet: &'static str,
    /// Device.
    pub device_desktop: &'static str,
    /// Preview: visitor language.
    pub preview_locale: &'static str,
    /// Preview: seconds on page.
    pub preview_seconds: &'static str,
    /// Preview: scroll depth, percent.
    pub preview_scroll: &'static str,
    /// Preview: cart value.
    pub preview_cart: &'static str,
    /// Preview: agents online.
    pub preview_agents: &'static str,
    /// Preview: inside business hours.
    pub preview_business_hours: &'static str,
    /// Preview: exit intent.
    pub preview_exit_intent: &'static str,
    /// Button: run the preview.
    pub preview_button: &'static str,
    /// Preview result; `{campaign}`.
    pub preview_shows: &'static str,
    /// Preview result: nothing shown.
    pub preview_nothing: &'static str,
    /// Preview: a campaign later; `{campaign}`, `{seconds}`.
    pub preview_waiting: &'static str,
    /// Button: publish a new version.
    pub publish_button: &'static str,
    /// Notice after publishing; `{version}`.
    pub published: &'static str,
    /// Version history heading.
    pub versions_title: &'static str,
    /// Column: version.
    pub version_heading: &'static str,
    /// Column: when pushed.
    pub pushed_at_heading: &'static str,
    /// Column: who pushed.
    pub pushed_by_heading: &'static str,
    /// Who pushed: the command line.
    pub command_line: &'static str,
    /// No version pushed yet.
    pub no_versions: &'static str,
    /// Preview: visits, this one included.
    pub preview_visits: &'static str,
    /// Preview: pages viewed this session.
    pub preview_pages: &'static str,
    /// Preview: cart items, comma-separated.
    pub preview_cart_items: &'static str,
    /// Preview: customer tags, comma-separated.
    pub preview_customer_tags: &'static str,
    // offers (issue #12: discount codes, A/B variants)
    /// Campaigns table: heading of the discount-code column.
    pub codes_heading: &'static str,
    /// Campaigns table: a pool's codes handed out and left.
    pub codes_figures: &'static str,
    /// Campaigns table: row of one A/B variant of a campaign.
    pub variant_row: &'static str,
    /// Preview form: the visitor id whose A/B variant to show.
    pub preview_visitor_id: &'static str,
    /// Preview result: the A/B variant shown.
    pub preview_variant: &'static str,
}

/// English.
pub const EN: Strings = Strings {
    language: "Language",
    app_title: "Aisle agent console",
    login_intro: "Log in to answer your store's shoppers.",
    email: "Email",
    password: "Password",
    log_in: "Log in",
    logging_in: "Logging in…",
    wrong_credentials: "Wrong email or password.",
    login_rate_limited: "Too many failed attempts. Try again in {minutes} min.",
    login_missing: "Enter your email and password.",
    network_error: "Can't reach the Aisle server. Check your connection and try again.",
    session_expired: "Your session ended. Log in again.",
    signed_in_as: "Signed in as {name}",
    log_out: "Log out",
    views: "Views",
    conversations_view: "Conversations",
    tickets_view: "Tickets",
    returns_view: "Returns",
    store_requests_view: "Store requests",
    store_requests: "Requests the store didn't receive",
    store_requests_intro: "Cancels and returns shoppers asked for that your store's system did not answer after several tries. Send them again once it is back.",
    no_store_requests: "Nothing waiting: every cancel and return reached the store.",
    request_cancel: "Cancel",
    request_return: "Return",
    last_error: "Error",
    attempts: "Tries",
    send_again: "Send again",
    send_again_order: "Send the request for order #{order} again",
    notice_request_sent: "Order #{order}: the store answered \"{status}\".",
    notice_request_failed: "Order #{order}: still not delivered ({error}).",
    presence: "Presence",
    online: "Online",
    away: "Away",
    connected: "Connected",
    reconnecting: "Reconnecting…",
    insights_view: "Insights",
    insights: "Insights",
    export_csv: "Export CSV",
    from_day: "From",
    to_day: "To",
    show_figures: "Show",
    time_zone_note: "Days and hours in {tz}.",
    conversations_heading: "Conversations",
    first_response: "First response",
    resolution: "Resolution",
    csat: "CSAT",
    csat_of: "{average} / 5 ({count} ratings)",
    median_p90: "median {median}, 90% within {p90}",
    deflection: "Deflection",
    contact_rate: "Contact rate",
    chart_per_day: "Conversations per day",
    chart_heat: "Conversations by weekday and hour",
    chart_csat: "Ratings",
    day: "Day",
    weekday: "Weekday",
    score: "Score",
    ratings: "Ratings",
    self_service_heading: "Self-service",
    flow: "Flow",
    started: "Started",
    resolved: "Resolved",
    handed_over: "Handed to a person",
    per_agent: "Per agent",
    agent: "Agent",
    staffing: "Staffing forecast",
    staffing_intro: "How many agents each hour needs, from the last weeks of chats times the growth you expect (×3 for a Black Friday week), by the Erlang C model.",
    growth: "Growth (×)",
    history_weeks: "Weeks of history",
    answer_within: "Answer within (seconds)",
    service_level: "Share answered in time (%)",
    forecast: "Forecast",
    peak_agents: "Busiest hour: {agents} agents.",
    staffing_inputs: "From {conversations} chats over {weeks} weeks × {growth}, handle time {handle}, {level}% answered within {target} s.",
    chart_staffing: "Agents needed by weekday and hour",
    staffing_formula: "Traffic A = chats per hour × handle time ÷ 3600. With N agents, a chat waits with probability Erlang C(A, N), and the share answered within the target t is 1 − C(A, N) · e^(−(N − A) · t ÷ handle time). Each hour gets the fewest N that reach the share you set.",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    history_title: "Earlier with this customer",
    history_none: "No earlier conversations or tickets.",
    history_conversations: "Earlier conversations",
    history_tickets: "Earlier tickets",
    history_rated: "rated {score}/5",
    waiting: "Waiting",
    alerts: "Alerts",
    notifications: "Notifications",
    sound: "Sound",
    notify_blocked: "Notifications are blocked for this site in the browser's settings.",
    notify_wrote: "{who} wrote to you",
    latest_message: "Latest message: ",
    nobody_waiting: "No one is waiting.",
    agents_online: "Agents online: {count}",
    accept: "Accept",
    accept_who: "Accept {who}",
    waited: "waiting {time}",
    visitor_on: "visitor on {page}",
    visitor: "visitor",
    just_now: "less than a minute",
    minutes: "{minutes} min",
    hours_minutes: "{hours} h {minutes} min",
    priority_vip: "VIP",
    priority_high_cart: "High cart value",
    priority_pre_sale: "Pre-sale",
    priority_normal: "Order question",
    my_conversations: "My conversations",
    no_conversations: "No conversations yet. Accept one from Waiting.",
    pick_conversation: "Pick a conversation, or accept one from Waiting.",
    unread: "{count} unread",
    ended: "ended",
    conversation_with: "Conversation with {who}",
    shopper: "Shopper",
    you: "You",
    system: "Aisle",
    sending: "Sending…",
    sent: "Sent",
    read: "Read",
    shopper_typing: "The shopper is typing…",
    reply: "Reply",
    reply_hint: "Enter sends, Shift+Enter starts a new line.",
    counter: "{count} / {max}",
    too_long: "Too long: shorten the message to send it.",
    send: "Send",
    macro_label: "Macro",
    insert_macro: "Insert macro",
    choose_macro: "Choose a macro…",
    macro_missing: "Fill in before sending: {names}",
    transfer: "Transfer to queue",
    tags: "Tags",
    tags_hint: "Comma-separated, like shipping, refund.",
    close_conversation: "Close conversation",
    dismiss: "Dismiss",
    closed_by_shopper: "The shopper ended the conversation.",
    closed_by_agent: "Conversation closed. The shopper was asked for a rating.",
    closed_by_system: "The conversation ended.",
    rated: "Rated {score} of 5",
    shopper_context: "Shopper context",
    ctx_email: "Email",
    ctx_language: "Language",
    ctx_page: "Current page",
    ctx_history: "Pages before",
    ctx_more_pages: "{count} earlier pages not shown",
    ctx_cart: "Cart",
    ctx_no_cart: "Unknown or empty",
    ctx_orders: "Verified orders",
    ctx_none: "None",
    ctx_open_in_admin: "Open in the store's admin",
    ctx_campaign: "Campaign",
    ctx_steps: "Self-service steps",
    ctx_priority: "Priority",
    ctx_verified: "verified",
    ctx_unverified: "unverified",
    ctx_unverified_note: "Unverified: sent by the shopper's browser and not checked. Verified: proven with an order number and email, or signed by the store.",
    opens_in_new_tab: "(opens in a new tab)",
    notice_new_waiting: "A shopper is waiting.",
    notice_taken_by: "{name} accepted that conversation first.",
    notice_already_taken: "Another agent accepted that conversation first.",
    notice_transferred: "The conversation went back to the queue.",
    notice_shopper_left: "{who} ended the conversation.",
    notice_rated: "{who} rated the conversation {score} of 5.",
    notice_too_long: "That message is too long to send.",
    notice_rate_limited: "Sending too fast; your message will be resent in a moment.",
    notice_conversation_closed: "That conversation is closed.",
    notice_error: "The server refused that: {message}",
    notice_offline: "Not connected to the server; try again in a moment.",
    tickets: "Tickets",
    returns: "Return requests",
    loading: "Loading…",
    refresh: "Refresh",
    show_older: "Show older",
    no_tickets: "No tickets.",
    no_returns: "No return requests.",
    ticket_issue: "Reported issue",
    ticket_message: "Message",
    order_number_heading: "Order",
    kind: "Kind",
    reference: "Reference",
    status: "Status",
    created: "Created",
    items: "Items",
    reason: "Reason",
    comment: "Comment",
    message: "Message",
    mark_done: "Mark done",
    mark_done_ref: "Mark done: {reference}",
    done: "done",
    email_to_shopper: "Email to shopper",
    email_none: "None (no email set up)",
    email_queued: "Sending…",
    email_retrying: "Not sent yet, retrying (attempt {attempts}): {error}",
    email_sent: "Sent",
    email_failed: "Failed: {error}",
    ticket_reply: "Reply",
    ticket_reply_ref: "Reply to {reference}",
    ticket_thread: "Email thread of {reference}",
    ticket_state: "State",
    state_open: "Open",
    state_pending: "Pending (waiting on the shopper)",
    state_solved: "Solved",
    assigned_to: "Assigned to {name}",
    from_shopper: "Shopper",
    no_thread: "No replies yet.",
    ticket_reply_label: "Reply by email to {email}",
    send_reply: "Send reply",
    notice_replied: "Your reply to {reference} is on its way.",
    notice_done: "{reference} is done.",
    load_earlier: "Load earlier messages",
    // roles
    team_view: "Team",
    team_intro: "Invite agents, choose who manages the team, and disable accounts that should no longer log in.",
    team_name: "Name",
    team_role: "Role",
    invite_language: "Their language",
    team_status: "Status",
    team_actions: "Actions",
    role_admin: "Admin",
    role_agent: "Agent",
    status_active: "Active",
    status_disabled: "Disabled",
    status_invited: "Invited",
    you_marker: "(you)",
    invite_heading: "Invite an agent",
    invite_send: "Invite",
    inviting: "Inviting…",
    invite_missing: "Enter the agent's name and email address.",
    link_for: "Link for {name}",
    link_help: "Send this link to them: it works once, for 7 days, and is shown only now.",
    link_emailed: "A link to set a password was emailed to {name}.",
    copy_link: "Copy link",
    link_copied: "Link copied.",
    disable: "Disable",
    disable_member: "Disable {name}",
    enable: "Re-enable",
    enable_member: "Re-enable {name}",
    reset_password: "Reset password",
    reset_member: "Reset password for {name}",
    role_of: "Role of {name}",
    notice_disabled: "{name} is disabled and logged out.",
    notice_enabled: "{name} can log in again.",
    notice_role: "{name} is now: {role}.",
    forgot_password: "Forgot your password?",
    forgot_intro: "Enter your email address: if it belongs to an account, we email you a link to set a new password.",
    send_link: "Send the link",
    forgot_sent: "If that address belongs to an account, a link to set a new password is on its way.",
    email_missing: "Enter your email address.",
    back_to_login: "Back to log in",
    set_password_title: "Set your password",
    set_password_intro: "Choose a password of at least {min} characters.",
    new_password: "New password",
    confirm_password: "Repeat the password",
    save_password: "Set password",
    password_too_short: "The password needs at least {min} characters.",
    passwords_differ: "The two passwords differ.",
    link_expired: "This link has expired or was used already. Ask an admin for a new one.",
    password_set: "Your password is set. Log in with it.",
    account_disabled: "This account is disabled. Ask an admin of your team.",
    macros_view: "Macros",
    macros_intro: "Canned replies agents insert in a chat. Variables are filled from the conversation.",
    macro_title: "Title",
    macro_body: "Text",
    macro_variables: "You can use: {variables}",
    macro_preview: "Preview with a sample conversation",
    macro_unknown: "Unknown variables: {names}",
    macro_incomplete: "Enter a title and a text.",
    new_macro: "New macro",
    editing_macro: "Editing “{title}”",
    edit: "Edit",
    edit_macro: "Edit “{title}”",
    delete: "Delete",
    delete_macro: "Delete “{title}”",
    save_macro: "Save macro",
    cancel_edit: "Cancel",
    notice_macro_saved: "Macro “{title}” saved.",
    notice_macro_deleted: "Macro “{title}” deleted.",
    no_macros: "No macros yet.",
    settings_view: "Settings",
    tags_heading: "Tags",
    tags_intro: "The tags agents pick from when they close a chat. Closed chats keep the tags they were given.",
    new_tag: "New tag",
    add_tag: "Add tag",
    tag_name_of: "Name of tag {name}",
    rename: "Rename",
    rename_tag: "Rename tag {name}",
    delete_tag: "Delete tag {name}",
    no_tags: "No tags yet.",
    notice_tag_saved: "Tag “{name}” saved.",
    notice_tag_deleted: "Tag “{name}” deleted.",
    site_tags: "The site's tags",
    hours_heading: "Business hours",
    hours_intro: "When your team answers chats, in the store's time zone. Leave the time zone empty for no business hours.",
    time_zone: "Time zone",
    time_zone_hint: "An IANA name such as Europe/Paris or America/New_York.",
    hours_day_hint: "Write times as 09:00-17:00, several separated by commas; leave a day empty when closed.",
    day_mon: "Monday",
    day_tue: "Tuesday",
    day_wed: "Wednesday",
    day_thu: "Thursday",
    day_fri: "Friday",
    day_sat: "Saturday",
    day_sun: "Sunday",
    save_hours: "Save hours",
    notice_hours_saved: "Business hours saved.",
    hours_format: "{day}: write times as 09:00-17:00.",
    // campaigns
    campaigns_view: "Campaigns",
    campaigns_title: "Campaigns",
    campaign_heading: "Campaign",
    shown_heading: "Shown",
    clicked_heading: "Clicked",
    dismissed_heading: "Dismissed",
    conversions_heading: "Conversions",
    revenue_heading: "Revenue",
    no_campaigns: "No campaigns yet.",
    attribution_note: "A purchase counts for the campaign the shopper last clicked or chatted from within {days} days before buying; each order counts once.",
    chart_campaign_days: "Last 30 days of {campaign}: shown and conversions per day",
    daily_figures: "Daily figures of {campaign}",
    editor_title: "Edit campaigns",
    editor_intro: "Paste or upload a campaign file, check it, preview what a visitor would see, then publish it as a new version.",
    campaign_file: "Campaign file (JSON)",
    upload_file: "Upload a campaign file",
    file_too_large: "That file is larger than 256 KiB; campaign files are limited to 256 KiB.",
    load_live: "Load the live file",
    check_button: "Check",
    check_ok: "Valid. Campaigns: {count}, enabled: {enabled}.",
    check_failed: "Errors found: {count}. Fix them before publishing:",
    preview_title: "Preview",
    preview_url: "Page URL",
    preview_referrer: "Referrer",
    preview_device: "Device",
    device_mobile: "Mobile",
    device_tablet: "Tablet",
    device_desktop: "Desktop",
    preview_locale: "Visitor language",
    preview_seconds: "Seconds on page",
    preview_scroll: "Scroll depth (%)",
    preview_cart: "Cart value",
    preview_agents: "Agents online",
    preview_business_hours: "Inside business hours",
    preview_exit_intent: "Exit intent",
    preview_button: "Preview",
    preview_shows: "This visitor sees “{campaign}”:",
    preview_nothing: "This visitor sees no campaign.",
    preview_waiting: "{campaign} in {seconds} s",
    publish_button: "Publish",
    published: "Version {version} is live.",
    versions_title: "Version history",
    version_heading: "Version",
    pushed_at_heading: "When",
    pushed_by_heading: "Who",
    command_line: "command line",
    no_versions: "No version pushed yet.",
    preview_visits: "Visits (this one included)",
    preview_pages: "Pages viewed",
    preview_cart_items: "Cart items (comma-separated)",
    preview_customer_tags: "Customer tags (comma-separated)",
    // offers (issue #12: discount codes, A/B variants)
    codes_heading: "Codes",
    codes_figures: "{handed_out} handed out, {left} left",
    variant_row: "{campaign}, variant {variant}",
    preview_visitor_id: "Visitor id (for A/B variants)",
    preview_variant: "This visitor reads variant {variant}.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(EN.accept_who, &[("who", "ada@example.com")]),
            "Accept ada@example.com"
        );
        assert_eq!(
            fill(EN.counter, &[("count", "3"), ("max", "2000")]),
            "3 / 2000"
        );
    }

    #[test]
    fn values_are_not_filled_again() {
        // A shopper known by a page path that reads like a placeholder.
        assert_eq!(
            fill(EN.notice_rated, &[("who", "/{score}"), ("score", "5")]),
            "/{score} rated the conversation 5 of 5."
        );
        assert_eq!(fill("{a} {", &[("a", "{a}")]), "{a} {");
        for s in crate::hostile::corpus() {
            assert_eq!(fill(EN.accept_who, &[("who", &s)]), format!("Accept {s}"));
        }
    }

    #[test]
    fn accessible_names_start_with_the_visible_label() {
        // WCAG 2.5.3 (label in name): the name begins with what is on screen.
        for locale in Locale::ALL {
            let s = locale.strings();
            assert!(s.accept_who.starts_with(s.accept), "{locale:?}");
            assert!(s.mark_done_ref.starts_with(s.mark_done), "{locale:?}");
        }
    }

    // Tags, fallbacks and negotiation are core's: `aisle_core::locale` tests them.

    /// A table's fields in order, as (name, values), from its `{:#?}` form
    /// (one field a line; the weekdays array one value a line).
    fn fields(table: &Strings) -> Vec<(String, Vec<String>)> {
        let text = format!("{table:#?}");
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for line in text.lines() {
            if let Some(field) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) {
                if let Some((name, value)) = field.split_once(": ") {
                    let values = match value.strip_suffix(',') {
                        Some(v) if v.starts_with('"') => vec![unescape(v)],
                        _ => Vec::new(),
                    };
                    out.push((name.to_owned(), values));
                }
            } else if let Some(value) = line.strip_prefix("        \"") {
                let value = value.trim_end_matches(',');
                out.last_mut()
                    .expect("an array value belongs to a field")
                    .1
                    .push(unescape(&format!("\"{value}")));
            }
        }
        out
    }

    /// `value` with Debug's `\\u{e49}` escapes (Thai marks) turned back into characters.
    fn unescape(value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(at) = rest.find("\\u{") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 3..];
            let close = after.find('}').expect("a closed escape");
            let code = u32::from_str_radix(&after[..close], 16).expect("hex");
            out.push(char::from_u32(code).expect("a character"));
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The `{placeholders}` in `value`, sorted.
    fn placeholders(value: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = value;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    out.push(after[..close].to_owned());
                    rest = &after[close + 1..];
                }
                None => break,
            }
        }
        out.sort();
        out
    }

    #[test]
    fn every_table_is_complete_with_the_same_placeholders_as_english() {
        let english = fields(&EN);
        assert!(english.len() > 150, "parsed {} fields", english.len());
        for locale in Locale::ALL {
            let table = fields(locale.strings());
            assert_eq!(
                table.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                english.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                "{locale:?}"
            );
            for ((name, values), (_, en_values)) in table.iter().zip(&english) {
                assert_eq!(values.len(), en_values.len(), "{locale:?} {name}");
                for (value, en_value) in values.iter().zip(en_values) {
                    assert!(
                        value.trim_matches('"').trim() != "",
                        "{locale:?} {name} is empty"
                    );
                    assert_eq!(
                        placeholders(value),
                        placeholders(en_value),
                        "{locale:?} {name}: {value}"
                    );
                }
            }
        }
    }

    #[test]
    fn each_language_is_its_own() {
        // A table copied from English by mistake would still compile.
        for locale in Locale::ALL.into_iter().filter(|l| *l != Locale::En) {
            let s = locale.strings();
            assert_ne!(s.log_in, EN.log_in, "{locale:?}");
            assert_ne!(s.language, EN.language, "{locale:?}");
            assert_ne!(s.waiting, EN.waiting, "{locale:?}");
        }
        assert_ne!(ZH_HANS.language, ZH_HANT.language);
    }
}
