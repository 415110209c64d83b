package evaluator_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// big12 are the conference's teams with their arenas (the shared
// reference's coordinates and time zones).
var big12 = []schemas.Team{
	team("ARIZ", "mckale-center", 32.230, -110.949, "America/Phoenix"),
	team("ASU", "desert-financial-arena", 33.424, -111.928, "America/Phoenix"),
	team("BAY", "foster-pavilion", 31.558, -97.116, "America/Chicago"),
	team("BYU", "marriott-center", 40.253, -111.651, "America/Denver"),
	team("CIN", "fifth-third-arena", 39.131, -84.516, "America/New_York"),
	team("COLO", "cu-events-center", 40.004, -105.262, "America/Denver"),
	team("HOU", "fertitta-center", 29.722, -95.346, "America/Chicago"),
	team("ISU", "hilton-coliseum", 42.014, -93.636, "America/Chicago"),
	team("KU", "allen-fieldhouse", 38.954, -95.252, "America/Chicago"),
	team("KSU", "bramlage-coliseum", 39.201, -96.594, "America/Chicago"),
	team("OKST", "gallagher-iba-arena", 36.125, -97.069, "America/Chicago"),
	team("TCU", "schollmaier-arena", 32.710, -97.368, "America/Chicago"),
	team("TTU", "united-supermarkets-arena", 33.591, -101.873, "America/Chicago"),
	team("UCF", "addition-financial-arena", 28.607, -81.197, "America/New_York"),
	team("UTAH", "huntsman-center", 40.762, -111.839, "America/Denver"),
	team("WVU", "wvu-coliseum", 39.648, -79.969, "America/New_York"),
}

func team(id, venue string, lat, lon float64, tz string) schemas.Team {
	return schemas.Team{ID: id, Name: id, Venue: venue, Lat: &lat, Lon: &lon, TZ: tz}
}

// dated builds a dated schedule of the Big 12 teams from games written
// "HOME-AWAY DATE [HH:MM] [key=value ...]", for example
// "KU-KSU 2026-01-03 19:00 network=ESPN", with keys network, kind, venue,
// sport and neutral=true. Each distinct date is one slot, in date order;
// times are Central (-06:00), 19:00 unless given. "HOME-AWAY -" is unplaced.
func dated(t testing.TB, games ...string) *schemas.Schedule {
	t.Helper()
	s := &schemas.Schedule{ID: "dated", Sport: "mbb", Teams: big12}
	var dates []string
	for _, g := range games {
		if f := strings.Fields(g); len(f) > 1 && f[1] != "-" && !slices.Contains(dates, f[1]) {
			dates = append(dates, f[1])
		}
	}
	slices.Sort(dates)
	for i, d := range dates {
		s.Slots = append(s.Slots, schemas.Slot{ID: i, Start: d + "T00:00:00-06:00"})
	}
	for _, g := range games {
		f := strings.Fields(g)
		h, a, ok := strings.Cut(f[0], "-")
		if !ok || len(f) < 2 {
			t.Fatalf("bad game %q", g)
		}
		gm := schemas.Game{ID: f[0] + "@" + f[1], Home: h, Away: a}
		if f[1] != "-" {
			slot := slices.Index(dates, f[1])
			gm.Slot = &slot
			clock := "19:00"
			rest := f[2:]
			if len(rest) > 0 && strings.Contains(rest[0], ":") && !strings.Contains(rest[0], "=") {
				clock, rest = rest[0], rest[1:]
			}
			gm.Start = f[1] + "T" + clock + ":00-06:00"
			for _, kv := range rest {
				k, v, _ := strings.Cut(kv, "=")
				switch k {
				case "network":
					gm.Network = v
				case "kind":
					gm.Kind = v
				case "venue":
					gm.Venue = v
				case "sport":
					gm.Sport = v
				case "neutral":
					gm.Neutral = v == "true"
				default:
					t.Fatalf("bad key %q in %q", k, g)
				}
			}
		}
		s.Games = append(s.Games, gm)
	}
	return s
}

