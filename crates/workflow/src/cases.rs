//! Alerts and cases: the queue order, service levels, the case state
//! machine, who may do what, and four-eyes approval.
//!
//! Everything here is a pure function of its inputs: the store asks
//! [`decide`] whether an action is allowed on a case as it stands, applies
//! the returned [`Effect`] and writes the audit event in one transaction.
//! Time is passed in; nothing reads a clock.
//!
//! **States.** `open` → `in_review` → `escalated` → `closed`, with a
//! [`Disposition`]: `no_action`, `false_positive`, `true_match`, `filed`
//! (and `merged`, for a case folded into another). A supervisor may send an
//! escalated case back to review and reopen a closed one.
//!
//! **Four eyes.** Closing as `true_match` or `filed` takes two people: one
//! user asks ([`Action::RequestClose`]), a different user with the
//! supervisor role approves ([`Action::Approve`]). An approval binds to
//! the case's `version`, which every material change (alerts added, state
//! changed, filing text or subjects edited) increments: a supervisor
//! approves what they saw, and a later edit voids the request. A `filed`
//! approval does not close the case by itself: generating the filing does
//! ([`Action::File`]), so a case is never marked filed without a document.

pub mod filing;

use std::fmt;
use std::str::FromStr;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use vigia_model::{Alert, AlertKind, AlertSeverity};

/// A role a user holds for casework. An API key or a command-line user may
/// hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Works alerts and cases: reviews, comments, attaches, escalates,
    /// closes as no action or false positive, asks for approval.
    Analyst,
    /// Everything an analyst does, plus: assigns anyone, returns escalated
    /// cases, reopens closed ones, and approves or rejects closing requests
    /// made by someone else.
    Supervisor,
}

impl Role {
    /// The role's name: `analyst`, `supervisor`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "analyst" => Ok(Role::Analyst),
            "supervisor" => Ok(Role::Supervisor),
            other => Err(format!("unknown role {other:?}: want analyst or supervisor")),
        }
    }
}

/// Who is acting, with the roles they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's name as the audit trail records it.
    pub user: String,
    /// The casework roles held (none: the user may only read).
    pub roles: Vec<Role>,
}

impl Actor {
    /// An actor with one role.
    pub fn new(user: impl Into<String>, role: Role) -> Actor {
        Actor { user: user.into(), roles: vec![role] }
    }

    /// Whether the actor holds `role`. A supervisor is an analyst too.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role) || (role == Role::Analyst && self.is_supervisor())
    }

    /// Whether the actor holds the supervisor role.
    pub fn is_supervisor(&self) -> bool {
        self.roles.contains(&Role::Supervisor)
    }
}

/// Where a case is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    /// Created, not yet worked.
    Open,
    /// An analyst is working it.
    InReview,
    /// Handed up for a supervisor's attention.
    Escalated,
    /// Done, with a disposition.
    Closed,
}

impl CaseState {
    /// All states, in life order.
    pub const ALL: [CaseState; 4] =
        [CaseState::Open, CaseState::InReview, CaseState::Escalated, CaseState::Closed];

    /// The state's name: `open`, `in_review`, `escalated`, `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseState::Open => "open",
            CaseState::InReview => "in_review",
            CaseState::Escalated => "escalated",
            CaseState::Closed => "closed",
        }
    }
}

impl fmt::Display for CaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CaseState {
    type Err = String;

    fn from_str(s: &str) -> Result<CaseState, String> {
        CaseState::ALL.into_iter().find(|c| c.as_str() == s.trim()).ok_or_else(|| {
            format!("unknown case state {s:?}: want open, in_review, escalated or closed")
        })
    }
}

/// How a closed case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Reviewed; nothing to do.
    NoAction,
    /// The alerts were wrong (the screening hit is not the listed party,
    /// the pattern is explained).
    FalsePositive,
    /// The alerts were right: the party is the listed one, the activity is
    /// what the scenario describes. Needs four-eyes approval.
    TrueMatch,
    /// A regulator filing (SAR, CTR, goAML report) was generated from the
    /// case. Needs four-eyes approval before the filing is generated.
    Filed,
    /// Folded into another case (`merged_into`); only a merge sets it.
    Merged,
}

