package evaluator_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// arenaKm is the test's own great-circle distance between two Big 12
// arenas, written out from the haversine formula so that it does not
// share code with the kind it checks.
func arenaKm(t *testing.T, a, b string) float64 {
	t.Helper()
	var pa, pb *schemas.Team
	for i := range big12 {
		switch big12[i].ID {
		case a:
			pa = &big12[i]
		case b:
			pb = &big12[i]
		}
	}
	if pa == nil || pb == nil {
		t.Fatalf("unknown team %s or %s", a, b)
	}
	rad := func(d float64) float64 { return d / 180 * math.Pi }
	φ1, φ2 := rad(*pa.Lat), rad(*pb.Lat)
	dφ, dλ := φ2-φ1, rad(*pb.Lon-*pa.Lon)
	h := math.Pow(math.Sin(dφ/2), 2) + math.Cos(φ1)*math.Cos(φ2)*math.Pow(math.Sin(dλ/2), 2)
	return 2 * 6371.0088 * math.Atan2(math.Sqrt(h), math.Sqrt(1-h))
}

// pathKm is the length of the closed path home, stops..., home.
func pathKm(t *testing.T, home string, stops ...string) float64 {
	t.Helper()
	var km float64
	at := home
	for _, s := range append(stops, home) {
		if s != at {
			km += arenaKm(t, at, s)
		}
		at = s
	}
	return km
}

// thousands renders n as the explanations do: 12,345.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func TestTravelKnownDistance(t *testing.T) {
	// Worked out apart from Go (Python, the same formula): 1,410.3 km.
	if km := arenaKm(t, "KU", "BYU"); math.Abs(km-1410.3) > 0.1 {
		t.Fatalf("KU to BYU = %.1f km, want 1,410.3", km)
	}
}

