package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/internal/tcpproxy"
	"github.com/flextime/flextime/migrations"
	"github.com/flextime/flextime/schemas"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  history.Config
		ok   bool
	}{
		{"defaults", history.Config{}, true},
		{"set", history.Config{BatchSize: 10, FlushInterval: time.Second, QueueSize: 5, Retention: 72 * time.Hour, Timeout: time.Second}, true},
		{"negative batch", history.Config{BatchSize: -1}, false},
		{"negative interval", history.Config{FlushInterval: -time.Second}, false},
		{"negative queue", history.Config{QueueSize: -3}, false},
		{"short retention", history.Config{Retention: time.Hour}, false},
		{"negative timeout", history.Config{Timeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.ok != (err == nil) || (err != nil && !errors.Is(err, history.ErrInvalidConfig)) {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
}

func TestSubmitInvalid(t *testing.T) {
	_, pool := setup(t)
	w := startWriter(t, pool, history.Config{})
	for name, rec := range map[string]history.Record{
		"no result":     {RequestTS: day0},
		"no request id": {RequestTS: day0, Result: &schemas.Result{}},
		"no timestamp":  {Result: result("r", 1, 0)},
	} {
		if _, err := w.Submit(context.Background(), rec); !errors.Is(err, history.ErrInvalidRecord) {
			t.Errorf("%s: Submit = %v, want ErrInvalidRecord", name, err)
		}
	}
}

// TestRowsOnlyViolated: one row per record, whose results hold the
// violated constraints; satisfied ones are implied; costs are exact.
func TestRowsOnlyViolated(t *testing.T) {
	_, pool := setup(t)
	w := startWriter(t, pool, history.Config{})
	rec := record("r1", day0, 3, 2)
	if err := commit(t, w, rec); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, "request_id = 'r1'"); n != 1 {
		t.Fatalf("%d rows, want the record's one", n)
	}
	if n := count(t, pool, "request_id = 'r1' AND jsonb_array_length(results) = 3"); n != 1 {
		t.Fatalf("the record does not hold its 3 violated constraints")
	}
	if n := count(t, pool, "constraint_id LIKE 's%' OR results @? '$[*] ? (@.constraint_id like_regex \"^s\")'"); n != 0 {
		t.Errorf("%d rows for satisfied constraints", n)
	}
	ctx := context.Background()
	var cost string
	var exact bool
	if err := pool.QueryRow(ctx, `SELECT r->>'cost', (r->>'cost')::numeric = 2.1
		FROM evaluation_history, jsonb_array_elements(results) r
		WHERE request_id = 'r1' AND r->>'constraint_id' = 'c3'`).Scan(&cost, &exact); err != nil {
		t.Fatal(err)
	}
	if cost != "2.1" || !exact {
		t.Errorf("cost of 0.7 x 3 = %s (= 2.1: %v)", cost, exact)
	}
	var (
		set, status, replay, part string
		seq, rev                  int64
		keys                      []string
		ts                        time.Time
	)
	if err := pool.QueryRow(ctx, `SELECT constraint_set, status, replay_id, stream_seq, revision,
		array(SELECT jsonb_object_keys(detail) ORDER BY 1), request_ts, tableoid::regclass::text
		FROM evaluation_history WHERE request_id = 'r1' AND constraint_id = ''`).
		Scan(&set, &status, &replay, &seq, &rev, &keys, &ts, &part); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"changes", "duration_us", "error", "evaluated_at", "structure", "totals"}
	if rec.Result.Error == "" {
		wantKeys = []string{"changes", "duration_us", "evaluated_at", "structure", "totals"}
	}
	if set != "sha256:abc" || status != "ok" || replay != "" || seq != 7 || rev != 41 ||
		!reflect.DeepEqual(keys, wantKeys) || !ts.Equal(day0.Truncate(time.Microsecond)) ||
		part != history.PartitionName(day0) {
		t.Errorf("summary row: %q %q %q %d %d %v %v %s", set, status, replay, seq, rev, keys, ts, part)
	}
	// The versions of the whole set, satisfied constraints included, are
	// kept once per set.
	var want map[string]int
	if err := json.Unmarshal(rec.Versions, &want); err != nil {
		t.Fatal(err)
	}
	got, err := history.SetVersions(ctx, pool, "sha256:abc")
	if err != nil || len(want) != 5 || !reflect.DeepEqual(got, want) {
		t.Errorf("SetVersions = %v, %v; want %v", got, err, want)
	}
	if _, err := history.SetVersions(ctx, pool, "sha256:none"); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("SetVersions of an unknown set: %v", err)
	}
}

