//! Property tests: the invariants every caller relies on.

use proptest::prelude::*;
use vigia_text::{NameKind, analyze, normalize, script, token, translit};

fn kind() -> impl Strategy<Value = NameKind> {
    prop_oneof![
        Just(NameKind::Person),
        Just(NameKind::Organization),
        Just(NameKind::Object),
        Just(NameKind::Unknown)
    ]
}

/// Names mixing the scripts and punctuation the pipeline treats specially.
fn name_like() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        Just("Joaquín".to_owned()),
        Just("Guzmán".to_owned()),
        Just("S.A. de C.V.".to_owned()),
        Just("MS-13".to_owned()),
        Just("al-Qa'ida".to_owned()),
        Just("Mаria".to_owned()),
        Just("Владимир".to_owned()),
        Just("Путин".to_owned()),
        Just("محمد".to_owned()),
        Just("عبد".to_owned()),
        Just("الله".to_owned()),
        Just("משה".to_owned()),
        Just("金正恩".to_owned()),
        Just("김정은".to_owned()),
        Just("山田太郎".to_owned()),
        Just("スズキ・イチロー".to_owned()),
        Just("Νικόλαος".to_owned()),
        Just("สมชาย".to_owned()),
        Just("(".to_owned()),
        Just("-".to_owned()),
        Just("'".to_owned()),
        Just("ＡＢＣ".to_owned()),
        "[a-zA-Z]{1,8}",
        "\\PC{1,6}",
    ];
    prop::collection::vec(pieces, 0..6).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn fold_is_idempotent(s in "\\PC{0,40}") {
        let once = normalize::fold(&s);
        prop_assert_eq!(normalize::fold(&once), once.clone());
        prop_assert!(!once.starts_with(' ') && !once.ends_with(' ') && !once.contains("  "));
    }

    #[test]
    fn fold_is_idempotent_on_names(s in name_like()) {
        let once = normalize::fold(&s);
        prop_assert_eq!(normalize::fold(&once), once);
    }

    #[test]
    fn tokens_are_never_empty(s in "\\PC{0,60}") {
        let tokens = token::tokenize_parts(&normalize::fold(&s));
        prop_assert!(tokens.len() <= token::MAX_TOKENS);
        for t in &tokens {
            prop_assert!(!t.text.is_empty());
            prop_assert!(!t.text.contains(' ') && !t.text.contains('-'));
        }
        if let Some(last) = tokens.last() {
            prop_assert!(!last.joined_with_next);
        }
    }

    #[test]
    fn analyze_never_panics_and_is_bounded(s in "\\PC{0,60}", k in kind()) {
        let a = analyze(&s, k);
        prop_assert!(a.forms.len() <= translit::MAX_VARIANTS + 1);
        prop_assert!(a.acronyms.len() <= vigia_text::MAX_ACRONYMS);
        for f in &a.forms {
            prop_assert!(!f.parts.is_empty());
            prop_assert!(f.parts.len() <= token::MAX_TOKENS);
            for p in &f.parts {
                prop_assert!(!p.text.is_empty());
                prop_assert!(!p.raw.is_empty());
            }
        }
    }

    #[test]
    fn long_input_is_bounded(c in prop_oneof![Just('金'), Just('a'), Just('ж'), Just('م')], n in 300usize..3000) {
        let s: String = std::iter::repeat_n(c, n).collect();
        let a = analyze(&s, NameKind::Unknown);
        for f in &a.forms {
            prop_assert!(f.text.chars().count() <= 4 * vigia_text::MAX_NAME_CHARS);
        }
    }

    #[test]
    fn analyze_names(s in name_like(), k in kind()) {
        let a = analyze(&s, k);
        prop_assert!(a.forms.len() <= translit::MAX_VARIANTS + 1);
        for (i, f) in a.forms.iter().enumerate() {
            if i > 0 {
                prop_assert_eq!(f.script, script::Script::Latin);
                prop_assert!(f.text.is_ascii());
            }
        }
    }

    #[test]
    fn variants_are_folded_ascii(s in name_like()) {
        let folded = normalize::fold(&s);
        let v = translit::latin_variants(&folded);
        prop_assert!(v.len() <= translit::MAX_VARIANTS);
        for x in &v {
            prop_assert!(x.is_ascii());
            prop_assert_eq!(normalize::fold(x), x.clone());
        }
    }
}
