package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/internal/redistest"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

// BenchmarkServeMoves runs `flextime serve` (embedded NATS) on streams of
// single-game moves of the men's basketball sample: four schedules, each
// request one game moved to another game's date from the schedule's
// previous revision. "off" is serve with neither history nor Redis;
// "on" adds DATABASE_URL (history, acked once committed) and REDIS_URL.
// It reports requests per second from the first publish to the last ack.
//
//	go test -run '^$' -bench BenchmarkServeMoves -benchtime 400x -count 5 ./cli/
func BenchmarkServeMoves(b *testing.B) {
	b.Run("off", func(b *testing.B) { benchServeMoves(b, false, false) })
	b.Run("history", func(b *testing.B) { benchServeMoves(b, true, false) })
	b.Run("redis", func(b *testing.B) { benchServeMoves(b, false, true) })
	b.Run("on", func(b *testing.B) { benchServeMoves(b, true, true) })
}

func benchServeMoves(b *testing.B, hist, rds bool) {
	sched, _ := sample(b)
	_, constraints := sampleFiles(b)
	var extra []string
	if hist {
		dsn, _ := pgtest.Schema(b)
		extra = append(extra, "--database-url", dsn)
	}
	if rds {
		redistest.Prefix(b) // skips without Redis
		extra = append(extra, "--redis-url", redistest.URL())
	}
	srv := startServe(b, constraints, append(extra, "--log-level", "error")...)
	js := jsOf(b, srv)
	reqs := moveStreams(sched, 4, b.N, uint64(b.N))

	ctx := context.Background()
	cons, err := js.Consumer(ctx, broker.StreamEval, "evaluator")
	if err != nil {
		b.Fatal(err)
	}
	p := producer.New(js)
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
	for {
		info, err := cons.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if info.AckFloor.Stream >= uint64(len(reqs)) && info.NumAckPending == 0 && info.NumPending == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("not all acked: %+v", info)
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(len(reqs))/elapsed.Seconds(), "msgs/s")
	if n := dlqCount(b, js); n != 0 {
		b.Fatalf("%d dead letters", n)
	}
}

// moveStreams interleaves streams schedules' move streams, n requests in
// all: each schedule (the sample under its own id) starts as published,
// then each request moves one game to the date of another game.
func moveStreams(base *schemas.Schedule, streams, n int, seed uint64) []*schemas.Request {
	rng := rand.New(rand.NewPCG(seed, 0xbe9c4))
	cur := make([]schemas.Schedule, streams)
	revs := make([]int64, streams)
	for i := range cur {
		cur[i] = *base
		cur[i].ID = fmt.Sprintf("%s-bench-%d", base.ID, i)
		cur[i].Games = slices.Clone(base.Games)
	}
	reqs := make([]*schemas.Request, 0, n)
	for k := 0; k < n; k++ {
		i := k % streams
		next := cur[i]
		next.Games = slices.Clone(cur[i].Games)
		if revs[i] > 0 {
			g, o := rng.IntN(len(next.Games)), rng.IntN(len(next.Games))
			next.Games[g].Slot, next.Games[g].Start = next.Games[o].Slot, next.Games[o].Start
		}
		rev := revs[i]
		revs[i]++
		cur[i] = next
		s := next
		reqs = append(reqs, &schemas.Request{RequestID: fmt.Sprintf("bench-%d-%d", n, k), Revision: &rev, Schedule: &s})
	}
	return reqs
}
