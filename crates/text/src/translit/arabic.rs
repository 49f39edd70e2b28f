//! Arabic script (Arabic, Persian, Urdu, Pashto) → Latin.
//!
//! A letter table cannot recover the short vowels Arabic does not write,
//! so three layers are combined (ADR 0073):
//!
//! 1. a dictionary of the name words frequent in sanctions lists, with
//!    their usual Latin spellings, most common first: the Arabic members of
//!    the given-name classes (`names/given.rs`) plus the table below
//!    (family names, nisbas, kunya and organisation words);
//! 2. the particles and the article handled as lists write them ("bin",
//!    "abu", "al-" glued by a hyphen, "abd al-X" → "abdul X");
//! 3. for any other word, a consonant-skeleton romanisation that keeps the
//!    long vowels the script writes (و → u, ي → i, ا → a), so the scorer
//!    can compare skeletons ("mhmd") with vowelled Latin spellings.
//!
//! The table is written by the project from general knowledge of Arabic,
//! Persian and Urdu names and their customary spellings.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::{Unit, push_unit};
use crate::normalize::fold;

/// Name words outside the given-name classes: Arabic (folded on load) →
/// Latin spellings, most common first.
const WORDS: &[(&str, &[&str])] = &[
    ("الله", &["allah"]),
    ("معمر", &["muammar", "moammar", "muamar"]),
    ("عبدالعزيز", &["abdulaziz", "abdelaziz", "abd al-aziz"]),
    ("بوتفليقة", &["bouteflika"]),
    ("مغنية", &["mughniyeh", "mughniyah"]),
    ("اسد", &["assad", "asad"]),
    ("جواد", &["javad", "jawad"]),
    ("الدين", &["al-din", "uddin"]),
    ("لادن", &["laden", "ladin"]),
    ("ظواهري", &["zawahiri", "zawahri"]),
    ("بغدادي", &["baghdadi"]),
    ("زرقاوي", &["zarqawi"]),
    ("جولاني", &["jawlani", "julani", "golani"]),
    ("قذافي", &["qaddafi", "gaddafi", "gadhafi", "kadhafi"]),
    ("مبارك", &["mubarak", "moubarak"]),
    ("صدام", &["saddam"]),
    ("تكريتي", &["tikriti"]),
    ("سيسي", &["sisi"]),
    ("بشير", &["bashir", "beshir"]),
    ("مرسي", &["morsi", "mursi"]),
    ("حريري", &["hariri"]),
    ("خامنئي", &["khamenei", "khamenei"]),
    ("خامنهاي", &["khamenei"]),
    ("روحاني", &["rouhani", "rohani"]),
    ("رئيسي", &["raisi", "raeisi"]),
    ("سليماني", &["soleimani", "suleimani", "solaimani"]),
    ("ظريف", &["zarif"]),
    ("خميني", &["khomeini"]),
    ("رفسنجاني", &["rafsanjani"]),
    ("احمدينژاد", &["ahmadinejad"]),
    ("احمدينجاد", &["ahmadinejad"]),
    ("نجاد", &["nejad", "najad"]),
    ("تميمي", &["tamimi"]),
    ("قحطاني", &["qahtani", "kahtani"]),
    ("عتيبي", &["otaibi", "utaybi"]),
    ("شمري", &["shammari", "shamari"]),
    ("دوسري", &["dosari", "dawsari"]),
    ("مطيري", &["mutairi", "mutayri"]),
    ("حربي", &["harbi"]),
    ("غامدي", &["ghamdi", "ghamidi"]),
    ("زهراني", &["zahrani"]),
    ("شهري", &["shehri", "shahri"]),
    ("عسيري", &["asiri", "assiri"]),
    ("يمني", &["yemeni", "yamani"]),
    ("مصري", &["masri", "misri"]),
    ("شامي", &["shami"]),
    ("ليبي", &["libi"]),
    ("تونسي", &["tunisi", "tounsi"]),
    ("جزائري", &["jazairi", "djazairi"]),
    ("مغربي", &["maghribi", "maghrebi"]),
    ("سوداني", &["sudani"]),
    ("صومالي", &["somali"]),
    ("عراقي", &["iraqi"]),
    ("كويتي", &["kuwaiti"]),
    ("انصاري", &["ansari"]),
    ("هاشمي", &["hashemi", "hashimi"]),
    ("حسني", &["hosni", "husni", "hassani"]),
    ("جبوري", &["jubouri", "jabouri", "jiburi"]),
    ("دليمي", &["dulaimi", "dulaymi"]),
    ("عبيدي", &["obeidi", "ubaidi"]),
    ("زيدي", &["zaidi"]),
    ("سعدي", &["saadi"]),
    ("خطيب", &["khatib"]),
    ("نجار", &["najjar"]),
    ("حداد", &["haddad"]),
    ("خوري", &["khoury", "khouri"]),
    ("مكتوم", &["maktoum", "maktum"]),
    ("نهيان", &["nahyan", "nahayan"]),
    ("ثاني", &["thani"]),
    ("صباح", &["sabah"]),
    ("خليفة", &["khalifa", "khalifah"]),
    ("سعود", &["saud"]),
    ("سلطان", &["sultan"]),
    ("سلمان", &["salman"]),
    ("طالبان", &["taliban"]),
    ("قاعدة", &["qaida", "qaeda"]),
    ("داعش", &["daesh", "daish"]),
    ("حزبالله", &["hizballah", "hezbollah", "hizbullah"]),
    ("حماس", &["hamas"]),
    ("جهاد", &["jihad"]),
    ("اسلامي", &["islami"]),
    ("اسلامية", &["islamiya", "islamiyya"]),
    ("دولة", &["dawla", "dawlat"]),
    ("شباب", &["shabaab", "shabab"]),
    ("انصار", &["ansar"]),
    ("نصرة", &["nusra", "nusrah"]),
    ("تحرير", &["tahrir"]),
    ("شام", &["sham"]),
    ("احرار", &["ahrar"]),
    ("جيش", &["jaish", "jaysh"]),
    ("بيت", &["bayt", "beit"]),
    ("مقدس", &["maqdis"]),
    ("عصائب", &["asaib"]),
    ("اهل", &["ahl"]),
    ("حق", &["haq", "haqq"]),
    ("كتائب", &["kataib"]),
    ("لشكر", &["lashkar"]),
    ("طيبة", &["taiba", "tayyiba"]),
    ("طيبه", &["taiba", "tayyiba"]),
    ("محمدرضا", &["mohammad reza", "mohammadreza"]),
    ("عليرضا", &["alireza", "ali reza"]),
    ("غلامرضا", &["gholamreza", "gholam reza"]),
    ("امير", &["amir", "ameer"]),
    ("فاطمه", &["fatemeh", "fatima"]),
    ("زهرا", &["zahra"]),
    ("زهراء", &["zahraa", "zahra"]),
    ("معصومه", &["masoumeh", "masoume"]),
    ("شريف", &["sharif", "sherif"]),
    ("عمران", &["imran", "omran"]),
    ("خان", &["khan"]),
    ("شاه", &["shah"]),
    ("بيبي", &["bibi"]),
    ("بيگم", &["begum"]),
    ("گل", &["gul"]),
    ("زرداري", &["zardari"]),
    ("بھٹو", &["bhutto"]),
    ("بهتو", &["bhutto"]),
    ("قريشي", &["qureshi", "quraishi"]),
    ("صديقي", &["siddiqui", "siddiqi"]),
    ("چودھري", &["chaudhry", "chaudhary"]),
    ("اقبال", &["iqbal"]),
    ("رامي", &["rami"]),
    ("هاني", &["hani", "hany"]),
    ("ماهر", &["maher", "mahir"]),
    ("ناجي", &["naji"]),
    ("باسل", &["basil", "bassel"]),
    ("بشار", &["bashar"]),
    ("رفعت", &["rifaat", "rifat"]),
    ("غازي", &["ghazi"]),
    ("عدنان", &["adnan"]),
    ("عزت", &["izzat", "ezzat"]),
    ("عصام", &["issam", "essam"]),
    ("عمار", &["ammar"]),
    ("عامر", &["amer", "amir"]),
    ("عمرو", &["amr", "amro"]),
    ("عوض", &["awad"]),
    ("فتحي", &["fathi", "fathy"]),
    ("فؤاد", &["fouad", "fuad"]),
    ("فواد", &["fouad", "fuad"]),
    ("لؤي", &["louay", "luay"]),
    ("مالك", &["malik", "malek"]),
    ("مصعب", &["musab", "mosab"]),
    ("معاذ", &["muadh", "moaz"]),
    ("مؤمن", &["moamen", "mumin"]),
    ("نايف", &["nayef", "naif"]),
    ("هيثم", &["haitham", "haytham"]),
    ("وسام", &["wissam", "wisam"]),
    ("يزيد", &["yazid", "yazeed"]),
    ("انس", &["anas"]),
    ("اياد", &["iyad", "eyad"]),
    ("ثامر", &["thamer", "thamir"]),
    ("جابر", &["jaber", "jabir"]),
    ("حاتم", &["hatem", "hatim"]),
    ("حازم", &["hazem", "hazim"]),
    ("حمدي", &["hamdi", "hamdy"]),
    ("حمود", &["hamoud", "hamud"]),
    ("سامر", &["samer", "samir"]),
    ("سيف", &["saif", "sayf", "seif"]),
    ("صابر", &["saber", "sabir"]),
    ("صبحي", &["subhi", "sobhi"]),
    ("ضياء", &["diaa", "ziya"]),
    ("عاطف", &["atef", "atif"]),
    ("علاء", &["alaa", "ala"]),
    ("غسان", &["ghassan"]),
    ("فراس", &["firas", "feras"]),
    ("قصي", &["qusay", "qusai"]),
    ("مجدي", &["magdy", "majdi"]),
    ("مختار", &["mukhtar", "mokhtar"]),
    ("مشعل", &["mishal", "meshal"]),
    ("نصر", &["nasr"]),
    ("وجدي", &["wagdy", "wajdi"]),
    ("بكري", &["bakri"]),
    ("مهندس", &["muhandis", "mohandes"]),
    ("عزالدين", &["izz al din", "ezzedine", "izzeddin"]),
    ("شمسالدين", &["shams al din", "shamsuddin"]),
    ("سيد", &["sayyid", "sayed", "syed"]),
    ("شيخ", &["sheikh", "shaykh"]),
    ("حاج", &["hajj", "haj"]),
    ("حاجي", &["haji", "hajji"]),
    ("ملا", &["mullah", "mulla"]),
    ("مولوي", &["mawlawi", "maulavi"]),
    ("شركة", &["sharikat", "company"]),
    ("مؤسسة", &["muassasat", "establishment"]),
    ("بنك", &["bank"]),
    ("مصرف", &["masraf", "bank"]),
    ("صرافة", &["sarafa", "exchange"]),
    ("للصرافة", &["lil sirafa", "exchange"]),
    ("تجارة", &["tijara", "trading"]),
    ("للتجارة", &["lil tijara", "trading"]),
    ("العامة", &["al amma", "general"]),
];

