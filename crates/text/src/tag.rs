//! Name-part tagging.

use vigia_model::NameKind;

/// What a part of a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartTag {
    /// An ordinary word (a given or family name, a word of an organisation name).
    Word,
    /// A single letter, as in "J. Smith".
    Initial,
    /// A number ("13" in "MS-13").
    Number,
    /// A legal form ("sa de cv", "llc", "ooo", "gmbh"), possibly spanning
    /// several tokens, canonicalised.
    LegalForm,
    /// A generic organisation word ("cartel", "group", "trading", "bank").
    OrgWord,
    /// An honorific or title ("mr", "dr", "sheikh", "haji", "mullah").
    Honorific,
    /// A name particle ("bin", "ibn", "al", "el", "de", "la", "van", "von").
    Particle,
    /// A stopword ("the", "of", "and", "y").
    Stopword,
}

/// A part of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The folded text (canonical form for legal forms and organisation
    /// words: "s a de c v" and "sa de cv" both become "sa de cv").
    pub text: String,
    /// What the part is.
    pub tag: PartTag,
    /// An equivalence class id: parts with the same symbol mean the same
    /// thing however spelt ("mohammed", "muhammad", "mohamed", "محمد"; "llc"
    /// and "limited liability company"; "cartel" and "carteles"). `None`
    /// for parts outside every table.
    pub symbol: Option<u32>,
    /// Double Metaphone primary key (empty for numbers and non-Latin parts).
    pub metaphone: String,
    /// Consonant skeleton ("mohammed" → "mhmd").
    pub skeleton: String,
}

/// Tags a tokenized name.
pub fn tag_parts(tokens: &[String], kind: NameKind) -> Vec<Part> {
    let _ = kind;
    tokens
        .iter()
        .map(|t| Part {
            text: t.clone(),
            tag: PartTag::Word,
            symbol: None,
            metaphone: String::new(),
            skeleton: String::new(),
        })
        .collect()
}

/// The acronyms an organisation name could be written as: initials of all
/// parts, and initials of the parts that are not particles, stopwords or
/// legal forms, with numbers appended as they are ("ms13").
pub fn acronyms(parts: &[Part]) -> Vec<String> {
    let _ = parts;
    Vec::new()
}
