package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flextime/flextime/consumer"
	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/migrations"
	"github.com/flextime/flextime/store"
)

// What serve does with DATABASE_URL: migrate, read constraints from the
// store (unless --constraints names a file), and write every evaluation
// to history through a batched writer.

func init() {
	settings = append(settings,
		setting{"HISTORY_BATCH_SIZE", "1000", "history rows per batched insert"},
		setting{"HISTORY_FLUSH_INTERVAL", "200ms", "longest a history row waits for its batch (ms or Go duration)"},
		setting{"HISTORY_RETENTION", "720h", "history partitions older than this are dropped (at least 48h)"},
	)
}

var historySettings = []string{"HISTORY_BATCH_SIZE", "HISTORY_FLUSH_INTERVAL", "HISTORY_RETENTION"}

// storeRefresh is how often serve re-reads the constraint store even
// without an announcement, so that an instance which missed one (it was
// disconnected from NATS at the time) catches up.
const storeRefresh = time.Minute

// historyInFlight is how many requests an instance with history holds
// between their result and their ack: with the default 200 ms flush
// interval, room for over 1,000 requests a second.
const historyInFlight = 256

// dbConn is how a command reaches Postgres: DATABASE_URL (empty when
// unset), the pool bounds and the deadline of each operation.
type dbConn struct {
	dsn              string
	poolMin, poolMax int
	timeout          time.Duration
}

// maxPool bounds DB_POOL_MAX, far above any real pool, so that it fits
// pgxpool's int32.
const maxPool = 1 << 16

func readDBConn(cfg *config) (dbConn, error) {
	c := dbConn{dsn: cfg.str("DATABASE_URL")}
	var err error
	if c.poolMin, err = cfg.int("DB_POOL_MIN", 0); err != nil {
		return c, err
	}
	if c.poolMax, err = cfg.int("DB_POOL_MAX", 1); err != nil {
		return c, err
	}
	switch {
	case c.poolMax > maxPool:
		return c, cfg.bad("DB_POOL_MAX", cfg.str("DB_POOL_MAX"), fmt.Sprintf("at most %d", maxPool))
	case c.poolMin > c.poolMax:
		return c, usagef("%s %d is more than %s %d", cfg.source("DB_POOL_MIN"), c.poolMin,
			cfg.source("DB_POOL_MAX"), c.poolMax)
	}
	c.timeout, err = cfg.duration("DB_TIMEOUT")
	return c, err
}

// context bounds ctx by DB_TIMEOUT (none when it is 0).
func (c dbConn) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, c.timeout)
}

// dbOptions are serve's Postgres settings; nil without DATABASE_URL.
type dbOptions struct {
	dbConn
	history history.Config
}

func readDBOptions(cfg *config) (*dbOptions, error) {
	conn, err := readDBConn(cfg)
	if err != nil || conn.dsn == "" {
		return nil, err
	}
	o := &dbOptions{dbConn: conn}
	h := &o.history
	if h.BatchSize, err = cfg.int("HISTORY_BATCH_SIZE", 1); err != nil {
		return nil, err
	}
	if h.FlushInterval, err = cfg.duration("HISTORY_FLUSH_INTERVAL"); err != nil {
		return nil, err
	}
	if h.FlushInterval == 0 {
		return nil, cfg.bad("HISTORY_FLUSH_INTERVAL", cfg.str("HISTORY_FLUSH_INTERVAL"), "a positive duration")
	}
	if h.Retention, err = cfg.duration("HISTORY_RETENTION"); err != nil {
		return nil, err
	}
	if o.timeout > 0 {
		h.Timeout = min(o.timeout, 10*time.Second)
	}
	if err := h.Validate(); err != nil {
		return nil, usagef("%v", errors.Unwrap(err))
	}
	return o, nil
}

// database is serve's Postgres side: the store and the history writer,
// on one pool.
type database struct {
	log    *slog.Logger
	store  *store.Postgres
	writer *history.Writer

	stop    context.CancelFunc
	stopped chan struct{}
}

// openDatabase connects, applies the migrations (under goose's advisory
// lock, so instances that start together migrate once), and starts the
// history writer. Postgres not answering at start is an error: the
// service has nowhere to put its history.
func openDatabase(ctx context.Context, log *slog.Logger, o *dbOptions, reg prometheus.Registerer) (*database, error) {
	ctx, cancel := o.context(ctx)
	defer cancel()
	sqlDB, err := migrations.Open(ctx, o.dsn)
	if err != nil {
		return nil, fmt.Errorf("connecting to Postgres at %s: %w", redactDSN(o.dsn), err)
	}
	applied, err := migrations.Up(ctx, sqlDB)
	sqlDB.Close()
	if err != nil {
		return nil, fmt.Errorf("migrating Postgres at %s: %w", redactDSN(o.dsn), err)
	}
	for _, m := range applied {
		log.Info("migration applied", "migration", m)
	}
	st, err := store.OpenPostgres(ctx, o.dsn, int32(o.poolMin), int32(o.poolMax))
	if err != nil {
		return nil, fmt.Errorf("connecting to Postgres at %s: %w", redactDSN(o.dsn), err)
	}
	w, err := history.NewWriter(st.Pool(), o.history, log)
	if err != nil {
		st.Close()
		return nil, usagef("%v", err)
	}
	// The writer outlives the start-up deadline.
	wctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	db := &database{log: log, store: st, writer: w, stop: stop, stopped: make(chan struct{})}
	go func() {
		defer close(db.stopped)
		if err := w.Run(wctx); err != nil {
			log.Error("history writer", "error", err)
		}
	}()
	newHistoryMetrics(reg, w)
	return db, nil
}

