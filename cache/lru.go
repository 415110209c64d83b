package cache

import (
	"container/list"
	"sync"
	"time"

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
	key    string
	at     time.Time
}

// lru is the in-process tier: at most max entries, each for at most ttl.
type lru struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	ll    *list.List
	items map[string]*list.Element
}

func newLRU(max int, ttl time.Duration) *lru {
	return &lru{max: max, ttl: ttl, ll: list.New(), items: map[string]*list.Element{}}
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
		l.ll.Remove(el)
		delete(l.items, key)
		return nil
	}
	l.ll.MoveToFront(el)
	return e
}

func (l *lru) put(key string, e *entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.key, e.at = key, time.Now()
	if el, ok := l.items[key]; ok {
		el.Value = e
		l.ll.MoveToFront(el)
		return
	}
	l.items[key] = l.ll.PushFront(e)
	for l.ll.Len() > l.max {
		old := l.ll.Back()
		l.ll.Remove(old)
		delete(l.items, old.Value.(*entry).key)
	}
}

func (l *lru) remove(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.items[key]; ok {
		l.ll.Remove(el)
		delete(l.items, key)
	}
}

func (l *lru) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ll.Init()
	l.items = map[string]*list.Element{}
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
