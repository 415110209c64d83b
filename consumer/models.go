package consumer

import (
	"container/list"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// models keeps compiled models, so that the events of one schedule under
// one constraint set compile once: compiling the 1,449 constraints of an
// ITC2021 instance costs far more than evaluating them. A Model is
// immutable and shared by the workers; each evaluation takes a State from
// the entry's pool.
type models struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // of *modelEntry, most recent first
	byKey map[string]*list.Element
	met   *Metrics
}

type modelEntry struct {
	key    string
	model  *evaluator.Model
	states sync.Pool
	// counters are constraint_evaluations_total's children for each
	// constraint, [satisfied, violated], resolved once per model.
	counters [][2]prometheus.Counter
	index    map[string]int // constraint id -> index in the model
}

func newModels(max int, met *Metrics) *models {
	return &models{max: max, ll: list.New(), byKey: map[string]*list.Element{}, met: met}
}

// get returns the model of set over s's teams and slots, compiling it
// when it is new or the frame changed. A compile error is bad input.
func (ms *models) get(set *store.Set, s *schemas.Schedule) (*modelEntry, error) {
	key := set.ID + "\x00" + s.Sport + "\x00" + s.ID
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
	m, err := evaluator.Compile(f, set.Docs, evaluator.CompileOptions{})
	if err != nil {
		return nil, err
	}
	e := &modelEntry{key: key, model: m}
	e.counters = make([][2]prometheus.Counter, len(m.Constraints))
	e.index = make(map[string]int, len(m.Constraints))
	for i := range m.Constraints {
		id := m.Constraints[i].Doc.ID
		e.index[id] = i
		e.counters[i] = [2]prometheus.Counter{
			ms.met.Evaluations.WithLabelValues(id, "satisfied"),
			ms.met.Evaluations.WithLabelValues(id, "violated"),
		}
	}

	ms.mu.Lock()
	defer ms.mu.Unlock()
	if el, ok := ms.byKey[key]; ok {
		el.Value = e
		ms.ll.MoveToFront(el)
	} else {
		ms.byKey[key] = ms.ll.PushFront(e)
	}
	for ms.ll.Len() > ms.max {
		old := ms.ll.Back()
		ms.ll.Remove(old)
		delete(ms.byKey, old.Value.(*modelEntry).key)
	}
	return e, nil
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
