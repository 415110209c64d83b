package consumer

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/internal/natstest"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// env is one test's JetStream server with the streams applied, and the
// Big 12 men's basketball sample as the constraint set.
type env struct {
	t     testing.TB
	url   string
	nc    *nats.Conn
	js    jetstream.JetStream
	src   *store.File
	sched *schemas.Schedule
	docs  []schemas.Constraint
}

func newEnv(t testing.TB) *env {
	t.Helper()
	url := natstest.Server(t)
	return newEnvAt(t, url)
}

func newEnvAt(t testing.TB, url string) *env {
	t.Helper()
	return newEnvStreams(t, url, true)
}

// newEnvStreams is newEnvAt, applying the production streams only when
// asked: a test on a shared server makes streams of its own.
func newEnvStreams(t testing.TB, url string, applyStreams bool) *env {
	t.Helper()
	nc, js := natstest.Connect(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if applyStreams {
		if _, err := broker.ApplyStreams(ctx, js, broker.DefaultStreamOptions()); err != nil {
			t.Fatal(err)
		}
	}
	schedData, consData, err := big12.Sample("mbb")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "constraints.ndjson")
	if err := os.WriteFile(path, consData, 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := store.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := schemas.DecodeSchedule(schedData)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := schemas.DecodeConstraints(consData)
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: url, nc: nc, js: js, src: src, sched: s, docs: docs}
}

// fastConfig makes redelivery and retries quick, so tests of them finish
// in seconds.
func fastConfig() Config {
	return Config{
		Workers: 2, AckWait: 3 * time.Second, EvalTimeout: time.Second, PublishTimeout: time.Second,
		HistoryTimeout:  500 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second, PoisonAttempts: 3,
		RetryInitial: 50 * time.Millisecond, RetryMax: 400 * time.Millisecond, FetchWait: 200 * time.Millisecond,
	}
}

// instance is a running consumer with its own connection.
type instance struct {
	c      *Consumer
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan error
}

func (e *env) start(cfg Config, hook func(*schemas.Request)) *instance {
	e.t.Helper()
	return e.startSrc(cfg, e.src, hook)
}