func TestTravelTripBounds(t *testing.T) {
	s := dated(t, "BYU-KU 2026-01-10", "KU-KSU 2026-01-17")
	km := pathKm(t, "KU", "BYU") // there and back
	if km == math.Floor(km) {
		t.Fatalf("the boundary cases need a fractional distance, got %v", km)
	}
	lo, hi := int64(math.Floor(km)), int64(math.Ceil(km))
	tests := []struct {
		name, params string
		want         int64
	}{
		{"max just above", fmt.Sprintf(`{"teams":["KU"],"max_trip_km":%d}`, hi), 0},
		{"max just below rounds up", fmt.Sprintf(`{"teams":["KU"],"max_trip_km":%d}`, lo), 1},
		{"max 100 below", fmt.Sprintf(`{"teams":["KU"],"max_trip_km":%d}`, lo-100), 101},
		{"min just below", fmt.Sprintf(`{"teams":["KU"],"min_trip_km":%d}`, lo), 0},
		{"min just above rounds up", fmt.Sprintf(`{"teams":["KU"],"min_trip_km":%d}`, hi), 1},
		{"min 50 above", fmt.Sprintf(`{"teams":["KU"],"min_trip_km":%d}`, hi+50), 51},
		{"season", fmt.Sprintf(`{"teams":["KU"],"max_season_km":%d}`, lo-9), 10},
		// KSU's trip to KU is shorter; BYU and the rest travel nothing.
		{"every team", fmt.Sprintf(`{"max_trip_km":%d}`, lo), 1},
		{"host travels nothing", `{"teams":["BYU"],"max_trip_km":0,"max_tz_changes":0}`, 0},
		{"other team only", `{"teams":["KSU"],"max_trip_km":0}`, int64(math.Ceil(pathKm(t, "KSU", "KU")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := devOf(t, s, "travel", tt.params); got != tt.want {
				t.Errorf("deviation = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestTravelTrips(t *testing.T) {
	s := dated(t,
		"BYU-KU 2026-01-10", "UTAH-KU 2026-01-12", // trip 1
		"KU-KSU 2026-01-14",
		"WVU-KU 2026-01-17", // trip 2
		"KU-ISU 2026-01-19",
		"CIN-KU 2026-01-24 kind=nonconference", // trip 3, unless only conference games count
	)
	trip1 := pathKm(t, "KU", "BYU", "UTAH")
	trip2 := pathKm(t, "KU", "WVU")
	trip3 := pathKm(t, "KU", "CIN")

	got, v := devOf(t, s, "travel", `{"teams":["KU"],"max_trip_km":2000}`)
	want := int64(math.Ceil(trip1-2000) + math.Ceil(trip2-2000))
	if trip3 > 2000 {
		t.Fatalf("KU-CIN round trip %.0f km, expected under 2,000", trip3)
	}
	if got != want || len(v) != 2 {
		t.Fatalf("deviation = %d, want %d; violations %+v", got, want, v)
	}
	msg := fmt.Sprintf("KU's trip at BYU on Sat 2026-01-10, at UTAH on Mon 2026-01-12 covers %s km, at most 2,000 allowed",
		thousands(int64(math.Ceil(trip1))))
	if v[0].Message != msg {
		t.Errorf("message = %q\nwant      %q", v[0].Message, msg)
	}
	if !slices.Equal(v[0].Games, []string{"BYU-KU@2026-01-10", "UTAH-KU@2026-01-12"}) || !slices.Equal(v[0].Teams, []string{"KU"}) {
		t.Errorf("violation names %v %v", v[0].Games, v[0].Teams)
	}

	season := trip1 + trip2 + trip3
	got, v = devOf(t, s, "travel", `{"teams":["KU"],"max_season_km":5000}`)
	if want := int64(math.Ceil(season - 5000)); got != want {
		t.Errorf("season deviation = %d, want %d", got, want)
	}
	if len(v) != 1 || !strings.Contains(v[0].Message, fmt.Sprintf("KU travels %s km on 3 trips, at most 5,000 allowed", thousands(int64(math.Ceil(season))))) ||
		len(v[0].Games) != 4 {
		t.Errorf("season explanation: %+v", v)
	}

	// Only conference games: the CIN trip is not taken.
	got, _ = devOf(t, s, "travel", `{"teams":["KU"],"max_season_km":5000,"select":{"kinds":["conference"]}}`)
	if want := int64(math.Ceil(trip1 + trip2 - 5000)); got != want {
		t.Errorf("conference season deviation = %d, want %d", got, want)
	}

	// A minimum of 3,000 km flags every trip shorter than that.
	got, v = devOf(t, s, "travel", `{"teams":["KU"],"min_trip_km":3000}`)
	want = 0
	for _, km := range []float64{trip1, trip2, trip3} {
		if km < 3000 {
			want += int64(math.Ceil(3000 - km))
		}
	}
	if got != want {
		t.Errorf("min deviation = %d, want %d", got, want)
	}
	if len(v) == 0 || !strings.Contains(v[len(v)-1].Message, "at least 3,000 wanted") ||
		!strings.Contains(v[len(v)-1].Message, fmt.Sprintf("covers %s km", thousands(int64(math.Floor(trip3))))) {
		t.Errorf("min explanation: %+v", v)
	}
}

func TestTravelNeutral(t *testing.T) {
	// A neutral-site game is part of a trip, located at its listed home
	// team's arena: at WVU's for WVU-KU, at KU's own for KU-UCF.
	s := dated(t,
		"BYU-KU 2026-01-10",
		"WVU-KU 2026-01-12 neutral=true",
		"KU-UCF 2026-01-14 neutral=true",
		"UTAH-KU 2026-01-17",
	)
	km := pathKm(t, "KU", "BYU", "WVU", "KU", "UTAH")
	got, v := devOf(t, s, "travel", `{"teams":["KU"],"max_trip_km":1000}`)
	if want := int64(math.Ceil(km - 1000)); got != want {
		t.Errorf("deviation = %d, want %d", got, want)
	}
	if len(v) != 1 || len(v[0].Games) != 4 ||
		!strings.Contains(v[0].Message, "at BYU on Sat 2026-01-10, against WVU at a neutral site on Mon 2026-01-12, against UCF at a neutral site on Wed 2026-01-14, at UTAH on Sat 2026-01-17") {
		t.Errorf("explanation: %+v", v)
	}
	// UCF's only game is a neutral-site one at KU's arena: a trip there and back.
	got, _ = devOf(t, s, "travel", `{"teams":["UCF"],"max_trip_km":0}`)
	if want := int64(math.Ceil(pathKm(t, "UCF", "KU"))); got != want {
		t.Errorf("UCF deviation = %d, want %d", got, want)
	}
}

// withoutPlace returns s with the given teams' coordinates (and, with tz,
// time zones) removed, leaving the shared team list alone.
func withoutPlace(s *schemas.Schedule, tz bool, ids ...string) *schemas.Schedule {
	out := *s
	out.Teams = slices.Clone(s.Teams)
	for i := range out.Teams {
		if slices.Contains(ids, out.Teams[i].ID) {
			out.Teams[i].Lat, out.Teams[i].Lon = nil, nil
			if tz {
				out.Teams[i].TZ = ""
			}
		}
	}
	return &out
}

func TestTravelWithoutCoordinates(t *testing.T) {
	s := dated(t, "BYU-KU 2026-01-10", "UTAH-KU 2026-01-12", "KU-BYU 2026-01-17")

	// KU has no coordinates: it travels nothing, so no bound on distance binds.
	noKU := withoutPlace(s, false, "KU")
	for _, params := range []string{
		`{"teams":["KU"],"max_trip_km":0}`,
		`{"teams":["KU"],"min_trip_km":100000}`,
		`{"teams":["KU"],"max_season_km":0}`,
	} {
		if got, _ := devOf(t, noKU, "travel", params); got != 0 {
			t.Errorf("%s: deviation %d, want 0", params, got)
		}
	}
	// BYU has none: KU's trip skips that stop. BYU's own trip to KU is
	// not measured either.
	noBYU := withoutPlace(s, false, "BYU")
	if got, _ := devOf(t, noBYU, "travel", `{"teams":["KU"],"max_trip_km":0}`); got != int64(math.Ceil(pathKm(t, "KU", "UTAH"))) {
		t.Errorf("KU with BYU unlocated: %d", got)
	}
	if got, _ := devOf(t, noBYU, "travel", `{"teams":["BYU"],"max_trip_km":0,"min_trip_km":10}`); got != 0 {
		t.Errorf("BYU unlocated: %d", got)
	}
	// A trip whose every stop is unlocated has no length, so no minimum.
	noBoth := withoutPlace(s, false, "BYU", "UTAH")
	if got, _ := devOf(t, noBoth, "travel", `{"teams":["KU"],"min_trip_km":10}`); got != 0 {
		t.Errorf("KU with every stop unlocated: %d", got)
	}
}

func TestTravelTimeZones(t *testing.T) {
	// KU's path: Chicago (home), Denver (BYU), Denver (UTAH), Chicago
	// (home game), New_York (WVU), Chicago (ISU), Phoenix (a neutral
	// site, located at ARIZ), then home: 6 changes. The road games are at
	// most 2 days apart, so WVU, ISU and ARIZ are one trip.
	s := dated(t,
		"BYU-KU 2026-01-10", "UTAH-KU 2026-01-12",
		"KU-KSU 2026-01-14",
		"WVU-KU 2026-01-17", "ISU-KU 2026-01-19",
		"ARIZ-KU 2026-01-21 neutral=true",
	)
	tests := []struct {
		name, params string
		want         int64
	}{
		{"at the count", `{"teams":["KU"],"max_tz_changes":6}`, 0},
		{"one over", `{"teams":["KU"],"max_tz_changes":5}`, 1},
		{"none allowed", `{"teams":["KU"],"max_tz_changes":0}`, 6},
		// Only January 10-14: Chicago, Denver, Denver, Chicago, Chicago.
		{"selected games only", `{"teams":["KU"],"max_tz_changes":0,"select":{"dates":[{"from":"2026-01-10","to":"2026-01-14"}]}}`, 2},
		// KSU: Chicago, Chicago (at KU), Chicago.
		{"no change", `{"teams":["KSU"],"max_tz_changes":0}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := devOf(t, s, "travel", tt.params); got != tt.want {
				t.Errorf("deviation = %d, want %d", got, tt.want)
			}
		})
	}
	_, v := devOf(t, s, "travel", `{"teams":["KU"],"max_tz_changes":5}`)
	if len(v) != 1 || !strings.Contains(v[0].Message, "KU changes time zone 6 times, at most 5 allowed") ||
		!strings.Contains(v[0].Message, "at BYU on Sat 2026-01-10 (America/Chicago to America/Denver)") ||
		!strings.Contains(v[0].Message, "back home (America/Phoenix to America/Chicago)") {
		t.Errorf("explanation: %+v", v)
	}
	// A stop whose time zone is unknown is left out of the path: without
	// WVU's, Chicago (home game) to Chicago (ISU) is no change.
	if got, _ := devOf(t, withoutPlace(s, true, "WVU"), "travel", `{"teams":["KU"],"max_tz_changes":0}`); got != 4 {
		t.Errorf("WVU without a time zone: %d, want 4", got)
	}
	// Time-zone changes add to distance deviations.
	bound := int64(math.Floor(pathKm(t, "KU", "BYU", "UTAH")))
	want := int64(1) // one change over
	for _, km := range []float64{pathKm(t, "KU", "BYU", "UTAH"), pathKm(t, "KU", "WVU", "ISU", "ARIZ")} {
		if km > float64(bound) {
			want += int64(math.Ceil(km - float64(bound)))
		}
	}
	got, _ := devOf(t, s, "travel", fmt.Sprintf(`{"teams":["KU"],"max_tz_changes":5,"max_trip_km":%d}`, bound))
	if got != want {
		t.Errorf("trip and time zones together: %d, want %d", got, want)
	}
}
