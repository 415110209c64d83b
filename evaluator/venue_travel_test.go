package evaluator_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// havKm is the test's own haversine distance between two points.
func havKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := func(d float64) float64 { return d / 180 * math.Pi }
	dφ, dλ := rad(lat2-lat1), rad(lon2-lon1)
	h := math.Pow(math.Sin(dφ/2), 2) + math.Cos(rad(lat1))*math.Cos(rad(lat2))*math.Pow(math.Sin(dλ/2), 2)
	return 2 * 6371.0088 * math.Atan2(math.Sqrt(h), math.Sqrt(1-h))
}

// tmc is T-Mobile Center, Kansas City: a neutral site about 55 km from
// Allen Fieldhouse, where the Big 12 tournament is played.
var tmc = schemas.Venue{ID: "t-mobile-center", Name: "T-Mobile Center", Lat: ptr(39.0972), Lon: ptr(-94.5800), TZ: "America/Chicago", Sports: []string{"mbb", "wbb"}}

func ptr(f float64) *float64 { return &f }

// arenas lists the Big 12 teams' arenas as venues.
func arenas() []schemas.Venue {
	var vs []schemas.Venue
	for _, t := range big12 {
		vs = append(vs, schemas.Venue{ID: t.Venue, Lat: t.Lat, Lon: t.Lon, TZ: t.TZ})
	}
	return vs
}

// TestTravelNeutralSiteAtItsVenue: a neutral-site game is played at its
// venue's coordinates, not at the nominal home team's arena. KU "hosting"
// WVU at T-Mobile Center used to count 0 km for Kansas.
func TestTravelNeutralSiteAtItsVenue(t *testing.T) {
	s := dated(t, "KU-WVU 2026-03-12 venue=t-mobile-center neutral=true")
	s.Venues = append(arenas(), tmc)
	ku := big12[8]
	want := int64(math.Ceil(2 * havKm(*ku.Lat, *ku.Lon, *tmc.Lat, *tmc.Lon)))
	got, v := devOf(t, s, "travel", `{"teams":["KU"],"max_trip_km":0}`)
	if got != want || want < 100 {
		t.Fatalf("KU to T-Mobile Center and back: deviation %d, want %d km: %+v", got, want, v)
	}
	if len(v) != 1 || !strings.Contains(v[0].Message, "KU's trip against WVU at a neutral site (T-Mobile Center) on Thu 2026-03-12 covers") {
		t.Errorf("explanation: %+v", v)
	}
	// WVU flies to Kansas City, not to Lawrence.
	wvu := big12[15]
	want = int64(math.Ceil(2 * havKm(*wvu.Lat, *wvu.Lon, *tmc.Lat, *tmc.Lon)))
	if got, _ := devOf(t, s, "travel", `{"teams":["WVU"],"max_trip_km":0}`); got != want {
		t.Errorf("WVU to T-Mobile Center and back: %d, want %d", got, want)
	}
	// A team's own venue, listed, is its home when it has no coordinates.
	s2 := *s
	s2.Teams = append([]schemas.Team(nil), big12...)
	s2.Teams[8].Lat, s2.Teams[8].Lon, s2.Teams[8].Venue = nil, nil, "allen-fieldhouse"
	s2.Venues = []schemas.Venue{tmc, {ID: "allen-fieldhouse", Lat: ku.Lat, Lon: ku.Lon, TZ: "America/Chicago"}}
	for i := range s2.Teams {
		if i != 8 {
			s2.Teams[i].Venue = ""
		}
	}
	want = int64(math.Ceil(2 * havKm(*ku.Lat, *ku.Lon, *tmc.Lat, *tmc.Lon)))
	if got, _ := devOf(t, &s2, "travel", `{"teams":["KU"],"max_trip_km":0}`); got != want {
		t.Errorf("KU located by its listed venue: %d, want %d", got, want)
	}
}

// TestTravelTimeZoneByOffset: a time-zone change is a change of clock.
// Arizona keeps standard time all year: Phoenix and Denver agree until
// the second Sunday of March (2026-03-08), then differ by an hour.
func TestTravelTimeZoneByOffset(t *testing.T) {
	winter := dated(t, "BYU-ARIZ 2026-01-10", "UTAH-ARIZ 2026-01-12")
	if got, v := devOf(t, winter, "travel", `{"teams":["ARIZ"],"max_tz_changes":0}`); got != 0 {
		t.Errorf("Phoenix to Denver in January: %d changes, want 0 (same UTC offset): %+v", got, v)
	}
	spring := dated(t, "BYU-ARIZ 2026-03-10", "UTAH-ARIZ 2026-03-12")
	got, v := devOf(t, spring, "travel", `{"teams":["ARIZ"],"max_tz_changes":0}`)
	if got != 2 || len(v) != 1 || !strings.Contains(v[0].Message, "(America/Phoenix to America/Denver)") {
		t.Errorf("Phoenix to Denver after DST: %d, want 2 (there and back): %+v", got, v)
	}
	// The DST weekend itself: a game on Sat 03-07 (Denver still -7) then
	// Mon 03-09 (Denver -6): the clock changes on the way home only.
	dst := dated(t, "BYU-ARIZ 2026-03-07", "UTAH-ARIZ 2026-03-09")
	if got, _ := devOf(t, dst, "travel", `{"teams":["ARIZ"],"max_tz_changes":0}`); got != 1 {
		t.Errorf("across the DST change: %d, want 1", got)
	}
}

