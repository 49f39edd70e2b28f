//! The goAML report schema subset Vigia writes and checks.
//!
//! Transcribed from the UNODC goAML XML schema documentation (the
//! `goAMLSchema.xsd` family, version 4.0 structure): the `report` element,
//! bi-party `transaction`s with `t_from_my_client`/`t_from` and
//! `t_to_my_client`/`t_to`, and the `t_person`, `t_entity`, `t_account`,
//! `t_address`, `t_phone` and `t_person_identification` types. Lookup
//! codes come from the FIU profile. Elements Vigia does not write (multi-
//! party `activity` reports, goods and services, directors, employer
//! addresses) are not declared.

use crate::goaml::profile::list;
use crate::xml::schema::{Body, Decl, Item, MANY, Value, leaf, node, option, rec};

const fn opt(name: &'static str, max: usize) -> Item {
    leaf(name, 0, 1, Value::Text(max))
}

/// The root: `report`.
pub(crate) const REPORT: Decl =
    Decl { name: "report", min: 1, max: 1, body: Body::Seq(REPORT_ITEMS) };

const REPORT_ITEMS: &[Item] = &[
    leaf("rentity_id", 1, 1, Value::Digits(1, 10)),
    opt("rentity_branch", 255),
    leaf("submission_code", 1, 1, Value::Code(&["E", "M"])),
    leaf("report_code", 1, 1, Value::Lookup(list::REPORT_CODE, 10)),
    opt("entity_reference", 255),
    opt("fiu_ref_number", 255),
    leaf("submission_date", 1, 1, Value::DateTime),
    leaf("currency_code_local", 1, 1, Value::Currency),
    rec("reporting_person", 0, 1, person),
    node("location", 0, 1, ADDRESS),
    opt("reason", 4000),
    opt("action", 4000),
    node("transaction", 1, MANY, TRANSACTION),
    node(
        "report_indicators",
        1,
        1,
        &[leaf("indicator", 1, MANY, Value::Lookup(list::INDICATOR, 25))],
    ),
];

const TRANSACTION: &[Item] = &[
    leaf("transactionnumber", 1, 1, Value::Text(50)),
    opt("internal_ref_number", 50),
    opt("transaction_location", 255),
    opt("transaction_description", 4000),
    leaf("date_transaction", 1, 1, Value::DateTime),
    leaf("value_date", 0, 1, Value::DateTime),
    leaf("transmode_code", 1, 1, Value::Lookup(list::TRANSMODE, 50)),
    opt("transmode_comment", 50),
    leaf("amount_local", 1, 1, Value::Decimal),
    Item::Choice {
        min: 1,
        max: 1,
        options: &[option("t_from_my_client", FROM_MY_CLIENT), option("t_from", FROM)],
    },
    Item::Choice { min: 1, max: 1, options: &[option("t_to_my_client", TO), option("t_to", TO)] },
    opt("comments", 4000),
];

const FOREIGN_FROM: Item = node("from_foreign_currency", 0, 1, FOREIGN);
const FOREIGN_TO: Item = node("to_foreign_currency", 0, 1, FOREIGN);

const FOREIGN: &[Item] = &[
    leaf("foreign_currency_code", 1, 1, Value::Currency),
    leaf("foreign_amount", 1, 1, Value::Decimal),
    leaf("foreign_exchange_rate", 1, 1, Value::Text(20)),
];

const FROM_PARTY: Item = Item::Choice {
    min: 1,
    max: 1,
    options: &[
        option("from_account", ACCOUNT),
        Decl { name: "from_person", min: 1, max: 1, body: Body::Rec(person) },
        option("from_entity", ENTITY),
    ],
};

const FROM_MY_CLIENT: &[Item] = &[
    leaf("from_funds_code", 1, 1, Value::Lookup(list::FUNDS, 50)),
    opt("from_funds_comment", 255),
    FOREIGN_FROM,
    rec("t_conductor", 0, 1, person),
    FROM_PARTY,
    leaf("from_country", 1, 1, Value::Country),
];

const FROM: &[Item] = &[
    leaf("from_funds_code", 1, 1, Value::Lookup(list::FUNDS, 50)),
    opt("from_funds_comment", 255),
    FOREIGN_FROM,
    FROM_PARTY,
    leaf("from_country", 1, 1, Value::Country),
];

const TO: &[Item] = &[
    leaf("to_funds_code", 1, 1, Value::Lookup(list::FUNDS, 50)),
    opt("to_funds_comment", 255),
    FOREIGN_TO,
    Item::Choice {
        min: 1,
        max: 1,
        options: &[
            option("to_account", ACCOUNT),
            Decl { name: "to_person", min: 1, max: 1, body: Body::Rec(person) },
            option("to_entity", ENTITY),
        ],
    },
    leaf("to_country", 1, 1, Value::Country),
];