// TestManyConstraintsFewRows: an ITC2021-sized set costs a row per
// violated constraint only.
func TestManyConstraintsFewRows(t *testing.T) {
	_, pool := setup(t)
	w := startWriter(t, pool, history.Config{})
	if err := commit(t, w, record("itc", day0, 12, 1437)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, "request_id = 'itc' AND jsonb_array_length(results) = 12"); n != 1 {
		t.Errorf("%d rows of 12 violated constraints for 1,449 constraints with 12 violated, want 1", n)
	}
}

// violatedPart is what Rebuild can give back: res without its satisfied
// constraints, ordered by constraint id.
func violatedPart(res *schemas.Result) *schemas.Result {
	out := *res
	out.Results = []schemas.ConstraintResult{}
	for _, r := range res.Results {
		if r.Cost != 0 || r.Deviation != 0 {
			out.Results = append(out.Results, r)
		}
	}
	slices.SortFunc(out.Results, func(a, b schemas.ConstraintResult) int {
		return strings.Compare(a.ConstraintID, b.ConstraintID)
	})
	return &out
}

func TestRebuild(t *testing.T) {
	_, pool := setup(t)
	w := startWriter(t, pool, history.Config{})
	recs := []history.Record{record("a", day0, 12, 5), record("b", day0.Add(30*time.Hour), 0, 3)}
	recs[1].Result.Status, recs[1].Result.Error = schemas.StatusTimeout, "evaluation took over 10s"
	recs[1].Result.Revision = nil
	recs[1].Result.Structure, recs[1].Result.Changes = nil, nil
	for _, rec := range recs {
		if err := commit(t, w, rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, rec := range recs {
		got, err := history.Rebuild(context.Background(), pool, rec.Result.RequestID, "")
		if err != nil {
			t.Fatal(err)
		}
		want := violatedPart(rec.Result)
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			t.Errorf("Rebuild(%s):\n got %s\nwant %s", rec.Result.RequestID, g, wj)
		}
	}
	if _, err := history.Rebuild(context.Background(), pool, "nope", ""); !errors.Is(err, history.ErrNotFound) {
		t.Errorf("Rebuild of an unknown request: %v", err)
	}
}

// TestRedelivery: the same record, again, concurrently and within one
// batch, writes nothing twice.
func TestRedelivery(t *testing.T) {
	_, pool := setup(t)
	t.Run("again", func(t *testing.T) {
		w := startWriter(t, pool, history.Config{})
		rec := record("again", day0, 3, 1)
		for range 3 {
			if err := commit(t, w, rec); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, pool, "request_id = 'again'"); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
		if n := w.RowsWritten.Load(); n != 1 {
			t.Errorf("RowsWritten = %d, want 1", n)
		}
	})
	t.Run("concurrently", func(t *testing.T) {
		w := startWriter(t, pool, history.Config{FlushInterval: time.Millisecond, BatchSize: 1})
		rec := record("conc", day0, 3, 1)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 16 {
			wg.Go(func() { errs <- commit(t, w, rec) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, pool, "request_id = 'conc'"); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
	})
	t.Run("same batch", func(t *testing.T) {
		// A batch fills at 2 rows (records) and never by time: both
		// copies go in the one statement.
		w := startWriter(t, pool, history.Config{FlushInterval: time.Hour, BatchSize: 2})
		rec := record("batch", day0, 3, 1)
		var chans []<-chan error
		for range 2 {
			ch, err := w.Submit(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			chans = append(chans, ch)
		}
		for _, ch := range chans {
			if err := await(t, ch); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, pool, "request_id = 'batch'"); n != 1 {
			t.Errorf("%d rows, want 1", n)
		}
		if b, n := w.Batches.Load(), w.RowsWritten.Load(); b != 1 || n != 1 {
			t.Errorf("%d batches, %d rows written; want 1 and 1", b, n)
		}
	})
}

// TestReplay: a replay writes its own rows, once.
func TestReplay(t *testing.T) {
	_, pool := setup(t)
	w := startWriter(t, pool, history.Config{})
	orig := record("r", day0, 2, 1)
	if err := commit(t, w, orig); err != nil {
		t.Fatal(err)
	}
	replay := record("r", day0, 4, 0)
	replay.Result.ReplayID = "replay-1"
	replay.Result.ConstraintSet = "sha256:def"
	for range 2 {
		if err := commit(t, w, replay); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, pool, "request_id = 'r' AND replay_id = '' AND jsonb_array_length(results) = 2"); n != 1 {
		t.Errorf("original: %d rows of 2 violated, want 1", n)
	}
	if n := count(t, pool, "request_id = 'r' AND replay_id = 'replay-1' AND jsonb_array_length(results) = 4"); n != 1 {
		t.Errorf("replay: %d rows of 4 violated, want 1", n)
	}
	got, err := history.Rebuild(context.Background(), pool, "r", "replay-1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, violatedPart(replay.Result)) {
		t.Errorf("rebuilt replay differs: %+v", got)
	}
}

func TestFlushBySize(t *testing.T) {
	_, pool := setup(t)
	// Never by time: only a full batch flushes.
	w := startWriter(t, pool, history.Config{FlushInterval: time.Hour, BatchSize: 2})
	var chans []<-chan error
	for i := range 2 {
		ch, err := w.Submit(context.Background(), record(fmt.Sprint("size", i), day0, 4, 0))
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	for _, ch := range chans {
		if err := await(t, ch); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, pool, "true"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
}

func TestFlushByInterval(t *testing.T) {
	_, pool := setup(t)
	// Never by size: only the interval flushes.
	w := startWriter(t, pool, history.Config{FlushInterval: 20 * time.Millisecond, BatchSize: 1 << 20})
	for i := range 3 {
		if err := commit(t, w, record(fmt.Sprint("tick", i), day0, 1, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, pool, "true"); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
}

// TestBackpressure: with the queue full, Submit blocks until its context
// ends; queued records are written once the writer runs.
func TestBackpressure(t *testing.T) {
	_, pool := setup(t)
	w, err := history.NewWriter(pool, history.Config{QueueSize: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := w.Submit(context.Background(), record("q1", day0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := w.Submit(ctx, record("q2", day0, 1, 0)); !isUnavailable(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Submit on a full queue: %v", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	if err := await(t, first); err != nil {
		t.Fatal(err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestShutdownFlushes: records queued when Run's context ends are
// written before Run returns; Submit then says ErrClosed.
func TestShutdownFlushes(t *testing.T) {
	_, pool := setup(t)
	w, err := history.NewWriter(pool, history.Config{FlushInterval: time.Hour}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var chans []<-chan error
	for i := range 20 {
		ch, err := w.Submit(context.Background(), record(fmt.Sprint("s", i), day0, 2, 0))
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, ch := range chans {
		if err := await(t, ch); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, pool, "constraint_id = ''"); n != 20 {
		t.Errorf("%d summaries, want 20", n)
	}
	if _, err := w.Submit(context.Background(), record("late", day0, 1, 0)); !errors.Is(err, history.ErrClosed) {
		t.Errorf("Submit after Run: %v", err)
	}
}

// TestOutage: while Postgres is cut off, records fail with
// ErrUnavailable and the writer is unhealthy; once it is back, the same
// records succeed and each request has exactly one summary.
func TestOutage(t *testing.T) {
	dsn, pool := setup(t)
	px := tcpproxy.New(t, upstream(t, dsn))
	viaPool := newPool(t, viaProxy(t, dsn, px.Addr()))
	w := startWriter(t, viaPool, history.Config{FlushInterval: 5 * time.Millisecond, Timeout: 2 * time.Second})

	now := time.Now()
	var recs []history.Record
	for i := range 30 {
		recs = append(recs, record(fmt.Sprint("o", i), now.Add(time.Duration(i)*time.Second), 2, 1))
	}
	// Some are written before the outage.
	for _, rec := range recs[:10] {
		if err := commit(t, w, rec); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := w.Healthy(); !ok {
		t.Fatal("unhealthy before the outage")
	}

	px.Cut()
	var chans []<-chan error
	for _, rec := range recs[10:] {
		ch, err := w.Submit(context.Background(), rec)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	for i, ch := range chans {
		if err := await(t, ch); !isUnavailable(err) {
			t.Fatalf("record %d during the outage: %v, want ErrUnavailable", i+10, err)
		}
	}
	if ok, why := w.Healthy(); ok || why == "" {
		t.Errorf("Healthy() = %v, %q during the outage", ok, why)
	}

	px.Restore()
	// As the consumer would after a nak: submit them all again, until
	// each is committed.
	for _, rec := range recs {
		deadline := time.Now().Add(wait)
		for {
			err := commit(t, w, rec)
			if err == nil {
				break
			}
			if !isUnavailable(err) || time.Now().After(deadline) {
				t.Fatalf("%s after the outage: %v", rec.Result.RequestID, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	eventually(t, "healthy again", func() bool { ok, _ := w.Healthy(); return ok })
	rows, err := pool.Query(context.Background(), `SELECT request_id, count(*) FILTER (WHERE constraint_id = ''),
		count(*) FROM evaluation_history GROUP BY request_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var id string
		var summaries, all int
		if err := rows.Scan(&id, &summaries, &all); err != nil {
			t.Fatal(err)
		}
		seen++
		if summaries != 1 || all != 1 {
			t.Errorf("%s: %d summaries, %d rows; want 1 and 1", id, summaries, all)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(recs) {
		t.Errorf("%d requests written, want %d", seen, len(recs))
	}
}

// TestBadRecordAlone: a record Postgres refuses (a NUL in jsonb) fails
// alone with ErrInvalidRecord; the rest of its batch is written.
func TestBadRecordAlone(t *testing.T) {
	_, pool := setup(t)
	w := startWriter(t, pool, history.Config{FlushInterval: time.Hour, BatchSize: 3})
	good1, good2, bad := record("g1", day0, 2, 0), record("g2", day0, 2, 0), record("bad", day0, 2, 0)
	bad.Result.Results[0].Violations[0].Message = "nul \x00 here"
	var chans []<-chan error
	for _, rec := range []history.Record{good1, bad, good2} {
		ch, err := w.Submit(context.Background(), rec)
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	for i, ch := range chans {
		err := await(t, ch)
		if (i == 1) != errors.Is(err, history.ErrInvalidRecord) || (i != 1 && err != nil) {
			t.Errorf("record %d: %v", i, err)
		}
	}
	if n := count(t, pool, "true"); n != 2 {
		t.Errorf("%d rows, want 2", n)
	}
	if ok, why := w.Healthy(); !ok {
		t.Errorf("unhealthy after a refused record: %s", why)
	}
}

// TestRedeliveryEvaluatedDifferently: a redelivery that evaluated
// differently (other constraints violated, other totals) under the same
// key writes nothing: the record stays exactly the first attempt's, never
// a mix of the two. Sequentially, and with both copies in one batch.
func TestRedeliveryEvaluatedDifferently(t *testing.T) {
	_, pool := setup(t)
	second := func(id string) history.Record {
		rec := record(id, day0, 5, 0)
		rec.Result.Totals.Objective = 99_000_000
		rec.Result.Changes = nil
		return rec
	}
	check := func(t *testing.T, first history.Record) {
		t.Helper()
		got, err := history.Rebuild(context.Background(), pool, first.Result.RequestID, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := violatedPart(first.Result); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			t.Errorf("Rebuild mixes the attempts:\n got %s\nwant %s", g, wj)
		}
		if n := count(t, pool, "request_id = $1", first.Result.RequestID); n != 1 {
			t.Errorf("%d rows, want the first attempt's 1", n)
		}
	}
	t.Run("sequentially", func(t *testing.T) {
		w := startWriter(t, pool, history.Config{})
		first := record("differs", day0, 2, 1)
		for _, rec := range []history.Record{first, second("differs")} {
			if err := commit(t, w, rec); err != nil {
				t.Fatal(err)
			}
		}
		check(t, first)
	})
	t.Run("same batch", func(t *testing.T) {
		w := startWriter(t, pool, history.Config{FlushInterval: time.Hour, BatchSize: 2})
		first := record("differs-batch", day0, 2, 1)
		var chans []<-chan error
		for _, rec := range []history.Record{first, second("differs-batch")} {
			ch, err := w.Submit(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			chans = append(chans, ch)
		}
		for _, ch := range chans {
			if err := await(t, ch); err != nil {
				t.Fatal(err)
			}
		}
		check(t, first)
	})
	t.Run("concurrently", func(t *testing.T) {
		// Eight attempts that each evaluated differently, in batches
		// flushed two at a time: exactly one of them is kept, whole.
		w := startWriter(t, pool, history.Config{FlushInterval: time.Millisecond, BatchSize: 1})
		var attempts []history.Record
		for k := 1; k <= 8; k++ {
			// Each violates a constraint of its own: any mix shows.
			rec := record("differs-conc", day0, 1, 0)
			rec.Result.Results[0].ConstraintID = fmt.Sprintf("x%d", k)
			rec.Result.Totals.Objective = schemas.FixedInt(int64(k))
			attempts = append(attempts, rec)
		}
		var wg sync.WaitGroup
		errs := make(chan error, len(attempts))
		for _, rec := range attempts {
			wg.Go(func() { errs <- commit(t, w, rec) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		got, err := history.Rebuild(context.Background(), pool, "differs-conc", "")
		if err != nil {
			t.Fatal(err)
		}
		k := int(got.Totals.Objective / schemas.FixedInt(1))
		if k < 1 || k > len(attempts) || !reflect.DeepEqual(got, violatedPart(attempts[k-1].Result)) {
			g, _ := json.Marshal(got)
			t.Fatalf("Rebuild is none of the attempts: %s", g)
		}
		if n := count(t, pool, "request_id = 'differs-conc'"); n != 1 {
			t.Errorf("%d rows, want attempt %d's 1", n, k)
		}
	})
}

// TestSubmitOutOfWindow: a request time too far in the future, or from
// before the retention, is refused before it reaches Postgres, so no
// partition is ever made for it (one spoofed header once made
// evaluation_history_p29990101, which retention never drops).
func TestSubmitOutOfWindow(t *testing.T) {
	_, pool := setup(t)
	retention := 72 * time.Hour
	w := startWriter(t, pool, history.Config{Retention: retention})
	now := time.Now()
	for name, ts := range map[string]time.Time{
		"year 2999":        time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC),
		"two days ahead":   now.Add(49 * time.Hour),
		"before retention": now.Add(-retention - 49*time.Hour),
		"year 1970":        time.Unix(1, 0),
	} {
		_, err := w.Submit(context.Background(), record("far-"+name, ts, 1, 0))
		if !errors.Is(err, history.ErrInvalidRecord) || !strings.Contains(err.Error(), "request time") {
			t.Errorf("%s: Submit = %v, want ErrInvalidRecord naming the request time", name, err)
		}
		if n := count(t, pool, "true"); n != 0 {
			t.Fatalf("%s: %d rows written", name, n)
		}
		var exists bool
		if err := pool.QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`,
			history.PartitionName(ts)).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		// Upkeep makes the partitions of the week ahead anyway.
		if exists && (ts.After(now.Add(8*24*time.Hour)) || ts.Before(now.Add(-retention))) {
			t.Errorf("%s: partition %s was created", name, history.PartitionName(ts))
		}
	}
	// Within a day either side of the window is fine: clocks differ.
	for i, ts := range []time.Time{now.Add(20 * time.Hour), now.Add(-retention - 20*time.Hour)} {
		if err := commit(t, w, record(fmt.Sprint("near", i), ts, 1, 0)); err != nil {
			t.Errorf("%s: %v", ts, err)
		}
	}
}

// TestRebuildAcrossLayouts: records written before migration 00004 (a
// row per violated constraint) stay readable. Rolling 00004 back turns
// the compact records into that layout, losing nothing; migrating up
// again leaves them so, and Rebuild gives back the same results.
func TestRebuildAcrossLayouts(t *testing.T) {
	dsn, pool := setup(t)
	w := startWriter(t, pool, history.Config{})
	recs := []history.Record{record("layout-a", day0, 12, 5), record("layout-b", day0.Add(time.Hour), 0, 3)}
	recs[1].Result.Status, recs[1].Result.Error = schemas.StatusTimeout, "evaluation took over 10s"
	for _, rec := range recs {
		if err := commit(t, w, rec); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	db, err := migrations.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if down, err := migrations.Down(ctx, db); err != nil || len(down) != 1 || !strings.Contains(down[0], "00004") {
		t.Fatalf("down: %v %v", down, err)
	}
	if n := count(t, pool, "request_id = 'layout-a'"); n != 13 {
		t.Errorf("after rolling back: %d rows of layout-a, want a summary and 12 violated", n)
	}
	if _, err := migrations.Up(ctx, db); err != nil {
		t.Fatal(err)
	}
	pool.Reset() // the column set changed under cached statements
	for _, rec := range recs {
		got, err := history.Rebuild(ctx, pool, rec.Result.RequestID, "")
		if err != nil {
			t.Fatal(err)
		}
		if want := violatedPart(rec.Result); !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			t.Errorf("Rebuild(%s) of the row-per-constraint layout:\n got %s\nwant %s", rec.Result.RequestID, g, wj)
		}
	}
}
