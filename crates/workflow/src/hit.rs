//! The life of a screening hit: what a new screening result, a list
//! change or a deactivation does to it, and what a decision does.
//!
//! A hit is one (customer, listed entity) pair. It is **bound** to the
//! versions of both sides its latest matching screening saw, and a
//! decision is bound to the versions it was taken on. [`observe`] is the
//! whole rule set for screening results; the store applies what it
//! returns, with its audit event, in the transaction that writes it.
//!
//! | status | a screening matches the pair with other versions | the entity leaves the lists |
//! |---|---|---|
//! | `open` (new, or re-opened) | rebinds, stays open | `closed` |
//! | `cleared` (false positive) | stays cleared if no change since the decision matters ([`crate::change`]), else `open` again, with the reasons | `closed` |
//! | `confirmed` (true match) | rebinds, stays confirmed | `closed` |
//! | `closed` | `cleared` again if the false-positive decision still holds, else `open` | — |
//!
//! A screening that no longer matches a pair never changes its status: it
//! marks the hit unmatched (an open hit stays in front of the analyst, a
//! confirmed match stays confirmed however the customer's record is
//! edited). Deactivating a customer closes its hits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::change::Review;

/// Where a hit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HitStatus {
    /// Waiting for a decision (new, or re-opened).
    Open,
    /// Decided a false positive; stays cleared until a change matters.
    Cleared,
    /// Decided a true match.
    Confirmed,
    /// No longer applicable: the entity left the lists, or the customer
    /// was deactivated.
    Closed,
}

impl HitStatus {
    /// The status's name: `open`, `cleared`, `confirmed`, `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            HitStatus::Open => "open",
            HitStatus::Cleared => "cleared",
            HitStatus::Confirmed => "confirmed",
            HitStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for HitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for HitStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<HitStatus, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(HitStatus::Open),
            "cleared" => Ok(HitStatus::Cleared),
            "confirmed" => Ok(HitStatus::Confirmed),
            "closed" => Ok(HitStatus::Closed),
            other => {
                Err(format!("unknown hit status {other:?} (open, cleared, confirmed or closed)"))
            }
        }
    }
}

/// What an analyst decided about a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Not the listed party.
    FalsePositive,
    /// The listed party.
    TrueMatch,
}

impl DecisionKind {
    /// The kind's name: `false_positive`, `true_match`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::FalsePositive => "false_positive",
            DecisionKind::TrueMatch => "true_match",
        }
    }

    /// The status a hit takes when this decision is recorded.
    pub fn status(self) -> HitStatus {
        match self {
            DecisionKind::FalsePositive => HitStatus::Cleared,
            DecisionKind::TrueMatch => HitStatus::Confirmed,
        }
    }
}

impl fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DecisionKind {
    type Err = String;

    fn from_str(s: &str) -> Result<DecisionKind, String> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "false_positive" | "fp" | "cleared" | "clear" => Ok(DecisionKind::FalsePositive),
            "true_match" | "tm" | "match" | "confirmed" | "confirm" => Ok(DecisionKind::TrueMatch),
            other => Err(format!("unknown decision {other:?} (false_positive or true_match)")),
        }
    }
}

/// The versions of both sides of a hit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Binding {
    /// The customer version number.
    pub customer_version: u64,
    /// The customer version's screening hash.
    pub customer_hash: String,
    /// The listed entity's content hash.
    pub entity_hash: String,
}

/// A decision as the rules need it: its kind and the versions it was
/// taken on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionState {
    /// False positive or true match.
    pub kind: DecisionKind,
    /// The versions it was taken on.
    pub binding: Binding,
}

/// A stored hit as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HitState {
    /// Where it stands.
    pub status: HitStatus,
    /// Whether the latest screening of the pair matched.
    pub matched: bool,
    /// The versions of the latest matching screening.
    pub binding: Binding,
    /// The latest decision.
    pub decision: Option<DecisionState>,
    /// Why it was last re-opened or closed.
    pub reason: Option<String>,
}