fn person() -> &'static [Item] {
    PERSON
}

const PERSON: &[Item] = &[
    leaf("gender", 0, 1, Value::Lookup(list::GENDER, 1)),
    opt("title", 30),
    leaf("first_name", 1, 1, Value::Text(100)),
    opt("middle_name", 100),
    opt("prefix", 100),
    leaf("last_name", 1, 1, Value::Text(100)),
    leaf("birthdate", 0, 1, Value::DateTime),
    opt("birth_place", 255),
    opt("mothers_name", 100),
    opt("alias", 100),
    opt("ssn", 25),
    opt("passport_number", 25),
    leaf("passport_country", 0, 1, Value::Country),
    opt("id_number", 25),
    leaf("nationality1", 0, 1, Value::Country),
    leaf("residence", 0, 1, Value::Country),
    PHONES,
    ADDRESSES,
    opt("email", 255),
    opt("occupation", 255),
    opt("employer_name", 255),
    node(
        "identification",
        0,
        MANY,
        &[
            leaf("type", 1, 1, Value::Lookup(list::IDENTIFIER_TYPE, 50)),
            leaf("number", 1, 1, Value::Text(255)),
            leaf("issue_date", 0, 1, Value::DateTime),
            leaf("expiry_date", 0, 1, Value::DateTime),
            opt("issued_by", 255),
            leaf("issue_country", 1, 1, Value::Country),
            opt("comments", 4000),
        ],
    ),
    opt("tax_number", 100),
    opt("comments", 4000),
];

const ENTITY: &[Item] = &[
    leaf("name", 1, 1, Value::Text(255)),
    opt("commercial_name", 255),
    leaf("incorporation_legal_form", 0, 1, Value::Lookup(list::LEGAL_FORM, 50)),
    opt("incorporation_number", 50),
    opt("business", 255),
    PHONES,
    ADDRESSES,
    opt("email", 255),
    opt("url", 255),
    opt("incorporation_state", 255),
    leaf("incorporation_country_code", 0, 1, Value::Country),
    opt("tax_number", 100),
    opt("comments", 4000),
];

const ACCOUNT: &[Item] = &[
    leaf("institution_name", 1, 1, Value::Text(255)),
    Item::Choice {
        min: 0,
        max: 1,
        options: &[
            crate::xml::schema::option_leaf("institution_code", Value::Text(50)),
            crate::xml::schema::option_leaf("swift", Value::Alnum(8, 11)),
        ],
    },
    leaf("non_bank_institution", 0, 1, Value::Boolean),
    opt("branch", 255),
    leaf("account", 1, 1, Value::Text(50)),
    leaf("currency_code", 0, 1, Value::Currency),
    opt("account_name", 255),
    opt("iban", 34),
    opt("client_number", 30),
    leaf("personal_account_type", 0, 1, Value::Lookup(list::ACCOUNT_TYPE, 50)),
    node("t_entity", 0, 1, ENTITY),
    node(
        "signatory",
        0,
        MANY,
        &[leaf("is_primary", 0, 1, Value::Boolean), rec("t_person", 1, 1, person)],
    ),
    leaf("opened", 0, 1, Value::DateTime),
    leaf("closed", 0, 1, Value::DateTime),
    leaf("balance", 0, 1, Value::Decimal),
    leaf("status_code", 0, 1, Value::Lookup(list::ACCOUNT_STATUS, 50)),
    opt("comments", 4000),
];

const PHONES: Item = node(
    "phones",
    0,
    1,
    &[node(
        "phone",
        1,
        MANY,
        &[
            leaf("tph_contact_type", 1, 1, Value::Lookup(list::CONTACT_TYPE, 50)),
            leaf("tph_communication_type", 1, 1, Value::Lookup(list::COMMUNICATION_TYPE, 50)),
            opt("tph_country_prefix", 4),
            leaf("tph_number", 1, 1, Value::Text(50)),
            opt("tph_extension", 10),
            opt("comments", 4000),
        ],
    )],
);

const ADDRESSES: Item = node("addresses", 0, 1, &[node("address", 1, MANY, ADDRESS)]);

const ADDRESS: &[Item] = &[
    leaf("address_type", 1, 1, Value::Lookup(list::CONTACT_TYPE, 50)),
    leaf("address", 1, 1, Value::Text(100)),
    opt("town", 255),
    leaf("city", 1, 1, Value::Text(255)),
    opt("zip", 10),
    leaf("country_code", 1, 1, Value::Country),
    opt("state", 255),
    opt("comments", 4000),
];

#[cfg(test)]
mod tests {
    use crate::xml::schema::outline;

    #[test]
    fn goaml_schema_subset() {
        insta::assert_snapshot!(outline(&super::REPORT));
    }
}
