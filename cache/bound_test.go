package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"github.com/flextime/flextime/internal/memsize"
	"github.com/flextime/flextime/internal/redistest"
	"github.com/flextime/flextime/schemas"
)

// fresh decodes a copy of the sample under another schedule id, with
// strings of its own, as a request off the wire would have.
func (f *fixture) fresh(t testing.TB, doc []byte, id string) *schemas.Schedule {
	t.Helper()
	s, err := schemas.DecodeSchedule(doc)
	if err != nil {
		t.Fatal(err)
	}
	s.ID = id
	return s
}

// TestByteBound: distinct schedules past the budget evict the oldest, and
// the bytes charged never pass CACHE_MAX_BYTES, whatever CACHE_MAX_SIZE
// allows.
func TestByteBound(t *testing.T) {
	f := sample(t)
	doc, err := json.Marshal(f.s)
	if err != nil {
		t.Fatal(err)
	}
	const budget = 2 << 20
	c := New(Config{MaxSize: 100000, MaxBytes: budget})
	defer c.Close()
	ctx := context.Background()
	for i := range 60 {
		if _, _, err := c.Evaluate(ctx, f.fresh(t, doc, fmt.Sprintf("s%d", i)), f.set, false, f.model); err != nil {
			t.Fatal(err)
		}
		if _, b, _, _ := c.local.stats(); b > budget {
			t.Fatalf("after %d schedules: %d bytes charged, budget %d", i+1, b, budget)
		}
	}
	n, b, models, evicted := c.local.stats()
	if evicted == 0 || n >= 60 || n == 0 {
		t.Fatalf("%d entries, %d evicted: the byte bound did not evict", n, evicted)
	}
	if models != 1 {
		t.Errorf("%d models charged, want the one shared model", models)
	}
	t.Logf("%d entries in %d bytes (%d per entry), %d evicted", n, b, b/int64(n), evicted)
	// The most recent schedule is still there; the first is gone.
	if c.local.get(c.Key(f.set.ID, "mbb", "s59")) == nil || c.local.get(c.Key(f.set.ID, "mbb", "s0")) != nil {
		t.Error("eviction is not least recently used first")
	}
	if testutil.ToFloat64(c.met.bytes) != float64(b) || testutil.ToFloat64(c.met.entries) != float64(n) {
		t.Error("the gauges do not report the tier")
	}
}

// TestEntrySizeAgainstHeap: what an entry is charged is within a generous
// factor of the heap it really keeps alive.
func TestEntrySizeAgainstHeap(t *testing.T) {
	f := sample(t)
	doc, err := json.Marshal(f.s)
	if err != nil {
		t.Fatal(err)
	}
	c := New(Config{MaxBytes: 1 << 30})
	defer c.Close()
	ctx := context.Background()
	scheds := make([]*schemas.Schedule, 100)
	for i := range scheds {
		scheds[i] = f.fresh(t, doc, fmt.Sprintf("h%d", i))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i, s := range scheds {
		if _, _, err := c.Evaluate(ctx, s, f.set, false, f.model); err != nil {
			t.Fatal(err)
		}
		scheds[i] = nil // what the cache keeps of it is the cache's
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	n, charged, _, _ := c.local.stats()
	charged -= memsize.Of(f.m) // compiled before the baseline
	runtime.KeepAlive(c)
	if n != len(scheds) {
		t.Fatalf("%d entries, want %d", n, len(scheds))
	}
	if charged < heap/2 || charged > heap*2 {
		t.Fatalf("charged %d bytes for %d entries, the heap grew %d", charged, n, heap)
	}
	t.Logf("charged %d bytes (%d per entry), heap grew %d", charged, charged/int64(n), heap)
}

// TestStaleLocalEntry: instances A and B alternate on a schedule. A
// evaluated rev 1, B rev 2; when A gets rev 3, its own rev-1 state is
// stale: the changes must be against rev 2, which B answered.
func TestStaleLocalEntry(t *testing.T) {
	rdb, prefix := redistest.Prefix(t)
	f := sample(t)
	a := New(Config{Redis: rdb, Prefix: prefix})
	b := New(Config{Redis: rdb, Prefix: prefix})
	defer a.Close()
	defer b.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 7))
	key := a.Key(f.set.ID, f.s.Sport, f.s.ID)

	rev1 := f.s
	if _, out, err := a.Evaluate(ctx, rev1, f.set, false, f.model); err != nil || out != Full {
		t.Fatalf("rev 1 on A: %v %v", out, err)
	}
	waitStored(t, rdb, key, rev1)
	rev2 := moved(rev1, rng)
	if _, out, err := b.Evaluate(ctx, rev2, f.set, false, f.model); err != nil || out != Shared {
		t.Fatalf("rev 2 on B: %v %v", out, err)
	}
	waitStored(t, rdb, key, rev2)
	rev3 := moved(rev2, rng)
	res, out, err := a.Evaluate(ctx, rev3, f.set, false, f.model)
	if err != nil {
		t.Fatal(err)
	}
	checkChanges(t, f, res, rev2, rev3)
	if out != Shared || testutil.ToFloat64(a.met.stale) != 1 {
		t.Errorf("rev 3 on A: outcome %v, stale %v; want the shared state of rev 2", out, testutil.ToFloat64(a.met.stale))
	}
	// A's own entry is fresh again: rev 4 on A is local.
	waitStored(t, rdb, key, rev3)
	rev4 := moved(rev3, rng)
	res, out, err = a.Evaluate(ctx, rev4, f.set, false, f.model)
	if err != nil || out != Local {
		t.Fatalf("rev 4 on A: %v %v", out, err)
	}
	checkChanges(t, f, res, rev3, rev4)
	// A write queued behind a newer one does not replace it.
	b.Close()
	if _, err := rdb.Get(ctx, a.genKey(key)).Int64(); err != nil {
		t.Fatal(err)
	}
	old := &snapshot{Gen: 1, Games: rev1.Games, Devs: []int64{}}
	body, _ := encode(old)
	if err := storeScript.Eval(ctx, rdb, []string{key, a.genKey(key)}, body, 1, 60000).Err(); err != nil {
		t.Fatal(err)
	}
	if snap, _ := a.fetch(ctx, key); snap == nil || snap.Gen < 3 {
		t.Errorf("an older generation replaced the newer snapshot: %+v", snap)
	}
}

