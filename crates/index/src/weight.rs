//! How much each part of a name counts.
//!
//! A part's weight is the product of what it is (its tag: a word counts
//! fully, a legal form or an honorific hardly at all), how rare it is among
//! the listed names (a common given name cannot carry a match alone) and its
//! role (a known family name counts more than a given name).

use vigia_text::PartTag;

/// The role of a part in a person's name, when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PartRole {
    /// Not known.
    #[default]
    Unknown,
    /// A given name (from `firstName`/`middleName`, or by case convention).
    Given,
    /// A family name (from `lastName`, or written in capitals among
    /// capitalised given names, as UN, EU and OFAC lists write them).
    Family,
}

/// The weights of each kind of part. The defaults are the `vigia`
/// algorithm's; they are listed by the `/algorithms` endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// An ordinary word.
    pub word: f32,
    /// A number ("13" in "MS-13"): numbers tell groups apart.
    pub number: f32,
    /// An initial.
    pub initial: f32,
    /// A particle ("bin", "al", "de").
    pub particle: f32,
    /// A stopword.
    pub stopword: f32,
    /// An honorific or title.
    pub honorific: f32,
    /// A legal form ("sa de cv", "llc").
    pub legal_form: f32,
    /// A generic organisation word ("cartel", "group").
    pub org_word: f32,
    /// Multiplier for a person's middle name: lists often leave middle
    /// names out, so one missing from the listed name costs less.
    pub middle_name: f32,
    /// Multiplier for a known family name.
    pub family: f32,
}

impl Default for Weights {
    fn default() -> Weights {
        Weights {
            word: 1.0,
            number: 1.2,
            initial: 0.4,
            particle: 0.3,
            stopword: 0.1,
            honorific: 0.05,
            legal_form: 0.25,
            org_word: 0.45,
            middle_name: 0.6,
            family: 1.3,
        }
    }
}

impl Weights {
    /// The base weight of a tag.
    pub fn base(&self, tag: PartTag) -> f32 {
        match tag {
            PartTag::Word => self.word,
            PartTag::Number => self.number,
            PartTag::Initial => self.initial,
            PartTag::Particle => self.particle,
            PartTag::Stopword => self.stopword,
            PartTag::Honorific => self.honorific,
            PartTag::LegalForm => self.legal_form,
            PartTag::OrgWord => self.org_word,
        }
    }

    /// The weight of a part: base × rarity (words only) × role.
    pub fn part(&self, tag: PartTag, rarity: f32, role: PartRole) -> f32 {
        let mut weight = self.base(tag);
        if tag == PartTag::Word {
            weight *= rarity;
            if role == PartRole::Family {
                weight *= self.family;
            }
        }
        weight
    }

    /// Whether a part of this tag carries identity on its own: a match made
    /// only of legal forms, organisation words, particles, honorifics and
    /// initials is not a name match.
    pub fn is_informative(tag: PartTag) -> bool {
        matches!(tag, PartTag::Word | PartTag::Number)
    }
}