impl Disposition {
    /// All dispositions.
    pub const ALL: [Disposition; 5] = [
        Disposition::NoAction,
        Disposition::FalsePositive,
        Disposition::TrueMatch,
        Disposition::Filed,
        Disposition::Merged,
    ];

    /// The disposition's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::NoAction => "no_action",
            Disposition::FalsePositive => "false_positive",
            Disposition::TrueMatch => "true_match",
            Disposition::Filed => "filed",
            Disposition::Merged => "merged",
        }
    }

    /// Whether closing with it needs a second person's approval.
    pub fn needs_approval(self) -> bool {
        matches!(self, Disposition::TrueMatch | Disposition::Filed)
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Disposition {
    type Err = String;

    fn from_str(s: &str) -> Result<Disposition, String> {
        let s = s.trim().replace('-', "_");
        Disposition::ALL.into_iter().find(|d| d.as_str() == s).ok_or_else(|| {
            format!(
                "unknown disposition {s:?}: want no_action, false_positive, true_match or filed"
            )
        })
    }
}

/// Where a closing request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a supervisor.
    Pending,
    /// Approved by a supervisor other than the requester. For `filed`, the
    /// case waits for its filing.
    Approved,
    /// Rejected by a supervisor, or withdrawn by the requester.
    Rejected,
    /// Overtaken by a change to the case after it was made.
    Void,
    /// Carried out: the case closed with the disposition asked for.
    Done,
}

impl RequestStatus {
    /// The status's name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Void => "void",
            RequestStatus::Done => "done",
        }
    }
}

impl FromStr for RequestStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<RequestStatus, String> {
        [
            RequestStatus::Pending,
            RequestStatus::Approved,
            RequestStatus::Rejected,
            RequestStatus::Void,
            RequestStatus::Done,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
        .ok_or_else(|| format!("unknown request status {s:?}"))
    }
}

/// A request to close a case with a disposition that needs approval, as
/// the rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The disposition asked for.
    pub disposition: Disposition,
    /// Who asked.
    pub requested_by: String,
    /// The case version the request was made on.
    pub version: u64,
    /// Pending or approved (settled requests are not shown to the rules).
    pub status: RequestStatus,
}

/// What the rules need to know about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    /// The state.
    pub state: CaseState,
    /// The disposition, when closed.
    pub disposition: Option<Disposition>,
    /// The user the case is assigned to.
    pub assignee: Option<String>,
    /// Incremented by every material change.
    pub version: u64,
    /// The open (pending or approved) closing request, if any.
    pub request: Option<Request>,
}

impl CaseFacts {
    /// A new, unassigned, open case.
    pub fn open() -> CaseFacts {
        CaseFacts {
            state: CaseState::Open,
            disposition: None,
            assignee: None,
            version: 1,
            request: None,
        }
    }
}

/// Something a user wants to do to a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Add alerts to the case (or receive a merged case's alerts).
    AddAlerts,
    /// Assign the case to a user, or unassign it (`None`).
    Assign {
        /// The new assignee.
        to: Option<String>,
    },
    /// Add a comment.
    Comment,
    /// Attach a document by reference.
    Attach,
    /// Edit what a filing will say: key terms, narrative, classifications,
    /// subject details.
    EditFiling,
    /// Start working the case (`open` → `in_review`).
    StartReview,
    /// Hand it up (`open`/`in_review` → `escalated`).
    Escalate,
    /// Send an escalated case back (`escalated` → `in_review`).
    ReturnToReview,
    /// Close with a disposition; for `true_match` and `filed`, ask for
    /// approval instead.
    RequestClose {
        /// The disposition wanted.
        disposition: Disposition,
    },
    /// Approve the pending request.
    Approve,
    /// Reject the pending request (a supervisor), or withdraw it (the
    /// requester).
    Reject,
    /// Generate a regulator filing from the case. A draft changes nothing;
    /// a final filing needs an approved `filed` request and closes the case.
    File {
        /// A draft for review, not the filing of record.
        draft: bool,
    },
    /// Fold this case into another (this case closes as `merged`).
    MergeAway,
    /// Reopen a closed case (`closed` → `in_review`).
    Reopen,
}

