package history

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// maintainEvery is how often the Writer keeps the partitions up.
	maintainEvery = time.Hour
	// maxInFlight is how many batches are written at once.
	maxInFlight = 2
)

// Writer writes records to evaluation_history in batches, one statement
// per batch. Submit queues a record; Run flushes.
type Writer struct {
	pool *pgxpool.Pool
	cfg  Config
	log  *slog.Logger

	queue chan *item

	mu      sync.Mutex // guards closed, running and senders.Add
	closed  bool
	running bool
	senders sync.WaitGroup // Submits between the closed check and their send

	daysMu sync.Mutex
	days   map[time.Time]bool // partitions known to exist

	setsMu sync.Mutex
	sets   map[string]bool // constraint_sets rows known to exist

	healthMu sync.Mutex
	healthy  bool
	lastErr  string

	lastFlush atomic.Int64 // unix nanoseconds of the last flush's end

	// insert writes a batch; the benchmark swaps in insertCopy.
	insert func(context.Context, *pgxpool.Pool, *rowSet) (int64, error)

	// Counters, for metrics.
	RowsWritten atomic.Int64 // rows inserted (a redelivered record's rows are not)
	Records     atomic.Int64 // records committed
	Batches     atomic.Int64 // batches committed
	Failures    atomic.Int64 // batches (or single records) that failed
}

// item is one queued record and where its outcome goes.
type item struct {
	rows *rowSet
	done chan error
}

// NewWriter returns a Writer on pool. It returns an error wrapping
// ErrInvalidConfig when cfg is out of range. A nil log discards.
func NewWriter(pool *pgxpool.Pool, cfg Config, log *slog.Logger) (*Writer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if pool == nil {
		return nil, fmt.Errorf("%w: no pool", ErrInvalidConfig)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	return &Writer{
		pool: pool, cfg: cfg, log: log,
		queue:   make(chan *item, cfg.QueueSize),
		days:    map[time.Time]bool{},
		sets:    map[string]bool{},
		healthy: true, lastErr: "no batch written yet",
		insert: insert,
	}, nil
}

// Submit queues rec and returns a channel that receives exactly one
// value: nil once rec's rows are committed, or an error wrapping
// ErrUnavailable when Postgres failed to take them (retry later: the
// rows' keys make a retry write nothing twice), or, rarely, an error
// wrapping ErrInvalidRecord when Postgres refused the record's own data
// (a NUL in a message, say): no retry will cure that, and the rest of
// its batch is written regardless.
//
// Submit blocks while the queue is full. If ctx ends first, it returns
// an error wrapping ErrUnavailable and ctx's error. It returns
// ErrInvalidRecord for a record that cannot be written (among them one
// whose request time is more than a day ahead of now, or more than
// Config.Retention and a day behind it), and ErrClosed
// once Run has ended.
func (w *Writer) Submit(ctx context.Context, rec Record) (<-chan error, error) {
	rows, err := buildRows(rec)
	if err != nil {
		return nil, err
	}
	if err := w.inWindow(rec.RequestTS, time.Now()); err != nil {
		return nil, err
	}
	it := &item{rows: rows, done: make(chan error, 1)}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, ErrClosed
	}
	w.senders.Add(1)
	w.mu.Unlock()
	defer w.senders.Done()
	select {
	case w.queue <- it:
		return it.done, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: queue full: %w", ErrUnavailable, ctx.Err())
	}
}

// clockSkew is how far a request time may lie outside the retention
// window: servers' clocks differ, and a request stored just before
// midnight may be written after upkeep has moved on.
const clockSkew = day

// inWindow refuses a request time outside [now - Retention - 1 day,
// now + 1 day] with ErrInvalidRecord. The JetStream timestamp of a
// request the stream still keeps is inside it (with HISTORY_RETENTION at
// least STREAM_MAX_AGE); one from outside came from somewhere else (a
// forged replay header, once) and would make a partition that retention
// never drops (evaluation_history_p29990101), or one it drops again
// within the hour.
func (w *Writer) inWindow(ts, now time.Time) error {
	from, to := now.Add(-w.cfg.Retention-clockSkew), now.Add(clockSkew)
	if ts.Before(from) || ts.After(to) {
		return fmt.Errorf("%w: request time %s is outside the history window [%s, %s] (HISTORY_RETENTION %s, plus a day either side)",
			ErrInvalidRecord, ts.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339),
			to.UTC().Format(time.RFC3339), w.cfg.Retention)
	}
	return nil
}

