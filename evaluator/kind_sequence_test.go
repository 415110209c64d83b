package evaluator_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// seqCase is one constraint of a sequence kind and the deviation it must
// have.
type seqCase struct {
	name, params string
	want         int64
}

func runSeqCases(t *testing.T, s *schemas.Schedule, kind string, cases []seqCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if got, v := devOf(t, s, kind, tt.params); got != tt.want {
				t.Errorf("deviation = %d, want %d: %+v", got, tt.want, v)
			}
		})
	}
}

// findViolation returns the violation whose message holds every part, and
// fails the test when there is none.
func findViolation(t *testing.T, vs []schemas.Violation, parts ...string) schemas.Violation {
	t.Helper()
	for _, v := range vs {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(v.Message, p)
		}
		if ok {
			return v
		}
	}
	t.Fatalf("no violation says %q: %+v", parts, vs)
	return schemas.Violation{}
}

func wantGames(t *testing.T, v schemas.Violation, games ...string) {
	t.Helper()
	if !slices.Equal(v.Games, games) {
		t.Errorf("violation names games %v, want %v (%s)", v.Games, games, v.Message)
	}
}

// kuRun is Kansas's run used by several tests: road, road, home, road,
// road, neutral, home, with games Saturday and Monday, and a Wednesday.
var kuRun = []string{
	"KSU-KU 2026-01-03",              // Sat
	"BYU-KU 2026-01-05",              // Mon
	"KU-UTAH 2026-01-10",             // Sat
	"ISU-KU 2026-01-12",              // Mon
	"TCU-KU 2026-01-14",              // Wed
	"KU-WVU 2026-01-17 neutral=true", // Sat
	"KU-HOU 2026-01-19",              // Mon
}

func TestWindowCount(t *testing.T) {
	s := dated(t, kuRun...)
	runSeqCases(t, s, "window_count", []seqCase{
		// Windows of 5: AAHAA (4 road), AHAAN (3), HAANH (2).
		{"4 road in 5, broken", `{"teams":["KU"],"venue":"away","window":5,"max":3}`, 1},
		{"4 road in 5, just met", `{"teams":["KU"],"venue":"away","window":5,"max":4}`, 0},
		{"at most 2 road in 5", `{"teams":["KU"],"venue":"away","window":5,"max":2}`, 2 + 1},
		{"position any is the default", `{"teams":["KU"],"venue":"away","window":5,"max":2,"position":"any"}`, 2 + 1},
		{"2 home in the first 4, broken", `{"teams":["KU"],"venue":"home","window":4,"position":"first","min":2}`, 1},
		{"1 home in the first 4, met", `{"teams":["KU"],"venue":"home","window":4,"position":"first","min":1}`, 0},
		{"2 road in the last 4, met", `{"teams":["KU"],"venue":"away","window":4,"position":"last","min":2}`, 0},
		// The last 3 are road, neutral, home: the neutral game is not away.
		{"2 road in the last 3, neutral not away", `{"teams":["KU"],"venue":"away","window":3,"position":"last","min":2}`, 1},
		{"2 home in the last 2, neutral not home", `{"teams":["KU"],"venue":"home","window":2,"position":"last","min":2}`, 1},
		{"any venue counts the neutral game", `{"teams":["KU"],"venue":"any","window":3,"position":"last","min":3}`, 0},
		{"min and max", `{"teams":["KU"],"venue":"home","window":2,"min":1,"max":1}`, 1 + 1 + 1}, // AA, AA, AN,
		// WVU has one game (neutral): one short window.
		{"fewer games than the window", `{"teams":["WVU"],"venue":"home","window":4,"min":1}`, 1},
		{"fewer games, any venue", `{"teams":["WVU"],"venue":"any","window":4,"position":"first","min":2}`, 1},
		// Selecting from 2026-01-05 drops the first road game: AHAAN, HAANH.
		{"selector", `{"teams":["KU"],"venue":"away","window":5,"max":3,"select":{"dates":[{"from":"2026-01-05","to":"2026-01-31"}]}}`, 0},
		// Every team: first game not at home for UTAH, HOU, KU (road) and
		// WVU (neutral); 8 teams have no game at all.
		{"every team", `{"venue":"home","window":1,"position":"first","min":1}`, 4 + 8},
	})

	empty := dated(t, "KU-KSU -")
	runSeqCases(t, empty, "window_count", []seqCase{
		{"empty, min", `{"teams":["KU"],"venue":"home","window":4,"position":"first","min":2}`, 2},
		{"empty, max", `{"teams":["KU"],"venue":"away","window":5,"max":3}`, 0},
	})

	_, v := devOf(t, s, "window_count", `{"teams":["KU"],"venue":"away","window":5,"max":3}`)
	if len(v) != 1 {
		t.Fatalf("want one violation: %+v", v)
	}
	findViolation(t, v, "KU plays 4 road games in 5 straight games, the rule wants at most 3", "KU plays at BYU on Mon 2026-01-05")
	wantGames(t, v[0], "KSU-KU@2026-01-03", "BYU-KU@2026-01-05", "ISU-KU@2026-01-12", "TCU-KU@2026-01-14")

	// Two overlapping broken windows are one violation with both deviations.
	_, v = devOf(t, s, "window_count", `{"teams":["KU"],"venue":"away","window":5,"max":2}`)
	if len(v) != 1 || v[0].Deviation != 3 {
		t.Fatalf("want one violation of 3: %+v", v)
	}
	findViolation(t, v, "up to 4 road games in 5 straight games in 2 overlapping windows")

	// Under the minimum, the window's other games are named.
	_, v = devOf(t, s, "window_count", `{"teams":["KU"],"venue":"home","window":4,"position":"first","min":2}`)
	w := findViolation(t, v, "KU plays 1 home game in its first 4 games, the rule wants at least 2")
	wantGames(t, w, "KSU-KU@2026-01-03", "BYU-KU@2026-01-05", "KU-UTAH@2026-01-10", "ISU-KU@2026-01-12")
}

