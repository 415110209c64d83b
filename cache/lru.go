package cache

import (
	"container/list"
	"sync"
	"time"
	"unsafe"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// entry is one schedule's live state in process.
type entry struct {
	state  *evaluator.State
	hash   [32]byte
	all    bool
	result frozen
	games  []schemas.Game
	// gen is the generation of the evaluation this entry holds: one more
	// than the one it was derived from. Redis keeps the generation of
	// the newest snapshot beside it, so a local entry older than that is
	// not used (see Cache.fresh).
	gen   int64
	key   string
	at    time.Time
	bytes int64 // charged against the budget; the model is charged apart
}

// entryOverhead is what an entry costs beyond its state, games and
// result: the entry itself, its list element and its map slot.
const entryOverhead = int64(unsafe.Sizeof(entry{})) + int64(unsafe.Sizeof(list.Element{})) + 64

// size estimates the heap e keeps alive, its model excluded: the state,
// the copy of the games (whose strings the state already holds), the
// result and the key.
func (e *entry) size() int64 {
	n := entryOverhead + int64(len(e.key))
	if e.state != nil {
		n += e.state.Bytes()
	}
	n += evaluator.GamesBytes(e.games)
	n += resultBytes(e.result.r)
	return n
}

// resultBytes estimates the heap a result holds.
func resultBytes(r *schemas.Result) int64 {
	if r == nil {
		return 0
	}
	n := int64(unsafe.Sizeof(*r)) + int64(len(r.RequestID)+len(r.ReplayID)+len(r.ScheduleID)+len(r.Sport)+
		len(r.Status)+len(r.Error)+len(r.ConstraintSet)+len(r.EvaluatedAt))
	n += violationsBytes(r.Structure)
	n += int64(cap(r.Results)) * int64(unsafe.Sizeof(schemas.ConstraintResult{}))
	for i := range r.Results {
		c := &r.Results[i]
		n += int64(len(c.ConstraintID)+len(c.Kind)) + violationsBytes(c.Violations)
	}
	n += int64(cap(r.Changes)) * int64(unsafe.Sizeof(schemas.Change{}))
	for i := range r.Changes {
		n += int64(len(r.Changes[i].ConstraintID))
	}
	return n
}

func violationsBytes(vs []schemas.Violation) int64 {
	n := int64(cap(vs)) * int64(unsafe.Sizeof(schemas.Violation{}))
	for i := range vs {
		v := &vs[i]
		n += int64(len(v.Message)) + int64(cap(v.Games)+cap(v.Teams))*int64(unsafe.Sizeof("")) + int64(cap(v.Slots))*8
		for _, s := range v.Games {
			n += int64(len(s))
		}
		for _, s := range v.Teams {
			n += int64(len(s))
		}
	}
	return n
}

// modelCharge is a model held by the in-process tier: charged once, while
// any entry's state refers to it, so that the budget covers what really
// stays alive.
type modelCharge struct {
	bytes int64
	refs  int
}

// lru is the in-process tier: at most max entries and maxBytes bytes
// (the entries and the models their states hold), each entry for at most
// ttl. It is a plain LRU, hand-written rather than a library's: entries
// hold mutable states that must leave exactly when they are evicted, with
// the model they hold uncharged when its last entry goes, and put must
// leave the tier within its bounds before it returns. The cost-aware
// libraries admit and evict asynchronously (ristretto) or by frequency
// (otter's W-TinyLFU would refuse the one-off schedules a flood brings),
// and none releases a shared charge.
type lru struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	ttl      time.Duration
	ll       *list.List
	items    map[string]*list.Element
	models   map[*evaluator.Model]*modelCharge
	bytes    int64
	// evicted counts entries dropped to stay within the bounds.
	evicted uint64
}

func newLRU(max int, maxBytes int64, ttl time.Duration) *lru {
	return &lru{max: max, maxBytes: maxBytes, ttl: ttl, ll: list.New(), items: map[string]*list.Element{},
		models: map[*evaluator.Model]*modelCharge{}}
}

func (l *lru) get(key string) *entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.items[key]
	if !ok {
		return nil
	}
	e := el.Value.(*entry)
	if time.Since(e.at) > l.ttl {
		l.removeLocked(el)
		return nil
	}
	l.ll.MoveToFront(el)
	return e
}

// modelBytes returns the charge of m when the tier already holds it.
func (l *lru) modelBytes(m *evaluator.Model) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if mc, ok := l.models[m]; ok {
		return mc.bytes, true
	}
	return 0, false
}

// put keeps e under key, charging its size and, when no other entry holds
// it yet, modelBytes for its state's model; then it evicts the least
// recently used entries until both bounds hold. An entry larger than the
// whole budget is not kept.
func (l *lru) put(key string, e *entry, modelBytes int64) {
	e.key, e.at = key, time.Now()
	e.bytes = e.size()
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.items[key]; ok {
		l.removeLocked(el)
	}
	l.items[key] = l.ll.PushFront(e)
	l.bytes += e.bytes
	if e.state != nil {
		m := e.state.Model()
		mc := l.models[m]
		if mc == nil {
			mc = &modelCharge{bytes: modelBytes}
			l.models[m] = mc
			l.bytes += modelBytes
		}
		mc.refs++
	}
	for l.ll.Len() > 0 && (l.ll.Len() > l.max || l.bytes > l.maxBytes) {
		l.removeLocked(l.ll.Back())
		l.evicted++
	}
}

// removeLocked drops an entry and its charges.
func (l *lru) removeLocked(el *list.Element) {
	e := el.Value.(*entry)
	l.ll.Remove(el)
	delete(l.items, e.key)
	l.bytes -= e.bytes
	if e.state != nil {
		m := e.state.Model()
		if mc := l.models[m]; mc != nil {
			if mc.refs--; mc.refs == 0 {
				delete(l.models, m)
				l.bytes -= mc.bytes
			}
		}
	}
}

func (l *lru) remove(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.items[key]; ok {
		l.removeLocked(el)
	}
}

func (l *lru) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ll.Init()
	l.items = map[string]*list.Element{}
	l.models = map[*evaluator.Model]*modelCharge{}
	l.bytes = 0
}

// stats returns the entries, the bytes charged, the models held and the
// evictions so far.
func (l *lru) stats() (entries int, bytes int64, models int, evicted uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ll.Len(), l.bytes, len(l.models), l.evicted
}

func (l *lru) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ll.Len()
}

// keyLocks serialises the evaluations of one key: the events of one
// schedule are applied to its state one at a time, and concurrent
// requests for it wait for the first instead of each fetching and
// rebuilding the same state (single flight per key).
type keyLocks struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	mu   sync.Mutex
	refs int
}

func (k *keyLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		k.mu.Lock()
		l.refs--
		if l.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}
