package history_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flextime/flextime/history"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/schemas"
)

// wait is generous: tests poll, they never time.
const wait = 30 * time.Second

// setup gives the test its own migrated schema and returns its URL and a
// pool on it.
func setup(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	dsn := pgtest.Migrated(t)
	return dsn, newPool(t, dsn)
}

func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// viaProxy returns dsn with its host replaced by addr.
func viaProxy(t testing.TB, dsn, addr string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = addr
	return u.String()
}

// upstream is the host:port of dsn.
func upstream(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() == "" {
		return u.Hostname() + ":5432"
	}
	return u.Host
}

func testLogger() *slog.Logger {
	if os.Getenv("HISTORY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return nil
}

// startWriter runs a Writer until the test ends.
func startWriter(t testing.TB, pool *pgxpool.Pool, cfg history.Config) *history.Writer {
	t.Helper()
	w, err := history.NewWriter(pool, cfg, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return w
}

// commit submits rec and waits for its outcome.
func commit(t testing.TB, w *history.Writer, rec history.Record) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	ch, err := w.Submit(ctx, rec)
	if err != nil {
		return err
	}
	return await(t, ch)
}

func await(t testing.TB, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(wait):
		t.Fatal("no outcome within", wait)
		return nil
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t testing.TB, pool *pgxpool.Pool, where string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(),
		"SELECT count(*) FROM evaluation_history WHERE "+where, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// day0 is a request time three days ago: within the writer's retention,
// so its partition upkeep leaves the tests' rows alone.
var day0 = time.Now().UTC().Truncate(24 * time.Hour).Add(-72*time.Hour + 9*time.Hour + 30*time.Minute + 15*time.Second + 123456789)

// result is an evaluation of id with violated constraints c1..cViolated
// and satisfied ones s1..sSatisfied (as detail=all lists them).
func result(id string, violated, satisfied int) *schemas.Result {
	rev := int64(41)
	res := &schemas.Result{
		RequestID: id, Revision: &rev, ScheduleID: "mbb-2025", Sport: "mbb",
		Status: schemas.StatusOK, ConstraintSet: "sha256:abc",
		Totals: schemas.Totals{
			Infeasibility: schemas.FixedInt(1), Objective: 12_500_000,
			HardViolated: 1, SoftViolated: violated - 1, Evaluated: violated + satisfied,
			SoftSatisfiedPct: 94.7,
		},
		Structure:   []schemas.Violation{{Games: []string{"g1"}, Message: "plays twice in slot 3"}},
		Changes:     []schemas.Change{{ConstraintID: "c1", Before: 0, After: 1_400_000}},
		EvaluatedAt: "2024-03-10T09:30:15.987654321Z",
		DurationUS:  180,
	}
	for i := 1; i <= violated; i++ {
		r := schemas.ConstraintResult{
			ConstraintID: fmt.Sprintf("c%d", i), Version: i, Kind: "max_home_stand",
			Hard: i == 1, Deviation: int64(i), Cost: schemas.Fixed(700_000).MulInt(int64(i)),
			Violations: []schemas.Violation{{
				Games: []string{"g014", "g022"}, Teams: []string{"t1"}, Slots: []int{3, 4},
				Deviation: int64(i), Message: "three home games in a row",
			}},
		}
		if i%2 == 0 {
			r.Violations = append(r.Violations, schemas.Violation{Games: []string{"g7"}, Message: "again"})
		}
		res.Results = append(res.Results, r)
	}
	for i := 1; i <= satisfied; i++ {
		res.Results = append(res.Results, schemas.ConstraintResult{
			ConstraintID: fmt.Sprintf("s%d", i), Version: 1, Kind: "break_limit",
		})
	}
	return res
}

func record(id string, ts time.Time, violated, satisfied int) history.Record {
	res := result(id, violated, satisfied)
	versions := map[string]int{}
	for _, r := range res.Results {
		versions[r.ConstraintID] = r.Version
	}
	b, err := json.Marshal(versions)
	if err != nil {
		panic(err)
	}
	return history.Record{RequestTS: ts, StreamSeq: 7, Result: res, Versions: b}
}

func isUnavailable(err error) bool { return errors.Is(err, history.ErrUnavailable) }
