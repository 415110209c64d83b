package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// ErrUnknownConstraint is wrapped by Set.Narrow when a request names a
// constraint id the set does not have. Callers treat it as bad input.
var ErrUnknownConstraint = errors.New("unknown constraint id")

// Set is the constraint set of one sport: its active constraint documents
// and their constraint_set identifier (CONTRACT §2), which changes whenever
// any document does. A Set is immutable; a reload builds a new one.
type Set struct {
	Sport string
	ID    string
	// Base is the ID of the set this one was narrowed from (Narrow), or
	// ID itself: what a request's subset is a subset of, so that caches
	// can tell a sport's constraints were replaced.
	Base string
	Docs []schemas.Constraint
	byID map[string]int
	// paramsValid is set when every document's kind is known and its
	// params pass the kind's JSON Schema, checked once when the set is
	// built, so that compiling a model for each new frame need not.
	paramsValid bool

	versionsOnce sync.Once
	versionsJSON json.RawMessage
}

// NewSet builds the set of sport from docs, keeping only the active
// documents of that sport.
func NewSet(sport string, docs []schemas.Constraint) *Set {
	s := &Set{Sport: sport, byID: map[string]int{}}
	for i := range docs {
		if docs[i].Sport == sport && docs[i].IsActive() {
			s.byID[docs[i].ID] = len(s.Docs)
			s.Docs = append(s.Docs, docs[i])
		}
	}
	s.ID = evaluator.SetID(s.Docs)
	s.Base = s.ID
	s.paramsValid = paramsValid(s.Docs)
	return s
}

// paramsValid reports whether every document has a known kind whose
// params pass its JSON Schema.
func paramsValid(docs []schemas.Constraint) bool {
	for i := range docs {
		if _, ok := evaluator.Lookup(docs[i].Kind); !ok {
			return false
		}
		if schemas.ValidateParams(docs[i].Kind, docs[i].Params) != nil {
			return false
		}
	}
	return true
}

// ParamsValid reports whether every document's params passed its kind's
// JSON Schema when the set was built. Callers pass it to evaluator.Compile
// as CompileOptions.ParamsValidated: a set that failed is then compiled
// with the check, which refuses it naming the constraint and the field,
// exactly as it always has.
func (s *Set) ParamsValid() bool { return s.paramsValid }

// Len returns the number of constraints in the set.
func (s *Set) Len() int { return len(s.Docs) }

// Narrow returns the subset named by ids, with its own identifier, or s
// itself when ids is empty. An id the set does not have is an error
// wrapping ErrUnknownConstraint that names the first such id and its
// place, as `constraint_ids[2]: unknown constraint id "x" in sport mbb`.
func (s *Set) Narrow(ids []string) (*Set, error) {
	if len(ids) == 0 {
		return s, nil
	}
	// A subset of documents that passed passes too.
	sub := &Set{Sport: s.Sport, Base: s.Base, byID: make(map[string]int, len(ids)), paramsValid: s.paramsValid}
	for i, id := range ids {
		j, ok := s.byID[id]
		if !ok {
			return nil, fmt.Errorf("constraint_ids[%d]: %w %q in sport %s", i, ErrUnknownConstraint, id, s.Sport)
		}
		if _, dup := sub.byID[id]; dup {
			continue
		}
		sub.byID[id] = len(sub.Docs)
		sub.Docs = append(sub.Docs, s.Docs[j])
	}
	sub.ID = evaluator.SetID(sub.Docs)
	return sub, nil
}

// Versions returns each constraint's version, by id.
func (s *Set) Versions() map[string]int {
	out := make(map[string]int, len(s.Docs))
	for i := range s.Docs {
		out[s.Docs[i].ID] = max(s.Docs[i].Version, 1)
	}
	return out
}

// VersionsJSON is Versions as a JSON object, encoded once per set: what
// history records about the set, shared by every request evaluated
// under it.
func (s *Set) VersionsJSON() json.RawMessage {
	s.versionsOnce.Do(func() {
		s.versionsJSON, _ = json.Marshal(s.Versions()) // a map of ints always encodes
	})
	return s.versionsJSON
}

// Sets splits docs into one Set per sport, skipping inactive documents.
func Sets(docs []schemas.Constraint) map[string]*Set {
	var sports []string
	for i := range docs {
		if !slices.Contains(sports, docs[i].Sport) {
			sports = append(sports, docs[i].Sport)
		}
	}
	out := make(map[string]*Set, len(sports))
	for _, sp := range sports {
		out[sp] = NewSet(sp, docs)
	}
	return out
}

// Check validates what can be checked of constraint documents without a
// schedule: each kind is in the catalogue and each params object passes
// its kind's JSON Schema. The error names the document and the field, as
// `constraint "mbb-road" (3): params.max: must be >= 0`.
func Check(docs []schemas.Constraint) error {
	for i := range docs {
		d := &docs[i]
		if _, ok := evaluator.Lookup(d.Kind); !ok {
			return fmt.Errorf("constraint %q (%d): kind: unknown kind %q (known: %s): %w",
				d.ID, i, d.Kind, strings.Join(kindNames(), ", "), schemas.ErrInvalid)
		}
		if err := schemas.ValidateParams(d.Kind, d.Params); err != nil {
			return fmt.Errorf("constraint %q (%d): %w", d.ID, i, err)
		}
	}
	return nil
}

func kindNames() []string {
	var out []string
	for _, k := range evaluator.Kinds() {
		out = append(out, k.Name)
	}
	return out
}