// TestTravelTripsReturnHome: road games far apart are separate trips,
// with a flight home between them. Football road games a week apart used
// to count as one trip, KU-BYU-UTAH-KU.
func TestTravelTripsReturnHome(t *testing.T) {
	s := dated(t, "BYU-KU 2025-09-13", "UTAH-KU 2025-09-20")
	s.Sport = "football"
	two := pathKm(t, "KU", "BYU") + pathKm(t, "KU", "UTAH")
	one := pathKm(t, "KU", "BYU", "UTAH")
	if got, _ := devOf(t, s, "travel", `{"teams":["KU"],"max_season_km":0}`); got != int64(math.Ceil(two)) {
		t.Errorf("football, a week apart: season %d km, want %d (two trips; one trip would be %.0f)", got, int64(math.Ceil(two)), one)
	}
	// Basketball games two days apart are one trip; a week apart, two.
	s.Sport = "mbb"
	near := dated(t, "BYU-KU 2026-01-10", "UTAH-KU 2026-01-12")
	if got, _ := devOf(t, near, "travel", `{"teams":["KU"],"max_season_km":0}`); got != int64(math.Ceil(one)) {
		t.Errorf("basketball, 2 days apart: %d, want %d", got, int64(math.Ceil(one)))
	}
	if got, _ := devOf(t, s, "travel", `{"teams":["KU"],"max_season_km":0}`); got != int64(math.Ceil(two)) {
		t.Errorf("basketball, a week apart: %d, want %d", got, int64(math.Ceil(two)))
	}
	// The param overrides the sport's default.
	got, v := devOf(t, s, "travel", `{"teams":["KU"],"max_trip_km":0,"return_home_days":7}`)
	if got != int64(math.Ceil(one)) || len(v) != 1 {
		t.Errorf("return_home_days 7: %d, want one trip of %d: %+v", got, int64(math.Ceil(one)), v)
	}
}

// TestVenueListChecked: with a venue list, a game or team naming a venue
// outside it is refused with the field named, even when the document
// skipped schemas validation; without a list, venues are labels.
func TestVenueListChecked(t *testing.T) {
	s := dated(t, "KU-WVU 2026-03-12 venue=sprint-center neutral=true")
	if _, err := evaluator.Evaluate(s, nil, evaluator.CompileOptions{}); err != nil {
		t.Fatalf("labels without a list: %v", err)
	}
	s.Venues = []schemas.Venue{tmc}
	s.Teams = slices.Clone(s.Teams) // big12 is shared
	for i := range s.Teams {
		s.Teams[i].Venue = ""
	}
	_, err := evaluator.Evaluate(s, nil, evaluator.CompileOptions{})
	if !errors.Is(err, evaluator.ErrInput) || !strings.Contains(err.Error(), "games[0].venue") {
		t.Errorf("unknown game venue: %v", err)
	}
	s = dated(t, "KU-WVU 2026-03-12 venue=t-mobile-center neutral=true")
	s.Venues = []schemas.Venue{tmc}
	_, err = evaluator.Evaluate(s, nil, evaluator.CompileOptions{})
	if !errors.Is(err, evaluator.ErrInput) || !strings.Contains(err.Error(), "teams[0].venue") {
		t.Errorf("unknown team venue: %v", err)
	}
	s.Teams = nil
	s.Venues = []schemas.Venue{{ID: "x", TZ: "America/Kansas_City"}}
	s.Games = nil
	s.Slots = nil
	_, err = evaluator.Evaluate(s, nil, evaluator.CompileOptions{})
	if !errors.Is(err, evaluator.ErrInput) || !strings.Contains(err.Error(), "venues[0].tz") {
		t.Errorf("unknown time zone: %v", err)
	}
}

// TestHomeSwapMovesTheVenue: a game without a venue of its own is played
// at its home team's venue, so swapping home and away moves it. The
// incremental path kept the old home's venue, and disagreed with a fresh
// evaluation of the written-back document.
func TestHomeSwapMovesTheVenue(t *testing.T) {
	s := dated(t, "KU-KSU 2026-01-03 14:00", "KSU-ISU 2026-01-03 15:00 sport=wgym")
	cs := []schemas.Constraint{con("turn", "venue_turnaround", true, `{"hours":4,"duration_minutes":0}`)}
	cs[0].Sport = "mbb"
	st, err := evaluator.Evaluate(s, cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Deviation(0) != 0 {
		t.Fatalf("before the swap: %d, want 0", st.Deviation(0))
	}
	mv := evaluator.NewMover(st)
	mv.SwapHomes(st.Model().Frame.TeamIndex("KU"), st.Model().Frame.TeamIndex("KSU"))
	full, err := evaluator.Evaluate(st.Schedule(s), cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if full.Deviation(0) != 3 || st.Deviation(0) != full.Deviation(0) {
		t.Errorf("KSU hosts KU at 14:00 and ISU at 15:00: incremental %d, full %d, want 3", st.Deviation(0), full.Deviation(0))
	}
}
