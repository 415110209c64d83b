package consumer

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/flextime/flextime/cache"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/internal/redistest"
	"github.com/flextime/flextime/schemas"
)

// startWithCache runs an instance whose cache shares Redis under prefix.
func (e *env) startWithCache(cfg Config, ch *cache.Cache) *instance {
	e.t.Helper()
	_, js := natstest.Connect(e.t, e.url)
	c, err := New(js, e.src, cfg, WithCache(ch), WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{c: c, cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- c.Run(ctx) }()
	e.t.Cleanup(func() { in.stop(e.t) })
	waitFor(e.t, 10*time.Second, "consumer bound", func() bool { return c.bound.Load() })
	return in
}

// TestInstancesAlternateIncrementally: two instances take turns on one
// schedule's events (one stops, the other starts), and each evaluates
// from the state the other left in Redis. Every result equals a full
// evaluation, and its changes say what the move fixed or broke.
func TestInstancesAlternateIncrementally(t *testing.T) {
	rdb, prefix := redistest.Prefix(t)
	e := newEnv(t)
	docs := evaluator.ForSport(e.docs, "mbb")
	cur := e.sched
	var prevCosts map[string]schemas.Fixed
	for rev := range 6 {
		// Each event goes to a fresh instance: nothing in process, only
		// what the previous one left in Redis.
		ch := cache.New(cache.Config{Redis: rdb, Prefix: prefix})
		in := e.startWithCache(fastConfig(), ch)
		next := *cur
		next.Games = slices.Clone(cur.Games)
		if rev > 0 {
			a, b := rev*7, rev*7+20
			next.Games[a].Slot, next.Games[b].Slot = next.Games[b].Slot, next.Games[a].Slot
			next.Games[a].Start, next.Games[b].Start = next.Games[b].Start, next.Games[a].Start
		}
		id := fmt.Sprintf("alt-%d", rev)
		r64 := int64(rev)
		// A wrong hint: the service must find the moved games itself.
		hint := []string{next.Games[100].ID}
		e.publish(&schemas.Request{RequestID: id, Revision: &r64, Schedule: &next, Games: hint})
		waitFor(t, 20*time.Second, "result "+id, func() bool { return len(e.results()[id]) == 1 })
		got := e.results()[id][0]

		full, err := evaluator.Evaluate(&next, docs, evaluator.CompileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Totals != full.Totals() {
			t.Fatalf("rev %d: totals %+v, full %+v", rev, got.Totals, full.Totals())
		}
		costs := map[string]schemas.Fixed{}
		for _, r := range full.Results(true) {
			costs[r.ConstraintID] = r.Cost
		}
		if rev > 0 {
			var want []schemas.Change
			for _, r := range full.Results(true) {
				if prevCosts[r.ConstraintID] != r.Cost {
					want = append(want, schemas.Change{ConstraintID: r.ConstraintID, Before: prevCosts[r.ConstraintID], After: r.Cost})
				}
			}
			if len(want) == 0 {
				t.Fatalf("rev %d: the move changed nothing; pick other games", rev)
			}
			if !slices.Equal(got.Changes, want) {
				t.Fatalf("rev %d: changes %+v, want %+v", rev, got.Changes, want)
			}
		}
		prevCosts = costs
		in.stop(t)
		in.done = make(chan error, 1)
		in.done <- nil
		ch.Close() // writes the snapshot before the next instance starts
		want := cache.Shared
		if rev == 0 {
			want = cache.Full
		}
		if out := ch.Outcomes(); out[want] != 1 {
			t.Fatalf("rev %d: outcomes %v, want one %s", rev, out, want)
		}
		cur = &next
	}
}
