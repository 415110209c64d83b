package evaluator_test

import (
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// windows builds a Big 12 schedule whose slots are dated windows and
// whose games have no start of their own (TBA kick-offs): slot i starts
// on starts[i] (a date, Central) and covers days[i] days; games are
// "HOME-AWAY SLOT [key=value...]" with keys network, venue, sport,
// neutral=true and start=HH:MM (a kick-off on the slot's first day).
func windows(t *testing.T, starts []string, days []int, games ...string) *schemas.Schedule {
	t.Helper()
	s := &schemas.Schedule{ID: "tba", Sport: "mbb", Teams: big12}
	for i, d := range starts {
		s.Slots = append(s.Slots, schemas.Slot{ID: i, Start: d + "T00:00:00-06:00", Days: days[i]})
	}
	for _, g := range games {
		f := strings.Fields(g)
		h, a, _ := strings.Cut(f[0], "-")
		slot := int(f[1][0] - '0')
		gm := schemas.Game{ID: f[0] + "@" + f[1], Home: h, Away: a, Slot: &slot}
		for _, kv := range f[2:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "network":
				gm.Network = v
			case "venue":
				gm.Venue = v
			case "sport":
				gm.Sport = v
			case "neutral":
				gm.Neutral = true
			case "start":
				gm.Start = starts[slot] + "T" + v + ":00-06:00"
			default:
				t.Fatalf("bad key %q", k)
			}
		}
		s.Games = append(s.Games, gm)
	}
	return s
}

// TestStartTimesUntimed: a TBA kick-off is not midnight. A game dated by
// its slot but not timed used to fail every TV window.
func TestStartTimesUntimed(t *testing.T) {
	s := windows(t, []string{"2026-01-03"}, []int{1}, "KU-KSU 0 network=ESPN", "BYU-UTAH 0 network=ESPN start=12:00")
	espn := `"select":{"networks":["ESPN"]},"windows":[{"from":"18:00","to":"21:00"}]`
	if got, v := devOf(t, s, "start_times", `{`+espn+`}`); got != 1 || len(v) != 1 || v[0].Games[0] != "BYU-UTAH@0" {
		t.Errorf("skip: deviation %d, want 1 (only the noon kick-off): %+v", got, v)
	}
	got, v := devOf(t, s, "start_times", `{`+espn+`,"untimed":"flag"}`)
	if got != 2 || !hasViolation(v, []string{"KU-KSU@0"}, "not yet timed") {
		t.Errorf("flag: deviation %d, want 2: %+v", got, v)
	}
}

// TestWeekdayInAWindow: a game in a Mon-Wed window without a kick-off has
// no weekday yet. It used to read as a Monday (its slot's first day): a
// Big Monday game, and a forbidden one for a no-Monday rule.
func TestWeekdayInAWindow(t *testing.T) {
	s := windows(t, []string{"2026-01-03", "2026-01-05"}, []int{1, 3},
		"KU-KSU 0", "KU-BYU 1 network=ESPN", "UTAH-KU 1 network=ESPN start=19:00")
	bigMonday := `{"teams":["KU"],"select":{"networks":["ESPN"],"weekdays":["Mon"]},"min":2}`
	if got, _ := devOf(t, s, "games_count", bigMonday); got != 1 {
		t.Errorf("Big Monday games of KU: deviation %d, want 1 (only the timed one is a Monday game)", got)
	}
	noMonday := `{"select":{"teams":["BYU"],"weekdays":["Mon"]}}`
	if got, _ := devOf(t, s, "forbidden", noMonday); got != 0 {
		t.Errorf("BYU on a Monday, skip: %d, want 0", got)
	}
	got, v := devOf(t, s, "forbidden", `{"select":{"teams":["BYU"],"weekdays":["Mon"]},"untimed":"flag"}`)
	if got != 1 || !hasViolation(v, []string{"KU-BYU@1"}, "KU hosts BYU in the window from Mon 2026-01-05, not yet timed") {
		t.Errorf("BYU on a Monday, flag: %d, want 1: %+v", got, v)
	}
	// A one-day slot dates its games: a Saturday slot is a Saturday.
	if got, _ := devOf(t, s, "forbidden", `{"select":{"teams":["KSU"],"weekdays":["Sat"]}}`); got != 1 {
		t.Errorf("KSU in a Saturday slot: %d, want 1", got)
	}
}

