package cache

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/memsize"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// FormatVersion is bumped whenever the snapshot encoding or the meaning of
// a deviation changes; it is part of every key, with the build's VCS
// revision, so that a new evaluator never reads an old one's state.
const FormatVersion = 2

// maxSnapshot bounds a decoded snapshot, so a corrupt or hostile value
// cannot exhaust memory.
const maxSnapshot = 256 << 20

// Config sets up a Cache.
type Config struct {
	// MaxSize bounds the in-process entries (CACHE_MAX_SIZE, default
	// 100000); TTL is both tiers' entry lifetime (CACHE_TTL, default 1h).
	MaxSize int
	TTL     time.Duration
	// MaxBytes bounds the heap the cache keeps alive (CACHE_MAX_BYTES,
	// default DefaultMaxBytes): the in-process entries with the models
	// their states hold take seven eighths, the snapshots queued for
	// Redis the rest. An entry is charged what its state, games and
	// result take; a model once, while any entry holds it.
	MaxBytes int64
	// VerifyRate is the share of incremental evaluations also done in full
	// and compared (CACHE_VERIFY_RATE, 0 to 1, default 0).
	VerifyRate float64
	// Prefix starts every Redis key (default "flextime:cache:").
	Prefix string
	// Redis is the shared tier; nil keeps the cache in-process only.
	Redis *redis.Client
	// RedisTimeout bounds one Redis call (default 250ms): a slow Redis
	// must not slow evaluations down much.
	RedisTimeout time.Duration
	// Registerer receives the metrics; nil leaves them unregistered.
	Registerer prometheus.Registerer
	Logger     *slog.Logger
}

// DefaultMaxBytes is MaxBytes when not set: with the models the consumer
// keeps (consumer.DefaultModelBytes) and the rest of the process, it fits
// the 1 GiB limit of deploy/k8s with room to spare.
const DefaultMaxBytes = 256 << 20

// Outcome says how a result was obtained.
type Outcome string

const (
	// Repeat: the schedule is the one evaluated last; the result is reused.
	Repeat Outcome = "repeat"
	// Local: re-scored from the difference with this instance's live state.
	Local Outcome = "incremental_local"
	// Shared: re-scored from the difference with the state another
	// instance left in Redis.
	Shared Outcome = "incremental_shared"
	// Full: nothing usable was cached; evaluated from scratch.
	Full Outcome = "full"
)

// Cache holds, per schedule and constraint set, the last evaluated state:
// live in process, and as a compact snapshot (the game assignments, every
// constraint's deviation and the last result) in Redis, so that whichever
// instance gets a schedule's next event evaluates it from the difference.
// The difference is computed here from the documents; the request's games
// hint is not trusted. A Cache is safe for concurrent use; events of one
// schedule are evaluated one at a time.
type Cache struct {
	cfg   Config
	local *lru
	locks keyLocks
	met   *metrics
	log   *slog.Logger
	code  string

	writes chan redisWrite
	// queued is the bytes of the snapshots in writes, bounded by
	// queueMax so that a slow Redis cannot make the queue a leak.
	queued   atomic.Int64
	queueMax int64
	wg       sync.WaitGroup
	stop     chan struct{}

	warnMu   sync.Mutex
	lastWarn time.Time
	// quietUntil (Unix nanoseconds) skips the freshness check for a
	// moment after a Redis failure, so that a hung Redis does not add
	// RedisTimeout to every in-process hit.
	quietUntil atomic.Int64
	quiet      time.Duration

	sizes     modelSizes
	closeOnce sync.Once
	counts    sync.Map // Outcome -> *atomic.Uint64
}

// Outcomes returns how many evaluations each outcome has had.
func (c *Cache) Outcomes() map[Outcome]uint64 {
	out := map[Outcome]uint64{}
	c.counts.Range(func(k, v any) bool {
		out[k.(Outcome)] = v.(*atomic.Uint64).Load()
		return true
	})
	return out
}

func (c *Cache) count(o Outcome) {
	c.met.outcome(o)
	v, _ := c.counts.LoadOrStore(o, new(atomic.Uint64))
	v.(*atomic.Uint64).Add(1)
}

