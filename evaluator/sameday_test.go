package evaluator_test

import (
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// TestSameDayDoubleGame: a team that plays twice on one local day, in two
// slots, is a structure finding. Only two games in one slot were
// reported, so two tournament sessions of one day went unnoticed.
func TestSameDayDoubleGame(t *testing.T) {
	slot := func(i int) *int { return &i }
	s := &schemas.Schedule{ID: "tourney", Sport: "mbb", Teams: big12,
		Slots: []schemas.Slot{
			{ID: 0, Start: "2026-03-11T00:00:00-05:00"},
			{ID: 1, Start: "2026-03-12T00:00:00-05:00", Name: "quarterfinal, session 1"},
			{ID: 2, Start: "2026-03-12T00:00:00-05:00", Name: "quarterfinal, session 3"},
			{ID: 3, Start: "2026-03-13T00:00:00-05:00", Days: 2}, // a window: its games have no known day
		},
		Games: []schemas.Game{
			{ID: "g1", Home: "KU", Away: "WVU", Slot: slot(0), Start: "2026-03-11T11:30:00-05:00"},
			{ID: "g2", Home: "KU", Away: "ISU", Slot: slot(1), Start: "2026-03-12T11:30:00-05:00"},
			{ID: "g3", Home: "BYU", Away: "KU", Slot: slot(2), Start: "2026-03-12T18:00:00-05:00"},
			{ID: "g4", Home: "KSU", Away: "BAY", Slot: slot(1)}, // dated by its one-day slot
			{ID: "g5", Home: "KSU", Away: "TCU", Slot: slot(2), Start: "2026-03-12T20:30:00-05:00"},
			{ID: "g6", Home: "UTAH", Away: "HOU", Slot: slot(3)},
			{ID: "g7", Home: "UTAH", Away: "ASU", Slot: slot(0), Start: "2026-03-11T20:00:00-05:00"},
		},
	}
	st, err := evaluator.Evaluate(s, nil, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, v := range st.StructureViolations() {
		found = append(found, v.Message)
	}
	want := []string{"KU plays 2 games on Thu 2026-03-12, in slots 1 and 2", "KSU plays 2 games on Thu 2026-03-12, in slots 1 and 2"}
	if len(found) != len(want) {
		t.Fatalf("structure violations %q, want %q", found, want)
	}
	for i := range want {
		if !strings.Contains(strings.Join(found, "\n"), want[i]) {
			t.Errorf("missing %q in %q", want[i], found)
		}
	}
}
