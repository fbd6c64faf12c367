"""Every table of every area, in dependency order."""

from piccolo.table import Table


def all_tables() -> list[type[Table]]:
    from procure.acceptance.tables import (
        Acceptance,
        AcceptanceItem,
        AcceptanceMember,
        AcceptanceRecipient,
    )
    from procure.approvals.tables import Approval
    from procure.audit.tables import AuditCheckpoint, AuditEvent, AuditHead
    from procure.bids.tables import Award, Bid, BidCostPlan, BidLine, BidStaffRole, TechnicalScore
    from procure.catalog.tables import CatalogCategory, CatalogItem
    from procure.committees.tables import (
        CommitteeMember,
        EvaluationCommittee,
        Expert,
        ExpertCategory,
        ExpertRelationship,
        MemberDeclaration,
        MemberVote,
    )
    from procure.complaints.tables import Challenge, Complaint, Suspension
    from procure.contracts.tables import (
        Amendment,
        AmendmentLine,
        Contract,
        ContractCommunity,
        ContractScopeLine,
        Milestone,
        Payment,
        Rectification,
    )
    from procure.departments.tables import Department
    from procure.evaluations.tables import (
        CommitteeEvaluation,
        EvaluationScore,
        Rubric,
        RubricCriterion,
    )
    from procure.geography.tables import Community, District, SubDistrict
    from procure.jobs.tables import OutboxEvent, ScheduleMark
    from procure.notifications.tables import (
        EmailMessage,
        Notification,
        NotificationPreference,
        OrganizationCategory,
    )
    from procure.ocds.tables import (
        OcdsAward,
        OcdsAwardItem,
        OcdsAwardSupplier,
        OcdsBid,
        OcdsBidTenderer,
        OcdsContract,
        OcdsParty,
        OcdsProcess,
        OcdsProcessSummary,
    )
    from procure.organizations.tables import (
        Debarment,
        Organization,
        OversightDecision,
        Qualification,
    )
    from procure.performance.tables import PerformanceScore
    from procure.reports.tables import (
        ActivityLine,
        ActivityUnit,
        ReportAttachment,
        ServiceReport,
    )
    from procure.risk.tables import RiskFlag, RiskFlagEvent
    from procure.security.tables import ApiToken, SessionRecord, User
    from procure.spotchecks.tables import SpotCheckSeed, VerificationTask
    from procure.stores.tables import SharedEntry
    from procure.surveys.tables import (
        SurveyAnswer,
        SurveyItem,
        SurveyResponse,
        SurveyRound,
        SurveyTemplate,
        SurveyToken,
    )
    from procure.tenders.tables import (
        Clarification,
        EvaluationCriterion,
        NeedEvidence,
        ScopeLine,
        Tender,
        TenderAmendment,
        TenderCommunity,
    )
    from procure.workrequests.tables import WorkRequest, WorkRequestCitation

    return [
        District,
        SubDistrict,
        Community,
        Department,
        Organization,
        Qualification,
        Debarment,
        OversightDecision,
        User,
        ApiToken,
        SessionRecord,
        SharedEntry,
        AuditEvent,
        AuditHead,
        AuditCheckpoint,
        CatalogCategory,
        CatalogItem,
        Tender,
        TenderCommunity,
        ScopeLine,
        EvaluationCriterion,
        Clarification,
        NeedEvidence,
        TenderAmendment,
        Bid,
        BidLine,
        BidCostPlan,
        BidStaffRole,
        TechnicalScore,
        Award,
        Contract,
        ContractCommunity,
        ContractScopeLine,
        Milestone,
        Payment,
        Rectification,
        Amendment,
        AmendmentLine,
        ServiceReport,
        ActivityLine,
        ActivityUnit,
        ReportAttachment,
        WorkRequest,
        WorkRequestCitation,
        SurveyTemplate,
        SurveyItem,
        SurveyRound,
        SurveyToken,
        SurveyResponse,
        SurveyAnswer,
        Rubric,
        RubricCriterion,
        CommitteeEvaluation,
        EvaluationScore,
        PerformanceScore,
        RiskFlag,
        RiskFlagEvent,
        OcdsProcess,
        OcdsParty,
        OcdsBid,
        OcdsBidTenderer,
        OcdsAward,
        OcdsAwardSupplier,
        OcdsAwardItem,
        OcdsContract,
        OcdsProcessSummary,
        Approval,
        Expert,
        ExpertCategory,
        ExpertRelationship,
        EvaluationCommittee,
        CommitteeMember,
        MemberDeclaration,
        MemberVote,
        Acceptance,
        AcceptanceMember,
        AcceptanceRecipient,
        AcceptanceItem,
        Challenge,
        Complaint,
        Suspension,
        OutboxEvent,
        ScheduleMark,
        EmailMessage,
        Notification,
        NotificationPreference,
        OrganizationCategory,
        SpotCheckSeed,
        VerificationTask,
    ]