// New returns a Cache; Close stops its background Redis writer.
func New(cfg Config) *Cache {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = 100000
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Hour
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "flextime:cache:"
	}
	if cfg.RedisTimeout <= 0 {
		cfg.RedisTimeout = 250 * time.Millisecond
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Cache{cfg: cfg, local: newLRU(cfg.MaxSize, cfg.MaxBytes-cfg.MaxBytes/8, cfg.TTL),
		log: cfg.Logger, code: CodeVersion(), stop: make(chan struct{}), queueMax: cfg.MaxBytes / 8,
		quiet: time.Second}
	c.met = newMetrics(cfg.Registerer, c)
	if cfg.Redis != nil {
		c.writes = make(chan redisWrite, 1024)
		c.wg.Add(1)
		go c.writer()
	}
	return c
}

// Close writes what is queued for Redis and stops the writer. It may be
// called more than once.
func (c *Cache) Close() {
	c.closeOnce.Do(func() {
		if c.writes != nil {
			close(c.stop)
			c.wg.Wait()
		}
	})
}

// CodeVersion identifies the evaluator's code: the VCS revision the binary
// was built from (marked when modified), or "dev" when the build has none.
func CodeVersion() string {
	v := "dev"
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			v = rev + dirty
		}
	}
	return fmt.Sprintf("f%d-%s", FormatVersion, v)
}

// Key is the cache key of a schedule under a constraint set. A change to
// the set or to the evaluator's code gives another key: invalidation by
// construction.
func (c *Cache) Key(setID, sport, scheduleID string) string {
	return c.cfg.Prefix + c.code + ":" + setID + ":" + sport + ":" + scheduleID
}

// Evaluate returns the result of s under set: the cached result when s is
// the schedule evaluated last, else a re-score from the difference with
// the cached state, else a full evaluation. model compiles (or finds) the
// model of set over s's teams and slots. The result has its changes when
// the previous evaluation is known; its request fields are the caller's.
// Errors are the evaluator's (bad input); the cache itself never fails an
// evaluation.
func (c *Cache) Evaluate(ctx context.Context, s *schemas.Schedule, set *store.Set, all bool,
	model func() (*evaluator.Model, error)) (*schemas.Result, Outcome, error) {
	key := c.Key(set.ID, s.Sport, s.ID)
	unlock := c.locks.lock(key)
	defer unlock()

	hash, err := scheduleHash(s)
	if err != nil {
		return nil, Full, err
	}
	// seen is the newest generation Redis was found to hold: what is
	// written next must be newer, even when that snapshot was unusable.
	var seen int64
	e := c.local.get(key)
	if e != nil {
		ok, g := c.fresh(ctx, key, e)
		seen = g
		if !ok {
			c.met.stale.Inc()
			c.local.remove(key)
			e = nil
		}
	}
	var snap *snapshot
	if e == nil {
		var g int64
		snap, g = c.fetch(ctx, key)
		seen = max(seen, g)
	}
	switch {
	case e != nil && e.hash == hash && e.all == all:
		c.count(Repeat)
		return e.result.reuse(), Repeat, nil
	case e == nil && snap != nil && snap.Hash == hash && snap.All == all:
		if r, err := snap.result(); err == nil {
			c.count(Repeat)
			return r, Repeat, nil
		}
	}

	m, err := model()
	if err != nil {
		return nil, Full, err
	}
	var st *evaluator.State
	outcome := Full
	var gen int64
	if e != nil {
		st, outcome = c.fromLocal(e, m, s)
		gen = e.gen
	} else if snap != nil {
		st, outcome = c.fromSnapshot(snap, m, s)
		gen = snap.Gen
	}
	gen = max(gen, seen) + 1
	if st == nil {
		st = m.NewState()
		if err := st.Load(s); err != nil {
			c.local.remove(key)
			return nil, Full, err
		}
	}
	if outcome != Full && c.cfg.VerifyRate > 0 && rand.Float64() < c.cfg.VerifyRate {
		st = c.verify(st, m, s, key)
	}
	res := st.Report(s.ID, s.Sport, all)
	c.count(outcome)
	kept := *res
	mb, ok := c.local.modelBytes(m)
	if !ok {
		mb = c.sizes.of(m)
	}
	c.local.put(key, &entry{state: st, hash: hash, all: all, result: frozen{&kept}, games: slices.Clone(s.Games), gen: gen}, mb)
	c.store(key, s, hash, all, gen, st, res)
	return res, outcome, nil
}

