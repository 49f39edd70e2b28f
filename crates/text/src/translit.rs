//! Transliteration of names into Latin, with several romanisations where
//! they disagree.
//!
//! Lists romanise the same name differently ("Shoigu" / "Shoygu",
//! "Mohammed" / "Muhammad", "Kim Jong Un" / "Gim Jeong-eun"), so one Latin
//! rendering is never enough. Each script has its own module; each returns,
//! per word (or per phrase, for "عبد الله"), its renderings ordered by
//! convention, most standard first. Whole-name variants are then built *per
//! convention* — variant k takes each word's k-th rendering — rather than
//! as the product of every letter choice, so the count stays small.
//!
//! Scripts without spaces between name parts (Han, Hangul, Kana, Thai) are
//! handled as whole names: the module finds the surname itself.
//!
//! The generic `deunicode` and `any_ascii` renderings close the list, so
//! every script gets at least a rough Latin form.

mod arabic;
mod chinese;
mod cyrillic;
mod greek;
mod hangul;
mod hanja;
mod hebrew;
mod japanese;
mod kana;
mod thai;

use crate::normalize::fold;
use crate::script::{self, Script};

/// The most Latin variants returned for one name.
pub const MAX_VARIANTS: usize = 8;

/// The renderings of one word or phrase of a name, most standard first.
type Unit = Vec<String>;

/// The distinct Latin renderings of a folded name in a non-Latin script,
/// most standard first, at most [`MAX_VARIANTS`]. Each variant is folded
/// (lower case, no diacritics) and tokenizable. For a Latin name, returns
/// an empty vector.
///
/// A name mixing scripts ("ахмед shah") keeps its Latin words and renders
/// the others.
pub fn latin_variants(folded: &str) -> Vec<String> {
    let dominant = script::dominant(folded);
    if matches!(dominant, Script::Latin | Script::Common) && !script::is_mixed(folded) {
        return Vec::new();
    }
    latin_variants_in(folded, dominant)
}

/// [`latin_variants`] of a name whose dominant script (by
/// [`script::dominant`]) the caller already knows and is neither Latin nor
/// Common: name analysis has counted its letters once already.
pub(crate) fn latin_variants_in(folded: &str, dominant: Script) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(MAX_VARIANTS);
    match dominant {
        Script::Han | Script::Kana | Script::Hangul if is_whole_cjk(folded) => {
            let joined: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
            let whole = match dominant {
                Script::Hangul => hangul::name_variants(&joined),
                Script::Kana => japanese::name_variants(&joined),
                _ => chinese::han_name_variants(&joined),
            };
            for v in whole {
                push_variant(&mut out, &v);
            }
        }
        _ => {
            // Only the words the tokenizer will keep are worth rendering.
            let words: Vec<&str> = folded.split(' ').take(crate::token::MAX_TOKENS).collect();
            let units = units_of(&words.join(" "));
            combine(&units, &mut out);
        }
    }
    // Generic renderings last: they are rough but cover every script. A
    // name whose own module already gave the most variants kept would
    // drop them: they are not made.
    if out.len() < MAX_VARIANTS {
        push_variant(&mut out, &deunicode::deunicode(folded));
    }
    if out.len() < MAX_VARIANTS {
        push_variant(&mut out, &any_ascii::any_ascii(folded));
    }
    out.truncate(MAX_VARIANTS);
    out
}

/// Whether every word of the name is in a CJK script (so the name can be
/// treated as one surname-first string).
fn is_whole_cjk(folded: &str) -> bool {
    folded.split(' ').filter(|t| !t.is_empty()).all(|t| {
        t.chars().all(|c| {
            matches!(
                script::of_char(c),
                Script::Han | Script::Hangul | Script::Kana | Script::Common
            )
        })
    })
}

