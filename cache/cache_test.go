package cache

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/internal/redistest"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

type fixture struct {
	s   *schemas.Schedule
	set *store.Set
	m   *evaluator.Model
}

func sample(t *testing.T) *fixture {
	t.Helper()
	s, docs, err := big12.Documents("mbb")
	if err != nil {
		t.Fatal(err)
	}
	set := store.NewSet("mbb", docs)
	f, err := evaluator.NewFrame(s)
	if err != nil {
		t.Fatal(err)
	}
	m, err := evaluator.Compile(f, set.Docs, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s: s, set: set, m: m}
}

func (f *fixture) model() (*evaluator.Model, error) { return f.m, nil }

// moved returns a copy of s with two games' dates swapped.
func moved(s *schemas.Schedule, rng *rand.Rand) *schemas.Schedule {
	out := *s
	out.Games = slices.Clone(s.Games)
	a, b := rng.IntN(len(out.Games)), rng.IntN(len(out.Games))
	for a == b || *out.Games[a].Slot == *out.Games[b].Slot {
		a, b = rng.IntN(len(out.Games)), rng.IntN(len(out.Games))
	}
	out.Games[a].Slot, out.Games[b].Slot = out.Games[b].Slot, out.Games[a].Slot
	out.Games[a].Start, out.Games[b].Start = out.Games[b].Start, out.Games[a].Start
	return &out
}

// full is the reference: a fresh evaluation of s.
func (f *fixture) full(t *testing.T, s *schemas.Schedule) *schemas.Result {
	t.Helper()
	st := f.m.NewState()
	if err := st.Load(s); err != nil {
		t.Fatal(err)
	}
	return st.Report(s.ID, s.Sport, true)
}

// sameAsFull checks a cached result against a fresh evaluation, and its
// changes against the previous schedule's costs.
func (f *fixture) sameAsFull(t *testing.T, got *schemas.Result, s, prev *schemas.Schedule) {
	t.Helper()
	want := f.full(t, s)
	if got.Totals != want.Totals || len(got.Results) != len(want.Results) {
		t.Fatalf("totals %+v, full %+v", got.Totals, want.Totals)
	}
	for i := range want.Results {
		if got.Results[i].Cost != want.Results[i].Cost || got.Results[i].Deviation != want.Results[i].Deviation {
			t.Fatalf("%s: %+v, full %+v", want.Results[i].ConstraintID, got.Results[i], want.Results[i])
		}
	}
	if prev == nil {
		return
	}
	before := map[string]schemas.Fixed{}
	for _, r := range f.full(t, prev).Results {
		before[r.ConstraintID] = r.Cost
	}
	var wantChanges []schemas.Change
	for _, r := range want.Results {
		if before[r.ConstraintID] != r.Cost {
			wantChanges = append(wantChanges, schemas.Change{ConstraintID: r.ConstraintID, Before: before[r.ConstraintID], After: r.Cost})
		}
	}
	if !slices.Equal(got.Changes, wantChanges) {
		t.Fatalf("changes %+v, want %+v", got.Changes, wantChanges)
	}
}

func TestLocalIncrementalAndRepeat(t *testing.T) {
	f := sample(t)
	c := New(Config{VerifyRate: 0.5})
	defer c.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))

	res, out, err := c.Evaluate(ctx, f.s, f.set, true, f.model)
	if err != nil || out != Full {
		t.Fatalf("first: %v %v", out, err)
	}
	f.sameAsFull(t, res, f.s, nil)
	prev := f.s
	for i := range 40 {
		next := moved(prev, rng)
		res, out, err = c.Evaluate(ctx, next, f.set, true, f.model)
		if err != nil || out != Local {
			t.Fatalf("move %d: %v %v", i, out, err)
		}
		f.sameAsFull(t, res, next, prev)
		prev = next
	}
	res, out, err = c.Evaluate(ctx, prev, f.set, true, f.model)
	if err != nil || out != Repeat || len(res.Changes) != 0 {
		t.Fatalf("repeat: %v %v changes %v", out, err, res.Changes)
	}
	f.sameAsFull(t, res, prev, nil)
	if testutil.ToFloat64(c.met.verified) == 0 || testutil.ToFloat64(c.met.mismatch) != 0 {
		t.Errorf("verified %v, mismatches %v", testutil.ToFloat64(c.met.verified), testutil.ToFloat64(c.met.mismatch))
	}
}

// TestSharedAcrossInstances: two instances alternate on one schedule's
// events; each evaluates from the state the other left in Redis.
func TestSharedAcrossInstances(t *testing.T) {
	rdb, prefix := redistest.Prefix(t)
	f := sample(t)
	a := New(Config{Redis: rdb, Prefix: prefix})
	b := New(Config{Redis: rdb, Prefix: prefix})
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 2))
	key := a.Key(f.set.ID, f.s.Sport, f.s.ID)

	prev := f.s
	if _, out, err := a.Evaluate(ctx, prev, f.set, false, f.model); err != nil || out != Full {
		t.Fatalf("first: %v %v", out, err)
	}
	for i := range 10 {
		waitStored(t, rdb, key, prev)
		inst := []*Cache{b, a}[i%2]
		inst.Invalidate() // as if the other instance had served the last events
		next := moved(prev, rng)
		res, out, err := inst.Evaluate(ctx, next, f.set, false, f.model)
		if err != nil || out != Shared {
			t.Fatalf("event %d: %v %v", i, out, err)
		}
		f.sameAsFull(t, fullResults(f, t, res, next), next, nil)
		if res.Totals != f.full(t, next).Totals {
			t.Fatal("totals differ")
		}
		checkChanges(t, f, res, prev, next)
		prev = next
	}
	// An exact repeat on the other instance reuses the stored result.
	waitStored(t, rdb, key, prev)
	a.Invalidate()
	res, out, err := a.Evaluate(ctx, prev, f.set, false, f.model)
	if err != nil || out != Repeat || res.Totals != f.full(t, prev).Totals {
		t.Fatalf("shared repeat: %v %v", out, err)
	}
	// Another constraint set is another key.
	if a.Key("sha256:other", f.s.Sport, f.s.ID) == key {
		t.Error("the key does not depend on the constraint set")
	}
	// Flush empties both tiers.
	if n, err := a.Flush(ctx); err != nil || n == 0 {
		t.Fatalf("flush: %d %v", n, err)
	}
	if _, out, _ := a.Evaluate(ctx, prev, f.set, false, f.model); out != Full {
		t.Errorf("after flush: %v", out)
	}
}

