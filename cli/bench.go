package cli

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/flextime/flextime/evaluator"
)

// benchWarmup is how many full evaluations and moves run untimed first,
// so that the timed ones find warm caches and grown buffers.
const benchWarmup = 5

// benchResult is the JSON that `flextime itc2021 bench` prints. The first
// four fields are the stable ones; the rest describe the run.
type benchResult struct {
	Constraints int        `json:"constraints"`
	FullNS      int64      `json:"full_ns"`
	MoveNS      int64      `json:"move_ns"`
	MovesNS     moveTimes  `json:"moves_ns"`
	Instance    string     `json:"instance"`
	Teams       int        `json:"teams"`
	Slots       int        `json:"slots"`
	Games       int        `json:"games"`
	FullRuns    int        `json:"full_runs"`
	Moves       int        `json:"moves"`
	MoveCounts  moveCounts `json:"move_counts"`
	P90MoveNS   int64      `json:"p90_move_ns"`
	Seed        uint64     `json:"seed"`
}

// moveTimes are median nanoseconds per move of each kind.
type moveTimes struct {
	Homes  int64 `json:"homes"`
	Rounds int64 `json:"rounds"`
	Teams  int64 `json:"teams"`
}

// moveCounts are how many moves of each kind were timed.
type moveCounts struct {
	Homes  int `json:"homes"`
	Rounds int `json:"rounds"`
	Teams  int `json:"teams"`
}

func (a *app) itcBenchCommand() *cobra.Command {
	var full, moves int
	var seed uint64
	var sport string
	cmd := &cobra.Command{
		Use:   "bench [--full N] [--moves N] [--seed S] INSTANCE SOLUTION",
		Short: "Time full and incremental evaluation on a solution",
		Long: `Time the evaluator on a solution: each of --full full evaluations
(after a few untimed ones), then each of --moves random moves, drawn
uniformly from the three a solver makes (swap the homes of a pair, swap two
rounds, swap two teams) and applied incrementally. Print the medians, in
nanoseconds, as one JSON object:

  {"constraints": n, "full_ns": ..., "move_ns": ...,
   "moves_ns": {"homes": ..., "rounds": ..., "teams": ...}, ...}

At the end, the incremental totals are checked against a full evaluation.`,
		Args: exactArgs("INSTANCE", "SOLUTION"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if full < 1 {
				return usagef("--full: %d is not a positive number of runs", full)
			}
			if moves < 0 {
				return usagef("--moves: %d is negative", moves)
			}
			in, err := readITC(args[0], args[1], sport)
			if err != nil {
				return err
			}
			st, _, err := in.evaluate()
			if err != nil {
				return err
			}
			res, err := bench(cmd.Context(), st, full, moves, seed)
			if err != nil {
				return err
			}
			res.Instance = in.inst.Sport
			w := bufio.NewWriter(a.stdout)
			if err := writeJSON(w, res, false); err != nil {
				return err
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.IntVar(&full, "full", 200, "time `N` full evaluations")
	f.IntVar(&moves, "moves", 3000, "time `N` random moves")
	f.Uint64Var(&seed, "seed", 1, "draw the random moves from seed `S`")
	f.StringVar(&sport, "sport", "", "give the schedule and constraints sport `S` (default: the instance file's base name in lower case)")
	return cmd
}

// bench times st.Reload full runs times, then the given number of random
// moves, and checks that the incremental totals agree with a full
// evaluation at the end. It stops early when ctx is done.
func bench(ctx context.Context, st *evaluator.State, full, moves int, seed uint64) (*benchResult, error) {
	frame := st.Model().Frame
	nT, nS := int32(frame.NumTeams()), int32(frame.NumSlots())
	res := &benchResult{
		Constraints: len(st.Model().Constraints),
		Teams:       int(nT), Slots: int(nS), Games: st.NumGames(),
		FullRuns: full, Moves: moves, Seed: seed,
	}

	for range benchWarmup {
		st.Reload()
	}
	fullNS := make([]int64, full)
	for i := range fullNS {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		st.Reload()
		fullNS[i] = time.Since(t0).Nanoseconds()
	}
	res.FullNS = median(fullNS)

	// Only the moves the schedule has room for: two teams or two slots.
	type mover func(x, y int32) int
	mv := evaluator.NewMover(st)
	var kinds []int
	var ranges [3]int32
	var fns [3]mover
	fns[0], ranges[0] = mv.SwapHomes, nT
	fns[1], ranges[1] = mv.SwapRounds, nS
	fns[2], ranges[2] = mv.SwapTeams, nT
	for k := range fns {
		if ranges[k] >= 2 {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		moves = 0
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	pick := func() (int, int32, int32) {
		k := kinds[rng.IntN(len(kinds))]
		x := rng.Int32N(ranges[k])
		y := rng.Int32N(ranges[k] - 1)
		if y >= x {
			y++
		}
		return k, x, y
	}
	for range min(benchWarmup, moves) {
		k, x, y := pick()
		fns[k](x, y)
	}
	perKind := [3][]int64{}
	all := make([]int64, 0, moves)
	for i := range moves {
		if i%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		k, x, y := pick()
		t0 := time.Now()
		fns[k](x, y)
		ns := time.Since(t0).Nanoseconds()
		perKind[k] = append(perKind[k], ns)
		all = append(all, ns)
	}
	res.MoveNS = median(all)
	res.P90MoveNS = percentile(all, 90)
	res.MovesNS = moveTimes{Homes: median(perKind[0]), Rounds: median(perKind[1]), Teams: median(perKind[2])}
	res.MoveCounts = moveCounts{Homes: len(perKind[0]), Rounds: len(perKind[1]), Teams: len(perKind[2])}

	inf, obj := st.Infeasibility(), st.Objective()
	st.Reload()
	if inf != st.Infeasibility() || obj != st.Objective() {
		return nil, fmt.Errorf("incremental evaluation disagrees with a full one after the moves: infeasibility %s vs %s, objective %s vs %s",
			inf, st.Infeasibility(), obj, st.Objective())
	}
	return res, nil
}

// median returns the middle value of xs (the lower middle for an even
// count), 0 when there is none. It sorts xs.
func median(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	return xs[(len(xs)-1)/2]
}

// percentile returns the p-th percentile of xs by the nearest rank, 0
// when there is none. It sorts xs.
func percentile(xs []int64, p int) int64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	rank := (p*len(xs) + 99) / 100
	return xs[max(rank, 1)-1]
}