/// Splits a name into runs of words of one script and renders each run
/// with its script's module. Each unit says whether its renderings are
/// per-convention (aligned: the k-th rendering of every aligned unit
/// follows the same convention) or alternatives (dictionary spellings).
fn units_of(folded: &str) -> Vec<(Unit, bool)> {
    let words: Vec<&str> = folded.split(' ').filter(|t| !t.is_empty()).collect();
    let mut units: Vec<(Unit, bool)> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let s = script::of_token(words[i]);
        let mut j = i + 1;
        while j < words.len() && script::of_token(words[j]) == s {
            j += 1;
        }
        let run = &words[i..j];
        let aligned = |us: Vec<Unit>| us.into_iter().map(|u| (u, true));
        let alternatives = |us: Vec<Unit>| us.into_iter().map(|u| (u, false));
        match s {
            Script::Latin | Script::Common => {
                units.extend(run.iter().map(|w| (vec![(*w).to_owned()], false)))
            }
            Script::Cyrillic => units.extend(aligned(cyrillic::units(run))),
            Script::Greek => units.extend(aligned(greek::units(run))),
            Script::Arabic => units.extend(alternatives(arabic::units(run))),
            Script::Hebrew => units.extend(alternatives(hebrew::units(run))),
            Script::Thai => units.extend(run.iter().map(|w| (thai::variants(w), false))),
            Script::Hangul => units.extend(run.iter().map(|w| (hangul::name_variants(&[w]), true))),
            Script::Kana => units.extend(run.iter().map(|w| (japanese::name_variants(&[w]), true))),
            Script::Han => {
                units.extend(run.iter().map(|w| (chinese::han_name_variants(&[w]), true)))
            }
            _ => units.extend(run.iter().map(|w| (generic(w), true))),
        }
        i = j;
    }
    units.retain(|u| !u.0.is_empty());
    units
}

/// The generic renderings of a word in a script without a module.
fn generic(word: &str) -> Unit {
    let mut out = Vec::new();
    push_variant(&mut out, &deunicode::deunicode(word));
    push_variant(&mut out, &any_ascii::any_ascii(word));
    out
}

/// Builds whole-name variants. Aligned units vary together, per
/// convention: variant k takes the k-th rendering of each (or its first,
/// most usual one, for units with fewer). Then each alternative spelling
/// of a dictionary unit is tried with every other unit at its most usual
/// spelling ("muhammad ali", "mohamed ali"), never as a product.
fn combine(units: &[(Unit, bool)], out: &mut Vec<String>) {
    let render = |pick: &dyn Fn(usize, &Unit) -> usize| {
        let mut name = String::new();
        for (u, (unit, _)) in units.iter().enumerate() {
            let Some(r) = unit.get(pick(u, unit)).or_else(|| unit.first()) else { continue };
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(r);
        }
        name
    };
    let depth = units.iter().filter(|u| u.1).map(|u| u.0.len()).max().unwrap_or(1);
    for k in 0..depth {
        push_variant(out, &render(&|_, _| k));
        if out.len() >= MAX_VARIANTS {
            return;
        }
    }
    let alt_depth = units.iter().filter(|u| !u.1).map(|u| u.0.len()).max().unwrap_or(0);
    for j in 1..alt_depth {
        for (target, (unit, aligned)) in units.iter().enumerate() {
            if *aligned || unit.len() <= j {
                continue;
            }
            push_variant(out, &render(&|u, _| if u == target { j } else { 0 }));
            if out.len() >= MAX_VARIANTS {
                return;
            }
        }
    }
}

/// Folds a candidate rendering and appends it when it is new, Latin and
/// not empty.
fn push_variant(out: &mut Vec<String>, candidate: &str) {
    if out.len() >= MAX_VARIANTS {
        return;
    }
    let v = fold(candidate);
    if v.is_empty()
        || !v.bytes().any(|b| b.is_ascii_alphanumeric())
        || !v.is_ascii()
        || out.contains(&v)
    {
        return;
    }
    out.push(v);
}

