package history_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/flextime/flextime/history"
)

func date(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

func TestPartitionName(t *testing.T) {
	// A UTC day, whatever the zone the time is given in.
	ny := time.FixedZone("EST", -5*3600)
	for in, want := range map[time.Time]string{
		date(1):                                 "evaluation_history_p20240101",
		time.Date(2024, 1, 1, 23, 30, 0, 0, ny): "evaluation_history_p20240102",
		time.Date(2023, 12, 31, 23, 59, 59, 0, time.UTC): "evaluation_history_p20231231",
	} {
		if got := history.PartitionName(in); got != want {
			t.Errorf("PartitionName(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestEnsurePartitions(t *testing.T) {
	_, pool := setup(t)
	ctx := context.Background()
	from, to := date(1).Add(13*time.Hour), date(10).Add(time.Hour)
	// Many at once, then again: none fails, each day is made once.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- history.EnsurePartitions(ctx, pool, from, to) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent EnsurePartitions: %v", err)
		}
	}
	if err := history.EnsurePartitions(ctx, pool, from, to); err != nil {
		t.Fatalf("EnsurePartitions again: %v", err)
	}
	names, err := history.Partitions(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 10 || names[0] != "evaluation_history_p20240101" || names[9] != "evaluation_history_p20240110" {
		t.Fatalf("partitions %v", names)
	}
	// The bounds are whole UTC days.
	var bound string
	if err := pool.QueryRow(ctx, `SELECT pg_get_expr(relpartbound, oid) FROM pg_class
		WHERE relname = 'evaluation_history_p20240105'`).Scan(&bound); err != nil {
		t.Fatal(err)
	}
	if bound != "FOR VALUES FROM ('2024-01-05 00:00:00+00') TO ('2024-01-06 00:00:00+00')" {
		t.Errorf("bound %s", bound)
	}
}

func TestDropBefore(t *testing.T) {
	_, pool := setup(t)
	ctx := context.Background()
	w := startWriter(t, pool, history.Config{})
	// Days within the writer's retention, so that its own upkeep keeps
	// them; the partitions it makes for this week are later still.
	base := time.Now().UTC().Truncate(24 * time.Hour).Add(-20 * 24 * time.Hour)
	at := func(d int) time.Time { return base.Add(time.Duration(d) * 24 * time.Hour) }
	if err := history.EnsurePartitions(ctx, pool, at(1), at(10)); err != nil {
		t.Fatal(err)
	}
	for _, d := range []int{3, 7} {
		if err := commit(t, w, record(fmt.Sprint("d", d), at(d).Add(time.Hour), 1, 0)); err != nil {
			t.Fatal(err)
		}
	}
	dropped, err := history.DropBefore(ctx, pool, at(5))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{history.PartitionName(at(1)), history.PartitionName(at(2)),
		history.PartitionName(at(3)), history.PartitionName(at(4))}
	if !reflect.DeepEqual(dropped, want) {
		t.Errorf("dropped %v, want %v", dropped, want)
	}
	// Mid-day: the 5th's partition runs to the 6th, so it stays.
	if dropped, err := history.DropBefore(ctx, pool, at(5).Add(12*time.Hour)); err != nil || len(dropped) != 0 {
		t.Errorf("second DropBefore: %v %v", dropped, err)
	}
	if n := count(t, pool, "request_id = 'd3'"); n != 0 {
		t.Errorf("rows of a dropped day remain: %d", n)
	}
	if n := count(t, pool, "request_id = 'd7'"); n != 1 {
		t.Errorf("rows of a kept day: %d, want 1", n)
	}
	names, _ := history.Partitions(ctx, pool)
	if len(names) == 0 || names[0] != history.PartitionName(at(5)) {
		t.Errorf("left %v", names)
	}
	// A record for a dropped day (a late redelivery) makes its
	// partition again, though the writer believed it there.
	if err := commit(t, w, record("late", at(3).Add(2*time.Hour), 1, 0)); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, "request_id = 'late'"); n != 1 {
		t.Errorf("late record: %d rows", n)
	}
}

func TestMaintain(t *testing.T) {
	_, pool := setup(t)
	ctx := context.Background()
	now := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC)
	if err := history.EnsurePartitions(ctx, pool, now.Add(-10*24*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	dropped, err := history.Maintain(ctx, pool, 72*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	// Cutoff 2024-03-07 12:00: days up to the 6th have ended (from
	// 2024-02-29, ten days before now).
	if len(dropped) != 7 || dropped[0] != "evaluation_history_p20240229" || dropped[6] != "evaluation_history_p20240306" {
		t.Errorf("dropped %v", dropped)
	}
	names, err := history.Partitions(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 11 || names[0] != "evaluation_history_p20240307" || names[10] != "evaluation_history_p20240317" {
		t.Errorf("partitions %v", names)
	}
}