// startSrc starts an instance that takes its constraint sets from src.
func (e *env) startSrc(cfg Config, src ConstraintSource, hook func(*schemas.Request)) *instance {
	e.t.Helper()
	nc, js := natstest.Connect(e.t, e.url)
	log := slog.New(slog.NewTextHandler(testWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := New(js, src, cfg, WithLogger(log))
	if err != nil {
		e.t.Fatal(err)
	}
	c.testHook = hook
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{c: c, nc: nc, cancel: cancel, done: make(chan error, 1)}
	go func() { in.done <- c.Run(ctx) }()
	e.t.Cleanup(func() { in.stop(e.t) })
	waitFor(e.t, 10*time.Second, "consumer bound", func() bool { return c.bound.Load() })
	return in
}

// stop cancels the instance and waits for its graceful stop.
func (in *instance) stop(t testing.TB) {
	in.cancel()
	select {
	case err, ok := <-in.done:
		if ok && err != nil {
			t.Errorf("Run: %v", err)
		}
		close(in.done)
	case <-time.After(30 * time.Second):
		t.Error("Run did not return after cancel")
	}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// waitFor polls cond with a generous deadline; never a timing assertion.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *env) request(id string) *schemas.Request {
	s := *e.sched
	rev := int64(7)
	return &schemas.Request{RequestID: id, Revision: &rev, Schedule: &s}
}

func (e *env) publish(reqs ...*schemas.Request) {
	e.t.Helper()
	p := producer.New(e.js)
	for _, r := range reqs {
		if _, err := p.PublishSync(context.Background(), r); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) publishRaw(subject, msgID string, body []byte) {
	e.t.Helper()
	m := nats.NewMsg(subject)
	m.Data = body
	if msgID != "" {
		m.Header.Set(jetstream.MsgIDHeader, msgID)
	}
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		e.t.Fatal(err)
	}
}

// streamMsgs returns every message a stream holds, in order.
func (e *env) streamMsgs(stream string) []*jetstream.RawStreamMsg {
	e.t.Helper()
	ctx := context.Background()
	s, err := e.js.Stream(ctx, stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func (e *env) results() map[string][]schemas.Result {
	out := map[string][]schemas.Result{}
	for _, m := range e.streamMsgs(broker.StreamResults) {
		var r schemas.Result
		if err := json.Unmarshal(m.Data, &r); err != nil {
			e.t.Fatalf("result %d: %v", m.Sequence, err)
		}
		if err := schemas.ValidateResultJSON(m.Data); err != nil {
			e.t.Errorf("result %d breaks the contract: %v", m.Sequence, err)
		}
		out[r.RequestID] = append(out[r.RequestID], r)
	}
	return out
}

func (e *env) deadLetters() []schemas.DeadLetter {
	var out []schemas.DeadLetter
	for _, m := range e.streamMsgs(broker.StreamDLQ) {
		var d schemas.DeadLetter
		if err := json.Unmarshal(m.Data, &d); err != nil {
			e.t.Fatalf("dead letter %d: %v", m.Sequence, err)
		}
		if err := schemas.ValidateDeadLetterJSON(m.Data); err != nil {
			e.t.Errorf("dead letter %d breaks the contract: %v", m.Sequence, err)
		}
		out = append(out, d)
	}
	return out
}

// settled waits until the durable consumer has nothing pending or unacked.
func (e *env) settled(durable string) {
	e.t.Helper()
	waitFor(e.t, 20*time.Second, "consumer with nothing pending", func() bool {
		c, err := e.js.Consumer(context.Background(), broker.StreamEval, durable)
		if err != nil {
			return false
		}
		info, err := c.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0
	})
}

func (e *env) count(stream string) uint64 {
	s, err := e.js.Stream(context.Background(), stream)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return info.State.Msgs
}

func TestHappyPath(t *testing.T) {
	e := newEnv(t)
	in := e.start(fastConfig(), nil)
	e.publish(e.request("r-1"))
	waitFor(t, 20*time.Second, "one result", func() bool { return e.count(broker.StreamResults) == 1 })
	e.settled("evaluator")

	got := e.results()["r-1"]
	if len(got) != 1 {
		t.Fatalf("%d results for r-1", len(got))
	}
	r := got[0]
	want, err := evaluator.Evaluate(e.sched, evaluator.ForSport(e.docs, "mbb"), evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != schemas.StatusOK || r.Totals != want.Totals() || r.ConstraintSet != want.Model().SetID {
		t.Errorf("result %+v\nwant totals %+v set %s", r, want.Totals(), want.Model().SetID)
	}
	if r.Revision == nil || *r.Revision != 7 || r.ScheduleID != e.sched.ID || r.Sport != "mbb" {
		t.Errorf("request fields not echoed: %+v", r)
	}
	if len(r.Results) != r.Totals.HardViolated+r.Totals.SoftViolated {
		t.Errorf("detail violated lists %d constraints, %d violated", len(r.Results), r.Totals.HardViolated+r.Totals.SoftViolated)
	}
	for _, cr := range r.Results {
		if cr.Cost == 0 || len(cr.Violations) == 0 {
			t.Errorf("%s: listed without cost or explanation: %+v", cr.ConstraintID, cr)
		}
	}
	// The result carries the request's id for deduplication downstream.
	msgs := e.streamMsgs(broker.StreamResults)
	if id := msgs[0].Header.Get(jetstream.MsgIDHeader); id != "r-1" {
		t.Errorf("result Nats-Msg-Id %q", id)
	}
	if subj := msgs[0].Subject; subj != broker.ResultSubject("mbb", e.sched.ID) {
		t.Errorf("result subject %q", subj)
	}
	if ok, why := in.c.Ready(); !ok {
		t.Errorf("not ready: %s", why)
	}
}

func TestDetailAllAndNarrowing(t *testing.T) {
	e := newEnv(t)
	e.start(fastConfig(), nil)
	all := e.request("all")
	all.Detail = schemas.DetailAll
	narrow := e.request("narrow")
	narrow.ConstraintIDs = []string{e.docs[0].ID, e.docs[1].ID}
	e.publish(all, narrow)
	waitFor(t, 20*time.Second, "two results", func() bool { return e.count(broker.StreamResults) == 2 })
	rs := e.results()
	if n := len(rs["all"][0].Results); n != len(e.docs) {
		t.Errorf("detail all lists %d of %d constraints", n, len(e.docs))
	}
	nr := rs["narrow"][0]
	if nr.Totals.Evaluated != 2 || nr.ConstraintSet == rs["all"][0].ConstraintSet {
		t.Errorf("narrowed result evaluated %d, set %s", nr.Totals.Evaluated, nr.ConstraintSet)
	}
}

// TestBadInputIsDeadLettered sends every kind of bad input and checks
// each ends as a dead letter naming the problem, and nothing stays
// pending.
func TestBadInputIsDeadLettered(t *testing.T) {
	e := newEnv(t)
	e.start(fastConfig(), nil)
	subject := broker.EvalSubject("mbb", e.sched.ID)
	good, _ := json.Marshal(e.request("x"))
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(good, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	games := func(m map[string]any) []any { return m["schedule"].(map[string]any)["games"].([]any) }
	cases := []struct {
		id, want string
		body     []byte
	}{
		{"not-json", "line 1", []byte(`{"request_id": "not-json", "schedule": `)},
		{"schema", "schedule", mutate(func(m map[string]any) { m["request_id"] = "schema"; m["schedule"] = 42 })},
		{"no-request-id", "request_id", mutate(func(m map[string]any) { delete(m, "request_id") })},
		{"unknown-team", `schedule.games[0].home`, mutate(func(m map[string]any) {
			m["request_id"] = "unknown-team"
			games(m)[0].(map[string]any)["home"] = "NOPE"
		})},
		{"slot-out-of-range", `schedule.games[1].slot`, mutate(func(m map[string]any) {
			m["request_id"] = "slot-out-of-range"
			games(m)[1].(map[string]any)["slot"] = 999
		})},
		{"unknown-constraint", `constraint_ids[1]`, mutate(func(m map[string]any) {
			m["request_id"] = "unknown-constraint"
			m["constraint_ids"] = []string{e.docs[0].ID, "no-such-rule"}
		})},
	}
	for i, c := range cases {
		e.publishRaw(subject, fmt.Sprintf("bad-%d", i), c.body)
	}
	waitFor(t, 20*time.Second, "every bad message dead-lettered", func() bool {
		return e.count(broker.StreamDLQ) == uint64(len(cases))
	})
	e.settled("evaluator")
	if n := e.count(broker.StreamResults); n != 0 {
		t.Errorf("%d results for bad input", n)
	}
	dls := e.deadLetters()
	for i, c := range cases {
		var found *schemas.DeadLetter
		for j := range dls {
			payload, _ := base64.StdEncoding.DecodeString(dls[j].PayloadB64)
			if string(payload) == string(c.body) {
				found = &dls[j]
			}
		}
		if found == nil {
			t.Errorf("case %d (%s): no dead letter carries its payload", i, c.id)
			continue
		}
		if found.Class != schemas.ClassBadInput || !strings.Contains(found.Reason, c.want) {
			t.Errorf("case %s: class %q reason %q, want bad_input naming %q", c.id, found.Class, found.Reason, c.want)
		}
		if found.Subject != subject || found.StreamSeq == 0 || found.DeliveryCount != 1 || found.Sport != "mbb" {
			t.Errorf("case %s: envelope %+v", c.id, found)
		}
	}
}

func TestDuplicateRequestIDGivesOneResult(t *testing.T) {
	e := newEnv(t)
	e.start(fastConfig(), nil)
	e.publish(e.request("dup"), e.request("dup"), e.request("other"))
	waitFor(t, 20*time.Second, "results", func() bool { return e.count(broker.StreamResults) >= 2 })
	e.settled("evaluator")
	rs := e.results()
	if len(rs["dup"]) != 1 || len(rs["other"]) != 1 || e.count(broker.StreamEval) != 2 {
		t.Errorf("results %d dup, %d other; %d requests stored", len(rs["dup"]), len(rs["other"]), e.count(broker.StreamEval))
	}
}

// TestKilledConsumerLosesNothing kills an instance (its connection goes)
// while it holds messages; a second instance gets them after ACK_WAIT.
func TestKilledConsumerLosesNothing(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	var held atomic.Int32
	block := make(chan struct{})
	first := e.start(cfg, func(*schemas.Request) {
		held.Add(1)
		<-block
	})
	const n = 6
	for i := range n {
		e.publish(e.request(fmt.Sprintf("k-%d", i)))
	}
	waitFor(t, 10*time.Second, "the first instance to hold messages", func() bool { return held.Load() >= 1 })
	first.nc.Close() // the process dies: no acks, no naks
	first.cancel()
	close(block)

	e.start(cfg, nil)
	waitFor(t, 30*time.Second, "every request answered", func() bool {
		return len(e.results()) == n
	})
	e.settled("evaluator")
	for id, rs := range e.results() {
		if len(rs) != 1 {
			t.Errorf("%s: %d results", id, len(rs))
		}
	}
	if n := e.count(broker.StreamDLQ); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

func TestTwoInstancesShareTheConsumer(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	slow := func(*schemas.Request) { time.Sleep(30 * time.Millisecond) }
	a := e.start(cfg, slow)
	b := e.start(cfg, slow)
	const n = 40
	for i := range n {
		e.publish(e.request(fmt.Sprintf("s-%d", i)))
	}
	waitFor(t, 30*time.Second, "every request answered", func() bool { return len(e.results()) == n })
	e.settled("evaluator")
	for id, rs := range e.results() {
		if len(rs) != 1 {
			t.Errorf("%s: %d results", id, len(rs))
		}
	}
	ra, rb := counter(a.c.met.Received), counter(b.c.met.Received)
	if ra == 0 || rb == 0 || ra+rb != n {
		t.Errorf("instances received %v and %v of %d", ra, rb, n)
	}
}

// TestShutdownWithMessagesInFlight stops an instance while it evaluates;
// what it held is finished or handed on, and nothing is lost.
func TestShutdownWithMessagesInFlight(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	var started atomic.Int32
	first := e.start(cfg, func(*schemas.Request) {
		started.Add(1)
		time.Sleep(200 * time.Millisecond)
	})
	const n = 10
	for i := range n {
		e.publish(e.request(fmt.Sprintf("d-%d", i)))
	}
	waitFor(t, 10*time.Second, "work in flight", func() bool { return started.Load() >= 1 })
	first.cancel()
	select {
	case err := <-first.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("graceful stop did not finish")
	}
	finished := len(e.results())
	if finished == 0 {
		t.Error("the stopping instance finished nothing it held")
	}
	// The stopped instance took nothing new; another finishes the rest.
	first.done <- nil
	e.start(cfg, nil)
	waitFor(t, 30*time.Second, "every request answered", func() bool { return len(e.results()) == n })
	e.settled("evaluator")
	for id, rs := range e.results() {
		if len(rs) != 1 {
			t.Errorf("%s: %d results", id, len(rs))
		}
	}
}

// TestPublishOutageDeadLettersNothing removes the results stream, so
// every result publish fails; the consumer naks with backoff, opens its
// circuit, and recovers by itself once the stream is back.
func TestPublishOutageDeadLettersNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.js.DeleteStream(ctx, broker.StreamResults); err != nil {
		t.Fatal(err)
	}
	in := e.start(fastConfig(), nil)
	const n = 5
	for i := range n {
		e.publish(e.request(fmt.Sprintf("o-%d", i)))
	}
	waitFor(t, 20*time.Second, "the circuit to open", func() bool {
		open, _ := in.c.br.state()
		return open
	})
	if ok, why := in.c.Ready(); ok || !strings.Contains(why, "outage") {
		t.Errorf("Ready during the outage = %v %q", ok, why)
	}
	// The outage ends.
	if _, err := broker.ApplyStreams(ctx, e.js, broker.DefaultStreamOptions()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "every request answered", func() bool { return len(e.results()) == n })
	e.settled("evaluator")
	if d := e.count(broker.StreamDLQ); d != 0 {
		t.Errorf("%d dead letters from an outage", d)
	}
	if counter(in.c.met.BreakerTrips) < 1 || counterVec(in.c.met.Naked, "dependency") < 1 {
		t.Errorf("outage not counted: trips %v naks %v", counter(in.c.met.BreakerTrips), counterVec(in.c.met.Naked, "dependency"))
	}
	waitFor(t, 10*time.Second, "ready again", func() bool { ok, _ := in.c.Ready(); return ok })
}

func TestPanicBecomesPoison(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	var mu sync.Mutex
	tries := map[string]int{}
	e.start(cfg, func(r *schemas.Request) {
		mu.Lock()
		tries[r.RequestID]++
		mu.Unlock()
		if r.RequestID == "poison" {
			panic("the evaluator cannot cope")
		}
	})
	e.publish(e.request("poison"), e.request("fine"))
	waitFor(t, 30*time.Second, "the poison dead letter", func() bool { return e.count(broker.StreamDLQ) == 1 })
	e.settled("evaluator")
	dl := e.deadLetters()[0]
	if dl.Class != schemas.ClassPoison || dl.DeliveryCount != cfg.PoisonAttempts || dl.RequestID != "poison" ||
		!strings.Contains(dl.Reason, "the evaluator cannot cope") {
		t.Errorf("dead letter %+v", dl)
	}
	mu.Lock()
	defer mu.Unlock()
	if tries["poison"] != int(cfg.PoisonAttempts) {
		t.Errorf("poison tried %d times, want %d", tries["poison"], cfg.PoisonAttempts)
	}
	if rs := e.results(); len(rs["fine"]) != 1 || len(rs["poison"]) != 0 {
		t.Errorf("results: %v", rs)
	}
}

func TestTimeoutIsAResult(t *testing.T) {
	e := newEnv(t)
	cfg := fastConfig()
	cfg.EvalTimeout = 200 * time.Millisecond
	e.start(cfg, func(r *schemas.Request) {
		if r.RequestID == "slow" {
			time.Sleep(time.Second)
		}
	})
	e.publish(e.request("slow"))
	waitFor(t, 20*time.Second, "the result", func() bool { return e.count(broker.StreamResults) == 1 })
	e.settled("evaluator")
	r := e.results()["slow"][0]
	if r.Status != schemas.StatusTimeout || !strings.Contains(r.Error, "200ms") {
		t.Errorf("result %+v", r)
	}
}

func TestUnknownSportIsAnErrorResult(t *testing.T) {
	e := newEnv(t)
	e.start(fastConfig(), nil)
	r := e.request("curling")
	s := *r.Schedule
	s.Sport = "curling"
	r.Schedule = &s
	e.publish(r)
	waitFor(t, 20*time.Second, "the result", func() bool { return e.count(broker.StreamResults) == 1 })
	got := e.results()["curling"][0]
	if got.Status != schemas.StatusError || !strings.Contains(got.Error, "curling") {
		t.Errorf("result %+v", got)
	}
}

// TestExternalServer runs against the machine's server when NATS_URL is
// set. On a server older than broker.MinServerVersion (the machine's
// Debian nats-server 2.9.10, which redelivers dead letters forever) it
// checks that the version is refused, and makes nothing there. On a newer
// one it runs the happy path. The server is shared: the test makes
// streams, a durable and a schedule id of its own, on subjects only it
// uses, and deletes what it made.
func TestExternalServer(t *testing.T) {
	testSharedServer(t, natstest.ExternalURL(t))
}

// TestSharedServerInProcess runs TestExternalServer's happy path on an
// in-process server, so it is known to work on its own streams wherever
// NATS_URL is an old server or unset.
func TestSharedServerInProcess(t *testing.T) {
	url := natstest.Server(t)
	t.Run("shared", func(t *testing.T) { testSharedServer(t, url) })
	_, js := natstest.Connect(t, url)
	var left []string
	for name := range js.StreamNames(t.Context()).Name() {
		left = append(left, name)
	}
	if len(left) != 0 {
		t.Errorf("streams left on the server: %v", left)
	}
}

func testSharedServer(t *testing.T, url string) {
	e := newEnvStreams(t, url, false)
	if err := broker.CheckServerVersion(e.nc); err != nil {
		if !errors.Is(err, broker.ErrServerTooOld) || !strings.Contains(err.Error(), broker.MinServerVersion) ||
			!strings.Contains(err.Error(), e.nc.ConnectedServerVersion()) {
			t.Fatalf("CheckServerVersion on nats-server %s: %v", e.nc.ConnectedServerVersion(), err)
		}
		t.Logf("refused, as it must be: %v", err)
		return
	}
	id := producer.NewRequestID()
	r := e.request(id)
	s := *r.Schedule
	s.ID = "test-" + id
	r.Schedule = &s

	// Streams of this test's own, holding only its schedule's subjects.
	prefix := "TEST_" + strings.ReplaceAll(id, "-", "_")
	o := broker.DefaultStreamOptions()
	o.MaxBytes = 1 << 20 // a shared server's disk is not ours
	cfgs := broker.StreamConfigs(o)[:2]
	cfgs[0].Name, cfgs[0].Subjects = prefix+"_EVAL", []string{broker.EvalSubject(s.Sport, s.ID)}
	cfgs[1].Name, cfgs[1].Subjects = prefix+"_RESULTS", []string{broker.ResultSubject(s.Sport, s.ID)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, c := range cfgs {
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := e.js.DeleteStream(ctx, c.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
				t.Errorf("deleting %s: %v", c.Name, err)
			}
		})
	}
	if _, err := broker.ApplyStreamConfigs(ctx, e.js, cfgs); err != nil {
		// The server has streams over flextime's subjects, FLEXTIME_*
		// or another's: the test cannot have subjects of its own there.
		t.Fatalf("making this test's streams on %s: %v", url, err)
	}
	cfg := fastConfig()
	cfg.Stream, cfg.FilterSubject = cfgs[0].Name, cfgs[0].Subjects[0]
	cfg.Durable = "flextime-test-" + id
	t.Cleanup(func() { _ = e.js.DeleteConsumer(context.Background(), cfg.Stream, cfg.Durable) })
	e.start(cfg, nil)
	e.publish(r)

	var got schemas.Result
	waitFor(t, 30*time.Second, "the result", func() bool {
		st, err := e.js.Stream(ctx, cfgs[1].Name)
		if err != nil {
			return false
		}
		m, err := st.GetLastMsgForSubject(ctx, cfgs[1].Subjects[0])
		return err == nil && json.Unmarshal(m.Data, &got) == nil
	})
	if got.RequestID != id || got.Status != schemas.StatusOK {
		t.Fatalf("result %+v", got)
	}
}

func counter(c prometheus.Counter) float64 { return testutil.ToFloat64(c) }

func counterVec(v *prometheus.CounterVec, label string) float64 {
	return testutil.ToFloat64(v.WithLabelValues(label))
}
