//! Alerts: what monitoring and screening hand to analysts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an alert asks of the institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// Suspicious activity to review.
    #[default]
    Alert,
    /// A currency transaction report to file (not suspicion).
    CtrWorkItem,
    /// A transaction to block or reject now (sanctions, §2313a).
    Block,
}

/// How urgent an alert is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    /// Worth a look.
    Low,
    /// Review within the normal service level.
    #[default]
    Medium,
    /// Review first.
    High,
    /// Act now (block, file).
    Critical,
}

/// An alert raised by a monitoring scenario or a screening hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable id: the same pattern always gets the same id, which is what
    /// makes deduplication work across restarts.
    pub id: String,
    /// The scenario id (e.g. `A3`, `G3`) or `screening`.
    pub scenario: String,
    /// The typology (e.g. `structuring`, `cycle`, `sanctions`).
    pub typology: String,
    /// What the alert asks for.
    #[serde(default)]
    pub kind: AlertKind,
    /// How urgent it is.
    #[serde(default)]
    pub severity: AlertSeverity,
    /// A score in 0..=1 for ordering the queue.
    pub score: f64,
    /// The accounts or parties the alert is about.
    pub subjects: Vec<String>,
    /// The contributing transactions (evidence).
    pub transactions: Vec<String>,
    /// Start of the activity (RFC 3339).
    pub from: String,
    /// End of the activity (RFC 3339).
    pub to: String,
    /// What happened, in words an analyst reads.
    pub explanation: String,
    /// Advisory key terms for the SAR (field 2 and narrative).
    #[serde(default)]
    pub key_terms: Vec<String>,
    /// The total amount involved, in USD equivalent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    /// The measured values behind the decision (aggregate name → value),
    /// so a reviewer sees the numbers, not only the sentence.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, f64>,
    /// What produced the alert: scenario pack version and content hash,
    /// engine version (`pack@hash engine`), for the audit trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}
