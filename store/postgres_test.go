package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/pgtest"
	"github.com/flextime/flextime/schemas"
)

// openStore returns a store on a fresh, migrated schema, and its URL.
func openStore(t *testing.T) (*Postgres, string) {
	t.Helper()
	dsn := pgtest.Migrated(t)
	p, err := OpenPostgres(context.Background(), dsn, 1, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p, dsn
}

func decode(t *testing.T, ndjson string) []schemas.Constraint {
	t.Helper()
	docs, err := schemas.DecodeConstraints([]byte(ndjson))
	if err != nil {
		t.Fatal(err)
	}
	return docs
}

// sameContent reports whether two documents hash alike.
func sameContent(a, b schemas.Constraint) bool {
	return evaluator.SetID([]schemas.Constraint{a}) == evaluator.SetID([]schemas.Constraint{b})
}

func mustApply(t *testing.T, p *Postgres, docs []schemas.Constraint, want ...string) []Applied {
	t.Helper()
	got, err := p.Apply(context.Background(), docs, ChangeApply)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range got {
		actions = append(actions, a.Action)
	}
	if !slices.Equal(actions, want) {
		t.Fatalf("actions %v, want %v (%+v)", actions, want, got)
	}
	return got
}

const road = `{"id":"road","sport":"mbb","kind":"games_count","hard":false,"penalty":0.7,"params":{"max":20},"metadata":{"tags":["home-away"],"by":"ops"}}`

func TestPostgresApplyVersions(t *testing.T) {
	p, _ := openStore(t)
	ctx := context.Background()

	got := mustApply(t, p, decode(t, road), ActionCreated)
	if got[0] != (Applied{Sport: "mbb", ID: "road", Version: 1, Action: ActionCreated}) {
		t.Fatalf("applied %+v", got[0])
	}
	// The same content, however written, is unchanged: key order,
	// spacing, an explicit active true, a version that differs.
	same := `{"sport":"mbb","id":"road","kind":"games_count","hard":false,"penalty":0.70,"active":true,"version":9,
		"params":{ "max" : 20 },"metadata":{"by":"ops","tags":["home-away"]}}`
	got = mustApply(t, p, decode(t, same), ActionUnchanged)
	if got[0].Version != 1 {
		t.Fatalf("unchanged has version %d", got[0].Version)
	}
	changed := strings.Replace(road, `"max":20`, `"max":18`, 1)
	got = mustApply(t, p, decode(t, changed), ActionUpdated)
	if got[0].Version != 2 {
		t.Fatalf("update has version %d, want 2", got[0].Version)
	}

	doc, versions, err := p.Get(ctx, "mbb", "road")
	if err != nil {
		t.Fatal(err)
	}
	want := decode(t, changed)[0]
	want.Version = 2
	if !sameContent(*doc, want) || doc.Version != 2 || string(doc.Params) != `{"max":18}` {
		t.Errorf("read back %+v, want %+v", doc, want)
	}
	if doc.Penalty.String() != "0.7" || string(doc.Metadata) != `{"by":"ops","tags":["home-away"]}` || doc.Active != nil {
		t.Errorf("read back penalty %s, metadata %s, active %v", doc.Penalty, doc.Metadata, doc.Active)
	}
	if len(versions) != 2 || versions[0].Version != 1 || versions[1].Version != 2 ||
		versions[0].Change != ChangeApply || versions[1].CreatedAt.Before(versions[0].CreatedAt) {
		t.Errorf("versions %+v", versions)
	}

	// A new document that gives a version keeps it.
	got = mustApply(t, p, decode(t, `{"id":"v5","sport":"mbb","kind":"games_count","hard":true,"version":5,"params":{"min":1}}`), ActionCreated)
	if got[0].Version != 5 {
		t.Errorf("new document with version 5 saved as %d", got[0].Version)
	}
}

func TestPostgresApplyInvalid(t *testing.T) {
	p, _ := openStore(t)
	ctx := context.Background()
	good := decode(t, road)[0]
	unknown := good
	unknown.ID, unknown.Kind = "bad", "no_such_kind"
	dup := good
	noSport := good
	noSport.Sport = ""
	for name, tc := range map[string]struct {
		docs []schemas.Constraint
		want string
	}{
		"unknown kind": {[]schemas.Constraint{good, unknown}, `constraint "bad" (1): kind: unknown kind "no_such_kind"`},
		"duplicate":    {[]schemas.Constraint{good, dup}, `constraint "road" (1): id: duplicate`},
		"no sport":     {[]schemas.Constraint{noSport}, `constraint "road" (0): sport: required`},
	} {
		_, err := p.Apply(ctx, tc.docs, ChangeApply)
		if !errors.Is(err, schemas.ErrInvalid) || errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalid naming %q", name, err, tc.want)
		}
	}
	if all, err := p.List(ctx, "", true); err != nil || len(all) != 0 {
		t.Errorf("a refused apply wrote %d documents (%v)", len(all), err)
	}
}

