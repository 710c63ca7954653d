//! A/B variants: which of a campaign's 2–4 weighted messages a visitor reads.
//!
//! Assignment is a pure function of (visitor id, campaign id), so the widget
//! (which decides in the browser), `aisle campaigns simulate --visitor-id`
//! and the console's preview agree, and a visitor keeps their variant on
//! every page and visit without anything being stored. The hash is FNV-1a
//! over both ids with its high half folded into the low one, so ids that
//! differ in one character still spread evenly (tested within ±5 points).

use super::{Campaign, Text, Variant};

/// The variant `visitor` reads of `campaign`; `None` when it has none.
pub fn variant_for<'a>(campaign: &'a Campaign, visitor: &str) -> Option<&'a Variant> {
    let total: u64 = campaign.variants.iter().map(|v| u64::from(v.weight)).sum();
    if total == 0 {
        return None;
    }
    let mut point = bucket(visitor, &campaign.id) % total;
    for variant in &campaign.variants {
        let weight = u64::from(variant.weight);
        if point < weight {
            return Some(variant);
        }
        point -= weight;
    }
    campaign.variants.last()
}

/// What `visitor` reads of `campaign`: their variant's message and its id,
/// or the campaign's message and `None`.
pub fn message_for<'a>(campaign: &'a Campaign, visitor: &str) -> (&'a Text, Option<&'a str>) {
    match variant_for(campaign, visitor) {
        Some(variant) => (&variant.message, Some(variant.id.as_str())),
        None => (&campaign.message, None),
    }
}

