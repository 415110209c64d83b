package season

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/improve"
	"github.com/flextime/flextime/schemas"
)

// ErrOptions is returned, wrapped, for options out of range.
var ErrOptions = errors.New("season: bad options")

// Broken lists, per sport, the ids of the hard constraints the generated
// schedules break on purpose: none. A sample is what a conference office
// would accept, every hard rule holding; the tests break each rule
// themselves to see it explained.
var Broken = map[string][]string{"mbb": nil, "wbb": nil, "football": nil}

// SearchMoves is the move budget of the local search (package improve)
// run on each sport's schedule against its own constraint set: a number
// of moves, not a time, so that the files are the same on every machine.
// The search stops earlier once every hard rule holds and SearchTarget
// percent of the soft ones are satisfied.
const (
	SearchMoves  = 60_000
	SearchTarget = 100
)

// Sports are the sports generated, in order.
var Sports = []string{"mbb", "wbb", "football"}

// Generate builds every file of examples/big12, keyed by its path
// relative to that directory ("mbb/schedule.json").
func Generate(opt Options) (map[string][]byte, error) {
	if opt.FootballWeeks < 9 || opt.FootballWeeks > 14 {
		return nil, fmt.Errorf("%w: football weeks %d, want 9 to 14", ErrOptions, opt.FootballWeeks)
	}
	files := map[string][]byte{}
	rng := func(sport string) *rand.Rand {
		return rand.New(rand.NewPCG(uint64(opt.Seed), uint64(len(sport))<<32|7))
	}

	mbb := mbbSport()
	ms, err := solve(mbb, opt.Seed)
	if err != nil {
		return nil, err
	}
	mdoc := mbb.schedule(ms, rng("mbb"))
	// The men's home days, for the women's rule against same-day games.
	homeDays := map[string][]string{}
	busy := map[int]map[int]bool{}
	for _, g := range mdoc.Games {
		d := g.Start[:10]
		homeDays[g.Home] = append(homeDays[g.Home], d)
		t := teamIndex(g.Home)
		if busy[t] == nil {
			busy[t] = map[int]bool{}
		}
		day, _ := time.Parse(time.DateOnly, d)
		busy[t][dayNumber(day)] = true
	}
	for _, ds := range homeDays {
		slices.Sort(ds)
	}

	wbb := wbbSport(busy)
	ws, err := solve(wbb, opt.Seed)
	if err != nil {
		return nil, err
	}
	wdoc := wbb.schedule(ws, rng("wbb"))

	fb := footballSport(opt.FootballWeeks)
	fs, err := solve(fb, opt.Seed)
	if err != nil {
		return nil, err
	}
	fdoc := fb.schedule(fs, rng("football"))

	first := slices.MinFunc(fb.windows[0].days, func(a, b time.Time) int { return a.Compare(b) })
	sets := map[string][]byte{
		"mbb":      mbbConstraints(travelOf(mdoc)),
		"wbb":      wbbConstraints(travelOf(wdoc), homeDays),
		"football": footballConstraints(opt.FootballWeeks, travelOf(fdoc), first),
	}
	docs := []*schemas.Schedule{mdoc, wdoc, fdoc}
	for i, d := range docs {
		if docs[i], err = improveSeason(d, sets[d.Sport], opt.Seed); err != nil {
			return nil, err
		}
	}
	for _, d := range docs {
		js, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			return nil, err
		}
		files[d.Sport+"/schedule.json"] = append(js, '\n')
		files[d.Sport+"/constraints.ndjson"] = sets[d.Sport]
	}
	return files, nil
}

// Write generates the files and writes them under dir.
func Write(dir string, opt Options) error {
	files, err := Generate(opt)
	if err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// travelOf sets the sample's travel limits from the schedule itself, at
// about the 80th percentile of the teams, so that a few teams go over
// and the soft rules have something to explain. A trip leaves home,
// plays its consecutive road games and comes back.
func travelOf(d *schemas.Schedule) travelLimits {
	byTeam := map[string][]schemas.Game{}
	for _, g := range d.Games {
		byTeam[g.Home] = append(byTeam[g.Home], g)
		byTeam[g.Away] = append(byTeam[g.Away], g)
	}
	var trips, seasons, tzs []float64
	for _, t := range Teams {
		gs := byTeam[t.ID]
		slices.SortFunc(gs, func(a, b schemas.Game) int { return *a.Slot - *b.Slot })
		at, tz := t, t.TZ
		var trip, season, longest float64
		changes := 0
		for _, g := range gs {
			next := Teams[teamIndex(g.Home)]
			if g.Home == t.ID && at.ID != t.ID {
				season += trip + distanceKM(at, t)
				longest = max(longest, trip+distanceKM(at, t))
				trip = 0
			}
			if g.Away == t.ID {
				trip += distanceKM(at, next)
			}
			at = next
			if next.TZ != tz {
				changes++
				tz = next.TZ
			}
		}
		if at.ID != t.ID {
			season += trip + distanceKM(at, t)
			longest = max(longest, trip+distanceKM(at, t))
		}
		if tz != t.TZ {
			changes++ // the way home
		}
		trips, seasons, tzs = append(trips, longest), append(seasons, season), append(tzs, float64(changes))
	}
	p80 := func(xs []float64, step float64) int {
		slices.Sort(xs)
		return int(math.Ceil(xs[len(xs)*4/5]/step) * step)
	}
	return travelLimits{trip: p80(trips, 500), season: p80(seasons, 1000), tz: p80(tzs, 1)}
}

// improveSeason runs the local search of package improve on a sport's
// schedule under its constraint set, with a budget of moves and a seed,
// and returns the best schedule, confirmed by a full evaluation. The
// season's own search shapes the weeks (which days, which rematches);
// this one scores with the evaluator itself, so what it keeps is what
// flextime reports.
func improveSeason(d *schemas.Schedule, set []byte, seed int64) (*schemas.Schedule, error) {
	cs, err := schemas.DecodeConstraints(set)
	if err != nil {
		return nil, fmt.Errorf("season: %s constraints: %w", d.Sport, err)
	}
	st, err := evaluator.Evaluate(d, cs, evaluator.CompileOptions{})
	if err != nil {
		return nil, fmt.Errorf("season: %s: %w", d.Sport, err)
	}
	_, err = improve.Search(context.Background(), st, improve.Options{
		Seed: uint64(seed)<<8 | uint64(len(d.Sport)), MaxMoves: SearchMoves, TargetSoftPct: SearchTarget, SatisfiedFirst: true,
	})
	if err != nil {
		return nil, fmt.Errorf("season: %s: %w", d.Sport, err)
	}
	out := improve.Document(st, d)
	if err := improve.Confirm(st, out, cs, evaluator.CompileOptions{}); err != nil {
		return nil, fmt.Errorf("season: %s: %w", d.Sport, err)
	}
	return out, nil
}
