package improve

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// ErrOptions is returned, wrapped, for options out of range.
var ErrOptions = errors.New("improve: bad options")

// Options steer a Search. The zero value runs until ctx ends.
type Options struct {
	// Seed seeds the move generator: the same seed, state and MaxMoves
	// give the same result on any machine.
	Seed uint64
	// MaxMoves stops the search after that many moves evaluated; 0 has
	// no limit. A budget of moves, not of time, is what makes a search
	// reproducible.
	MaxMoves int64
	// TargetSoftPct stops the search once every hard constraint holds and
	// at least that share (0 to 100) of the soft constraints is satisfied.
	// 0 sets no target. The search always stops when every constraint
	// holds.
	TargetSoftPct float64
	// SatisfiedFirst orders schedules by infeasibility, then by how many
	// soft constraints are violated, then by objective: for a target on
	// the share of soft rules satisfied (a conference's "85% of the soft
	// rules") rather than on their total cost.
	SatisfiedFirst bool
	// Locked marks, per game index of the state, the games that never
	// move; nil locks none.
	Locked []bool
	// History is the length of the late-acceptance list: how far back a
	// candidate may be compared. Longer explores more and converges later.
	// Default 1000.
	History int
	// Progress, when set, is called about every ProgressEvery (default
	// 1 s) from the search's goroutine, and once at the end.
	Progress      func(Progress)
	ProgressEvery time.Duration
	// Check, when set, is called after every accepted move with the
	// state; an error stops the search and is returned. Tests use it to
	// hold the incremental score to a full evaluation (Confirm).
	Check func(*evaluator.State) error
}

func (o *Options) setDefaults() {
	if o.History == 0 {
		o.History = 1000
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = time.Second
	}
}

// Validate reports options out of range, wrapping ErrOptions.
func (o *Options) Validate(st *evaluator.State) error {
	switch {
	case o.MaxMoves < 0:
		return fmt.Errorf("%w: MaxMoves %d is negative", ErrOptions, o.MaxMoves)
	case o.TargetSoftPct < 0 || o.TargetSoftPct > 100:
		return fmt.Errorf("%w: TargetSoftPct %v is not between 0 and 100", ErrOptions, o.TargetSoftPct)
	case o.History < 0:
		return fmt.Errorf("%w: History %d is negative", ErrOptions, o.History)
	case o.ProgressEvery < 0:
		return fmt.Errorf("%w: ProgressEvery %v is negative", ErrOptions, o.ProgressEvery)
	case o.Locked != nil && len(o.Locked) != st.NumGames():
		return fmt.Errorf("%w: Locked has %d entries for %d games", ErrOptions, len(o.Locked), st.NumGames())
	}
	return nil
}

// Stop says why a search ended.
type Stop string

// Reasons a search stops.
const (
	StopTarget   Stop = "target"   // the score target was reached
	StopOptimum  Stop = "optimum"  // every constraint holds
	StopBudget   Stop = "budget"   // MaxMoves were evaluated
	StopDeadline Stop = "deadline" // ctx ended
	StopStuck    Stop = "stuck"    // no move can be made (every game locked)
)

// Score is where a search stands: the totals a search orders by, and
// the counts of violated constraints.
type Score struct {
	Infeasibility, Objective schemas.Fixed
	HardViolated             int
	SoftViolated             int
	SoftSatisfiedPct         float64
}

// Progress is a snapshot of a running search.
type Progress struct {
	Moves, Accepted int64
	Elapsed         time.Duration
	Current, Best   Score
}

// Result is what a search did. The state it was given holds the best
// schedule found, which is never worse than the one it started from.
type Result struct {
	Before, After   Score
	Moves, Accepted int64
	// Kinds counts, per move kind, the moves evaluated and accepted.
	Kinds   map[string][2]int64
	Elapsed time.Duration
	Stop    Stop
}

// MovesPerSecond is the rate of moves evaluated.
func (r *Result) MovesPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Moves) / r.Elapsed.Seconds()
}

// key orders schedules: infeasibility first, then (with
// SatisfiedFirst) the soft constraints violated, then objective.
type key struct {
	infeas schemas.Fixed
	soft   int
	obj    schemas.Fixed
}

func (a key) less(b key) bool {
	if a.infeas != b.infeas {
		return a.infeas < b.infeas
	}
	if a.soft != b.soft {
		return a.soft < b.soft
	}
	return a.obj < b.obj
}

