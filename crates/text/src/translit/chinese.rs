//! Han-character names → Latin: Chinese (pinyin), and the Korean and
//! Japanese readings of the same characters.
//!
//! A name in Han characters alone may be Chinese, Korean (金正恩) or
//! Japanese (山田太郎); nothing in the script says which. So all readings
//! that apply are produced: the Japanese one when the name splits into a
//! known Japanese family name and given name, the pinyin one always
//! (surname, then the given name joined "xi jinping" and split "xi jin
//! ping"), the Sino-Korean one when every character has a Korean reading
//! and the first is a Korean surname, and finally the older or Cantonese
//! spellings of the Chinese surname (Wong, Lee, Chan, Cheung).
//!
//! Pinyin comes from `deunicode` (the most frequent Mandarin reading),
//! corrected for surnames that read differently as surnames (曾 Zeng, 单
//! Shan). The surname tables are written by the project from general
//! knowledge of Chinese surnames and their romanisations.

use super::{hangul, japanese};

/// Two-character surnames (simplified and traditional).
const COMPOUND_SURNAMES: &[&str] = &[
    "欧阳", "歐陽", "司马", "司馬", "诸葛", "諸葛", "上官", "慕容", "司徒", "夏侯", "皇甫", "尉迟",
    "尉遲", "公孙", "公孫", "长孙", "長孫", "宇文", "令狐", "东方", "東方", "独孤", "獨孤", "南宫",
    "南宮", "西门", "西門", "轩辕", "軒轅", "端木", "澹台", "申屠", "太史", "闻人", "聞人", "万俟",
    "萬俟", "呼延", "赫连", "赫連", "司空",
];

/// Surname characters whose surname reading differs from the most
/// frequent reading.
const SURNAME_READINGS: &[(char, &str)] = &[
    ('曾', "zeng"),
    ('单', "shan"),
    ('單', "shan"),
    ('解', "xie"),
    ('仇', "qiu"),
    ('区', "ou"),
    ('區', "ou"),
    ('查', "zha"),
    ('盖', "ge"),
    ('蓋', "ge"),
    ('朴', "piao"),
    ('覃', "qin"),
    ('乐', "yue"),
    ('樂', "yue"),
    ('尉', "yu"),
    ('任', "ren"),
    ('华', "hua"),
    ('華', "hua"),
    ('沈', "shen"),
    ('藏', "zang"),
    ('缪', "miao"),
    ('繆', "miao"),
    ('翟', "zhai"),
    ('秘', "bi"),
    ('种', "chong"),
    ('員', "yun"),
    ('员', "yun"),
];

/// Older (Wade–Giles) and Cantonese or Hokkien spellings of the common
/// pinyin surnames, most frequent first.
const SURNAME_SPELLINGS: &[(&str, &[&str])] = &[
    ("wang", &["wong"]),
    ("li", &["lee", "lei"]),
    ("zhang", &["chang", "cheung"]),
    ("chen", &["chan", "chin", "tan"]),
    ("liu", &["lau", "lao"]),
    ("yang", &["yeung", "young"]),
    ("huang", &["wong", "hwang", "ng"]),
    ("zhao", &["chao", "chiu"]),
    ("wu", &["ng", "woo"]),
    ("zhou", &["chou", "chow"]),
    ("xu", &["hsu", "hui", "tsui"]),
    ("sun", &["suen"]),
    ("ma", &["mah"]),
    ("zhu", &["chu"]),
    ("hu", &["woo"]),
    ("guo", &["kuo", "kwok"]),
    ("he", &["ho"]),
    ("gao", &["kao", "ko"]),
    ("lin", &["lam", "lim"]),
    ("luo", &["lo", "law"]),
    ("zheng", &["cheng", "cheang"]),
    ("liang", &["leung"]),
    ("xie", &["hsieh", "tse"]),
    ("song", &["sung"]),
    ("tang", &["tong"]),
    ("deng", &["teng", "tang"]),
    ("feng", &["fung"]),
    ("cao", &["tsao", "tso"]),
    ("peng", &["pang"]),
    ("zeng", &["tseng", "tsang"]),
    ("xiao", &["hsiao", "siu"]),
    ("tian", &["tien"]),
    ("dong", &["tung"]),
    ("pan", &["poon", "pun"]),
    ("yuan", &["yuen"]),
    ("cai", &["tsai", "choi", "chua"]),
    ("jiang", &["chiang", "kong"]),
    ("yu", &["yue", "yee"]),
    ("du", &["tu", "to"]),
    ("ye", &["yeh", "yip"]),
    ("cheng", &["ching"]),
    ("wei", &["wai"]),
    ("su", &["so"]),
    ("lu", &["lo", "loo"]),
    ("ding", &["ting"]),
    ("ren", &["jen", "yam"]),
    ("shen", &["shum", "sham"]),
    ("yao", &["yiu"]),
    ("qian", &["chien"]),
    ("jin", &["chin", "kam"]),
    ("kong", &["kung", "hung"]),
    ("bai", &["pai", "pak"]),
    ("cui", &["tsui", "chui"]),
    ("qiu", &["chiu", "yau"]),
    ("xi", &["hsi"]),
    ("mao", &["mo"]),
    ("zou", &["tsou", "chau"]),
    ("xiong", &["hsiung", "hung"]),
    ("jia", &["chia", "ka"]),
    ("fang", &["fong"]),
    ("shi", &["shih", "sze"]),
    ("kang", &["hong"]),
    ("hou", &["hau"]),
    ("ou", &["au"]),
    ("ouyang", &["auyeung", "ouyoung"]),
];

