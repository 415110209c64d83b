package evaluator_test

import (
	"sort"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/testenv"
	"github.com/flextime/flextime/robinx"
	"github.com/flextime/flextime/schemas"
)

// itcCase is one ITC2021 instance with its best-known solution, compiled.
type itcCase struct {
	name  string
	inst  *robinx.Instance
	sol   *robinx.Solution
	sched *schemas.Schedule
	model *evaluator.Model
}

func loadITC(tb testing.TB, name string, paths [2]string) *itcCase {
	tb.Helper()
	inst, err := robinx.ReadInstanceFile(paths[0])
	if err != nil {
		tb.Fatal(err)
	}
	sol, err := robinx.ReadSolutionFile(paths[1])
	if err != nil {
		tb.Fatal(err)
	}
	sched, err := inst.Schedule(sol)
	if err != nil {
		tb.Fatal(err)
	}
	frame, err := evaluator.NewFrame(sched)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := evaluator.Compile(frame, inst.Constraints, evaluator.CompileOptions{Structure: evaluator.Structure{
		RoundRobins: inst.Format.RoundRobins, Compact: inst.Format.Compact, Phased: inst.Format.Phased,
	}})
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return &itcCase{name: name, inst: inst, sol: sol, sched: sched, model: m}
}

func allITC(tb testing.TB) []*itcCase {
	paths := testenv.ITC2021(tb)
	names := make([]string, 0, len(paths))
	for n := range paths {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*itcCase, 0, len(names))
	for _, n := range names {
		out = append(out, loadITC(tb, n, paths[n]))
	}
	return out
}

// TestITC2021Solutions scores every published best-known solution: each
// must be feasible, structurally sound, and give exactly its objective.
func TestITC2021Solutions(t *testing.T) {
	cases := allITC(t)
	if len(cases) != 45 {
		t.Errorf("found %d ITC2021 instances, want 45", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := c.model.NewState()
			if err := st.Load(c.sched); err != nil {
				t.Fatal(err)
			}
			if c.sol.Objective == nil || c.sol.Infeasibility == nil {
				t.Fatal("solution has no ObjectiveValue")
			}
			if got, want := st.Infeasibility(), schemas.FixedInt(*c.sol.Infeasibility); got != want {
				t.Errorf("infeasibility = %v, want %v", got, want)
				for _, r := range st.Results(false) {
					if r.Hard {
						t.Logf("hard %s deviation %d: %v", r.ConstraintID, r.Deviation, r.Violations)
					}
				}
			}
			if got, want := st.Objective(), schemas.FixedInt(*c.sol.Objective); got != want {
				t.Errorf("objective = %v, want %v", got, want)
			}
			if sv := st.StructureViolations(); len(sv) != 0 {
				t.Errorf("%d structure violations, first: %s", len(sv), sv[0].Message)
			}
		})
	}
}
