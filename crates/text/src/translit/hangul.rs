//! Korean (Hangul) → Latin.
//!
//! Korean names are romanised syllable by syllable (no sound changes across
//! syllables, as the Revised Romanisation rules allow for names), in four
//! conventions written by the project from the published systems:
//!
//! - Revised Romanisation (South Korea, 2000): 정 → jeong, 은 → eun;
//! - McCune–Reischauer without diacritics, as North Korea's official
//!   English uses it: 정 → jong, 은 → un, 성 → song, ㄱ/ㄷ/ㅂ → k/t/p;
//! - the popular South Korean spelling of passports and the press: 성 →
//!   sung, 현 → hyun, 영 → young, ㅜ → oo (Ban Ki-moon, Moon Jae-in);
//! - the same with ㅜ → u (Park Ji-sung, Lee Min-ho).
//!
//! Surnames have customary spellings that no system produces (김 Kim,
//! 이 Lee / Ri / Yi / Rhee, 박 Park / Pak): the table below gives the South
//! Korean, North Korean and strict RR spelling of the common ones.

use super::hanja;

/// Romanisation conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Convention {
    Revised,
    North,
    PopularOo,
    PopularU,
}

/// Surnames: (Hangul, South Korean customary, North Korean, strict RR,
/// other spellings).
const SURNAMES: &[(&str, &str, &str, &str, &[&str])] = &[
    ("김", "kim", "kim", "gim", &[]),
    ("이", "lee", "ri", "i", &["yi", "rhee"]),
    ("리", "ri", "ri", "ri", &["lee"]),
    ("박", "park", "pak", "bak", &[]),
    ("최", "choi", "choe", "choe", &[]),
    ("정", "jung", "jong", "jeong", &["chung"]),
    ("강", "kang", "kang", "gang", &[]),
    ("조", "cho", "jo", "jo", &[]),
    ("윤", "yoon", "yun", "yun", &[]),
    ("장", "jang", "jang", "jang", &["chang"]),
    ("임", "lim", "rim", "im", &["yim"]),
    ("림", "lim", "rim", "rim", &[]),
    ("한", "han", "han", "han", &[]),
    ("오", "oh", "o", "o", &[]),
    ("서", "seo", "so", "seo", &["suh"]),
    ("신", "shin", "sin", "sin", &[]),
    ("권", "kwon", "kwon", "gwon", &[]),
    ("황", "hwang", "hwang", "hwang", &[]),
    ("안", "ahn", "an", "an", &[]),
    ("송", "song", "song", "song", &[]),
    ("류", "ryu", "ryu", "ryu", &["yoo", "yu"]),
    ("유", "yoo", "yu", "yu", &["you"]),
    ("홍", "hong", "hong", "hong", &[]),
    ("전", "jeon", "jon", "jeon", &["chun", "jun"]),
    ("고", "ko", "ko", "go", &[]),
    ("문", "moon", "mun", "mun", &[]),
    ("양", "yang", "ryang", "yang", &[]),
    ("량", "ryang", "ryang", "ryang", &["yang"]),
    ("손", "son", "son", "son", &["sohn"]),
    ("배", "bae", "pae", "bae", &[]),
    ("백", "baek", "paek", "baek", &["paik"]),
    ("허", "heo", "ho", "heo", &["hur"]),
    ("남", "nam", "nam", "nam", &[]),
    ("심", "shim", "sim", "sim", &[]),
    ("노", "roh", "no", "no", &["noh"]),
    ("로", "ro", "ro", "ro", &["roh"]),
    ("하", "ha", "ha", "ha", &[]),
    ("곽", "kwak", "kwak", "gwak", &[]),
    ("성", "sung", "song", "seong", &[]),
    ("차", "cha", "cha", "cha", &[]),
    ("주", "joo", "ju", "ju", &["chu"]),
    ("우", "woo", "u", "u", &[]),
    ("구", "koo", "ku", "gu", &[]),
    ("민", "min", "min", "min", &[]),
    ("진", "jin", "jin", "jin", &["chin"]),
    ("지", "ji", "ji", "ji", &[]),
    ("엄", "eom", "om", "eom", &["um"]),
    ("채", "chae", "chae", "chae", &[]),
    ("원", "won", "won", "won", &[]),
    ("천", "cheon", "chon", "cheon", &["chun"]),
    ("방", "bang", "pang", "bang", &[]),
    ("공", "kong", "kong", "gong", &[]),
    ("현", "hyun", "hyon", "hyeon", &[]),
    ("함", "ham", "ham", "ham", &[]),
    ("변", "byun", "pyon", "byeon", &[]),
    ("염", "yeom", "yom", "yeom", &[]),
    ("여", "yeo", "yo", "yeo", &[]),
    ("추", "choo", "chu", "chu", &[]),
    ("도", "do", "to", "do", &[]),
    ("석", "seok", "sok", "seok", &["suk"]),
    ("선", "sun", "son", "seon", &[]),
    ("설", "seol", "sol", "seol", &[]),
    ("길", "gil", "kil", "gil", &[]),
    ("연", "yeon", "yon", "yeon", &[]),
    ("명", "myung", "myong", "myeong", &[]),
    ("기", "ki", "ki", "gi", &[]),
    ("반", "ban", "pan", "ban", &[]),
    ("금", "keum", "kum", "geum", &[]),
    ("육", "yook", "yuk", "yuk", &[]),
    ("국", "kook", "kuk", "guk", &[]),
    ("편", "pyun", "phyon", "pyeon", &[]),
    ("용", "yong", "ryong", "yong", &[]),
    ("룡", "ryong", "ryong", "ryong", &[]),
    ("남궁", "namgung", "namgung", "namgung", &[]),
    ("황보", "hwangbo", "hwangbo", "hwangbo", &[]),
    ("제갈", "jegal", "jegal", "jegal", &[]),
    ("선우", "sunwoo", "sonu", "seonu", &[]),
    ("독고", "dokgo", "tokko", "dokgo", &[]),
    ("사공", "sagong", "sagong", "sagong", &[]),
    ("서문", "seomun", "somun", "seomun", &[]),
    ("동방", "dongbang", "tongbang", "dongbang", &[]),
];