impl Action {
    /// The action's name in the audit trail: `case.<name>`.
    pub fn name(&self) -> &'static str {
        match self {
            Action::AddAlerts => "add_alerts",
            Action::Assign { .. } => "assign",
            Action::Comment => "comment",
            Action::Attach => "attach",
            Action::EditFiling => "edit",
            Action::StartReview => "review",
            Action::Escalate => "escalate",
            Action::ReturnToReview => "return",
            Action::RequestClose { .. } => "close",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::File { .. } => "file",
            Action::MergeAway => "merge",
            Action::Reopen => "reopen",
        }
    }
}

/// What happens to the case's closing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestChange {
    /// Nothing.
    Keep,
    /// A new pending request for this disposition.
    Open(Disposition),
    /// The pending request is approved (and, for `true_match`, done).
    Approve,
    /// The pending request is rejected or withdrawn.
    Reject,
    /// The open request no longer applies (the case changed).
    Void,
    /// The approved request was carried out.
    Done,
}

/// What an allowed action does to the case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    /// The state afterwards.
    pub state: CaseState,
    /// The disposition afterwards (`Some` exactly when closed).
    pub disposition: Option<Disposition>,
    /// The assignee afterwards.
    pub assignee: Option<String>,
    /// The version afterwards.
    pub version: u64,
    /// What happens to the closing request.
    pub request: RequestChange,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The actor lacks the role the action needs.
    #[error("{action} needs the {role} role")]
    Role {
        /// The action.
        action: &'static str,
        /// The role needed.
        role: Role,
    },
    /// The case is assigned to someone else.
    #[error("the case is assigned to {assignee}: only they or a supervisor may {action} it")]
    NotAssignee {
        /// The action.
        action: &'static str,
        /// The current assignee.
        assignee: String,
    },
    /// The action does not apply in the case's state.
    #[error("cannot {action} a case that is {state}")]
    State {
        /// The action.
        action: &'static str,
        /// The case's state.
        state: CaseState,
    },
    /// An analyst may assign a case only to themselves.
    #[error("an analyst may only take an unassigned case or give up their own; ask a supervisor")]
    AssignOthers,
    /// `merged` is set by merging, not by closing.
    #[error("a case closes as merged only by merging it into another")]
    MergedByClose,
    /// A closing request is already waiting.
    #[error("a request to close as {disposition} by {requested_by} is already {status}")]
    RequestExists {
        /// What it asks.
        disposition: Disposition,
        /// Who asked.
        requested_by: String,
        /// Pending or approved.
        status: &'static str,
    },
    /// There is no pending request to decide.
    #[error("there is no pending closing request on this case")]
    NoRequest,
    /// Four eyes: the approver must not be the requester.
    #[error(
        "four-eyes rule: {user} asked for this closing and cannot approve it; another supervisor must"
    )]
    SameUser {
        /// The user.
        user: String,
    },
    /// The case changed after the request was made.
    #[error("the case changed after the request (version {requested} → {current}); ask again")]
    Stale {
        /// The version the request was made on.
        requested: u64,
        /// The case's version now.
        current: u64,
    },
    /// Only a supervisor or the requester may reject a request.
    #[error("only a supervisor, or the requester withdrawing it, may reject a request")]
    RejectNotAllowed,
    /// A final filing needs an approved `filed` request.
    #[error(
        "filing needs an approved request to close as filed (four eyes): ask with `close --disposition filed`, then a supervisor approves"
    )]
    NotApproved,
    /// A merged case stays merged.
    #[error("a merged case cannot be reopened; reopen the case it was merged into")]
    MergedIsFinal,
}

/// Whether `actor` may work on the case: a supervisor, or an analyst who
/// holds it or takes it while it is unassigned.
fn may_work(actor: &Actor, case: &CaseFacts, action: &'static str) -> Result<(), Refusal> {
    if !actor.has(Role::Analyst) {
        return Err(Refusal::Role { action, role: Role::Analyst });
    }
    match &case.assignee {
        Some(assignee) if assignee != &actor.user && !actor.is_supervisor() => {
            Err(Refusal::NotAssignee { action, assignee: assignee.clone() })
        }
        _ => Ok(()),
    }
}

fn not_closed(case: &CaseFacts, action: &'static str) -> Result<(), Refusal> {
    if case.state == CaseState::Closed {
        Err(Refusal::State { action, state: case.state })
    } else {
        Ok(())
    }
}

