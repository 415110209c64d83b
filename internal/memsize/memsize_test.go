package memsize

import (
	"runtime"
	"testing"
)

type node struct {
	name  string
	data  []int64
	next  *node
	attrs map[string]int
	any   any
}

func TestOfCountsWhatIsReachable(t *testing.T) {
	a := &node{name: "aaaaaaaaaaaaaaaa", data: make([]int64, 1000), attrs: map[string]int{"x": 1}}
	b := &node{next: a, data: make([]int64, 10), any: a}
	a.next = b // a cycle
	got := Of(a)
	if got < 8000+80 || got > 20000 {
		t.Fatalf("Of = %d, want about 8,200", got)
	}
	// What the skipped value reaches is not counted.
	if s := Of(b, a); s > 500 {
		t.Errorf("Of(b, skip a) = %d, want b's own bytes only", s)
	}
	if Of(nil) != 0 {
		t.Error("Of(nil) != 0")
	}
}

// TestOfAgainstTheHeap: the estimate of a large structure is within a
// generous factor of the heap it really takes.
func TestOfAgainstTheHeap(t *testing.T) {
	const n = 20000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := make(map[string]*node, 16)
	for i := range n {
		k := string(rune('a'+i%26)) + string(make([]byte, 8+i%8))
		m[k+itoa(i)] = &node{name: k, data: make([]int64, 4)}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	est := Of(m)
	runtime.KeepAlive(m)
	if est < heap/2 || est > heap*2 {
		t.Fatalf("estimate %d bytes, heap grew %d", est, heap)
	}
	t.Logf("estimate %d bytes, heap grew %d", est, heap)
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		if i /= 10; i == 0 {
			return string(b[p:])
		}
	}
}
