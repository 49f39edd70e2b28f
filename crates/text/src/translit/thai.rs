//! Thai → Latin, after the Royal Thai General System (RTGS).
//!
//! Written by the project from the RTGS tables: initial and final values
//! of the consonants, the vowels written before, above, below and after
//! the consonant, the inherent vowels (o between two consonants, a at the
//! end of an open syllable), and the silencing mark ์. Thai has no spaces
//! between syllables, so syllables are found by the usual heuristic: a
//! consonant followed by a vowel mark starts a syllable, one followed by
//! another consonant closes it. Tone marks do not appear in RTGS.

/// Renders a Thai word: the RTGS-like spelling.
pub(super) fn variants(word: &str) -> Vec<String> {
    let r = render(word);
    if r.is_empty() { Vec::new() } else { vec![r] }
}

fn is_consonant(c: char) -> bool {
    ('\u{0E01}'..='\u{0E2E}').contains(&c)
}

fn is_pre_vowel(c: char) -> bool {
    ('\u{0E40}'..='\u{0E44}').contains(&c)
}

/// Vowel marks and signs written after or around the consonant (tone
/// marks included: they are skipped).
fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0E30..=0x0E39 | 0x0E47..=0x0E4B)
}

/// The value of a consonant at the start of a syllable.
fn initial(c: char) -> &'static str {
    match c {
        'ก' => "k",
        'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "kh",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ฌ' => "ch",
        'ซ' | 'ศ' | 'ษ' | 'ส' => "s",
        'ญ' | 'ย' => "y",
        'ฎ' | 'ด' => "d",
        'ฏ' | 'ต' => "t",
        'ฐ' | 'ฑ' | 'ฒ' | 'ถ' | 'ท' | 'ธ' => "th",
        'ณ' | 'น' => "n",
        'บ' => "b",
        'ป' => "p",
        'ผ' | 'พ' | 'ภ' => "ph",
        'ฝ' | 'ฟ' => "f",
        'ม' => "m",
        'ร' => "r",
        'ล' | 'ฬ' => "l",
        'ว' => "w",
        'ห' | 'ฮ' => "h",
        _ => "",
    }
}

/// The value of a consonant closing a syllable.
fn final_sound(c: char) -> &'static str {
    match c {
        'ก' | 'ข' | 'ฃ' | 'ค' | 'ฅ' | 'ฆ' => "k",
        'ง' => "ng",
        'จ' | 'ฉ' | 'ช' | 'ซ' | 'ฌ' | 'ฎ' | 'ฏ' | 'ฐ' | 'ฑ' | 'ฒ' | 'ด' | 'ต' | 'ถ' | 'ท' | 'ธ'
        | 'ศ' | 'ษ' | 'ส' => "t",
        'ญ' | 'ณ' | 'น' | 'ร' | 'ล' | 'ฬ' => "n",
        'บ' | 'ป' | 'ผ' | 'ฝ' | 'พ' | 'ฟ' | 'ภ' => "p",
        'ม' => "m",
        'ย' => "i",
        'ว' => "o",
        _ => "",
    }
}

/// Drops the letters the silencing mark ์ silences: the consonant under
/// it, and a consonant cluster's first letter before it ("จันทร์" → "จัน").
fn drop_silent(word: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(word.len());
    for c in word.chars() {
        if c == '\u{0E4C}' {
            // Remove the silenced consonant (and any vowel mark on it).
            while out.last().is_some_and(|&p| is_mark(p)) {
                out.pop();
            }
            out.pop();
            if out.len() >= 2
                && out.last().is_some_and(|&p| is_consonant(p))
                && is_consonant(out[out.len() - 2])
            {
                out.pop();
            }
            continue;
        }
        if c == 'ๆ' {
            continue;
        }
        out.push(c);
    }
    out
}