/// What happened to a pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation<'a> {
    /// A screening matched the pair with these versions.
    Matched(&'a Binding),
    /// A screening of the customer did not match the listed entity.
    NotMatched,
    /// The listed entity is in no active list any more (`lists`: the
    /// active list versions, for the record).
    EntityRemoved {
        /// The list versions the entity is missing from.
        lists: &'a str,
    },
    /// The customer was deactivated.
    CustomerDeactivated {
        /// Why.
        reason: &'a str,
    },
}

/// What to do to a hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Nothing changes.
    Nothing,
    /// A new hit: open, matched, bound to the observed versions.
    Open,
    /// Open again (from cleared or closed), matched, bound to the observed
    /// versions, with the reasons; a new opening (a new alert).
    Reopen {
        /// Why, in words.
        reasons: Vec<String>,
        /// The changes since the decision, when there was one to compare.
        review: Option<Review>,
    },
    /// Status kept; matched, bound to the observed versions.
    Rebind,
    /// A false positive stays cleared: the changes since the decision do
    /// not matter. Matched, bound to the observed versions; the immaterial
    /// changes are recorded.
    KeepCleared {
        /// The changes since the decision (none material).
        review: Review,
    },
    /// A closed hit whose false-positive decision still holds is cleared
    /// again. Matched, bound to the observed versions.
    Restore {
        /// The changes since the decision (none material).
        review: Review,
    },
    /// The latest screening did not match: status kept, marked unmatched.
    Unmatched,
    /// Closed, with the reason.
    Close {
        /// Why, in words.
        reason: String,
    },
}

impl Transition {
    /// The audit action recorded for the transition (`None` for
    /// [`Transition::Nothing`]).
    pub fn action(&self) -> Option<&'static str> {
        Some(match self {
            Transition::Nothing => return None,
            Transition::Open => "hits.open",
            Transition::Reopen { .. } => "hits.reopen",
            Transition::Rebind => "hits.rebind",
            Transition::KeepCleared { .. } => "hits.keep_cleared",
            Transition::Restore { .. } => "hits.restore",
            Transition::Unmatched => "hits.unmatched",
            Transition::Close { .. } => "hits.close",
        })
    }

    /// Whether the transition puts the hit in front of an analyst (a new
    /// alert in the queue).
    pub fn raises_alert(&self) -> bool {
        matches!(self, Transition::Open | Transition::Reopen { .. })
    }

    /// The status after the transition, given the status before (`None`
    /// for a new hit).
    pub fn status_after(&self, before: Option<HitStatus>) -> Option<HitStatus> {
        match self {
            Transition::Open | Transition::Reopen { .. } => Some(HitStatus::Open),
            Transition::Restore { .. } | Transition::KeepCleared { .. } => Some(HitStatus::Cleared),
            Transition::Close { .. } => Some(HitStatus::Closed),
            Transition::Nothing | Transition::Rebind | Transition::Unmatched => before,
        }
    }

    /// Whether the transition binds the hit to the observed versions and
    /// marks it matched.
    pub fn binds(&self) -> bool {
        matches!(
            self,
            Transition::Open
                | Transition::Reopen { .. }
                | Transition::Rebind
                | Transition::KeepCleared { .. }
                | Transition::Restore { .. }
        )
    }
}

/// Applies the rules to one pair. `review` compares the versions a
/// decision was taken on with the observed ones; it is called only when a
/// false-positive decision must be judged again.
pub fn observe(
    hit: Option<&HitState>,
    observation: &Observation<'_>,
    review: &mut dyn FnMut(&DecisionState) -> Review,
) -> Transition {
    let Some(hit) = hit else {
        return match observation {
            Observation::Matched(_) => Transition::Open,
            _ => Transition::Nothing,
        };
    };
    match observation {
        Observation::Matched(binding) => matched(hit, binding, review),
        Observation::NotMatched => {
            if hit.matched && hit.status != HitStatus::Closed {
                Transition::Unmatched
            } else {
                Transition::Nothing
            }
        }
        Observation::EntityRemoved { lists } => {
            close(hit, format!("the listed entity is no longer on the active lists ({lists})"))
        }
        Observation::CustomerDeactivated { reason } => {
            close(hit, format!("the customer was deactivated: {reason}"))
        }
    }
}

