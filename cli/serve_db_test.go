package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/flextime/flextime/broker"
	"github.com/flextime/flextime/consumer"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/internal/redistest"
	"github.com/flextime/flextime/internal/tcpproxy"
	"github.com/flextime/flextime/producer"
	"github.com/flextime/flextime/schemas"
)

// These tests run `flextime serve` against the machine's Postgres and
// Redis (each test in its own schema), and play their outages with a TCP
// proxy in between.

// sample is the men's basketball season and its constraints.
func sample(t testing.TB) (*schemas.Schedule, []schemas.Constraint) {
	t.Helper()
	sched, cons, err := big12.Documents("mbb")
	if err != nil {
		t.Fatal(err)
	}
	return sched, cons
}

// offlineTotals evaluates sched in full, with no server.
func offlineTotals(t *testing.T, sched *schemas.Schedule, cons []schemas.Constraint) schemas.Totals {
	t.Helper()
	st, err := evaluator.Evaluate(sched, evaluator.ForSport(cons, sched.Sport), evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st.Report(sched.ID, sched.Sport, false).Totals
}

// jsOf connects to a test server's NATS.
func jsOf(t testing.TB, srv *server) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect("nats://" + srv.nats)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// publishAll publishes reqs, each with a request id made from prefix and
// its index, and waits for their publish acks.
func publishAll(t *testing.T, js jetstream.JetStream, prefix string, reqs []*schemas.Request) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := producer.New(js)
	var ids []string
	for i, r := range reqs {
		r.RequestID = fmt.Sprintf("%s-%03d", prefix, i)
		if _, err := c.Publish(ctx, r); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.RequestID)
	}
	if _, err := c.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	return ids
}

// awaitResults reads the results stream until it holds a result for
// every id, and returns them by request id.
func awaitResults(t *testing.T, js jetstream.JetStream, sched *schemas.Schedule, ids []string, within time.Duration) map[string]*schemas.Result {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	got := map[string]*schemas.Result{}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	err := producer.Results(ctx, js, producer.ResultsOptions{Sport: sched.Sport, ScheduleID: sched.ID, Follow: true},
		func(r *schemas.Result) error {
			if want[r.RequestID] && r.ReplayID == "" {
				got[r.RequestID] = r
			}
			if len(got) == len(want) {
				return producer.ErrStop
			}
			return nil
		})
	if err != nil && !errors.Is(err, producer.ErrStop) {
		t.Fatalf("%d of %d results: %v", len(got), len(want), err)
	}
	return got
}

// checkExact compares every result's totals with an offline evaluation
// of its request's schedule.
func checkExact(t *testing.T, reqs []*schemas.Request, got map[string]*schemas.Result, cons []schemas.Constraint) {
	t.Helper()
	for _, r := range reqs {
		res := got[r.RequestID]
		if res == nil {
			t.Errorf("no result for %s", r.RequestID)
			continue
		}
		if res.Status != schemas.StatusOK {
			t.Errorf("%s: status %s (%s)", r.RequestID, res.Status, res.Error)
			continue
		}
		if want := offlineTotals(t, r.Schedule, cons); res.Totals != want {
			t.Errorf("%s: served totals %+v, offline %+v", r.RequestID, res.Totals, want)
		}
	}
}

