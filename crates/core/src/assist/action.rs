//! What a self-service request asks for, typed: [`Action`].
//!
//! On the wire an action is a string (the widget sends back a
//! [`Choice::action`](super::Choice::action) or a menu entry unchanged, and
//! knows no grammar): `menu`, `track`, `identify:return`, `cancel:1003`,
//! `return-items:1003`, `faq`, `faq:sizing`, `helpful:sizing:yes`, `human`,
//! `message`. [`Action::parse`] reads one (anything else is
//! [`Action::Unknown`], kept as sent) and `Display` writes it back, so the
//! server builds its buttons from this type and the strings never change.
//! The flows about one order are [`OrderFlow::ALL`]: the server's dispatch
//! and the queue's [`priority`](crate::protocol::ChatContext::priority) read
//! this one list.
//!
//! None of this is trusted: the server re-checks proof and policy on every
//! step, whatever the action says.

use std::fmt;

/// A flow about one order: it needs the order proven (number + email).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderFlow {
    /// Where the order is.
    Track,
    /// Return items of a delivered order.
    Return,
    /// Cancel an order not shipped yet.
    Cancel,
    /// Report an issue with the order.
    Report,
}

impl OrderFlow {
    /// Every order flow, in the menu's order.
    pub const ALL: [OrderFlow; 4] = [
        OrderFlow::Track,
        OrderFlow::Return,
        OrderFlow::Cancel,
        OrderFlow::Report,
    ];

    /// The wire (and statistics) name: `track`, `return`, `cancel`, `report`.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderFlow::Track => "track",
            OrderFlow::Return => "return",
            OrderFlow::Cancel => "cancel",
            OrderFlow::Report => "report",
        }
    }

    /// The flow named `name`, if any.
    pub fn from_name(name: &str) -> Option<OrderFlow> {
        OrderFlow::ALL.into_iter().find(|f| f.as_str() == name)
    }

    /// The step that starts this flow on a chosen order (`cancel:1003`).
    pub fn step(self) -> OrderStep {
        match self {
            OrderFlow::Track => OrderStep::Track,
            OrderFlow::Return => OrderStep::Return,
            OrderFlow::Cancel => OrderStep::Cancel,
            OrderFlow::Report => OrderStep::Report,
        }
    }
}

/// A step of an order flow, on one order: `{step}:{number}` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStep {
    /// Show where the order is.
    Track,
    /// The return form (items, quantities, reason).
    Return,
    /// The items and reason chosen: confirm them.
    ReturnItems,
    /// Request the return.
    ReturnConfirm,
    /// Ask whether to cancel.
    Cancel,
    /// Cancel it.
    CancelConfirm,
    /// Keep it after all.
    CancelKeep,
    /// The report form.
    Report,
    /// Send the report.
    ReportSend,
}

impl OrderStep {
    /// Every step.
    pub const ALL: [OrderStep; 9] = [
        OrderStep::Track,
        OrderStep::Return,
        OrderStep::ReturnItems,
        OrderStep::ReturnConfirm,
        OrderStep::Cancel,
        OrderStep::CancelConfirm,
        OrderStep::CancelKeep,
        OrderStep::Report,
        OrderStep::ReportSend,
    ];

    /// The wire name: `track`, `return-items`, `cancel-confirm`…
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStep::Track => "track",
            OrderStep::Return => "return",
            OrderStep::ReturnItems => "return-items",
            OrderStep::ReturnConfirm => "return-confirm",
            OrderStep::Cancel => "cancel",
            OrderStep::CancelConfirm => "cancel-confirm",
            OrderStep::CancelKeep => "cancel-keep",
            OrderStep::Report => "report",
            OrderStep::ReportSend => "report-send",
        }
    }

    /// The step named `name`, if any.
    pub fn from_name(name: &str) -> Option<OrderStep> {
        OrderStep::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The flow this step belongs to.
    pub fn flow(self) -> OrderFlow {
        match self {
            OrderStep::Track => OrderFlow::Track,
            OrderStep::Return | OrderStep::ReturnItems | OrderStep::ReturnConfirm => {
                OrderFlow::Return
            }
            OrderStep::Cancel | OrderStep::CancelConfirm | OrderStep::CancelKeep => {
                OrderFlow::Cancel
            }
            OrderStep::Report | OrderStep::ReportSend => OrderFlow::Report,
        }
    }
}

/// What the shopper asked for: a menu entry, a button or a form's submit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// `menu`: back to the main menu.
    Menu,
    /// `track`, `return`, `cancel`, `report`: start an order flow (choose or
    /// prove the order).
    Start(OrderFlow),
    /// `identify:{flow}`: the order number + email form, for a flow.
    Identify(OrderFlow),
    /// `{step}:{number}`: a step on an order.
    Step(OrderStep, u32),
    /// `faq`: the list of common questions.
    Faqs,
    /// `faq:{id}`: one answer.
    Faq(String),
    /// `helpful:{id}:yes|no`: whether answer `faq` helped.
    Helpful {
        /// The answer's id.
        faq: String,
        /// `yes`.
        yes: bool,
    },
    /// `human`: talk to a person (the message form when nobody is online).
    Human,
    /// `message`: send the message form to the team.
    Message,
    /// Anything else, as sent.
    Unknown(String),
}