fn close(hit: &HitState, reason: String) -> Transition {
    if hit.status == HitStatus::Closed { Transition::Nothing } else { Transition::Close { reason } }
}

fn matched(
    hit: &HitState,
    binding: &Binding,
    review: &mut dyn FnMut(&DecisionState) -> Review,
) -> Transition {
    let fresh = !hit.matched || hit.binding != *binding;
    let false_positive = hit.decision.as_ref().filter(|d| d.kind == DecisionKind::FalsePositive);
    match hit.status {
        HitStatus::Open | HitStatus::Confirmed => {
            if fresh {
                Transition::Rebind
            } else {
                Transition::Nothing
            }
        }
        HitStatus::Cleared => {
            let Some(decision) = false_positive else {
                // A cleared hit always has its decision; without one the
                // safe reading is that nobody cleared it.
                return Transition::Reopen {
                    reasons: vec!["no decision is recorded for this cleared hit".into()],
                    review: None,
                };
            };
            if decision.binding == *binding {
                return if fresh { Transition::Rebind } else { Transition::Nothing };
            }
            let changes = review(decision);
            if changes.matters() {
                Transition::Reopen { reasons: changes.reasons(), review: Some(changes) }
            } else if fresh {
                Transition::KeepCleared { review: changes }
            } else {
                Transition::Nothing
            }
        }
        HitStatus::Closed => match false_positive {
            Some(decision) => {
                if decision.binding == *binding {
                    return Transition::Restore { review: Review::default() };
                }
                let changes = review(decision);
                if changes.matters() {
                    Transition::Reopen { reasons: changes.reasons(), review: Some(changes) }
                } else {
                    Transition::Restore { review: changes }
                }
            }
            None => Transition::Reopen {
                reasons: vec![format!(
                    "matches again after it was closed ({})",
                    hit.reason.as_deref().unwrap_or("no reason recorded")
                )],
                review: None,
            },
        },
    }
}

/// Why a decision cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// The reason is empty.
    #[error("a decision needs a reason")]
    NoReason,
    /// The reason is longer than [`MAX_REASON_LEN`].
    #[error("the reason is longer than {MAX_REASON_LEN} characters")]
    ReasonTooLong,
    /// The author is empty.
    #[error("a decision needs an author")]
    NoAuthor,
    /// The hit is closed.
    #[error("the hit is closed ({0}): there is nothing to decide")]
    Closed(String),
}

/// The longest decision reason accepted, in characters.
pub const MAX_REASON_LEN: usize = 4000;

/// Checks a decision against the hit as it stands and returns the status
/// the hit takes.
///
/// # Errors
/// An empty or overlong reason, no author, or a closed hit.
pub fn decide(
    hit: &HitState,
    kind: DecisionKind,
    reason: &str,
    author: &str,
) -> Result<HitStatus, DecisionError> {
    if reason.trim().is_empty() {
        return Err(DecisionError::NoReason);
    }
    if reason.chars().count() > MAX_REASON_LEN {
        return Err(DecisionError::ReasonTooLong);
    }
    if author.trim().is_empty() {
        return Err(DecisionError::NoAuthor);
    }
    if hit.status == HitStatus::Closed {
        return Err(DecisionError::Closed(
            hit.reason.clone().unwrap_or_else(|| "no reason recorded".into()),
        ));
    }
    Ok(kind.status())
}

#[cfg(test)]
mod tests;