func TestPostgresDisableRollback(t *testing.T) {
	p, _ := openStore(t)
	ctx := context.Background()
	v1 := decode(t, road)
	mustApply(t, p, v1, ActionCreated)
	set1, err := p.ConstraintSet(ctx, "mbb")
	if err != nil || set1.Len() != 1 {
		t.Fatalf("set %+v, %v", set1, err)
	}
	mustApply(t, p, decode(t, strings.Replace(road, `0.7`, `2`, 1)), ActionUpdated)

	v, err := p.Disable(ctx, "mbb", "road")
	if err != nil || v != 3 {
		t.Fatalf("disable: version %d, %v; want 3", v, err)
	}
	if set, _ := p.ConstraintSet(ctx, "mbb"); set.Len() != 0 {
		t.Errorf("a disabled constraint is still in the set: %+v", set.Docs)
	}
	if active, _ := p.List(ctx, "mbb", false); len(active) != 0 {
		t.Errorf("List without all shows %d documents", len(active))
	}
	all, _ := p.List(ctx, "mbb", true)
	if len(all) != 1 || all[0].IsActive() || all[0].Version != 3 {
		t.Errorf("List all: %+v", all)
	}
	if v, err := p.Disable(ctx, "", "road"); err != nil || v != 3 {
		t.Errorf("disabling again: version %d, %v; want 3 and nothing new", v, err)
	}

	v, err = p.Rollback(ctx, "mbb", "road", 1)
	if err != nil || v != 4 {
		t.Fatalf("rollback: version %d, %v; want 4", v, err)
	}
	doc, versions, err := p.Get(ctx, "mbb", "road")
	if err != nil {
		t.Fatal(err)
	}
	old := v1[0]
	old.Version = 4
	if !sameContent(*doc, old) || doc.Version != 4 || !doc.IsActive() {
		t.Errorf("rolled back to %+v, want version 1's content", doc)
	}
	var changes []string
	for _, vi := range versions {
		changes = append(changes, vi.Change)
	}
	if !slices.Equal(changes, []string{"apply", "apply", "disable", "rollback"}) {
		t.Errorf("changes %v", changes)
	}
	// The content is version 1's but the version is not, and the set id
	// hashes the whole document: it changes, as after any write.
	set4, _ := p.ConstraintSet(ctx, "mbb")
	if set4.Len() != 1 || set4.ID == set1.ID || set4.Versions()["road"] != 4 {
		t.Errorf("set after rollback %s (v1's %s), versions %v", set4.ID, set1.ID, set4.Versions())
	}
	// Enable and rollback to a disabled version.
	if v, err := p.Rollback(ctx, "mbb", "road", 3); err != nil || v != 5 {
		t.Fatalf("rollback to 3: %d, %v", v, err)
	}
	if v, err := p.Enable(ctx, "mbb", "road"); err != nil || v != 6 {
		t.Fatalf("enable: %d, %v", v, err)
	}

	_, err = p.Rollback(ctx, "mbb", "road", 99)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "version 99") {
		t.Errorf("rollback to 99: %v", err)
	}
	for name, err := range map[string]error{
		"disable": func() error { _, err := p.Disable(ctx, "mbb", "nope"); return err }(),
		"rollback": func() error {
			_, err := p.Rollback(ctx, "wbb", "road", 1)
			return err
		}(),
		"get": func() error { _, _, err := p.Get(ctx, "", "nope"); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrUnavailable) {
			t.Errorf("%s of an unknown constraint: %v", name, err)
		}
	}
}

