//! Normalisation to a comparable form.
//!
//! [`fold`] is the first step of every comparison: it removes the
//! differences that never carry meaning in a name (case, accents, width,
//! punctuation, look-alike letters from another alphabet) and keeps the
//! ones that do (the script a name is written in, the letters of that
//! script, hyphens between words).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::decompose_canonical;

use crate::chars::{self, is_combining_mark};

/// Folds a name to its comparable form: NFKC; Latin look-alike letters
/// from Cyrillic and Greek folded to Latin inside otherwise-Latin words
/// (homoglyphs); full case folding (`ß` → `ss`); diacritics stripped from
/// Latin, Greek and Cyrillic letters (and vowel marks from Arabic and
/// Hebrew); special letters spelled out (`æ` → `ae`, `ø` → `o`, `ł` → `l`,
/// `đ` → `d`, `þ` → `th`, `ı` → `i`); apostrophes removed (`O'Brien` →
/// `obrien`); every other punctuation and symbol becomes a space; runs of
/// spaces collapse; no leading or trailing space. Idempotent.
///
/// One refinement of "punctuation becomes a space": a dash (any of the
/// Unicode dashes and hyphens) *between two letters or digits* is kept as
/// a single ASCII `-`, so that [`crate::token::tokenize_parts`] can record
/// that "abdul-rahman" was written as one hyphenated word. Every other dash
/// becomes a space.
///
/// Cyrillic letters that are letters in their own right rather than
/// accented ones keep their marks (`й`, `ї`, `ў`); `ё` folds to `е` as
/// Russian writing itself does. Hangul syllables are never decomposed into
/// jamo. Persian and Urdu letter shapes fold to their Arabic equivalents
/// (`ی` → `ي`, `ک` → `ك`) and alef with hamza to bare alef, so the same
/// name written by different chanceries compares equal.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return fold_ascii(text);
    }
    let mut buf = String::with_capacity(text.len() + 8);
    // Most names are already in NFKC (accented Latin typed on a keyboard):
    // the quick check spares them the normaliser.
    if chars::is_nfkc_quick(text) == unicode_normalization::IsNormalized::Yes {
        for c in text.chars() {
            push_folded_char(&mut buf, c);
        }
    } else {
        for c in text.nfkc() {
            push_folded_char(&mut buf, c);
        }
    }
    let cleaned = clean_punctuation(&buf);
    let folded = fold_homoglyphs(cleaned);
    // Dropping marks and punctuation can leave combining marks of other
    // scripts out of canonical order; reorder them so a second fold finds
    // nothing to change.
    if chars::is_nfkc_quick(&folded) == unicode_normalization::IsNormalized::Yes {
        folded
    } else {
        folded.nfkc().collect()
    }
}

/// The fold of an ASCII string: a single pass without any table.
fn fold_ascii(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b.is_ascii_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(b.to_ascii_lowercase() as char);
            continue;
        }
        let prev_word = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
        let next_word = bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
        match b {
            b'\'' | b'`' if prev_word && next_word => {}
            b'-' if prev_word && next_word => out.push('-'),
            _ => pending_space = true,
        }
    }
    out
}