impl Action {
    /// Reads an action string; what no flow understands is
    /// [`Action::Unknown`]. `Action::parse(&a.to_string()) == a` for every
    /// action but an `Unknown` that happens to read as another.
    pub fn parse(action: &str) -> Action {
        let unknown = || Action::Unknown(action.to_owned());
        let Some((verb, arg)) = action.split_once(':') else {
            return match action {
                "menu" => Action::Menu,
                "faq" => Action::Faqs,
                "human" => Action::Human,
                "message" => Action::Message,
                flow => OrderFlow::from_name(flow).map_or_else(unknown, Action::Start),
            };
        };
        if verb == "identify" {
            return OrderFlow::from_name(arg).map_or_else(unknown, Action::Identify);
        }
        if let (Some(step), Ok(number)) = (OrderStep::from_name(verb), arg.parse::<u32>()) {
            return Action::Step(step, number);
        }
        match verb {
            "faq" => Action::Faq(arg.to_owned()),
            "helpful" => match arg.rsplit_once(':') {
                Some((faq, "yes")) => Action::Helpful {
                    faq: faq.to_owned(),
                    yes: true,
                },
                Some((faq, "no")) => Action::Helpful {
                    faq: faq.to_owned(),
                    yes: false,
                },
                _ => unknown(),
            },
            _ => unknown(),
        }
    }

    /// The order flow this action belongs to, if any: a start, the proof
    /// form or a step.
    pub fn order_flow(&self) -> Option<OrderFlow> {
        match self {
            Action::Start(flow) | Action::Identify(flow) => Some(*flow),
            Action::Step(step, _) => Some(step.flow()),
            _ => None,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Menu => f.write_str("menu"),
            Action::Start(flow) => f.write_str(flow.as_str()),
            Action::Identify(flow) => write!(f, "identify:{}", flow.as_str()),
            Action::Step(step, number) => write!(f, "{}:{number}", step.as_str()),
            Action::Faqs => f.write_str("faq"),
            Action::Faq(id) => write!(f, "faq:{id}"),
            Action::Helpful { faq, yes } => {
                write!(f, "helpful:{faq}:{}", if *yes { "yes" } else { "no" })
            }
            Action::Human => f.write_str("human"),
            Action::Message => f.write_str("message"),
            Action::Unknown(action) => f.write_str(action),
        }
    }
}

impl From<Action> for String {
    fn from(action: Action) -> String {
        action.to_string()
    }
}

impl serde::Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Action {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Action, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Action::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_strings_read_as_their_actions_and_back() {
        let cases = [
            ("menu", Action::Menu),
            ("track", Action::Start(OrderFlow::Track)),
            ("report", Action::Start(OrderFlow::Report)),
            ("identify:return", Action::Identify(OrderFlow::Return)),
            ("cancel:1003", Action::Step(OrderStep::Cancel, 1003)),
            (
                "return-items:1003",
                Action::Step(OrderStep::ReturnItems, 1003),
            ),
            (
                "return-confirm:1",
                Action::Step(OrderStep::ReturnConfirm, 1),
            ),
            (
                "cancel-keep:1002",
                Action::Step(OrderStep::CancelKeep, 1002),
            ),
            (
                "report-send:1004",
                Action::Step(OrderStep::ReportSend, 1004),
            ),
            ("faq", Action::Faqs),
            ("faq:sizing", Action::Faq("sizing".into())),
            ("faq:1003", Action::Faq("1003".into())),
            (
                "helpful:sizing:yes",
                Action::Helpful {
                    faq: "sizing".into(),
                    yes: true,
                },
            ),
            (
                "helpful:a:b:no",
                Action::Helpful {
                    faq: "a:b".into(),
                    yes: false,
                },
            ),
            ("human", Action::Human),
            ("message", Action::Message),
        ];
        for (wire, action) in cases {
            assert_eq!(Action::parse(wire), action, "{wire}");
            assert_eq!(action.to_string(), wire);
            let json = serde_json::to_string(&action).unwrap();
            assert_eq!(json, format!("\"{wire}\""));
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), action);
        }
    }

    #[test]
    fn what_no_flow_understands_is_unknown_and_kept_as_sent() {
        for wire in [
            "",
            "shop",
            "identify:faq",
            "identify:1003",
            "track:abc",
            "track:-1",
            "cancel:99999999999",
            "helpful:sizing",
            "helpful:sizing:maybe",
            "menu:1",
            "<script>",
        ] {
            assert_eq!(Action::parse(wire), Action::Unknown(wire.into()), "{wire}");
            assert_eq!(Action::parse(wire).to_string(), wire);
        }
    }

    #[test]
    fn every_step_belongs_to_its_flow() {
        for step in OrderStep::ALL {
            assert_eq!(OrderStep::from_name(step.as_str()), Some(step));
            assert!(step.as_str().starts_with(step.flow().as_str()));
        }
        for flow in OrderFlow::ALL {
            assert_eq!(flow.step().flow(), flow);
            assert_eq!(Action::Start(flow).order_flow(), Some(flow));
            assert_eq!(Action::Identify(flow).order_flow(), Some(flow));
        }
        assert_eq!(Action::Faqs.order_flow(), None);
        assert_eq!(Action::Human.order_flow(), None);
    }
}