/// The generic Latin rendering of one char the script tables do not know
/// (Kazakh ұ, Serbian ђ, Greek archaic letters), lower case.
fn fallback_char(c: char) -> String {
    if c.is_ascii() {
        return c.to_ascii_lowercase().to_string();
    }
    deunicode::deunicode_char(c).unwrap_or("").trim().to_lowercase()
}

/// Appends a rendering to a unit if it is new and not empty.
fn push_unit(unit: &mut Unit, rendering: &str) {
    if !rendering.is_empty() && !unit.iter().any(|r| r == rendering) {
        unit.push(rendering.to_owned());
    }
}

/// The first few ASCII spellings of a word's given-name class, for words
/// whose usual Latin spelling no letter table produces ("александр" →
/// "alexander").
fn class_spellings(word: &str, max: usize) -> impl Iterator<Item = &'static str> {
    crate::names::given_name_class(word)
        .map(crate::names::given_name_spellings)
        .unwrap_or(&[])
        .iter()
        .copied()
        .filter(|s| s.is_ascii())
        .take(max)
}

#[cfg(test)]
mod tests {
    use super::latin_variants;
    use crate::normalize::fold;

    /// Checks that the variants of `input` include `expected` exactly.
    fn check(input: &str, expected: &str) {
        let variants = latin_variants(&fold(input));
        assert!(
            variants.iter().any(|v| v == expected),
            "latin_variants({input:?}) = {variants:?} lacks {expected:?}"
        );
        assert!(variants.len() <= super::MAX_VARIANTS);
    }

