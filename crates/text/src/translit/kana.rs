//! Hiragana and katakana → Hepburn romanisation.
//!
//! The table is the Hepburn system (written by the project from the
//! standard): syllables, contracted sounds (きゃ kya, しょ sho), the
//! small っ doubling the next consonant, the katakana long-vowel mark and
//! the small vowels katakana uses for foreign sounds (ファ fa, ティ ti).

/// The Hepburn syllable of a hiragana char (katakana is mapped to hiragana
/// first). `None` for the small kana and marks handled by the caller.
fn base(c: char) -> Option<&'static str> {
    Some(match c {
        'あ' => "a",
        'い' => "i",
        'う' => "u",
        'え' => "e",
        'お' => "o",
        'か' => "ka",
        'き' => "ki",
        'く' => "ku",
        'け' => "ke",
        'こ' => "ko",
        'さ' => "sa",
        'し' => "shi",
        'す' => "su",
        'せ' => "se",
        'そ' => "so",
        'た' => "ta",
        'ち' => "chi",
        'つ' => "tsu",
        'て' => "te",
        'と' => "to",
        'な' => "na",
        'に' => "ni",
        'ぬ' => "nu",
        'ね' => "ne",
        'の' => "no",
        'は' => "ha",
        'ひ' => "hi",
        'ふ' => "fu",
        'へ' => "he",
        'ほ' => "ho",
        'ま' => "ma",
        'み' => "mi",
        'む' => "mu",
        'め' => "me",
        'も' => "mo",
        'や' => "ya",
        'ゆ' => "yu",
        'よ' => "yo",
        'ら' => "ra",
        'り' => "ri",
        'る' => "ru",
        'れ' => "re",
        'ろ' => "ro",
        'わ' => "wa",
        'ゐ' => "i",
        'ゑ' => "e",
        'を' => "o",
        'ん' => "n",
        'が' => "ga",
        'ぎ' => "gi",
        'ぐ' => "gu",
        'げ' => "ge",
        'ご' => "go",
        'ざ' => "za",
        'じ' => "ji",
        'ず' => "zu",
        'ぜ' => "ze",
        'ぞ' => "zo",
        'だ' => "da",
        'ぢ' => "ji",
        'づ' => "zu",
        'で' => "de",
        'ど' => "do",
        'ば' => "ba",
        'び' => "bi",
        'ぶ' => "bu",
        'べ' => "be",
        'ぼ' => "bo",
        'ぱ' => "pa",
        'ぴ' => "pi",
        'ぷ' => "pu",
        'ぺ' => "pe",
        'ぽ' => "po",
        'ゔ' => "vu",
        'ゕ' => "ka",
        'ゖ' => "ke",
        _ => return None,
    })
}

/// Maps katakana to hiragana (same layout, 0x60 apart).
fn to_hiragana(c: char) -> char {
    let cp = c as u32;
    if (0x30A1..=0x30F6).contains(&cp) { char::from_u32(cp - 0x60).unwrap_or(c) } else { c }
}

/// Romanises kana text to Hepburn, keeping long vowels as written
/// ("とうきょう" → "toukyou", "イチロー" → "ichiroo"): the caller derives
/// the passport spelling with [`simplify_long_vowels`].
pub(super) fn romanise(text: &str) -> String {
    let chars: Vec<char> = text.chars().map(to_hiragana).collect();
    let mut out = String::with_capacity(text.len());
    let mut double_next = false;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            'っ' => {
                double_next = true;
                continue;
            }
            'ゃ' | 'ゅ' | 'ょ' => {
                let v = match c {
                    'ゃ' => "a",
                    'ゅ' => "u",
                    _ => "o",
                };
                // Contracted sound: drop the i of the previous syllable.
                if out.ends_with("shi") || out.ends_with("chi") || out.ends_with("ji") {
                    out.pop();
                } else if out.ends_with('i') {
                    out.pop();
                    out.push('y');
                } else {
                    out.push('y');
                }
                out.push_str(v);
                continue;
            }
            'ぁ' | 'ぃ' | 'ぅ' | 'ぇ' | 'ぉ' => {
                let v = match c {
                    'ぁ' => 'a',
                    'ぃ' => 'i',
                    'ぅ' => 'u',
                    'ぇ' => 'e',
                    _ => 'o',
                };
                // Foreign sounds: the small vowel replaces the vowel of the
                // syllable before (fu + a → fa, te + i → ti, u + i → wi).
                if out.ends_with('u')
                    && (out.len() == 1 || out.ends_with("fu") || out.ends_with("vu"))
                {
                    out.pop();
                    if out.is_empty() || !out.ends_with(['f', 'v']) {
                        out.push('w');
                    }
                } else if out.ends_with(['a', 'i', 'u', 'e', 'o']) {
                    out.pop();
                }
                out.push(v);
                continue;
            }
            'ー' | '〜' => {
                if let Some(last) = out.chars().last()
                    && matches!(last, 'a' | 'i' | 'u' | 'e' | 'o')
                {
                    out.push(last);
                }
                continue;
            }
            _ => {}
        }
        let Some(syl) = base(c) else {
            if !c.is_whitespace() {
                out.push_str(&super::fallback_char(c));
            }
            continue;
        };
        if double_next {
            double_next = false;
            if syl.starts_with("ch") {
                out.push('t');
            } else if let Some(first) = syl.chars().next()
                && !matches!(first, 'a' | 'i' | 'u' | 'e' | 'o' | 'n')
            {
                out.push(first);
            }
        }
        // ん before a vowel or y is written n' in Hepburn; folding drops
        // the apostrophe, so nothing to do.
        let _ = i;
        out.push_str(syl);
    }
    out
}

/// The passport (simplified Hepburn) spelling of a romanisation that keeps
/// long vowels as written: "ou" and "oo" → "o", "uu" → "u", "ee" → "e",
/// "aa" → "a" ("toukyou" → "tokyo", "ichiroo" → "ichiro").
pub(super) fn simplify_long_vowels(s: &str) -> String {
    s.replace("ou", "o").replace("oo", "o").replace("uu", "u").replace("aa", "a").replace("ee", "e")
}

#[cfg(test)]
mod tests {
    use super::{romanise, simplify_long_vowels};

    #[test]
    fn hepburn() {
        let cases: &[(&str, &str)] = &[
            ("やまだ", "yamada"),
            ("たろう", "tarou"),
            ("スズキ", "suzuki"),
            ("イチロー", "ichiroo"),
            ("きょうこ", "kyouko"),
            ("しょうへい", "shouhei"),
            ("ちゃん", "chan"),
            ("まっちゃ", "matcha"),
            ("いっぺい", "ippei"),
            ("ファン", "fan"),
            ("ティム", "timu"),
            ("さくら", "sakura"),
        ];
        for (kana, expected) in cases {
            assert_eq!(romanise(kana), *expected, "romanise({kana:?})");
        }
        assert_eq!(simplify_long_vowels("tarou"), "taro");
        assert_eq!(simplify_long_vowels("ichiroo"), "ichiro");
    }
}
