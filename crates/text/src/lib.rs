//! Pure text processing for names.
//!
//! Everything here is a pure function of its input: no IO, no clock. Tables
//! (legal forms, given-name equivalences, honorifics, transliteration
//! tables) are compiled into the binary and built lazily once.
//!
//! The pipeline, for a name of a known [`NameKind`]:
//!
//! 1. [`normalize::fold`]: NFKC, homoglyph folding, case folding, diacritics
//!    stripped, punctuation to spaces. Non-Latin scripts are kept as they are.
//! 2. [`translit::latin_variants`]: for names in non-Latin scripts, the
//!    distinct Latin renderings (several romanisations where they disagree).
//! 3. [`token::tokenize_parts`]: words, splitting glued parentheticals,
//!    hyphens and apostrophes sensibly, remembering hyphen joins.
//! 4. [`tag::tag_tokens`]: what each part is (legal form, honorific,
//!    organisation word, particle, initial, number, given name, ...), with
//!    multi-token legal forms merged into one part.
//! 5. [`phonetic`]: phonetic and consonant-skeleton keys for each part.
//!
//! [`analyze`] runs all of it and returns an [`AnalyzedName`]: the form the
//! index and the scorer consume.

pub use vigia_model::NameKind;

pub mod chars;
mod lexicon;
pub mod names;
pub mod normalize;
pub mod phonetic;
pub mod script;
pub mod tag;
pub mod token;
pub mod translit;

pub use script::Script;
pub use tag::{Part, PartTag};

/// A name, analysed: one or more Latin (or original-script) forms, each a
/// sequence of tagged parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedName {
    /// The name as given.
    pub original: String,
    /// The dominant script of the name as given.
    pub script: Script,
    /// The forms to compare, most faithful first. For a Latin name this is
    /// one form; for a name in another script, the original-script form
    /// (when comparison in that script is meaningful: same-script lists)
    /// followed by its Latin variants, capped at [`translit::MAX_VARIANTS`].
    pub forms: Vec<NameForm>,
    /// Acronyms the name could be written as (organisations only): "cjng"
    /// for "Cártel de Jalisco Nueva Generación", with and without its
    /// particles.
    pub acronyms: Vec<String>,
}

/// One rendering of a name as tagged parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameForm {
    /// The script of this form.
    pub script: Script,
    /// The folded text of the whole form, parts joined by single spaces.
    pub text: String,
    /// The parts, in order.
    pub parts: Vec<Part>,
}

/// The most chars of a folded name that are analysed: real names are far
/// shorter; the cap bounds the work and the token lengths for junk input
/// (a pasted paragraph, a name without spaces in a script without them).
pub const MAX_NAME_CHARS: usize = 256;

/// The most acronyms kept for one name (over all its forms).
pub const MAX_ACRONYMS: usize = 4;

/// Analyses a name: fold, transliterate, tokenize, tag, phonetic keys.
///
/// `kind` decides which tags apply (legal forms only for organisations and
/// unknown kinds; given-name classes only for persons and unknown kinds).
///
/// Never panics; the work is bounded by [`MAX_NAME_CHARS`] folded chars,
/// [`token::MAX_TOKENS`] tokens per form and [`translit::MAX_VARIANTS`]
/// Latin variants.
pub fn analyze(name: &str, kind: NameKind) -> AnalyzedName {
    analyze_keyed(name, kind, true)
}

/// As [`analyze`], but without phonetic keys (`metaphone` and `skeleton`
/// stay empty): for a caller that memoises what it derives from a part and
/// computes the keys (with [`phonetic::metaphone`] and
/// [`phonetic::skeleton`]) only for parts it has not seen.
pub fn analyze_without_keys(name: &str, kind: NameKind) -> AnalyzedName {
    analyze_keyed(name, kind, false)
}

fn analyze_keyed(name: &str, kind: NameKind, keys: bool) -> AnalyzedName {
    let mut folded = normalize::fold(name);
    // A text of at most MAX_NAME_CHARS bytes has at most as many chars:
    // nearly every name, which is then not walked char by char.
    if folded.len() > MAX_NAME_CHARS
        && let Some((cut, _)) = folded.char_indices().nth(MAX_NAME_CHARS)
    {
        folded.truncate(cut);
        let trimmed = folded.trim_end_matches([' ', '-']).len();
        folded.truncate(trimmed);
    }
    let script = script::dominant(&folded);
    let mut forms: Vec<NameForm> = Vec::with_capacity(1);
    let mut push = |script: Script, text: &str| {
        let tokens = token::tokenize_parts(text);
        let parts = tag::tag_tokens_keyed(tokens, kind, keys);
        if parts.is_empty() {
            return;
        }
        let mut text = String::with_capacity(parts.iter().map(|p| p.text.len() + 1).sum());
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(&part.text);
        }
        if forms.iter().any(|f| f.text == text) {
            return;
        }
        forms.push(NameForm { script, text, parts });
    };
    push(script, &folded);
    if script != Script::Latin && script != Script::Common {
        for variant in translit::latin_variants_in(&folded, script) {
            push(Script::Latin, &variant);
        }
    }
    let mut acronyms: Vec<String> = Vec::new();
    if matches!(kind, NameKind::Organization | NameKind::Unknown) {
        // Latin forms first: their acronyms are the ones lists write.
        let latin_first = forms
            .iter()
            .filter(|f| f.script == Script::Latin)
            .chain(forms.iter().filter(|f| f.script != Script::Latin));
        for form in latin_first {
            for a in tag::acronyms(&form.parts) {
                if acronyms.len() < MAX_ACRONYMS && !acronyms.contains(&a) {
                    acronyms.push(a);
                }
            }
        }
    }
    AnalyzedName { original: name.to_owned(), script, forms, acronyms }
}