fn render(word: &str) -> String {
    let chars = drop_silent(word);
    let n = chars.len();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < n {
        let mut pre = None;
        if is_pre_vowel(chars[i]) {
            pre = Some(chars[i]);
            i += 1;
        }
        if i >= n {
            break;
        }
        if !is_consonant(chars[i]) {
            i += 1;
            continue;
        }
        let mut c1 = chars[i];
        i += 1;
        // A silent ห or อ leading a sonorant: หม → m, อย → y.
        if matches!(c1, 'ห' | 'อ')
            && i < n
            && matches!(chars[i], 'ง' | 'ญ' | 'น' | 'ม' | 'ย' | 'ร' | 'ล' | 'ว')
            && (pre.is_some() || chars.get(i + 1).is_some_and(|&c| is_mark(c)))
        {
            c1 = chars[i];
            i += 1;
        }
        let mut init = initial(c1).to_owned();
        // Clusters: กร, คล, ปร, ...
        if i + 1 < n
            && matches!(chars[i], 'ร' | 'ล' | 'ว')
            && matches!(c1, 'ก' | 'ข' | 'ค' | 'ต' | 'ป' | 'พ' | 'บ' | 'ด' | 'ผ' | 'ฟ')
            && (is_mark(chars[i + 1]) || pre.is_some())
        {
            init.push_str(initial(chars[i]));
            i += 1;
        }
        let mut marks: Vec<char> = Vec::new();
        while i < n && is_mark(chars[i]) {
            if !matches!(chars[i] as u32, 0x0E48..=0x0E4B) {
                marks.push(chars[i]);
            }
            i += 1;
        }
        let has = |c: char| marks.contains(&c);
        let next = chars.get(i).copied();
        let mut vowel: String = match pre {
            Some('เ') => {
                if has('า') {
                    "ao".into()
                } else if has('ี') && next == Some('ย') {
                    i += 1;
                    "ia".into()
                } else if has('ื') && next == Some('อ') {
                    i += 1;
                    "uea".into()
                } else if has('ิ') || (marks.is_empty() && next == Some('อ')) {
                    if next == Some('อ') {
                        i += 1;
                    }
                    "oe".into()
                } else {
                    "e".into()
                }
            }
            Some('แ') => "ae".into(),
            Some('โ') => "o".into(),
            Some('ใ' | 'ไ') => "ai".into(),
            _ => {
                if has('ั') && next == Some('ว') {
                    i += 1;
                    "ua".into()
                } else if has('ำ') {
                    "am".into()
                } else if has('ั') || has('า') || has('ะ') {
                    "a".into()
                } else if has('ิ') || has('ี') {
                    "i".into()
                } else if has('ึ') || has('ื') {
                    if next == Some('อ') {
                        i += 1;
                    }
                    "ue".into()
                } else if has('ุ') || has('ู') {
                    "u".into()
                } else if has('็') {
                    "e".into()
                } else if next == Some('อ')
                    && chars.get(i + 1).is_none_or(|&c| is_consonant(c) || is_pre_vowel(c))
                {
                    i += 1;
                    "o".into()
                } else if next == Some('ว')
                    && chars.get(i + 1).is_some_and(|&c| is_consonant(c))
                    && chars.get(i + 2).is_none_or(|&c| !is_mark(c))
                {
                    i += 1;
                    "ua".into()
                } else {
                    String::new()
                }
            }
        };
        // The closing consonant: a consonant not carrying a vowel mark of
        // its own.
        let mut fin = "";
        if let Some(c) = chars.get(i).copied()
            && is_consonant(c)
            && chars.get(i + 1).is_none_or(|&d| !is_mark(d))
            && !has('ะ')
        {
            // A consonant followed by ร with no vowel at the end of a word
            // ("ชินวัตร") closes the syllable; the ร is silent.
            fin = final_sound(c);
            i += 1;
            if chars.get(i) == Some(&'ร') && i + 1 == n {
                i += 1;
            }
        }
        if vowel.is_empty() {
            vowel = if fin.is_empty() { "a".into() } else { "o".into() };
        }
        if vowel.ends_with('i') && fin == "i" {
            fin = "";
        }
        out.push_str(&init);
        out.push_str(&vowel);
        out.push_str(fin);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn rtgs() {
        let cases: &[(&str, &str)] = &[
            ("สมชาย", "somchai"),
            ("ทักษิณ", "thaksin"),
            ("ประยุทธ์", "prayut"),
            ("จันทร์โอชา", "chanocha"),
            ("ไทย", "thai"),
            ("สมศักดิ์", "somsak"),
        ];
        for (thai, expected) in cases {
            assert_eq!(render(thai), *expected, "render({thai:?})");
        }
    }
}
