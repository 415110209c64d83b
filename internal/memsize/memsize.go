// Package memsize estimates how many bytes of heap a value keeps alive, by
// walking what it points to. The caches use it to charge compiled models
// against their byte budgets, and the tests use it to check the cheaper
// hand-written estimates (evaluator.State.Bytes) for drift.
//
// The figure is an estimate, not an allocator's count: it adds the sizes
// of the pointed-to objects, backing arrays (by capacity), string bytes
// and map entries (with an allowance for the buckets), each shared object
// once. Allocator rounding and map load factors make the real figure up to
// about half again as large; the callers' budgets allow for that.
package memsize

import (
	"reflect"
	"sync"
	"unsafe"
)

// mapEntryOverhead approximates what a Go map adds per entry beyond its
// key and value: the control bytes, and the slack of a table kept at most
// 7/8 full and grown by doubling.
const mapEntryOverhead = 16

// Of returns the bytes reachable from v, v's own inline size included.
// Objects reachable from any of skip are not counted: pass what v shares
// with something charged elsewhere (a state's model, say). Cycles are
// followed once.
func Of(v any, skip ...any) int64 {
	w := walker{seen: map[uintptr]struct{}{}}
	for _, s := range skip {
		w.mark(reflect.ValueOf(s))
	}
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return 0
	}
	w.n = 0
	if rv.Kind() == reflect.Pointer {
		w.ptr(rv)
	} else {
		w.n += int64(rv.Type().Size())
		w.extra(rv)
	}
	return w.n
}

type walker struct {
	seen map[uintptr]struct{}
	n    int64
}

// mark walks v only to record what it reaches as seen.
func (w *walker) mark(v reflect.Value) {
	if !v.IsValid() {
		return
	}
	if v.Kind() == reflect.Pointer {
		w.ptr(v)
	} else {
		w.extra(v)
	}
}

// first records p and reports whether it had not been seen.
func (w *walker) first(p uintptr) bool {
	if _, ok := w.seen[p]; ok {
		return false
	}
	w.seen[p] = struct{}{}
	return true
}

func (w *walker) ptr(v reflect.Value) {
	if v.IsNil() || !w.first(v.Pointer()) {
		return
	}
	e := v.Elem()
	w.n += int64(e.Type().Size())
	w.extra(e)
}

// extra adds what v points to beyond its inline bytes.
func (w *walker) extra(v reflect.Value) {
	t := v.Type()
	if !hasPointers(t) {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		w.ptr(v)
	case reflect.String:
		if v.Len() > 0 && w.first(uintptr(unsafe.Pointer(unsafe.StringData(v.String())))) {
			w.n += int64(v.Len())
		}
	case reflect.Slice:
		if v.IsNil() || v.Cap() == 0 || !w.first(v.Pointer()) {
			return
		}
		et := t.Elem()
		w.n += int64(v.Cap()) * int64(et.Size())
		if hasPointers(et) {
			for i := range v.Len() {
				w.extra(v.Index(i))
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			w.extra(v.Index(i))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			w.extra(v.Field(i))
		}
	case reflect.Map:
		if v.IsNil() || !w.first(v.Pointer()) {
			return
		}
		kt, vt := t.Key(), t.Elem()
		w.n += 48 + int64(v.Len())*(int64(kt.Size())+int64(vt.Size())+mapEntryOverhead)
		if hasPointers(kt) || hasPointers(vt) {
			it := v.MapRange()
			for it.Next() {
				w.extra(it.Key())
				w.extra(it.Value())
			}
		}
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if e.Kind() == reflect.Pointer {
			w.ptr(e)
			return
		}
		w.n += int64(e.Type().Size()) // boxed
		w.extra(e)
	}
	// Func, Chan and UnsafePointer: opaque; counted as their word only.
}

var pointerFree sync.Map // reflect.Type -> bool

// hasPointers reports whether a value of t can refer to other memory.
func hasPointers(t reflect.Type) bool {
	if v, ok := pointerFree.Load(t); ok {
		return !v.(bool)
	}
	var has bool
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		has = false
	case reflect.Array:
		has = t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				has = true
				break
			}
		}
	default:
		has = true
	}
	pointerFree.Store(t, !has)
	return has
}
