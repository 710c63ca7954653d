//! Locale tables: every string of the widget's own chrome (launcher, panel,
//! menu), in each supported language. What the assistant says comes worded
//! from the server (`crates/server/src/assist/text.rs`), so flows and their
//! translations cost this bundle nothing.
//!
//! A [`Strings`] table is a struct, so a language cannot ship with a string
//! missing: the compiler refuses it. Placeholders are `{name}` and are filled
//! with [`fill`]. The launcher label is also in the loader (`loader/aisle.js`),
//! which draws the launcher before this bundle loads; a test keeps them equal.

/// The languages the widget speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
    /// Finnish.
    Fi,
    /// Simplified Chinese.
    ZhHans,
    /// Traditional Chinese.
    ZhHant,
    /// Thai.
    Th,
}

impl Locale {
    /// Every supported locale.
    pub const ALL: [Locale; 6] = [
        Locale::En,
        Locale::Fr,
        Locale::Fi,
        Locale::ZhHans,
        Locale::ZhHant,
        Locale::Th,
    ];

    /// The BCP 47 tag, used for `lang`, for `Intl` formatting and sent to the server.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
            Locale::Fi => "fi",
            Locale::ZhHans => "zh-Hans",
            Locale::ZhHant => "zh-Hant",
            Locale::Th => "th",
        }
    }

    /// The locale for one BCP 47 tag (`fr-CA` → French, `zh-TW` → Traditional
    /// Chinese), if supported.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim().to_ascii_lowercase().replace('_', "-");
        let mut parts = tag.split('-');
        match parts.next().unwrap_or_default() {
            "en" => Some(Locale::En),
            "fr" => Some(Locale::Fr),
            "fi" => Some(Locale::Fi),
            "th" => Some(Locale::Th),
            "zh" if parts.any(|p| matches!(p, "hant" | "tw" | "hk" | "mo")) => Some(Locale::ZhHant),
            "zh" => Some(Locale::ZhHans),
            _ => None,
        }
    }

    /// The first supported locale among `tags` (in preference order), else English.
    pub fn negotiate<'a>(tags: impl IntoIterator<Item = &'a str>) -> Locale {
        tags.into_iter()
            .find_map(Locale::from_tag)
            .unwrap_or_default()
    }

    /// This locale's strings.
    pub fn strings(self) -> &'static Strings {
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
};