/// Lower-cases, strips marks and spells out special letters of one char,
/// appending the result.
fn push_folded_char(buf: &mut String, c: char) {
    if c.is_ascii() {
        buf.push(c.to_ascii_lowercase());
        return;
    }
    if let Some(spelled) = special(c) {
        buf.push_str(spelled);
        return;
    }
    match c {
        // Cyrillic letters whose mark makes them a different letter.
        'й' | 'Й' => buf.push('й'),
        'ї' | 'Ї' => buf.push('ї'),
        'ў' | 'Ў' => buf.push('ў'),
        'ё' | 'Ё' => buf.push('е'),
        // Arabic tatweel (kashida) is only a stretch of the line.
        '\u{0640}' => {}
        // Arabic-Indic, Persian and Devanagari digits: vessel and unit
        // numbers compare as numbers.
        '\u{0660}'..='\u{0669}' => push_digit(buf, c as u32 - 0x0660),
        '\u{06F0}'..='\u{06F9}' => push_digit(buf, c as u32 - 0x06F0),
        '\u{0966}'..='\u{096F}' => push_digit(buf, c as u32 - 0x0966),
        // Typographic apostrophes, the modifier letter apostrophe and the
        // half rings scholars write for ayn and hamza (ʿAbd, Qurʾan).
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{02BB}' | '\u{2032}' | '\u{00B4}'
        | '\u{02B9}' | '\u{02BE}' | '\u{02BF}' => {
            buf.push('\'');
        }
        // Dashes and hyphens of every kind.
        '\u{2010}'..='\u{2015}'
        | '\u{2212}'
        | '\u{FE63}'
        | '\u{FF0D}'
        | '\u{05BE}'
        | '\u{00AD}' => {
            buf.push('-');
        }
        _ => push_decomposed(buf, c),
    }
}

/// Pushes an ASCII digit (the value is below 10 by the callers' ranges).
fn push_digit(buf: &mut String, value: u32) {
    if let Some(d) = char::from_digit(value, 10) {
        buf.push(d);
    }
}

/// Lower-cases a char and drops its combining marks, except in scripts
/// where decomposition would change the letter (Hangul) or where the marks
/// are letters (Indic, Thai).
fn push_decomposed(buf: &mut String, c: char) {
    if is_hangul(c) || !strips_marks(c) {
        if is_dropped_mark(c) {
            return;
        }
        for l in c.to_lowercase() {
            buf.push(l);
        }
        return;
    }
    for l in c.to_lowercase() {
        let mut pushed_any = false;
        decompose_canonical(l, |d| {
            if !is_combining_mark(d) && !is_dropped_mark(d) {
                push_after_decomposition(buf, d);
                pushed_any = true;
            }
        });
        let _ = pushed_any;
    }
}

/// Pushes a base char that came out of a decomposition, re-applying the
/// special-letter rules (a decomposed `Й` must not lose its breve).
fn push_after_decomposition(buf: &mut String, d: char) {
    match special(d) {
        Some(spelled) => buf.push_str(spelled),
        None => buf.push(d),
    }
}

/// Letters without a decomposition that lists spell out, and the letter
/// shapes that fold to one letter (lower-case input, or upper case where
/// lower-casing would not reach them).
fn special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' | 'ð' | 'Ð' => "d",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        'ħ' | 'Ħ' => "h",
        'ŧ' | 'Ŧ' => "t",
        'ŋ' | 'Ŋ' => "ng",
        'ĸ' => "q",
        'ſ' => "s",
        // Greek final sigma compares as sigma.
        'ς' => "σ",
        // Persian, Urdu and Arabic letter shapes of one letter.
        'ی' | 'ى' | 'ې' | 'ۍ' | 'ے' => "ي",
        'ک' => "ك",
        'ە' | 'ۀ' => "ه",
        'ٱ' => "ا",
        _ => return None,
    })
}

/// Whether a char belongs to a script whose combining marks are accents
/// to strip: Latin, Greek, Cyrillic, Arabic, Hebrew, and the combining
/// marks themselves.
fn strips_marks(c: char) -> bool {
    let cp = c as u32;
    matches!(cp,
        0x00C0..=0x024F     // Latin-1 supplement and Latin extended A/B
        | 0x0250..=0x02AF   // IPA extensions
        | 0x0300..=0x036F   // combining diacritics
        | 0x0370..=0x03FF   // Greek
        | 0x0400..=0x052F   // Cyrillic and supplement
        | 0x0590..=0x05FF   // Hebrew
        | 0x0600..=0x06FF   // Arabic
        | 0x0750..=0x077F   // Arabic supplement
        | 0x1E00..=0x1EFF   // Latin extended additional (Vietnamese)
        | 0x1F00..=0x1FFF   // Greek extended (polytonic)
        | 0xFB1D..=0xFB4F   // Hebrew presentation forms
    )
}