/// Particles and their spellings, most common first.
const PARTICLES: &[(&str, &[&str])] = &[
    ("بن", &["bin", "ben"]),
    ("ابن", &["ibn", "bin"]),
    ("بنت", &["bint"]),
    ("ابو", &["abu", "abou"]),
    ("ام", &["umm", "um"]),
    ("ال", &["al", "el"]),
    ("ولد", &["ould"]),
    ("اب", &["ab"]),
];

/// The dictionary: folded Arabic word → Latin spellings.
fn dictionary() -> &'static FxHashMap<String, Vec<&'static str>> {
    static DICT: OnceLock<FxHashMap<String, Vec<&'static str>>> = OnceLock::new();
    DICT.get_or_init(|| {
        let mut dict: FxHashMap<String, Vec<&'static str>> = FxHashMap::default();
        for (arabic, latin) in WORDS.iter().chain(PARTICLES) {
            dict.entry(fold(arabic)).or_insert_with(|| latin.to_vec());
        }
        // The Arabic members of the given-name classes, with the class's
        // first Latin spellings.
        for class in crate::names::given_classes() {
            let latin: Vec<&'static str> =
                class.iter().copied().filter(|s| s.is_ascii()).take(5).collect();
            if latin.is_empty() {
                continue;
            }
            for &member in *class {
                if member.chars().any(|c| matches!(c as u32, 0x0600..=0x06FF | 0x0750..=0x077F)) {
                    dict.entry(fold(member)).or_insert_with(|| latin.clone());
                }
            }
        }
        dict
    })
}

