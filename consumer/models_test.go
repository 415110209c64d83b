package consumer

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"weak"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/flextime/flextime/cache"
	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/examples/big12"
	"github.com/flextime/flextime/schemas"
	"github.com/flextime/flextime/store"
)

// bigTwelve returns the mbb sample as JSON (to decode fresh copies from)
// and its constraint set.
func bigTwelve(t testing.TB) ([]byte, *store.Set) {
	t.Helper()
	sd, cd, err := big12.Sample("mbb")
	if err != nil {
		t.Fatal(err)
	}
	docs, err := schemas.DecodeConstraints(cd)
	if err != nil {
		t.Fatal(err)
	}
	return sd, store.NewSet("mbb", docs)
}

// variant decodes the sample under schedule id id; with frame > 0 one
// team's name differs, which makes another frame and so another model.
func variant(t testing.TB, doc []byte, id string, frame int) *schemas.Schedule {
	t.Helper()
	s, err := schemas.DecodeSchedule(doc)
	if err != nil {
		t.Fatal(err)
	}
	s.ID = id
	if frame > 0 {
		s.Teams[0].Name = fmt.Sprintf("renamed %d", frame)
	}
	return s
}

// TestModelsSharedAcrossScheduleIDs: schedules of one frame and one set
// share one model, whatever their ids; the model cache is bounded by
// frames, not by the ids a stream brings.
func TestModelsSharedAcrossScheduleIDs(t *testing.T) {
	doc, set := bigTwelve(t)
	ms := newModels(maxModels, DefaultModelBytes, NewMetrics(nil), 10000)
	first, err := ms.get(set, variant(t, doc, "s0", 0))
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 50; i++ {
		e, err := ms.get(set, variant(t, doc, fmt.Sprintf("s%d", i), 0))
		if err != nil {
			t.Fatal(err)
		}
		if e != first {
			t.Fatalf("schedule %d got a model of its own", i)
		}
	}
	other, err := ms.get(set, variant(t, doc, "s0", 1))
	if err != nil {
		t.Fatal(err)
	}
	if other == first || !other.model.Frame.Same(variant(t, doc, "x", 1)) {
		t.Error("another frame did not get its own model")
	}
	if n, _ := ms.stats(); n != 2 {
		t.Errorf("%d models, want 2", n)
	}
}