// modelSizes remembers what the last models measured, without keeping
// them alive: walking a model of 1,449 constraints takes milliseconds,
// and a model whose entries were all evicted is charged again on the next
// put.
type modelSizes struct {
	mu sync.Mutex
	m  map[weak.Pointer[evaluator.Model]]int64
}

func (s *modelSizes) of(m *evaluator.Model) int64 {
	k := weak.Make(m)
	s.mu.Lock()
	n, ok := s.m[k]
	s.mu.Unlock()
	if ok {
		return n
	}
	n = memsize.Of(m)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= 64 {
		s.m = map[weak.Pointer[evaluator.Model]]int64{} // bounded; the dead go with the rest
	}
	s.m[k] = n
	return n
}

// fresh reports whether the local entry is at least as new as the
// snapshot Redis holds, comparing generations (one small GET). Another
// instance that evaluated the schedule since has written a higher one;
// then the local state is stale, and using it would report changes
// against an older revision than the last one answered. Our own writes
// are behind the answer, so Redis may lag our entry: only a higher
// generation means stale. When Redis cannot say, the entry is used, and
// for a second after a failure Redis is not asked.
func (c *Cache) fresh(ctx context.Context, key string, e *entry) (ok bool, redisGen int64) {
	if c.cfg.Redis == nil || time.Now().UnixNano() < c.quietUntil.Load() {
		return true, 0
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RedisTimeout)
	defer cancel()
	g, err := c.cfg.Redis.Get(ctx, c.genKey(key)).Int64()
	if errors.Is(err, redis.Nil) {
		return true, 0
	}
	if err != nil {
		c.quietUntil.Store(time.Now().Add(c.quiet).UnixNano())
		c.redisFailed("get", err)
		return true, 0
	}
	return g <= e.gen, g
}

// genKey is where Redis keeps the generation of key's snapshot. Keys are
// prefix + code version ("f…"), so "gen:" cannot be a schedule's key.
func (c *Cache) genKey(key string) string {
	return c.cfg.Prefix + "gen:" + key[len(c.cfg.Prefix):]
}

// fromLocal re-scores the live state of this instance.
func (c *Cache) fromLocal(e *entry, m *evaluator.Model, s *schemas.Schedule) (*evaluator.State, Outcome) {
	st := e.state
	if st.Model() != m {
		// The model was compiled again (evicted, or another worker won a
		// race); start from the last schedule under the new one.
		st = m.NewState()
		prev := *s
		prev.Games = e.games
		if err := st.Load(&prev); err != nil {
			return nil, Full
		}
	}
	if err := st.Update(s); err != nil {
		return nil, Full
	}
	return st, Local
}

// fromSnapshot rebuilds the state another instance left and re-scores the
// difference. A snapshot whose deviations do not match what its games
// score is discarded and counted.
func (c *Cache) fromSnapshot(snap *snapshot, m *evaluator.Model, s *schemas.Schedule) (*evaluator.State, Outcome) {
	prev := *s
	prev.Games = snap.Games
	st := m.NewState()
	if err := st.Load(&prev); err != nil || len(snap.Devs) != len(m.Constraints) {
		c.met.corrupt.Inc()
		return nil, Full
	}
	for i, d := range snap.Devs {
		if st.Deviation(i) != d {
			c.met.corrupt.Inc()
			return nil, Full
		}
	}
	if err := st.Update(s); err != nil {
		return nil, Full
	}
	return st, Shared
}

// verify evaluates s in full and compares every deviation with the
// incremental state. A mismatch is counted and logged, and the full
// state wins: the cache must never change an answer.
func (c *Cache) verify(st *evaluator.State, m *evaluator.Model, s *schemas.Schedule, key string) *evaluator.State {
	c.met.verified.Inc()
	full := m.NewState()
	if err := full.Load(s); err != nil {
		return st
	}
	for i := range m.Constraints {
		if full.Deviation(i) != st.Deviation(i) {
			c.met.mismatch.Inc()
			c.log.Error("cache verification mismatch: the incremental state disagrees with a full evaluation",
				"key", key, "constraint", m.Constraints[i].Doc.ID, "incremental", st.Deviation(i), "full", full.Deviation(i))
			return full
		}
	}
	return st
}

// Invalidate drops every in-process entry (after `flextime cache flush`).
func (c *Cache) Invalidate() { c.local.clear() }

