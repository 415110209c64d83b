package improve

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// ErrMismatch is returned, wrapped, when a full evaluation of the written
// schedule does not confirm the score the search holds: a bug in the
// incremental kernel or in Document, never to be reported as a result.
var ErrMismatch = errors.New("improve: the incremental score and a full evaluation differ")

// Document writes the schedule st holds into a copy of base, the document
// st was loaded from (same games, in the same order): each game's teams,
// slot and neutral flag as they stand, a start of its own shifted with
// its slot, and a venue that followed its host. Other fields, locked
// among them, are kept.
func Document(st *evaluator.State, base *schemas.Schedule) *schemas.Schedule {
	out := st.Schedule(base)
	f := st.Model().Frame
	names := map[int32]string{}
	for _, t := range f.Teams {
		names[st.Intern(t.Venue)] = t.Venue
	}
	for g := range out.Games {
		d := &out.Games[g]
		b := &base.Games[g]
		p := st.Placement(int32(g))
		if b.Start != "" {
			if at, err := time.Parse(time.RFC3339, b.Start); err != nil || at.Unix() != p.At {
				d.Start = time.Unix(p.At, 0).In(time.FixedZone("", int(p.Off))).Format(time.RFC3339)
			}
		}
		// A venue left to default follows the host by itself; a venue
		// written out is rewritten when the game moved to its new host's.
		if b.Venue != "" && p.Venue != st.Intern(b.Venue) {
			if v, ok := names[p.Venue]; ok {
				d.Venue = v
			}
		}
	}
	return out
}

// Confirm evaluates doc, the document Document wrote for st, from scratch
// (through its JSON form, as a reader of the written file would) under
// the constraints cs and opt, and compares the result with st exactly:
// every constraint's deviation, the totals and the number of structure
// violations. A difference is an error wrapping ErrMismatch that names it.
func Confirm(st *evaluator.State, doc *schemas.Schedule, cs []schemas.Constraint, opt evaluator.CompileOptions) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	fresh, err := schemas.DecodeSchedule(data)
	if err != nil {
		return fmt.Errorf("%w: the written schedule does not decode: %v", ErrMismatch, err)
	}
	full, err := evaluator.Evaluate(fresh, cs, opt)
	if err != nil {
		return fmt.Errorf("%w: the written schedule does not evaluate: %v", ErrMismatch, err)
	}
	m := st.Model()
	if len(full.Model().Constraints) != len(m.Constraints) {
		return fmt.Errorf("%w: %d constraints evaluated in full, %d in the search", ErrMismatch,
			len(full.Model().Constraints), len(m.Constraints))
	}
	for i := range m.Constraints {
		if a, b := st.Deviation(i), full.Deviation(i); a != b {
			return fmt.Errorf("%w: constraint %s: deviation %d in the search, %d in a full evaluation",
				ErrMismatch, m.Constraints[i].Doc.ID, a, b)
		}
	}
	if a, b := st.Totals(), full.Totals(); a != b {
		return fmt.Errorf("%w: totals %+v in the search, %+v in a full evaluation", ErrMismatch, a, b)
	}
	if a, b := len(st.StructureViolations()), len(full.StructureViolations()); a != b {
		return fmt.Errorf("%w: %d structure violations in the search, %d in a full evaluation", ErrMismatch, a, b)
	}
	return nil
}
