package evaluator_test

import (
	"runtime"
	"testing"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/internal/memsize"
	"github.com/flextime/flextime/internal/testenv"
)

// TestStateBytes holds the cheap hand-written estimate against the
// exhaustive walk (within a generous factor), and the walk of a model
// against the heap its compilation really took, so that a byte budget
// built on them means what it says.
func TestStateBytes(t *testing.T) {
	paths, ok := testenv.ITC2021(t)[benchInstance]
	if !ok {
		testenv.Missing(t, benchInstance+" is not in the shared data")
	}
	for _, c := range []*itcCase{loadITC(t, benchInstance, paths)} {
		st := c.model.NewState()
		if err := st.Load(c.sched); err != nil {
			t.Fatal(err)
		}
		got, walked := st.Bytes(), memsize.Of(st, c.model)
		if got < walked*2/3 || got > walked*3/2 {
			t.Errorf("%s: State.Bytes = %d, the walk finds %d", c.name, got, walked)
		}
		t.Logf("%s: state %d bytes (walk %d), model %d bytes", c.name, got, walked, memsize.Of(c.model))
	}
}

func TestModelBytesAgainstTheHeap(t *testing.T) {
	paths, ok := testenv.ITC2021(t)[benchInstance]
	if !ok {
		testenv.Missing(t, benchInstance+" is not in the shared data")
	}
	c := loadITC(t, benchInstance, paths)
	frame, err := evaluator.NewFrame(c.sched)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m, err := evaluator.Compile(frame, c.inst.Constraints, evaluator.CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// The constraint documents and the frame were there before: skip them.
	est := memsize.Of(m, frame, c.inst.Constraints)
	runtime.KeepAlive(m)
	if est < heap/2 || est > heap*2 {
		t.Fatalf("model estimate %d bytes, heap grew %d", est, heap)
	}
	t.Logf("%d constraints: model estimate %d bytes, heap grew %d", len(m.Constraints), est, heap)
}
