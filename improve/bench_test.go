package improve_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/improve"
	"github.com/flextime/flextime/internal/testenv"
	"github.com/flextime/flextime/robinx"
)

// benchInstance is the heaviest ITC2021 instance: 1,449 constraints. The
// 2nd-place ITC2021 solver evaluates about 5,800 moves/s per core on it,
// each at full cost.
const benchInstance = "ITC2021_Middle_03"

// BenchmarkSearchMiddle03 runs the search from the best-known solution of
// ITC2021_Middle_03, 10,000 moves per op, and reports moves evaluated per
// second (each move applied, scored and, when rejected, undone).
func BenchmarkSearchMiddle03(b *testing.B) {
	paths, ok := testenv.ITC2021(b)[benchInstance]
	if !ok {
		testenv.Missing(b, benchInstance+" is not in the shared data")
	}
	inst, err := robinx.ReadInstanceFile(paths[0])
	if err != nil {
		b.Fatal(err)
	}
	sol, err := robinx.ReadSolutionFile(paths[1])
	if err != nil {
		b.Fatal(err)
	}
	sched, err := inst.Schedule(sol)
	if err != nil {
		b.Fatal(err)
	}
	st, err := evaluator.Evaluate(sched, inst.Constraints, evaluator.CompileOptions{Structure: evaluator.Structure{
		RoundRobins: inst.Format.RoundRobins, Compact: inst.Format.Compact, Phased: inst.Format.Phased,
	}})
	if err != nil {
		b.Fatal(err)
	}
	var moves int64
	seed := uint64(0)
	cpu0 := cpuTime()
	b.ReportAllocs()
	for b.Loop() {
		seed++
		res, err := improve.Search(context.Background(), st, improve.Options{Seed: seed, MaxMoves: 10_000})
		if err != nil {
			b.Fatal(err)
		}
		moves += res.Moves
	}
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(moves)/b.Elapsed().Seconds(), "moves/s")
	// Per CPU second: the machine is shared, and a solver's figure is
	// per core.
	b.ReportMetric(float64(moves)/cpu.Seconds(), "moves/cpu-s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(moves), "ns/move")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