// Search improves the schedule st holds by late-acceptance hill
// climbing over the moves of moves.go, each scored incrementally by
// State.Apply. A candidate is accepted when it is no worse than the
// current schedule or than the one History moves ago, comparing
// infeasibility first and objective second, so hard constraints are
// repaired before soft ones are traded. It stops at the first of ctx's
// end, MaxMoves, the score target or the optimum, and leaves st at the
// best schedule seen. It returns an error only for bad options or from
// Options.Check; ctx ending is a normal stop (StopDeadline).
func Search(ctx context.Context, st *evaluator.State, opt Options) (*Result, error) {
	opt.setDefaults()
	if err := opt.Validate(st); err != nil {
		return nil, err
	}
	s := newSearcher(st, opt.Locked, rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15)))
	nSoft := 0
	for i := range st.Model().Constraints {
		if !st.Model().Constraints[i].Doc.Hard {
			nSoft++
		}
	}
	score := func() Score {
		h, so := st.Violated()
		pct := 100.0
		if nSoft > 0 {
			pct = float64(nSoft-so) * 100 / float64(nSoft)
		}
		return Score{st.Infeasibility(), st.Objective(), h, so, pct}
	}
	done := func(sc Score) Stop {
		switch {
		case sc.HardViolated == 0 && sc.SoftViolated == 0:
			return StopOptimum
		case opt.TargetSoftPct > 0 && sc.HardViolated == 0 && sc.SoftSatisfiedPct >= opt.TargetSoftPct:
			return StopTarget
		}
		return ""
	}

	keyNow := func() key {
		k := key{infeas: st.Infeasibility(), obj: st.Objective()}
		if opt.SatisfiedFirst {
			_, k.soft = st.Violated()
		}
		return k
	}
	res := &Result{Before: score(), Kinds: map[string][2]int64{}}
	start := time.Now()
	cur := keyNow()
	best, bestScore := cur, res.Before
	s.snapshot()
	hist := make([]key, opt.History)
	for i := range hist {
		hist[i] = cur
	}
	var tried, accepted [numKinds]int64
	nextReport := start.Add(opt.ProgressEvery)
	report := func() {
		if opt.Progress != nil {
			opt.Progress(Progress{Moves: res.Moves, Accepted: res.Accepted, Elapsed: time.Since(start),
				Current: score(), Best: bestScore})
		}
	}
	stop := done(res.Before)
	failures := 0
	for stop == "" {
		if opt.MaxMoves > 0 && res.Moves >= opt.MaxMoves {
			stop = StopBudget
			break
		}
		if res.Moves&255 == 0 {
			if ctx.Err() != nil {
				stop = StopDeadline
				break
			}
			if opt.Progress != nil && res.Moves&1023 == 0 {
				if now := time.Now(); now.After(nextReport) {
					report()
					nextReport = now.Add(opt.ProgressEvery)
				}
			}
		}
		k := s.propose()
		if k < 0 {
			// Most proposals are possible; a long run of impossible ones
			// means nothing can move.
			if failures++; failures > 1_000_000 {
				stop = StopStuck
				break
			}
			if failures&1023 == 0 && ctx.Err() != nil {
				stop = StopDeadline
				break
			}
			continue
		}
		failures = 0
		s.apply()
		res.Moves++
		tried[k]++
		c := keyNow()
		v := int(res.Moves % int64(len(hist)))
		if cur.less(c) && hist[v].less(c) {
			s.revert()
		} else {
			cur = c
			res.Accepted++
			accepted[k]++
			if opt.Check != nil {
				if err := opt.Check(st); err != nil {
					return nil, fmt.Errorf("improve: after move %d (%s): %w", res.Moves, kindNames[k], err)
				}
			}
			if c.less(best) {
				best, bestScore = c, score()
				s.snapshot()
				stop = done(bestScore)
			}
		}
		if cur.less(hist[v]) {
			hist[v] = cur
		}
	}
	s.restore()
	res.Elapsed = time.Since(start)
	res.After = score()
	res.Stop = stop
	for k := range numKinds {
		res.Kinds[kindNames[k]] = [2]int64{tried[k], accepted[k]}
	}
	if opt.Progress != nil {
		opt.Progress(Progress{Moves: res.Moves, Accepted: res.Accepted, Elapsed: res.Elapsed, Current: res.After, Best: res.After})
	}
	return res, nil
}
