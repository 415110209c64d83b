package schemas_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

const ca1 = `{"id": "c1", "sport": "itc", "kind": "CA1", "hard": true, "params": {"teams": ["0"], "slots": [0], "min": 0, "max": 0, "mode": "H"}}`

func TestDecodeConstraintDefaults(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		penalty  schemas.Fixed
		priority string
		version  int
		active   bool
	}{
		{"hard, all absent", ca1, schemas.FixedInt(1), schemas.PriorityRequired, 1, true},
		{"soft, all absent", `{"id": "c", "sport": "mbb", "kind": "future_kind", "hard": false, "params": {}}`,
			schemas.FixedInt(1), schemas.PriorityMedium, 1, true},
		{"explicit zero penalty", `{"id": "c", "sport": "mbb", "kind": "k", "hard": false, "penalty": 0, "params": {}}`,
			0, schemas.PriorityMedium, 1, true},
		{"decimal penalty", `{"id": "c", "sport": "mbb", "kind": "k", "hard": false, "penalty": 0.7, "params": {}}`,
			700000, schemas.PriorityMedium, 1, true},
		{"exponent penalty", `{"id": "c", "sport": "mbb", "kind": "k", "hard": false, "penalty": 2.5e1, "params": {}}`,
			schemas.FixedInt(25), schemas.PriorityMedium, 1, true},
		{"all given", `{"id": "c", "name": "n", "sport": "mbb", "kind": "k", "hard": true, "penalty": 3, "priority": "low",
			"params": {"a": 1}, "active": false, "version": 7, "metadata": {"tags": ["home-away"]}}`,
			schemas.FixedInt(3), schemas.PriorityLow, 7, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := schemas.DecodeConstraint([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if c.Penalty != tt.penalty || c.Priority != tt.priority || c.Version != tt.version || c.IsActive() != tt.active {
				t.Errorf("got penalty %v priority %q version %d active %v", c.Penalty, c.Priority, c.Version, c.IsActive())
			}
			if !json.Valid(c.Params) {
				t.Errorf("params %q", c.Params)
			}
		})
	}
}