func TestPostgresAmbiguous(t *testing.T) {
	p, _ := openStore(t)
	ctx := context.Background()
	mustApply(t, p, decode(t, `{"id":"x","sport":"wbb","kind":"games_count","hard":true,"params":{"min":1}}
{"id":"only","sport":"wbb","kind":"games_count","hard":true,"params":{"min":1}}`), ActionCreated, ActionCreated)
	mustApply(t, p, decode(t, `{"id":"x","sport":"mbb","kind":"games_count","hard":true,"params":{"min":2}}`), ActionCreated)

	for name, f := range map[string]func() error{
		"get":      func() error { _, _, err := p.Get(ctx, "", "x"); return err },
		"disable":  func() error { _, err := p.Disable(ctx, "", "x"); return err },
		"rollback": func() error { _, err := p.Rollback(ctx, "", "x", 1); return err },
	} {
		err := f()
		if !errors.Is(err, ErrAmbiguous) || !strings.Contains(err.Error(), "mbb, wbb") {
			t.Errorf("%s: %v, want ErrAmbiguous listing mbb, wbb", name, err)
		}
	}
	doc, _, err := p.Get(ctx, "mbb", "x")
	if err != nil || string(doc.Params) != `{"min":2}` {
		t.Errorf("get mbb x: %+v, %v", doc, err)
	}
	if sp, err := p.Resolve(ctx, "", "only"); err != nil || sp != "wbb" {
		t.Errorf("resolve only: %q, %v", sp, err)
	}
	if v, err := p.Disable(ctx, "", "only"); err != nil || v != 2 {
		t.Errorf("disable only: %d, %v", v, err)
	}
	if all, _ := p.List(ctx, "", true); len(all) != 3 || all[0].Sport != "mbb" {
		t.Errorf("list of every sport: %+v", all)
	}
}

func TestPostgresConstraintSet(t *testing.T) {
	p, dsn := openStore(t)
	ctx := context.Background()
	docs := decode(t, twoDocs+road+"\n")
	if _, err := p.Apply(ctx, docs, ChangeImport); err != nil {
		t.Fatal(err)
	}
	for _, sp := range []string{"mbb", "wbb", "curling"} {
		got, err := p.ConstraintSet(ctx, sp)
		if err != nil {
			t.Fatal(err)
		}
		want := NewSet(sp, docs)
		if got.ID != want.ID || got.Len() != want.Len() {
			t.Errorf("%s: set %s with %d, want %s with %d", sp, got.ID, got.Len(), want.ID, want.Len())
		}
	}

	// Another writer (another process) changes mbb: this one keeps its
	// cached set until Reload.
	other, err := OpenPostgres(ctx, dsn, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	before, _ := p.ConstraintSet(ctx, "mbb")
	if _, err := other.Disable(ctx, "mbb", "road"); err != nil {
		t.Fatal(err)
	}
	if cached, _ := p.ConstraintSet(ctx, "mbb"); cached != before {
		t.Error("the cached set changed without Reload")
	}
	if err := p.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	after, _ := p.ConstraintSet(ctx, "mbb")
	if after.ID == before.ID || after.Len() != before.Len()-1 {
		t.Errorf("after Reload: %d constraints, id %s (before %s)", after.Len(), after.ID, before.ID)
	}
	if c, _ := p.ConstraintSet(ctx, "curling"); c == nil || c.Len() != 0 {
		t.Errorf("curling after Reload: %+v", c)
	}
	// Its own writes show at once.
	if _, err := p.Enable(ctx, "mbb", "road"); err != nil {
		t.Fatal(err)
	}
	if s, _ := p.ConstraintSet(ctx, "mbb"); s.Len() != before.Len() {
		t.Errorf("own write not seen: %d constraints", s.Len())
	}
}

func TestPostgresUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	closed := "postgres://flextime@127.0.0.1:1/test?sslmode=disable&connect_timeout=2"
	if _, err := OpenPostgres(ctx, closed, 1, 2); !errors.Is(err, ErrUnavailable) {
		t.Errorf("open on a closed port: %v, want ErrUnavailable", err)
	}

	// A pool whose server has gone: every read is an outage, never bad
	// input.
	pool, err := pgxpool.New(ctx, closed)
	if err != nil {
		t.Fatal(err)
	}
	gone := newPostgres(pool)
	defer gone.Close()
	_, err = gone.ConstraintSet(ctx, "mbb")
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, schemas.ErrInvalid) {
		t.Errorf("ConstraintSet: %v, want ErrUnavailable", err)
	}
	if err := gone.Reload(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Reload: %v", err)
	}
	if _, err := gone.Apply(ctx, decode(t, road), ChangeApply); !errors.Is(err, ErrUnavailable) || errors.Is(err, schemas.ErrInvalid) {
		t.Errorf("Apply: %v", err)
	}

	// A store that goes away keeps serving what it has cached; Reload
	// fails and leaves it in place.
	p, _ := openStore(t)
	mustApply(t, p, decode(t, road), ActionCreated)
	set, err := p.ConstraintSet(ctx, "mbb")
	if err != nil {
		t.Fatal(err)
	}
	p.Pool().Close()
	if err := p.Reload(ctx); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Reload on a closed pool: %v", err)
	}
	if s, err := p.ConstraintSet(ctx, "mbb"); err != nil || s != set {
		t.Errorf("cached set lost: %v", err)
	}
	if _, err := p.ConstraintSet(ctx, "wbb"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("uncached sport on a closed pool: %v", err)
	}
}