// close stops the writer, which flushes what it holds, then the pool.
// Call it once the consumer has stopped: its acks wait on the writer.
func (db *database) close() {
	db.stop()
	<-db.stopped
	db.store.Close()
}

// healthy is the "history" readiness check.
func (db *database) healthy() (bool, string) {
	ok, why := db.writer.Healthy()
	if !ok {
		return false, "Postgres does not take history rows: " + why
	}
	return true, ""
}

// constraintSource is where serve's constraints come from: the file of
// --constraints or the Postgres store.
type constraintSource interface {
	consumer.ConstraintSource
	// Reload reads the constraints again; on error the last good set
	// stays.
	Reload(ctx context.Context) error
	// Describe gives log attributes: what the source is and holds.
	Describe() []any
	// retry reports whether a failed Reload is worth retrying (an
	// outage) rather than waiting for the next change (a bad file).
	retry() bool
}

type fileSource struct{ *store.File }

func (f fileSource) Reload(context.Context) error { return f.File.Reload() }
func (f fileSource) retry() bool                  { return false }
func (f fileSource) Describe() []any {
	docs, sports := f.Summary()
	return []any{"constraints", f.Path(), "documents", docs, "sports", sports}
}

type storeSource struct{ *store.Postgres }

func (s storeSource) retry() bool { return true }
func (s storeSource) Describe() []any {
	return []any{"constraints", "postgres"}
}

// reloader re-reads the constraint source when asked (SIGHUP,
// flextime.constraints.changed) and, for the store, every storeRefresh.
// A store reload that fails is retried with a growing delay until it
// succeeds; meanwhile the "constraints" readiness check says why.
type reloader struct {
	src     constraintSource
	log     *slog.Logger
	timeout time.Duration
	kick    chan string
	reloads *prometheus.CounterVec

	mu      sync.Mutex
	lastErr error
}

// newReloader makes a reloader counting its reloads in reloads
// (serviceMetrics.Reloads).
func newReloader(src constraintSource, log *slog.Logger, timeout time.Duration, reloads *prometheus.CounterVec) *reloader {
	return &reloader{src: src, log: log, timeout: timeout, kick: make(chan string, 1), reloads: reloads}
}

// trigger asks for a reload; triggers that arrive while one is pending
// are merged.
func (r *reloader) trigger(why string) {
	select {
	case r.kick <- why:
	default:
	}
}

// ready is the "constraints" readiness check.
func (r *reloader) ready() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lastErr != nil && r.src.retry() {
		return false, "constraint reload failed, serving the last good set: " + r.lastErr.Error()
	}
	return true, ""
}

func (r *reloader) run(ctx context.Context) {
	var refresh <-chan time.Time
	if r.src.retry() {
		t := time.NewTicker(storeRefresh)
		defer t.Stop()
		refresh = t.C
	}
	b := backoff.NewExponentialBackOff(backoff.WithInitialInterval(250*time.Millisecond),
		backoff.WithMaxInterval(10*time.Second), backoff.WithMaxElapsedTime(0))
	var retry <-chan time.Time
	why := ""
	for {
		select {
		case <-ctx.Done():
			return
		case why = <-r.kick:
		case <-refresh:
			why = "refresh"
		case <-retry:
		}
		retry = nil
		err := r.reload(ctx, why)
		if err != nil && r.src.retry() && ctx.Err() == nil {
			retry = time.After(b.NextBackOff())
		} else {
			b.Reset()
		}
	}
}

func (r *reloader) reload(ctx context.Context, why string) error {
	if r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	err := r.src.Reload(ctx)
	r.mu.Lock()
	r.lastErr = err
	r.mu.Unlock()
	if err != nil {
		r.reloads.WithLabelValues("error").Inc()
		r.log.Error("constraint reload failed; keeping the last good set", "trigger", why, "error", err)
		return err
	}
	r.reloads.WithLabelValues("ok").Inc()
	if why != "refresh" {
		r.log.Info("constraints reloaded", append([]any{"trigger", why}, r.src.Describe()...)...)
	}
	return nil
}
