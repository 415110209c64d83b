package big12_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/examples/big12/internal/season"
	"github.com/flextime/flextime/schemas"
)

// shifter makes the single-game moves a scheduler sends: one game taken
// to another window, keeping its local kick-off time, on the window's
// first day.
type shifter struct {
	slotDay []time.Time // each slot's start, in its own offset
}

func newShifter(t testing.TB, s *schemas.Schedule) *shifter {
	t.Helper()
	sh := &shifter{}
	for i, sl := range s.Slots {
		at, err := time.Parse(time.RFC3339, sl.Start)
		if err != nil {
			t.Fatalf("slots[%d].start: %v", i, err)
		}
		sh.slotDay = append(sh.slotDay, at)
	}
	return sh
}

// start returns game's start moved to slot index s.
func (sh *shifter) start(old string, s int) string {
	day := sh.slotDay[s]
	at, err := time.Parse(time.RFC3339, old)
	if err != nil {
		return day.Format(time.RFC3339)
	}
	moved := time.Date(day.Year(), day.Month(), day.Day(), at.Hour(), at.Minute(), 0, 0, at.Location())
	return moved.Format(time.RFC3339)
}

// moveDoc returns a copy of s with game g in slot index to.
func (sh *shifter) moveDoc(s *schemas.Schedule, g, to int) *schemas.Schedule {
	out := *s
	out.Games = append([]schemas.Game(nil), s.Games...)
	gm := out.Games[g]
	id := s.Slots[to].ID
	gm.Slot = &id
	if gm.Start != "" {
		gm.Start = sh.start(gm.Start, to)
	}
	out.Games[g] = gm
	return &out
}

// TestIncrementalMatchesFull moves games of each sample one at a time,
// sometimes swapping home and away too, and checks after every move that
// the incrementally updated state scores exactly as a fresh evaluation of
// the same document, constraint by constraint.
func TestIncrementalMatchesFull(t *testing.T) {
	for _, sport := range season.Sports {
		t.Run(sport, func(t *testing.T) {
			s, cs := load(t, sport)
			st := evaluate(t, s, cs)
			sh := newShifter(t, s)
			rng := rand.New(rand.NewPCG(3, uint64(len(sport))))
			doc := s
			for step := range 150 {
				g := rng.IntN(len(doc.Games))
				doc = sh.moveDoc(doc, g, rng.IntN(len(doc.Slots)))
				if rng.IntN(4) == 0 {
					gm := doc.Games[g]
					gm.Home, gm.Away = gm.Away, gm.Home
					gm.Venue = ""
					doc.Games[g] = gm
				}
				if err := st.Update(doc); err != nil {
					t.Fatalf("step %d: update: %v", step, err)
				}
				full := evaluate(t, doc, cs)
				if got, want := st.Totals(), full.Totals(); got != want {
					t.Fatalf("step %d (game %s): incremental totals %+v, full %+v", step, doc.Games[g].ID, got, want)
				}
				for ci := range cs {
					if st.Deviation(ci) != full.Deviation(ci) {
						t.Fatalf("step %d (game %s): %s deviation %d incrementally, %d in full",
							step, doc.Games[g].ID, cs[ci].ID, st.Deviation(ci), full.Deviation(ci))
					}
				}
			}
		})
	}
}

// BenchmarkFull is one full evaluation of a sample season under its whole
// constraint set, from the placed games.
func BenchmarkFull(b *testing.B) {
	for _, sport := range season.Sports {
		b.Run(sport, func(b *testing.B) {
			s, cs := load(b, sport)
			st := evaluate(b, s, cs)
			b.ReportAllocs()
			for b.Loop() {
				st.Reload()
			}
		})
	}
}

// BenchmarkMove is one single-game move, re-scored incrementally: a random
// game goes to a random window, and the next iteration puts it back, so
// the season stays close to the sample.
func BenchmarkMove(b *testing.B) {
	for _, sport := range season.Sports {
		b.Run(sport, func(b *testing.B) {
			s, cs := load(b, sport)
			st := evaluate(b, s, cs)
			sh := newShifter(b, s)
			rng := rand.New(rand.NewPCG(5, 5))
			// Precompute the moves so the loop measures the evaluator only.
			type pair struct{ away, back []evaluator.Move }
			moves := make([]pair, 512)
			for i := range moves {
				g := int32(rng.IntN(len(s.Games)))
				cur := st.Placement(g)
				to := rng.IntN(len(s.Slots))
				moved := sh.moveDoc(s, int(g), to)
				tmp := evaluate(b, moved, cs)
				moves[i] = pair{
					away: []evaluator.Move{{Game: g, To: tmp.Placement(g)}},
					back: []evaluator.Move{{Game: g, To: cur}},
				}
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				p := moves[(i/2)%len(moves)]
				if i%2 == 0 {
					st.Apply(p.away)
				} else {
					st.Apply(p.back)
				}
				i++
			}
		})
	}
}

// BenchmarkUpdate is the same single-game move arriving as a whole
// schedule document, the way a slot event reaches the service: the state
// finds the changed game by diffing and re-scores it.
func BenchmarkUpdate(b *testing.B) {
	for _, sport := range season.Sports {
		b.Run(sport, func(b *testing.B) {
			s, cs := load(b, sport)
			st := evaluate(b, s, cs)
			sh := newShifter(b, s)
			rng := rand.New(rand.NewPCG(5, 5))
			docs := make([]*schemas.Schedule, 256)
			for i := range docs {
				docs[i] = sh.moveDoc(s, rng.IntN(len(s.Games)), rng.IntN(len(s.Slots)))
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d := s
				if i%2 == 0 {
					d = docs[(i/2)%len(docs)]
				}
				if err := st.Update(d); err != nil {
					b.Fatal(fmt.Errorf("update: %w", err))
				}
				i++
			}
		})
	}
}
