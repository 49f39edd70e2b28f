//! Name dictionaries: given-name equivalence classes across spellings and
//! scripts, frequent given and family names, nickname forms.
//!
//! The tables are compiled in (`names/given.rs`, `names/frequent.rs`) and
//! indexed once, lazily, on first use.

mod frequent;
mod given;

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::normalize::fold;
use crate::token::tokenize;

/// The first symbol id of the given-name classes: class `i` has symbol
/// `GIVEN_NAME_SYMBOLS + i`. Ids are stable within a build (they follow the
/// order of the compiled table).
pub const GIVEN_NAME_SYMBOLS: u32 = 0x0100_0000;

/// The indexes over the compiled tables.
struct Tables {
    class_of: FxHashMap<String, u32>,
    given: FxHashSet<&'static str>,
    family: FxHashSet<&'static str>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut class_of = FxHashMap::default();
        let mut given = FxHashSet::default();
        for (i, class) in given::CLASSES.iter().enumerate() {
            let id = GIVEN_NAME_SYMBOLS + u32::try_from(i).unwrap_or(u32::MAX - GIVEN_NAME_SYMBOLS);
            for &name in *class {
                // First class wins: the table test checks there is no clash.
                // Entries in other scripts are folded here (Arabic letter
                // shapes, Greek final sigma) so the table can be written
                // as the names are usually written.
                class_of.entry(fold(name)).or_insert(id);
                if name.is_ascii() {
                    given.insert(name);
                }
            }
        }
        given.extend(frequent::GIVEN.iter().copied());
        let family = frequent::FAMILY.iter().copied().collect();
        Tables { class_of, given, family }
    })
}

/// The compiled given-name classes, for the transliteration dictionaries.
pub(crate) fn given_classes() -> &'static [&'static [&'static str]] {
    given::CLASSES
}

/// The equivalence class of a folded given name across spellings and
/// scripts: "mohammed", "muhammad", "mohamed", "mehmet", "محمد" and
/// "мухаммед" share one class. `None` when the name is in no class.
///
/// The class id is also the [`crate::Part::symbol`] of a given-name part.
pub fn given_name_class(token: &str) -> Option<u32> {
    tables().class_of.get(token).copied()
}

/// The display spelling of a given-name class (its first, most usual
/// Latin spelling): "mohammed" for the class of "muhammad".
pub fn given_name_class_name(class: u32) -> Option<&'static str> {
    let i = usize::try_from(class.checked_sub(GIVEN_NAME_SYMBOLS)?).ok()?;
    given::CLASSES.get(i).and_then(|c| c.first().copied())
}

/// All spellings in a given-name class, in table order.
pub fn given_name_spellings(class: u32) -> &'static [&'static str] {
    let Some(i) = class.checked_sub(GIVEN_NAME_SYMBOLS).and_then(|i| usize::try_from(i).ok())
    else {
        return &[];
    };
    given::CLASSES.get(i).copied().unwrap_or(&[])
}

/// Whether a folded Latin token is a frequent given name (in a given-name
/// class, or in the frequent-given-names table). Helps the scorer weigh a
/// match on it, and tell given names from family names in Spanish and
/// Portuguese names: in "joaquin archivaldo guzman loera" the first two
/// tokens are given names and the last two family names.
pub fn is_common_given_name(token: &str) -> bool {
    tables().given.contains(token)
}

/// Whether a folded Latin token is a frequent family name ("garcia",
/// "ivanov", "wang", "kim", "khan"). Some tokens are both (ali, thomas).
pub fn is_common_family_name(token: &str) -> bool {
    tables().family.contains(token)
}

/// Whether a folded Latin token is one of the family names borne by the
/// most people in the world ("wang", "nguyen", "silva", "khan"): rare as
/// it may be among listed names, alone it does not point at anybody.
pub fn is_world_common_family_name(token: &str) -> bool {
    frequent::WORLD_COMMONEST_FAMILY.contains(&token)
}

/// What a token usually is in a person's name, from the frequency
/// tables: the scorer can tell "joaquin guzman" (given + family) from
/// "joaquin archivaldo guzman loera" (two given, two family names) and
/// let a query that omits the second given name or the second family name
/// still match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRole {
    /// A frequent given name and not a frequent family name.
    Given,
    /// A frequent family name and not a frequent given name.
    Family,
    /// Frequent as both ("ali", "thomas", "jung").
    Either,
    /// In neither table (rare names, and most non-Latin tokens).
    Unknown,
}

/// The usual role of a folded token in a person's name.
pub fn name_role(token: &str) -> NameRole {
    match (is_common_given_name(token), is_common_family_name(token)) {
        (true, false) => NameRole::Given,
        (false, true) => NameRole::Family,
        (true, true) => NameRole::Either,
        (false, false) => NameRole::Unknown,
    }
}

/// Whether a folded token is a kunya or teknonym element: "abu" (father
/// of), "umm" (mother of). Tagged [`crate::PartTag::Particle`], but unlike
/// "bin" or "al" it carries meaning: "Abu Bakr" and "Bakr" are different
/// names, so the scorer should not drop it the way it drops other
/// particles.
pub fn is_kunya(token: &str) -> bool {
    matches!(token, "abu" | "abou" | "abo" | "umm" | "um" | "oum" | "ابو" | "ام" | "абу")
}

