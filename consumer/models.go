package consumer

import (
	"container/list"
	"encoding/binary"
	"hash/maphash"
	"math"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/memsize"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// DefaultModelBytes is Config.ModelBytes when not set: room for about
// forty models of an ITC2021 instance's 1,449 constraints (1.6 MB each),
// or thousands of Big 12 ones.
const DefaultModelBytes = 64 << 20

// maxModels bounds the models kept whatever their size.
const maxModels = 256

// models keeps compiled models, so that the events of one schedule under
// one constraint set compile once: compiling the 1,449 constraints of an
// ITC2021 instance costs far more than evaluating them. Models are keyed
// by the constraint set and the frame (teams and slots), not by schedule
// id: the schedules of one season share one model however many ids they
// come under. At most maxModels models and maxBytes bytes are kept,
// least recently used evicted first. A Model is immutable and shared by
// the workers; each evaluation takes a State from the entry's pool.
type models struct {
	mu       sync.Mutex
	max      int
	maxBytes int64
	bytes    int64
	ll       *list.List // of *modelEntry, most recent first
	byKey    map[modelKey]*list.Element
	series   *series
	// base is, per sport, the Base of the newest set compiled: when a
	// sport's constraints are replaced, the models of the old set go at
	// once, and with them the series of constraints no set has now.
	base map[string]string
}

// modelKey names a model: the set's identifier, the sport, and a hash of
// the frame. Equal hashes are checked with Frame.Same before use.
type modelKey struct {
	set, sport string
	frame      uint64
}

type modelEntry struct {
	key    modelKey
	base   string // the set's Base
	model  *evaluator.Model
	bytes  int64
	states sync.Pool
	// counters are constraint_evaluations_total's children for each
	// constraint, [satisfied, violated], resolved once per model and
	// released when it is evicted.
	counters [][2]prometheus.Counter
	index    map[string]int // constraint id -> index in the model
}

func newModels(max int, maxBytes int64, met *Metrics, maxSeries int) *models {
	return &models{max: max, maxBytes: maxBytes, ll: list.New(), byKey: map[modelKey]*list.Element{},
		series: newSeries(met.Evaluations, maxSeries), base: map[string]string{}}
}

var frameSeed = maphash.MakeSeed()

// frameHash hashes what a model depends on besides the constraints: the
// teams, in order, and the slots.
func frameHash(s *schemas.Schedule) uint64 {
	var h maphash.Hash
	h.SetSeed(frameSeed)
	var b [8]byte
	num := func(v uint64) {
		binary.LittleEndian.PutUint64(b[:], v)
		_, _ = h.Write(b[:])
	}
	str := func(v string) {
		num(uint64(len(v)))
		_, _ = h.WriteString(v)
	}
	flt := func(v *float64) {
		if v == nil {
			_ = h.WriteByte(0)
			return
		}
		_ = h.WriteByte(1)
		num(math.Float64bits(*v))
	}
	num(uint64(len(s.Teams)))
	for i := range s.Teams {
		t := &s.Teams[i]
		str(t.ID)
		str(t.Name)
		str(t.Venue)
		str(t.TZ)
		flt(t.Lat)
		flt(t.Lon)
	}
	num(uint64(len(s.Slots)))
	for _, sl := range s.Slots {
		num(uint64(sl.ID))
		str(sl.Start)
		str(sl.Name)
	}
	return h.Sum64()
}

// get returns the model of set over s's teams and slots, compiling it
// when it is new or the frame changed. A compile error is bad input.
func (ms *models) get(set *store.Set, s *schemas.Schedule) (*modelEntry, error) {
	key := modelKey{set: set.ID, sport: s.Sport, frame: frameHash(s)}
	ms.mu.Lock()
	if el, ok := ms.byKey[key]; ok {
		e := el.Value.(*modelEntry)
		if e.model.Frame.Same(s) {
			ms.ll.MoveToFront(el)
			ms.mu.Unlock()
			return e, nil
		}
	}
	ms.mu.Unlock()

	// Compile outside the lock; two workers may compile the same model
	// once, which is cheaper than making every other schedule wait.
	f, err := evaluator.NewFrame(s)
	if err != nil {
		return nil, err
	}
	// Params were validated once when the store loaded the set.
	m, err := evaluator.Compile(f, set.Docs, evaluator.CompileOptions{ParamsValidated: set.ParamsValid()})
	if err != nil {
		return nil, err
	}
	// The documents are the store's; the model's own tables are charged.
	e := &modelEntry{key: key, base: set.Base, model: m, bytes: memsize.Of(m, set.Docs)}
	e.index = make(map[string]int, len(m.Constraints))
	ids := make([]string, len(m.Constraints))
	for i := range m.Constraints {
		ids[i] = m.Constraints[i].Doc.ID
		e.index[ids[i]] = i
	}

	ms.mu.Lock()
	defer ms.mu.Unlock()
	if el, ok := ms.byKey[key]; ok {
		if cur := el.Value.(*modelEntry); cur.model.Frame.Same(s) {
			// Another worker won the race: share its model, so that the
			// states built on it and the cache charge one model, not two.
			ms.ll.MoveToFront(el)
			return cur, nil
		}
		ms.removeLocked(el)
	}
	if old, ok := ms.base[s.Sport]; ok && old != set.Base && set.Base != "" {
		ms.dropSportLocked(s.Sport, set.Base)
	}
	ms.base[s.Sport] = set.Base
	// Evict down to the bounds first, so that the new model's metric
	// series take the room the evicted ones leave. The new model stays
	// even when it is larger than the budget alone: the evaluation needs
	// it now.
	for ms.ll.Len() > 0 && (ms.ll.Len()+1 > ms.max || ms.bytes+e.bytes > ms.maxBytes) {
		ms.removeLocked(ms.ll.Back())
	}
	e.counters = ms.series.acquire(s.Sport, ids)
	ms.byKey[key] = ms.ll.PushFront(e)
	ms.bytes += e.bytes
	return e, nil
}

// dropSportLocked drops the models of sport compiled from any set but
// base: the sport's constraints were replaced, so nothing will ask for
// them again.
func (ms *models) dropSportLocked(sport, base string) {
	for el := ms.ll.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*modelEntry); e.key.sport == sport && e.base != base {
			ms.removeLocked(el)
		}
		el = next
	}
}

