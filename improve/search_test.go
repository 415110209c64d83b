package improve_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/improve"
	"github.com/flextime/flextime/schemas"
)

// drr returns a double round robin of n teams (n even) in 2(n-1) slots by
// the circle method: game ids "Hh-Aa" name the pairing.
func drr(n int) *schemas.Schedule {
	s := &schemas.Schedule{ID: "drr", Sport: "test"}
	for i := range n {
		s.Teams = append(s.Teams, schemas.Team{ID: fmt.Sprintf("T%d", i)})
	}
	rounds := n - 1
	for r := range 2 * rounds {
		s.Slots = append(s.Slots, schemas.Slot{ID: r})
	}
	for r := range rounds {
		for k := range n / 2 {
			a := (r + k) % (n - 1)
			b := (r + n - 1 - k) % (n - 1)
			if k == 0 {
				b = n - 1
			}
			if r%2 == 1 {
				a, b = b, a
			}
			for leg := range 2 {
				h, w := a, b
				if leg == 1 {
					h, w = b, a
				}
				slot := r + leg*rounds
				s.Games = append(s.Games, schemas.Game{ID: fmt.Sprintf("T%d-T%d", h, w),
					Home: fmt.Sprintf("T%d", h), Away: fmt.Sprintf("T%d", w), Slot: &slot})
			}
		}
	}
	return s
}

// pinned returns one soft GA1 constraint per game of s, wanting the game
// where s has it: s is the only schedule with objective 0.
func pinned(s *schemas.Schedule) []schemas.Constraint {
	var cs []schemas.Constraint
	for _, g := range s.Games {
		params, _ := json.Marshal(map[string]any{"meetings": [][2]string{{g.Home, g.Away}}, "slots": []int{*g.Slot}, "min": 1, "max": 1})
		cs = append(cs, schemas.Constraint{ID: "pin-" + g.ID, Name: "pin " + g.ID, Sport: s.Sport, Kind: "GA1",
			Penalty: schemas.FixedInt(1), Params: params})
	}
	return cs
}

// scramble permutes the slots of s and flips every other pair.
func scramble(s *schemas.Schedule, seed uint64) *schemas.Schedule {
	rng := rand.New(rand.NewPCG(seed, seed))
	perm := rng.Perm(len(s.Slots))
	out := *s
	out.Games = nil
	for i, g := range s.Games {
		slot := perm[*g.Slot]
		g.Slot = &slot
		if (i/2)%2 == 0 {
			g.Home, g.Away = g.Away, g.Home
		}
		out.Games = append(out.Games, g)
	}
	return &out
}

// confirming returns an Options.Check that holds the state to a full
// evaluation of the document it writes, after every accepted move.
func confirming(base *schemas.Schedule, cs []schemas.Constraint) func(*evaluator.State) error {
	return func(st *evaluator.State) error {
		return improve.Confirm(st, improve.Document(st, base), cs, evaluator.CompileOptions{})
	}
}

