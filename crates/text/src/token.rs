//! Tokenisation of folded names.
//!
//! Tokens are the words and numbers of a folded name. Hyphenated words are
//! split ("al-qaida" → "al", "qaida"; "ms-13" → "ms", "13") but remember
//! that they were written joined, because "abdul-rahman" must compare well
//! with both "abdul rahman" and "abdulrahman". Letters glued to a following
//! number are split the same way ("ms13" → "ms", "13").

use crate::chars;

/// The most tokens one name yields. Real names have far fewer; the cap
/// keeps the work for pathological input (a pasted paragraph) bounded.
pub const MAX_TOKENS: usize = 48;

/// A token and how it was joined to the next one in the original.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Token {
    /// The token text (never empty, no spaces or hyphens).
    pub text: String,
    /// True when the next token followed this one without a space: across a
    /// hyphen ("abdul-rahman") or at a letter-to-digit boundary ("ms13").
    pub joined_with_next: bool,
}

/// Splits a folded name into tokens (words and numbers).
pub fn tokenize(folded: &str) -> Vec<String> {
    tokenize_parts(folded).into_iter().map(|t| t.text).collect()
}

/// Splits a folded name into tokens, recording which were joined to the
/// next one by a hyphen or a letter-to-digit boundary.
///
/// Works on any text, folded or not: every char that is neither a letter,
/// a digit nor a combining mark separates tokens; apostrophes inside a word
/// are dropped (`o'brien` → `obrien`).
pub fn tokenize_parts(folded: &str) -> Vec<Token> {
    if folded.is_ascii() { tokenize_ascii_parts(folded) } else { tokenize_any_parts(folded) }
}

/// [`tokenize_parts`] for any text.
fn tokenize_any_parts(folded: &str) -> Vec<Token> {
    let chunks = folded.split(|c: char| c.is_whitespace());
    tokenize_chunks(folded, chunks.map(|chunk| (chunk.len(), chunk.char_indices())))
}

/// [`tokenize_parts`] for ASCII text (most folded names), byte by byte
/// and without the char tables: the same rules, where the token chars are
/// the ASCII letters and digits and the separators of chunks the ASCII
/// chars `char::is_whitespace` accepts (tab to carriage return, space).
fn tokenize_ascii_parts(folded: &str) -> Vec<Token> {
    let chunks = folded.as_bytes().split(|&b| matches!(b, b' ' | b'\t'..=b'\r'));
    tokenize_chunks(folded, chunks.map(|chunk| (chunk.len(), chunk.iter().copied().enumerate())))
}

/// What the tokeniser reads: a char, or a byte of ASCII text (read
/// without the char tables). One set of rules serves both, compiled once
/// for each.
trait Unit: Copy {
    fn is_token(self) -> bool;
    fn is_letter(self) -> bool;
    fn is_digit(self) -> bool;
    fn separator(self) -> Separator;
    fn push_onto(self, text: &mut String);
}

/// What a char that is not a token char does.
enum Separator {
    /// An apostrophe: dropped, the word goes on (`o'brien` → `obrien`).
    Dropped,
    /// A hyphen: ends the token, which is joined to the next.
    Hyphen,
    /// Anything else: ends the token.
    Other,
}

impl Unit for char {
    fn is_token(self) -> bool {
        is_token_char(self)
    }

    fn is_letter(self) -> bool {
        chars::is_alphabetic(self)
    }

    fn is_digit(self) -> bool {
        self.is_ascii_digit()
    }

    fn separator(self) -> Separator {
        match self {
            '\'' | '`' | '\u{2019}' | '\u{02BC}' => Separator::Dropped,
            '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' => Separator::Hyphen,
            _ => Separator::Other,
        }
    }

    fn push_onto(self, text: &mut String) {
        text.push(self);
    }
}

impl Unit for u8 {
    fn is_token(self) -> bool {
        self.is_ascii_alphanumeric()
    }

    fn is_letter(self) -> bool {
        self.is_ascii_alphabetic()
    }

    fn is_digit(self) -> bool {
        self.is_ascii_digit()
    }

    fn separator(self) -> Separator {
        match self {
            b'\'' | b'`' => Separator::Dropped,
            b'-' => Separator::Hyphen,
            _ => Separator::Other,
        }
    }

    fn push_onto(self, text: &mut String) {
        text.push(char::from(self));
    }
}