// removeLocked drops a model and releases its metric series.
func (ms *models) removeLocked(el *list.Element) {
	e := el.Value.(*modelEntry)
	ms.ll.Remove(el)
	delete(ms.byKey, e.key)
	ms.bytes -= e.bytes
	ids := make([]string, len(e.model.Constraints))
	for i := range e.model.Constraints {
		ids[i] = e.model.Constraints[i].Doc.ID
	}
	ms.series.release(e.key.sport, ids, e.counters)
}

// stats returns the models kept and their bytes.
func (ms *models) stats() (n int, bytes int64) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.ll.Len(), ms.bytes
}

// state returns an evaluation state of the entry's model, reused when one
// is free.
func (e *modelEntry) state() *evaluator.State {
	if st, ok := e.states.Get().(*evaluator.State); ok {
		return st
	}
	return e.model.NewState()
}

func (e *modelEntry) release(st *evaluator.State) { e.states.Put(st) }

// count adds one evaluation of every constraint of the model to
// constraint_evaluations_total, from a result: listed with a deviation is
// violated, anything else satisfied.
func (e *modelEntry) count(res *schemas.Result, all bool) {
	violated := make([]bool, len(e.counters))
	for i := range res.Results {
		if j, ok := e.index[res.Results[i].ConstraintID]; ok && res.Results[i].Deviation > 0 {
			violated[j] = true
		}
	}
	for i, v := range violated {
		if v {
			e.counters[i][1].Inc()
		} else {
			e.counters[i][0].Inc()
		}
	}
}

// series hands out the children of constraint_evaluations_total{sport,
// constraint_id, result}: counted by the models that use them, deleted
// when the last model of a constraint is evicted (its set replaced, or
// its schedules gone quiet), and at most max of them (two per
// constraint). Constraints past the cap are counted under
// {sport="other", constraint_id="other"}, so the page stays bounded
// whatever the store or the requests hold. A deleted child that comes
// back starts again from zero, which Prometheus reads as a counter reset.
type series struct {
	mu    sync.Mutex
	vec   *prometheus.CounterVec
	max   int
	refs  map[[2]string]int
	other [2]prometheus.Counter
}

// OtherLabel is the sport and constraint_id of the evaluations counted
// past the series cap.
const OtherLabel = "other"

func newSeries(vec *prometheus.CounterVec, max int) *series {
	return &series{vec: vec, max: max, refs: map[[2]string]int{}}
}

// acquire returns the [satisfied, violated] counters of each id of sport.
func (s *series) acquire(sport string, ids []string) [][2]prometheus.Counter {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][2]prometheus.Counter, len(ids))
	for i, id := range ids {
		k := [2]string{sport, id}
		n, ok := s.refs[k]
		if !ok && 2*(len(s.refs)+1) > s.max {
			if s.other[0] == nil {
				s.other = [2]prometheus.Counter{
					s.vec.WithLabelValues(OtherLabel, OtherLabel, "satisfied"),
					s.vec.WithLabelValues(OtherLabel, OtherLabel, "violated"),
				}
			}
			out[i] = s.other
			continue
		}
		s.refs[k] = n + 1
		out[i] = [2]prometheus.Counter{
			s.vec.WithLabelValues(sport, id, "satisfied"),
			s.vec.WithLabelValues(sport, id, "violated"),
		}
	}
	return out
}

// release gives back what acquire handed out (got) for ids of sport,
// deleting the children no model uses any more.
func (s *series) release(sport string, ids []string, got [][2]prometheus.Counter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, id := range ids {
		if got[i][0] == s.other[0] {
			continue // counted under "other": nothing was taken
		}
		k := [2]string{sport, id}
		n, ok := s.refs[k]
		if !ok {
			continue
		}
		if n > 1 {
			s.refs[k] = n - 1
			continue
		}
		delete(s.refs, k)
		s.vec.DeleteLabelValues(sport, id, "satisfied")
		s.vec.DeleteLabelValues(sport, id, "violated")
	}
}
