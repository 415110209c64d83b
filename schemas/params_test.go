package schemas_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// paramsCase is a params object valid for its kind, and edits of it that
// each make it invalid, with the field the error must name.
type paramsCase struct {
	kind  string
	valid string
	bad   []paramsEdit
}

type paramsEdit struct {
	name  string
	set   map[string]any // nil value: delete the key
	field string
	msg   string
}

func del(keys ...string) map[string]any {
	m := map[string]any{}
	for _, k := range keys {
		m[k] = nil
	}
	return m
}

var (
	badTeams      = paramsEdit{"empty team id", map[string]any{"teams": []any{"0", ""}}, "params.teams[1]", "must not be empty"}
	badTeamType   = paramsEdit{"team id number", map[string]any{"teams": []any{0}}, "params.teams[0]", "must be a string (got a number)"}
	badSlot       = paramsEdit{"negative slot", map[string]any{"slots": []any{0, -1}}, "params.slots[1]", "must be >= 0"}
	missingSlots  = paramsEdit{"missing slots", del("slots"), "params", `missing property "slots"`}
	noMinMax      = paramsEdit{"min and max absent", del("min", "max"), "params", `missing property "min" or "max"`}
	negativeMax   = paramsEdit{"negative max", map[string]any{"max": -1}, "params.max", "must be >= 0"}
	unknownParam  = paramsEdit{"unknown param", map[string]any{"mxa": 1}, "params", `unknown property "mxa"`}
	badMode1      = paramsEdit{"bad mode1", map[string]any{"mode1": "X"}, "params.mode1", `must be one of "H", "A", "HA"`}
	badTeams1Type = paramsEdit{"teams1 not array", map[string]any{"teams1": "0"}, "params.teams1", "must be an array (got a string)"}
	badTeams1     = paramsEdit{"empty teams1 id", map[string]any{"teams1": []any{"0", "1", ""}}, "params.teams1[2]", "must not be empty"}
)

