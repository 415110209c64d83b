package evaluator

import (
	"math"

	"github.com/flextime/flextime/schemas"
)

// Totals returns the totals of CONTRACT §3 over every constraint of the
// model. SoftSatisfiedPct is 100 when there is no soft constraint.
func (st *State) Totals() schemas.Totals {
	t := schemas.Totals{
		Infeasibility: st.infeas,
		Objective:     st.obj,
		HardViolated:  st.hardViol,
		SoftViolated:  st.softViol,
		Evaluated:     len(st.m.Constraints),
	}
	soft := 0
	for i := range st.m.Constraints {
		if !st.m.Constraints[i].Doc.Hard {
			soft++
		}
	}
	t.SoftSatisfiedPct = 100
	if soft > 0 {
		pct := 100 * float64(soft-st.softViol) / float64(soft)
		t.SoftSatisfiedPct = math.Round(pct*10) / 10
	}
	return t
}

// ConstraintResult returns constraint ci's score. Its violations are built only when
// explain is true and the deviation is not zero.
func (st *State) ConstraintResult(ci int, explain bool) schemas.ConstraintResult {
	c := &st.m.Constraints[ci]
	r := schemas.ConstraintResult{
		ConstraintID: c.Doc.ID,
		Version:      c.Doc.Version,
		Kind:         c.Doc.Kind,
		Hard:         c.Doc.Hard,
		Deviation:    st.dev[ci],
		Cost:         st.Cost(ci),
	}
	if explain && st.dev[ci] != 0 {
		r.Violations = c.r.explain(st)
	}
	return r
}

// Results returns, in model order, the constraints with a deviation, or
// every constraint when all is true, explaining those with a deviation.
func (st *State) Results(all bool) []schemas.ConstraintResult {
	out := []schemas.ConstraintResult{}
	for i := range st.m.Constraints {
		if all || st.dev[i] != 0 {
			out = append(out, st.ConstraintResult(i, true))
		}
	}
	return out
}

// Changes lists the constraints whose cost moved in the last Update or
// Apply, with their cost before and after, in model order. After Load it
// is empty: there is nothing to compare with.
func (st *State) Changes() []schemas.Change {
	out := []schemas.Change{}
	for i := range st.m.Constraints {
		if !st.chMark[i] {
			continue
		}
		pen := st.m.Constraints[i].Doc.Penalty
		before, after := pen.MulInt(st.before[i]), pen.MulInt(st.dev[i])
		if before != after {
			out = append(out, schemas.Change{ConstraintID: st.m.Constraints[i].Doc.ID, Before: before, After: after})
		}
	}
	return out
}

// Report builds the CONTRACT §3 result of the state's schedule: totals,
// constraint results (every constraint when all is true, else those with a
// deviation), structure violations and the changes of the last update.
// The request fields (request_id, revision), evaluated_at and duration_us
// are the caller's to fill.
func (st *State) Report(scheduleID, sport string, all bool) *schemas.Result {
	return &schemas.Result{
		ScheduleID:    scheduleID,
		Sport:         sport,
		Status:        schemas.StatusOK,
		ConstraintSet: st.m.SetID,
		Totals:        st.Totals(),
		Structure:     st.StructureViolations(),
		Results:       st.Results(all),
		Changes:       st.Changes(),
	}
}