// dlqCount is how many dead letters the DLQ stream holds.
func dlqCount(t testing.TB, js jetstream.JetStream) uint64 {
	t.Helper()
	s, err := js.Stream(context.Background(), broker.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// getBody fetches a path of the operations surface.
func getBody(t *testing.T, srv *server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + srv.http + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// eventually polls cond until it holds, with a generous deadline: these
// are waits, not timing assertions.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// summaries counts the history summary rows and their distinct request
// ids.
func summaries(t *testing.T, pool *pgxpool.Pool) (rows, distinct int) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT request_id)
		FROM evaluation_history WHERE constraint_id = '' AND replay_id = ''`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

// storeWithSample migrates a fresh schema and stores the sample's
// constraints in it.
func storeWithSample(t *testing.T) (dsn string, pool *pgxpool.Pool) {
	t.Helper()
	dsn, _ = pgtest.Schema(t)
	_, constraints := sampleFiles(t)
	status, _, errOut := run(t, "migrate", "up", "--database-url", dsn)
	mustSucceed(t, status, errOut)
	status, _, errOut = run(t, "constraints", "apply", "-f", constraints, "--database-url", dsn,
		"--nats-url", "nats://127.0.0.1:1")
	mustSucceed(t, status, errOut)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return dsn, pool
}

// TestServeHistoryStoreAndCache: serve with DATABASE_URL and REDIS_URL
// reads its constraints from the store, answers a stream of moves exactly
// (incrementally, with changes), writes one history record per request
// from which each result can be rebuilt, and follows a change to the store.
func TestServeHistoryStoreAndCache(t *testing.T) {
	dsn, pool := storeWithSample(t)
	sched, cons := sample(t)
	srv := startServe(t, "", "--database-url", dsn, "--redis-url", redistest.URL(),
		"--history-flush-interval", "20ms")
	js := jsOf(t, srv)

	reqs := demoRequests(sched, 20, 11)
	ids := publishAll(t, js, "hist", reqs)
	got := awaitResults(t, js, sched, ids, time.Minute)
	checkExact(t, reqs, got, cons)
	changed := 0
	for _, r := range got {
		if len(r.Changes) > 0 {
			changed++
		}
	}
	if changed == 0 {
		t.Error("no result of a move reports its changes: the moves were not evaluated incrementally")
	}

	// Acked means committed: every result has its history record.
	eventually(t, 30*time.Second, "a history record per request", func() bool {
		rows, _ := summaries(t, pool)
		return rows == len(ids)
	})
	rows, distinct := summaries(t, pool)
	if rows != len(ids) || distinct != len(ids) {
		t.Errorf("history holds %d summaries of %d requests, want %d of %d", rows, distinct, len(ids), len(ids))
	}
	for _, id := range ids[:3] {
		back, err := history.Rebuild(context.Background(), pool, id, "")
		if err != nil {
			t.Fatalf("rebuild %s: %v", id, err)
		}
		if back.Totals != got[id].Totals || back.ConstraintSet != got[id].ConstraintSet {
			t.Errorf("rebuilt %s: totals %+v set %s, result %+v set %s", id, back.Totals, back.ConstraintSet,
				got[id].Totals, got[id].ConstraintSet)
		}
	}
	// Results and history carry the versions used.
	var versions, entries int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE (r->>'version')::int < 1), count(*)
		FROM evaluation_history, jsonb_array_elements(results) r`).Scan(&versions, &entries); err != nil || versions != 0 || entries == 0 {
		t.Errorf("%d of %d violated constraints in history without a version (%v)", versions, entries, err)
	}
	for _, r := range got[ids[0]].Results {
		if r.Version < 1 {
			t.Errorf("result entry %s has version %d", r.ConstraintID, r.Version)
		}
	}
	if vs, err := history.SetVersions(context.Background(), pool, got[ids[0]].ConstraintSet); err != nil ||
		len(vs) != got[ids[0]].Totals.Evaluated {
		t.Errorf("history keeps %d versions of set %s (%v), want %d", len(vs), got[ids[0]].ConstraintSet, err,
			got[ids[0]].Totals.Evaluated)
	}

	// Disabling a constraint in the store is announced; serve reloads and
	// the next results are under the new set.
	before := got[ids[0]]
	victim := before.Results[0].ConstraintID
	status, _, errOut := run(t, "constraints", "disable", victim, "--database-url", dsn,
		"--nats-url", "nats://"+srv.nats)
	mustSucceed(t, status, errOut)
	var after *schemas.Result
	for i := 0; after == nil || after.ConstraintSet == before.ConstraintSet; i++ {
		if i == 100 {
			t.Fatalf("serve still evaluates under %s after the change", before.ConstraintSet)
		}
		r := demoRequests(sched, 0, 1)
		id := publishAll(t, js, fmt.Sprintf("after%d", i), r)
		after = awaitResults(t, js, sched, id, 30*time.Second)[id[0]]
		time.Sleep(50 * time.Millisecond)
	}
	if after.Totals.Evaluated != before.Totals.Evaluated-1 {
		t.Errorf("after disabling %s: %d constraints evaluated, before %d", victim,
			after.Totals.Evaluated, before.Totals.Evaluated)
	}
	if n := dlqCount(t, js); n != 0 {
		t.Errorf("%d dead letters", n)
	}
	if code, body := getBody(t, srv, "/ready"); code != http.StatusOK || !strings.Contains(body, "history") {
		t.Errorf("/ready: %d %s", code, body)
	}
	if _, body := getBody(t, srv, "/metrics"); !strings.Contains(body, "flextime_history_records_total") ||
		!strings.Contains(body, `flextime_constraint_reloads_total{result="ok"}`) {
		t.Errorf("/metrics lacks the history and reload series")
	}
}