var paramsCases = []paramsCase{
	{"CA1", `{"teams": ["0"], "slots": [0], "min": 0, "max": 0, "mode": "H"}`, []paramsEdit{
		{"bad mode", map[string]any{"mode": "HA"}, "params.mode", `must be one of "H", "A" (got "HA")`},
		{"missing mode", del("mode"), "params", `missing property "mode"`},
		missingSlots, noMinMax, negativeMax, badTeams, badTeamType, badSlot, unknownParam,
	}},
	{"CA2", `{"teams1": ["0"], "teams2": ["1", "2"], "slots": [0, 1], "max": 1, "mode1": "HA", "mode2": "GLOBAL"}`, []paramsEdit{
		badMode1,
		{"bad mode2", map[string]any{"mode2": "EVERY"}, "params.mode2", `must be "GLOBAL" (got "EVERY")`},
		missingSlots, noMinMax, negativeMax, badTeams1, badTeams1Type, unknownParam,
	}},
	{"CA3", `{"teams1": ["0"], "teams2": ["1"], "intp": 3, "min": 1, "mode1": "A", "mode2": "SLOTS"}`, []paramsEdit{
		badMode1,
		{"intp zero", map[string]any{"intp": 0}, "params.intp", "must be >= 1"},
		{"missing intp", del("intp"), "params", `missing property "intp"`},
		{"slots not allowed", map[string]any{"slots": []any{0}}, "params", `unknown property "slots"`},
		{"bad mode2", map[string]any{"mode2": "GLOBAL"}, "params.mode2", `must be "SLOTS"`},
		noMinMax, negativeMax, badTeams1,
	}},
	{"CA4", `{"teams1": ["0", "1"], "teams2": ["2"], "slots": [3], "max": 2, "mode1": "H", "mode2": "EVERY"}`, []paramsEdit{
		badMode1,
		{"bad mode2", map[string]any{"mode2": "SLOTS"}, "params.mode2", `must be one of "GLOBAL", "EVERY"`},
		{"missing mode2", del("mode2"), "params", `missing property "mode2"`},
		missingSlots, noMinMax, negativeMax, badTeams1,
	}},
	{"GA1", `{"meetings": [["0", "1"], ["2", "3"]], "slots": [0, 5], "min": 1, "max": 2}`, []paramsEdit{
		{"meeting of three", map[string]any{"meetings": []any{[]any{"0", "1", "2"}}}, "params.meetings[0]", "must have at most 2 items"},
		{"meeting of one", map[string]any{"meetings": []any{[]any{"0", "1"}, []any{"0"}}}, "params.meetings[1]", "must have at least 2 items"},
		{"meeting empty team", map[string]any{"meetings": []any{[]any{"0", ""}}}, "params.meetings[0][1]", "must not be empty"},
		{"meeting not pair", map[string]any{"meetings": []any{"0-1"}}, "params.meetings[0]", "must be an array (got a string)"},
		missingSlots, noMinMax, negativeMax, badSlot,
	}},
	{"BR1", `{"teams": ["0"], "slots": [1, 2], "intp": 0, "mode1": "LEQ", "mode2": "HA"}`, []paramsEdit{
		{"bad mode2", map[string]any{"mode2": "LEQ"}, "params.mode2", `must be one of "H", "A", "HA"`},
		{"bad mode1", map[string]any{"mode1": "GEQ"}, "params.mode1", `must be "LEQ"`},
		{"negative intp", map[string]any{"intp": -1}, "params.intp", "must be >= 0"},
		{"fractional intp", map[string]any{"intp": 1.5}, "params.intp", "must be an integer (got a number)"},
		missingSlots, badTeams, unknownParam,
	}},
	{"BR2", `{"teams": ["0", "1"], "slots": [0, 1, 2], "intp": 4, "homeMode": "HA", "mode2": "LEQ"}`, []paramsEdit{
		{"bad homeMode", map[string]any{"homeMode": "H"}, "params.homeMode", `must be "HA"`},
		{"bad mode2", map[string]any{"mode2": "HA"}, "params.mode2", `must be "LEQ"`},
		{"missing intp", del("intp"), "params", `missing property "intp"`},
		missingSlots, badTeams, badSlot,
	}},
	{"FA2", `{"teams": ["0", "1", "2"], "slots": [0, 1], "intp": 2, "mode": "H"}`, []paramsEdit{
		{"bad mode", map[string]any{"mode": "A"}, "params.mode", `must be "H" (got "A")`},
		missingSlots, badTeams, badSlot, unknownParam,
	}},
	{"SE1", `{"teams": ["0", "1"], "min": 5, "mode1": "SLOTS"}`, []paramsEdit{
		{"bad mode1", map[string]any{"mode1": "GAMES"}, "params.mode1", `must be "SLOTS"`},
		{"missing min", del("min"), "params", `missing property "min"`},
		{"negative min", map[string]any{"min": -2}, "params.min", "must be >= 0"},
		badTeams, unknownParam,
	}},
}

func TestParamsSchemas(t *testing.T) {
	for _, pc := range paramsCases {
		t.Run(pc.kind, func(t *testing.T) {
			if err := schemas.ValidateParams(pc.kind, json.RawMessage(pc.valid)); err != nil {
				t.Fatalf("valid params: %v", err)
			}
			for _, e := range pc.bad {
				t.Run(e.name, func(t *testing.T) {
					var m map[string]any
					if err := json.Unmarshal([]byte(pc.valid), &m); err != nil {
						t.Fatal(err)
					}
					for k, v := range e.set {
						if v == nil {
							delete(m, k)
						} else {
							m[k] = v
						}
					}
					raw, _ := json.Marshal(m)
					err := schemas.ValidateParams(pc.kind, raw)
					if !errors.Is(err, schemas.ErrInvalid) {
						t.Fatalf("%s: err = %v, want ErrInvalid", raw, err)
					}
					var fe *schemas.FieldError
					if !errors.As(err, &fe) || fe.Field != e.field {
						t.Errorf("%s: err = %v, want field %q", raw, err, e.field)
					}
					if !strings.Contains(err.Error(), e.msg) {
						t.Errorf("%s: err = %q, want it to contain %q", raw, err, e.msg)
					}
				})
			}
		})
	}
}