/// Renders a run of Arabic-script words into units (a unit may cover two
/// words: "عبد الله", "ابو بكر" stay separate units but "عبد" + "الX" is
/// one).
pub(super) fn units(words: &[&str]) -> Vec<Unit> {
    let dict = dictionary();
    let mut units = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        // "عبد الله", "عبد الرحمن": the servant-of names, one unit.
        if w == "عبد"
            && let Some(next) = words.get(i + 1)
        {
            let joined = format!("{w}{next}");
            let mut unit = Vec::new();
            if let Some(latin) = dict.get(&joined) {
                for l in latin {
                    push_unit(&mut unit, l);
                }
            } else {
                let rest = next.strip_prefix("ال").unwrap_or(next);
                for r in word_variants(rest, dict).iter().take(2) {
                    push_unit(&mut unit, &format!("abdul {r}"));
                    push_unit(&mut unit, &format!("abd al-{r}"));
                    push_unit(&mut unit, &format!("abdel {r}"));
                }
            }
            units.push(unit);
            i += 2;
            continue;
        }
        // "نصر الله", "نور الدين": names ending in Allah or al-Din are
        // written as one word in Latin ("nasrallah", "nuruddin").
        if let Some(&next) = words.get(i + 1)
            && (next == "الله" || next == "الدين")
        {
            let joined = format!("{w}{next}");
            let mut unit = Vec::new();
            if let Some(latin) = dict.get(&joined) {
                for l in latin {
                    push_unit(&mut unit, l);
                }
            } else {
                let head = word_variants(w, dict);
                let suffixes: &[&str] = if next == "الله" {
                    &["ullah", "allah", " allah"]
                } else {
                    &["uddin", "eddine", " al-din"]
                };
                for h in head.iter().take(2) {
                    for s in suffixes {
                        push_unit(&mut unit, &format!("{h}{s}"));
                    }
                }
            }
            units.push(unit);
            i += 2;
            continue;
        }
        units.push(word_variants(w, dict));
        i += 1;
    }
    units
}