/// The pinyin syllable of one Han character (lower case, no spaces).
fn pinyin(c: char) -> String {
    deunicode::deunicode_char(c).unwrap_or("").trim().to_lowercase()
}

/// The renderings of a name written in Han characters.
pub(super) fn han_name_variants(words: &[&str]) -> Vec<String> {
    let joined: String = words.concat();
    let chars: Vec<char> = joined.chars().collect();
    if chars.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(8);
    let mut push = |s: String| {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    };

    // Japanese reading first when the name is a known Japanese name: its
    // Chinese reading ("shan tian tai lang") is never how it is written.
    let japanese = japanese::kanji_name(words);
    let is_japanese = !japanese.is_empty();
    for v in japanese.iter().take(2) {
        push(v.clone());
    }

    // Surname: the first written word, a compound surname, or one char.
    let surname_len = if words.len() > 1 {
        words[0].chars().count()
    } else if chars.len() >= 3
        && COMPOUND_SURNAMES.contains(&chars[..2].iter().collect::<String>().as_str())
    {
        2
    } else {
        1
    }
    .min(chars.len());
    let surname: String = chars[..surname_len]
        .iter()
        .map(|&c| {
            if surname_len == 1
                && let Some((_, r)) = SURNAME_READINGS.iter().find(|(s, _)| *s == c)
            {
                return (*r).to_owned();
            }
            pinyin(c)
        })
        .collect();
    let given: Vec<String> = chars[surname_len..].iter().map(|&c| pinyin(c)).collect();
    let given_joined = given.concat();
    let given_split = given.join(" ");
    push(format!("{surname} {given_joined}").trim().to_owned());
    if given.len() > 1 {
        push(format!("{surname} {given_split}"));
    }

    // Korean reading.
    let korean = hangul::from_hanja(&joined);
    for v in korean.iter().take(if is_japanese { 2 } else { 4 }) {
        push(v.clone());
    }

    // Older and Cantonese spellings of the surname.
    if let Some((_, others)) = SURNAME_SPELLINGS.iter().find(|(p, _)| *p == surname) {
        for o in others.iter().take(2) {
            push(format!("{o} {given_joined}").trim().to_owned());
        }
    }
    for v in japanese.iter().skip(2) {
        push(v.clone());
    }
    for v in korean.iter().skip(4) {
        push(v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::han_name_variants;

    fn check(input: &str, expected: &str) {
        let v = han_name_variants(&[input]);
        assert!(v.iter().any(|x| x == expected), "{input} -> {v:?} lacks {expected:?}");
    }

    #[test]
    fn names() {
        check("习近平", "xi jinping");
        check("习近平", "xi jin ping");
        check("李明", "li ming");
        check("李明", "lee ming");
        check("王伟", "wang wei");
        check("王伟", "wong wei");
        check("欧阳修", "ouyang xiu");
        check("曾庆红", "zeng qinghong");
        check("金正恩", "kim jong un");
        check("山田太郎", "yamada taro");
        assert_eq!(han_name_variants(&["山田太郎"])[0], "yamada taro");
    }
}