func TestPostgresNotMigrated(t *testing.T) {
	dsn, _ := pgtest.Schema(t)
	p, err := OpenPostgres(context.Background(), dsn, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	_, err = p.ConstraintSet(context.Background(), "mbb")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "flextime migrate up") {
		t.Errorf("unmigrated schema: %v", err)
	}
}

// The versions table holds each whole document, so a rollback needs
// nothing else.
func TestPostgresVersionDocument(t *testing.T) {
	p, _ := openStore(t)
	ctx := context.Background()
	mustApply(t, p, decode(t, road), ActionCreated)
	var raw []byte
	if err := p.Pool().QueryRow(ctx, `SELECT document FROM constraint_versions WHERE sport = 'mbb' AND id = 'road' AND version = 1`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var d schemas.Constraint
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	want := decode(t, road)[0]
	if !sameContent(d, want) {
		t.Errorf("saved document %s", raw)
	}
}

// TestPostgresRandomSportsStayBounded: a stream naming thousands of sports
// that do not exist leaves memory holding only the sports that do, and,
// once every sport has been read, costs no query at all.
func TestPostgresRandomSportsStayBounded(t *testing.T) {
	p, _ := openStore(t)
	ctx := context.Background()
	if _, err := p.Apply(ctx, decode(t, twoDocs+road+"\n"), ChangeImport); err != nil {
		t.Fatal(err)
	}
	for i := range 5000 {
		s, err := p.ConstraintSet(ctx, fmt.Sprintf("random-%d-%x", i, i*7919))
		if err != nil {
			t.Fatal(err)
		}
		if s.Len() != 0 {
			t.Fatalf("random sport %d has %d constraints", i, s.Len())
		}
	}
	if n := p.cachedSports(); n != 2 {
		t.Errorf("%d sports held in memory after 5,000 random ones, want the 2 that exist", n)
	}
	if s, err := p.ConstraintSet(ctx, "mbb"); err != nil || s.Len() == 0 {
		t.Fatalf("mbb: %v, %v", s, err)
	}
	// Memory answers unknown sports without Postgres: with the pool
	// closed, they still come back empty, and known ones as they were.
	p.Close()
	if s, err := p.ConstraintSet(ctx, "another-random-sport"); err != nil || s.Len() != 0 {
		t.Errorf("unknown sport with the pool closed: %v, %v", s, err)
	}
	if s, err := p.ConstraintSet(ctx, "mbb"); err != nil || s.Len() == 0 {
		t.Errorf("mbb with the pool closed: %v, %v", s, err)
	}
}
