package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

const twoDocs = `{"id":"a","sport":"mbb","kind":"games_count","hard":true,"params":{"min":1}}
{"id":"b","sport":"mbb","kind":"games_count","hard":false,"penalty":0.7,"params":{"max":20}}
{"id":"c","sport":"wbb","kind":"games_count","hard":true,"params":{"min":1}}
{"id":"d","sport":"mbb","kind":"games_count","hard":true,"active":false,"params":{"min":1}}
`

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFileSetsAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.ndjson")
	write(t, path, twoDocs)
	f, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mbb, _ := f.ConstraintSet(ctx, "mbb")
	if mbb.Len() != 2 || mbb.Docs[0].ID != "a" || mbb.Docs[1].ID != "b" || !strings.HasPrefix(mbb.ID, "sha256:") {
		t.Fatalf("mbb set %+v", mbb)
	}
	none, _ := f.ConstraintSet(ctx, "curling")
	if none.Len() != 0 {
		t.Errorf("curling set has %d", none.Len())
	}

	// A bad file on reload keeps the last good sets.
	write(t, path, `{"id":"a","sport":"mbb","kind":"no_such_kind","hard":true,"params":{}}`)
	err = f.Reload()
	if !errors.Is(err, schemas.ErrInvalid) || !strings.Contains(err.Error(), `constraint "a"`) || !strings.Contains(err.Error(), "no_such_kind") {
		t.Errorf("reload error %v", err)
	}
	if again, _ := f.ConstraintSet(ctx, "mbb"); again != mbb {
		t.Error("a failed reload replaced the set")
	}
	write(t, path, strings.Replace(twoDocs, `"max":20`, `"max":19`, 1))
	if err := f.Reload(); err != nil {
		t.Fatal(err)
	}
	changed, _ := f.ConstraintSet(ctx, "mbb")
	if changed.ID == mbb.ID {
		t.Error("a changed document kept the constraint_set id")
	}
	if wbb, _ := f.ConstraintSet(ctx, "wbb"); wbb.Len() != 1 {
		t.Errorf("wbb set %+v", wbb)
	}
}

func TestNarrow(t *testing.T) {
	docs, err := schemas.DecodeConstraints([]byte(twoDocs))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSet("mbb", docs)
	sub, err := s.Narrow([]string{"b"})
	if err != nil || sub.Len() != 1 || sub.ID == s.ID {
		t.Fatalf("Narrow = %+v, %v", sub, err)
	}
	if same, _ := s.Narrow(nil); same != s {
		t.Error("empty narrowing is not the set itself")
	}
	_, err = s.Narrow([]string{"a", "d"}) // d is inactive
	if !errors.Is(err, ErrUnknownConstraint) || !strings.Contains(err.Error(), "constraint_ids[1]") {
		t.Errorf("err = %v", err)
	}
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.ndjson")
	write(t, bad, `{"id":"x","sport":"mbb","kind":"games_count","hard":true,"params":{"min":-1}}`)
	_, err := OpenFile(bad)
	if !errors.Is(err, schemas.ErrInvalid) || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "params.min") {
		t.Errorf("err = %v", err)
	}
	if _, err := OpenFile(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v", err)
	}
}

// TestSetParamsValid: a set checks its documents' params once when it is
// built. A valid set lets Compile skip the check; a set with a bad param
// is compiled with it and refused exactly as before, naming the
// constraint and the field.
func TestSetParamsValid(t *testing.T) {
	good, err := schemas.DecodeConstraints([]byte(twoDocs))
	if err != nil {
		t.Fatal(err)
	}
	s := NewSet("mbb", good)
	if !s.ParamsValid() {
		t.Fatal("a set of valid documents is not marked valid")
	}
	if sub, err := s.Narrow([]string{"b"}); err != nil || !sub.ParamsValid() {
		t.Errorf("narrowed set: valid %v, err %v", sub.ParamsValid(), err)
	}
	// As a Postgres row written by another tool could hold it:
	// DecodeConstraints would refuse it.
	bad := append([]schemas.Constraint{}, good[0], good[1])
	bad[1].ID, bad[1].Params = "x", []byte(`{"min":-1}`)
	bs := NewSet("mbb", bad)
	if bs.ParamsValid() {
		t.Fatal("a set with params.min -1 is marked valid")
	}
	unknown := NewSet("mbb", []schemas.Constraint{{ID: "k", Sport: "mbb", Kind: "no_such_kind", Params: []byte(`{}`)}})
	if unknown.ParamsValid() {
		t.Error("a set with an unknown kind is marked valid")
	}
	sched := &schemas.Schedule{ID: "s", Sport: "mbb", Teams: []schemas.Team{{ID: "A"}, {ID: "B"}}, Slots: []schemas.Slot{{ID: 0}}}
	f, err := evaluator.NewFrame(sched)
	if err != nil {
		t.Fatal(err)
	}
	_, want := evaluator.Compile(f, bs.Docs, evaluator.CompileOptions{})
	_, got := evaluator.Compile(f, bs.Docs, evaluator.CompileOptions{ParamsValidated: bs.ParamsValid()})
	if want == nil || got == nil || got.Error() != want.Error() || !strings.Contains(got.Error(), `constraint "x": params.min`) {
		t.Errorf("bad set compiled: got %v, want %v naming constraint x and params.min", got, want)
	}
}