/// Marks that are dropped even where other marks are kept: Arabic harakat
/// and Quranic annotation, Hebrew points and cantillation.
fn is_dropped_mark(c: char) -> bool {
    let cp = c as u32;
    matches!(cp,
        0x064B..=0x065F | 0x0670 | 0x06D6..=0x06ED
        | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2 | 0x05C4..=0x05C5 | 0x05C7
        | 0x200B..=0x200F | 0xFEFF
    )
}

/// Hangul syllables and jamo: never decomposed.
fn is_hangul(c: char) -> bool {
    matches!(c as u32, 0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F)
}

/// Turns apostrophes, dashes and every other non-word char into the
/// folded punctuation: apostrophes inside words vanish, dashes between
/// word chars stay as `-`, everything else becomes a single space.
fn clean_punctuation(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    let mut pending_space = false;
    let mut prev_word = false;
    while let Some(c) = chars.next() {
        if is_word_char(c) {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
            prev_word = true;
            continue;
        }
        let next_word = chars.peek().is_some_and(|&n| is_word_char(n));
        match c {
            '\'' | '`' if prev_word && next_word && !pending_space => {}
            '-' if prev_word && next_word && !pending_space => out.push('-'),
            _ => pending_space = true,
        }
        prev_word = false;
    }
    out
}

/// A char that is part of a word: a letter, a digit, or a combining mark
/// that survived folding (Indic vowel signs, Thai vowels and tone marks).
fn is_word_char(c: char) -> bool {
    chars::is_alphanumeric_or_mark(c)
        || matches!(c as u32, 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E)
}

/// Folds Cyrillic and Greek look-alike letters to Latin where they hide in
/// a Latin name: inside a word that mixes them with Latin letters, and in
/// a word made only of look-alikes when the rest of the name is Latin.
fn fold_homoglyphs(s: String) -> String {
    let has_latin = s.chars().any(|c| c.is_ascii_alphabetic() || is_latin_letter(c));
    let has_lookalike_script = s.chars().any(|c| matches!(c as u32, 0x0370..=0x052F));
    if !has_latin || !has_lookalike_script {
        return s;
    }
    // A name with a real non-Latin word (one that has letters without a
    // Latin look-alike) keeps that word as it is: only mixed words and
    // pure look-alike words are folded, and only when Latin dominates.
    let is_latin_word = |w: &str| w.chars().any(|c| c.is_ascii_alphabetic() || is_latin_letter(c));
    let latin_words = s.split(' ').filter(|w| is_latin_word(w)).count();
    let other_words = s
        .split(' ')
        .filter(|w| !is_latin_word(w) && w.chars().any(|c| matches!(c as u32, 0x0370..=0x052F)))
        .count();
    let latin_dominates = latin_words >= other_words;
    let mut out = String::with_capacity(s.len());
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let mixed = word.chars().any(|c| c.is_ascii_alphabetic() || is_latin_letter(c))
            && word.chars().any(|c| matches!(c as u32, 0x0370..=0x052F));
        let all_lookalike = word
            .chars()
            .all(|c| !chars::is_alphabetic(c) || lookalike(c).is_some() || c.is_ascii())
            && word.chars().any(|c| lookalike(c).is_some());
        if mixed || (latin_dominates && all_lookalike) {
            for c in word.chars() {
                match lookalike(c) {
                    Some(l) => out.push(l),
                    None => out.push(c),
                }
            }
        } else {
            out.push_str(word);
        }
    }
    out
}

/// A Latin letter outside ASCII that survived folding (rare: `ŋ` is
/// spelled out, but IPA letters and the like may remain).
fn is_latin_letter(c: char) -> bool {
    matches!(c as u32, 0x00C0..=0x024F | 0x1E00..=0x1EFF) && chars::is_alphabetic(c)
}

