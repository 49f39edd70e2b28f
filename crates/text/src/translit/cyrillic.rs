//! Cyrillic → Latin: Russian, Ukrainian and Belarusian names.
//!
//! Tables written by the project from the published standards:
//! ICAO Doc 9303 (machine-readable passports, used by Russian passports
//! since 2013 and by Ukrainian and Belarusian passports), BGN/PCGN (the
//! US and UK geographic-names systems most sanctions lists follow),
//! the Ukrainian national system of 2010, the Belarusian national system,
//! a "popular" English-press convention (Dmitry, Yury, Khodorkovsky) and a
//! scholarly/German-influenced one (j for й, h for х, tz for ц).
//!
//! Each convention renders the whole word; words are combined per
//! convention by the caller.

use super::{Unit, class_spellings, push_unit};

/// The romanisation conventions, in the order variants are emitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Convention {
    /// ICAO 9303 (passports): й → i, х → kh, ю → iu, я → ia, ъ → ie.
    Icao,
    /// BGN/PCGN without diacritics: word-initial е → ye, й → y, ю → yu.
    Bgn,
    /// English-press spelling: BGN, plus -ий/-ый → -y.
    Popular,
    /// Scholarly/German-influenced: й → j, ю → ju, я → ja, х → h, ц → tz.
    Scholarly,
    /// The Ukrainian national system (2010): г → h, и → y, ї → yi/i,
    /// є → ye/ie, й → y/i, ю → yu/iu, я → ya/ia (initial/other).
    Ukrainian,
    /// The Belarusian national system: г → h, ў → u, і → i, ы → y, э → e,
    /// ё → io, ю → iu, я → ia.
    Belarusian,
    /// Serbian and Macedonian: the Latin alphabet of the language (Gaj's
    /// alphabet) with its marks folded: ч/ћ → c, ш → s, ж → z, ђ → dj,
    /// џ → dz, ј → j, љ → lj, њ → nj, х → h, ц → c.
    South,
}

/// The language of a Cyrillic name, guessed from its letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    Russian,
    Ukrainian,
    Belarusian,
    South,
}

/// Given names whose spelling is Ukrainian though they use no
/// Ukrainian-only letter.
const UKRAINIAN_FORMS: &[&str] = &[
    "володимир",
    "олександр",
    "олексій",
    "микола",
    "михайло",
    "дмитро",
    "петро",
    "павло",
    "тарас",
    "богдан",
    "остап",
    "ярослав",
];

fn language_of(words: &[&str]) -> Language {
    let has = |cs: &[char]| words.iter().any(|w| w.chars().any(|c| cs.contains(&c)));
    if has(&['ђ', 'ј', 'љ', 'њ', 'ћ', 'џ', 'ѓ', 'ќ', 'ѕ']) {
        Language::South
    } else if has(&['ў']) || (has(&['і']) && has(&['ы', 'э'])) {
        Language::Belarusian
    } else if has(&['ї', 'є', 'ґ', 'і'])
        || words
            .iter()
            .any(|w| w.contains("ськ") || w.contains("цьк") || UKRAINIAN_FORMS.contains(w))
    {
        Language::Ukrainian
    } else {
        Language::Russian
    }
}

/// Renders a run of Cyrillic words, one unit per word.
pub(super) fn units(words: &[&str]) -> Vec<Unit> {
    let conventions: &[Convention] = match language_of(words) {
        Language::Russian => {
            &[Convention::Icao, Convention::Bgn, Convention::Popular, Convention::Scholarly]
        }
        Language::Ukrainian => {
            &[Convention::Ukrainian, Convention::Icao, Convention::Bgn, Convention::Popular]
        }
        Language::Belarusian => &[Convention::Belarusian, Convention::Icao, Convention::Bgn],
        Language::South => &[Convention::South, Convention::Bgn, Convention::Popular],
    };
    words
        .iter()
        .map(|w| {
            let mut unit = Vec::with_capacity(conventions.len() + 2);
            // One rendering per convention, duplicates kept, so that the
            // k-th rendering of every word follows the same convention.
            for &c in conventions {
                unit.push(render(w, c));
            }
            for s in class_spellings(w, 3) {
                push_unit(&mut unit, s);
            }
            unit
        })
        .collect()
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'а' | 'е' | 'ё' | 'и' | 'о' | 'у' | 'ы' | 'э' | 'ю' | 'я' | 'і' | 'ї' | 'є')
}

