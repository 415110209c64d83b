package schemas

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

const validSchedule = `{"id":"s1","sport":"mbb",
 "teams":[{"id":"KU"},{"id":"KSU"}],
 "slots":[{"id":0,"start":"2026-01-03T00:00:00-06:00"},{"id":1}],
 "games":[{"id":"g1","home":"KU","away":"KSU","slot":0},{"id":"g2","home":"KSU","away":"KU","slot":1}]}`

func TestDecodeRequest(t *testing.T) {
	r, err := DecodeRequest([]byte(`{"request_id":"r1","revision":41,"schedule":` + validSchedule + `,"games":["g1"],"constraint_ids":["a","b"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.RequestID != "r1" || *r.Revision != 41 || r.Schedule.ID != "s1" || len(r.Schedule.Games) != 2 ||
		r.Detail != DetailViolated || len(r.ConstraintIDs) != 2 {
		t.Errorf("decoded %+v", r)
	}
}

func TestDecodeRequestErrors(t *testing.T) {
	sched := func(old, new string) string { return strings.Replace(validSchedule, old, new, 1) }
	long := strings.Repeat("x", 129)
	cases := []struct {
		name, body, field, msg string
	}{
		{"not JSON", `{"request_id": "r1", "schedule": `, "", "line 1"},
		{"empty", ``, "", ""},
		{"array", `[1]`, "", "object"},
		{"no request_id", `{"schedule":` + validSchedule + `}`, "request_id", "missing"},
		{"empty request_id", `{"request_id":"","schedule":` + validSchedule + `}`, "request_id", ""},
		{"long request_id", `{"request_id":"` + long + `","schedule":` + validSchedule + `}`, "request_id", ""},
		{"request_id not a string", `{"request_id":7,"schedule":` + validSchedule + `}`, "request_id", ""},
		{"no schedule", `{"request_id":"r1"}`, "", "schedule"},
		{"schedule not an object", `{"request_id":"r1","schedule":42}`, "schedule", ""},
		{"unknown team", `{"request_id":"r1","schedule":` + sched(`"home":"KU"`, `"home":"XYZ"`) + `}`, "schedule.games[0].home", "XYZ"},
		{"slot out of range", `{"request_id":"r1","schedule":` + sched(`"slot":1`, `"slot":9`) + `}`, "schedule.games[1].slot", ""},
		{"schedule without sport", `{"request_id":"r1","schedule":` + sched(`"sport":"mbb",`, ``) + `}`, "schedule", "sport"},
		{"bad detail", `{"request_id":"r1","detail":"some","schedule":` + validSchedule + `}`, "detail", ""},
		{"unknown game hint", `{"request_id":"r1","games":["g9"],"schedule":` + validSchedule + `}`, "games[0]", "g9"},
		{"duplicate constraint id", `{"request_id":"r1","constraint_ids":["a","a"],"schedule":` + validSchedule + `}`, "constraint_ids", ""},
		{"fractional revision", `{"request_id":"r1","revision":1.5,"schedule":` + validSchedule + `}`, "revision", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeRequest([]byte(c.body))
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err %T is not a *FieldError", err)
			}
			if c.field != "" && !strings.HasPrefix(fe.Field, c.field) {
				t.Errorf("field %q, want %q (%v)", fe.Field, c.field, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not mention %q", err, c.msg)
			}
		})
	}
}

func TestBestEffortProbes(t *testing.T) {
	for _, in := range []string{``, `{`, `[]`, `null`, `{"request_id":5}`, `{"schedule":"x"}`, "\xff\xfe"} {
		if id := RequestIDOf([]byte(in)); id != "" {
			t.Errorf("RequestIDOf(%q) = %q", in, id)
		}
		if s, i := ScheduleKeyOf([]byte(in)); s != "" || i != "" {
			t.Errorf("ScheduleKeyOf(%q) = %q %q", in, s, i)
		}
	}
	body := `{"request_id":"r9","schedule":{"id":"s","sport":"wbb","teams":"broken"}}`
	if RequestIDOf([]byte(body)) != "r9" {
		t.Error("request_id not found")
	}
	if s, i := ScheduleKeyOf([]byte(body)); s != "wbb" || i != "s" {
		t.Errorf("ScheduleKeyOf = %q %q", s, i)
	}
}

func TestMessagesMatchTheirSchemas(t *testing.T) {
	rev := int64(3)
	res := Result{RequestID: "r1", Revision: &rev, ScheduleID: "s1", Sport: "mbb", Status: StatusOK,
		ConstraintSet: "sha256:ab", Totals: Totals{Objective: FixedInt(2), Evaluated: 3, SoftSatisfiedPct: 50},
		Results: []ConstraintResult{{ConstraintID: "c", Kind: "CA1", Deviation: 2, Cost: FixedInt(2),
			Violations: []Violation{{Games: []string{"g1"}, Message: "m"}}}},
		Changes:     []Change{{ConstraintID: "c", Before: 0, After: FixedInt(2)}},
		EvaluatedAt: "2026-11-28T10:00:00Z", DurationUS: 12}
	b, _ := json.Marshal(res)
	if err := ValidateResultJSON(b); err != nil {
		t.Errorf("result: %v", err)
	}
	res.Status = StatusTimeout
	b, _ = json.Marshal(res)
	if err := ValidateResultJSON(b); !errors.Is(err, ErrInvalid) {
		t.Errorf("a timeout without its error passed: %v", err)
	}
	dl := DeadLetter{Reason: "request_id: missing", Class: ClassBadInput, Subject: "flextime.eval.mbb.s1",
		Headers: map[string][]string{"Nats-Msg-Id": {"x"}}, PayloadB64: "e30=", DeliveryCount: 1, StreamSeq: 9,
		At: "2026-11-28T10:00:00Z"}
	b, _ = json.Marshal(dl)
	if err := ValidateDeadLetterJSON(b); err != nil {
		t.Errorf("dead letter: %v", err)
	}
	dl.Class = "other"
	b, _ = json.Marshal(dl)
	if err := ValidateDeadLetterJSON(b); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad class passed: %v", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(`{"request_id":"r1","schedule":` + validSchedule + `}`))
	f.Add([]byte(`{"request_id":"r1","games":["g1"],"detail":"all","schedule":` + validSchedule + `}`))
	f.Add([]byte(`{"request_id":"","schedule":{}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeRequest(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if r.RequestID == "" || r.Schedule == nil || len(r.RequestID) > 128 {
			t.Fatalf("accepted %+v", r)
		}
		_ = RequestIDOf(data)
		_, _ = ScheduleKeyOf(data)
	})
}