/// The Latin letter a lower-case Cyrillic or Greek letter is mistaken
/// for, if any.
fn lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic.
        'а' => 'a',
        'в' => 'b',
        'е' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'ѕ' => 's',
        'і' => 'i',
        'ј' => 'j',
        'һ' => 'h',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        // Greek.
        'α' => 'a',
        'β' => 'b',
        'ε' => 'e',
        'η' => 'n',
        'ι' => 'i',
        'κ' => 'k',
        'ν' => 'v',
        'ο' => 'o',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'ζ' => 'z',
        'μ' => 'm',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::fold;

    fn check(input: &str, expected: &str) {
        assert_eq!(fold(input), expected, "fold({input:?})");
        assert_eq!(fold(expected), expected, "fold is not idempotent on {expected:?}");
    }

    #[test]
    fn folds() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("   ", ""),
            ("John SMITH", "john smith"),
            ("  John   Smith  ", "john smith"),
            ("Joaquín Archivaldo Guzmán Loera", "joaquin archivaldo guzman loera"),
            ("Cártel del Golfo(CDG)", "cartel del golfo cdg"),
            ("Cártel de Jalisco Nueva Generación", "cartel de jalisco nueva generacion"),
            ("MS-13", "ms-13"),
            ("Mara Salvatrucha – MS 13", "mara salvatrucha ms 13"),
            ("al-Qa'ida", "al-qaida"),
            ("O'Brien", "obrien"),
            ("O’Brien", "obrien"),
            ("Ma`ruf", "maruf"),
            ("'El Chapo'", "el chapo"),
            ("\"El Chapo\"", "el chapo"),
            ("S.A. de C.V.", "s a de c v"),
            ("Grupo Rodríguez, S.A. de C.V.", "grupo rodriguez s a de c v"),
            ("Müller Straße", "muller strasse"),
            ("Łukasz Żółć", "lukasz zolc"),
            ("Søren Kierkegaard", "soren kierkegaard"),
            ("Ægir Þórsson", "aegir thorsson"),
            ("Đorđe", "dorde"),
            ("Işık", "isik"),
            ("İstanbul", "istanbul"),
            ("Nguyễn Tấn Dũng", "nguyen tan dung"),
            ("François-Xavier", "francois-xavier"),
            ("ＡＢＣ Ｔｒａｄｉｎｇ", "abc trading"),
            ("ﬁnance", "finance"),
            ("A & B Ltd.", "a b ltd"),
            ("Al  --  Shabaab", "al shabaab"),
            ("-foo-", "foo"),
            ("foo--bar", "foo bar"),
            // Homoglyphs: a Cyrillic а inside a Latin word.
            ("Mаria", "maria"),
            ("Vlаdimir Рutin", "vladimir putin"),
            // A look-alike-only word among Latin words.
            ("СОСА Cola", "coca cola"),
            // Fully Cyrillic names stay Cyrillic.
            ("Владимир Путин", "владимир путин"),
            ("Шойгу Сергей Кужугетович", "шойгу сергей кужугетович"),
            ("Сергей Ёлкин", "сергей елкин"),
            ("Андрій Їжак", "андрій їжак"),
            ("Аляксандр Лукашэнка ў", "аляксандр лукашэнка ў"),
            ("Йошкар", "йошкар"),
            // Greek: tonos stripped, final sigma folded.
            ("Κωνσταντίνος Καραμανλής", "κωνσταντινοσ καραμανλησ"),
            ("Νικόλαος", "νικολαοσ"),
            // Arabic: harakat, tatweel removed, hamza forms folded.
            ("مُحَمَّد", "محمد"),
            ("أحمد", "احمد"),
            ("إبراهيم", "ابراهيم"),
            ("محـــمد", "محمد"),
            ("عبد الله", "عبد الله"),
            ("علی", "علي"),
            // Hebrew: niqqud removed.
            ("מֹשֶׁה", "משה"),
            ("דָּוִד", "דוד"),
            // Hangul never decomposed; Han and Kana kept.
            ("김정은", "김정은"),
            ("金正恩", "金正恩"),
            ("山田 太郎", "山田 太郎"),
            ("ヤマダ・タロウ", "ヤマダ タロウ"),
            ("สมชาย", "สมชาย"),
            ("दाऊद इब्राहिम", "दाऊद इब्राहिम"),
            ("Tren de Aragua (TdA)", "tren de aragua tda"),
            ("OOO \"Romashka\"", "ooo romashka"),
            ("ООО «Ромашка»", "ооо ромашка"),
            ("1st Battalion, 2nd Brigade", "1st battalion 2nd brigade"),
            ("Ahmad\u{200B}Shah", "ahmadshah"),
            ("JOSÉ MARÍA", "jose maria"),
            ("Ñoño", "nono"),
            ("Gonçalves", "goncalves"),
            ("São Paulo", "sao paulo"),
            ("Ångström", "angstrom"),
            ("Dvořák", "dvorak"),
            ("Şahin Çelik", "sahin celik"),
            ("Ğüzel", "guzel"),
            ("Ștefan Țiriac", "stefan tiriac"),
            ("Mañana, S.A.", "manana s a"),
            ("Al-Shabaab / Harakat", "al-shabaab harakat"),
            ("“Quoted”", "quoted"),
            ("«Quoted»", "quoted"),
            ("a.k.a. Chapo", "a k a chapo"),
            ("Smith, John", "smith john"),
            ("SMITH,JOHN", "smith john"),
            ("Foo_Bar", "foo bar"),
            ("Foo+Bar=Baz", "foo bar baz"),
            ("#1 Trading", "1 trading"),
            ("100% Pure", "100 pure"),
            ("Tab\tSeparated\nName", "tab separated name"),
            ("Ｍｏｈａｍｍｅｄ", "mohammed"),
            ("Ⅻ", "xii"),
            ("①", "1"),
            ("Kim Jong‐un", "kim jong-un"),
            ("Kim Jong—un", "kim jong-un"),
            ("Abdul ‑ Rahman", "abdul rahman"),
            ("D’Artagnan", "dartagnan"),
            ("Ma\u{02BC}ruf", "maruf"),
            ("Ḥasan", "hasan"),
            ("ʿAbd al-Raḥmān", "abd al-rahman"),
            ("Muḥammad ibn ʿAbd al-Wahhāb", "muhammad ibn abd al-wahhab"),
            ("Сергей Кужугетович Шойгу", "сергей кужугетович шойгу"),
            ("ПРИГОЖИН", "пригожин"),
            ("Хуснутдинов", "хуснутдинов"),
            ("Ґалаґан", "ґалаґан"),
            ("Τσίπρας", "τσιπρασ"),
            ("ΑΛΈΞΗΣ", "αλεξησ"),
            ("Διονύσιος", "διονυσιοσ"),
            ("عَبْدُ ٱللَّٰه", "عبد الله"),
            ("محمد رضا پهلوی", "محمد رضا پهلوي"),
            ("کریمی", "كريمي"),
            ("يُوسُف", "يوسف"),
            ("שְׁלֹמֹה", "שלמה"),
            ("李小龍", "李小龍"),
            ("이순신", "이순신"),
            ("ｶﾀｶﾅ", "カタカナ"),
            ("Ｘｉ Ｊｉｎｐｉｎｇ", "xi jinping"),
            ("Hezbollah (Party of God)", "hezbollah party of god"),
            ("Mr. & Mrs. Smith", "mr mrs smith"),
            ("Vlаdimir", "vladimir"),
            ("Sеrgеi", "sergei"),
            ("Раvel", "pavel"),
            ("ΑΒΒΑ Ltd", "abba ltd"),
            ("كتيبة ١٣", "كتيبة 13"),
            ("۱۴۰۰", "1400"),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }
}
