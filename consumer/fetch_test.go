package consumer

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/schemas"
)

// probeOut reports whether a probe is out, for tests.
func (b *breaker) probeOut() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.probing
}

// TestEmptyProbeHandsTheProbeBack: an outage opened the breaker while no
// message was in hand, so the probe fetch after the delay brings
// nothing. The probe must come back: the next request is fetched, goes
// through and closes the breaker. Before, the instance stayed not ready
// and took nothing until restarted.
func TestEmptyProbeHandsTheProbeBack(t *testing.T) {
	e := newEnv(t)
	in := e.start(fastConfig(), nil)
	if !in.c.br.fail("test outage") {
		t.Fatal("breaker did not trip")
	}
	waitFor(t, 10*time.Second, "the probe fetch", in.c.br.probeOut)
	// Let that probe fetch (FetchWait 200ms) come back empty.
	time.Sleep(time.Second)
	e.publish(e.request("after-empty-probe"))
	waitFor(t, 20*time.Second, "the request answered", func() bool { return e.count(broker.StreamResults) == 1 })
	e.settled("evaluator")
	waitFor(t, 10*time.Second, "ready again", func() bool { ok, _ := in.c.Ready(); return ok })
}

// TestDeletedConsumerIsBoundAgain deletes the durable consumer under a
// running instance: the failing fetches are counted and the consumer is
// bound again, and requests are answered. Before, fetches failed at Debug
// level in a hot loop and nothing was consumed again.
func TestDeletedConsumerIsBoundAgain(t *testing.T) {
	e := newEnv(t)
	in := e.start(fastConfig(), nil)
	e.publish(e.request("before"))
	waitFor(t, 20*time.Second, "the first result", func() bool { return e.count(broker.StreamResults) == 1 })
	if err := e.js.DeleteConsumer(context.Background(), broker.StreamEval, "evaluator"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "a rebind", func() bool { return counter(in.c.met.Rebinds) >= 1 })
	if counter(in.c.met.FetchErrors) < 1 {
		t.Errorf("no fetch error counted for a deleted consumer")
	}
	e.publish(e.request("after"))
	waitFor(t, 20*time.Second, "the request after the deletion answered", func() bool {
		return len(e.results()["after"]) == 1
	})
	waitFor(t, 10*time.Second, "ready", func() bool { ok, _ := in.c.Ready(); return ok })
}

// TestDeletedStreamIsNotReady deletes the request stream: while it is
// gone the instance says it cannot fetch, and once the stream is back it
// binds again by itself and answers.
func TestDeletedStreamIsNotReady(t *testing.T) {
	e := newEnv(t)
	in := e.start(fastConfig(), nil)
	ctx := context.Background()
	if err := e.js.DeleteStream(ctx, broker.StreamEval); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "not ready", func() bool {
		ok, why := in.c.Ready()
		return !ok && strings.Contains(why, "consumer cannot fetch")
	})
	_, why := in.c.Ready()
	t.Logf("Ready while the stream is gone: %s", why)
	// Failing fetches back off: a few per second at most, where the hot
	// spin made thousands.
	before := counter(in.c.met.FetchErrors)
	time.Sleep(2 * time.Second)
	if n := counter(in.c.met.FetchErrors) - before; n > 200 {
		t.Errorf("%v failed fetches in 2s: no backoff", n)
	}
	if _, err := broker.ApplyStreams(ctx, e.js, broker.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "ready again", func() bool { ok, _ := in.c.Ready(); return ok })
	e.publish(e.request("stream-back"))
	waitFor(t, 20*time.Second, "the request answered", func() bool { return len(e.results()["stream-back"]) == 1 })
}

// TestLagGauges: with both workers held and one request waiting, the lag
// gauges show two delivered unacked and one pending.
func TestLagGauges(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	cfg.LagInterval = 50 * time.Millisecond
	cfg.EvalTimeout, cfg.AckWait = 10*time.Second, 30*time.Second
	release := make(chan struct{})
	in := e.start(cfg, func(*schemas.Request) { <-release })
	e.publish(e.request("l-1"), e.request("l-2"), e.request("l-3"))
	waitFor(t, 20*time.Second, "lag gauges at 1 pending, 2 ack pending", func() bool {
		return testutil.ToFloat64(in.c.met.NumPending) == 1 && testutil.ToFloat64(in.c.met.NumAckPending) == 2
	})
	close(release)
	waitFor(t, 20*time.Second, "lag gauges at zero", func() bool {
		return testutil.ToFloat64(in.c.met.NumPending) == 0 && testutil.ToFloat64(in.c.met.NumAckPending) == 0
	})
}
