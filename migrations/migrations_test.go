package migrations_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/migrations"
)

func TestUpDownStatus(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	db, err := migrations.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	applied, err := migrations.Up(ctx, db)
	if err != nil || len(applied) != 4 {
		t.Fatalf("up: %v %v", applied, err)
	}
	if again, err := migrations.Up(ctx, db); err != nil || len(again) != 0 {
		t.Fatalf("second up: %v %v", again, err)
	}
	var buf bytes.Buffer
	if err := migrations.Status(ctx, db, &buf); err != nil {
		t.Fatal(err)
	}
	if strings.Count(buf.String(), "applied") != 4 {
		t.Errorf("status:\n%s", buf.String())
	}
	// The history table is partitioned: its primary key holds the
	// partition key.
	var kind string
	if err := db.QueryRowContext(ctx, `SELECT c.relkind::text FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relname = 'evaluation_history' AND n.nspname = current_schema()`).Scan(&kind); err != nil || kind != "p" {
		t.Errorf("evaluation_history relkind %q, %v", kind, err)
	}
	down, err := migrations.Down(ctx, db)
	if err != nil || len(down) != 1 {
		t.Fatalf("down: %v %v", down, err)
	}
	buf.Reset()
	_ = migrations.Status(ctx, db, &buf)
	if strings.Count(buf.String(), "pending") != 1 {
		t.Errorf("status after down:\n%s", buf.String())
	}
}

// TestConcurrentUp: instances starting together migrate once.
func TestConcurrentUp(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	ctx := context.Background()
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			db, err := migrations.Open(ctx, dsn)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			_, err = migrations.Up(ctx, db)
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
