//! The self-service conversation on the wire: `POST /api/sites/{site}/assist`.
//!
//! The widget sends what the shopper did (an [`AssistRequest`]: a menu choice,
//! a button, a submitted form); the server runs the flow (track, return,
//! cancel, report, quick answers, message to the team), words its answer in the
//! shopper's language and sends back what to say and what to ask next (an
//! [`AssistReply`]). The widget renders these few generic shapes and knows no
//! flow: new flows and languages cost the wasm bundle nothing.
//!
//! Everything here is plain text; the widget renders it as text nodes, never
//! as HTML, and only `http(s)` URLs become links.

use serde::{Deserialize, Serialize};

mod action;
pub use action::{Action, OrderFlow, OrderStep};

/// What the shopper did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssistRequest {
    /// The session token of an earlier reply; absent on the first request.
    #[serde(default)]
    pub session: Option<String>,
    /// BCP 47 tag of the language to answer in.
    pub locale: String,
    /// A [`Choice::action`] or [`Form::action`] from an earlier reply, or a
    /// menu entry (`track`, `return`, `cancel`, `report`, `faq`, `human`);
    /// typed by [`AssistRequest::requested`].
    pub action: String,
    /// The form's fields, by [`Field::name`].
    #[serde(default)]
    pub values: Vec<(String, String)>,
    /// A logged-in customer as the store vouches for them (`data-customer` or
    /// `Aisle('identify', …)`); ignored unless the signature checks out.
    #[serde(default)]
    pub identity: Option<Identity>,
}

/// A customer identity signed by the store: `signature` is the hex
/// HMAC-SHA256, under the site's identity secret, of
/// [`Identity::message`]: `aisle-identity-v1\n{site}\n{email}\n{exp}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The customer's email, exactly as signed.
    pub email: String,
    /// When the signature stops vouching, Unix seconds. `None` when absent or
    /// not a whole number (the identity is then refused, the request is not).
    #[serde(default, deserialize_with = "lenient_seconds")]
    pub exp: Option<i64>,
    /// Hex HMAC-SHA256 of [`Identity::message`] with the site secret.
    pub signature: String,
    /// The customer's tags as the store signs them (`"vip,wholesale"`), for
    /// campaigns' `customer_tag`; trusted only with a valid `profile_signature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    /// The customer's first name (`{{customer.first_name}}`), signed like `tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Hex HMAC-SHA256 of [`Identity::profile_message`] with the site secret:
    /// a second signature, so identities without tags (and widgets that pass
    /// only `email`, `exp` and `signature`) verify exactly as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_signature: Option<String>,
}

/// First line of a signed profile (tags and first name) message.
pub const PROFILE_VERSION: &str = "aisle-profile-v1";

/// Most tags a signed profile may carry.
pub const MAX_PROFILE_TAGS: usize = 20;
/// Longest tag or first name of a signed profile, characters.
pub const MAX_PROFILE_CHARS: usize = 64;

/// First line of every signed identity message: the format's version.
pub const IDENTITY_VERSION: &str = "aisle-identity-v1";

impl Identity {
    /// The text the store signs for `email` on `site` until `exp`:
    /// `aisle-identity-v1\n{site}\n{email}\n{exp}`, the email byte for byte as
    /// it is sent (no trimming or case folding, so every language computes
    /// the same string).
    pub fn message(site: &str, email: &str, exp: i64) -> String {
        format!("{IDENTITY_VERSION}\n{site}\n{email}\n{exp}")
    }

    /// The text the store signs, as `profile_signature`, for the tags and
    /// first name of `email` on `site` until `exp`:
    /// `aisle-profile-v1\n{site}\n{email}\n{exp}\n{tags}\n{first_name}`, each as
    /// sent (an absent one is an empty line).
    pub fn profile_message(
        site: &str,
        email: &str,
        exp: i64,
        tags: &str,
        first_name: &str,
    ) -> String {
        format!("{PROFILE_VERSION}\n{site}\n{email}\n{exp}\n{tags}\n{first_name}")
    }

