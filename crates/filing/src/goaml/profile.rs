//! FIU profiles: what one financial intelligence unit's goAML deployment
//! expects.
//!
//! goAML is one product, but every FIU runs its own schema version, makes
//! its own optional fields mandatory and publishes its own lookup codes
//! (transaction modes, funds types, report indicators, contact types). A
//! profile carries those choices so that the writer and the validator stay
//! the same for every FIU. Profiles are data: deserialise one from the
//! FIU's published lists (JSON or TOML) or start from
//! [`GoamlProfile::default`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::party::{IdKind, PhoneKind};
use crate::xml::schema::Lookups;

/// The names of the lookup lists a profile may restrict.
pub mod list {
    /// `report_code`.
    pub const REPORT_CODE: &str = "report_code";
    /// `transmode_code`.
    pub const TRANSMODE: &str = "transmode";
    /// `from_funds_code` / `to_funds_code`.
    pub const FUNDS: &str = "funds";
    /// `indicator` in `report_indicators`.
    pub const INDICATOR: &str = "indicator";
    /// `gender`.
    pub const GENDER: &str = "gender";
    /// `address_type` and `tph_contact_type`.
    pub const CONTACT_TYPE: &str = "contact_type";
    /// `tph_communication_type`.
    pub const COMMUNICATION_TYPE: &str = "communication_type";
    /// `identification/type`.
    pub const IDENTIFIER_TYPE: &str = "identifier_type";
    /// `personal_account_type`.
    pub const ACCOUNT_TYPE: &str = "account_type";
    /// `status_code` of an account.
    pub const ACCOUNT_STATUS: &str = "account_status";
    /// `incorporation_legal_form`.
    pub const LEGAL_FORM: &str = "legal_form";
    /// Every list name.
    pub const ALL: &[&str] = &[
        REPORT_CODE,
        TRANSMODE,
        FUNDS,
        INDICATOR,
        GENDER,
        CONTACT_TYPE,
        COMMUNICATION_TYPE,
        IDENTIFIER_TYPE,
        ACCOUNT_TYPE,
        ACCOUNT_STATUS,
        LEGAL_FORM,
    ];
}

/// The codes the writer fills in from the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileCodes {
    /// `gender` for men.
    pub male: String,
    /// `gender` for women.
    pub female: String,
    /// `address_type` / `tph_contact_type` for a person's address or phone.
    pub contact_private: String,
    /// `address_type` / `tph_contact_type` for an organisation's.
    pub contact_business: String,
    /// `tph_communication_type` for a mobile.
    pub communication_mobile: String,
    /// `tph_communication_type` for a landline (home or work or unknown).
    pub communication_landline: String,
    /// `tph_communication_type` for a fax.
    pub communication_fax: String,
    /// `identification/type` by kind of document; documents of a kind not
    /// listed go into the person's comments.
    #[serde(default)]
    pub identifier_types: BTreeMap<IdKind, String>,
    /// `transmode_code` by Vigia channel name (`cash`, `wire`, ...), used
    /// when a transaction gives no code of its own.
    #[serde(default)]
    pub transmode_by_channel: BTreeMap<String, String>,
    /// Funds codes by channel name, used when a side gives no code.
    #[serde(default)]
    pub funds_by_channel: BTreeMap<String, String>,
}

/// One FIU's goAML choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoamlProfile {
    /// A name for the profile (`generic-4.0`, the FIU's name).
    pub name: String,
    /// The goAML schema version the FIU runs (`4.0`, `5.0.1`, ...).
    pub schema_version: String,
    /// Written as `xsi:noNamespaceSchemaLocation` when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_location: Option<String>,
    /// Fields the FIU makes mandatory beyond the schema, as
    /// `parent/child` element names (`report/reporting_person`,
    /// `from_person/birthdate`): wherever `parent` occurs it must hold a
    /// `child`.
    #[serde(default)]
    pub required: Vec<String>,
    /// Allowed codes per lookup list (see [`list`]); a list absent or
    /// empty takes any code.
    #[serde(default)]
    pub lookups: BTreeMap<String, BTreeSet<String>>,
    /// Codes the writer uses.
    pub codes: ProfileCodes,
}

impl Default for GoamlProfile {
    /// The generic profile: goAML 4.0 element structure, the reporting
    /// person, entity reference and reason required (what FIUs commonly
    /// demand of an STR), report codes STR/SAR/CTR, genders `M`/`F`, and
    /// Vigia's own generic contact codes (`P` private, `B` business;
    /// communication `M` mobile, `L` landline, `F` fax) that an FIU profile
    /// replaces with its published lookups. It knows no transaction-mode,
    /// funds or indicator codes: give them in the report.
    fn default() -> GoamlProfile {
        let set = |codes: &[&str]| codes.iter().map(|c| (*c).to_owned()).collect::<BTreeSet<_>>();
        let lookups = BTreeMap::from([
            (list::REPORT_CODE.to_owned(), set(&["STR", "SAR", "CTR"])),
            (list::GENDER.to_owned(), set(&["M", "F"])),
            (list::CONTACT_TYPE.to_owned(), set(&["P", "B"])),
            (list::COMMUNICATION_TYPE.to_owned(), set(&["M", "L", "F"])),
        ]);
        GoamlProfile {
            name: "generic-4.0".into(),
            schema_version: "4.0".into(),
            schema_location: None,
            required: vec![
                "report/entity_reference".into(),
                "report/reporting_person".into(),
                "report/reason".into(),
            ],
            lookups,
            codes: ProfileCodes {
                male: "M".into(),
                female: "F".into(),
                contact_private: "P".into(),
                contact_business: "B".into(),
                communication_mobile: "M".into(),
                communication_landline: "L".into(),
                communication_fax: "F".into(),
                identifier_types: BTreeMap::new(),
                transmode_by_channel: BTreeMap::new(),
                funds_by_channel: BTreeMap::new(),
            },
        }
    }
}

impl GoamlProfile {
    /// The communication type code of a phone.
    pub(crate) fn communication(&self, kind: Option<PhoneKind>) -> &str {
        match kind {
            Some(PhoneKind::Mobile) => &self.codes.communication_mobile,
            Some(PhoneKind::Fax) => &self.codes.communication_fax,
            _ => &self.codes.communication_landline,
        }
    }
}

impl Lookups for GoamlProfile {
    fn codes(&self, list: &str) -> Option<&BTreeSet<String>> {
        self.lookups.get(list)
    }
}
