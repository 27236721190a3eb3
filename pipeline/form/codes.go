package form

import "grassroots/pipeline/xlsx"

// Issue codes: stable snake_case names that analysts match on in the
// warehouse's issues view and that the sample inbox's manifest lists. The
// same code may carry different severities (bad_date rejects a row in a
// required column and is a warning in an optional one).
const (
	// File level: nothing of the workbook counts.
	CodeNotXLSX         = xlsx.CodeNotXLSX   // "not_xlsx": not a readable .xlsx: not a zip, damaged, a renamed .xls
	CodeEncrypted       = xlsx.CodeEncrypted // "encrypted": password-protected workbook
	CodeTooLarge        = xlsx.CodeTooLarge  // "too_large": over a reader limit (uncompressed size, rows, cell size)
	CodeMissingSheet    = "missing_sheet"    // a required sheet is absent (optional 议事记录: never)
	CodeMissingColumn   = "missing_column"   // a required column is absent (file level for 组织覆盖/点单台账, warning for 议事记录, which is then dropped)
	CodeMissingCode     = "missing_code"     // 区划代码 absent or empty
	CodeBadCode         = "bad_code"         // not 12 digits, or text in scientific notation (digits lost)
	CodeUnknownCode     = "unknown_code"     // not in the registry as a reporting unit (checked on every run)
	CodeUnitInactive    = "unit_inactive"    // a reporting unit with no registry row valid in the form's month (checked on every run)
	CodeWrongForm       = "wrong_form"       // a park's code on a village form, or a village's on a park form (checked on every run)
	CodeMissingPeriod   = "missing_period"   // 报告期 absent or empty
	CodeBadPeriod       = "bad_period"       // not a month in any accepted spelling
	CodeAmbiguousPeriod = "ambiguous_period" // a number with a decimal point: 2021.1 may have been 2021.10

	// Row level (severity row) when the column is required, warning otherwise.
	CodeMissingValue      = "missing_value"        // a required cell is empty (also an empty optional cover field, as a warning)
	CodeBadDate           = "bad_date"             // not a date in any accepted spelling
	CodeBadYesNo          = "bad_yesno"            // not one of the yes/no spellings
	CodeBadEnum           = "bad_enum"             // not one of the listed values or variants
	CodeBadNumber         = "bad_number"           // not a whole number ≥ 0
	CodeDuplicateRequest  = "duplicate_request_id" // the same 单号 earlier in the same file: this row is rejected
	CodeMissingResolvedOn = "missing_resolved_on"  // state 已办结 without 办结日期: row rejected

	// A park form's 企业名册 names the same enterprise (by valid credit code,
	// else by name) on an earlier row: this row is rejected, the first counts.
	CodeDuplicateEnterprise = "duplicate_enterprise"

	// Warnings: the row counts, the offending value is not used.
	CodeMissingOrgName          = "missing_org_name"      // has party org = yes, no 党组织名称: counts as covered, adds no organization
	CodeFormationConflict       = "formation_conflict"    // an organization's later row names another 组建方式 than its first
	CodeFormationWithoutOrg     = "formation_without_org" // 组建方式 given where 是否建立党组织 is no (a park form: 单独/联合组建 there)
	CodeMeetingOutOfPeriod      = "meeting_out_of_period" // a meeting dated outside the form's month: not counted
	CodeDispatchedBeforeRequest = "dispatched_before_requested"
	CodeResolvedBeforeRequest   = "resolved_before_requested"
	CodeRatingUnresolved        = "rating_unresolved"     // a rating on a request that is not 已办结
	CodeMediationNotDispute     = "mediation_not_dispute" // a mediation result on a request not marked as a dispute
	CodeRequestChangedDate      = "request_changed_date"  // warehouse: a later form lists the request with another 点单日期
	CodePeriodAfterReceipt      = "period_after_receipt"  // warehouse: the period is later than the month the file was received in

	// Warnings of a park form: the row counts, the offending value is not used.
	CodeBadCreditCode         = "bad_credit_code"         // 统一社会信用代码 not 18 characters of GB 32100-2015 with a valid check character
	CodeIncubatedWithOrg      = "incubated_with_org"      // 组建方式 孵化培育 on an enterprise with a party organization
	CodeVisitOutOfPeriod      = "visit_out_of_period"     // a visit dated outside the form's month: not counted
	CodeSolvedExceedsProblems = "solved_exceeds_problems" // 已解决问题数 more than 协调问题数: neither count is used, the visit counts
)
