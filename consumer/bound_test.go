package consumer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// TestTimedOutEvaluationsKeepTheWorkerBound: with two workers, twenty
// evaluations that outlive their timeout are answered with status
// timeout, but never more than two run at once. Before, a timed-out
// evaluation let its worker go and ran on, so all twenty ran together.
func TestTimedOutEvaluationsKeepTheWorkerBound(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	cfg.Workers = 2
	cfg.EvalTimeout = 20 * time.Millisecond
	var running, peak atomic.Int32
	e.start(cfg, func(*schemas.Request) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(150 * time.Millisecond)
		running.Add(-1)
	})
	const n = 20
	for i := range n {
		e.publish(e.request(fmt.Sprintf("slow-%d", i)))
	}
	waitFor(t, 60*time.Second, "every request answered", func() bool { return len(e.results()) == n })
	e.settled("evaluator")
	for id, rs := range e.results() {
		if len(rs) != 1 || rs[0].Status != schemas.StatusTimeout {
			t.Errorf("%s: %d results, first %+v", id, len(rs), rs[0])
		}
	}
	if p := peak.Load(); p > int32(cfg.Workers) {
		t.Errorf("%d evaluations ran at once with %d workers", p, cfg.Workers)
	}
}

// hungSource is a constraint store whose queries hang until their
// context ends.
type hungSource struct {
	entered chan struct{}
	release chan struct{}
}

func (h *hungSource) ConstraintSet(ctx context.Context, sport string) (*store.Set, error) {
	select {
	case h.entered <- struct{}{}:
	default:
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-h.release:
		return nil, errors.New("released by the test")
	}
}

// TestHungConstraintStoreDoesNotBlockShutdown: a constraint-store query
// that hangs ends at the shutdown deadline, Run returns, and the message
// is naked and answered by the next instance. Before, the request ran on
// context.Background() and Run waited for it forever.
func TestHungConstraintStoreDoesNotBlockShutdown(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	// Neither the request's own deadline (AckWait) nor anything else
	// ends the query before the shutdown deadline does.
	cfg.AckWait, cfg.ShutdownTimeout = time.Minute, 500*time.Millisecond
	hung := &hungSource{entered: make(chan struct{}, 1), release: make(chan struct{})}
	t.Cleanup(func() { close(hung.release) })
	first := e.startSrc(cfg, hung, nil)
	e.publish(e.request("hung"))
	select {
	case <-hung.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the request never reached the constraint store")
	}
	first.cancel()
	select {
	case err := <-first.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(cfg.ShutdownTimeout + 20*time.Second):
		t.Fatal("Run did not return: the hung query outlived the shutdown deadline")
	}
	first.done <- nil
	if n := counterVec(first.c.met.Naked, "shutdown"); n != 1 {
		t.Errorf("%v messages naked at shutdown, want 1", n)
	}
	// Not lost: the next instance answers it.
	e.start(fastConfig(), nil)
	waitFor(t, 30*time.Second, "the request answered", func() bool { return len(e.results()["hung"]) == 1 })
	e.settled("evaluator")
	if n := e.count(broker.StreamDLQ); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

// TestHistoryDeadlineCountsFromSubmission: a commit awaited after others
// has no fresh HistoryTimeout of its own; its time ran from submission.
// Before, each wait began when the acker reached it, so N queued
// requests could wait N x HistoryTimeout.
func TestHistoryDeadlineCountsFromSubmission(t *testing.T) {
	cfg := fastConfig()
	cfg.HistoryTimeout = time.Minute
	cfg.AckWait = 2 * time.Minute
	c, err := New(nil, nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	never := make(chan error)
	p := pendingAck{hist: never, histBy: time.Now().Add(-time.Second)}
	done := make(chan error, 1)
	go func() { done <- c.awaitHistory(context.Background(), p) }()
	select {
	case err := <-done:
		if !errors.Is(err, ErrDependency) {
			t.Errorf("awaitHistory past its deadline = %v, want ErrDependency", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("awaitHistory waited a fresh HistoryTimeout past the request's deadline")
	}
}

// slowHistory commits each record after delay, in its own time: records
// submitted later may be committed first.
type slowHistory struct {
	delay func(rec history.Record) time.Duration
}

func (h *slowHistory) Submit(ctx context.Context, rec history.Record) (<-chan error, error) {
	ch := make(chan error, 1)
	d := h.delay(rec)
	time.AfterFunc(d, func() { ch <- nil })
	return ch, nil
}

// TestSlowCommitHoldsUpNoOtherAck: one request's history commit hangs
// (past HistoryTimeout it is naked); the requests after it are acked
// while it waits. Before, the acker waited for each commit in turn.
func TestSlowCommitHoldsUpNoOtherAck(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	cfg.HistoryTimeout, cfg.AckWait = time.Minute, 2*time.Minute
	var first atomic.Bool
	h := &slowHistory{delay: func(rec history.Record) time.Duration {
		if rec.Result.RequestID == "stuck" && first.CompareAndSwap(false, true) {
			return time.Hour
		}
		return 0
	}}
	_, js := natstest.Connect(t, e.url)
	c, err := New(js, e.src, cfg, WithHistory(h), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	e.publish(e.request("stuck"))
	waitFor(t, 20*time.Second, "the stuck request's result", func() bool { return len(e.results()["stuck"]) == 1 })
	for i := range 4 {
		e.publish(e.request(fmt.Sprintf("after-%d", i)))
	}
	// Four acks while the first commit still hangs (for HistoryTimeout,
	// a minute).
	waitFor(t, 40*time.Second, "the later requests acked", func() bool { return counter(c.met.Acked) == 4 })
}

// TestFailedAckIsNotCounted: an ack that cannot reach the server is
// counted as a failed ack, not as an ack.
func TestFailedAckIsNotCounted(t *testing.T) {
	e := newEnv(t)
	e.publish(e.request("ack-fails"))
	nc, js := natstest.Connect(t, e.url)
	ctx := context.Background()
	cons, err := js.CreateOrUpdateConsumer(ctx, broker.StreamEval, jetstream.ConsumerConfig{
		Durable: "ack-test", AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	msg := <-batch.Messages()
	if msg == nil {
		t.Fatal("no message fetched")
	}
	c, err := New(js, e.src, fastConfig(), WithLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	c.settle(msg, nil, 1, 1)
	if a, f := counter(c.met.Acked), counterVec(c.met.SettleFailed, "ack"); a != 0 || f != 1 {
		t.Errorf("acked %v, failed acks %v; want 0 and 1", a, f)
	}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}
