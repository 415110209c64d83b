package evaluator_test

import (
	"math/rand/v2"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/testenv"
)

// benchInstance is the heaviest ITC2021 instance: 1,449 constraints.
const benchInstance = "ITC2021_Middle_03"

func benchCase(b *testing.B) *itcCase {
	paths, ok := testenv.ITC2021(b)[benchInstance]
	if !ok {
		testenv.Missing(b, benchInstance+" is not in the shared data")
	}
	return loadITC(b, benchInstance, paths)
}

// BenchmarkFull is one full evaluation of the solution from empty.
func BenchmarkFull(b *testing.B) {
	c := benchCase(b)
	st := c.model.NewState()
	if err := st.Load(c.sched); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		st.Reload()
	}
}

// BenchmarkLoad is a full evaluation from the schedule document, including
// resolving every game's ids.
func BenchmarkLoad(b *testing.B) {
	c := benchCase(b)
	st := c.model.NewState()
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Load(c.sched); err != nil {
			b.Fatal(err)
		}
	}
}

func benchMove(b *testing.B, kind int) {
	c := benchCase(b)
	st := c.model.NewState()
	if err := st.Load(c.sched); err != nil {
		b.Fatal(err)
	}
	mv := evaluator.NewMover(st)
	rng := rand.New(rand.NewPCG(7, 7))
	nT, nS := int32(len(c.sched.Teams)), int32(len(c.sched.Slots))
	b.ReportAllocs()
	for b.Loop() {
		k := kind
		if k < 0 {
			k = rng.IntN(3)
		}
		x, y := rng.Int32N(nT), rng.Int32N(nT-1)
		if y >= x {
			y++
		}
		switch k {
		case 0:
			mv.SwapHomes(x, y)
		case 1:
			s1, s2 := rng.Int32N(nS), rng.Int32N(nS-1)
			if s2 >= s1 {
				s2++
			}
			mv.SwapRounds(s1, s2)
		case 2:
			mv.SwapTeams(x, y)
		}
	}
}

// BenchmarkMoveHomes swaps the homes of both meetings of a random pair.
func BenchmarkMoveHomes(b *testing.B) { benchMove(b, 0) }

// BenchmarkMoveRounds swaps two random rounds.
func BenchmarkMoveRounds(b *testing.B) { benchMove(b, 1) }

// BenchmarkMoveTeams swaps two random teams.
func BenchmarkMoveTeams(b *testing.B) { benchMove(b, 2) }

// BenchmarkMoveMix draws one of the three moves at random.
func BenchmarkMoveMix(b *testing.B) { benchMove(b, -1) }

// BenchmarkCompile compiles the benchInstance model: once with every
// param checked against its JSON Schema, as a caller without a loaded
// set does, and once with ParamsValidated, as the service does for a set
// its store checked when it loaded it.
func BenchmarkCompile(b *testing.B) {
	c := benchCase(b)
	for _, validated := range []bool{false, true} {
		name := "schema"
		if validated {
			name = "validated"
		}
		b.Run(name, func(b *testing.B) {
			opt := evaluator.CompileOptions{Structure: c.model.Structure, ParamsValidated: validated}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := evaluator.Compile(c.model.Frame, c.inst.Constraints, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