// Healthy reports whether Postgres takes the writer's rows: false with
// the last error from a failed flush or partition upkeep until a flush
// (or, while idle, a ping) succeeds again. It is true before the first
// flush.
func (w *Writer) Healthy() (bool, string) {
	w.healthMu.Lock()
	defer w.healthMu.Unlock()
	return w.healthy, w.lastErr
}

func (w *Writer) setHealth(err error) {
	w.healthMu.Lock()
	defer w.healthMu.Unlock()
	if err == nil {
		w.healthy, w.lastErr = true, ""
		return
	}
	w.healthy, w.lastErr = false, err.Error()
}

// Run flushes batches until ctx ends, and keeps the partitions up (at
// start, then every hour). Then it stops taking records, flushes those
// queued within Config.Timeout (records it could not write receive
// ErrUnavailable) and returns nil. Run may be called once.
func (w *Writer) Run(ctx context.Context) error {
	w.mu.Lock()
	if w.running || w.closed {
		w.mu.Unlock()
		return errors.New("history: Run called twice")
	}
	w.running = true
	w.mu.Unlock()

	var helpers sync.WaitGroup
	hctx, stopHelpers := context.WithCancel(ctx)
	helpers.Go(func() { w.maintain(hctx) })
	helpers.Go(func() { w.probe(hctx) })
	defer func() {
		stopHelpers()
		helpers.Wait()
	}()

	// Up to maxInFlight batches are written at once, each on its own
	// connection, so that Postgres works on one while the next fills.
	// A full house blocks the loop, and through the queue, Submit.
	var flushes sync.WaitGroup
	slots := make(chan struct{}, maxInFlight)
	var (
		pending []*item
		rows    int
		timer   = time.NewTimer(time.Hour)
	)
	timer.Stop()
	defer timer.Stop()
	flush := func() {
		items := pending
		pending, rows = make([]*item, 0, len(items)), 0
		slots <- struct{}{}
		flushes.Go(func() {
			defer func() { <-slots }()
			// A flush under way finishes even when ctx ends meanwhile.
			w.flush(context.WithoutCancel(ctx), items)
		})
	}
	for {
		if len(pending) == 0 {
			select {
			case it := <-w.queue:
				pending, rows = append(pending, it), it.rows.len()
				timer.Reset(w.cfg.FlushInterval)
			case <-ctx.Done():
				flushes.Wait()
				return w.shutdown(ctx)
			}
		} else {
			select {
			case it := <-w.queue:
				pending, rows = append(pending, it), rows+it.rows.len()
			case <-timer.C:
				flush()
				continue
			case <-ctx.Done():
				flush()
				flushes.Wait()
				return w.shutdown(ctx)
			}
		}
		if rows >= w.cfg.BatchSize {
			timer.Stop()
			flush()
		}
	}
}

// probe pings Postgres while the writer is unhealthy and idle, so that
// readiness comes back without waiting for the next record.
func (w *Writer) probe(ctx context.Context) {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(250*time.Millisecond),
		backoff.WithMaxInterval(5*time.Second),
		backoff.WithMaxElapsedTime(0))
	t := time.NewTimer(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		next := time.Second
		if ok, _ := w.Healthy(); !ok {
			next = b.NextBackOff()
			if time.Since(time.Unix(0, w.lastFlush.Load())) > next {
				pctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
				err := w.pool.Ping(pctx)
				cancel()
				if err == nil {
					w.setHealth(nil)
				}
			}
		} else {
			b.Reset()
		}
		t.Reset(next)
	}
}

// shutdown stops Submit, then flushes what is queued, or was being
// submitted, within Config.Timeout.
func (w *Writer) shutdown(ctx context.Context) error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	// Submits past the closed check end once their record is queued
	// (the loop below makes room) or their context ends.
	sendersDone := make(chan struct{})
	go func() {
		w.senders.Wait()
		close(sendersDone)
	}()
	// One deadline for the whole drain: records past it get
	// ErrUnavailable from their failed flush.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.Timeout)
	defer cancel()
	var pending []*item
	rows := 0
	for {
		select {
		case it := <-w.queue:
			pending, rows = append(pending, it), rows+it.rows.len()
			if rows < w.cfg.BatchSize {
				continue
			}
		case <-sendersDone:
			// Nothing can be added any more: drain and finish.
			for len(w.queue) > 0 {
				pending = append(pending, <-w.queue)
			}
			w.flush(dctx, pending)
			return nil
		}
		w.flush(dctx, pending)
		pending, rows = pending[:0], 0
	}
}