// TestTurnaroundDurations: the turnaround runs from the end of one event
// to the start of the next. A 4 h minimum between a noon basketball game
// (2 h) and a 16:00 one left only 2 h, and passed.
func TestTurnaroundDurations(t *testing.T) {
	s := dated(t,
		"HOU-CIN 2026-01-03 12:00 venue=huntsman-center neutral=true",
		"BYU-TCU 2026-01-03 16:00 venue=huntsman-center neutral=true sport=wbb",
	)
	if got, _ := devOf(t, s, "venue_turnaround", `{"hours":4}`); got != 2 {
		t.Errorf("default 2 h games: %d hours short, want 2", got)
	}
	if got, _ := devOf(t, s, "venue_turnaround", `{"hours":4,"sports":{"mbb":{"duration_minutes":150}}}`); got != 3 {
		t.Errorf("a 2.5 h men's game: %d hours short, want 3 (1.5 h free, rounded up)", got)
	}
	got, v := devOf(t, s, "venue_turnaround", `{"hours":4,"duration_minutes":90}`)
	if got != 2 || len(v) != 1 || !strings.Contains(v[0].Message, "2 h 30 min after the first ends (it lasts 1 h 30 min)") {
		t.Errorf("90-minute events: %d, want 2: %+v", got, v)
	}
	// Football lasts 3.5 h by default: a 12:00 kick-off ends 15:30.
	fb := dated(t, "KU-KSU 2025-10-04 11:00 sport=football", "KU-ISU 2025-10-04 19:00 venue=allen-fieldhouse neutral=true sport=wbb")
	if got, _ := devOf(t, fb, "venue_turnaround", `{"hours":6}`); got != 2 {
		t.Errorf("football then basketball: %d, want 2 (4.5 h free of 6)", got)
	}
}

// TestTurnaroundUntimed: events without a kick-off are not placed at
// midnight. Two TBA events at one venue on one day used to "start
// together" and miss the whole turnaround.
func TestTurnaroundUntimed(t *testing.T) {
	s := windows(t, []string{"2026-01-03"}, []int{1},
		"UTAH-ASU 0 sport=wgym", "BYU-TCU 0 venue=huntsman-center neutral=true")
	if got, _ := devOf(t, s, "venue_turnaround", `{"hours":4}`); got != 0 {
		t.Errorf("skip: %d, want 0", got)
	}
	got, v := devOf(t, s, "venue_turnaround", `{"hours":4,"untimed":"flag"}`)
	if got != 2 || !hasViolation(v, []string{"UTAH-ASU@0"}, "not yet timed") {
		t.Errorf("flag: %d, want 2 (one per event): %+v", got, v)
	}
}

// TestVenueUnavailableUntimed: a game dated by its slot but not timed is
// judged by its day, not by its slot's midnight: a venue closed from noon
// on that day is a conflict.
func TestVenueUnavailableUntimed(t *testing.T) {
	s := windows(t, []string{"2026-02-06", "2026-02-10"}, []int{1, 1}, "KU-KSU 0", "KU-BYU 1")
	if got, _ := devOf(t, s, "venue_unavailable", `{"venue":"allen-fieldhouse","periods":[{"from":"2026-02-06T12:00:00-06:00","to":"2026-02-08T00:00:00-06:00"}]}`); got != 1 {
		t.Errorf("closed from noon on the game's day: %d, want 1", got)
	}
}
