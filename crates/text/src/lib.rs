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
//! 3. [`token::tokenize`]: words, splitting glued parentheticals, hyphens and
//!    apostrophes sensibly.
//! 4. [`tag::tag_parts`]: what each part is (legal form, honorific,
//!    organisation word, particle, initial, number, given name, ...), with
//!    multi-token legal forms merged into one part.
//! 5. [`phonetic`]: phonetic and consonant-skeleton keys for each part.
//!
//! [`analyze`] runs all of it and returns an [`AnalyzedName`]: the form the
//! index and the scorer consume.

pub use vigia_model::NameKind;

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

/// Analyses a name: fold, transliterate, tokenize, tag, phonetic keys.
///
/// `kind` decides which tags apply (legal forms only for organisations and
/// unknown kinds; given-name classes only for persons and unknown kinds).
pub fn analyze(name: &str, kind: NameKind) -> AnalyzedName {
    let folded = normalize::fold(name);
    let script = script::dominant(&folded);
    let mut forms = Vec::new();
    let mut texts = Vec::new();
    if script == Script::Latin || script == Script::Common {
        texts.push((script, folded.clone()));
    } else {
        texts.push((script, folded.clone()));
        for variant in translit::latin_variants(&folded) {
            texts.push((Script::Latin, variant));
        }
    }
    for (script, text) in texts {
        let tokens = token::tokenize(&text);
        let parts = tag::tag_parts(&tokens, kind);
        let text = parts.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" ");
        if forms.iter().any(|f: &NameForm| f.text == text) || parts.is_empty() {
            continue;
        }
        forms.push(NameForm { script, text, parts });
    }
    let acronyms = match kind {
        NameKind::Organization | NameKind::Unknown => {
            forms.iter().flat_map(|f| tag::acronyms(&f.parts)).collect()
        }
        _ => Vec::new(),
    };
    AnalyzedName { original: name.to_owned(), script, forms, acronyms }
}