// TestServePostgresOutage cuts Postgres off mid-run: serve stays up, says
// why it is not ready, dead-letters nothing, and once Postgres is back
// every request has exactly one history record.
func TestServePostgresOutage(t *testing.T) {
	dsn, pool := storeWithSample(t)
	sched, cons := sample(t)
	px, viaProxy := tcpproxy.ForURL(t, dsn, "5432")
	srv := startServe(t, "", "--database-url", viaProxy, "--history-flush-interval", "10ms",
		"--db-timeout", "2s")
	js := jsOf(t, srv)

	reqs := demoRequests(sched, 30, 5)
	ids := publishAll(t, js, "pre", reqs[:10])
	awaitResults(t, js, sched, ids, time.Minute)

	px.Cut()
	ids = append(ids, publishAll(t, js, "mid", reqs[10:20])...)
	eventually(t, 60*time.Second, "/ready reporting the history outage", func() bool {
		code, body := getBody(t, srv, "/ready")
		return code == http.StatusServiceUnavailable && strings.Contains(body, "history")
	})
	ids = append(ids, publishAll(t, js, "late", reqs[20:])...)
	px.Restore()

	got := awaitResults(t, js, sched, ids, 2*time.Minute)
	checkExact(t, reqs, got, cons)
	eventually(t, 2*time.Minute, "a history record for every request", func() bool {
		rows, _ := summaries(t, pool)
		return rows >= len(ids)
	})
	rows, distinct := summaries(t, pool)
	if rows != len(ids) || distinct != len(ids) {
		t.Errorf("history holds %d summaries of %d requests, want exactly %d", rows, distinct, len(ids))
	}
	if n := dlqCount(t, js); n != 0 {
		t.Errorf("%d good messages dead-lettered during the outage", n)
	}
	eventually(t, time.Minute, "/ready once Postgres is back", func() bool {
		code, _ := getBody(t, srv, "/ready")
		return code == http.StatusOK
	})
	// The outage went the dependency way: naked for redelivery, with the
	// circuit opened.
	_, body := getBody(t, srv, "/metrics")
	if !strings.Contains(body, `flextime_messages_naked_total{reason="dependency"}`) ||
		strings.Contains(body, "flextime_circuit_trips_total 0") {
		t.Errorf("no naked message or circuit trip during the outage")
	}
}

