//! The BSA E-Filing schema subset Vigia writes and checks (SARX and CTRX).
//!
//! Transcribed from the FinCEN SAR and CTR XML Schema User Guides ("BSA
//! Electronic Filing Requirements for XML"): element names, nesting,
//! multiplicity and value formats. Only the elements Vigia writes are
//! declared; a document using others (attachments, cyber-event indicators,
//! product and instrument types, casino detail) is reported as holding
//! undeclared elements.
//!
//! Order: within each container, value elements come first in alphabetical
//! order (letters compared without case, as the user guides list them),
//! then child containers in the order the guides give. Lengths are the
//! guides' maximum field lengths as far as they are known here; see
//! `docs/guide/filings.md` for the values least certain.

use crate::fincen::codes;
use crate::xml::schema::{Decl, Item, MANY, Value, leaf, node, rec};

const fn ind(name: &'static str) -> Item {
    leaf(name, 0, 1, Value::Indicator)
}

const fn text(name: &'static str, max: usize) -> Item {
    leaf(name, 0, 1, Value::Text(max))
}

/// The root of a SAR batch.
pub(crate) const SAR_ROOT: Decl = Decl {
    name: "EFilingBatchXML",
    min: 1,
    max: 1,
    body: crate::xml::schema::Body::Seq(SAR_BATCH),
};

/// The root of a CTR batch.
pub(crate) const CTR_ROOT: Decl = Decl {
    name: "EFilingBatchXML",
    min: 1,
    max: 1,
    body: crate::xml::schema::Body::Seq(CTR_BATCH),
};

const SAR_BATCH: &[Item] =
    &[leaf("FormTypeCode", 1, 1, Value::Code(&["SARX"])), node("Activity", 1, MANY, SAR_ACTIVITY)];

const SAR_ACTIVITY: &[Item] = &[
    leaf("EFilingPriorDocumentNumber", 0, 1, Value::Digits(14, 14)),
    leaf("FilingDateText", 1, 1, Value::Date8),
    text("FilingInstitutionNotetoFinCEN", 50),
    node(
        "ActivityAssociation",
        1,
        1,
        &[
            ind("ContinuingActivityReportIndicator"),
            ind("CorrectsAmendsPriorReportIndicator"),
            ind("InitialReportIndicator"),
            ind("JointReportIndicator"),
        ],
    ),
    // Transmitter, transmitter contact, filer, contact office, at least one
    // location and one subject: six at least; 999 subjects and 99
    // locations at most.
    rec("Party", 6, 1102, sar_party),
    node(
        "SuspiciousActivity",
        1,
        1,
        &[
            ind("AmountUnknownIndicator"),
            leaf("CumulativeTotalViolationAmountText", 0, 1, Value::Dollars),
            ind("NoAmountInvolvedIndicator"),
            leaf("SuspiciousActivityFromDateText", 1, 1, Value::Date8),
            leaf("SuspiciousActivityToDateText", 0, 1, Value::Date8),
            leaf("TotalSuspiciousAmountText", 0, 1, Value::Dollars),
            node(
                "SuspiciousActivityClassification",
                1,
                99,
                &[
                    text("OtherSuspiciousActivityTypeText", 50),
                    leaf("SuspiciousActivitySubtypeID", 1, 1, Value::Digits(1, 4)),
                    leaf("SuspiciousActivityTypeID", 1, 1, Value::Digits(1, 3)),
                ],
            ),
        ],
    ),
    node(
        "ActivityIPAddress",
        0,
        99,
        &[
            leaf("ActivityIPAddressDateText", 0, 1, Value::Date8),
            leaf("IPAddressText", 1, 1, Value::Text(39)),
        ],
    ),
    node(
        "ActivityNarrativeInformation",
        1,
        5,
        &[
            leaf("ActivityNarrativeSequenceNumber", 1, 1, Value::Digits(1, 1)),
            leaf("NarrativeText", 1, 1, Value::Text(4000)),
        ],
    ),
];

fn sar_party() -> &'static [Item] {
    SAR_PARTY
}

