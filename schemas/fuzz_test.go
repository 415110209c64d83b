package schemas_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// checkDocError holds every decoding error to the same promise: it is bad
// input (ErrInvalid) told in one line.
func checkDocError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, schemas.ErrInvalid) {
		t.Fatalf("error does not wrap ErrInvalid: %v", err)
	}
	if msg := err.Error(); msg == "" || strings.ContainsAny(msg, "\n\r") {
		t.Fatalf("error is not one line: %q", msg)
	}
}

func FuzzDecodeSchedule(f *testing.F) {
	f.Add([]byte(validSchedule))
	f.Add([]byte(`{"id": "s", "sport": "mbb"}`))
	f.Add([]byte(`{"id": "s", "sport": "mbb", "teams": [{"id": "A"}, {"id": "B"}], "slots": [{"id": 3}], "games": [{"id": "g", "home": "A", "away": "B", "slot": 3}]}`))
	f.Add([]byte(`{"id": "s", "sport": "mbb", "slots": [{"id": 1e2}, {"id": -0}]}`))
	f.Add([]byte("{\n\"id\": 1}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := schemas.DecodeSchedule(data)
		if err != nil {
			checkDocError(t, err)
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("decoded schedule does not validate: %v", err)
		}
		if err := schemas.ValidateScheduleJSON(data); err != nil {
			t.Fatalf("DecodeSchedule accepts what ValidateScheduleJSON refuses: %v", err)
		}
		// What we accept, we can write back and read again.
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := schemas.DecodeSchedule(out); err != nil {
			t.Fatalf("re-encoded schedule %s: %v", out, err)
		}
	})
}

func FuzzDecodeConstraints(f *testing.F) {
	f.Add([]byte(ca1))
	f.Add([]byte("[" + ca1 + "]"))
	f.Add([]byte(ca1 + "\n" + strings.Replace(ca1, `"c1"`, `"c2"`, 1) + "\n"))
	f.Add([]byte(`{"id": "x", "sport": "mbb", "kind": "k", "hard": false, "penalty": 0.7, "priority": "low", "version": 2, "active": false, "metadata": {}, "params": {}}`))
	f.Add([]byte(`[{"id": "x", "sport": "mbb", "kind": "GA1", "hard": true, "params": {"meetings": [["0", "1"]], "slots": [0], "max": 0}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := schemas.DecodeConstraints(data)
		if err != nil {
			checkDocError(t, err)
			return
		}
		seen := map[string]bool{}
		for _, c := range cs {
			if seen[c.ID] {
				t.Fatalf("duplicate id %q accepted", c.ID)
			}
			seen[c.ID] = true
			if c.ID == "" || c.Sport == "" || c.Kind == "" || c.Penalty < 0 || c.Version < 1 || c.Params == nil {
				t.Fatalf("accepted %+v", c)
			}
			switch c.Priority {
			case schemas.PriorityRequired, schemas.PriorityHigh, schemas.PriorityMedium, schemas.PriorityLow:
			default:
				t.Fatalf("priority %q accepted", c.Priority)
			}
			if _, ok := schemas.ParamsSchema(c.Kind); ok {
				if err := schemas.ValidateParams(c.Kind, c.Params); err != nil {
					t.Fatalf("params accepted by DecodeConstraints, refused by ValidateParams: %v", err)
				}
			}
			// What we accept, we can write back and read again unchanged.
			out, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			back, err := schemas.DecodeConstraint(out)
			if err != nil {
				t.Fatalf("re-encoded constraint %s: %v", out, err)
			}
			if !sameConstraint(c, *back) {
				t.Fatalf("round trip changed %+v into %+v", c, *back)
			}
		}
	})
}

func sameConstraint(a, b schemas.Constraint) bool {
	return sameJSON(a.Params, b.Params) && sameJSON(a.Metadata, b.Metadata) && a.IsActive() == b.IsActive() &&
		a.ID == b.ID && a.Name == b.Name && a.Sport == b.Sport && a.Kind == b.Kind && a.Hard == b.Hard &&
		a.Penalty == b.Penalty && a.Priority == b.Priority && a.Version == b.Version
}

// sameJSON compares by value: json.Marshal re-escapes a RawMessage ("&"
// becomes "\u0026") without changing what it says.
func sameJSON(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	decode := func(raw json.RawMessage) any {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return err.Error()
		}
		return v
	}
	return reflect.DeepEqual(decode(a), decode(b))
}