// fullResults re-lists res against a detail=all reference by filling in
// satisfied constraints, so sameAsFull can compare violated-only results.
func fullResults(f *fixture, t *testing.T, res *schemas.Result, s *schemas.Schedule) *schemas.Result {
	t.Helper()
	all := f.full(t, s)
	byID := map[string]schemas.ConstraintResult{}
	for _, r := range res.Results {
		byID[r.ConstraintID] = r
	}
	out := *res
	out.Results = nil
	for _, r := range all.Results {
		if got, ok := byID[r.ConstraintID]; ok {
			out.Results = append(out.Results, got)
		} else {
			if r.Cost != 0 {
				t.Fatalf("%s has cost %v but is not listed", r.ConstraintID, r.Cost)
			}
			out.Results = append(out.Results, r)
		}
	}
	return &out
}

func checkChanges(t *testing.T, f *fixture, res *schemas.Result, prev, next *schemas.Schedule) {
	t.Helper()
	before := map[string]schemas.Fixed{}
	for _, r := range f.full(t, prev).Results {
		before[r.ConstraintID] = r.Cost
	}
	var want []schemas.Change
	for _, r := range f.full(t, next).Results {
		if before[r.ConstraintID] != r.Cost {
			want = append(want, schemas.Change{ConstraintID: r.ConstraintID, Before: before[r.ConstraintID], After: r.Cost})
		}
	}
	if !slices.Equal(res.Changes, want) {
		t.Fatalf("changes %+v, want %+v", res.Changes, want)
	}
}

// waitStored waits until Redis holds the snapshot of s under key.
func waitStored(t *testing.T, rdb *redis.Client, key string, s *schemas.Schedule) {
	t.Helper()
	want, _ := scheduleHash(s)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := rdb.Get(context.Background(), key).Bytes()
		if err == nil {
			if snap, err := decode(b); err == nil && snap.Hash == want {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the snapshot never reached Redis")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRedisDownStillExact(t *testing.T) {
	f := sample(t)
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	c := New(Config{Redis: dead, RedisTimeout: 100 * time.Millisecond})
	defer c.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 3))
	prev := f.s
	if _, _, err := c.Evaluate(ctx, prev, f.set, true, f.model); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		next := moved(prev, rng)
		res, _, err := c.Evaluate(ctx, next, f.set, true, f.model)
		if err != nil {
			t.Fatal(err)
		}
		f.sameAsFull(t, res, next, prev)
		prev = next
	}
	c.local.clear()
	res, out, err := c.Evaluate(ctx, prev, f.set, true, f.model)
	if err != nil || out != Full {
		t.Fatalf("cold with Redis down: %v %v", out, err)
	}
	f.sameAsFull(t, res, prev, nil)
	if testutil.ToFloat64(c.met.redisErrors.WithLabelValues("get")) == 0 {
		t.Error("Redis failures not counted")
	}
}

func TestCorruptSnapshotIsRejected(t *testing.T) {
	rdb, prefix := redistest.Prefix(t)
	f := sample(t)
	c := New(Config{Redis: rdb, Prefix: prefix})
	defer c.Close()
	ctx := context.Background()
	key := c.Key(f.set.ID, f.s.Sport, f.s.ID)
	// A snapshot that claims deviations its games do not have.
	devs := make([]int64, len(f.m.Constraints))
	for i := range devs {
		devs[i] = 99
	}
	b, err := encode(&snapshot{Games: f.s.Games, Devs: devs})
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, key, b, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	next := moved(f.s, rand.New(rand.NewPCG(4, 4)))
	res, out, err := c.Evaluate(ctx, next, f.set, true, f.model)
	if err != nil || out != Full {
		t.Fatalf("%v %v", out, err)
	}
	f.sameAsFull(t, res, next, nil)
	if testutil.ToFloat64(c.met.corrupt) != 1 {
		t.Error("corrupt snapshot not counted")
	}
	// The evaluation's own snapshot goes to Redis behind the answer: wait
	// for it, or it could land on top of the garbage planted next.
	want, err := scheduleHash(next)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if snap, _ := c.fetch(ctx, key); snap != nil && snap.Hash == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the evaluation's snapshot never reached Redis")
		}
	}
	if err := rdb.Set(ctx, key, []byte("garbage"), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	c.Invalidate()
	if _, out, err := c.Evaluate(ctx, next, f.set, true, f.model); err != nil || out != Full {
		t.Fatalf("garbage: %v %v", out, err)
	}
}