const SAR_PARTY: &[Item] = &[
    leaf("ActivityPartyTypeCode", 1, 1, Value::Code(codes::SAR_PARTY_TYPES)),
    ind("AdmissionConfessionNoIndicator"),
    ind("AdmissionConfessionYesIndicator"),
    ind("AllCriticalSubjectInformationUnavailableIndicator"),
    ind("BirthDateUnknownIndicator"),
    ind("BothPurchaserSenderPayeeReceiveIndicator"),
    ind("FemaleGenderIndicator"),
    leaf("IndividualBirthDateText", 0, 1, Value::BirthDate8),
    leaf("LossToFinancialInstitutionAmountText", 0, 1, Value::Dollars),
    ind("MaleGenderIndicator"),
    ind("NoBranchActivityInvolvedIndicator"),
    ind("NoKnownAccountInvolvedIndicator"),
    ind("NonUSFinancialInstitutionIndicator"),
    ind("PartyAsEntityOrganizationIndicator"),
    ind("PayeeReceiverIndicator"),
    leaf("PrimaryRegulatorTypeCode", 0, 1, Value::Code(codes::REGULATORS)),
    ind("PurchaserSenderIndicator"),
    ind("UnknownGenderIndicator"),
    PARTY_NAME,
    ADDRESS,
    PHONE,
    IDENTIFICATION,
    ORGANIZATION,
    OCCUPATION,
    ELECTRONIC_ADDRESS,
    node(
        "PartyAssociation",
        0,
        99,
        &[
            ind("AccountantIndicator"),
            leaf("ActionTakenDateText", 0, 1, Value::Date8),
            ind("AgentIndicator"),
            ind("AppraiserIndicator"),
            ind("AttorneyIndicator"),
            ind("BorrowerIndicator"),
            ind("CustomerIndicator"),
            ind("DirectorIndicator"),
            ind("EmployeeIndicator"),
            ind("NoRelationshipToInstitutionIndicator"),
            ind("OfficerIndicator"),
            text("OtherPartyAssociationTypeText", 50),
            ind("OtherRelationshipIndicator"),
            ind("OwnerShareholderIndicator"),
            ind("RelationshipContinuesIndicator"),
            ind("ResignedIndicator"),
            leaf("SubjectRelationshipFITINText", 0, 1, Value::Text(25)),
            ind("SuspendedBarredIndicator"),
            ind("TerminatedIndicator"),
            ind("TrusteeIndicator"),
            rec("Party", 0, 1, sar_party),
        ],
    ),
    node(
        "PartyAccountAssociation",
        0,
        1,
        &[
            leaf(
                "PartyAccountAssociationTypeCode",
                1,
                1,
                Value::Code(codes::SAR_ACCOUNT_ASSOCIATIONS),
            ),
            rec("Party", 1, 99, sar_party),
        ],
    ),
    node(
        "Account",
        0,
        99,
        &[
            leaf("AccountNumberText", 1, 1, Value::Text(40)),
            node(
                "PartyAccountAssociation",
                0,
                1,
                &[
                    ind("AccountClosedIndicator"),
                    leaf(
                        "PartyAccountAssociationTypeCode",
                        1,
                        1,
                        Value::Code(codes::SAR_ACCOUNT_ASSOCIATIONS),
                    ),
                ],
            ),
        ],
    ),
];

const PARTY_NAME: Item = node(
    "PartyName",
    0,
    100,
    &[
        ind("EntityLastNameUnknownIndicator"),
        ind("FirstNameUnknownIndicator"),
        leaf("PartyNameTypeCode", 1, 1, Value::Code(codes::NAME_TYPES)),
        text("RawEntityIndividualLastName", 150),
        text("RawIndividualFirstName", 35),
        text("RawIndividualMiddleName", 35),
        text("RawIndividualNameSuffixText", 35),
        text("RawPartyFullName", 150),
    ],
);

const ADDRESS: Item = node(
    "Address",
    0,
    99,
    &[
        ind("CityUnknownIndicator"),
        ind("CountryCodeUnknownIndicator"),
        text("RawCityText", 50),
        leaf("RawCountryCodeText", 0, 1, Value::Country),
        text("RawStateCodeText", 3),
        text("RawStreetAddress1Text", 100),
        text("RawZIPCode", 9),
        ind("StateCodeUnknownIndicator"),
        ind("StreetAddressUnknownIndicator"),
        ind("ZIPCodeUnknownIndicator"),
    ],
);

const PHONE: Item = node(
    "PhoneNumber",
    0,
    99,
    &[
        leaf("PhoneNumberExtensionText", 0, 1, Value::Digits(1, 6)),
        leaf("PhoneNumberText", 1, 1, Value::Digits(1, 16)),
        leaf("PhoneNumberTypeCode", 0, 1, Value::Code(codes::PHONE_TYPES)),
    ],
);

const IDENTIFICATION: Item = node(
    "PartyIdentification",
    0,
    99,
    &[
        leaf("OtherIssuerCountryText", 0, 1, Value::Country),
        text("OtherIssuerStateText", 3),
        text("OtherPartyIdentificationTypeText", 50),
        text("PartyIdentificationNumberText", 25),
        leaf("PartyIdentificationTypeCode", 0, 1, Value::Code(codes::ID_TYPES)),
        ind("TINUnknownIndicator"),
    ],
);