func evaluate(t *testing.T, s *schemas.Schedule, cs []schemas.Constraint) *evaluator.State {
	t.Helper()
	st, err := evaluator.Evaluate(s, cs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSearchReachesKnownOptimum(t *testing.T) {
	opt := drr(6)
	cs := pinned(opt)
	start := scramble(opt, 3)
	st := evaluate(t, start, cs)
	if st.Objective() == 0 {
		t.Fatal("the scrambled schedule is already optimal")
	}
	res, err := improve.Search(context.Background(), st, improve.Options{Seed: 1, MaxMoves: 200_000, History: 20, Check: confirming(start, cs)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stop != improve.StopOptimum || st.Objective() != 0 {
		t.Fatalf("stopped (%s) after %d moves at objective %v, want the optimum 0", res.Stop, res.Moves, st.Objective())
	}
	out := improve.Document(st, start)
	for i, g := range out.Games {
		if w := opt.Games[i]; g.Home != w.Home || g.Away != w.Away || *g.Slot != *w.Slot {
			// The pins name meetings, not ids: the flipped games keep
			// their ids, so compare by what the game is.
			found := false
			for _, w := range opt.Games {
				found = found || g.Home == w.Home && g.Away == w.Away && *g.Slot == *w.Slot
			}
			if !found {
				t.Errorf("game %s: %s-%s in slot %d is not in the optimum", g.ID, g.Home, g.Away, *g.Slot)
			}
		}
	}
	if res.Before.Objective <= res.After.Objective || res.After.SoftSatisfiedPct != 100 {
		t.Errorf("before %+v, after %+v", res.Before, res.After)
	}
}

func TestLockedGamesNeverMove(t *testing.T) {
	opt := drr(6)
	cs := pinned(opt)
	start := scramble(opt, 5)
	locked := make([]bool, len(start.Games))
	for i := range locked {
		// Lock a third of the games, most of them away from their pin.
		locked[i] = i%3 == 0
		start.Games[i].Locked = locked[i]
	}
	st := evaluate(t, start, cs)
	_, err := improve.Search(context.Background(), st, improve.Options{Seed: 2, MaxMoves: 3000, History: 20, Locked: locked,
		Check: func(st *evaluator.State) error {
			for g, l := range locked {
				if !l {
					continue
				}
				p := st.Placement(int32(g))
				w := start.Games[g]
				f := st.Model().Frame
				if f.TeamID(p.Home) != w.Home || f.TeamID(p.Away) != w.Away || f.SlotID(p.Slot) != *w.Slot {
					return fmt.Errorf("locked game %s moved to %s-%s in slot %d", w.ID, f.TeamID(p.Home), f.TeamID(p.Away), f.SlotID(p.Slot))
				}
			}
			return confirming(start, cs)(st)
		}})
	if err != nil {
		t.Fatal(err)
	}
	out := improve.Document(st, start)
	for g, l := range locked {
		if l && !reflect.DeepEqual(out.Games[g], start.Games[g]) {
			t.Errorf("locked game %+v written as %+v", start.Games[g], out.Games[g])
		}
		if out.Games[g].Locked != l {
			t.Errorf("game %s: locked %v written as %v", start.Games[g].ID, l, out.Games[g].Locked)
		}
	}
}

func TestSearchIsReproducible(t *testing.T) {
	opt := drr(6)
	cs := pinned(opt)
	start := scramble(opt, 7)
	run := func() *schemas.Schedule {
		st := evaluate(t, start, cs)
		if _, err := improve.Search(context.Background(), st, improve.Options{Seed: 9, MaxMoves: 3000}); err != nil {
			t.Fatal(err)
		}
		return improve.Document(st, start)
	}
	if a, b := run(), run(); !reflect.DeepEqual(a, b) {
		t.Error("the same seed and budget gave two schedules")
	}
}

// TestSearchOnDatedSample runs on the men's Big 12 sample, whose games
// have their own starts and venues: a game moved to another window keeps
// its clock, one whose host changed moves to the new host's arena, and
// every accepted move is confirmed by a full evaluation of the written
// document.
func TestSearchOnDatedSample(t *testing.T) {
	s, all := readSample(t, "mbb")
	// The soft rules only: the sample meets every hard rule and sits in a
	// local optimum, where too few moves would be accepted to test them.
	var cs []schemas.Constraint
	for _, c := range all {
		if !c.Hard {
			cs = append(cs, c)
		}
	}
	st := evaluate(t, s, cs)
	res, err := improve.Search(context.Background(), st, improve.Options{Seed: 1, MaxMoves: 2000, Check: confirming(s, cs)})
	if err != nil {
		t.Fatal(err)
	}
	if res.After.Infeasibility > res.Before.Infeasibility ||
		res.After.Infeasibility == res.Before.Infeasibility && res.After.Objective > res.Before.Objective {
		t.Errorf("worse: before %+v, after %+v", res.Before, res.After)
	}
	if res.Kinds["relocate"][1]+res.Kinds["swap-games"][1]+res.Kinds["swap-slots"][1] == 0 || res.Kinds["flip-game"][1] == 0 {
		t.Errorf("no slot or home move accepted: %v", res.Kinds)
	}
	out := improve.Document(st, s)
	venue := map[string]string{}
	for _, tm := range s.Teams {
		venue[tm.ID] = tm.Venue
	}
	moved, flipped := 0, 0
	for i, g := range out.Games {
		b := s.Games[i]
		if *g.Slot != *b.Slot {
			moved++
			if g.Start[11:] != b.Start[11:] {
				t.Errorf("game %s moved from %s to %s: the clock changed", g.ID, b.Start, g.Start)
			}
			if a, b := daysInto(t, s, g), daysInto(t, s, b); a != b {
				t.Errorf("game %s moved from day %d of its slot to day %d", g.ID, b, a)
			}
		}
		if g.Home != b.Home {
			flipped++
		}
		if g.Venue != venue[g.Home] {
			t.Errorf("game %s is hosted by %s at %s", g.ID, g.Home, g.Venue)
		}
	}
	if moved == 0 || flipped == 0 {
		t.Errorf("%d games moved, %d flipped: the test checks nothing", moved, flipped)
	}
}

// daysInto is how many calendar days game g starts after its slot.
func daysInto(t *testing.T, s *schemas.Schedule, g schemas.Game) int {
	t.Helper()
	at, err := time.Parse(time.RFC3339, g.Start)
	if err != nil {
		t.Fatal(err)
	}
	for _, sl := range s.Slots {
		if sl.ID == *g.Slot {
			from, err := time.Parse(time.RFC3339, sl.Start)
			if err != nil {
				t.Fatal(err)
			}
			day := func(x time.Time) time.Time { return time.Date(x.Year(), x.Month(), x.Day(), 0, 0, 0, 0, time.UTC) }
			return int(day(at).Sub(day(from.In(at.Location()))).Hours() / 24)
		}
	}
	t.Fatalf("game %s: no slot %d", g.ID, *g.Slot)
	return 0
}

func readSample(t *testing.T, sport string) (*schemas.Schedule, []schemas.Constraint) {
	t.Helper()
	data, err := os.ReadFile("../examples/big12/" + sport + "/schedule.json")
	if err != nil {
		t.Fatal(err)
	}
	s, err := schemas.DecodeSchedule(data)
	if err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile("../examples/big12/" + sport + "/constraints.ndjson"); err != nil {
		t.Fatal(err)
	}
	cs, err := schemas.DecodeConstraints(data)
	if err != nil {
		t.Fatal(err)
	}
	return s, cs
}

func TestConfirmNamesMismatch(t *testing.T) {
	opt := drr(4)
	cs := pinned(opt)
	st := evaluate(t, opt, cs)
	if err := improve.Confirm(st, improve.Document(st, opt), cs, evaluator.CompileOptions{}); err != nil {
		t.Fatalf("a state and its own document: %v", err)
	}
	bad := improve.Document(st, opt)
	slot := (*bad.Games[0].Slot + 1) % len(bad.Slots)
	bad.Games[0].Slot = &slot
	err := improve.Confirm(st, bad, cs, evaluator.CompileOptions{})
	if !errors.Is(err, improve.ErrMismatch) {
		t.Fatalf("err = %v, want ErrMismatch", err)
	}
	t.Log(err)
}

func TestOptionsValidate(t *testing.T) {
	st := evaluate(t, drr(4), nil)
	for _, o := range []improve.Options{{MaxMoves: -1}, {TargetSoftPct: 101}, {History: -1}, {Locked: []bool{true}}} {
		if _, err := improve.Search(context.Background(), st, o); !errors.Is(err, improve.ErrOptions) {
			t.Errorf("%+v: err = %v, want ErrOptions", o, err)
		}
	}
}

// TestSatisfiedFirst: one game A-B over two slots, and constraints where
// the cheapest schedule (A hosts B in slot 1: two rules broken at cost 1
// each) is not the one that breaks fewest rules (A hosts B in slot 0: one
// rule broken at cost 3).
func TestSatisfiedFirst(t *testing.T) {
	zero := 0
	s := &schemas.Schedule{ID: "one", Sport: "test",
		Teams: []schemas.Team{{ID: "A"}, {ID: "B"}},
		Slots: []schemas.Slot{{ID: 0}, {ID: 1}},
		Games: []schemas.Game{{ID: "g", Home: "B", Away: "A", Slot: &zero}}}
	pin := func(id string, slot int, pen int64) schemas.Constraint {
		params, _ := json.Marshal(map[string]any{"meetings": [][2]string{{"A", "B"}}, "slots": []int{slot}, "min": 1, "max": 1})
		return schemas.Constraint{ID: id, Name: id, Sport: "test", Kind: "GA1", Penalty: schemas.FixedInt(pen), Params: params}
	}
	cs := []schemas.Constraint{pin("in-1", 1, 3), pin("in-0", 0, 1), pin("in-0-too", 0, 1)}
	for _, tt := range []struct {
		satisfiedFirst bool
		slot           int32
		violated       int
	}{{false, 1, 2}, {true, 0, 1}} {
		st := evaluate(t, s, cs)
		res, err := improve.Search(context.Background(), st, improve.Options{Seed: 1, MaxMoves: 2000, SatisfiedFirst: tt.satisfiedFirst})
		if err != nil {
			t.Fatal(err)
		}
		p := st.Placement(0)
		if p.Home != 0 || p.Slot != tt.slot || res.After.SoftViolated != tt.violated {
			t.Errorf("SatisfiedFirst %v: home team %d in slot %d, %d violated; want A (0) at home in slot %d, %d violated",
				tt.satisfiedFirst, p.Home, p.Slot, res.After.SoftViolated, tt.slot, tt.violated)
		}
	}
}

// TestPhasedStaysPhased: in a phased double round robin no move takes a
// game, or a slot's games, from one leg to the other, even when the
// constraints want it.
func TestPhasedStaysPhased(t *testing.T) {
	start := drr(6)
	want := scramble(start, 11) // pins that cross the legs
	cs := pinned(want)
	opt := evaluator.CompileOptions{Structure: evaluator.Structure{RoundRobins: 2, Compact: true, Phased: true}}
	st, err := evaluator.Evaluate(start, cs, opt)
	if err != nil {
		t.Fatal(err)
	}
	if v := st.StructureViolations(); len(v) != 0 {
		t.Fatalf("the start is not phased: %v", v)
	}
	res, err := improve.Search(context.Background(), st, improve.Options{Seed: 3, MaxMoves: 20_000,
		Check: func(st *evaluator.State) error {
			if v := st.StructureViolations(); len(v) != 0 {
				return fmt.Errorf("structure broken: %s", v[0].Message)
			}
			return nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted == 0 || res.After.Objective >= res.Before.Objective {
		t.Errorf("nothing improved: %+v", res)
	}
}