// TestServeRedisOutage cuts Redis off mid-stream and empties the
// in-process tier, so that evaluations need Redis: they fall back to full
// evaluations, the failures are counted, every result stays exact and
// nothing is dead-lettered.
func TestServeRedisOutage(t *testing.T) {
	redistest.Prefix(t) // skips (or fails under CI) without Redis
	sched, cons := sample(t)
	_, constraints := sampleFiles(t)
	px, viaProxy := tcpproxy.ForURL(t, redistest.URL(), "6379")
	srv := startServe(t, constraints, "--redis-url", viaProxy)
	js := jsOf(t, srv)

	reqs := demoRequests(sched, 30, 9)
	ids := publishAll(t, js, "up", reqs[:10])
	awaitResults(t, js, sched, ids, time.Minute)

	px.Cut()
	nc, err := nats.Connect("nats://" + srv.nats)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if err := nc.Publish(CacheSubjectFlush, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	waitLog(t, srv, "in-process cache flushed")
	ids = append(ids, publishAll(t, js, "down", reqs[10:20])...)
	awaitResults(t, js, sched, ids, time.Minute)
	eventually(t, 30*time.Second, "Redis failures counted", func() bool {
		_, body := getBody(t, srv, "/metrics")
		return strings.Contains(body, `flextime_cache_redis_errors_total{op="get"}`)
	})

	px.Restore()
	ids = append(ids, publishAll(t, js, "back", reqs[20:])...)
	got := awaitResults(t, js, sched, ids, time.Minute)
	checkExact(t, reqs, got, cons)
	if n := dlqCount(t, js); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

// TestServeReplayHistory: a replay writes its own history records, and
// the same replay run again, past the deduplication window, writes
// nothing new.
func TestServeReplayHistory(t *testing.T) {
	dsn, pool := storeWithSample(t)
	sched, _ := sample(t)
	srv := startServe(t, "", "--database-url", dsn, "--history-flush-interval", "10ms",
		"--dedup-window", "500ms")
	js := jsOf(t, srv)
	ids := publishAll(t, js, "orig", demoRequests(sched, 2, 3))
	awaitResults(t, js, sched, ids, time.Minute)

	replayRows := func() (n int) {
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM evaluation_history
			WHERE replay_id = 'r1' AND constraint_id = ''`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	cons, err := js.Consumer(context.Background(), broker.StreamEval, "evaluator")
	if err != nil {
		t.Fatal(err)
	}
	settled := func() bool {
		info, err := cons.Info(context.Background())
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}
	for round := range 2 {
		if round == 1 {
			// Past DEDUP_WINDOW, so the stream takes the second replay's
			// copies: only history's keys stand between them and new rows.
			time.Sleep(time.Second)
		}
		status, out, errOut := run(t, "replay", "--nats-url", "nats://"+srv.nats, "--replay-id", "r1")
		if status != ExitOK || !strings.Contains(out, `"published":3`) {
			t.Fatalf("replay: %d %q %s", status, out, errOut)
		}
		eventually(t, time.Minute, "the replay evaluated", func() bool { return settled() && replayRows() == 3 })
	}
	st, err := js.Stream(context.Background(), broker.StreamEval)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 9 {
		t.Fatalf("the request stream holds %d messages, want 3 originals and two replays of them", info.State.Msgs)
	}
	if n := replayRows(); n != 3 {
		t.Errorf("%d replay summaries after replaying twice, want 3", n)
	}
	if rows, _ := summaries(t, pool); rows != 3 {
		t.Errorf("%d original summaries, want 3", rows)
	}
}

// TestServeReplaySpoofed: anyone who can publish can set the replay
// headers, so none is trusted. A replay claim whose original, read back
// from the request stream, is missing or another request is dead-lettered
// with the reason; Flextime-Request-Time is never read (it once made
// partition evaluation_history_p29990101, which retention never drops);
// a genuine replay is keyed on the original's own timestamp.
func TestServeReplaySpoofed(t *testing.T) {
	dsn, pool := storeWithSample(t)
	sched, _ := sample(t)
	srv := startServe(t, "", "--database-url", dsn, "--history-flush-interval", "10ms")
	js := jsOf(t, srv)
	ids := publishAll(t, js, "orig", demoRequests(sched, 1, 3))
	awaitResults(t, js, sched, ids, time.Minute)

	ctx := context.Background()
	st, err := js.Stream(ctx, broker.StreamEval)
	if err != nil {
		t.Fatal(err)
	}
	orig := map[string]*jetstream.RawStreamMsg{}
	for seq := uint64(1); seq <= 2; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		orig[schemas.RequestIDOf(m.Data)] = m
	}
	a, b := orig[ids[0]], orig[ids[1]]
	if a == nil || b == nil {
		t.Fatalf("originals %v not at sequences 1 and 2", ids)
	}
	const forged = "2999-01-01T00:00:00Z"
	publish := func(from *jetstream.RawStreamMsg, replayID, seq string) {
		t.Helper()
		m := nats.NewMsg(from.Subject)
		m.Data = from.Data
		m.Header.Set(consumer.ReplayHeader, replayID)
		m.Header.Set(consumer.RequestTimeHeader, forged)
		if seq != "" {
			m.Header.Set(consumer.ReplaySeqHeader, seq)
		}
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	publish(a, "no-seq", "")
	publish(a, "not-a-seq", "x1")
	publish(a, "other-request", fmt.Sprint(b.Sequence))
	publish(a, "missing", "999999")
	publish(a, "genuine", fmt.Sprint(a.Sequence))

	replayRecords := func(replayID string) (n int, ts time.Time) {
		if err := pool.QueryRow(ctx, `SELECT count(*), coalesce(max(request_ts), 'epoch') FROM evaluation_history
			WHERE replay_id = $1 AND constraint_id = ''`, replayID).Scan(&n, &ts); err != nil {
			t.Fatal(err)
		}
		return n, ts
	}
	eventually(t, time.Minute, "four dead letters and the genuine replay's record", func() bool {
		n, _ := replayRecords("genuine")
		return dlqCount(t, js) == 4 && n == 1
	})
	n, ts := replayRecords("genuine")
	if want := a.Time.Truncate(time.Microsecond); n != 1 || !ts.Equal(want) {
		t.Errorf("genuine replay: %d records at %s, want 1 at the original's %s", n, ts, want)
	}
	var forgedPartition bool
	if err := pool.QueryRow(ctx, `SELECT to_regclass('evaluation_history_p29990101') IS NOT NULL`).Scan(&forgedPartition); err != nil {
		t.Fatal(err)
	}
	if forgedPartition {
		t.Error("a forged Flextime-Request-Time made partition evaluation_history_p29990101")
	}
	var spoofed int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM evaluation_history WHERE replay_id NOT IN ('', 'genuine')`).Scan(&spoofed); err != nil {
		t.Fatal(err)
	}
	if spoofed != 0 {
		t.Errorf("%d history rows of spoofed replays", spoofed)
	}
	dlq, err := js.Stream(ctx, broker.StreamDLQ)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for seq := uint64(1); seq <= 4; seq++ {
		m, err := dlq.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		var dl schemas.DeadLetter
		if err := json.Unmarshal(m.Data, &dl); err != nil {
			t.Fatal(err)
		}
		if dl.Class != schemas.ClassBadInput {
			t.Errorf("dead letter class %q: %s", dl.Class, dl.Reason)
		}
		reasons[http.Header(dl.Headers).Get(consumer.ReplayHeader)] = dl.Reason
	}
	for id, want := range map[string]string{
		"no-seq":        "Flextime-Replay-Seq",
		"not-a-seq":     `"x1" is not a stream sequence`,
		"other-request": "is not the same request",
		"missing":       "no request at sequence 999999",
	} {
		if !strings.Contains(reasons[id], want) {
			t.Errorf("replay %s dead-lettered with %q, want it to say %q", id, reasons[id], want)
		}
	}
}