func TestRestDays(t *testing.T) {
	// KU's gaps: 2, 5, 2, 2, 3, 2 days.
	s := dated(t, kuRun...)
	runSeqCases(t, s, "rest_days", []seqCase{
		{"2 days, met", `{"teams":["KU"],"min_days":2}`, 0},
		{"3 days, broken four times", `{"teams":["KU"],"min_days":3}`, 4},
		{"4 days", `{"teams":["KU"],"min_days":4}`, 2 + 2 + 2 + 1 + 2},
		{"other teams play once", `{"teams":["KSU","WVU"],"min_days":7}`, 0},
		// Without the Wednesday game, Mon 12 to Sat 17 is 5 days.
		{"selector", `{"teams":["KU"],"min_days":3,"select":{"weekdays":["Sat","Mon"]}}`, 3},
		{"every team", `{"min_days":3}`, 4},
	})

	// A game late at night and one the next morning are a day apart;
	// two games on one date are 0 days apart.
	tight := dated(t, "KU-KSU 2026-01-03 23:30", "BYU-KU 2026-01-04 09:00", "KU-ISU 2026-01-04 18:00 neutral=true")
	runSeqCases(t, tight, "rest_days", []seqCase{
		{"calendar days, not hours", `{"teams":["KU"],"min_days":1}`, 0 + 1},
		{"two days", `{"teams":["KU"],"min_days":2}`, 1 + 2},
	})
	runSeqCases(t, dated(t, "KU-KSU -"), "rest_days", []seqCase{{"empty", `{"min_days":3}`, 0}})

	_, v := devOf(t, s, "rest_days", `{"teams":["KU"],"min_days":3}`)
	w := findViolation(t, v, "KU has games 2 days apart, at least 3 days wanted", "KU plays at KSU on Sat 2026-01-03; KU plays at BYU on Mon 2026-01-05")
	wantGames(t, w, "KSU-KU@2026-01-03", "BYU-KU@2026-01-05")
}