/// A well-mixed 64-bit hash of (visitor id, campaign id).
pub fn bucket(visitor: &str, campaign: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    // The 0x1f separator keeps ("ab", "c") apart from ("a", "bc").
    for b in visitor.bytes().chain([0x1f]).chain(campaign.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    // FNV's high bits are its best mixed: fold them into the low ones the
    // modulo reads (one shift, where a full finaliser costs widget bytes).
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::parse_campaigns;

    fn campaign(weights: &[u32]) -> Campaign {
        let variants: Vec<String> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| format!(r#"{{"id": "v{i}", "weight": {w}, "message": "m{i}"}}"#))
            .collect();
        let text = format!(
            r#"{{"version": 1, "campaigns": [{{"id": "bf", "variants": [{}]}}]}}"#,
            variants.join(",")
        );
        parse_campaigns(&text).unwrap().campaigns.remove(0)
    }

    /// Shares of 10,000 visitors (ids as the loader makes them) per variant.
    fn shares(c: &Campaign) -> Vec<f64> {
        let mut counts = vec![0u32; c.variants.len()];
        for n in 0..10_000u32 {
            let visitor = format!("v-{n:08x}-{}", n.wrapping_mul(2_654_435_761));
            let chosen = variant_for(c, &visitor).unwrap();
            let i = c.variants.iter().position(|v| v.id == chosen.id).unwrap();
            counts[i] += 1;
        }
        counts.iter().map(|n| f64::from(*n) / 10_000.0).collect()
    }

    #[test]
    fn visitors_spread_by_weight_within_five_points() {
        for weights in [&[50, 50][..], &[90, 10], &[25, 25, 25, 25], &[1, 2, 3]] {
            let c = campaign(weights);
            let total: u32 = weights.iter().sum();
            for (share, weight) in shares(&c).iter().zip(weights) {
                let want = f64::from(*weight) / f64::from(total);
                assert!(
                    (share - want).abs() <= 0.05,
                    "{weights:?}: {share} vs {want}"
                );
            }
        }
    }

    #[test]
    fn a_visitor_keeps_their_variant_and_campaigns_assign_independently() {
        let c = campaign(&[50, 50]);
        let first = variant_for(&c, "visitor-123456").unwrap().id.clone();
        for _ in 0..10 {
            assert_eq!(variant_for(&c, "visitor-123456").unwrap().id, first);
        }
        assert_ne!(bucket("ab", "c"), bucket("a", "bc"));
        let (text, id) = message_for(&c, "visitor-123456");
        assert_eq!(id, Some(first.as_str()));
        assert_eq!(text.for_locale("en"), format!("m{}", &first[1..]));
    }

    #[test]
    fn without_variants_everyone_reads_the_message() {
        let file =
            parse_campaigns(r#"{"version": 1, "campaigns": [{"id": "x", "message": "hi"}]}"#)
                .unwrap();
        let (text, id) = message_for(&file.campaigns[0], "anyone-1234");
        assert_eq!((text.for_locale("en"), id), ("hi", None));
    }

    #[test]
    fn the_checker_names_path_and_position_of_every_variant_error() {
        let text = r#"{"version": 1, "campaigns": [
  {"id": "a", "variants": [{"id": "x", "weight": 50, "message": "hi"}]},
  {"id": "b", "variants": [
    {"id": "x", "weight": 0, "message": "hi"},
    {"id": "x", "weight": 10, "message": "{{campaign.code}}"}]},
  {"id": "c", "message": "{{cart.valeu}} {{campaign.code}}", "code": "A", "codes": "pool"},
  {"id": "d", "message": "Hi {{customer.first_name"}
]}"#;
        let errors = crate::campaign::check::error_lines(text);
        assert_eq!(
            errors,
            [
                "2:27: $.campaigns[0].variants: an A/B test has 2 to 4 variants, found 1",
                "4:27: $.campaigns[1].variants[0].weight: must be more than 0",
                "5:12: $.campaigns[1].variants[1].id: duplicate variant id \"x\" (first used at 4:12)",
                "5:42: $.campaigns[1].variants[1].message: uses {{campaign.code}} but $.campaigns[1] has no \"code\" or \"codes\": \"pool\"",
                "6:26: $.campaigns[2].message: unknown placeholder \"cart.valeu\" (did you mean \"cart.value\"?)",
                "6:84: $.campaigns[2].codes: give either \"code\" (one code for everyone) or \"codes\": \"pool\", not both",
                "7:26: $.campaigns[3].message: \"{{\" is not closed with \"}}\"",
            ]
        );
        let ok = parse_campaigns(
            r#"{"version": 1, "campaigns": [{"id": "a", "codes": "pool", "variants": [
              {"id": "x", "weight": 1, "message": "Yours: {{campaign.code}}"},
              {"id": "y", "weight": 3, "message": {"en": "Hi {{customer.first_name|there}}"}}]}]}"#,
        )
        .unwrap();
        let c = &ok.campaigns[0];
        assert_eq!(
            (c.variants.len(), &c.code),
            (2, &Some(crate::campaign::Code::Pool))
        );
        assert_eq!(
            c.message, c.variants[0].message,
            "the first variant stands for the campaign"
        );
    }

    #[test]
    fn shopify_codes_name_their_discount_and_every_mistake_is_placed() {
        use crate::campaign::{Code, DiscountOff, ShopifyDiscount};
        let ok = parse_campaigns(
            r#"{"version": 1, "campaigns": [
  {"id": "a", "message": "{{campaign.code}}", "codes": {"shopify": {"percent_off": 15}}},
  {"id": "b", "message": "{{campaign.code}}", "codes": {"shopify": {"amount_off": 4.99, "valid_days": 2}}}]}"#,
        )
        .unwrap();
        assert_eq!(
            ok.campaigns[0].code,
            Some(Code::Shopify(ShopifyDiscount {
                off: DiscountOff::Percent(15),
                valid_days: 7
            }))
        );
        assert_eq!(
            ok.campaigns[1].code,
            Some(Code::Shopify(ShopifyDiscount {
                off: DiscountOff::Amount(499),
                valid_days: 2
            }))
        );
        assert!(
            ok.campaigns
                .iter()
                .all(|c| c.code.as_ref().is_some_and(Code::per_visitor))
        );
        let text = r#"{"version": 1, "campaigns": [
  {"id": "a", "codes": {"shopify": {"percent_off": 0}}, "message": "m"},
  {"id": "b", "codes": {"shopify": {"percent_off": 10, "amount_off": 5}}, "message": "m"},
  {"id": "c", "codes": {"shopify": {}}, "message": "m"},
  {"id": "d", "codes": {"shopfiy": {"percent_off": 10}}, "message": "m"},
  {"id": "e", "codes": {"shopify": {"amount_off": 1.005}}, "message": "m"},
  {"id": "f", "codes": {"shopify": {"amount_off": 5, "valid_days": 400}}, "message": "m"},
  {"id": "g", "codes": "woo", "message": "m"}
]}"#;
        let errors = crate::campaign::check::error_lines(text);
        assert_eq!(
            errors,
            [
                "2:52: $.campaigns[0].codes.shopify.percent_off: must be between 1 and 100, found 0",
                "3:70: $.campaigns[1].codes.shopify.amount_off: give either \"percent_off\" or \"amount_off\", not both",
                "4:36: $.campaigns[2].codes.shopify: missing field \"percent_off\" (1-100) or \"amount_off\" (in the store's currency)",
                "5:24: $.campaigns[3].codes: name where codes come from: \"pool\" or {\"shopify\": {…}}",
                "5:25: $.campaigns[3].codes.shopfiy: unknown code source \"shopfiy\" (did you mean \"shopify\"?)",
                "6:51: $.campaigns[4].codes.shopify.amount_off: at most two decimals (5 or 4.99), found 1.005",
                "7:68: $.campaigns[5].codes.shopify.valid_days: must be between 1 and 365, found 400",
                "8:24: $.campaigns[6].codes: unknown code source \"woo\" (did you mean \"pool\"?)",
            ]
        );
    }
}
