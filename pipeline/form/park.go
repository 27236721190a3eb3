package form

import (
	"database/sql"
)

// The park form's row code (企业名册, 走访服务): the rules that relate two
// cells of a row or two rows of a sheet. The generic checks (required,
// invalid values) have already run in dataRow.

func (rd *reader) enterpriseRow(st *sheetState, dr *dataRow) {
	sheet := st.ref.Name
	v := &dr.vals
	name, cc := &v[fEntName], &v[fEntCreditCode]
	code := ""
	if cc.ok {
		c, p := checkCreditCode(cc.text)
		if p == creditOK {
			code = c
		} else {
			rd.issue(sheet, cc.ref(), CodeBadCreditCode, SeverityWarning, cc.shown(), msgBadCreditCode(cc.shown(), p))
		}
	}
	// An enterprise is the same enterprise by its valid credit code, else
	// by its name. As with request ids, the first row naming it owns it,
	// accepted or not, so that fixing that row does not make a later copy
	// count instead.
	var identity string
	switch {
	case code != "":
		identity = "code:" + code
	case name.ok:
		identity = "name:" + name.text
	}
	if identity != "" {
		if first, seen := st.enterprises[identity]; seen {
			dr.rejected = true
			if code != "" {
				rd.issue(sheet, cc.ref(), CodeDuplicateEnterprise, SeverityRow, cc.shown(), msgDuplicateEnterprise(true, code, first))
			} else {
				rd.issue(sheet, name.ref(), CodeDuplicateEnterprise, SeverityRow, name.shown(), msgDuplicateEnterprise(false, name.text, first))
			}
		} else {
			st.enterprises[identity] = dr.num
		}
	}
	if dr.rejected {
		return
	}
	e := Enterprise{
		Row:          dr.num,
		Name:         name.text,
		CreditCode:   code,
		Kind:         v[fEntKind].text,
		Workers:      nullCount(&v[fEntWorkers]),
		PartyMembers: nullCount(&v[fEntPartyMembers]),
		HasOrg:       v[fEntHasOrg].yes,
		OrgName:      v[fEntOrgName].text,
		ModelPosts:   nullCount(&v[fEntModelPosts]),
	}
	if p := &v[fEntPaired]; p.ok {
		e.Paired = sql.Null[bool]{V: p.yes, Valid: true}
	}
	how := &v[fEntHowFormed]
	if how.ok {
		e.HowFormed = how.text
	}
	// 孵化培育 says the enterprise has no organization of its own yet; 单独
	// and 联合组建 say how its organization was formed. A way that
	// contradicts 是否建立党组织 is not used (an invalid one has had its
	// bad_enum warning).
	switch {
	case e.HasOrg && e.HowFormed == FormedIncubated:
		rd.issue(sheet, how.ref(), CodeIncubatedWithOrg, SeverityWarning, how.shown(), msgIncubatedWithOrg)
		e.HowFormed = ""
	case !e.HasOrg && (e.HowFormed == FormedStandalone || e.HowFormed == FormedJoint):
		rd.issue(sheet, how.ref(), CodeFormationWithoutOrg, SeverityWarning, how.shown(), msgFormationWithoutOrg)
		e.HowFormed = ""
	}
	if !e.HasOrg {
		e.OrgName = ""
	} else if e.OrgName == "" {
		// As on the village form: covered, but no organization to name,
		// so no way of forming either.
		at := v[fEntOrgName].ref()
		if at == "" {
			at = v[fEntHasOrg].ref()
		}
		rd.issue(sheet, at, CodeMissingOrgName, SeverityWarning, "", msgMissingOrgName)
		e.HowFormed = ""
	}
	rd.f.Enterprises = append(rd.f.Enterprises, e)
}

func (rd *reader) visitRow(st *sheetState, dr *dataRow) {
	if dr.rejected {
		return
	}
	sheet := st.ref.Name
	v := &dr.vals
	vi := Visit{
		Row:        dr.num,
		Date:       v[fVisitDate].date,
		Enterprise: v[fVisitEnterprise].text,
		Matter:     v[fVisitMatter].text,
	}
	if rd.outOfPeriod(sheet, &v[fVisitDate], CodeVisitOutOfPeriod, msgVisitOutOfPeriod) {
		return
	}
	// The two counts make a rate together: they are used only as a pair
	// that holds together.
	problems, solved := &v[fVisitProblems], &v[fVisitSolved]
	switch {
	case !problems.ok || !solved.ok:
	case solved.count > problems.count:
		rd.issue(sheet, solved.ref(), CodeSolvedExceedsProblems, SeverityWarning, solved.shown(), msgSolvedExceeds(solved.shown(), problems.count))
	default:
		vi.Problems, vi.Solved = nullCount(problems), nullCount(solved)
	}
	rd.f.Visits = append(rd.f.Visits, vi)
}