func TestDecodeConstraintFields(t *testing.T) {
	c, err := schemas.DecodeConstraint([]byte(`{"id": "mbb-max-road-streak", "name": "No more than 2 consecutive road games",
		"sport": "mbb", "kind": "future_kind", "hard": true, "penalty": 1.25, "priority": "required",
		"params": {"max": 2}, "active": true, "version": 3, "metadata": {"tags": ["home-away"]}, "owner": "ops"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "mbb-max-road-streak" || c.Name == "" || c.Sport != "mbb" || c.Kind != "future_kind" || !c.Hard ||
		c.Penalty != 1250000 || string(c.Params) != `{"max": 2}` || string(c.Metadata) != `{"tags": ["home-away"]}` {
		t.Errorf("got %+v", c)
	}
	if c.Penalty.String() != "1.25" {
		t.Errorf("penalty = %s", c.Penalty)
	}
}

func TestDecodeConstraintsForms(t *testing.T) {
	doc := func(id string) string {
		return `{"id": "` + id + `", "sport": "mbb", "kind": "k", "hard": false, "params": {}}`
	}
	tests := []struct {
		name string
		in   string
		ids  []string
	}{
		{"array", "[" + doc("a") + ",\n" + doc("b") + "]", []string{"a", "b"}},
		{"empty array", "[]", nil},
		{"single", doc("a"), []string{"a"}},
		{"single pretty", "{\n  \"id\": \"a\",\n  \"sport\": \"mbb\",\n  \"kind\": \"k\",\n  \"hard\": false,\n  \"params\": {}\n}\n", []string{"a"}},
		{"ndjson", doc("a") + "\n" + doc("b") + "\n\n" + doc("c") + "\n", []string{"a", "b", "c"}},
		{"ndjson crlf", doc("a") + "\r\n" + doc("b") + "\r\n", []string{"a", "b"}},
		{"empty input", " \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs, err := schemas.DecodeConstraints([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.ids, ",") {
				t.Errorf("ids = %v, want %v", ids, tt.ids)
			}
		})
	}
}

func TestDecodeConstraintsInvalid(t *testing.T) {
	good := `{"id": "a", "sport": "mbb", "kind": "k", "hard": false, "params": {}}`
	road := `{"id": "mbb-max-road", "sport": "mbb", "kind": "k", "hard": false, "penalty": -1, "params": {}}`
	tests := []struct {
		name  string
		in    string
		field string // of the FieldError inside
		msg   string // the whole message
	}{
		{"array penalty", "[" + good + "," + good[:8] + "b" + good[9:] + "," + good[:8] + "c" + good[9:] + "," + road + "]",
			"penalty", `constraint 3 ("mbb-max-road"): penalty: must be >= 0`},
		{"ndjson penalty", good + "\n\n" + road + "\n", "penalty", `line 3 ("mbb-max-road"): penalty: must be >= 0`},
		{"single penalty", road, "penalty", `constraint "mbb-max-road": penalty: must be >= 0`},
		{"array duplicate", "[" + good + "," + good + "]", "id", `constraint 1 ("a"): id: duplicate constraint "a" (first at constraint 0)`},
		{"ndjson duplicate", good + "\n" + good, "id", `line 2 ("a"): id: duplicate constraint "a" (first on line 1)`},
		{"ndjson syntax", good + "\n" + `{"id": "b",, "sport": "mbb"}`, "", `line 2, column 12: invalid character ','`},
		{"array syntax", "[\n" + good + ",\n]", "", `line 3, column 1: invalid character ']'`},
		{"missing hard", `{"id": "x", "sport": "mbb", "kind": "k", "params": {}}`, "", `constraint "x": missing property "hard"`},
		{"missing everything", `{}`, "", `missing properties "id", "sport", "kind", "hard", "params"`},
		{"not an object", `[1]`, "", `constraint 0: must be an object (got a number)`},
		{"params not object", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "params": []}`, "params", `must be an object (got an array)`},
		{"bad priority", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "priority": "urgent", "params": {}}`, "priority", `priority: must be one of "required", "high", "medium", "low" (got "urgent")`},
		{"hard string", `{"id": "x", "sport": "mbb", "kind": "k", "hard": "yes", "params": {}}`, "hard", `hard: must be a boolean (got a string)`},
		{"version zero", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "version": 0, "params": {}}`, "version", `version: must be >= 1`},
		{"version fraction", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "version": 2.0, "params": {}}`, "version", `version: must be written as a plain integer`},
		{"penalty precision", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "penalty": 0.1234567, "params": {}}`, "penalty", `penalty: must have at most 6 decimal places`},
		{"penalty huge", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "penalty": 1e20, "params": {}}`, "penalty", `penalty: out of range`},
		{"penalty string", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "penalty": "1", "params": {}}`, "penalty", `penalty: must be a number (got a string)`},
		{"empty id", `{"id": "", "sport": "mbb", "kind": "k", "hard": true, "params": {}}`, "id", `id: must not be empty`},
		{"case typo", `{"id": "x", "sport": "mbb", "kind": "k", "hard": true, "Penalty": 5, "params": {}}`, "", `unknown property "Penalty" (did you mean "penalty"?)`},
		{"bad params", `{"id": "x", "sport": "itc", "kind": "CA1", "hard": true, "params": {"teams": ["0"], "slots": [0], "max": 0, "mode": "X"}}`,
			"params.mode", `constraint "x": params.mode: must be one of "H", "A" (got "X")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schemas.DecodeConstraints([]byte(tt.in))
			if !errors.Is(err, schemas.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *schemas.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %T, want a *FieldError inside", err)
			}
			if fe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q\nwant it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestDecodeConstraintUnknownKindPasses(t *testing.T) {
	// Kinds without a params schema belong to the catalogue, which checks
	// them when it compiles the constraint.
	c, err := schemas.DecodeConstraint([]byte(`{"id": "x", "sport": "mbb", "kind": "future_kind", "hard": true, "params": {"anything": 1}}`))
	if err != nil || c.Kind != "future_kind" {
		t.Fatalf("got %v, %v", c, err)
	}
}

func TestDecodeConstraintsDoesNotAlias(t *testing.T) {
	in := []byte("[" + ca1 + "]")
	cs, err := schemas.DecodeConstraints(in)
	if err != nil {
		t.Fatal(err)
	}
	before := string(cs[0].Params)
	for i := range in {
		in[i] = ' '
	}
	if string(cs[0].Params) != before {
		t.Error("Params shares memory with the input")
	}
}
