//! Locale tables: every string of the widget's own chrome (launcher, panel,
//! menu), in each supported language. What the assistant says comes worded
//! from the server (`crates/server/src/text/`), so flows and their
//! translations cost this bundle nothing.
//!
//! A [`Strings`] table is a struct, so a language cannot ship with a string
//! missing: the compiler refuses it. No table is compiled into the release
//! bundle, not even English: `cargo xtask build` writes every table as a
//! small JSON list ([`Strings::fields`], `locale.{hash}.{tag}.json` beside
//! the bundle), which the widget fetches for the shopper's language only
//! (`crate::load_strings`, English when that one cannot be had) and
//! [`install`]s before it draws anything (issue #16: a shopper downloads
//! one language, 0.5–0.8 KB brotli; English in the wasm cost every other
//! shopper 0.55 KB). [`Locale::strings`] answers the first table installed
//! until the locale's own is. Placeholders are `{name}` and are filled
//! with [`fill`]. The launcher label is also in the loader (`loader/aisle.js`),
//! which draws the launcher before this bundle loads: `cargo xtask build`
//! writes it there from these tables (`bundle::loader_labels`).

/// Replaces the one `{placeholder}` in `template` with `value`.
pub fn fill(template: &str, value: &str) -> String {
    // `get`, not indexing: no slicing panic (and its formatting) in the bundle.
    match (template.find('{'), template.find('}')) {
        (Some(a), Some(b)) if a < b => [
            template.get(..a).unwrap_or_default(),
            value,
            template.get(b + 1..).unwrap_or_default(),
        ]
        .concat(),
        _ => template.to_owned(),
    }
}

/// The languages the widget speaks: core's one [`Locale`] (tags, fallbacks
/// and negotiation shared with the server and the console).
pub use aisle_core::locale::Locale;

/// What the widget adds to a [`Locale`]: its chrome strings.
pub trait LocaleStrings {
    /// This locale's strings, once installed ([`install`]); until then the
    /// first table installed (empty strings before any).
    fn strings(self) -> &'static Strings;
    /// Whether this locale's strings are at hand.
    fn installed(self) -> bool;
    /// This locale's table as written in this file. The widget's bundle never
    /// calls it (so the tables stay out of it); the build writes the fetched
    /// tables from it, and tests install them with it.
    fn built_in(self) -> &'static Strings;
}

impl LocaleStrings for Locale {
    fn strings(self) -> &'static Strings {
        TABLES
            .with(|t| {
                let t = t.borrow();
                t.iter()
                    .find(|(l, _)| *l == self)
                    .or(t.first())
                    .map(|(_, s)| *s)
            })
            .unwrap_or(&Strings::NONE)
    }

    fn installed(self) -> bool {
        TABLES.with(|t| t.borrow().iter().any(|(l, _)| *l == self))
    }

    fn built_in(self) -> &'static Strings {
        match self {
            Locale::En => &EN,
            Locale::Fr => &FR,
            Locale::Fi => &FI,
            Locale::ZhHans => &ZH_HANS,
            Locale::ZhHant => &ZH_HANT,
            Locale::Th => &TH,
        }
    }
}

