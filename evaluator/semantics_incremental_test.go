package evaluator_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// venueSeason builds a random Big 12 season that exercises the date and
// venue semantics: a venue list (each team's arena, two neutral sites in
// other places and zones), Saturday slots and Mon-Wed windows from January
// across the March DST change, games with and without kick-offs, neutral
// sites, other sports at shared arenas and non-conference games.
func venueSeason(rng *rand.Rand) *schemas.Schedule {
	s := &schemas.Schedule{ID: "venues", Sport: "mbb", Teams: slices.Clone(big12)}
	s.Venues = append(arenas(), tmc,
		schemas.Venue{ID: "t-mobile-arena", Name: "T-Mobile Arena", Lat: ptr(36.1029), Lon: ptr(-115.1784), TZ: "America/Los_Angeles"},
		schemas.Venue{ID: "practice-gym"}) // no place, no zone
	day := time.Date(2026, 1, 3, 0, 0, 0, 0, time.FixedZone("CST", -6*3600))
	for i := range 22 {
		days := 1
		if i%2 == 1 {
			days = 3
		}
		s.Slots = append(s.Slots, schemas.Slot{ID: i, Start: day.Format(time.RFC3339), Days: days})
		day = day.AddDate(0, 0, []int{2, 5}[i%2])
	}
	for i := range 110 {
		h, a := rng.IntN(16), rng.IntN(15)
		if a >= h {
			a++
		}
		g := schemas.Game{ID: fmt.Sprintf("g%03d", i), Home: big12[h].ID, Away: big12[a].ID}
		randomize(rng, s, &g)
		s.Games = append(s.Games, g)
	}
	return s
}

// randomize gives g a random slot (or none), kick-off (or none), venue,
// network, kind and sport.
func randomize(rng *rand.Rand, s *schemas.Schedule, g *schemas.Game) {
	g.Slot, g.Start, g.Venue, g.Neutral, g.Network, g.Kind, g.Sport = nil, "", "", false, "", "", ""
	if rng.IntN(12) > 0 {
		sl := rng.IntN(len(s.Slots))
		g.Slot = &sl
		if rng.IntN(3) > 0 {
			at, _ := time.Parse(time.RFC3339, s.Slots[sl].Start)
			at = at.AddDate(0, 0, rng.IntN(s.Slots[sl].Days)).Add(time.Duration(11+rng.IntN(10)) * time.Hour)
			g.Start = at.Format(time.RFC3339)
		}
	}
	switch rng.IntN(8) {
	case 0:
		g.Neutral, g.Venue = true, []string{"t-mobile-center", "t-mobile-arena", "practice-gym"}[rng.IntN(3)]
	case 1:
		g.Venue = s.Venues[rng.IntN(len(s.Venues))].ID
	}
	g.Network = []string{"", "ESPN", "FOX"}[rng.IntN(3)]
	if rng.IntN(6) == 0 {
		g.Kind = "nonconference"
	}
	if rng.IntN(6) == 0 {
		g.Sport = []string{"wbb", "wgym"}[rng.IntN(2)]
	}
}

// venueRules uses every param of the date and venue semantics.
var venueRules = []schemas.Constraint{
	con("trip", "travel", false, `{"max_trip_km":1500,"max_season_km":6000,"max_tz_changes":3}`),
	con("trip-fb", "travel", false, `{"select":{"kinds":["conference"]},"return_home_days":1,"max_trip_km":400,"min_trip_km":300}`),
	con("tv", "start_times", true, `{"select":{"networks":["ESPN"]},"windows":[{"from":"18:00","to":"21:00"}],"untimed":"flag"}`),
	con("tv-skip", "start_times", false, `{"select":{"networks":["FOX"],"weekdays":["Sat"]},"windows":[{"from":"11:00","to":"15:00"}]}`),
	con("sunday", "forbidden", true, `{"select":{"teams":["BYU"],"weekdays":["Sun","Mon"]},"untimed":"flag"}`),
	con("turn", "venue_turnaround", true, `{"hours":3,"untimed":"flag","sports":{"wgym":{"before":12,"after":8,"duration_minutes":150}}}`),
	con("turn-skip", "venue_turnaround", false, `{"venues":["t-mobile-center","huntsman-center"],"hours":2,"duration_minutes":0}`),
	con("closed", "venue_unavailable", true, `{"venue":"allen-fieldhouse","periods":[{"from":"2026-01-30T12:00:00-06:00","to":"2026-02-16T00:00:00-06:00"}]}`),
	con("byes", "byes", false, `{"select":{"kinds":["conference"]},"min":6,"max":12,"weekdays":["Mon","Tue","Wed"],"avoid_between":{"before":"away","after":"away"}}`),
	con("recovery", "rest_days", false, `{"next":{"weekdays":["Mon","Tue"]},"min_days":3}`),
	con("monday", "games_count", false, `{"select":{"networks":["ESPN"],"weekdays":["Mon"]},"min":1}`),
}

// TestVenueSemanticsIncremental moves, retimes and relocates games of a
// random season one at a time, and checks after every step that the
// state updated from the difference scores exactly as a fresh evaluation
// of the document, constraint by constraint, and as a full reload.
func TestVenueSemanticsIncremental(t *testing.T) {
	steps := 300
	if testing.Short() {
		steps = 80
	}
	for seed := range uint64(3) {
		rng := rand.New(rand.NewPCG(seed, 11))
		doc := venueSeason(rng)
		st, err := evaluator.Evaluate(doc, venueRules, evaluator.CompileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for step := range steps {
			next := *doc
			next.Games = slices.Clone(doc.Games)
			g := &next.Games[rng.IntN(len(next.Games))]
			switch rng.IntN(3) {
			case 0:
				randomize(rng, &next, g)
			case 1:
				g.Home, g.Away = g.Away, g.Home
			default:
				if g.Slot != nil {
					sl := rng.IntN(len(next.Slots))
					g.Slot = &sl
				}
			}
			if err := st.Update(&next); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
			doc = &next
			full, err := evaluator.Evaluate(doc, venueRules, evaluator.CompileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for ci := range venueRules {
				if st.Deviation(ci) != full.Deviation(ci) {
					t.Fatalf("seed %d step %d (game %s): %s deviation %d incrementally, %d in full",
						seed, step, g.ID, venueRules[ci].ID, st.Deviation(ci), full.Deviation(ci))
				}
			}
			if st.Totals() != full.Totals() {
				t.Fatalf("seed %d step %d: totals %+v, full %+v", seed, step, st.Totals(), full.Totals())
			}
		}
		dev := make([]int64, len(venueRules))
		nonzero := 0
		for ci := range venueRules {
			dev[ci] = st.Deviation(ci)
			if dev[ci] != 0 {
				nonzero++
			}
		}
		st.Reload()
		for ci := range venueRules {
			if st.Deviation(ci) != dev[ci] {
				t.Errorf("seed %d: %s: %d before Reload, %d after", seed, venueRules[ci].ID, dev[ci], st.Deviation(ci))
			}
		}
		if nonzero < len(venueRules)/2 {
			t.Errorf("seed %d: only %d of %d rules have a deviation: the season does not exercise them", seed, nonzero, len(venueRules))
		}
	}
}