func TestCompression(t *testing.T) {
	// KU plays Sat 3, Mon 5, Sat 10, Mon 12, Wed 14, Sat 17, Mon 19.
	s := dated(t, kuRun...)
	runSeqCases(t, s, "compression", []seqCase{
		{"Saturday-Monday-Wednesday", `{"teams":["KU"],"days":5,"max":2}`, 1},
		{"4 days, just met", `{"teams":["KU"],"days":4,"max":2}`, 0},
		{"3 in 5, met", `{"teams":["KU"],"days":5,"max":3}`, 0},
		// From each game: 2, 1, 3, 2, 2, 2, 1 games in 5 days.
		{"1 in 5", `{"teams":["KU"],"days":5,"max":1}`, 1 + 0 + 2 + 1 + 1 + 1 + 0},
		{"1 day", `{"teams":["KU"],"days":1,"max":0}`, 7},
		{"selector drops the Wednesday", `{"teams":["KU"],"days":5,"max":2,"select":{"weekdays":["Sat","Mon"]}}`, 0},
		{"every team", `{"days":5,"max":2}`, 1},
	})
	// Two games on one date both start a window that holds both.
	double := dated(t, "KU-KSU 2026-01-03 12:00", "KU-BYU 2026-01-03 19:00 neutral=true", "UTAH-KU 2026-01-04")
	runSeqCases(t, double, "compression", []seqCase{
		{"doubleheader", `{"teams":["KU"],"days":1,"max":1}`, 1 + 1},
		{"doubleheader and the next day", `{"teams":["KU"],"days":2,"max":2}`, 1 + 1},
	})
	runSeqCases(t, dated(t, "KU-KSU -"), "compression", []seqCase{{"empty", `{"days":5,"max":0}`, 0}})

	_, v := devOf(t, s, "compression", `{"teams":["KU"],"days":5,"max":2}`)
	w := findViolation(t, v, "KU plays 3 games in 5 days from Sat 2026-01-10 to Wed 2026-01-14, at most 2 allowed")
	wantGames(t, w, "KU-UTAH@2026-01-10", "ISU-KU@2026-01-12", "TCU-KU@2026-01-14")
}

func TestRematchSeparation(t *testing.T) {
	// KU meets KSU on Jan 3 and Jan 13: 3 games apart for KU, 2 for KSU
	// (which also plays ISU on Jan 7), 10 days apart.
	games := []string{
		"KU-KSU 2026-01-03",
		"KU-BYU 2026-01-05",
		"KSU-ISU 2026-01-07 kind=nonconference",
		"UTAH-KU 2026-01-10",
		"KSU-KU 2026-01-13",
	}
	s := dated(t, games...)
	runSeqCases(t, s, "rematch_separation", []seqCase{
		{"just met", `{"min_games":2,"min_days":10}`, 0},
		{"games, smaller gap is KSU's", `{"min_games":3}`, 1},
		{"days", `{"min_days":11}`, 1},
		{"both", `{"min_games":4,"min_days":15}`, 2 + 5},
		{"pair outside teams", `{"teams":["KU","BYU"],"min_games":4}`, 0},
		{"pair inside teams", `{"teams":["KU","KSU"],"min_games":4}`, 2},
		// Conference games only: KSU's meetings are now 1 game apart.
		{"selector", `{"min_games":2,"select":{"kinds":["conference"]}}`, 1},
		// A meeting must be selected from both sides: a home-only selector
		// finds no meeting.
		{"one-sided selector", `{"min_games":9,"select":{"venue":"home"}}`, 0},
	})

	// A neutral-site meeting still counts; three meetings make two pairs.
	three := dated(t, append(games, "KU-KSU 2026-01-15 neutral=true")...)
	runSeqCases(t, three, "rematch_separation", []seqCase{
		{"three meetings", `{"min_games":2,"min_days":3}`, 0 + 1 + 1},
	})
	runSeqCases(t, dated(t, "KU-KSU -", "KSU-KU -"), "rematch_separation", []seqCase{{"empty", `{"min_games":3,"min_days":10}`, 0}})

	_, v := devOf(t, s, "rematch_separation", `{"min_games":3,"min_days":11}`)
	if len(v) != 1 || v[0].Deviation != 2 {
		t.Fatalf("want one violation of 2: %+v", v)
	}
	w := findViolation(t, v, "KU and KSU meet again only 2 games apart in KSU's schedule (at least 3 wanted) and 10 days apart (at least 11 wanted)")
	wantGames(t, w, "KU-KSU@2026-01-03", "KSU-KU@2026-01-13")
	if !slices.Equal(w.Teams, []string{"KU", "KSU"}) {
		t.Errorf("teams %v", w.Teams)
	}
}

