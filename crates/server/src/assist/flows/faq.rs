//! Quick answers: the store's FAQ and "Did this help?".

use super::*;

pub(super) fn faq_list(turn: &mut Turn<'_>) {
    let t = turn.t();
    let locale = turn.request.locale.clone();
    let mut choices: Vec<Choice> = turn
        .site
        .config
        .faq
        .iter()
        .map(|entry| {
            Choice::new(
                Action::Faq(entry.id.clone()),
                localized_faq(&entry.question, &locale),
            )
        })
        .collect();
    turn.say(if choices.is_empty() {
        t.faq_empty
    } else {
        t.faq_intro
    });
    choices.push(turn.human_choice());
    choices.push(turn.menu_choice());
    turn.reply.prompt = Some(Prompt {
        label: t.faq_label.into(),
        form: None,
        choices,
    });
}

pub(super) fn faq_answer(turn: &mut Turn<'_>, id: &str) {
    let t = turn.t();
    let Some(entry) = turn.site.config.faq.iter().find(|e| e.id == id) else {
        return unknown(turn);
    };
    let answer = localized_faq(&entry.answer, &turn.request.locale);
    turn.say(answer);
    turn.say(t.helpful_ask);
    turn.choices(vec![
        Choice::new(
            Action::Helpful {
                faq: id.to_owned(),
                yes: true,
            },
            t.helpful_yes,
        ),
        Choice::new(
            Action::Helpful {
                faq: id.to_owned(),
                yes: false,
            },
            t.helpful_no,
        ),
        turn.human_choice(),
        turn.menu_choice(),
    ]);
}

pub(super) async fn helpful(turn: &mut Turn<'_>, id: &str, yes: bool) -> Result<(), AppError> {
    let t = turn.t();
    if !turn.site.config.faq.iter().any(|e| e.id == id) {
        unknown(turn);
        return Ok(());
    }
    // Over the limit, the answer is thanked but not counted (no one can skew the stats).
    let counted =
        crate::limits::allow(turn.state, Write::Feedback, &turn.site.id, turn.client).is_ok();
    if counted {
        records::faq_feedback(&turn.state.db, &turn.site.id, id, yes).await?;
    }
    if yes {
        if counted {
            records::outcome(&turn.state.db, &turn.site.id, "faq", "resolved").await?;
        }
        turn.say(t.helpful_thanks);
    } else {
        turn.say(t.helpful_sorry);
        let choices = vec![turn.human_choice(), turn.menu_choice()];
        turn.choices(choices);
    }
    Ok(())
}