    /// The signed tags as campaigns compare them: split at commas, trimmed,
    /// empty ones dropped; `None` when there are too many or one is too long.
    pub fn tag_list(tags: &str) -> Option<Vec<String>> {
        let list: Vec<String> = tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let fits = list.len() <= MAX_PROFILE_TAGS
            && list
                .iter()
                .all(|t| t.chars().count() <= MAX_PROFILE_CHARS && !t.contains(char::is_control));
        fits.then_some(list)
    }
}

/// `exp` as a whole number of seconds from a JSON number or a string of digits;
/// anything else (a fraction, out of range, `null`, an object) is `None`, so a
/// store's malformed identity is refused without failing the shopper's request.
fn lenient_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct Seconds;
    impl<'de> serde::de::Visitor<'de> for Seconds {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("Unix seconds")
        }
        fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
            Ok(i64::try_from(v).ok())
        }
        fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
            let whole = v.fract() == 0.0 && v.abs() < 9.0e15;
            Ok(whole.then_some(v as i64))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(v.parse().ok())
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            while a
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
    }
    d.deserialize_any(Seconds)
}

impl AssistRequest {
    /// The [`Action`] this request asks for.
    pub fn requested(&self) -> Action {
        Action::parse(&self.action)
    }

    /// The submitted value of field `name` (empty when absent).
    pub fn value(&self, name: &str) -> &str {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// The assistant's answer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AssistReply {
    /// Send this back with the next request: it carries what the shopper proved.
    pub session: String,
    /// How the submitted form reads in the conversation, as the shopper's own
    /// message (`#1001 · ada@example.com`); `None` when the form came back
    /// with errors or a button was chosen (the widget shows its label).
    #[serde(default)]
    pub echo: Option<String>,
    /// New messages from the assistant, in order.
    pub said: Vec<Said>,
    /// What the shopper can do next; `None`: back to the main menu.
    pub prompt: Option<Prompt>,
}

/// One message from the assistant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Said {
    /// The message.
    pub text: String,
    /// A structured card under the text (an order's status).
    #[serde(default)]
    pub card: Option<Card>,
}

/// A titled card: an order's status, facts, a link and a dated list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Card {
    /// Heading, also the card's accessible name (`Order #1001`).
    pub title: String,
    /// A status line (`In transit`).
    #[serde(default)]
    pub status: Option<String>,
    /// A stable name for the status, for styling (`in_transit`).
    #[serde(default)]
    pub tone: Option<String>,
    /// Label/value pairs.
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// A link out (the carrier's tracking page).
    #[serde(default)]
    pub link: Option<Link>,
    /// Heading of [`Card::list`].
    #[serde(default)]
    pub list_title: Option<String>,
    /// A list, newest first (the timeline): `label` is the entry, `at` its time.
    #[serde(default)]
    pub list: Vec<Fact>,
}

/// A label and a value; a value with `at` is a time the widget formats in the
/// shopper's locale and time zone.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Fact {
    /// What it is.
    pub label: String,
    /// Its value as text (may be empty when `at` is given).
    #[serde(default)]
    pub value: String,
    /// A time, Unix seconds.
    #[serde(default)]
    pub at: Option<i64>,
    /// Show `at` with the time of day, not just the date.
    #[serde(default)]
    pub with_time: bool,
}

/// A link; the widget renders it only if `url` is `http(s)`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Link {
    /// Visible text.
    pub label: String,
    /// Target.
    pub url: String,
}

/// What the shopper is asked next: a form, buttons, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Prompt {
    /// Accessible name of the group of controls.
    pub label: String,
    /// A form to fill in.
    #[serde(default)]
    pub form: Option<Form>,
    /// Buttons, each one an action.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

/// A form; submitting it sends [`Form::action`] with the fields' values.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Form {
    /// The action sent on submit.
    pub action: String,
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// The submit button's label.
    pub submit: String,
}

/// The kinds of form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    #[default]
    Text,
    /// An email address.
    Email,
    /// Several lines of text.
    LongText,
    /// One of [`Field::options`].
    Select,
    /// A whole number from 0 to [`Field::max`].
    Quantity,
}

