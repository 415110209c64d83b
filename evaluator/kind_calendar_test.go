package evaluator_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// calCase is one deviation check of a calendar kind.
type calCase struct {
	name, params string
	want         int64
}

func runCalCases(t *testing.T, s *schemas.Schedule, kind string, tests []calCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, v := devOf(t, s, kind, tt.params); got != tt.want {
				t.Errorf("deviation = %d, want %d: %+v", got, tt.want, v)
			}
		})
	}
}

// unplaced returns s with every game taken off the calendar: the same
// slots, no game placed.
func unplaced(s *schemas.Schedule) *schemas.Schedule {
	e := *s
	e.Games = slices.Clone(s.Games)
	for i := range e.Games {
		e.Games[i].Slot, e.Games[i].Start = nil, ""
	}
	return &e
}

// hasViolation reports whether some violation names exactly the games and
// says every one of the phrases.
func hasViolation(vs []schemas.Violation, games []string, phrases ...string) bool {
	for _, v := range vs {
		if !slices.Equal(v.Games, games) {
			continue
		}
		ok := true
		for _, p := range phrases {
			ok = ok && strings.Contains(v.Message, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestForbidden(t *testing.T) {
	s := dated(t,
		"KU-BYU 2026-02-01 14:00",               // Sun, BYU away
		"BYU-UTAH 2026-01-31",                   // Sat
		"BYU-KSU 2026-01-11 neutral=true",       // Sun, neutral site
		"KU-KSU 2026-01-25",                     // Sun, no BYU
		"TCU-BYU -",                             // unplaced
		"HOU-CIN 2025-12-08 kind=nonconference", // first day of exams
		"UCF-WVU 2025-12-16",                    // the day after exams
	)
	runCalCases(t, s, "forbidden", []calCase{
		{"BYU on Sunday", `{"select":{"teams":["BYU"],"weekdays":["Sun"]}}`, 2},
		{"BYU at home on Sunday, neutral is not home", `{"select":{"teams":["BYU"],"venue":"home","weekdays":["Sun"]}}`, 0},
		{"BYU away on Sunday", `{"select":{"teams":["BYU"],"venue":"away","weekdays":["Sun"]}}`, 1},
		{"BYU at a neutral site on Sunday", `{"select":{"teams":["BYU"],"venue":"neutral","weekdays":["Sun"]}}`, 1},
		{"any game on Sunday", `{"select":{"weekdays":["Sun"]}}`, 3},
		{"exam period, ends inclusive", `{"select":{"dates":[{"from":"2025-12-08","to":"2025-12-15"}]}}`, 1},
		{"exam period, just missed", `{"select":{"dates":[{"from":"2025-12-09","to":"2025-12-15"}]}}`, 0},
		{"exam period, conference only", `{"select":{"kinds":["conference"],"dates":[{"from":"2025-12-08","to":"2025-12-16"}]}}`, 1},
		{"opponents", `{"select":{"teams":["KSU"],"opponents":["BYU"]}}`, 1},
	})
	if got, _ := devOf(t, unplaced(s), "forbidden", `{"select":{}}`); got != 0 {
		t.Errorf("nothing placed: %d", got)
	}
	_, v := devOf(t, s, "forbidden", `{"select":{"teams":["BYU"],"weekdays":["Sun"]}}`)
	if !hasViolation(v, []string{"KU-BYU@2026-02-01"}, "BYU plays at KU on Sun 2026-02-01, which the rule forbids") ||
		!hasViolation(v, []string{"BYU-KSU@2026-01-11"}, "BYU plays KSU at a neutral site on Sun 2026-01-11") {
		t.Errorf("explanation: %+v", v)
	}
	for _, x := range v {
		if !slices.Equal(x.Teams, []string{"BYU"}) {
			t.Errorf("teams of %q = %v, want the selected side BYU", x.Message, x.Teams)
		}
	}
}

func TestSeasonWindow(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-01-02",
		"KU-BYU 2026-01-03",
		"UTAH-KU 2026-03-08 23:30", // late, still the 8th locally
		"KSU-UTAH 2026-03-10",
		"BYU-KSU 2026-03-09 neutral=true kind=tournament",
		"TCU-HOU -",
	)
	runCalCases(t, s, "season_window", []calCase{
		{"both ends", `{"from":"2026-01-03","to":"2026-03-08"}`, 1 + 2 + 1},
		{"just satisfied", `{"from":"2026-01-02","to":"2026-03-10"}`, 0},
		{"end only", `{"to":"2026-03-08"}`, 2 + 1},
		{"end a day early", `{"to":"2026-03-07"}`, 1 + 3 + 2},
		{"start only", `{"from":"2026-01-04"}`, 2 + 1},
		{"conference games", `{"select":{"kinds":["conference"]},"to":"2026-03-08"}`, 2},
		{"neutral game of BYU", `{"select":{"teams":["BYU"]},"to":"2026-03-08"}`, 1},
		{"neutral games only", `{"select":{"venue":"neutral"},"to":"2026-03-08"}`, 1},
		{"away side", `{"select":{"teams":["UTAH"],"venue":"away"},"to":"2026-03-08"}`, 2},
	})
	if got, _ := devOf(t, unplaced(s), "season_window", `{"from":"2026-02-01","to":"2026-02-02"}`); got != 0 {
		t.Errorf("nothing placed: %d", got)
	}
	_, v := devOf(t, s, "season_window", `{"from":"2026-01-03","to":"2026-03-08"}`)
	if !hasViolation(v, []string{"KSU-UTAH@2026-03-10"}, "KSU hosts UTAH on Tue 2026-03-10, 2 days after the window closes on Sun 2026-03-08") ||
		!hasViolation(v, []string{"KU-KSU@2026-01-02"}, "1 day before the window opens on Sat 2026-01-03") {
		t.Errorf("explanation: %+v", v)
	}
}

func TestStartTimes(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-01-05 18:00 network=ESPN",               // Mon, first minute
		"BYU-UTAH 2026-01-12 21:00 network=ESPN",             // Mon, last minute
		"HOU-TCU 2026-01-19 21:01 network=ESPN",              // Mon, a minute late
		"ISU-WVU 2026-01-26 17:59 network=ESPN neutral=true", // Mon, a minute early
		"BAY-TTU 2026-01-26 12:00 network=FOX",
		"CIN-UCF 2026-01-24 12:00 network=ESPN", // Sat
	)
	big := `"select":{"networks":["ESPN"],"weekdays":["Mon"]}`
	runCalCases(t, s, "start_times", []calCase{
		{"Big Monday", `{` + big + `,"windows":[{"from":"18:00","to":"21:00"}]}`, 2},
		{"second window", `{` + big + `,"windows":[{"from":"18:00","to":"21:00"},{"from":"12:00","to":"17:59"}]}`, 1},
		{"wide window", `{` + big + `,"windows":[{"from":"17:59","to":"21:01"}]}`, 0},
		{"one team", `{"select":{"teams":["HOU"]},"windows":[{"from":"18:00","to":"21:00"}]}`, 1},
		{"neutral games", `{"select":{"venue":"neutral"},"windows":[{"from":"18:00","to":"21:00"}]}`, 1},
		{"every game", `{"select":{},"windows":[{"from":"19:00","to":"19:00"}]}`, 6},
	})
	if got, _ := devOf(t, unplaced(s), "start_times", `{"select":{},"windows":[{"from":"19:00","to":"19:00"}]}`); got != 0 {
		t.Errorf("nothing placed: %d", got)
	}
	_, v := devOf(t, s, "start_times", `{`+big+`,"windows":[{"from":"18:00","to":"21:00"}]}`)
	if !hasViolation(v, []string{"HOU-TCU@2026-01-19"}, "HOU hosts TCU on Mon 2026-01-19 at 21:01, outside the start window 18:00-21:00") {
		t.Errorf("explanation: %+v", v)
	}
}

func TestVenueUnavailable(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-02-06 19:00",                               // Fri, the period's first minute
		"BAY-HOU 2026-02-05 18:59 venue=allen-fieldhouse",       // before it
		"KU-UTAH 2026-02-07 13:00 sport=wbb",                    // inside, women's game
		"ISU-KU 2026-02-08 venue=allen-fieldhouse neutral=true", // inside, neutral site at Allen
		"KU-BYU 2026-02-09 00:00",                               // the period's end: free again
		"KSU-TCU 2026-02-07",                                    // elsewhere
		"ISU-CIN 2026-02-06 12:00 venue=hilton-coliseum",        // Hilton, before the period
	)
	period := `"periods":[{"from":"2026-02-06T19:00:00-06:00","to":"2026-02-09T00:00:00-06:00"}]`
	runCalCases(t, s, "venue_unavailable", []calCase{
		{"Allen", `{"venue":"allen-fieldhouse",` + period + `}`, 3},
		{"men's basketball only", `{"venue":"allen-fieldhouse",` + period + `,"sports":["mbb"]}`, 2},
		{"a minute earlier", `{"venue":"allen-fieldhouse","periods":[{"from":"2026-02-05T18:59:00-06:00","to":"2026-02-06T19:00:00-06:00"}]}`, 1},
		{"same instant in UTC", `{"venue":"allen-fieldhouse","periods":[{"from":"2026-02-07T01:00:00Z","to":"2026-02-07T01:00:01Z"}]}`, 1},
		{"two periods", `{"venue":"allen-fieldhouse","periods":[{"from":"2026-02-05T00:00:00-06:00","to":"2026-02-06T00:00:00-06:00"},{"from":"2026-02-09T00:00:00-06:00","to":"2026-02-10T00:00:00-06:00"}]}`, 2},
		{"Hilton: the neutral game is not there", `{"venue":"hilton-coliseum",` + period + `}`, 0},
		{"Hilton from noon", `{"venue":"hilton-coliseum","periods":[{"from":"2026-02-06T12:00:00-06:00","to":"2026-02-07T00:00:00-06:00"}]}`, 1},
		{"a venue nobody plays at", `{"venue":"t-mobile-center",` + period + `}`, 0},
	})
	if got, _ := devOf(t, unplaced(s), "venue_unavailable", `{"venue":"allen-fieldhouse",`+period+`}`); got != 0 {
		t.Errorf("nothing placed: %d", got)
	}
	_, v := devOf(t, s, "venue_unavailable", `{"venue":"allen-fieldhouse",`+period+`}`)
	if !hasViolation(v, []string{"KU-KSU@2026-02-06"}, "KU hosts KSU on Fri 2026-02-06 at 19:00, but allen-fieldhouse is unavailable from 2026-02-06T19:00:00-06:00 to 2026-02-09T00:00:00-06:00") {
		t.Errorf("explanation: %+v", v)
	}
}

func TestVenueTurnaround(t *testing.T) {
	s := dated(t,
		// Huntsman Center: men's basketball at noon, women's at 16:00,
		// gymnastics the next morning, then men's basketball again.
		"HOU-CIN 2026-01-03 12:00 venue=huntsman-center neutral=true",
		"BYU-TCU 2026-01-03 16:00 venue=huntsman-center neutral=true sport=wbb",
		"UTAH-ASU 2026-01-04 09:00 sport=wgym",
		"ARIZ-COLO 2026-01-04 14:00 venue=huntsman-center neutral=true",
		// T-Mobile Center: two tournament sessions 90 minutes apart.
		"ISU-WVU 2026-03-12 11:30 venue=t-mobile-center neutral=true",
		"KSU-BAY 2026-03-12 13:00 venue=t-mobile-center neutral=true",
		"KU-OKST 2026-01-03", // alone at Allen
	)
	// Start to start, as the rule measured before events had durations.
	gym := `"sports":{"wgym":{"before":12,"after":8}}`
	runCalCases(t, s, "venue_turnaround", []calCase{
		{"standard and gymnastics", `{"duration_minutes":0,"hours":4,` + gym + `}`, 3 + 3}, // 5 h after gym (8 needed), 1.5 h of 4
		{"standard only", `{"duration_minutes":0,"hours":4}`, 3},                           // only T-Mobile
		{"standard 5 h", `{"duration_minutes":0,"hours":5}`, 1 + 4},                        // noon to 16:00 is 4 h; 1.5 h of 5
		{"one venue", `{"venues":["huntsman-center"],"duration_minutes":0,"hours":4,` + gym + `}`, 3},
		{"gymnastics needs 17 h before: met", `{"venues":["huntsman-center"],"duration_minutes":0,"hours":4,"sports":{"wgym":{"before":17}}}`, 0},
		{"gymnastics needs 18 h before: 1 short", `{"venues":["huntsman-center"],"duration_minutes":0,"hours":4,"sports":{"wgym":{"before":18}}}`, 1},
		{"no turnaround", `{"duration_minutes":0,"hours":0}`, 0},
		{"a venue with one event", `{"venues":["allen-fieldhouse"],"duration_minutes":0,"hours":48}`, 0},
	})
	if got, _ := devOf(t, unplaced(s), "venue_turnaround", `{"duration_minutes":0,"hours":4,`+gym+`}`); got != 0 {
		t.Errorf("nothing placed: %d", got)
	}
	_, v := devOf(t, s, "venue_turnaround", `{"duration_minutes":0,"hours":4,`+gym+`}`)
	if !hasViolation(v, []string{"UTAH-ASU@2026-01-04", "ARIZ-COLO@2026-01-04"},
		"huntsman-center: UTAH hosts ASU on Sun 2026-01-04 at 09:00 (wgym), then ARIZ plays COLO at a neutral site on Sun 2026-01-04 at 14:00 (mbb) 5 h later",
		"needs 8 h, 3 hours short") ||
		!hasViolation(v, []string{"ISU-WVU@2026-03-12", "KSU-BAY@2026-03-12"}, "1 h 30 min later; the turnaround needs 4 h, 3 hours short") {
		t.Errorf("explanation: %+v", v)
	}

	// Two events starting together miss the whole turnaround.
	same := dated(t, "KU-KSU 2026-01-03 14:00", "BYU-UTAH 2026-01-03 14:00 venue=allen-fieldhouse neutral=true")
	if got, _ := devOf(t, same, "venue_turnaround", `{"duration_minutes":0,"hours":4}`); got != 4 {
		t.Errorf("same start: %d, want 4", got)
	}
}

func TestByes(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-01-03", "BYU-UTAH 2026-01-03", // Sat
		"KU-BYU 2026-01-05", "KSU-UTAH 2026-01-05", // Mon
		"UTAH-KU 2026-01-07 neutral=true", // Wed: KSU and BYU off; a neutral game is still a game
		"KSU-BYU 2026-01-10",              // Sat: KU and UTAH off
	)
	four := `"teams":["KU","KSU","BYU","UTAH"]`
	midweek := `"weekdays":["Mon","Tue","Wed","Thu"]`
	runCalCases(t, s, "byes", []calCase{
		{"exactly one", `{` + four + `,"min":1,"max":1}`, 0},
		{"none allowed", `{` + four + `,"max":0}`, 4},
		{"two wanted", `{"teams":["KU"],"min":2}`, 1},
		{"midweek only", `{` + four + `,` + midweek + `}`, 2}, // KU and UTAH sit out a Saturday
		{"MBB rule", `{` + four + `,"min":1,"max":1,` + midweek + `}`, 2},
		{"weekend byes", `{` + four + `,"weekdays":["Sat","Sun"]}`, 2},
		{"idle team", `{"teams":["WVU"],"min":1,"max":1,` + midweek + `}`, 3 + 2},
		{"every team", `{"max":1}`, 12 * 3},
	})
	if got, _ := devOf(t, unplaced(s), "byes", `{"teams":["KU"],"min":1,"max":1,`+midweek+`}`); got != 3+2 {
		t.Errorf("nothing placed: %d, want 3 over max + 2 Saturdays", got)
	}
	_, v := devOf(t, s, "byes", `{"teams":["KU"],"min":2,`+midweek+`}`)
	if !hasViolation(v, nil, "KU has a bye on Sat 2026-01-10, which is not an allowed bye day (Mon, Tue, Wed, Thu)") ||
		!hasViolation(v, []string{"KU-KSU@2026-01-03", "KU-BYU@2026-01-05", "UTAH-KU@2026-01-07"}, "KU has 1 bye (Sat 2026-01-10), the rule wants at least 2") {
		t.Errorf("explanation: %+v", v)
	}
	for _, x := range v {
		if !slices.Equal(x.Teams, []string{"KU"}) {
			t.Errorf("violation %q: teams %v", x.Message, x.Teams)
		}
		if len(x.Games) == 0 && !slices.Equal(x.Slots, []int{3}) {
			t.Errorf("violation %q: slots %v, want the bye's slot 3", x.Message, x.Slots)
		}
	}

	// Slots without a start have no weekday: they never break the weekday rule.
	u := tiny(3, "A-B@0", "C-D@1")
	if got, _ := devOf(t, u, "byes", `{"weekdays":["Mon"]}`); got != 0 {
		t.Errorf("undated slots: %d", got)
	}
	got, v := devOf(t, u, "byes", `{"teams":["A"],"max":0}`)
	if got != 2 || !hasViolation(v, nil, "A has 2 byes (slot 1, slot 2), the rule wants at most 0") {
		t.Errorf("undated slots, max 0: %d %+v", got, v)
	}
	if got, v := devOf(t, u, "byes", `{"teams":["A"],"min":3}`); got != 1 || !strings.Contains(v[0].Message, "A has 2 byes") {
		t.Errorf("undated slots, min 3: %d %+v", got, v)
	}
}

