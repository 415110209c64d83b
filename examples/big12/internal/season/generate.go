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
		"mbb":      mbbConstraints(travelOf(9, mbb.windows[len(mbb.windows)/2].days[0])),
		"wbb":      wbbConstraints(travelOf(10, wbb.windows[len(wbb.windows)/2].days[0]), homeDays),
		"football": footballConstraints(opt.FootballWeeks, travelOf(5, fb.windows[len(fb.windows)/2].days[0]), first),
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

// travelOf sets a sport's travel limits from the members' arenas alone,
// the way an office would publish them before any schedule exists. The
// reference asks to limit long road trips and to minimise travel and
// time-zone changes; its yardstick here is the out-and-back road game,
// which a schedule that chains road games only beats:
//
//   - a trip: at most the conference's longest out-and-back (the two
//     arenas farthest apart, there and back);
//   - a season: at most what the most remote member would travel playing
//     each of its away games as an out-and-back to an average opponent;
//   - time-zone changes: at most what that member would have, two per
//     out-and-back away game in another UTC offset on the day, at an
//     average opponent.
//
// away is a team's number of away games, at is a day of the season (UTC
// offsets follow it: Phoenix and Denver agree in winter, not in autumn).
// The schedule does not enter, so no team is planned over a limit.
func travelOf(away int, at time.Time) travelLimits {
	var trip, season, tz float64
	for _, t := range Teams {
		lt, _ := time.LoadLocation(t.TZ)
		_, ot := at.In(lt).Zone()
		var km, other float64
		for _, o := range Teams {
			if o.ID == t.ID {
				continue
			}
			d := 2 * distanceKM(t, o)
			trip, km = max(trip, d), km+d
			lo, _ := time.LoadLocation(o.TZ)
			if _, oo := at.In(lo).Zone(); oo != ot {
				other++
			}
		}
		n := float64(len(Teams) - 1)
		season = max(season, float64(away)*km/n)
		tz = max(tz, 2*float64(away)*other/n)
	}
	up := func(x, step float64) int { return int(math.Ceil(x/step) * step) }
	return travelLimits{trip: up(trip, 500), season: up(season, 1000), tz: up(tz, 1)}
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