/// Decides whether `actor` may do `action` to `case`, and what it does.
///
/// # Errors
/// A [`Refusal`] saying why not.
pub fn decide(actor: &Actor, case: &CaseFacts, action: &Action) -> Result<Effect, Refusal> {
    let name = action.name();
    let keep = Effect {
        state: case.state,
        disposition: case.disposition,
        assignee: case.assignee.clone(),
        version: case.version,
        request: RequestChange::Keep,
    };
    // A material change moves the version on and voids any open request.
    let material = |mut effect: Effect| {
        effect.version = case.version + 1;
        if case.request.is_some() && effect.request == RequestChange::Keep {
            effect.request = RequestChange::Void;
        }
        effect
    };
    match action {
        Action::Comment => {
            if !actor.has(Role::Analyst) {
                return Err(Refusal::Role { action: name, role: Role::Analyst });
            }
            Ok(keep)
        }
        Action::Attach => {
            not_closed(case, name)?;
            may_work(actor, case, name)?;
            Ok(keep)
        }
        Action::AddAlerts | Action::EditFiling => {
            not_closed(case, name)?;
            may_work(actor, case, name)?;
            Ok(material(keep))
        }
        Action::Assign { to } => {
            not_closed(case, name)?;
            if !actor.has(Role::Analyst) {
                return Err(Refusal::Role { action: name, role: Role::Analyst });
            }
            if !actor.is_supervisor() {
                let take = to.as_deref() == Some(actor.user.as_str()) && case.assignee.is_none();
                let give_up = to.is_none() && case.assignee.as_deref() == Some(&actor.user);
                if !take && !give_up {
                    return Err(Refusal::AssignOthers);
                }
            }
            Ok(Effect { assignee: to.clone(), ..keep })
        }
        Action::StartReview => {
            if case.state != CaseState::Open {
                return Err(Refusal::State { action: name, state: case.state });
            }
            may_work(actor, case, name)?;
            let assignee = case.assignee.clone().or_else(|| Some(actor.user.clone()));
            Ok(material(Effect { state: CaseState::InReview, assignee, ..keep }))
        }
        Action::Escalate => {
            if !matches!(case.state, CaseState::Open | CaseState::InReview) {
                return Err(Refusal::State { action: name, state: case.state });
            }
            may_work(actor, case, name)?;
            Ok(material(Effect { state: CaseState::Escalated, ..keep }))
        }
        Action::ReturnToReview => {
            if case.state != CaseState::Escalated {
                return Err(Refusal::State { action: name, state: case.state });
            }
            if !actor.is_supervisor() {
                return Err(Refusal::Role { action: name, role: Role::Supervisor });
            }
            Ok(material(Effect { state: CaseState::InReview, ..keep }))
        }
        Action::RequestClose { disposition } => {
            if *disposition == Disposition::Merged {
                return Err(Refusal::MergedByClose);
            }
            match case.state {
                CaseState::InReview => {}
                CaseState::Escalated if !actor.is_supervisor() => {
                    return Err(Refusal::Role { action: name, role: Role::Supervisor });
                }
                CaseState::Escalated => {}
                state => return Err(Refusal::State { action: name, state }),
            }
            may_work(actor, case, name)?;
            if let Some(request) = &case.request {
                return Err(Refusal::RequestExists {
                    disposition: request.disposition,
                    requested_by: request.requested_by.clone(),
                    status: request.status.as_str(),
                });
            }
            if disposition.needs_approval() {
                Ok(Effect { request: RequestChange::Open(*disposition), ..keep })
            } else {
                Ok(material(Effect {
                    state: CaseState::Closed,
                    disposition: Some(*disposition),
                    ..keep
                }))
            }
        }
        Action::Approve => {
            if !actor.is_supervisor() {
                return Err(Refusal::Role { action: name, role: Role::Supervisor });
            }
            let request = match &case.request {
                Some(r) if r.status == RequestStatus::Pending => r,
                _ => return Err(Refusal::NoRequest),
            };
            if request.requested_by == actor.user {
                return Err(Refusal::SameUser { user: actor.user.clone() });
            }
            if request.version != case.version {
                return Err(Refusal::Stale { requested: request.version, current: case.version });
            }
            not_closed(case, name)?;
            if request.disposition == Disposition::Filed {
                // The filing closes the case; until then it waits, approved.
                Ok(Effect { request: RequestChange::Approve, ..keep })
            } else {
                Ok(Effect {
                    state: CaseState::Closed,
                    disposition: Some(request.disposition),
                    version: case.version + 1,
                    request: RequestChange::Approve,
                    ..keep
                })
            }
        }
        Action::Reject => {
            let request = match &case.request {
                Some(r) => r,
                None => return Err(Refusal::NoRequest),
            };
            if !actor.is_supervisor() && request.requested_by != actor.user {
                return Err(Refusal::RejectNotAllowed);
            }
            Ok(Effect { request: RequestChange::Reject, ..keep })
        }
        Action::File { draft: true } => {
            if !actor.has(Role::Analyst) {
                return Err(Refusal::Role { action: name, role: Role::Analyst });
            }
            Ok(keep)
        }
        Action::File { draft: false } => {
            if !actor.has(Role::Analyst) {
                return Err(Refusal::Role { action: name, role: Role::Analyst });
            }
            // A case already closed as filed may be filed again (a
            // correction or a continuing report) by a supervisor.
            if case.state == CaseState::Closed {
                if case.disposition == Some(Disposition::Filed) && actor.is_supervisor() {
                    return Ok(keep);
                }
                return Err(Refusal::State { action: name, state: case.state });
            }
            match &case.request {
                Some(r)
                    if r.status == RequestStatus::Approved
                        && r.disposition == Disposition::Filed
                        && r.version == case.version =>
                {
                    Ok(Effect {
                        state: CaseState::Closed,
                        disposition: Some(Disposition::Filed),
                        version: case.version + 1,
                        request: RequestChange::Done,
                        ..keep
                    })
                }
                _ => Err(Refusal::NotApproved),
            }
        }
        Action::MergeAway => {
            not_closed(case, name)?;
            may_work(actor, case, name)?;
            Ok(material(Effect {
                state: CaseState::Closed,
                disposition: Some(Disposition::Merged),
                ..keep
            }))
        }
        Action::Reopen => {
            if case.state != CaseState::Closed {
                return Err(Refusal::State { action: name, state: case.state });
            }
            if case.disposition == Some(Disposition::Merged) {
                return Err(Refusal::MergedIsFinal);
            }
            if !actor.is_supervisor() {
                return Err(Refusal::Role { action: name, role: Role::Supervisor });
            }
            Ok(material(Effect { state: CaseState::InReview, disposition: None, ..keep }))
        }
    }
}

