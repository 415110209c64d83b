package schemas_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/flextime/flextime/schemas"
)

// request wraps validSchedule (or a schedule edited with old -> new) in a
// request with the given extra members.
func request(t testing.TB, members, old, new string) string {
	t.Helper()
	sched := validSchedule
	if old != "" {
		if !strings.Contains(sched, old) {
			t.Fatalf("validSchedule has no %q", old)
		}
		sched = strings.Replace(sched, old, new, 1)
	}
	if members != "" {
		members += ", "
	}
	return `{` + members + `"schedule": ` + sched + `}`
}

func TestDecodeRequestValid(t *testing.T) {
	body := request(t, `"request_id": "7f9c-1", "revision": 41, "games": ["g001", "g003"], "constraint_ids": ["a", "b"], "extra": {"ignored": true}`, "", "")
	r, err := schemas.DecodeRequest([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if r.RequestID != "7f9c-1" || r.Revision == nil || *r.Revision != 41 || r.Detail != schemas.DetailViolated ||
		!reflect.DeepEqual(r.Games, []string{"g001", "g003"}) || !reflect.DeepEqual(r.ConstraintIDs, []string{"a", "b"}) {
		t.Errorf("decoded %+v", r)
	}
	if r.Schedule == nil || r.Schedule.ID != "big12-mbb-2025-26" || r.Schedule.Sport != "mbb" || len(r.Schedule.Games) != 3 {
		t.Fatalf("schedule %+v", r.Schedule)
	}

	// What we accept, we can write back and read again unchanged.
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := schemas.DecodeRequest(out)
	if err != nil {
		t.Fatalf("re-encoded request %s: %v", out, err)
	}
	if !reflect.DeepEqual(r, back) {
		t.Errorf("round trip changed\n%+v\ninto\n%+v", r, back)
	}

	all, err := schemas.DecodeRequest([]byte(request(t, `"request_id": "r", "detail": "all"`, "", "")))
	if err != nil || all.Detail != schemas.DetailAll || all.Revision != nil {
		t.Errorf("detail all: %+v, %v", all, err)
	}
	// A request_id is counted in characters, not bytes.
	wide := strings.Repeat("é", 128)
	if r, err := schemas.DecodeRequest([]byte(request(t, `"request_id": "`+wide+`"`, "", ""))); err != nil || r.RequestID != wide {
		t.Errorf("128-character request_id: %v", err)
	}
	// As a schedule, a request may start with a byte order mark.
	if _, err := schemas.DecodeRequest([]byte("\xef\xbb\xbf" + request(t, `"request_id": "r"`, "", ""))); err != nil {
		t.Errorf("BOM: %v", err)
	}
}

func TestDecodeRequestInvalid(t *testing.T) {
	long := strings.Repeat("x", 129)
	cases := []struct {
		name, body string
		field      string // exact
		msg        string // contained in the message
	}{
		{"not JSON", `{"request_id": "r1", "schedule": `, "", "line 1, column 34: unexpected end"},
		{"not JSON on line 2", "{\"request_id\": \"r1\",\n \"schedule\": x}", "", "line 2, column 14: invalid character 'x'"},
		{"empty body", ``, "", "empty document"},
		{"white space only", " \n ", "", "empty document"},
		{"array", `[1]`, "", "must be a JSON object (got an array)"},
		{"null", `null`, "", "(got null)"},
		{"trailing garbage", request(t, `"request_id": "r1"`, "", "") + ` {}`, "", "after top-level value"},
		{"request_id missing", request(t, ``, "", ""), "request_id", "missing"},
		{"request_id missing, no schedule either", `{}`, "request_id", "missing"},
		{"request_id empty", request(t, `"request_id": ""`, "", ""), "request_id", "must not be empty"},
		{"request_id of 129 characters", request(t, `"request_id": "`+long+`"`, "", ""), "request_id", "at most 128 characters"},
		{"request_id not a string", request(t, `"request_id": 7`, "", ""), "request_id", "must be a string (got a number)"},
		{"request_id null", request(t, `"request_id": null`, "", ""), "request_id", "must be a string (got null)"},
		{"request_id with a newline", request(t, `"request_id": "a\nb"`, "", ""), "request_id", "control characters"},
		{"request_id in the wrong case", request(t, `"Request_ID": "r1"`, "", ""), "", `unknown property "Request_ID" (did you mean "request_id"?)`},
		{"schedule missing", `{"request_id": "r1"}`, "schedule", "missing"},
		{"schedule null", `{"request_id": "r1", "schedule": null}`, "schedule", "must be an object (got null)"},
		{"schedule not an object", `{"request_id": "r1", "schedule": 42}`, "schedule", "must be an object"},
		{"schedule without sport", request(t, `"request_id": "r1"`, `"sport": "mbb",`, ``), "schedule", `missing property "sport"`},
		{"schedule key in the wrong case", request(t, `"request_id": "r1"`, `"season"`, `"Games"`), "schedule", `did you mean "games"`},
		{"schedule with unknown team id", request(t, `"request_id": "r1"`, `"home": "KU"`, `"home": "XYZ"`), "schedule.games[0].home", `unknown team "XYZ"`},
		{"schedule with slot out of range", request(t, `"request_id": "r1"`, `"slot": 0,`, `"slot": 9,`), "schedule.games[0].slot", "unknown slot 9"},
		{"schedule with duplicate game", request(t, `"request_id": "r1"`, `"id": "g003"`, `"id": "g001"`), "schedule.games[2].id", `duplicate game "g001"`},
		{"schedule with unknown game property", request(t, `"request_id": "r1"`, `"network"`, `"netwrk"`), "schedule.games[0]", `unknown property "netwrk"`},
		{"schedule with slot id 1e2", request(t, `"request_id": "r1"`, `{"id": 1,`, `{"id": 1e2,`), "schedule.slots[0].id", "plain integer"},
		{"bad detail", request(t, `"request_id": "r1", "detail": "some"`, "", ""), "detail", `must be one of "violated", "all" (got "some")`},
		{"games hint naming an unknown game", request(t, `"request_id": "r1", "games": ["g001", "g9"]`, "", ""), "games[1]", `unknown game "g9"`},
		{"games hint not strings", request(t, `"request_id": "r1", "games": [1]`, "", ""), "games[0]", "must be a string"},
		{"games hint not an array", request(t, `"request_id": "r1", "games": "g001"`, "", ""), "games", "must be an array"},
		{"constraint_ids duplicate", request(t, `"request_id": "r1", "constraint_ids": ["a", "b", "a"]`, "", ""), "constraint_ids", "items 0 and 2 are equal"},
		{"constraint_ids empty id", request(t, `"request_id": "r1", "constraint_ids": [""]`, "", ""), "constraint_ids[0]", "must not be empty"},
		{"revision fractional", request(t, `"request_id": "r1", "revision": 1.5`, "", ""), "revision", "must be an integer"},
		{"revision with exponent", request(t, `"request_id": "r1", "revision": 1e3`, "", ""), "revision", "plain integer"},
		{"revision out of range", request(t, `"request_id": "r1", "revision": 9223372036854775808`, "", ""), "revision", "out of range"},
		{"revision a string", request(t, `"request_id": "r1", "revision": "41"`, "", ""), "revision", "must be an integer (got a string)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := schemas.DecodeRequest([]byte(c.body))
			if err == nil {
				t.Fatalf("accepted: %+v", r)
			}
			checkDocError(t, err)
			var fe *schemas.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FieldError: %v", err, err)
			}
			if fe.Field != c.field {
				t.Errorf("field %q, want %q (%v)", fe.Field, c.field, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestRequestIDOf(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"request_id": "r9", "schedule": {"teams": "broken"}}`, "r9"},
		{`{"schedule": {"id": "s"}, "request_id": "r9"}`, "r9"},
		{`{"request_id": "r9", "schedule": {"games": [{"id": `, "r9"}, // truncated after the id
		{"\xef\xbb\xbf{\"request_id\": \"r9\"}", "r9"},
		{`{"request_id": "a", "request_id": "b"}`, "b"},
		{`{"request_id": "a", "request_id": 5}`, ""},
		{`{"schedule": {"request_id": "nested"}}`, ""},
		{`{"Request_ID": "r9"}`, ""},
		{`{"request_id": 5}`, ""},
		{`{"request_id": ["r9"]}`, ""},
		{`{"request_id": ""}`, ""},
		{`{"request_id": "` + strings.Repeat("x", 129) + `"}`, ""},
		{`{"request_id": "a\u0000b"}`, ""},
		{"{\"request_id\": \"r\xff9\"}", ""},
		{`{"request_id": "r\ud8009"}`, ""},
		{`{"request_id": "r\ud83d\ude009"}`, "r\U0001F6009"},
		{"{\"request_id\" :\n \"r\u00e99\"}", "ré9"},
		{``, ""},
		{`{`, ""},
		{`[]`, ""},
		{`["request_id", "r9"]`, ""},
		{`null`, ""},
		{`"r9"`, ""},
		{"\xff\xfe\x00", ""},
		{`{"schedule": ` + strings.Repeat("[", 100000), ""},
	}
	for _, c := range cases {
		if got := schemas.RequestIDOf([]byte(c.in)); got != c.want {
			t.Errorf("RequestIDOf(%.60q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestScheduleKeyOf(t *testing.T) {
	cases := []struct{ in, sport, id string }{
		{request(t, `"request_id": 5`, "", ""), "mbb", "big12-mbb-2025-26"},
		{`{"request_id": "r9", "schedule": {"id": "s", "sport": "wbb", "teams": "broken"}}`, "wbb", "s"},
		{`{"schedule": {"teams": [{"id": "A", "sport": "no"}], "sport": "wbb", "games": [[[{}]]], "id": "s"}}`, "wbb", "s"},
		{`{"schedule": {"sport": "wbb", "games": [{"id": `, "wbb", ""}, // truncated
		{`{"schedule": {"sport": 7, "id": {"x": "y"}}}`, "", ""},
		{"{\"schedule\": {\"sport\": \"m\xffb\", \"id\": \"s\\ud800\"}}", "", ""},
		{`{"schedule": {"sport": "a"}, "schedule": {"id": "b"}}`, "", "b"},
		{`{"sport": "mbb", "id": "s"}`, "", ""},
		{`{"schedule": "mbb"}`, "", ""},
		{`{"schedule": ["sport", "mbb"]}`, "", ""},
		{``, "", ""},
		{`{`, "", ""},
		{`[]`, "", ""},
		{`null`, "", ""},
		{"\xff\xfe\x00", "", ""},
		{`{"schedule": {"x": ` + strings.Repeat("{\"a\": ", 100000), "", ""},
	}
	for _, c := range cases {
		sport, id := schemas.ScheduleKeyOf([]byte(c.in))
		if sport != c.sport || id != c.id {
			t.Errorf("ScheduleKeyOf(%.60q) = %q, %q, want %q, %q", c.in, sport, id, c.sport, c.id)
		}
	}
}

func filledResult() schemas.Result {
	rev := int64(41)
	return schemas.Result{
		RequestID: "7f9c", ReplayID: "rp1", Revision: &rev, ScheduleID: "big12-mbb-2025-26", Sport: "mbb",
		Status: schemas.StatusOK, ConstraintSet: "sha256:0123abcd",
		Totals: schemas.Totals{Infeasibility: 0, Objective: schemas.Fixed(12_500_000), HardViolated: 0,
			SoftViolated: 3, Evaluated: 57, SoftSatisfiedPct: 94.7},
		Structure: []schemas.Violation{{Games: []string{"g002"}, Message: "g002 has no slot"}},
		Results: []schemas.ConstraintResult{{ConstraintID: "mbb-max-road-streak", Version: 3, Kind: "max_consecutive",
			Hard: false, Deviation: 2, Cost: schemas.Fixed(1_400_000),
			Violations: []schemas.Violation{{Games: []string{"g014", "g022"}, Teams: []string{"KU"}, Slots: []int{3, 4},
				Deviation: 2, Message: "KU plays 4 road games in a row"}}}},
		Changes:     []schemas.Change{{ConstraintID: "mbb-max-road-streak", Before: 0, After: schemas.Fixed(1_400_000)}},
		EvaluatedAt: "2026-11-28T10:00:00.123456Z", DurationUS: 180,
	}
}

func TestResultMatchesItsSchema(t *testing.T) {
	ok := func(name string, r schemas.Result) {
		t.Helper()
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		if err := schemas.ValidateResultJSON(b); err != nil {
			t.Errorf("%s: %v\n%s", name, err, b)
		}
	}
	ok("filled", filledResult())
	r := filledResult()
	r.Status, r.Error, r.Results, r.Changes, r.Structure = schemas.StatusTimeout, "past 10s", nil, nil, nil
	ok("timeout", r)
	r = filledResult()
	r.RequestID, r.ReplayID, r.Revision = "", "", nil
	ok("outside the service", r)
	r = filledResult()
	r.Truncated, r.OmittedViolations, r.Results[0].OmittedViolations = true, 7, 7
	ok("truncated", r)
	if b, _ := json.Marshal(filledResult()); strings.Contains(string(b), "truncated") || strings.Contains(string(b), "omitted") {
		t.Errorf("a whole result mentions truncation: %s", b)
	}

	bad := []struct {
		name  string
		edit  func(*schemas.Result)
		field string
		msg   string
	}{
		{"timeout without error", func(r *schemas.Result) { r.Status = schemas.StatusTimeout }, "", `missing property "error"`},
		{"error without error", func(r *schemas.Result) { r.Status = schemas.StatusError }, "", `missing property "error"`},
		{"unknown status", func(r *schemas.Result) { r.Status = "done" }, "status", "must be one of"},
		{"no schedule_id", nil, "", `missing property "schedule_id"`},
		{"bad evaluated_at", func(r *schemas.Result) { r.EvaluatedAt = "yesterday" }, "evaluated_at", "RFC 3339"},
		{"negative duration", func(r *schemas.Result) { r.DurationUS = -1 }, "duration_us", ">= 0"},
		{"percentage over 100", func(r *schemas.Result) { r.Totals.SoftSatisfiedPct = 101 }, "totals.soft_satisfied_pct", "<= 100"},
		{"violation without games", nil, "results[0].violations[0]", `missing property "games"`},
		{"omitted violations without truncated", func(r *schemas.Result) { r.OmittedViolations = 3 }, "", `"truncated"`},
		{"negative omitted violations", func(r *schemas.Result) { r.Truncated, r.Results[0].OmittedViolations = true, -1 }, "results[0].omitted_violations", ">= 0"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := filledResult()
			var b []byte
			if c.edit != nil {
				c.edit(&r)
				b, _ = json.Marshal(r)
			} else {
				b, _ = json.Marshal(r)
				s := string(b)
				switch c.name {
				case "no schedule_id":
					s = strings.Replace(s, `"schedule_id":"big12-mbb-2025-26",`, "", 1)
				case "violation without games":
					s = strings.Replace(s, `"games":["g014","g022"],`, "", 1)
				}
				b = []byte(s)
			}
			err := schemas.ValidateResultJSON(b)
			checkDocError(t, err)
			var fe *schemas.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("err = %v, want field %q and %q", err, c.field, c.msg)
			}
		})
	}
	checkDocError(t, schemas.ValidateResultJSON([]byte(`{"status": `)))
}

func filledDeadLetter() schemas.DeadLetter {
	payload := []byte(`{"schedule": {"id": "s1", "sport": "mbb"}}`)
	return schemas.DeadLetter{
		Reason: "request_id: missing", Class: schemas.ClassBadInput, Subject: "flextime.eval.mbb.s1",
		Headers:    map[string][]string{"Nats-Msg-Id": {"x"}, "X-Two": {"a", "b"}},
		PayloadB64: base64.StdEncoding.EncodeToString(payload), DeliveryCount: 1, StreamSeq: 123,
		At: "2026-11-28T10:00:00Z", RequestID: "r1", Sport: "mbb", PayloadBytes: len(payload),
	}
}

func TestDeadLetterMatchesItsSchema(t *testing.T) {
	b, err := json.Marshal(filledDeadLetter())
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.ValidateDeadLetterJSON(b); err != nil {
		t.Errorf("filled: %v\n%s", err, b)
	}
	var back schemas.DeadLetter
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, filledDeadLetter()) {
		t.Errorf("round trip: %+v, %v", back, err)
	}

	// nil headers are written as {}, and the optional fields are omitted.
	d := filledDeadLetter()
	d.Headers, d.RequestID, d.Sport, d.Class = nil, "", "", schemas.ClassPoison
	b, _ = json.Marshal(d)
	if !strings.Contains(string(b), `"headers":{}`) || strings.Contains(string(b), `"request_id":`) {
		t.Errorf("marshalled %s", b)
	}
	if err := schemas.ValidateDeadLetterJSON(b); err != nil {
		t.Errorf("poison without headers: %v", err)
	}
	// A dead letter cut short to fit says so.
	d = filledDeadLetter()
	d.PayloadB64, d.PayloadTruncated, d.Headers, d.HeadersTruncated = d.PayloadB64[:8], true, nil, true
	b, _ = json.Marshal(d)
	if err := schemas.ValidateDeadLetterJSON(b); err != nil || !strings.Contains(string(b), `"payload_truncated":true`) ||
		!strings.Contains(string(b), `"headers_truncated":true`) || !strings.Contains(string(b), `"payload_bytes":42`) {
		t.Errorf("truncated: %v\n%s", err, b)
	}

	bad := []struct {
		name  string
		edit  func(*schemas.DeadLetter)
		field string
		msg   string
	}{
		{"unknown class", func(d *schemas.DeadLetter) { d.Class = "other" }, "class", `must be one of "bad_input", "poison"`},
		{"no reason", func(d *schemas.DeadLetter) { d.Reason = "" }, "reason", "must not be empty"},
		{"payload not base64", func(d *schemas.DeadLetter) { d.PayloadB64 = "{not base64}" }, "payload_b64", "must be base64"},
		{"delivery count 0", func(d *schemas.DeadLetter) { d.DeliveryCount = 0 }, "delivery_count", ">= 1"},
		{"bad time", func(d *schemas.DeadLetter) { d.At = "2026-11-28 10:00" }, "at", "RFC 3339"},
		{"negative payload size", func(d *schemas.DeadLetter) { d.PayloadBytes = -1 }, "payload_bytes", ">= 0"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			d := filledDeadLetter()
			c.edit(&d)
			b, _ := json.Marshal(d)
			err := schemas.ValidateDeadLetterJSON(b)
			checkDocError(t, err)
			var fe *schemas.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(fe.Msg, c.msg) {
				t.Errorf("err = %v, want field %q and %q", err, c.field, c.msg)
			}
		})
	}
	err = schemas.ValidateDeadLetterJSON([]byte(`{"reason": "x", "headers": {"A": "b"}}`))
	checkDocError(t, err)
	for _, raw := range []string{`{}`, `{"headers": {"A": ["b"]}}`} {
		var fe *schemas.FieldError
		if err := schemas.ValidateDeadLetterJSON([]byte(raw)); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "missing") {
			t.Errorf("%s: %v", raw, err)
		}
	}
}

func TestMessageSchemasAreServed(t *testing.T) {
	for name, raw := range map[string][]byte{
		"request.schema.json":    schemas.RequestSchema(),
		"result.schema.json":     schemas.ResultSchema(),
		"deadletter.schema.json": schemas.DeadLetterSchema(),
	} {
		var head struct {
			Schema string `json:"$schema"`
			ID     string `json:"$id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if head.Schema != "https://json-schema.org/draft/2020-12/schema" ||
			head.ID != "https://github.com/flextime/flextime/schemas/"+name {
			t.Errorf("%s: $schema %q, $id %q", name, head.Schema, head.ID)
		}
		raw[0] = 'x' // a copy: the next call is unaffected
	}
	if schemas.RequestSchema()[0] != '{' {
		t.Error("RequestSchema returned the embedded bytes themselves")
	}
}

// bigRequest is a request for a double round robin of n teams.
func bigRequest(n int) []byte {
	return []byte(fmt.Sprintf(`{"request_id": "bench-%d", "revision": 7, "games": ["g0", "g5"], "schedule": %s}`, n, bigSchedule(n)))
}

func TestDecodeRequestBig(t *testing.T) {
	r, err := schemas.DecodeRequest(bigRequest(16))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Schedule.Games) != 240 {
		t.Fatalf("%d games", len(r.Schedule.Games))
	}
}

// BenchmarkDecodeRequest times the per-message check of the service on a
// typical schedule (13 teams, 156 games) and a big one (240 games).
func BenchmarkDecodeRequest(b *testing.B) {
	for _, n := range []int{13, 16} {
		data := bigRequest(n)
		b.Run(fmt.Sprintf("%dgames", n*(n-1)), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := schemas.DecodeRequest(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte(request(f, `"request_id": "r1", "revision": 41, "games": ["g001"], "constraint_ids": ["a"], "detail": "all"`, "", "")))
	f.Add([]byte(`{"request_id": "r1", "schedule": {"id": "s", "sport": "x"}}`))
	f.Add([]byte(`{"request_id": "", "schedule": {}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		id := schemas.RequestIDOf(data)
		sport, sid := schemas.ScheduleKeyOf(data)
		r, err := schemas.DecodeRequest(data)
		if err != nil {
			checkDocError(t, err)
			var fe *schemas.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not a *FieldError: %v", err, err)
			}
			return
		}
		if r.RequestID == "" || utf8.RuneCountInString(r.RequestID) > schemas.MaxRequestIDLen || r.Schedule == nil ||
			(r.Detail != schemas.DetailViolated && r.Detail != schemas.DetailAll) {
			t.Fatalf("accepted %+v", r)
		}
		if err := r.Schedule.Validate(); err != nil {
			t.Fatalf("accepted schedule does not validate: %v", err)
		}
		// The probes agree with the full decoder on what it accepts.
		if id != r.RequestID || sport != r.Schedule.Sport || sid != r.Schedule.ID {
			t.Fatalf("probes read %q %q %q, DecodeRequest %q %q %q", id, sport, sid, r.RequestID, r.Schedule.Sport, r.Schedule.ID)
		}
		// What we accept, we can write back and read again unchanged.
		out, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := schemas.DecodeRequest(out)
		if err != nil {
			t.Fatalf("re-encoded request %s: %v", out, err)
		}
		// An empty list is written as none.
		if len(r.Games) == 0 {
			r.Games = nil
		}
		if len(r.ConstraintIDs) == 0 {
			r.ConstraintIDs = nil
		}
		if !reflect.DeepEqual(r, back) {
			t.Fatalf("round trip changed %+v into %+v", r, back)
		}
	})
}
