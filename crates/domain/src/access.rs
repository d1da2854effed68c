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