func TestCalendarParamsRefused(t *testing.T) {
	s := dated(t, "KU-KSU 2026-01-03")
	for _, tt := range []struct{ kind, params, field string }{
		{"season_window", `{"from":"2026-03-08","to":"2026-01-01"}`, "params.to"},
		{"start_times", `{"select":{},"windows":[{"from":"22:00","to":"01:00"}]}`, "params.windows[0]"},
		{"venue_unavailable", `{"venue":"allen-fieldhouse","periods":[{"from":"2026-02-09T00:00:00-06:00","to":"2026-02-09T00:00:00-06:00"}]}`, "params.periods[0]"},
		{"byes", `{"min":2,"max":1}`, "params.max"},
		{"byes", `{"teams":["KANSAS"],"max":1}`, "params.teams[0]"},
		{"forbidden", `{"select":{"teams":["BYU"],"weekdays":["Sunday"]}}`, "params.select.weekdays[0]"},
	} {
		c := con("c", tt.kind, true, tt.params)
		c.Sport = s.Sport
		_, err := evaluator.Evaluate(s, []schemas.Constraint{c}, evaluator.CompileOptions{})
		if !errors.Is(err, evaluator.ErrInput) || !strings.Contains(err.Error(), tt.field) {
			t.Errorf("%s %s: err = %v, want ErrInput naming %s", tt.kind, tt.params, err, tt.field)
		}
	}
}
