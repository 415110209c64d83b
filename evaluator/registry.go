package evaluator

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// Kind is one entry of the constraint catalogue: a name, the JSON Schema
// of its params (schemas/params/<Name>.json), and a compile step that turns
// validated params into a rule bound to a Frame. The rule carries the
// evaluate step.
type Kind struct {
	Name        string
	Description string // one line, for `flextime constraints kinds`
	Deviation   string // how the deviation is counted, for the docs
	Compile     func(b *Builder, params json.RawMessage) (rule, error)
}

var registry struct {
	sync.RWMutex
	kinds map[string]*Kind
}

// Register adds k to the catalogue. It panics on a duplicate name, which
// is a programming error caught by any test.
func Register(k Kind) {
	registry.Lock()
	defer registry.Unlock()
	if registry.kinds == nil {
		registry.kinds = map[string]*Kind{}
	}
	if _, dup := registry.kinds[k.Name]; dup {
		panic("evaluator: kind registered twice: " + k.Name)
	}
	registry.kinds[k.Name] = &k
}

// Lookup returns the kind called name, or false when there is none.
func Lookup(name string) (*Kind, bool) {
	registry.RLock()
	defer registry.RUnlock()
	k, ok := registry.kinds[name]
	return k, ok
}

// Kinds returns every registered kind, sorted by name.
func Kinds() []*Kind {
	registry.RLock()
	defer registry.RUnlock()
	out := make([]*Kind, 0, len(registry.kinds))
	for _, k := range registry.kinds {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b *Kind) int { return strings.Compare(a.Name, b.Name) })
	return out
}