/// The tokens of `folded`, given as its whitespace-separated chunks: each
/// chunk's length in bytes, and its units with their byte offsets.
fn tokenize_chunks<U: Unit, I: Iterator<Item = (usize, U)>>(
    folded: &str,
    chunks: impl Iterator<Item = (usize, I)>,
) -> Vec<Token> {
    // One allocation for the list: at most a token per space- or
    // hyphen-separated piece in folded text (more only where letters meet
    // digits or other separators), instead of growing it from one.
    let pieces = 1 + folded.bytes().filter(|&b| b == b' ' || b == b'-').count();
    let mut tokens: Vec<Token> = Vec::with_capacity(pieces.min(MAX_TOKENS));
    for (len, units) in chunks {
        if len == 0 {
            continue;
        }
        let mut current = String::new();
        let mut joined = false;
        let mut prev: Option<U> = None;
        for (at, unit) in units {
            if unit.is_token() {
                // "ms13": a letter followed by a digit starts a new token.
                if let Some(p) = prev
                    && p.is_letter()
                    && unit.is_digit()
                    && !current.is_empty()
                {
                    push(&mut tokens, &mut current, true);
                }
                // A token ends within the rest of its chunk: one allocation
                // for its text rather than one per doubling.
                if current.capacity() == 0 {
                    current.reserve_exact(len - at);
                }
                unit.push_onto(&mut current);
                prev = Some(unit);
                joined = false;
                continue;
            }
            match unit.separator() {
                Separator::Dropped => {}
                Separator::Hyphen => {
                    if !current.is_empty() {
                        push(&mut tokens, &mut current, true);
                        joined = true;
                    }
                    prev = None;
                }
                Separator::Other => {
                    if !current.is_empty() {
                        push(&mut tokens, &mut current, false);
                    }
                    joined = false;
                    prev = None;
                }
            }
        }
        if !current.is_empty() {
            push(&mut tokens, &mut current, false);
        } else if joined && let Some(last) = tokens.last_mut() {
            // A trailing hyphen joins nothing.
            last.joined_with_next = false;
        }
        if tokens.len() >= MAX_TOKENS {
            break;
        }
    }
    tokens.truncate(MAX_TOKENS);
    if let Some(last) = tokens.last_mut() {
        last.joined_with_next = false;
    }
    tokens
}

/// Moves the current token into the list.
fn push(tokens: &mut Vec<Token>, current: &mut String, joined_with_next: bool) {
    tokens.push(Token { text: std::mem::take(current), joined_with_next });
}

/// Splits a name written with an aside into the name without it and the
/// aside: "Cártel del Golfo(CDG)" → ("Cártel del Golfo", "CDG"); "Nemesio
/// 'El Mencho' Oseguera" → ("Nemesio Oseguera", "El Mencho"). Customer
/// records put an acronym, a nickname or a former name in parentheses,
/// brackets or quotes; read as one name, those words count as unmatched
/// against a listed name that has no such aside.
///
/// An unclosed parenthesis runs to the end. A single quote opens an aside
/// only at the start of a word and closes it only at the end of one, so
/// the apostrophes of "O'Brien" and "Qa'ida" are not quotes; an unclosed
/// quote is no aside. `None` unless both pieces have a letter or a digit.
pub fn split_aside(name: &str) -> Option<(String, String)> {
    let (open, inner_start, inner_end, after) = find_aside(name)?;
    let head = format!("{} {}", name[..open].trim(), name[after..].trim());
    let head = head.trim();
    let inner = name[inner_start..inner_end].trim();
    let has_word = |s: &str| s.chars().any(is_token_char);
    (has_word(head) && has_word(inner)).then(|| (head.to_owned(), inner.to_owned()))
}

/// The first aside of a name: (where it opens, where its text starts and
/// ends, where the rest of the name resumes).
fn find_aside(name: &str) -> Option<(usize, usize, usize, usize)> {
    let word_char_at = |i: usize| name[i..].chars().next().is_some_and(is_token_char);
    for (open, c) in name.char_indices() {
        let start = open + c.len_utf8();
        let (closers, single): (&[char], bool) = match c {
            '(' => (&[')'], false),
            '[' => (&[']'], false),
            '"' => (&['"'], false),
            '\u{201C}' => (&['\u{201D}'], false),
            '\u{201E}' => (&['\u{201C}', '\u{201D}'], false),
            '\u{00AB}' => (&['\u{00BB}'], false),
            '\'' | '\u{2018}' => (&['\'', '\u{2019}'], true),
            _ => continue,
        };
        if single {
            let after_space = name[..open].chars().next_back().is_none_or(char::is_whitespace);
            if !after_space || !word_char_at(start) {
                continue;
            }
        }
        let mut close = None;
        for (at, d) in name[start..].char_indices() {
            let at = start + at;
            if !closers.contains(&d) {
                continue;
            }
            if single {
                let end = at + d.len_utf8();
                let ends_word = name[..at].chars().next_back().is_some_and(is_token_char)
                    && name[end..].chars().next().is_none_or(|n| !is_token_char(n));
                if !ends_word {
                    continue;
                }
            }
            close = Some((at, at + d.len_utf8()));
            break;
        }
        match close {
            Some((end, after)) => return Some((open, start, end, after)),
            // An unclosed parenthesis runs to the end; an unclosed quote
            // is taken for a stray mark.
            None if matches!(c, '(' | '[') => return Some((open, start, name.len(), name.len())),
            None => {}
        }
    }
    None
}

/// Letters, digits and the combining marks that belong to letters.
fn is_token_char(c: char) -> bool {
    chars::is_alphanumeric_or_mark(c)
}

#[cfg(test)]
mod tests {
    use super::{split_aside, tokenize, tokenize_any_parts, tokenize_ascii_parts, tokenize_parts};