/// One field of a [`Form`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Field {
    /// Name of the value sent back.
    pub name: String,
    /// Visible label, also its accessible name.
    pub label: String,
    /// What kind of control.
    #[serde(default)]
    pub kind: FieldKind,
    /// Help under the field.
    #[serde(default)]
    pub hint: Option<String>,
    /// Why the submitted value was refused; the field is marked invalid.
    #[serde(default)]
    pub error: Option<String>,
    /// Initial value (what was submitted, or a known email).
    #[serde(default)]
    pub value: String,
    /// Longest text in characters, or largest quantity; 0: no limit.
    #[serde(default)]
    pub max: u32,
    /// For [`FieldKind::Select`]: `action` is the value sent, `label` what is shown.
    #[serde(default)]
    pub options: Vec<Choice>,
    /// Must be filled in.
    #[serde(default)]
    pub required: bool,
}

/// A button: its label is shown, its action is sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Choice {
    /// The action sent when chosen.
    pub action: String,
    /// Visible label, also the accessible name.
    pub label: String,
    /// The main way forward (styled as such).
    #[serde(default)]
    pub primary: bool,
}

impl Choice {
    /// A plain button.
    pub fn new(action: impl Into<String>, label: impl Into<String>) -> Self {
        Choice {
            action: action.into(),
            label: label.into(),
            primary: false,
        }
    }

    /// The main button.
    pub fn primary(action: impl Into<String>, label: impl Into<String>) -> Self {
        Choice {
            primary: true,
            ..Choice::new(action, label)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identitys_expiry_is_read_leniently_and_a_bad_one_is_none() {
        let exp = |json: &str| {
            let text = format!(r#"{{"email":"a@b.c","signature":"00"{json}}}"#);
            serde_json::from_str::<Identity>(&text).unwrap().exp
        };
        assert_eq!(exp(r#","exp":1700000000"#), Some(1_700_000_000));
        assert_eq!(exp(r#","exp":"1700000000""#), Some(1_700_000_000));
        assert_eq!(exp(r#","exp":1700000000.0"#), Some(1_700_000_000));
        assert_eq!(exp(""), None, "old email-only identities have none");
        for bad in [
            r#","exp":null"#,
            r#","exp":1.5"#,
            r#","exp":1e300"#,
            r#","exp":"soon""#,
            r#","exp":[1]"#,
            r#","exp":{"at":1}"#,
            r#","exp":18446744073709551615"#,
        ] {
            assert_eq!(exp(bad), None, "{bad}");
        }
        assert_eq!(
            Identity::message("demo", "Ada@Example.com", 1_700_000_000),
            "aisle-identity-v1\ndemo\nAda@Example.com\n1700000000"
        );
    }

    #[test]
    fn replies_round_trip_and_omitted_fields_default() {
        let reply = AssistReply {
            session: "s".into(),
            echo: None,
            said: vec![Said {
                text: "Here it is".into(),
                card: Some(Card {
                    title: "Order #1001".into(),
                    list: vec![Fact {
                        label: "Shipped".into(),
                        value: String::new(),
                        at: Some(1),
                        with_time: true,
                    }],
                    ..Card::default()
                }),
            }],
            prompt: Some(Prompt {
                label: "Next".into(),
                form: None,
                choices: vec![Choice::primary("menu", "Back")],
            }),
        };
        let json = serde_json::to_string(&reply).unwrap();
        assert_eq!(serde_json::from_str::<AssistReply>(&json).unwrap(), reply);
        let field: Field =
            serde_json::from_str(r#"{"name":"email","label":"Email","kind":"email"}"#).unwrap();
        assert_eq!(field.kind, FieldKind::Email);
        assert!(!field.required);
    }

    #[test]
    fn requests_refuse_unknown_fields() {
        let ok: AssistRequest = serde_json::from_str(
            r##"{"locale":"en","action":"track","values":[["order","#1001"]]}"##,
        )
        .unwrap();
        assert_eq!(ok.value("order"), "#1001");
        assert_eq!(ok.value("email"), "");
        assert!(
            serde_json::from_str::<AssistRequest>(r#"{"locale":"en","action":"x","sql":1}"#)
                .is_err()
        );
    }
}