    #[test]
    fn renders() {
        let cases: &[(&str, &str)] = &[
            // Cyrillic.
            ("Владимир Путин", "vladimir putin"),
            ("Иван Иванов", "ivan ivanov"),
            ("Александр Петров", "alexander petrov"),
            ("Александр Петров", "aleksandr petrov"),
            ("Дмитрий Медведев", "dmitry medvedev"),
            ("Дмитрий Медведев", "dmitriy medvedev"),
            ("Дмитрий Медведев", "dmitrii medvedev"),
            ("Шойгу Сергей Кужугетович", "shoigu sergei kuzhugetovich"),
            ("Шойгу Сергей Кужугетович", "shoygu sergey kuzhugetovich"),
            ("Евгений Пригожин", "yevgeniy prigozhin"),
            ("Евгений Пригожин", "evgenii prigozhin"),
            ("Юрий Чайка", "yuriy chayka"),
            ("Юрий Чайка", "iurii chaika"),
            ("Михаил Ходорковский", "mikhail khodorkovsky"),
            ("Владимир Жириновский", "vladimir zhirinovskiy"),
            ("Щербаков", "shcherbakov"),
            ("Сергеев", "sergeyev"),
            ("Цой", "tsoy"),
            ("Володимир Зеленський", "volodymyr zelenskyi"),
            ("Олександр Лукашенко", "oleksandr lukashenko"),
            ("Аляксандр Лукашэнка", "aliaksandr lukashenka"),
            ("Їжакевич", "yizhakevych"),
            ("Григорій", "hryhorii"),
            // Greek.
            ("Αλέξανδρος", "alexandros"),
            ("Αλέξανδρος", "alexander"),
            ("Νικόλαος", "nikolaos"),
            ("Κωνσταντίνος Καραμανλής", "konstantinos karamanlis"),
            ("Γεώργιος Παπανδρέου", "georgios papandreou"),
            ("Ευάγγελος Βενιζέλος", "evangelos venizelos"),
            ("Μπακογιάννη", "bakogianni"),
            // Arabic.
            ("محمد علي", "mohamed ali"),
            ("محمد علي", "muhammad ali"),
            ("أحمد حسن", "ahmed hassan"),
            ("عبد الله", "abdullah"),
            ("خالد محمود", "khaled mahmoud"),
            ("أسامة بن لادن", "osama bin laden"),
            ("أيمن الظواهري", "ayman al-zawahiri"),
            ("عبد الرحمن", "abdulrahman"),
            ("أبو بكر البغدادي", "abu bakr al-baghdadi"),
            ("حسن نصر الله", "hassan nasrallah"),
            ("يوسف", "yousef"),
            ("إبراهيم", "ibrahim"),
            ("عمر", "omar"),
            ("حسين", "hussein"),
            // Hebrew.
            ("משה", "moshe"),
            ("דוד", "david"),
            ("בנימין נתניהו", "binyamin netanyahu"),
            // Chinese.
            ("习近平", "xi jinping"),
            ("习近平", "xi jin ping"),
            ("李明", "li ming"),
            ("王伟", "wang wei"),
            ("欧阳修", "ouyang xiu"),
            ("司马光", "sima guang"),
            ("毛泽东", "mao zedong"),
            // Korean.
            ("김정은", "kim jong un"),
            ("김정은", "kim jeong eun"),
            ("박지성", "park ji sung"),
            ("이민호", "lee min ho"),
            ("김일성", "kim il sung"),
            ("문재인", "moon jae in"),
            ("최룡해", "choe ryong hae"),
            ("리설주", "ri sol ju"),
            ("남궁민", "namgung min"),
            ("金正恩", "kim jong un"),
            ("金日成", "kim il sung"),
            ("朴槿惠", "park geun hye"),
            ("文在寅", "moon jae in"),
            // Japanese.
            ("山田太郎", "yamada taro"),
            ("田中花子", "tanaka hanako"),
            ("鈴木一郎", "suzuki ichiro"),
            ("安倍晋三", "abe shinzo"),
            ("やまだ たろう", "yamada taro"),
            ("スズキ・イチロー", "suzuki ichiro"),
            ("佐藤さくら", "sato sakura"),
            // Thai.
            ("สมชาย", "somchai"),
            ("ทักษิณ ชินวัตร", "thaksin chinwat"),
            ("ประยุทธ์ จันทร์โอชา", "prayut chanocha"),
            ("صدام حسين", "saddam hussein"),
            ("بشار الأسد", "bashar al-assad"),
            ("معمر القذافي", "muammar al-qaddafi"),
            ("حسن روحاني", "hassan rouhani"),
            ("عبد العزيز", "abdulaziz"),
            ("نور الدين", "nuruddin"),
            ("قاسم سليماني", "qasem soleimani"),
            ("محمد جواد ظريف", "mohammad javad zarif"),
            ("Рамзан Кадыров", "ramzan kadyrov"),
            ("Алишер Усманов", "alisher usmanov"),
            ("Олег Дерипаска", "oleg deripaska"),
            ("Виктор Янукович", "viktor yanukovich"),
            ("Роман Абрамович", "roman abramovich"),
            ("Геннадий Тимченко", "gennady timchenko"),
            ("Юрий Ковальчук", "yuri kovalchuk"),
            ("김여정", "kim yo jong"),
            ("리병철", "ri pyong chol"),
            ("胡锦涛", "hu jintao"),
            ("温家宝", "wen jiabao"),
            ("麻原彰晃", "asahara shoko"),
            ("重信房子", "shigenobu fusako"),
            ("Нұрсұлтан Назарбаев", "nursultan nazarbayev"),
            ("Александар Вучић", "aleksandar vucic"),
            ("Милорад Додик", "milorad dodik"),
            // Others through the generic tables.
            ("გიორგი", "giorgi"),
        ];
        let mut failures = Vec::new();
        for (input, expected) in cases {
            let variants = latin_variants(&fold(input));
            if !variants.iter().any(|v| v == expected) {
                failures.push(format!("{input} -> {variants:?} lacks {expected:?}"));
            }
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
        check("Ахмед Shah", "akhmed shah");
    }

    #[test]
    fn latin_names_have_no_variants() {
        assert!(latin_variants("john smith").is_empty());
        assert!(latin_variants("13").is_empty());
        assert!(latin_variants("").is_empty());
    }
}