thread_local! {
    /// The tables installed, in order.
    static TABLES: std::cell::RefCell<Vec<(Locale, &'static Strings)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Makes `table` the strings of `locale`.
pub fn install(locale: Locale, table: &'static Strings) {
    TABLES.with(|t| t.borrow_mut().push((locale, table)));
}

/// `Strings::fields` and `Strings::from_fields` from one list of the fields,
/// so the order the build writes is the order the widget reads.
macro_rules! field_order {
    ($($name:ident),* $(,)?) => {
        impl Strings {
            /// Every string, in the order of the fetched tables.
            pub fn fields(&self) -> Vec<&'static str> {
                vec![$(self.$name),*]
            }

            /// Every string empty (before any table is installed).
            pub const NONE: Strings = Strings { $($name: ""),* };

            /// A table from strings in the order of [`Strings::fields`]
            /// (missing ones empty).
            pub fn from_fields(fields: impl Iterator<Item = &'static str>) -> Strings {
                // One loop into an array, then the array taken apart by
                // name: not one inlined `next()` per field (2.8 KB raw).
                let mut all = [""; [$(stringify!($name)),*].len()];
                for (slot, text) in all.iter_mut().zip(fields) {
                    *slot = text;
                }
                let [$($name),*] = all;
                Strings { $($name),* }
            }
        }
    };
}

field_order!(
    launcher,
    title,
    automated_notice,
    close,
    conversation,
    greeting,
    menu_label,
    track_order,
    return_items,
    cancel_order,
    report_issue,
    faq,
    talk_to_person,
    sending,
    network_error,
    opens_in_new_tab,
    proactive_label,
    dismiss,
    message,
    send,
    end_chat,
    connecting,
    queue_position,
    queue_wait,
    chatting_with,
    agent_typing,
    agent_joined,
    chat_ended,
    rate_prompt,
    rated,
    sent,
    read,
    reconnecting,
    back_to_menu,
    promise,
    save_transcript,
    you,
    email_transcript,
    email_address,
    transcript_sent,
    email_invalid,
    email_unavailable,
    email_too_many,
    products_label,
    copy_code,
    code_copied,
);

/// Every string of the widget's chrome for one language.
#[derive(Debug)]
pub struct Strings {
    /// Launcher button label.
    pub launcher: &'static str,
    /// Panel heading (the dialog's name).
    pub title: &'static str,
    /// Under the heading: says plainly that answers are automated.
    pub automated_notice: &'static str,
    /// Close button label.
    pub close: &'static str,
    /// Accessible name of the conversation log.
    pub conversation: &'static str,
    /// First message in the conversation.
    pub greeting: &'static str,
    /// Accessible name of the self-service menu.
    pub menu_label: &'static str,
    /// Menu item.
    pub track_order: &'static str,
    /// Menu item.
    pub return_items: &'static str,
    /// Menu item.
    pub cancel_order: &'static str,
    /// Menu item.
    pub report_issue: &'static str,
    /// Menu item: the merchant's quick answers.
    pub faq: &'static str,
    /// Menu item: hand over to the team.
    pub talk_to_person: &'static str,
    /// On a submit button while the answer is on its way.
    pub sending: &'static str,
    /// Network or server failure; what was typed is kept.
    pub network_error: &'static str,
    /// Appended to links that open a new tab (screen readers).
    pub opens_in_new_tab: &'static str,
    /// Accessible name of a proactive campaign message.
    pub proactive_label: &'static str,
    /// Button that closes a proactive message.
    pub dismiss: &'static str,
    /// Label of the live-chat message box.
    pub message: &'static str,
    /// Sends a live-chat message.
    pub send: &'static str,
    /// Ends the live chat.
    pub end_chat: &'static str,
    /// While a person is being asked for.
    pub connecting: &'static str,
    /// Place in the queue; `{position}`.
    pub queue_position: &'static str,
    /// Expected wait; `{minutes}`.
    pub queue_wait: &'static str,
    /// An agent answers; `{name}`.
    pub chatting_with: &'static str,
    /// The agent is typing; `{name}`.
    pub agent_typing: &'static str,
    /// In the log; `{name}`.
    pub agent_joined: &'static str,
    /// In the log when the chat ends.
    pub chat_ended: &'static str,
    /// Asks for a 1–5 rating (the rating group's name).
    pub rate_prompt: &'static str,
    /// In the log after rating.
    pub rated: &'static str,
    /// State of a message the server stored.
    pub sent: &'static str,
    /// State of a message the agent read.
    pub read: &'static str,
    /// The connection dropped; nothing typed is lost.
    pub reconnecting: &'static str,
    /// Leaves the ended chat for the menu.
    pub back_to_menu: &'static str,
    /// The store's published reply time; `{minutes}`.
    pub promise: &'static str,
    /// Downloads the chat as a text file.
    pub save_transcript: &'static str,
    /// Names the shopper in the saved transcript.
    pub you: &'static str,
    /// Opens the form that emails the chat to the shopper.
    pub email_transcript: &'static str,
    /// Label of that form's address field.
    pub email_address: &'static str,
    /// The transcript is on its way; `{email}`.
    pub transcript_sent: &'static str,
    /// The server refused the address.
    pub email_invalid: &'static str,
    /// The store sends no email.
    pub email_unavailable: &'static str,
    /// The conversation's transcript emails are used up.
    pub email_too_many: &'static str,
    /// Accessible name of a campaign's product cards.
    pub products_label: &'static str,
    /// The button that copies a campaign's discount code.
    pub copy_code: &'static str,
    /// The same button once the code is on the clipboard (announced).
    pub code_copied: &'static str,
}

/// English.
pub static EN: Strings = Strings {
    launcher: "Chat with us",
    title: "How can we help?",
    automated_notice: "Automated assistant: instant answers about your orders.",
    close: "Close",
    conversation: "Conversation",
    greeting: "Hi! I can help with your order right away. What do you need?",
    menu_label: "Help topics",
    track_order: "Track order",
    return_items: "Return items",
    cancel_order: "Cancel order",
    report_issue: "Report an issue",
    faq: "Common questions",
    talk_to_person: "Talk to a person",
    sending: "Sending…",
    network_error: "We couldn't reach the store. Check your connection and try again; what you typed is kept.",
    opens_in_new_tab: "(opens in a new tab)",
    proactive_label: "Message from the store",
    dismiss: "Dismiss",
    message: "Message",
    send: "Send",
    end_chat: "End chat",
    connecting: "Connecting you with a person…",
    queue_position: "You're number {position} in line.",
    queue_wait: "Expected wait: about {minutes} min.",
    chatting_with: "You're chatting with {name}.",
    agent_typing: "{name} is typing…",
    agent_joined: "{name} joined the chat.",
    chat_ended: "The chat has ended.",
    rate_prompt: "How was your chat? Rate it from 1 (poor) to 5 (great).",
    rated: "Thanks for your rating!",
    sent: "Sent",
    read: "Read",
    reconnecting: "Connection lost. Reconnecting… your messages are kept.",
    back_to_menu: "Back to the menu",
    promise: "We aim to reply within {minutes} min.",
    save_transcript: "Save transcript",
    you: "You",
    email_transcript: "Email transcript",
    email_address: "Your email address",
    transcript_sent: "Sent to {email}",
    email_invalid: "That doesn't look like an email address.",
    email_unavailable: "This store doesn't send email. You can save the transcript instead.",
    email_too_many: "No more transcript emails can be sent for this chat.",
    products_label: "Suggested products",
    copy_code: "Copy code",
    code_copied: "Code copied",
};

/// French.
pub static FR: Strings = Strings {
    launcher: "Discuter avec nous",
    title: "Comment pouvons-nous vous aider ?",
    automated_notice: "Assistant automatique : réponses immédiates sur vos commandes.",
    close: "Fermer",
    conversation: "Conversation",
    greeting: "Bonjour ! Je peux vous aider tout de suite pour votre commande. De quoi avez-vous besoin ?",
    menu_label: "Sujets d’aide",
    track_order: "Suivre ma commande",
    return_items: "Retourner des articles",
    cancel_order: "Annuler la commande",
    report_issue: "Signaler un problème",
    faq: "Questions fréquentes",
    talk_to_person: "Parler à quelqu’un",
    sending: "Envoi…",
    network_error: "Impossible de joindre la boutique. Vérifiez votre connexion et réessayez ; votre saisie est conservée.",
    opens_in_new_tab: "(s’ouvre dans un nouvel onglet)",
    proactive_label: "Message de la boutique",
    dismiss: "Ignorer",
    message: "Message",
    send: "Envoyer",
    end_chat: "Terminer la discussion",
    connecting: "Mise en relation avec une personne…",
    queue_position: "Vous êtes en position {position} dans la file.",
    queue_wait: "Attente estimée : environ {minutes} min.",
    chatting_with: "Vous discutez avec {name}.",
    agent_typing: "{name} écrit…",
    agent_joined: "{name} a rejoint la discussion.",
    chat_ended: "La discussion est terminée.",
    rate_prompt: "Comment s’est passée la discussion ? Notez-la de 1 (mauvaise) à 5 (excellente).",
    rated: "Merci pour votre note !",
    sent: "Envoyé",
    read: "Lu",
    reconnecting: "Connexion perdue. Reconnexion… vos messages sont conservés.",
    back_to_menu: "Retour au menu",
    promise: "Nous nous engageons à répondre en moins de {minutes} min.",
    save_transcript: "Enregistrer la conversation",
    you: "Vous",
    email_transcript: "Envoyer par e-mail",
    email_address: "Votre adresse e-mail",
    transcript_sent: "Envoyée à {email}",
    email_invalid: "Cette adresse e-mail ne semble pas valide.",
    email_unavailable: "Cette boutique n'envoie pas d'e-mails. Vous pouvez enregistrer la conversation.",
    email_too_many: "Plus aucun envoi par e-mail n'est possible pour cette conversation.",
    products_label: "Produits suggérés",
    copy_code: "Copier le code",
    code_copied: "Code copié",
};

/// Finnish.
pub static FI: Strings = Strings {
    launcher: "Keskustele kanssamme",
    title: "Miten voimme auttaa?",
    automated_notice: "Automaattinen avustaja: välittömät vastaukset tilauksistasi.",
    close: "Sulje",
    conversation: "Keskustelu",
    greeting: "Hei! Voin auttaa tilauksesi kanssa heti. Mitä tarvitset?",
    menu_label: "Aiheet",
    track_order: "Seuraa tilausta",
    return_items: "Palauta tuotteita",
    cancel_order: "Peru tilaus",
    report_issue: "Ilmoita ongelmasta",
    faq: "Usein kysytyt",
    talk_to_person: "Puhu ihmisen kanssa",
    sending: "Lähetetään…",
    network_error: "Kauppaan ei saatu yhteyttä. Tarkista yhteytesi ja yritä uudelleen; kirjoittamasi teksti säilyy.",
    opens_in_new_tab: "(avautuu uuteen välilehteen)",
    proactive_label: "Viesti kaupalta",
    dismiss: "Ohita",
    message: "Viesti",
    send: "Lähetä",
    end_chat: "Lopeta keskustelu",
    connecting: "Yhdistetään asiakaspalvelijaan…",
    queue_position: "Olet jonossa sijalla {position}.",
    queue_wait: "Arvioitu odotusaika: noin {minutes} min.",
    chatting_with: "Sinua palvelee {name}.",
    agent_typing: "{name} kirjoittaa…",
    agent_joined: "{name} liittyi keskusteluun.",
    chat_ended: "Keskustelu on päättynyt.",
    rate_prompt: "Millainen keskustelu oli? Arvioi asteikolla 1 (huono) – 5 (erinomainen).",
    rated: "Kiitos arviostasi!",
    sent: "Lähetetty",
    read: "Luettu",
    reconnecting: "Yhteys katkesi. Yhdistetään uudelleen… viestisi säilyvät.",
    back_to_menu: "Takaisin valikkoon",
    promise: "Pyrimme vastaamaan {minutes} minuutin kuluessa.",
    save_transcript: "Tallenna keskustelu",
    you: "Sinä",
    email_transcript: "Lähetä sähköpostiin",
    email_address: "Sähköpostiosoitteesi",
    transcript_sent: "Lähetetty osoitteeseen {email}",
    email_invalid: "Sähköpostiosoite ei näytä kelvolliselta.",
    email_unavailable: "Tämä kauppa ei lähetä sähköpostia. Voit tallentaa keskustelun.",
    email_too_many: "Tästä keskustelusta ei voi lähettää enempää sähköposteja.",
    products_label: "Tuotesuosituksia",
    copy_code: "Kopioi koodi",
    code_copied: "Koodi kopioitu",
};

/// Simplified Chinese.
pub static ZH_HANS: Strings = Strings {
    launcher: "在线咨询",
    title: "有什么可以帮您？",
    automated_notice: "自动助手：即时解答您的订单问题。",
    close: "关闭",
    conversation: "对话",
    greeting: "您好！我可以立即帮您处理订单。请问需要什么帮助？",
    menu_label: "帮助主题",
    track_order: "查询订单",
    return_items: "退货",
    cancel_order: "取消订单",
    report_issue: "反馈问题",
    faq: "常见问题",
    talk_to_person: "联系人工客服",
    sending: "发送中…",
    network_error: "无法连接商店。请检查网络后重试；您输入的内容已保留。",
    opens_in_new_tab: "（在新标签页中打开）",
    proactive_label: "商店消息",
    dismiss: "关闭提示",
    message: "消息",
    send: "发送",
    end_chat: "结束对话",
    connecting: "正在为您转接人工客服…",
    queue_position: "您当前排在第 {position} 位。",
    queue_wait: "预计等待约 {minutes} 分钟。",
    chatting_with: "{name} 正在为您服务。",
    agent_typing: "{name} 正在输入…",
    agent_joined: "{name} 已加入对话。",
    chat_ended: "对话已结束。",
    rate_prompt: "本次对话体验如何？请从 1（差）到 5（很好）评分。",
    rated: "感谢您的评价！",
    sent: "已发送",
    read: "已读",
    reconnecting: "连接已断开，正在重新连接…您的消息已保留。",
    back_to_menu: "返回菜单",
    promise: "我们承诺在 {minutes} 分钟内回复。",
    save_transcript: "保存聊天记录",
    you: "您",
    email_transcript: "通过电子邮件发送聊天记录",
    email_address: "您的电子邮件地址",
    transcript_sent: "已发送至 {email}",
    email_invalid: "这似乎不是有效的电子邮件地址。",
    email_unavailable: "本店不发送电子邮件。您可以保存聊天记录。",
    email_too_many: "此对话无法再发送更多电子邮件。",
    products_label: "推荐商品",
    copy_code: "复制优惠码",
    code_copied: "已复制优惠码",
};

/// Traditional Chinese.
pub static ZH_HANT: Strings = Strings {
    launcher: "線上諮詢",
    title: "有什麼可以幫您？",
    automated_notice: "自動助理：即時解答您的訂單問題。",
    close: "關閉",
    conversation: "對話",
    greeting: "您好！我可以立即協助您處理訂單。請問需要什麼協助？",
    menu_label: "協助主題",
    track_order: "查詢訂單",
    return_items: "退貨",
    cancel_order: "取消訂單",
    report_issue: "回報問題",
    faq: "常見問題",
    talk_to_person: "聯絡真人客服",
    sending: "傳送中…",
    network_error: "無法連線至商店。請檢查網路後再試一次；您輸入的內容已保留。",
    opens_in_new_tab: "（在新分頁中開啟）",
    proactive_label: "商店訊息",
    dismiss: "關閉提示",
    message: "訊息",
    send: "傳送",
    end_chat: "結束對話",
    connecting: "正在為您轉接真人客服…",
    queue_position: "您目前排在第 {position} 位。",
    queue_wait: "預計等候約 {minutes} 分鐘。",
    chatting_with: "{name} 正在為您服務。",
    agent_typing: "{name} 正在輸入…",
    agent_joined: "{name} 已加入對話。",
    chat_ended: "對話已結束。",
    rate_prompt: "這次對話體驗如何？請從 1（差）到 5（很好）評分。",
    rated: "感謝您的評分！",
    sent: "已傳送",
    read: "已讀",
    reconnecting: "連線中斷，正在重新連線…您的訊息已保留。",
    back_to_menu: "返回選單",
    promise: "我們承諾在 {minutes} 分鐘內回覆。",
    save_transcript: "儲存對話紀錄",
    you: "您",
    email_transcript: "以電子郵件寄送對話紀錄",
    email_address: "您的電子郵件地址",
    transcript_sent: "已寄送至 {email}",
    email_invalid: "這似乎不是有效的電子郵件地址。",
    email_unavailable: "本店不寄送電子郵件。您可以儲存對話紀錄。",
    email_too_many: "此對話無法再寄送更多電子郵件。",
    products_label: "推薦商品",
    copy_code: "複製優惠碼",
    code_copied: "已複製優惠碼",
};

/// Thai.
pub static TH: Strings = Strings {
    launcher: "แชทกับเรา",
    title: "ให้เราช่วยอะไรดี",
    automated_notice: "ผู้ช่วยอัตโนมัติ: ตอบคำถามเรื่องคำสั่งซื้อได้ทันที",
    close: "ปิด",
    conversation: "การสนทนา",
    greeting: "สวัสดีค่ะ ช่วยเรื่องคำสั่งซื้อของคุณได้ทันที ต้องการให้ช่วยเรื่องอะไรคะ",
    menu_label: "หัวข้อความช่วยเหลือ",
    track_order: "ติดตามคำสั่งซื้อ",
    return_items: "คืนสินค้า",
    cancel_order: "ยกเลิกคำสั่งซื้อ",
    report_issue: "แจ้งปัญหา",
    faq: "คำถามที่พบบ่อย",
    talk_to_person: "คุยกับเจ้าหน้าที่",
    sending: "กำลังส่ง…",
    network_error: "ไม่สามารถเชื่อมต่อร้านค้าได้ โปรดตรวจสอบการเชื่อมต่อแล้วลองอีกครั้ง ข้อความที่คุณพิมพ์ยังอยู่",
    opens_in_new_tab: "(เปิดในแท็บใหม่)",
    proactive_label: "ข้อความจากร้านค้า",
    dismiss: "ปิด",
    message: "ข้อความ",
    send: "ส่ง",
    end_chat: "จบการสนทนา",
    connecting: "กำลังเชื่อมต่อคุณกับเจ้าหน้าที่…",
    queue_position: "คุณอยู่ในคิวลำดับที่ {position}",
    queue_wait: "เวลารอโดยประมาณ: ประมาณ {minutes} นาที",
    chatting_with: "คุณกำลังสนทนากับ {name}",
    agent_typing: "{name} กำลังพิมพ์…",
    agent_joined: "{name} เข้าร่วมการสนทนาแล้ว",
    chat_ended: "การสนทนาสิ้นสุดแล้ว",
    rate_prompt: "การสนทนาครั้งนี้เป็นอย่างไร? ให้คะแนนตั้งแต่ 1 (แย่) ถึง 5 (ดีมาก)",
    rated: "ขอบคุณสำหรับการให้คะแนน!",
    sent: "ส่งแล้ว",
    read: "อ่านแล้ว",
    reconnecting: "การเชื่อมต่อขาดหาย กำลังเชื่อมต่อใหม่… ข้อความของคุณยังอยู่ครบ",
    back_to_menu: "กลับไปที่เมนู",
    promise: "เราตั้งใจตอบกลับภายใน {minutes} นาที",
    save_transcript: "บันทึกบทสนทนา",
    you: "คุณ",
    email_transcript: "ส่งบทสนทนาทางอีเมล",
    email_address: "อีเมลของคุณ",
    transcript_sent: "ส่งไปที่ {email} แล้ว",
    email_invalid: "อีเมลนี้ดูไม่ถูกต้อง",
    email_unavailable: "ร้านนี้ไม่ได้ส่งอีเมล คุณสามารถบันทึกบทสนทนาแทนได้",
    email_too_many: "ไม่สามารถส่งอีเมลบทสนทนานี้ได้อีก",
    products_label: "สินค้าแนะนำ",
    copy_code: "คัดลอกโค้ด",
    code_copied: "คัดลอกโค้ดแล้ว",
};