// TestFreshnessCheckBacksOff: with Redis down, the freshness check of an
// in-process hit fails once and then leaves Redis alone for a while,
// rather than adding a failed call to every evaluation.
func TestFreshnessCheckBacksOff(t *testing.T) {
	f := sample(t)
	dead := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer dead.Close()
	c := New(Config{Redis: dead, RedisTimeout: 100 * time.Millisecond})
	defer c.Close()
	c.quiet = time.Hour
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(5, 5))
	prev := f.s
	if _, _, err := c.Evaluate(ctx, prev, f.set, false, f.model); err != nil { // the fetch fails
		t.Fatal(err)
	}
	for i := range 5 {
		next := moved(prev, rng)
		res, out, err := c.Evaluate(ctx, next, f.set, false, f.model)
		if err != nil || out != Local {
			t.Fatalf("move %d: %v %v", i, out, err)
		}
		checkChanges(t, f, res, prev, next)
		prev = next
	}
	// One failed fetch, one failed freshness check, and no more.
	if n := testutil.ToFloat64(c.met.redisErrors.WithLabelValues("get")); n != 2 {
		t.Errorf("%v failed Redis reads, want 2", n)
	}
}

// TestUnusableSnapshotIsReplaced: a snapshot that cannot be used, under a
// generation higher than anything local, is replaced by the next
// evaluation's own, rather than kept until its TTL while every instance
// evaluates in full.
func TestUnusableSnapshotIsReplaced(t *testing.T) {
	rdb, prefix := redistest.Prefix(t)
	f := sample(t)
	c := New(Config{Redis: rdb, Prefix: prefix})
	defer c.Close()
	ctx := context.Background()
	key := c.Key(f.set.ID, f.s.Sport, f.s.ID)
	if err := rdb.Set(ctx, key, []byte("garbage"), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, c.genKey(key), 41, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, out, err := c.Evaluate(ctx, f.s, f.set, false, f.model); err != nil || out != Full {
		t.Fatalf("%v %v", out, err)
	}
	waitStored(t, rdb, key, f.s)
	if snap, gen := c.fetch(ctx, key); snap == nil || gen != 42 {
		t.Fatalf("generation %d after the write, want 42", gen)
	}
	// The next event is local again: the entry is as new as Redis.
	next := moved(f.s, rand.New(rand.NewPCG(8, 8)))
	res, out, err := c.Evaluate(ctx, next, f.set, false, f.model)
	if err != nil || out != Local {
		t.Fatalf("next: %v %v", out, err)
	}
	checkChanges(t, f, res, f.s, next)
}