func TestSequencePattern(t *testing.T) {
	s := dated(t,
		"KU-KSU 2026-01-03",               // Sat home
		"BYU-KU 2026-01-05 network=ESPN",  // Big Monday after a home Saturday: fine
		"UTAH-KU 2026-01-10",              // Sat road
		"ISU-KU 2026-01-12 network=ESPN",  // Big Monday after a road Saturday: broken
		"HOU-WVU 2026-01-12 network=ESPN", // WVU's first game: nothing before it
		"KU-TCU 2026-01-17 neutral=true",  // Sat neutral
		"OKST-KU 2026-01-19 network=ESPN", // after a neutral Saturday: broken
	)
	bigMonday := `"if":{"venue":"away","weekdays":["Mon"],"networks":["ESPN"]},"then":{"venue":"home","weekdays":["Sat"]}`
	runSeqCases(t, s, "sequence_pattern", []seqCase{
		{"Big Monday, every team", `{` + bigMonday + `,"direction":"before"}`, 2 + 1},
		{"Big Monday, KU", `{"teams":["KU"],` + bigMonday + `,"direction":"before"}`, 2},
		{"Big Monday, met", `{"teams":["BYU","HOU","ISU"],` + bigMonday + `,"direction":"before"}`, 0},
		// A neutral Saturday counts as a Saturday game of any venue.
		{"then of any venue takes the neutral Saturday", `{"teams":["KU"],"if":{"venue":"away","weekdays":["Mon"]},"then":{"weekdays":["Sat"]},"direction":"before"}`, 0},
		// After each KU road Monday: a road Saturday, a neutral Saturday, nothing.
		{"after", `{"teams":["KU"],"if":{"venue":"away","weekdays":["Mon"]},"then":{"venue":"home"},"direction":"after"}`, 3},
		{"after, met", `{"teams":["KU"],"if":{"venue":"home"},"then":{"venue":"away"},"direction":"after"}`, 0},
		// Only the January 10-19 games form the sequence: the first Big
		// Monday of KU drops out, and the second has its road Saturday.
		{"selector", `{"teams":["KU"],"select":{"dates":[{"from":"2026-01-10","to":"2026-01-19"}]},` + bigMonday + `,"direction":"before"}`, 2},
		{"selector drops the road Saturday", `{"teams":["KU"],"select":{"dates":[{"from":"2026-01-11","to":"2026-01-19"}]},` + bigMonday + `,"direction":"before"}`, 2},
	})
	runSeqCases(t, dated(t, "BYU-KU -"), "sequence_pattern", []seqCase{{"empty", `{` + bigMonday + `,"direction":"before"}`, 0}})

	_, v := devOf(t, s, "sequence_pattern", `{`+bigMonday+`,"direction":"before"}`)
	w := findViolation(t, v, "KU plays at ISU on Mon 2026-01-12, a road Mon game on ESPN, must come right after a home Sat game, but the game before it is not one: KU plays at UTAH on Sat 2026-01-10")
	wantGames(t, w, "ISU-KU@2026-01-12", "UTAH-KU@2026-01-10")
	w = findViolation(t, v, "WVU plays at HOU on Mon 2026-01-12", "has no game before it")
	wantGames(t, w, "HOU-WVU@2026-01-12")
	findViolation(t, v, "KU plays TCU at a neutral site on Sat 2026-01-17")
}

func TestRestAdvantage(t *testing.T) {
	// KSU plays BYU on Jan 14 after 6 days of rest (Jan 8); BYU has had 9
	// (Jan 5): BYU is 3 days fresher. No other game has an advantage of
	// 3 or more; games where either team plays its first are skipped.
	games := []string{
		"KU-KSU 2026-01-03", "BYU-UTAH 2026-01-03",
		"KU-BYU 2026-01-05",                     // rests 2 and 2
		"KSU-UTAH 2026-01-06",                   // rests 3 and 3
		"KSU-TCU 2026-01-08 kind=nonconference", // TCU's first game
		"KU-UTAH 2026-01-10",                    // KU 5, UTAH 4
		"BYU-KSU 2026-01-14 neutral=true",
	}
	s := dated(t, games...)
	runSeqCases(t, s, "rest_advantage", []seqCase{
		{"at most 0", `{"days":3,"max":0}`, 1},
		{"at most 1, met", `{"days":3,"max":1}`, 0},
		{"4 days: nothing counts", `{"days":4,"max":0}`, 0},
		{"1 day", `{"days":1,"max":0}`, 1 + 1}, // UTAH on Jan 10 (4 vs 5), KSU on Jan 14
		{"at least 1", `{"teams":["KU","KSU"],"days":3,"min":1}`, 1},
		{"balance 0", `{"days":3,"balance":0}`, 1},
		{"balance 1, met", `{"days":3,"balance":1}`, 0},
		{"balance among teams that never count", `{"teams":["KU","BYU"],"days":3,"balance":0}`, 0},
		{"bounds and balance", `{"teams":["KU","KSU","BYU"],"days":3,"min":1,"balance":0}`, 2 + 1},
		// Conference games only: KSU's previous game is Jan 6 (8 days).
		{"selector", `{"days":3,"max":0,"select":{"kinds":["conference"]}}`, 0},
	})
	empty := dated(t, "KU-KSU -")
	runSeqCases(t, empty, "rest_advantage", []seqCase{
		{"empty, min", `{"teams":["KU","KSU"],"days":3,"min":1}`, 2},
		{"empty, max and balance", `{"days":3,"max":0,"balance":0}`, 0},
	})

	_, v := devOf(t, s, "rest_advantage", `{"days":3,"max":0,"balance":0}`)
	w := findViolation(t, v, "KSU meets opponents with at least 3 days more rest than itself 1 time, the rule wants at most 0", "KSU plays BYU at a neutral site on Wed 2026-01-14")
	wantGames(t, w, "BYU-KSU@2026-01-14")
	w = findViolation(t, v, "range from 0", "to 1 (KSU) per team, at most 0 apart wanted")
	wantGames(t, w, "BYU-KSU@2026-01-14")
}

