//! Macros: canned replies with `{{variables}}` filled from the conversation.
//!
//! Known variables: `{{customer.first_name}}`, `{{customer.email}}`,
//! `{{order.number}}`, `{{order.tracking_url}}`, `{{agent.name}}`. A variable
//! the conversation cannot fill is left in the text as written and reported,
//! so the agent sees exactly what is missing before sending.

use aisle_core::protocol::ChatContext;

/// Every variable a macro may use (the server refuses others).
pub const VARIABLES: [&str; 5] = [
    "customer.first_name",
    "customer.email",
    "order.number",
    "order.tracking_url",
    "agent.name",
];

/// What the macros editor's preview fills in: a sample conversation with
/// Ada about order 1001, answered by `agent`.
pub fn sample(agent: &str) -> Variables {
    Variables {
        first_name: Some("Ada".into()),
        email: Some("ada@example.com".into()),
        order_number: Some(1001),
        tracking_url: Some("https://www.ups.com/track?tracknum=1Z999AA10123456784".into()),
        agent_name: Some(agent.to_owned()),
    }
}

/// A macro as `GET /api/agent/macros` lists it.
pub use aisle_core::agent_api::Macro;

/// What a conversation can fill in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Variables {
    /// The shopper's first name.
    pub first_name: Option<String>,
    /// The shopper's email.
    pub email: Option<String>,
    /// The order the conversation is about.
    pub order_number: Option<u32>,
    /// That order's carrier tracking page.
    pub tracking_url: Option<String>,
    /// The agent's display name.
    pub agent_name: Option<String>,
}

impl Variables {
    /// The value of the variable `name`, if known.
    pub fn get(&self, name: &str) -> Option<String> {
        match name {
            "customer.first_name" => self.first_name.clone(),
            "customer.email" => self.email.clone(),
            "order.number" => self.order_number.map(|n| format!("#{n}")),
            "order.tracking_url" => self.tracking_url.clone(),
            "agent.name" => self.agent_name.clone(),
            _ => None,
        }
    }
}

/// A macro's text after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The text, with unknown variables left as written.
    pub text: String,
    /// Variables that could not be filled, in order of appearance, without repeats.
    pub missing: Vec<String>,
}

/// Fills every `{{ name }}` in `template` from `vars`.
pub fn expand(template: &str, vars: &Variables) -> Expanded {
    let mut text = String::with_capacity(template.len());
    let mut missing: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        let raw = &rest[open..open + 2 + close + 2];
        let name = rest[open + 2..open + 2 + close].trim();
        text.push_str(&rest[..open]);
        match vars.get(name) {
            Some(value) => text.push_str(&value),
            None => {
                text.push_str(raw);
                if !missing.iter().any(|m| m == name) {
                    missing.push(name.to_owned());
                }
            }
        }
        rest = &rest[open + 2 + close + 2..];
    }
    text.push_str(rest);
    Expanded { text, missing }
}

/// The order a conversation is about: the last one the shopper's
/// self-service steps name (`return-items:1003`) among the orders they
/// proved, else the first proved order.
pub fn order_in_question(context: &ChatContext) -> Option<u32> {
    let named = context.assist_steps.iter().rev().find_map(|step| {
        step.rsplit([':', '-'])
            .next()
            .and_then(|n| n.trim_start_matches('#').parse::<u32>().ok())
            .filter(|n| context.verified_orders.contains(n))
    });
    named.or_else(|| context.verified_orders.first().copied())
}

/// A first name guessed from an email's local part (`ada.lovelace@…` → `Ada`),
/// when it looks like one (letters only).
pub fn first_name_from_email(email: &str) -> Option<String> {
    let local = email.split('@').next()?;
    let first = local.split(['.', '_', '-', '+']).next()?;
    if first.len() < 2 || !first.chars().all(char::is_alphabetic) {
        return None;
    }
    let mut chars = first.chars();
    let initial = chars.next()?;
    Some(
        initial
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables {
            first_name: Some("Ada".into()),
            email: Some("ada@example.com".into()),
            order_number: Some(1001),
            tracking_url: Some("https://www.ups.com/track?tracknum=1Z999AA10123456784".into()),
            agent_name: Some("Robin".into()),
        }
    }

    #[test]
    fn variables_are_filled_from_the_conversation() {
        let out = expand(
            "Hi {{customer.first_name}}, order {{ order.number }} is at {{order.tracking_url}}",
            &vars(),
        );
        assert_eq!(
            out.text,
            "Hi Ada, order #1001 is at https://www.ups.com/track?tracknum=1Z999AA10123456784"
        );
        assert!(out.missing.is_empty());
    }

    #[test]
    fn unknown_or_unfilled_variables_stay_visible_and_are_reported_once() {
        let out = expand(
            "{{order.tracking_url}} {{nope}} {{order.tracking_url}}",
            &Variables::default(),
        );
        assert_eq!(
            out.text,
            "{{order.tracking_url}} {{nope}} {{order.tracking_url}}"
        );
        assert_eq!(out.missing, ["order.tracking_url", "nope"]);
    }

    #[test]
    fn hostile_macros_and_values_expand_without_panicking() {
        for s in crate::hostile::corpus() {
            // A hostile macro body keeps its text (nothing here is known).
            let out = expand(&s, &Variables::default());
            assert_eq!(out.text, s);
            // A hostile shopper's email and name go in verbatim.
            let v = Variables {
                first_name: first_name_from_email(&s),
                email: Some(s.clone()),
                ..vars()
            };
            let out = expand("{{customer.email}}|{{customer.first_name}}", &v);
            assert!(out.text.starts_with(s.as_str()));
        }
    }

    #[test]
    fn the_sample_fills_every_known_variable_and_only_those() {
        let all: String = VARIABLES.iter().map(|v| format!("{{{{{v}}}}} ")).collect();
        assert!(expand(&all, &sample("Robin")).missing.is_empty());
        assert_eq!(
            expand("{{customer.name}}", &sample("Robin")).missing,
            ["customer.name"]
        );
    }

    #[test]
    fn unbalanced_braces_are_left_alone() {
        assert_eq!(expand("a {{ b", &vars()).text, "a {{ b");
        assert_eq!(expand("}} {{agent.name}}", &vars()).text, "}} Robin");
    }

    #[test]
    fn a_values_own_braces_are_not_expanded_again() {
        let v = Variables {
            first_name: Some("{{agent.name}}".into()),
            ..vars()
        };
        assert_eq!(expand("{{customer.first_name}}", &v).text, "{{agent.name}}");
    }

    #[test]
    fn the_order_in_question_is_the_one_self_service_named_last() {
        let mut context = ChatContext {
            verified_orders: vec![1005, 1001],
            ..ChatContext::default()
        };
        assert_eq!(order_in_question(&context), Some(1005));
        context.assist_steps = vec![
            "track".into(),
            "track-order:1001".into(),
            "identify:track".into(),
        ];
        assert_eq!(order_in_question(&context), Some(1001));
        context.assist_steps = vec!["return-items:4242".into()];
        assert_eq!(
            order_in_question(&context),
            Some(1005),
            "only proved orders count"
        );
        assert_eq!(order_in_question(&ChatContext::default()), None);
    }

    #[test]
    fn first_names_come_from_plain_email_local_parts_only() {
        assert_eq!(
            first_name_from_email("ada@example.com").as_deref(),
            Some("Ada")
        );
        assert_eq!(
            first_name_from_email("GRACE.hopper@example.com").as_deref(),
            Some("Grace")
        );
        assert_eq!(first_name_from_email("j83@example.com"), None);
        assert_eq!(first_name_from_email("x@example.com"), None);
    }
}