const INITIAL_RR: [&str; 19] = [
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
    "h",
];
const INITIAL_NORTH: [&str; 19] = [
    "k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "kh", "th",
    "ph", "h",
];
const MEDIAL_RR: [&str; 21] = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
const MEDIAL_NORTH: [&str; 21] = [
    "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
    "wi", "yu", "u", "ui", "i",
];
const MEDIAL_POPULAR: [&str; 21] = [
    "a", "ae", "ya", "yae", "u", "e", "yu", "ye", "o", "wa", "wae", "oe", "yo", "oo", "wo", "we",
    "wi", "yu", "eu", "ui", "i",
];
const FINAL: [&str; 28] = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
    "t", "t", "ng", "t", "t", "k", "t", "p", "t",
];

/// Romanises one Hangul syllable; other chars pass through.
fn syllable(c: char, conv: Convention) -> String {
    let cp = c as u32;
    if !(0xAC00..=0xD7A3).contains(&cp) {
        return c.to_string();
    }
    let code = (cp - 0xAC00) as usize;
    let (ini, med, fin) = (code / 588, (code % 588) / 28, code % 28);
    let initial = match conv {
        Convention::North => INITIAL_NORTH[ini],
        Convention::PopularOo | Convention::PopularU if ini == 0 => {
            // ㄱ reads k before i, y and w in the popular spelling (ki,
            // kyung, kwang) and g elsewhere (geun).
            if matches!(MEDIAL_RR[med].as_bytes().first(), Some(b'i' | b'y' | b'w')) {
                "k"
            } else {
                "g"
            }
        }
        _ => INITIAL_RR[ini],
    };
    let medial = match conv {
        Convention::Revised => MEDIAL_RR[med],
        Convention::North => MEDIAL_NORTH[med],
        // A vowel without a consonant before it keeps its RR spelling in
        // the popular style ("yeol", not "yul").
        Convention::PopularOo | Convention::PopularU if ini == 11 && matches!(med, 4 | 6) => {
            MEDIAL_RR[med]
        }
        Convention::PopularOo => MEDIAL_POPULAR[med],
        Convention::PopularU => {
            if med == 13 {
                "u"
            } else {
                MEDIAL_POPULAR[med]
            }
        }
    };
    let mut s = String::with_capacity(8);
    s.push_str(initial);
    // 영 is "young" in the popular spelling.
    if matches!(conv, Convention::PopularOo | Convention::PopularU)
        && ini == 11
        && med == 6
        && fin == 21
    {
        s.push_str("young");
        return s;
    }
    s.push_str(medial);
    s.push_str(FINAL[fin]);
    s
}

