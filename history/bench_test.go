package history

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/schemas"
)

const (
	benchRecords    = 4000 // one row each, holding 4 violated constraints
	benchViolated   = 4
	benchSubmitters = 8
)

// benchPool returns a pool on a fresh migrated schema whose partition for
// ts exists.
func benchPool(b *testing.B, ts time.Time) *pgxpool.Pool {
	b.Helper()
	dsn := pgtest.Migrated(b)
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	if err := EnsurePartitions(ctx, pool, ts, ts); err != nil {
		b.Fatal(err)
	}
	return pool
}

func benchRecordSet(ts time.Time) []Record {
	recs := make([]Record, benchRecords)
	for i := range recs {
		res := &schemas.Result{
			RequestID: fmt.Sprintf("req-%06d", i), ScheduleID: "mbb-2025", Sport: "mbb",
			Status: schemas.StatusOK, ConstraintSet: "sha256:0123456789abcdef",
			Totals:      schemas.Totals{Objective: 12_500_000, SoftViolated: benchViolated, Evaluated: 57, SoftSatisfiedPct: 93},
			EvaluatedAt: ts.Format(time.RFC3339Nano), DurationUS: 180,
		}
		versions := map[string]int{}
		for c := range benchViolated {
			id := fmt.Sprintf("c%02d", c)
			versions[id] = 3
			res.Results = append(res.Results, schemas.ConstraintResult{
				ConstraintID: id, Version: 3, Kind: "max_home_stand", Deviation: 2, Cost: 1_400_000,
				Violations: []schemas.Violation{{Games: []string{"g014", "g022"}, Teams: []string{"t3"},
					Slots: []int{4, 5}, Message: "three home games in a row"}},
			})
		}
		vj, err := json.Marshal(versions)
		if err != nil {
			panic(err)
		}
		recs[i] = Record{RequestTS: ts.Add(time.Duration(i) * time.Microsecond), StreamSeq: uint64(i + 1), Result: res, Versions: vj}
	}
	return recs
}

// BenchmarkWriter writes the same 4,000 records (one row each, with 4
// violated constraints) into a fresh copy of the indexed, partitioned
// table three ways, and reports each one's rows/s: the
// Writer (unnest, as shipped), the Writer with COPY through a temporary
// table, and one raw pgx CopyFrom, the ceiling. writer_requests/s is
// the Writer's records (requests) per second.
func BenchmarkWriter(b *testing.B) {
	ts := time.Now().UTC().Truncate(time.Hour)
	recs := benchRecordSet(ts)
	var all rowSet
	for _, r := range recs {
		rs, err := buildRows(r)
		if err != nil {
			b.Fatal(err)
		}
		all.appendSet(rs)
	}
	rows := float64(all.len())
	var tWriter, tCopyTmp, tRaw time.Duration
	for range b.N {
		tRaw += timeRawCopy(b, ts, &all)
		tWriter += timeWriter(b, ts, recs, insert)
		tCopyTmp += timeWriter(b, ts, recs, insertCopy)
	}
	n := float64(b.N)
	b.ReportMetric(rows*n/tWriter.Seconds(), "writer_rows/s")
	b.ReportMetric(float64(len(recs))*n/tWriter.Seconds(), "writer_requests/s")
	b.ReportMetric(rows*n/tCopyTmp.Seconds(), "writer_copytmp_rows/s")
	b.ReportMetric(rows*n/tRaw.Seconds(), "rawcopy_rows/s")
	b.ReportMetric(tRaw.Seconds()/tWriter.Seconds(), "writer/rawcopy")
}

func timeRawCopy(b *testing.B, ts time.Time, all *rowSet) time.Duration {
	pool := benchPool(b, ts)
	start := time.Now()
	i := 0
	n, err := pool.CopyFrom(context.Background(), pgx.Identifier{table}, columns,
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == all.len() {
				return nil, nil
			}
			i++
			return all.row(i - 1), nil
		}))
	d := time.Since(start)
	if err != nil || n != int64(all.len()) {
		b.Fatalf("raw copy: %d rows, %v", n, err)
	}
	return d
}

func timeWriter(b *testing.B, ts time.Time, recs []Record,
	ins func(context.Context, *pgxpool.Pool, *rowSet) (int64, error)) time.Duration {
	pool := benchPool(b, ts)
	w, err := NewWriter(pool, Config{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	w.insert = ins
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		stop()
		<-done
	}()
	// Let the start-up partition upkeep finish before the clock starts.
	time.Sleep(100 * time.Millisecond)

	start := time.Now()
	var wg sync.WaitGroup
	per := len(recs) / benchSubmitters
	for g := range benchSubmitters {
		wg.Go(func() {
			chans := make([]<-chan error, 0, per)
			for _, r := range recs[g*per : (g+1)*per] {
				ch, err := w.Submit(ctx, r)
				if err != nil {
					b.Error(err)
					return
				}
				chans = append(chans, ch)
			}
			for _, ch := range chans {
				if err := <-ch; err != nil {
					b.Error(err)
				}
			}
		})
	}
	wg.Wait()
	d := time.Since(start)
	if got := w.RowsWritten.Load(); got != int64(len(recs)) {
		b.Fatalf("writer wrote %d rows", got)
	}
	return d
}