func TestParamsKinds(t *testing.T) {
	want := []string{"BR1", "BR2", "CA1", "CA2", "CA3", "CA4", "FA2", "GA1", "SE1"}
	got := schemas.ParamsKinds()
	for _, k := range want {
		if !slices.Contains(got, k) {
			t.Errorf("ParamsKinds() = %v, missing %s", got, k)
		}
	}
	if !slices.IsSorted(got) {
		t.Errorf("ParamsKinds() = %v, not sorted", got)
	}
	tested := map[string]bool{}
	for _, pc := range paramsCases {
		tested[pc.kind] = true
	}
	for _, k := range got {
		raw, ok := schemas.ParamsSchema(k)
		if !ok || !json.Valid(raw) {
			t.Errorf("ParamsSchema(%q) = %d bytes, %v", k, len(raw), ok)
		}
		var head struct {
			Schema               string `json:"$schema"`
			Description          string `json:"description"`
			AdditionalProperties *bool  `json:"additionalProperties"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatal(err)
		}
		if head.Schema != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema = %q", k, head.Schema)
		}
		if head.AdditionalProperties == nil || *head.AdditionalProperties {
			t.Errorf("%s: additionalProperties must be false", k)
		}
		d, _ := schemas.ParamsDescription(k)
		if d == "" || d != head.Description || strings.ContainsAny(d, "\n\t") {
			t.Errorf("%s: description %q must be one line", k, d)
		}
		// Every schema compiles: an empty object is invalid but must not
		// give anything other than a document error.
		if err := schemas.ValidateParams(k, json.RawMessage(`{}`)); err != nil && !errors.Is(err, schemas.ErrInvalid) {
			t.Errorf("%s: schema does not compile: %v", k, err)
		}
		if !tested[k] {
			t.Errorf("%s: no test case in paramsCases", k)
		}
	}
}

func TestValidateParamsUnknownKind(t *testing.T) {
	for _, kind := range []string{"XX9", "", "ca1", "../schedule.schema", "params/CA1"} {
		err := schemas.ValidateParams(kind, json.RawMessage(`{}`))
		if !errors.Is(err, schemas.ErrUnknownKind) || !errors.Is(err, schemas.ErrInvalid) {
			t.Errorf("ValidateParams(%q) = %v, want ErrUnknownKind and ErrInvalid", kind, err)
		}
		if _, ok := schemas.ParamsSchema(kind); ok {
			t.Errorf("ParamsSchema(%q) found", kind)
		}
	}
}

func TestValidateParamsMalformed(t *testing.T) {
	err := schemas.ValidateParams("CA1", json.RawMessage(`{"teams": [}`))
	var fe *schemas.FieldError
	if !errors.As(err, &fe) || fe.Field != "params" || !strings.Contains(fe.Msg, "line 1, column 12") {
		t.Errorf("err = %v", err)
	}
	err = schemas.ValidateParams("CA1", json.RawMessage(`[]`))
	if !errors.As(err, &fe) || fe.Field != "params" || !strings.Contains(fe.Msg, "must be an object") {
		t.Errorf("err = %v", err)
	}
}

func TestSchemaBytes(t *testing.T) {
	for name, raw := range map[string][]byte{"schedule": schemas.ScheduleSchema(), "constraint": schemas.ConstraintSchema()} {
		var head struct {
			Schema string `json:"$schema"`
		}
		if err := json.Unmarshal(raw, &head); err != nil || head.Schema != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s schema: %v, $schema %q", name, err, head.Schema)
		}
	}
	a := schemas.ScheduleSchema()
	a[0] = 'x'
	if schemas.ScheduleSchema()[0] != '{' {
		t.Error("ScheduleSchema returns shared memory")
	}
}
