//! Greek → Latin.
//!
//! Two conventions, written by the project from the standards: ELOT 743 /
//! ISO 843 type 2 (the Greek passport and UN standard: η → i, υ → y, χ →
//! ch, αυ → av/af) and a phonetic English-press spelling (υ → i, οι/ει →
//! i, αι → e, μπ → b, ντ → d, γκ → g at word start). Input is folded:
//! lower case, no tonos, final sigma as σ.

use super::{Unit, class_spellings, push_unit};

/// Renders a run of Greek words, one unit per word.
pub(super) fn units(words: &[&str]) -> Vec<Unit> {
    words
        .iter()
        .map(|w| {
            let mut unit = Vec::with_capacity(4);
            // Duplicates kept: the k-th rendering of every word follows
            // the same convention.
            unit.push(render(w, false));
            unit.push(render(w, true));
            for s in class_spellings(w, 3) {
                push_unit(&mut unit, s);
            }
            unit
        })
        .collect()
}

/// Consonants before which αυ/ευ/ηυ read af/ef/if.
fn voiceless(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => matches!(c, 'θ' | 'κ' | 'ξ' | 'π' | 'σ' | 'τ' | 'φ' | 'χ' | 'ψ'),
    }
}

/// Renders one word; `phonetic` selects the English-press spelling.
fn render(word: &str, phonetic: bool) -> String {
    let c: Vec<char> = word.chars().collect();
    let n = c.len();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < n {
        let next = c.get(i + 1).copied();
        let after = c.get(i + 2).copied();
        let start = i == 0;
        // Digraphs first.
        let digraph: Option<&str> = match (c[i], next) {
            ('α' | 'ε' | 'η', Some('υ')) => {
                let v = match c[i] {
                    'α' => "a",
                    'ε' => "e",
                    _ => "i",
                };
                out.push_str(v);
                out.push(if voiceless(after) { 'f' } else { 'v' });
                i += 2;
                continue;
            }
            ('ο', Some('υ')) => Some("ou"),
            ('ο' | 'ε', Some('ι')) if phonetic => Some("i"),
            ('α', Some('ι')) if phonetic => Some("e"),
            ('μ', Some('π')) => Some(if start {
                "b"
            } else if phonetic {
                "mb"
            } else {
                "mp"
            }),
            ('ν', Some('τ')) => Some(if start && phonetic {
                "d"
            } else if phonetic {
                "nd"
            } else {
                "nt"
            }),
            ('γ', Some('κ')) => Some(if start {
                "g"
            } else if phonetic {
                "ng"
            } else {
                "gk"
            }),
            ('γ', Some('γ')) => Some("ng"),
            ('γ', Some('ξ')) => Some("nx"),
            ('γ', Some('χ')) => Some("nch"),
            _ => None,
        };
        if let Some(d) = digraph {
            out.push_str(d);
            i += 2;
            continue;
        }
        let r = match c[i] {
            'α' => "a",
            'β' => "v",
            'γ' => "g",
            'δ' => "d",
            'ε' => "e",
            'ζ' => "z",
            'η' => "i",
            'θ' => "th",
            'ι' => "i",
            'κ' => "k",
            'λ' => "l",
            'μ' => "m",
            'ν' => "n",
            'ξ' => "x",
            'ο' => "o",
            'π' => "p",
            'ρ' => "r",
            'σ' | 'ς' => "s",
            'τ' => "t",
            'υ' => {
                if phonetic {
                    "i"
                } else {
                    "y"
                }
            }
            'φ' => "f",
            'χ' => "ch",
            'ψ' => "ps",
            'ω' => "o",
            other => {
                out.push_str(&super::fallback_char(other));
                i += 1;
                continue;
            }
        };
        out.push_str(r);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders() {
        let cases: &[(&str, bool, &str)] = &[
            ("αλεξανδροσ", false, "alexandros"),
            ("νικολαοσ", false, "nikolaos"),
            ("ευαγγελοσ", false, "evangelos"),
            ("παπανδρεου", false, "papandreou"),
            ("μπακογιαννη", false, "bakogianni"),
            ("ευθυμιοσ", false, "efthymios"),
            ("ευθυμιοσ", true, "efthimios"),
            ("τσιπρασ", false, "tsipras"),
        ];
        for (word, phonetic, expected) in cases {
            assert_eq!(render(word, *phonetic), *expected, "render({word:?}, {phonetic})");
        }
    }
}
