package evaluator_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flextime/flextime/evaluator"
)

// TestIncrementalEqualsFull applies random moves to every ITC2021 solution
// and checks, after every move, that the incremental state equals a full
// evaluation of the moved schedule: every constraint's deviation, the
// totals, and a second state that follows the documents through Update.
func TestIncrementalEqualsFull(t *testing.T) {
	moves := 60
	if testing.Short() {
		moves = 15
	}
	for _, c := range allITC(t) {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(len(c.name))))
			inc := c.model.NewState()
			if err := inc.Load(c.sched); err != nil {
				t.Fatal(err)
			}
			follower := c.model.NewState()
			if err := follower.Load(c.sched); err != nil {
				t.Fatal(err)
			}
			mv := evaluator.NewMover(inc)
			nT, nS := int32(len(c.sched.Teams)), int32(len(c.sched.Slots))
			for step := 0; step < moves; step++ {
				a, b := rng.Int32N(nT), rng.Int32N(nT-1)
				if b >= a {
					b++
				}
				var what string
				switch rng.IntN(3) {
				case 0:
					what = "homes"
					mv.SwapHomes(a, b)
				case 1:
					what = "rounds"
					s1, s2 := rng.Int32N(nS), rng.Int32N(nS-1)
					if s2 >= s1 {
						s2++
					}
					mv.SwapRounds(s1, s2)
				case 2:
					what = "teams"
					mv.SwapTeams(a, b)
				}
				doc := inc.Schedule(c.sched)
				full := c.model.NewState()
				if err := full.Load(doc); err != nil {
					t.Fatal(err)
				}
				if err := follower.Update(doc); err != nil {
					t.Fatal(err)
				}
				for i := range c.model.Constraints {
					if inc.Deviation(i) != full.Deviation(i) || follower.Deviation(i) != full.Deviation(i) {
						t.Fatalf("step %d (%s): constraint %s: incremental %d, via Update %d, full %d",
							step, what, c.model.Constraints[i].Doc.ID, inc.Deviation(i), follower.Deviation(i), full.Deviation(i))
					}
				}
				if inc.Totals() != full.Totals() || follower.Totals() != full.Totals() {
					t.Fatalf("step %d (%s): totals incremental %+v, via Update %+v, full %+v",
						step, what, inc.Totals(), follower.Totals(), full.Totals())
				}
			}
			if inc.Objective() == schemasZero && inc.Infeasibility() == schemasZero {
				t.Log("after the moves the schedule still scores 0: moves may not have applied")
			}
		})
	}
}