/// Whether a name as written looks like a nickname rather than a full
/// name, so that it should be treated as a weak alias: a quoted name
/// (`"El Chapo"`, `'La Tuta'`, «…»), an article and one word ("El Chapo",
/// "La Barbie", "The Butcher"), "alias …", or a letter-and-number code
/// ("Z-40", "M1").
pub fn is_nickname_form(name: &str) -> bool {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return false;
    }
    let quoted = |open: char, close: char| {
        trimmed.starts_with(open) && trimmed.ends_with(close) && trimmed.chars().count() > 2
    };
    if quoted('"', '"')
        || quoted('\'', '\'')
        || quoted('«', '»')
        || quoted('“', '”')
        || quoted('‘', '’')
        || quoted('„', '“')
    {
        return true;
    }
    let tokens = tokenize(&fold(trimmed));
    match tokens.as_slice() {
        [article, _] if is_nickname_article(article) => true,
        [alias, ..] if alias == "alias" || alias == "aka" => tokens.len() > 1,
        [code, number] => {
            code.chars().count() == 1
                && code.chars().all(char::is_alphabetic)
                && number.chars().all(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// Articles that open a nickname in the languages of the lists.
pub fn is_nickname_article(token: &str) -> bool {
    matches!(
        token,
        "el" | "la"
            | "los"
            | "las"
            | "the"
            | "il"
            | "lo"
            | "le"
            | "o"
            | "a"
            | "der"
            | "die"
            | "das"
    )
}

#[cfg(test)]
mod tests {
    use super::{
        NameRole, given, given_name_class, given_name_class_name, is_common_family_name,
        is_common_given_name, is_kunya, is_nickname_form, is_world_common_family_name, name_role,
    };
    use crate::normalize::fold;

    #[test]
    fn classes_hold_each_spelling_once_and_are_folded() {
        let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for (i, class) in given::CLASSES.iter().enumerate() {
            assert!(!class.is_empty());
            for &name in *class {
                if name.is_ascii() {
                    assert_eq!(fold(name), name, "class entry {name:?} is not folded");
                }
                let name = fold(name);
                let name = name.as_str();
                assert!(!name.contains(' '), "class entry {name:?} has a space");
                if let Some(&j) = seen.get(name) {
                    assert_eq!(
                        i,
                        j,
                        "{name:?} is in two classes: {:?} and {:?}",
                        given::CLASSES[j][0],
                        class[0]
                    );
                }
                seen.insert(name.to_owned(), i);
            }
        }
    }

    fn check_same(a: &str, b: &str) {
        let (ca, cb) = (given_name_class(a), given_name_class(b));
        assert!(ca.is_some(), "{a:?} has no class");
        assert_eq!(ca, cb, "{a:?} and {b:?} should share a class");
    }

    #[test]
    fn equivalences() {
        let cases: &[(&str, &str)] = &[
            ("mohammed", "muhammad"),
            ("mohammed", "mohamed"),
            ("mohammed", "mehmet"),
            ("mohammed", "محمد"),
            ("mohammed", "мухаммед"),
            ("ahmed", "احمد"),
            ("abdullah", "abdallah"),
            ("hussein", "husayn"),
            ("yousef", "yusuf"),
            ("aleksandr", "alexander"),
            ("aleksandr", "oleksandr"),
            ("aleksandr", "александр"),
            ("sergei", "serhiy"),
            ("sergei", "сергей"),
            ("vladimir", "volodymyr"),
            ("dmitry", "dmitriy"),
            ("dmitry", "дмитрий"),
            ("yuri", "iurii"),
            ("joaquin", "joakin"),
            ("rafael", "raphael"),
            ("moshe", "משה"),
            ("david", "דוד"),
            ("nikolaos", "νικολαοσ"),
        ];
        for (a, b) in cases {
            check_same(a, b);
        }
        assert_ne!(given_name_class("yusuf"), given_name_class("jose"));
        assert_eq!(given_name_class("zzzz"), None);
        let class = given_name_class("muhammad");
        assert_eq!(class.and_then(given_name_class_name), Some("mohammed"));
    }

    #[test]
    fn frequencies() {
        assert!(is_common_given_name("joaquin"));
        assert!(is_common_given_name("maria"));
        assert!(!is_common_given_name("guzman"));
        assert!(is_common_family_name("guzman"));
        assert!(is_common_family_name("kim"));
        assert!(!is_common_family_name("archivaldo"));
        assert!(is_world_common_family_name("wang"));
        assert!(!is_world_common_family_name("zambada"));
        let mut seen = std::collections::HashSet::new();
        for &name in super::frequent::WORLD_COMMONEST_FAMILY {
            assert_eq!(fold(name), name, "{name} is not folded");
            assert!(seen.insert(name), "{name} twice");
        }
        assert!(is_kunya("abu"));
        assert_eq!(name_role("joaquin"), NameRole::Given);
        assert_eq!(name_role("loera"), NameRole::Unknown);
        assert_eq!(name_role("guzman"), NameRole::Family);
        assert_eq!(name_role("ali"), NameRole::Either);
        assert!(!is_kunya("bin"));
    }

    #[test]
    fn nicknames() {
        let cases: &[(&str, bool)] = &[
            ("El Chapo", true),
            ("\"El Chapo\"", true),
            ("'Chapo'", true),
            ("«Чапо»", true),
            ("La Tuta", true),
            ("El Mencho", true),
            ("The Butcher", true),
            ("Z-40", true),
            ("alias Chapo", true),
            ("Joaquín Guzmán", false),
            ("Chapo", false),
            ("El Chapo Guzman", false),
            ("Cártel del Golfo", false),
            ("", false),
        ];
        for (name, expected) in cases {
            assert_eq!(is_nickname_form(name), *expected, "is_nickname_form({name:?})");
        }
    }
}