    #[test]
    fn ascii_tokens_are_those_of_the_general_path() {
        // Every string of up to four chars over an alphabet holding each
        // kind of ASCII char the rules tell apart, then longer strings
        // made by a fixed generator.
        let alphabet: Vec<char> = "a1Z -'`\t\u{b}.".chars().collect();
        let mut texts = vec![String::new()];
        let mut previous = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for text in &previous {
                for &c in &alphabet {
                    next.push(format!("{text}{c}"));
                }
            }
            texts.extend(next.iter().cloned());
            previous = next;
        }
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            let len = (state % 70) as usize;
            let text: String = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    char::from((state % 128) as u8)
                })
                .collect();
            texts.push(text);
        }
        texts.push("a-".repeat(60));
        texts.push("ab1 ".repeat(60));
        for text in &texts {
            assert_eq!(tokenize_ascii_parts(text), tokenize_any_parts(text), "{text:?}");
        }
    }

    #[test]
    fn splits_asides() {
        let split = |s: &str| split_aside(s);
        let pair = |a: &str, b: &str| Some((a.to_owned(), b.to_owned()));
        assert_eq!(split("Cártel del Golfo(CDG)"), pair("Cártel del Golfo", "CDG"));
        assert_eq!(split("Tren de Aragua (TdA)"), pair("Tren de Aragua", "TdA"));
        assert_eq!(split("Nemesio (El Mencho) Oseguera"), pair("Nemesio Oseguera", "El Mencho"));
        assert_eq!(split("Acme [formerly Foo Ltd]"), pair("Acme", "formerly Foo Ltd"));
        assert_eq!(split("Acme (Foo"), pair("Acme", "Foo"));
        assert_eq!(split("Acme"), None);
        assert_eq!(split("Acme ()"), None);
        assert_eq!(split("(CDG)"), None);
        assert_eq!(split("Acme ( - )"), None);
        // Quoted nicknames, in every usual quotation mark.
        assert_eq!(split("Nemesio 'El Mencho' Oseguera"), pair("Nemesio Oseguera", "El Mencho"));
        assert_eq!(split("Ismael \"El Mayo\" Zambada"), pair("Ismael Zambada", "El Mayo"));
        assert_eq!(split("Joaquín “El Chapo” Guzmán"), pair("Joaquín Guzmán", "El Chapo"));
        assert_eq!(split("Joaquín „El Chapo“ Guzmán"), pair("Joaquín Guzmán", "El Chapo"));
        assert_eq!(split("Joaquín ‘Chapo’ Guzmán"), pair("Joaquín Guzmán", "Chapo"));
        assert_eq!(split("ООО «Ромашка» Холдинг"), pair("ООО Холдинг", "Ромашка"));
        // Apostrophes are not quotes.
        assert_eq!(split("Sean O'Brien"), None);
        assert_eq!(split("al-Qa'ida in the Arabian Peninsula"), None);
        assert_eq!(split("Ahmad Shah Mas’ud"), None);
        assert_eq!(split("Sean O'Brien 'Red' Murphy"), pair("Sean O'Brien Murphy", "Red"));
        // An unclosed quote is a stray mark.
        assert_eq!(split("Acme \"Foo"), None);
        assert_eq!(split("Acme 'Foo"), None);
    }
    use crate::normalize::fold;

    fn check(input: &str, expected: &str) {
        let tokens = tokenize_parts(&fold(input));
        let rendered = tokens
            .iter()
            .map(|t| if t.joined_with_next { format!("{}+", t.text) } else { t.text.clone() })
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(rendered, expected, "tokenize(fold({input:?}))");
        assert!(tokens.iter().all(|t| !t.text.is_empty()));
    }

    #[test]
    fn tokenizes() {
        let cases: &[(&str, &str)] = &[
            ("", ""),
            ("John Smith", "john smith"),
            ("Cártel del Golfo(CDG)", "cartel del golfo cdg"),
            ("MS-13", "ms+ 13"),
            ("MS13", "ms+ 13"),
            ("MS 13", "ms 13"),
            ("al-Qa'ida", "al+ qaida"),
            ("Abdul-Rahman", "abdul+ rahman"),
            ("O'Brien", "obrien"),
            ("Jean-Pierre Le Pen", "jean+ pierre le pen"),
            ("Tren de Aragua (TdA)", "tren de aragua tda"),
            ("S.A. de C.V.", "s a de c v"),
            ("1st Battalion", "1st battalion"),
            ("Kim Jong-un", "kim jong+ un"),
            ("Hezbollah -", "hezbollah"),
            ("- x -", "x"),
            ("Grupo 7-Eleven", "grupo 7+ eleven"),
            ("金正恩", "金正恩"),
            ("Шойгу Сергей Кужугетович", "шойгу сергей кужугетович"),
            ("عبد الله", "عبد الله"),
            ("สมชาย", "สมชาย"),
        ];
        for (input, expected) in cases {
            check(input, expected);
        }
    }

    #[test]
    fn tolerates_unfolded_text() {
        assert_eq!(tokenize("a,b;c (d)"), vec!["a", "b", "c", "d"]);
        assert_eq!(tokenize("--"), Vec::<String>::new());
    }
}