/// Renders one word in one convention.
fn render(word: &str, conv: Convention) -> String {
    use Convention::{Belarusian, Bgn, Icao, Popular, Scholarly, South, Ukrainian};
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 4);
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let start = i == 0;
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        // Iotation: after a vowel, a soft or hard sign, or at the start.
        let iotated = start || prev.is_some_and(|p| is_vowel(p) || matches!(p, 'ь' | 'ъ' | '\''));
        let last = i + 1 == n;
        // -ий and -ый at the end of a name: the popular spelling is -y.
        if conv == Popular && last && c == 'й' && matches!(prev, Some('и' | 'ы')) && n > 3 {
            continue;
        }
        if conv == Popular && i + 2 == n && matches!(c, 'и' | 'ы') && chars[i + 1] == 'й' && n > 3
        {
            out.push('y');
            continue;
        }
        let r: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => match conv {
                Ukrainian | Belarusian => "h",
                _ => "g",
            },
            'ґ' => "g",
            'д' => "d",
            'е' => match conv {
                Bgn | Popular if iotated => "ye",
                Belarusian if iotated => "ie",
                _ => "e",
            },
            'ё' => match conv {
                Bgn | Popular if iotated => "yo",
                Belarusian => "io",
                _ => "e",
            },
            'є' => match conv {
                Ukrainian if start => "ye",
                Ukrainian | Icao => "ie",
                Scholarly => "je",
                _ => "ye",
            },
            'ж' => match conv {
                South => "z",
                _ => "zh",
            },
            'з' => "z",
            'и' => match conv {
                Ukrainian => "y",
                _ => "i",
            },
            'і' => "i",
            'ї' => match conv {
                Ukrainian if start => "yi",
                Ukrainian | Icao => "i",
                _ => "yi",
            },
            'й' => match conv {
                Icao => "i",
                Scholarly | South => "j",
                Ukrainian | Belarusian if !start => "i",
                _ => "y",
            },
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ў' => "u",
            'ф' => "f",
            'х' => match conv {
                Scholarly | South => "h",
                _ => "kh",
            },
            'ц' => match conv {
                Scholarly => "tz",
                South => "c",
                _ => "ts",
            },
            'ч' => match conv {
                South => "c",
                _ => "ch",
            },
            'ш' => match conv {
                South => "s",
                _ => "sh",
            },
            'ђ' => "dj",
            'ј' => "j",
            'љ' => "lj",
            'њ' => "nj",
            'ћ' => match conv {
                South => "c",
                _ => "ch",
            },
            'џ' => match conv {
                South => "dz",
                _ => "dzh",
            },
            'ѓ' => "gj",
            'ќ' => "kj",
            'ѕ' => "dz",
            'щ' => match conv {
                Scholarly => "sch",
                _ => "shch",
            },
            'ъ' => match conv {
                Icao => "ie",
                _ => "",
            },
            'ы' => "y",
            'ь' => "",
            'э' => "e",
            'ю' => match conv {
                Icao => "iu",
                Scholarly => "ju",
                Ukrainian | Belarusian if !start => "iu",
                _ => "yu",
            },
            'я' => match conv {
                Icao => "ia",
                Scholarly => "ja",
                Ukrainian | Belarusian if !start => "ia",
                _ => "ya",
            },
            _ => {
                out.push_str(&super::fallback_char(c));
                continue;
            }
        };
        out.push_str(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Convention, render};

    #[test]
    fn conventions() {
        let cases: &[(&str, Convention, &str)] = &[
            ("сергей", Convention::Icao, "sergei"),
            ("сергей", Convention::Bgn, "sergey"),
            ("шойгу", Convention::Icao, "shoigu"),
            ("шойгу", Convention::Bgn, "shoygu"),
            ("дмитрий", Convention::Icao, "dmitrii"),
            ("дмитрий", Convention::Bgn, "dmitriy"),
            ("дмитрий", Convention::Popular, "dmitry"),
            ("евгений", Convention::Bgn, "yevgeniy"),
            ("евгений", Convention::Icao, "evgenii"),
            ("юлия", Convention::Icao, "iuliia"),
            ("юлия", Convention::Bgn, "yuliya"),
            ("юлия", Convention::Scholarly, "julija"),
            ("хрущев", Convention::Scholarly, "hruschev"),
            ("цой", Convention::Scholarly, "tzoj"),
            ("володимир", Convention::Ukrainian, "volodymyr"),
            ("юрій", Convention::Ukrainian, "yurii"),
            ("зеленський", Convention::Ukrainian, "zelenskyi"),
        ];
        for (word, conv, expected) in cases {
            assert_eq!(render(word, *conv), *expected, "render({word:?}, {conv:?})");
        }
    }
}
