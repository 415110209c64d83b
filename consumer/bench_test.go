package consumer

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

// BenchmarkServe pushes single-game moves of the Big 12 men's basketball
// sample through the whole pipeline on an in-process server: publish,
// fetch, evaluate, publish the result, ack. It reports messages per second
// end to end, from the first publish to the last result stored.
func BenchmarkServe(b *testing.B) {
	e := newEnv(b)
	cfg := Config{Workers: runtime.NumCPU()}
	c, err := New(e.js, e.src, cfg, WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()

	rng := rand.New(rand.NewPCG(1, 2))
	reqs := make([]*schemas.Request, b.N)
	for i := range reqs {
		s := *e.sched
		s.Games = slices.Clone(s.Games)
		x, y := rng.IntN(len(s.Games)), rng.IntN(len(s.Games))
		s.Games[x].Slot, s.Games[y].Slot = s.Games[y].Slot, s.Games[x].Slot
		s.Games[x].Start, s.Games[y].Start = s.Games[y].Start, s.Games[x].Start
		rev := int64(i)
		reqs[i] = &schemas.Request{RequestID: fmt.Sprintf("bench-%d-%d", b.N, i), Revision: &rev, Schedule: &s,
			Games: []string{s.Games[x].ID, s.Games[y].ID}}
	}
	results, err := e.js.Stream(ctx, broker.StreamResults)
	if err != nil {
		b.Fatal(err)
	}
	before := streamCount(b, results)
	p := producer.New(e.js)
	b.ResetTimer()
	start := time.Now()
	for _, r := range reqs {
		if _, err := p.Publish(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := p.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for streamCount(b, results)-before < uint64(b.N) {
		if time.Now().After(deadline) {
			b.Fatal("results did not all arrive")
		}
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}

func streamCount(b *testing.B, s jetstream.Stream) uint64 {
	info, err := s.Info(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return info.State.Msgs
}