/// Service levels: how long an alert or a case may wait, by severity, with
/// overrides per scenario (CTR deadlines run from the transaction date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sla {
    /// Critical alerts (blocks, sanctions hits): default 1 day.
    #[serde(with = "duration_text")]
    pub critical: SignedDuration,
    /// High: default 3 days.
    #[serde(with = "duration_text")]
    pub high: SignedDuration,
    /// Medium: default 10 days.
    #[serde(with = "duration_text")]
    pub medium: SignedDuration,
    /// Low: default 30 days.
    #[serde(with = "duration_text")]
    pub low: SignedDuration,
    /// A CTR work item, from the day of the transactions: default 15 days
    /// (31 CFR 1010.306(a)(1)).
    #[serde(with = "duration_text")]
    pub ctr: SignedDuration,
    /// A case, from its creation: default 30 days, the SAR deadline after
    /// initial detection (31 CFR 1020.320(b)(3)). A case is due at the
    /// earlier of this and its alerts' due dates.
    #[serde(with = "duration_text")]
    pub case: SignedDuration,
    /// Per scenario id, replacing the severity's (or CTR) level: A2 (GTO
    /// CTRs, filed within 30 days) by default.
    #[serde(with = "duration_map")]
    pub scenarios: std::collections::BTreeMap<String, SignedDuration>,
}

const DAY: i64 = 86_400;

impl Default for Sla {
    fn default() -> Sla {
        let days = |n: i64| SignedDuration::from_secs(n * DAY);
        Sla {
            critical: days(1),
            high: days(3),
            medium: days(10),
            low: days(30),
            ctr: days(15),
            case: days(30),
            scenarios: [("A2".to_owned(), days(30))].into_iter().collect(),
        }
    }
}

impl Sla {
    /// The service level of a severity.
    pub fn for_severity(&self, severity: AlertSeverity) -> SignedDuration {
        match severity {
            AlertSeverity::Critical => self.critical,
            AlertSeverity::High => self.high,
            AlertSeverity::Medium => self.medium,
            AlertSeverity::Low => self.low,
        }
    }