// devOf evaluates one constraint of kind with params on s and returns its
// deviation and violations, checking that the violations add up to it and
// that an incremental path (empty schedule, then Update to s) agrees.
func devOf(t *testing.T, s *schemas.Schedule, kind, params string) (int64, []schemas.Violation) {
	t.Helper()
	c := con("c", kind, true, params)
	c.Sport = s.Sport
	st, err := evaluator.Evaluate(s, []schemas.Constraint{c}, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := st.ConstraintResult(0, true)
	var sum int64
	for _, v := range r.Violations {
		sum += v.Deviation
		if v.Message == "" {
			t.Error("violation without a message")
		}
	}
	if sum != r.Deviation {
		t.Errorf("violations add up to %d, deviation is %d: %+v", sum, r.Deviation, r.Violations)
	}
	// Incremental: start with every game unplaced, then place them.
	empty := *s
	empty.Games = slices.Clone(s.Games)
	for i := range empty.Games {
		empty.Games[i].Slot = nil
		empty.Games[i].Start = ""
	}
	inc, err := evaluator.Evaluate(&empty, []schemas.Constraint{c}, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := inc.Update(s); err != nil {
		t.Fatal(err)
	}
	if inc.Deviation(0) != r.Deviation || inc.Infeasibility() != st.Infeasibility() {
		t.Errorf("incremental deviation %d, full %d", inc.Deviation(0), r.Deviation)
	}
	return r.Deviation, r.Violations
}

func TestGamesCount(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-01-03", "BYU-UTAH 2026-01-03", // Sat
		"KU-BYU 2026-01-05", "KSU-UTAH 2026-01-05", // Mon
		"UTAH-KU 2026-01-10", "KSU-BYU 2026-01-10", // Sat
		"KU-UTAH 2026-01-11 kind=nonconference", // Sun
	)
	tests := []struct {
		name, params string
		want         int64
	}{
		{"weekend home games, at least", `{"teams":["KU"],"select":{"venue":"home","weekdays":["Sat","Sun"]},"min":3}`, 1},
		{"weekend home games, met", `{"teams":["KU"],"select":{"venue":"home","weekdays":["Sat","Sun"]},"min":2}`, 0},
		{"conference only", `{"teams":["KU"],"select":{"kinds":["conference"]},"max":2}`, 1},
		{"every team, at most 2", `{"select":{},"max":2}`, 2 + 1 + 1 + 2}, // KU 4, KSU 3, BYU 3, UTAH 4
		{"per opponent", `{"teams":["KU"],"scope":"opponent","select":{"opponents":["KSU","BYU","UTAH"]},"min":1,"max":1}`, 1},
		{"per opponent, never met", `{"teams":["KU"],"scope":"opponent","select":{"opponents":["KSU","WVU"]},"min":1}`, 1},
		{"total on a network", `{"scope":"total","select":{"dates":[{"from":"2026-01-05","to":"2026-01-10"}]},"min":5}`, 1},
		{"slot range", `{"teams":["KU"],"select":{"slots":{"from":1,"to":2}},"max":1}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := devOf(t, s, "games_count", tt.params); got != tt.want {
				t.Errorf("deviation = %d, want %d", got, tt.want)
			}
		})
	}
	_, v := devOf(t, s, "games_count", `{"teams":["KU"],"select":{"venue":"home","weekdays":["Sat","Sun"]},"min":3}`)
	if len(v) != 1 || !strings.Contains(v[0].Message, "KU hosts KSU on Sat 2026-01-03") {
		t.Errorf("explanation: %+v", v)
	}
}

func TestMeetingDistribution(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-01-03", "KSU-KU 2026-01-10", "KU-BYU 2026-01-05", "UTAH-KU 2026-01-12",
	)
	// KU meets KSU twice, BYU and UTAH once.
	if got, _ := devOf(t, s, "meeting_distribution", `{"teams":["KU"],"distribution":{"2":1,"1":2}}`); got != 0 {
		t.Errorf("exact distribution: %d", got)
	}
	if got, _ := devOf(t, s, "meeting_distribution", `{"teams":["KU"],"distribution":{"2":3,"1":12}}`); got != 2+10 {
		t.Errorf("short distribution: %d", got)
	}
	if got, v := devOf(t, s, "meeting_distribution", `{"teams":["KU"],"distribution":{"1":4}}`); got != 2+1 || !strings.Contains(v[0].Message, "1 twice (KSU)") {
		t.Errorf("twice unlisted: %d %+v", got, v)
	}
	// Opponents met as often are listed in team order, every time.
	for range 20 {
		if _, v := devOf(t, s, "meeting_distribution", `{"teams":["KU"],"distribution":{"2":2}}`); len(v) != 1 ||
			!strings.Contains(v[0].Message, "2 once (BYU, UTAH)") {
			t.Fatalf("explanation %+v", v)
		}
	}
}

func TestMaxConsecutive(t *testing.T) {
	s := dated(t,
		"KSU-KU 2026-01-03", "BYU-KU 2026-01-05", "UTAH-KU 2026-01-10", // 3 road games
		"KU-ISU 2026-01-12",
		"KU-WVU 2026-01-14 neutral=true", // neutral: ends nothing, counts as neither
		"TCU-KU 2026-01-17", "HOU-KU 2026-01-19",
	)
	tests := []struct {
		name, params string
		want         int64
	}{
		{"max 2 road", `{"teams":["KU"],"venue":"away","max":2}`, 1},
		{"max 3 road", `{"teams":["KU"],"venue":"away","max":3}`, 0},
		{"max 1 road", `{"teams":["KU"],"venue":"away","max":1}`, 2 + 1},
		{"home streak", `{"teams":["KU"],"venue":"home","max":0}`, 1},
		{"back-to-back road sets", `{"teams":["KU"],"venue":"away","run_length":2,"max_runs":1}`, 1},
		{"only conference", `{"teams":["KU"],"venue":"away","max":2,"select":{"dates":[{"from":"2026-01-04","to":"2026-01-31"}]}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := devOf(t, s, "max_consecutive", tt.params); got != tt.want {
				t.Errorf("deviation = %d, want %d", got, tt.want)
			}
		})
	}
	_, v := devOf(t, s, "max_consecutive", `{"teams":["KU"],"venue":"away","max":2}`)
	if len(v) != 1 || !strings.Contains(v[0].Message, "KU plays 3 road games in a row") || !strings.Contains(v[0].Message, "KU plays at BYU on Mon 2026-01-05") {
		t.Errorf("explanation: %+v", v)
	}
}