// maintain runs partition upkeep now and every hour until ctx ends.
func (w *Writer) maintain(ctx context.Context) {
	t := time.NewTicker(maintainEvery)
	defer t.Stop()
	for {
		mctx, cancel := context.WithTimeout(ctx, 4*w.cfg.Timeout)
		dropped, err := Maintain(mctx, w.pool, w.cfg.Retention, time.Now())
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			w.log.Warn("history: partition upkeep failed", "error", err)
			w.setHealth(fmt.Errorf("partition upkeep: %w", err))
		default:
			w.forgetDays()
			if len(dropped) > 0 {
				w.log.Info("history: dropped old partitions", "partitions", dropped)
			}
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return
		}
	}
}

// forgetDays empties the cache of known partitions, so that the next
// batch checks again (after a drop, or a row with no partition).
func (w *Writer) forgetDays() {
	w.daysMu.Lock()
	clear(w.days)
	w.daysMu.Unlock()
}

// flush writes items in one statement, within Config.Timeout and ctx,
// and tells each its outcome.
func (w *Writer) flush(ctx context.Context, items []*item) {
	if len(items) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	// The same keys in the same order in every batch: two batches
	// holding the same records (a redelivery racing its original) then
	// wait on each other instead of deadlocking.
	slices.SortStableFunc(items, func(a, b *item) int { return compareKeys(a.rows, b.rows) })
	// Two copies of one record in a batch (a redelivery racing its
	// original, perhaps evaluated differently) go in once, the first
	// submitted, rather than whichever unnest offers Postgres first. The
	// other copies get the same outcome.
	b := &rowSet{}
	for i, it := range items {
		if i > 0 && sameKey(items[i-1].rows, it.rows) {
			continue
		}
		b.appendSet(it.rows)
	}
	err := w.write(ctx, b)
	if isDataError(err) && len(items) > 1 {
		// One bad record must not hold back the rest: write them one
		// by one, so that only it fails.
		w.log.Warn("history: batch rejected, writing its records one by one", "error", err)
		for _, it := range items {
			w.finish([]*item{it}, w.write(ctx, it.rows))
		}
		return
	}
	w.finish(items, err)
}

// compareKeys orders records by their key (request_ts, request_id,
// replay_id).
func compareKeys(a, b *rowSet) int {
	return cmp.Or(a.ts[0].Compare(b.ts[0]),
		cmp.Compare(a.requestID[0], b.requestID[0]),
		cmp.Compare(a.replayID[0], b.replayID[0]))
}

func sameKey(a, b *rowSet) bool { return compareKeys(a, b) == 0 }

// finish counts and reports a write's outcome to its items.
func (w *Writer) finish(items []*item, err error) {
	w.lastFlush.Store(time.Now().UnixNano())
	if err == nil || isDataError(err) {
		// Postgres answered.
		w.setHealth(nil)
	} else {
		w.setHealth(err)
	}
	if err != nil {
		w.Failures.Add(1)
		w.log.Warn("history: batch failed", "records", len(items), "error", err)
		if isDataError(err) {
			err = fmt.Errorf("%w: %w", ErrInvalidRecord, err)
		} else {
			err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		for _, it := range items {
			it.done <- err
		}
		return
	}
	w.Batches.Add(1)
	w.Records.Add(int64(len(items)))
	for _, it := range items {
		it.done <- nil
	}
}

// write ensures the partitions of b's days, then inserts b. A row with
// no partition (dropped behind the cache's back) empties the cache and
// the write is tried once more.
func (w *Writer) write(ctx context.Context, b *rowSet) error {
	if err := w.ensureSets(ctx, b); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		if err := w.ensureDays(ctx, b); err != nil {
			return err
		}
		n, err := w.insert(ctx, w.pool, b)
		w.RowsWritten.Add(n)
		var pe *pgconn.PgError
		if attempt == 0 && errors.As(err, &pe) && pe.Code == "23514" {
			w.forgetDays()
			continue
		}
		return err
	}
}