// TestModelsBoundedInBytes: models of distinct frames past the budget are
// evicted; and with the cache in front, no model stays alive that neither
// the model cache nor the cache has charged: evicting frees memory.
func TestModelsBoundedInBytes(t *testing.T) {
	doc, set := bigTwelve(t)
	one, err := ms1(set, variant(t, doc, "probe", 0))
	if err != nil {
		t.Fatal(err)
	}
	budget := 3*one + one/2 // room for three models
	ms := newModels(maxModels, budget, NewMetrics(nil), 10000)
	ch := cache.New(cache.Config{MaxBytes: 8 * one})
	defer ch.Close()
	var compiled []weak.Pointer[evaluator.Model]
	for i := range 20 {
		s := variant(t, doc, fmt.Sprintf("s%d", i), i)
		_, _, err := ch.Evaluate(context.Background(), s, set, false, func() (*evaluator.Model, error) {
			e, err := ms.get(set, s)
			if err != nil {
				return nil, err
			}
			compiled = append(compiled, weak.Make(e.model))
			return e.model, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, b := ms.stats(); b > budget || n > 3 {
			t.Fatalf("after %d frames: %d models in %d bytes, budget %d", i+1, n, b, budget)
		}
	}
	runtime.GC()
	runtime.GC()
	live := 0
	for _, w := range compiled {
		if w.Value() != nil {
			live++
		}
	}
	kept, _ := ms.stats()
	cacheModels := ch.Stats().Models
	if live > kept+cacheModels {
		t.Fatalf("%d of %d models still alive; the model cache holds %d and the cache %d", live, len(compiled), kept, cacheModels)
	}
	if live == len(compiled) {
		t.Fatal("no model was ever freed")
	}
	t.Logf("%d models compiled, %d alive (model cache %d, cache %d), model %d bytes", len(compiled), live, kept, cacheModels, one)
}

// ms1 returns the bytes one model of s is charged.
func ms1(set *store.Set, s *schemas.Schedule) (int64, error) {
	ms := newModels(1, DefaultModelBytes, NewMetrics(nil), 10000)
	e, err := ms.get(set, s)
	if err != nil {
		return 0, err
	}
	return e.bytes, nil
}

// TestMetricSeriesBounded: constraint_evaluations_total has a sport label,
// series of evicted models go away, and the total stays under the cap,
// the rest counted under "other".
func TestMetricSeriesBounded(t *testing.T) {
	doc, set := bigTwelve(t)
	reg := prometheus.NewRegistry()
	met := NewMetrics(reg)
	perSet := set.Len()
	// Room for two sets' series, and not a third.
	ms := newModels(2, DefaultModelBytes, met, 2*perSet*2+1)
	sets := make([]*store.Set, 5)
	for i := range sets {
		docs := make([]schemas.Constraint, len(set.Docs))
		copy(docs, set.Docs)
		sport := fmt.Sprintf("sport%d", i)
		for j := range docs {
			docs[j].Sport = sport
		}
		sets[i] = store.NewSet(sport, docs)
	}
	count := func() (n int, other bool) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "constraint_evaluations_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				n++
				for _, l := range m.GetLabel() {
					if l.GetName() == "sport" && l.GetValue() == OtherLabel {
						other = true
					}
				}
			}
		}
		return n, other
	}
	for i, st := range sets {
		s := variant(t, doc, "s", 0)
		s.Sport = st.Sport
		e, err := ms.get(st, s)
		if err != nil {
			t.Fatal(err)
		}
		e.count(&schemas.Result{}, false)
		if n, _ := count(); n > 2*perSet*2+2 {
			t.Fatalf("after %d sports: %d series, cap %d", i+1, n, 2*perSet*2+1)
		}
	}
	// Only the last two sports' models are kept: the first three sports'
	// series are gone.
	n, _ := count()
	if n != 2*perSet*2 {
		t.Errorf("%d series, want the %d of the two models kept", n, 2*perSet*2)
	}
	if got := testutil.ToFloat64(met.Evaluations.WithLabelValues("sport4", set.Docs[0].ID, "satisfied")); got != 1 {
		t.Errorf("sport4 %s satisfied = %v, want 1", set.Docs[0].ID, got)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "sport" && (l.GetValue() == "sport0" || l.GetValue() == "sport1") {
					t.Fatalf("series of an evicted model remain: %v", m)
				}
			}
		}
	}
	// A cap below what one model needs sends the rest to "other".
	reg2 := prometheus.NewRegistry()
	small := newModels(4, DefaultModelBytes, NewMetrics(reg2), 10)
	e, err := small.get(sets[0], func() *schemas.Schedule { s := variant(t, doc, "s", 0); s.Sport = "sport0"; return s }())
	if err != nil {
		t.Fatal(err)
	}
	e.count(&schemas.Result{}, false)
	var got []string
	mfs, _ = reg2.Gather()
	for _, mf := range mfs {
		if mf.GetName() != "constraint_evaluations_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetValue())
			}
			got = append(got, strings.Join(ls, ","))
		}
	}
	if len(got) > 12 || !strings.Contains(strings.Join(got, " "), "other,satisfied,other") {
		t.Errorf("series with a cap of 10: %v", got)
	}
}

// TestReplacedSetDropsItsModelsAndSeries: when a sport's constraints are
// replaced (a reload), the models of the old set go at once, and the
// series of a constraint the new set no longer has go with them, though
// the model cache has room.
func TestReplacedSetDropsItsModelsAndSeries(t *testing.T) {
	doc, set := bigTwelve(t)
	reg := prometheus.NewRegistry()
	met := NewMetrics(reg)
	ms := newModels(maxModels, DefaultModelBytes, met, 10000)
	s := variant(t, doc, "s", 0)
	e, err := ms.get(set, s)
	if err != nil {
		t.Fatal(err)
	}
	// A request narrowed to part of the set shares its Base.
	sub, err := set.Narrow([]string{set.Docs[0].ID, set.Docs[1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ms.get(sub, s); err != nil {
		t.Fatal(err)
	}
	if n, _ := ms.stats(); n != 2 {
		t.Fatalf("%d models, want the set's and the subset's", n)
	}
	e.count(&schemas.Result{}, false)
	gone := set.Docs[len(set.Docs)-1].ID
	if testutil.ToFloat64(met.Evaluations.WithLabelValues("mbb", gone, "satisfied")) != 1 {
		t.Fatal("no series for the constraint about to go")
	}
	replaced := store.NewSet("mbb", set.Docs[:len(set.Docs)-1])
	if _, err := ms.get(replaced, s); err != nil {
		t.Fatal(err)
	}
	if n, _ := ms.stats(); n != 1 {
		t.Errorf("%d models after the set was replaced, want only the new set's", n)
	}
	if c, err := testutil.GatherAndCount(reg, "constraint_evaluations_total"); err != nil || c != 2*replaced.Len() {
		t.Errorf("%d series (%v), want the new set's %d", c, err, 2*replaced.Len())
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "constraint_id" && l.GetValue() == gone {
					t.Fatalf("the removed constraint %s still has a series", gone)
				}
			}
		}
	}
}