// TestSequenceKindsIncremental moves games of a dated schedule at random
// (new date, swapped venue, neutral site, unplaced) and checks after every
// move that a state following the documents through Update agrees with a
// full evaluation, for every sequence kind.
func TestSequenceKindsIncremental(t *testing.T) {
	ids := []string{"KU", "KSU", "BYU", "UTAH", "ISU", "TCU"}
	dates := []string{"2026-01-03", "2026-01-05", "2026-01-07", "2026-01-10", "2026-01-12", "2026-01-14",
		"2026-01-17", "2026-01-19", "2026-01-21", "2026-01-24", "2026-01-26", "2026-01-28"}
	rng := rand.New(rand.NewPCG(7, 11))
	var games []string
	for i := range 40 {
		h, a := rng.IntN(len(ids)), rng.IntN(len(ids)-1)
		if a >= h {
			a++
		}
		// Unique ids: dated names a game HOME-AWAY@DATE.
		g := ids[h] + "-" + ids[a] + " " + dates[i%len(dates)]
		if slices.ContainsFunc(games, func(x string) bool { return strings.HasPrefix(x, g) }) {
			continue
		}
		games = append(games, g)
	}
	s := dated(t, games...)
	var cs []schemas.Constraint
	for i, kp := range [][2]string{
		{"window_count", `{"venue":"away","window":4,"max":2}`},
		{"window_count", `{"venue":"home","window":3,"position":"first","min":2}`},
		{"window_count", `{"venue":"any","window":3,"position":"last","min":3,"max":3}`},
		{"rest_days", `{"min_days":3}`},
		{"compression", `{"days":5,"max":2}`},
		{"rematch_separation", `{"min_games":3,"min_days":10}`},
		{"rematch_separation", `{"teams":["KU","KSU","BYU"],"min_games":2,"select":{"weekdays":["Sat","Mon"]}}`},
		{"sequence_pattern", `{"if":{"venue":"away","weekdays":["Mon"]},"then":{"venue":"home","weekdays":["Sat"]},"direction":"before"}`},
		{"sequence_pattern", `{"if":{"venue":"home"},"then":{"venue":"away"},"direction":"after"}`},
		{"rest_advantage", `{"days":2,"min":1,"max":2,"balance":1}`},
	} {
		c := con(kp[0]+strconv.Itoa(i), kp[0], true, kp[1])
		c.Sport = s.Sport
		cs = append(cs, c)
	}
	follower, err := evaluator.Evaluate(s, cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for step := range 200 {
		doc := *s
		doc.Games = slices.Clone(s.Games)
		g := &doc.Games[rng.IntN(len(doc.Games))]
		switch rng.IntN(4) {
		case 0, 1:
			// A slot per date (dated's), so a new date is a new slot.
			slot := rng.IntN(len(doc.Slots))
			g.Slot = &slot
			g.Start = doc.Slots[slot].Start[:len("2026-01-03")] + "T19:00:00-06:00"
		case 2:
			g.Home, g.Away = g.Away, g.Home
		case 3:
			if g.Slot == nil {
				continue
			}
			g.Neutral = !g.Neutral
			if rng.IntN(4) == 0 {
				g.Slot, g.Start = nil, ""
			}
		}
		full, err := evaluator.Evaluate(&doc, cs, evaluator.CompileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := follower.Update(&doc); err != nil {
			t.Fatal(err)
		}
		for i := range cs {
			if follower.Deviation(i) != full.Deviation(i) {
				t.Fatalf("step %d: %s: via Update %d, full %d", step, cs[i].ID, follower.Deviation(i), full.Deviation(i))
			}
		}
		s = &doc
	}
	full, err := evaluator.Evaluate(s, cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range cs {
		if full.Deviation(i) == 0 {
			t.Logf("%s scores 0 at the end: the moves may not exercise it", cs[i].ID)
		}
	}
}
