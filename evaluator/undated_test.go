package evaluator_test

import (
	"testing"

	"github.com/flextime/flextime/schemas"
)

// TestUndatedGameKeepsItsSlotOrder: a team's games run in slot order, as
// the contract says time does. A game in a slot with no date (a TBA
// window of a draft) used to sort before every dated game, as if it were
// played in 1970, and broke streak rules that hold.
func TestUndatedGameKeepsItsSlotOrder(t *testing.T) {
	s := &schemas.Schedule{ID: "tba", Sport: "mbb", Teams: big12,
		Slots: []schemas.Slot{
			{ID: 0, Start: "2026-01-03T00:00:00-06:00"},
			{ID: 1}, // to be announced
			{ID: 2, Start: "2026-01-10T00:00:00-06:00"},
		}}
	slot := func(i int) *int { return &i }
	s.Games = []schemas.Game{
		{ID: "g1", Home: "KSU", Away: "KU", Slot: slot(0)},
		{ID: "g2", Home: "KU", Away: "ISU", Slot: slot(1)},
		{ID: "g3", Home: "BYU", Away: "KU", Slot: slot(2)},
	}
	if got, v := devOf(t, s, "max_consecutive", `{"teams":["KU"],"venue":"away","max":1}`); got != 0 {
		t.Errorf("away, home (undated), away: deviation = %d, want 0: %+v", got, v)
	}
	// The same with the undated game given its own undated start: still
	// by slot.
	s.Games[1].Start = ""
	if got, _ := devOf(t, s, "max_consecutive", `{"teams":["KU"],"venue":"home","max":0}`); got != 1 {
		t.Errorf("one home game against max 0: deviation = %d, want 1", got)
	}
}
