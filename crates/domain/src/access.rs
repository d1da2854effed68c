//! What each role may do. A role grants actions; the data scope (checked where rows are loaded) limits rows.

use crate::org::Role;

/// Every action a staff member can attempt, named for what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ViewDashboard,
    ReadClues,
    RegisterClue,
    AssignClue,
    HandleClue,
    SuperviseClue,
    ExportClues,
    ReadTipContent,
    MessageReporter,
    RequestUnseal,
    DecideUnseal,
    ReadAudit,
    ManageUsers,
    ManageUnits,
    ViewRoster,
    ConfigureLimits,
    /// See campaigns, their phase boards, units' phase pages and tasks (within scope).
    ViewCampaign,
    /// Create campaigns, set their phases, move units on (or override with a reason).
    ManageCampaign,
    /// Inspect units and send them back (返工).
    InspectUnits,
    /// Issue tasks to units below, chase them up, send reports back, accept them.
    IssueTasks,
    /// Report a unit's progress on its tasks, with evidence.
    ReportTasks,
    /// Name who holds each level of responsibility for a unit.
    ManageResponsibility,
    ManageStudy,
    SetStudyRequirement,
    ReviewEssays,
    ViewStudyProgress,
    TakeStudy,
    /// Set a campaign's self-check window (自查期限).
    SetSelfCheckWindow,
    /// File and amend one's own self-report (自查事项报告).
    FileSelfReport,
    /// Read officers' self-reports and the statistics.
    ViewSelfReports,
    /// Register findings (组织查处) and compare them with self-reports.
    RecordFindings,
    /// See findings and their leniency decisions.
    ViewFindings,
    /// See rectification ledgers and the rules register.
    ViewLedger,
    /// Keep ledger rows (measures, progress, evidence) and the rules register.
    ManageLedger,
    /// Accept a ledger row (验收销号) or send it back (返工).
    AcceptRectification,
    /// Read the case register (案件) of units in scope, with stages and deciding persons.
    ViewCases,
    /// Import and edit the case register.
    ManageCases,
    /// Record an inquiry about a case (过问案件登记, 逢问必录): any staff member who handles cases.
    RecordInquiry,
    /// Read inquiry records of units in scope, the interference flags and the patterns.
    ViewInquiries,
    /// File a unit's quarterly inquiry report or nil report (零报告).
    FileInquiryReport,
    /// Plan case reviews (案件评查) and draw samples.
    ManageReviews,
    /// Score sampled cases with the rubric.
    ScoreReviews,
    /// Read reviews, grades and trace-backs (跟进倒查).
    ViewReviews,
    /// Keep the guiding-case library (案例指导) and commentary sessions (案件点评).
    ManageGuidingCases,
    /// Search and read guiding cases and commentary.
    ReadGuidingCases,
    /// Set data-check parameters, import the records they compare, run them.
    RunDataChecks,
    /// Read data-check findings and open clues from them.
    ViewCheckFindings,
    /// Read the early-warning list and heat map (队伍风险预警).
    ViewWarnings,
    /// Set early-warning weights, window and thresholds.
    ConfigureWarnings,
}