// Flush deletes every Redis key under the prefix and the in-process
// entries; it returns how many Redis keys it deleted.
func (c *Cache) Flush(ctx context.Context) (int, error) {
	c.local.clear()
	if c.cfg.Redis == nil {
		return 0, nil
	}
	return FlushRedis(ctx, c.cfg.Redis, c.cfg.Prefix)
}

// FlushRedis deletes the keys under prefix, in batches.
func FlushRedis(ctx context.Context, rdb *redis.Client, prefix string) (int, error) {
	n := 0
	iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
				return n, err
			}
			n += len(batch)
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return n, err
	}
	if len(batch) > 0 {
		if err := rdb.Unlink(ctx, batch...).Err(); err != nil {
			return n, err
		}
		n += len(batch)
	}
	return n, nil
}

// snapshot is what Redis keeps of a schedule's last evaluation: enough to
// rebuild the state (the games), to check it (every deviation) and to
// answer an exact repeat (the result).
type snapshot struct {
	Gen    int64           `json:"-"` // kept under genKey, beside the snapshot
	Hash   [32]byte        `json:"h"`
	All    bool            `json:"a,omitempty"`
	Games  []schemas.Game  `json:"g"`
	Devs   []int64         `json:"d"`
	Result json.RawMessage `json:"r"` // request fields empty
}

func (s *snapshot) result() (*schemas.Result, error) {
	var r schemas.Result
	if err := json.Unmarshal(s.Result, &r); err != nil {
		return nil, err
	}
	r.Changes = nil
	return &r, nil
}

// A snapshot travels flate-compressed as: the 32-byte schedule hash, one
// byte for All, the length of the next part as a uvarint, the games and
// deviations as JSON, and the result's JSON as it is. Keeping the result
// out of the JSON document spares re-validating and re-escaping it on
// every write.
func encode(s *snapshot) ([]byte, error) {
	meta, err := json.Marshal(struct {
		Games []schemas.Game `json:"g"`
		Devs  []int64        `json:"d"`
	}{s.Games, s.Devs})
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	var head [32 + 1 + binary.MaxVarintLen64]byte
	copy(head[:32], s.Hash[:])
	if s.All {
		head[32] = 1
	}
	n := 33 + binary.PutUvarint(head[33:], uint64(len(meta)))
	for _, part := range [][]byte{head[:n], meta, s.Result} {
		if _, err := zw.Write(part); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decode(b []byte) (*snapshot, error) {
	raw, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(b)), maxSnapshot))
	if err != nil {
		return nil, err
	}
	if len(raw) < 34 || raw[32] > 1 {
		return nil, errors.New("cache: snapshot too short or malformed")
	}
	s := &snapshot{All: raw[32] == 1}
	copy(s.Hash[:], raw[:32])
	n, k := binary.Uvarint(raw[33:])
	if k <= 0 || n > uint64(len(raw)-33-k) {
		return nil, errors.New("cache: snapshot has a bad length")
	}
	rest := raw[33+k:]
	var meta struct {
		Games []schemas.Game `json:"g"`
		Devs  []int64        `json:"d"`
	}
	if err := json.Unmarshal(rest[:n], &meta); err != nil {
		return nil, err
	}
	s.Games, s.Devs, s.Result = meta.Games, meta.Devs, rest[n:]
	return s, nil
}

// fetch reads a snapshot from Redis, and the generation stored beside
// it; any failure is a miss. The generation is returned even when the
// snapshot is unusable, so that the next write can replace it.
func (c *Cache) fetch(ctx context.Context, key string) (*snapshot, int64) {
	if c.cfg.Redis == nil {
		return nil, 0
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.RedisTimeout)
	defer cancel()
	vals, err := c.cfg.Redis.MGet(ctx, key, c.genKey(key)).Result()
	if err != nil {
		c.redisFailed("get", err)
		return nil, 0
	}
	var gen int64
	if g, ok := vals[1].(string); ok {
		gen, _ = strconv.ParseInt(g, 10, 64)
	}
	b, ok := vals[0].(string)
	if !ok {
		return nil, gen
	}
	snap, err := decode([]byte(b))
	if err != nil {
		c.met.corrupt.Inc()
		return nil, gen
	}
	snap.Gen = gen
	return snap, gen
}