    /// When an alert raised at `raised` is due. CTR work items run from the
    /// end of their activity (when it parses), everything else from
    /// `raised`.
    pub fn alert_due(&self, alert: &Alert, raised: Timestamp) -> Timestamp {
        let ctr = alert.kind == AlertKind::CtrWorkItem;
        let span = match self.scenarios.get(&alert.scenario) {
            Some(d) => *d,
            None if ctr => self.ctr,
            None => self.for_severity(alert.severity),
        };
        let base = if ctr { alert.to.parse::<Timestamp>().unwrap_or(raised) } else { raised };
        base.saturating_add(span).unwrap_or(Timestamp::MAX)
    }

    /// When a case created at `created` is due, given its alerts' due
    /// dates: the earliest of them and `created + case`.
    pub fn case_due(
        &self,
        created: Timestamp,
        alerts_due: impl IntoIterator<Item = Timestamp>,
    ) -> Timestamp {
        let own = created.saturating_add(self.case).unwrap_or(Timestamp::MAX);
        alerts_due.into_iter().fold(own, Timestamp::min)
    }
}

/// Parses a duration written as a number and a unit: `90m`, `12h`, `3d`,
/// `2w`.
///
/// # Errors
/// A message naming what is wrong.
pub fn parse_duration(text: &str) -> Result<SignedDuration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: i64 = number.parse().map_err(|_| format!("{text:?}: want e.g. 12h, 3d or 2w"))?;
    let unit_secs = match unit.trim() {
        "m" => 60,
        "h" => 3_600,
        "d" => DAY,
        "w" => 7 * DAY,
        _ => return Err(format!("{text:?}: the unit is m, h, d or w (e.g. 3d)")),
    };
    if n <= 0 {
        return Err(format!("{text:?}: a service level is longer than zero"));
    }
    Ok(SignedDuration::from_secs(n.saturating_mul(unit_secs)))
}

/// Writes a duration the way [`parse_duration`] reads it.
pub fn format_duration(d: SignedDuration) -> String {
    let s = d.as_secs();
    for (unit, len) in [("w", 7 * DAY), ("d", DAY), ("h", 3_600)] {
        if s % len == 0 {
            return format!("{}{unit}", s / len);
        }
    }
    format!("{}m", s / 60)
}

mod duration_text {
    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &SignedDuration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_duration(*d))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SignedDuration, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_duration(&text).map_err(serde::de::Error::custom)
    }
}

mod duration_map {
    use std::collections::BTreeMap;

    use jiff::SignedDuration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        map: &BTreeMap<String, SignedDuration>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_map(map.iter().map(|(k, v)| (k, super::format_duration(*v))))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, SignedDuration>, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(d)?;
        raw.into_iter()
            .map(|(k, v)| {
                super::parse_duration(&v)
                    .map(|d| (k.clone(), d))
                    .map_err(|e| serde::de::Error::custom(format!("scenarios.{k}: {e}")))
            })
            .collect()
    }
}

/// The rank of a severity in the queue: critical 3 ... low 0.
pub fn severity_rank(severity: AlertSeverity) -> u8 {
    match severity {
        AlertSeverity::Low => 0,
        AlertSeverity::Medium => 1,
        AlertSeverity::High => 2,
        AlertSeverity::Critical => 3,
    }
}

/// An alert's place in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueKey<'a> {
    /// Its severity.
    pub severity: AlertSeverity,
    /// When it is due.
    pub due: Timestamp,
    /// Its score.
    pub score: f64,
    /// Its id (the final tie-break, so the order is total).
    pub id: &'a str,
}

/// The queue order: higher severity first; within a severity, the one due
/// soonest (overdue ones are due in the past, so they come first); then the
/// higher score; then the id. The store's `ORDER BY` implements the same
/// order, and a test holds the two together.
pub fn queue_order(a: &QueueKey<'_>, b: &QueueKey<'_>) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then(a.due.cmp(&b.due))
        .then(b.score.total_cmp(&a.score))
        .then(a.id.cmp(b.id))
}

/// Formats a timestamp as the store and the audit trail write it:
/// RFC 3339, UTC, to the second (`2026-03-01T09:30:00Z`).
pub fn timestamp_text(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests;