impl Role {
    pub fn can(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            ViewDashboard => matches!(
                self,
                CampaignOffice | DisciplineInspector | UnitLeader | Inspector
            ),
            ReadClues | ExportClues | ReadTipContent => {
                matches!(self, CampaignOffice | DisciplineInspector | UnitLeader)
            }
            RegisterClue | AssignClue | MessageReporter => {
                matches!(self, CampaignOffice | DisciplineInspector)
            }
            HandleClue | RequestUnseal => matches!(self, DisciplineInspector),
            SuperviseClue => matches!(self, CampaignOffice),
            DecideUnseal => matches!(self, Custodian),
            ReadAudit => matches!(self, Auditor),
            ManageUsers | ManageUnits => matches!(self, Sysadmin),
            ViewRoster => matches!(self, Sysadmin | CampaignOffice | UnitLiaison | UnitLeader),
            ConfigureLimits => matches!(self, Sysadmin | CampaignOffice),
            ViewCampaign => matches!(self, CampaignOffice | UnitLiaison | UnitLeader | Inspector),
            ManageCampaign => matches!(self, CampaignOffice),
            InspectUnits => matches!(self, Inspector),
            IssueTasks => matches!(self, CampaignOffice | UnitLeader | UnitLiaison),
            ReportTasks => matches!(self, UnitLiaison | UnitLeader),
            ManageResponsibility => matches!(self, CampaignOffice | UnitLeader | UnitLiaison),
            ManageStudy => matches!(self, CampaignOffice | UnitLiaison | UnitLeader),
            SetStudyRequirement => matches!(self, CampaignOffice),
            ReviewEssays => matches!(self, CampaignOffice | UnitLeader),
            ViewStudyProgress => {
                matches!(self, CampaignOffice | UnitLiaison | UnitLeader | Inspector)
            }
            TakeStudy => matches!(self, Officer),
            SetSelfCheckWindow => matches!(self, CampaignOffice),
            FileSelfReport => matches!(self, Officer),
            ViewSelfReports => matches!(self, CampaignOffice | UnitLeader | DisciplineInspector),
            RecordFindings => matches!(self, Inspector | DisciplineInspector),
            ViewFindings => matches!(
                self,
                CampaignOffice | UnitLeader | DisciplineInspector | Inspector
            ),
            ViewLedger => matches!(
                self,
                CampaignOffice | UnitLiaison | UnitLeader | Inspector | DisciplineInspector
            ),
            ManageLedger => matches!(self, CampaignOffice | UnitLiaison | UnitLeader),
            AcceptRectification => matches!(self, Inspector),
            ViewCases => matches!(
                self,
                CampaignOffice | UnitLiaison | UnitLeader | Inspector | DisciplineInspector
            ),
            ManageCases => matches!(self, CampaignOffice | UnitLiaison | UnitLeader),
            RecordInquiry => matches!(
                self,
                Officer
                    | UnitLiaison
                    | UnitLeader
                    | CampaignOffice
                    | Inspector
                    | DisciplineInspector
            ),
            ViewInquiries => matches!(
                self,
                CampaignOffice | UnitLeader | UnitLiaison | DisciplineInspector
            ),
            FileInquiryReport => matches!(self, UnitLiaison | UnitLeader),
            ManageReviews => matches!(self, CampaignOffice | Inspector),
            ScoreReviews => matches!(self, Inspector),
            ViewReviews => matches!(
                self,
                CampaignOffice | Inspector | UnitLeader | DisciplineInspector
            ),
            ManageGuidingCases => matches!(self, CampaignOffice),
            ReadGuidingCases => matches!(
                self,
                Officer
                    | UnitLiaison
                    | UnitLeader
                    | CampaignOffice
                    | Inspector
                    | DisciplineInspector
            ),
            RunDataChecks => matches!(self, CampaignOffice | DisciplineInspector),
            ViewCheckFindings => matches!(self, CampaignOffice | DisciplineInspector),
            ViewWarnings => matches!(self, CampaignOffice | DisciplineInspector | UnitLeader),
            ConfigureWarnings => matches!(self, CampaignOffice),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_identity_and_case_content_are_kept_apart() {
        // The custodian decides on unsealing but reads no case content; the sysadmin and auditor read neither.
        assert!(Role::Custodian.can(Permission::DecideUnseal));
        assert!(!Role::Custodian.can(Permission::ReadClues));
        assert!(!Role::Sysadmin.can(Permission::ReadClues));
        assert!(!Role::Auditor.can(Permission::ReadTipContent));
        assert!(!Role::DisciplineInspector.can(Permission::DecideUnseal));
        assert!(Role::DisciplineInspector.can(Permission::RequestUnseal));
        assert!(!Role::Officer.can(Permission::ReadClues));
    }
}