/// The spellings of one word: dictionary, article + dictionary, or the
/// skeleton romanisation.
fn word_variants(w: &str, dict: &FxHashMap<String, Vec<&'static str>>) -> Unit {
    let mut unit = Vec::new();
    if let Some(latin) = dict.get(w) {
        for l in latin {
            push_unit(&mut unit, l);
        }
        return unit;
    }
    // The article, written joined: "الظواهري" → "al-zawahiri".
    if let Some(rest) = w.strip_prefix("ال")
        && rest.chars().count() >= 2
    {
        let inner = word_variants(rest, dict);
        for r in inner.iter().take(3) {
            push_unit(&mut unit, &format!("al-{r}"));
        }
        if let Some(r) = inner.first() {
            push_unit(&mut unit, &format!("el-{r}"));
            push_unit(&mut unit, &format!("al{r}"));
        }
        return unit;
    }
    // "لل" (for the): "للتجارة" → "lil-tijara".
    // A nisba or feminine ending on a known word: "المصرية" is rare in
    // names; fall through to the skeleton.
    push_unit(&mut unit, &skeleton_romanisation(w));
    unit
}

/// Romanises an unknown word letter by letter, keeping the long vowels the
/// script writes and guessing "a" between two written consonants:
/// "بوتين" → "butin", "قاسم" → "qasam".
fn skeleton_romanisation(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let mut out = String::with_capacity(word.len() * 2);
    let mut prev_consonant = false;
    for (i, &c) in chars.iter().enumerate() {
        let start = i == 0;
        let last = i + 1 == n;
        let r = match c {
            'ا' | 'آ' | 'أ' | 'إ' => "a",
            'ب' => "b",
            'ت' => "t",
            'ث' => "th",
            'ج' => "j",
            'ح' => "h",
            'خ' => "kh",
            'د' => "d",
            'ذ' => "dh",
            'ر' => "r",
            'ز' => "z",
            'س' => "s",
            'ش' => "sh",
            'ص' => "s",
            'ض' => "d",
            'ط' => "t",
            'ظ' => "z",
            // Ayn: a vowel sound at the start ("omar", "ali"), else silent.
            'ع' if start => "a",
            'ع' => "",
            'غ' => "gh",
            'ف' => "f",
            'ق' => "q",
            'ك' | 'ک' => "k",
            'ل' => "l",
            'م' => "m",
            'ن' | 'ں' => "n",
            'ه' | 'ھ' | 'ہ' => {
                if last && i > 0 {
                    "a"
                } else {
                    "h"
                }
            }
            'ة' => "a",
            'و' => {
                if start {
                    "w"
                } else {
                    "u"
                }
            }
            'ي' | 'ى' | 'ی' => {
                if start {
                    "y"
                } else {
                    "i"
                }
            }
            'ء' | 'ئ' | 'ؤ' => "",
            'پ' => "p",
            'چ' => "ch",
            'ژ' => "zh",
            'گ' => "g",
            'ٹ' => "t",
            'ڈ' => "d",
            'ڑ' => "r",
            _ => "",
        };
        if r.is_empty() {
            continue;
        }
        // Two written consonants in a row almost always have a short vowel
        // between them: "صمد" → "samad", "قاسم" → "qasam".
        let consonant = !matches!(r, "a" | "i" | "u");
        if consonant && prev_consonant {
            out.push('a');
        }
        prev_consonant = consonant;
        out.push_str(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{skeleton_romanisation, units};

    #[test]
    fn skeletons() {
        assert_eq!(skeleton_romanisation("بوتين"), "butin");
        assert_eq!(skeleton_romanisation("قاسم"), "qasam");
        assert_eq!(skeleton_romanisation("صمد"), "samad");
    }

    #[test]
    fn servant_of_names() {
        let u = units(&["عبد", "الرحمن"]);
        assert_eq!(u.len(), 1);
        assert!(u[0].iter().any(|v| v == "abdulrahman"), "{u:?}");
        let u = units(&["عبد", "الصمد"]);
        assert!(u[0].iter().any(|v| v == "abdul samad"), "{u:?}");
    }
}