/// Romanises a run of syllables, space-separated.
fn syllables(text: &str, conv: Convention) -> String {
    text.chars().map(|c| syllable(c, conv)).collect::<Vec<_>>().join(" ")
}

fn surname_entry(
    s: &str,
) -> Option<&'static (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
)> {
    SURNAMES.iter().find(|e| e.0 == s)
}

/// The Latin renderings of a Korean name in Hangul (words as written; a
/// name written with spaces is taken as surname + given name).
pub(super) fn name_variants(words: &[&str]) -> Vec<String> {
    let joined: String = words.concat();
    if joined.is_empty() {
        return Vec::new();
    }
    let chars: Vec<char> = joined.chars().collect();
    if !chars.iter().all(|&c| (0xAC00..=0xD7A3).contains(&(c as u32))) {
        return vec![syllables(&joined, Convention::Revised)];
    }
    // The surname: the first written word if there are several, else a
    // two-syllable compound surname when the name is long enough, else the
    // first syllable.
    let surname_len = if words.len() > 1 {
        words[0].chars().count()
    } else if chars.len() >= 3 && surname_entry(&chars[..2].iter().collect::<String>()).is_some() {
        2
    } else {
        1
    };
    let surname: String = chars[..surname_len.min(chars.len())].iter().collect();
    let given: String = chars[surname_len.min(chars.len())..].iter().collect();
    let entry = surname_entry(&surname);
    let mut out = Vec::with_capacity(6);
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };
    let convs =
        [Convention::Revised, Convention::North, Convention::PopularOo, Convention::PopularU];
    for conv in convs {
        let sur = match (entry, conv) {
            (Some(e), Convention::North) => e.2.to_owned(),
            (Some(e), _) => e.1.to_owned(),
            (None, _) => syllables(&surname, conv).replace(' ', ""),
        };
        let giv = syllables(&given, conv);
        push(format!("{sur} {giv}").trim().to_owned());
    }
    if let Some(e) = entry {
        push(format!("{} {}", e.3, syllables(&given, Convention::Revised)).trim().to_owned());
        for other in e.4 {
            push(format!("{other} {}", syllables(&given, Convention::PopularU)).trim().to_owned());
        }
    }
    // The given name written as one word ("kim jongun"), in the two
    // official systems.
    if given.chars().count() > 1 {
        for conv in [Convention::Revised, Convention::North] {
            let sur = match (entry, conv) {
                (Some(e), Convention::North) => e.2.to_owned(),
                (Some(e), _) => e.1.to_owned(),
                (None, _) => syllables(&surname, conv).replace(' ', ""),
            };
            push(format!("{sur} {}", syllables(&given, conv).replace(' ', "")));
        }
    }
    out
}

/// The Korean renderings of a Han name through its Sino-Korean reading,
/// if every character has one and the first is a Korean surname.
pub(super) fn from_hanja(han: &str) -> Vec<String> {
    let Some(reading) = hanja::korean_reading(han) else { return Vec::new() };
    let chars: Vec<char> = reading.chars().collect();
    if !(2..=4).contains(&chars.len()) {
        return Vec::new();
    }
    let first: String = chars[..1].iter().collect();
    let first_two: String = chars[..2].iter().collect();
    if surname_entry(&first).is_none() && surname_entry(&first_two).is_none() {
        return Vec::new();
    }
    name_variants(&[&reading])
}

#[cfg(test)]
mod tests {
    use super::name_variants;

    fn check(input: &str, expected: &str) {
        let v = name_variants(&[input]);
        assert!(v.iter().any(|x| x == expected), "{input} -> {v:?} lacks {expected:?}");
    }

    #[test]
    fn names() {
        check("김정은", "kim jong un");
        check("김정은", "kim jeong eun");
        check("김정은", "gim jeong eun");
        check("박지성", "park ji sung");
        check("이민호", "lee min ho");
        check("반기문", "ban ki moon");
        check("윤석열", "yoon suk yeol");
        check("김영삼", "kim young sam");
        check("최룡해", "choe ryong hae");
        check("남궁민", "namgung min");
    }
}