const ORGANIZATION: Item = node(
    "OrganizationClassificationTypeSubtype",
    0,
    99,
    &[
        leaf("OrganizationTypeID", 1, 1, Value::Code(codes::ORGANIZATION_TYPES)),
        text("OtherOrganizationTypeText", 50),
    ],
);

const OCCUPATION: Item = node(
    "PartyOccupationBusiness",
    0,
    1,
    &[leaf("NAICSCode", 0, 1, Value::Digits(3, 6)), text("OccupationBusinessText", 30)],
);

const ELECTRONIC_ADDRESS: Item = node(
    "ElectronicAddress",
    0,
    99,
    &[
        leaf("ElectronicAddressText", 1, 1, Value::Text(517)),
        leaf("ElectronicAddressTypeCode", 1, 1, Value::Code(codes::ELECTRONIC_TYPES)),
    ],
);

const CTR_BATCH: &[Item] =
    &[leaf("FormTypeCode", 1, 1, Value::Code(&["CTRX"])), node("Activity", 1, MANY, CTR_ACTIVITY)];

const CTR_ACTIVITY: &[Item] = &[
    leaf("EFilingPriorDocumentNumber", 0, 1, Value::Digits(14, 14)),
    leaf("FilingDateText", 1, 1, Value::Date8),
    node(
        "ActivityAssociation",
        1,
        1,
        &[
            ind("CorrectsAmendsPriorReportIndicator"),
            ind("FinCENDirectBackFileIndicator"),
            ind("InitialReportIndicator"),
        ],
    ),
    node("Party", 6, MANY, CTR_PARTY),
    node(
        "CurrencyTransactionActivity",
        1,
        1,
        &[
            ind("AggregateTransactionIndicator"),
            ind("ArmoredCarServiceIndicator"),
            ind("ATMIndicator"),
            ind("MailDepositShipmentIndicator"),
            ind("NightDepositIndicator"),
            ind("SharedBranchingIndicator"),
            leaf("TotalCashInReceiveAmountText", 0, 1, Value::Dollars),
            leaf("TotalCashOutAmountText", 0, 1, Value::Dollars),
            leaf("TransactionDateText", 1, 1, Value::Date8),
            node(
                "CurrencyTransactionActivityDetail",
                1,
                MANY,
                &[
                    leaf(
                        "CurrencyTransactionActivityDetailTypeCode",
                        1,
                        1,
                        Value::Code(&[
                            "55", "46", "23", "12", "14", "49", "997", "56", "30", "32", "13",
                            "15", "48", "998",
                        ]),
                    ),
                    leaf("DetailTransactionAmountText", 1, 1, Value::Dollars),
                    leaf("OtherForeignCurrencyCountryText", 0, 1, Value::Country),
                    text("OtherTransactionTypeText", 50),
                ],
            ),
        ],
    ),
];

const CTR_PARTY: &[Item] = &[
    leaf("ActivityPartyTypeCode", 1, 1, Value::Code(codes::CTR_PARTY_TYPES)),
    ind("BirthDateUnknownIndicator"),
    ind("FemaleGenderIndicator"),
    leaf("IndividualBirthDateText", 0, 1, Value::BirthDate8),
    leaf("IndividualEntityCashInAmountText", 0, 1, Value::Dollars),
    leaf("IndividualEntityCashOutAmountText", 0, 1, Value::Dollars),
    ind("MaleGenderIndicator"),
    ind("MultipleTransactionsPersonsIndividualsIndicator"),
    ind("PartyAsEntityOrganizationIndicator"),
    leaf("PrimaryRegulatorTypeCode", 0, 1, Value::Code(codes::REGULATORS)),
    ind("UnknownGenderIndicator"),
    PARTY_NAME,
    ADDRESS,
    PHONE,
    IDENTIFICATION,
    ORGANIZATION,
    OCCUPATION,
    ELECTRONIC_ADDRESS,
    node(
        "PartyAccountAssociation",
        0,
        2,
        &[
            leaf(
                "PartyAccountAssociationTypeCode",
                1,
                1,
                Value::Code(codes::CTR_ACCOUNT_ASSOCIATIONS),
            ),
            node("Account", 1, 99, &[leaf("AccountNumberText", 1, 1, Value::Text(40))]),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use crate::xml::schema::outline;

    #[test]
    fn sar_schema_subset() {
        insta::assert_snapshot!(outline(&super::SAR_ROOT));
    }

    #[test]
    fn ctr_schema_subset() {
        insta::assert_snapshot!(outline(&super::CTR_ROOT));
    }
}