// ensureDays creates the partitions of b's days not known to exist.
func (w *Writer) ensureDays(ctx context.Context, b *rowSet) error {
	var missing []time.Time
	w.daysMu.Lock()
	for _, ts := range b.ts {
		if d := utcDay(ts); !w.days[d] && !slices.Contains(missing, d) {
			missing = append(missing, d)
		}
	}
	w.daysMu.Unlock()
	for _, d := range missing {
		if err := ensureDay(ctx, w.pool, d); err != nil {
			return err
		}
		w.daysMu.Lock()
		w.days[d] = true
		w.daysMu.Unlock()
	}
	return nil
}

// maxKnownSets bounds the writer's memory of sets already written; past
// it the memory starts again (a set written twice is a no-op).
const maxKnownSets = 10_000

// ensureSets writes the constraint_sets rows of b's sets not known to
// exist: nearly always none, since a set is written the first time a
// record names it.
func (w *Writer) ensureSets(ctx context.Context, b *rowSet) error {
	var ids, sports, versions []string
	w.setsMu.Lock()
	for _, st := range b.sets {
		if !w.sets[st.id] && !slices.Contains(ids, st.id) {
			ids, sports, versions = append(ids, st.id), append(sports, st.sport), append(versions, string(st.versions))
		}
	}
	w.setsMu.Unlock()
	if len(ids) == 0 {
		return nil
	}
	if _, err := w.pool.Exec(ctx, `INSERT INTO constraint_sets (id, sport, versions)
		SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT DO NOTHING`,
		ids, sports, versions); err != nil {
		return err
	}
	w.setsMu.Lock()
	if len(w.sets)+len(ids) > maxKnownSets {
		clear(w.sets)
	}
	for _, id := range ids {
		w.sets[id] = true
	}
	w.setsMu.Unlock()
	return nil
}

// insertSQL writes a batch in one statement: every column as an array,
// zipped by unnest. A record is one row, so ON CONFLICT DO NOTHING makes
// it idempotent as a whole: a redelivery, even one that evaluated
// differently, writes nothing next to the first attempt's record. A
// concurrent batch holding the same record waits on its key, then skips
// it.
const insertSQL = `INSERT INTO evaluation_history (request_ts, request_id, replay_id,
	schedule_id, sport, revision, status, constraint_set, detail, results, stream_seq, evaluated_at)
SELECT ts, rid, rep, sch, sp, rev, st, cs, det::jsonb, res::jsonb, seq, ev
FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[],
	$7::text[], $8::text[], $9::text[], $10::text[], $11::int8[], $12::timestamptz[])
	AS u(ts, rid, rep, sch, sp, rev, st, cs, det, res, seq, ev)
ON CONFLICT DO NOTHING`

func insert(ctx context.Context, db *pgxpool.Pool, b *rowSet) (int64, error) {
	tag, err := db.Exec(ctx, insertSQL, b.ts, b.requestID, b.replayID, b.schedule, b.sport,
		b.revision, b.status, b.set, b.detail, b.results, b.streamSeq, b.evaluatedAt)
	return tag.RowsAffected(), err
}

// insertCopy is the alternative BenchmarkWriter measures against insert:
// COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT DO
// NOTHING. It takes five round trips to insert's one.
func insertCopy(ctx context.Context, pool *pgxpool.Pool, b *rowSet) (n int64, err error) {
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE evaluation_history_load
			(LIKE evaluation_history INCLUDING DEFAULTS) ON COMMIT DROP`); err != nil {
			return err
		}
		i := 0
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"evaluation_history_load"}, columns,
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == b.len() {
					return nil, nil
				}
				i++
				return b.row(i - 1), nil
			})); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO evaluation_history SELECT * FROM evaluation_history_load
			ON CONFLICT DO NOTHING`)
		n = tag.RowsAffected()
		return err
	})
	return n, err
}

// isDataError reports whether err is Postgres refusing the data itself
// (SQLSTATE class 22), which no retry will cure.
func isDataError(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && len(pe.Code) == 5 && pe.Code[:2] == "22"
}