// storeScript writes a snapshot and its generation together, unless Redis
// already holds a newer generation: a write that was queued behind
// another instance's newer one must not replace it.
var storeScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[2]) or '0') or 0
if tonumber(ARGV[2]) <= cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1`)

type redisWrite struct {
	key   string
	snap  *snapshot
	bytes int64
}

// store queues the snapshot for Redis. The write is behind the answer:
// a result never waits for Redis, and a lost write only costs the next
// instance a full evaluation.
func (c *Cache) store(key string, s *schemas.Schedule, hash [32]byte, all bool, gen int64, st *evaluator.State, res *schemas.Result) {
	if c.writes == nil {
		return
	}
	body, err := json.Marshal(res)
	if err != nil {
		return
	}
	devs := make([]int64, len(st.Model().Constraints))
	for i := range devs {
		devs[i] = st.Deviation(i)
	}
	w := redisWrite{key: key, snap: &snapshot{Gen: gen, Hash: hash, All: all, Games: slices.Clone(s.Games), Devs: devs, Result: body}}
	// The copy of the games shares its strings with the state, but the
	// entry may be evicted first: count them.
	w.bytes = int64(len(body)) + int64(len(devs))*8 + evaluator.GamesBytes(w.snap.Games) + 128
	for i := range s.Games {
		g := &s.Games[i]
		w.bytes += int64(len(g.ID) + len(g.Home) + len(g.Away) + len(g.Start) + len(g.Venue) + len(g.Network) + len(g.Kind) + len(g.Sport))
	}
	if c.queued.Add(w.bytes) > c.queueMax {
		c.queued.Add(-w.bytes)
		c.met.dropped.Inc() // Redis is slow or down; drop rather than hold
		return
	}
	select {
	case c.writes <- w:
	default:
		c.queued.Add(-w.bytes)
		c.met.dropped.Inc() // Redis is slow or down; drop rather than wait
	}
}

// writer sends queued snapshots to Redis, pipelined.
func (c *Cache) writer() {
	defer c.wg.Done()
	flush := func(batch []redisWrite) {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*c.cfg.RedisTimeout)
		defer cancel()
		pipe := c.cfg.Redis.Pipeline()
		ttl := strconv.FormatInt(c.cfg.TTL.Milliseconds(), 10)
		for _, w := range batch {
			c.queued.Add(-w.bytes)
			b, err := encode(w.snap)
			if err != nil {
				continue
			}
			// EVAL with the script's text, not EVALSHA: a restarted Redis
			// has forgotten every script, and the text is small beside a
			// snapshot.
			storeScript.Eval(ctx, pipe, []string{w.key, c.genKey(w.key)}, b, w.snap.Gen, ttl)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			c.redisFailed("set", err)
		}
	}
	for {
		select {
		case w := <-c.writes:
			batch := []redisWrite{w}
			for len(batch) < 256 {
				select {
				case w := <-c.writes:
					batch = append(batch, w)
					continue
				default:
				}
				break
			}
			flush(batch)
		case <-c.stop:
			var batch []redisWrite
			for {
				select {
				case w := <-c.writes:
					batch = append(batch, w)
					continue
				default:
				}
				break
			}
			flush(batch)
			return
		}
	}
}

// redisFailed counts a Redis failure and logs at most once a minute.
func (c *Cache) redisFailed(op string, err error) {
	c.met.redisErrors.WithLabelValues(op).Inc()
	c.warnMu.Lock()
	defer c.warnMu.Unlock()
	if time.Since(c.lastWarn) < time.Minute {
		return
	}
	c.lastWarn = time.Now()
	c.log.Warn("Redis cache unavailable; evaluating from the in-process tier or in full", "op", op, "error", err)
}

// scheduleHash identifies a schedule document's content.
func scheduleHash(s *schemas.Schedule) ([32]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return [32]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// frozen is a result kept for exact repeats; reuse hands out a copy
// without the changes (a repeat changes nothing).
type frozen struct{ r *schemas.Result }

func (f frozen) reuse() *schemas.Result {
	cp := *f.r
	cp.Changes = nil
	return &cp
}

// Stats is what the in-process tier holds: its entries, the bytes they
// and their models are charged, the distinct models, and how many
// entries were evicted to stay within the bounds.
type Stats struct {
	Entries int
	Bytes   int64
	Models  int
	Evicted uint64
}

// Stats returns the in-process tier's figures.
func (c *Cache) Stats() Stats {
	n, b, m, e := c.local.stats()
	return Stats{Entries: n, Bytes: b, Models: m, Evicted: e}
}
