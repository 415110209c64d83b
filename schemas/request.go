package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Detail levels of a request.
const (
	DetailViolated = "violated"
	DetailAll      = "all"
)

// Dead-letter classes.
const (
	ClassBadInput = "bad_input"
	ClassPoison   = "poison"
)

// Request is the evaluation request of CONTRACT §3.
type Request struct {
	RequestID     string    `json:"request_id"`
	Revision      *int64    `json:"revision,omitempty"`
	Schedule      *Schedule `json:"schedule"`
	Games         []string  `json:"games,omitempty"`
	ConstraintIDs []string  `json:"constraint_ids,omitempty"`
	Detail        string    `json:"detail,omitempty"`
}

// DeadLetter is the envelope of a rejected request (CONTRACT §3): the
// original message, base64, with why it was rejected.
type DeadLetter struct {
	Reason        string              `json:"reason"`
	Class         string              `json:"class"`
	Subject       string              `json:"subject"`
	Headers       map[string][]string `json:"headers"`
	PayloadB64    string              `json:"payload_b64"`
	DeliveryCount uint64              `json:"delivery_count"`
	StreamSeq     uint64              `json:"stream_seq"`
	At            string              `json:"at"`
	RequestID     string              `json:"request_id,omitempty"`
	Sport         string              `json:"sport,omitempty"`
}

var (
	requestSchema    = newLazySchema("request.schema.json")
	resultSchema     = newLazySchema("result.schema.json")
	deadLetterSchema = newLazySchema("deadletter.schema.json")
)

// requestKeys are the top-level properties of a Request.
var requestKeys = []string{"request_id", "revision", "schedule", "games", "constraint_ids", "detail"}

// DecodeRequest parses and fully validates a request: JSON syntax, the
// request JSON Schema, the schedule's own schema and checks (unknown teams,
// slots out of range, duplicate ids), and that each game named in games
// exists. Errors wrap ErrInvalid and are *FieldError naming the field,
// such as `request_id: missing` or `schedule.games[3].home: unknown team
// "XYZ"`. Detail defaults to "violated".
func DecodeRequest(data []byte) (*Request, error) {
	data = trimBOM(data)
	v, serr := parseJSON(data)
	if serr != nil {
		return nil, serr.fieldError("", 1)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fieldErrorf("", "a request must be a JSON object")
	}
	if _, ok := top["request_id"]; !ok {
		return nil, fieldErrorf("request_id", "missing: every request needs a request_id (at most 128 characters)")
	}
	if err := requestSchema.validate("", v); err != nil {
		return nil, err
	}
	if err := checkKeyCase(top, requestKeys); err != nil {
		return nil, err
	}
	sched := top["schedule"].(map[string]any) // the schema says so
	if err := scheduleSchema.validate("schedule", sched); err != nil {
		return nil, err
	}
	if err := checkKeyCase(sched, scheduleKeys); err != nil {
		return nil, prefixed("schedule", err)
	}
	if err := checkScheduleInts(sched); err != nil {
		return nil, prefixed("schedule", err)
	}
	if rev, ok := top["revision"]; ok {
		if _, err := plainInt64("revision", rev); err != nil {
			return nil, err
		}
	}
	r := new(Request)
	if err := json.Unmarshal(data, r); err != nil {
		return nil, &FieldError{Msg: err.Error()} // not reached once the schema passed
	}
	if err := r.Schedule.Validate(); err != nil {
		return nil, prefixed("schedule", err)
	}
	if len(r.Games) > 0 {
		known := make(map[string]struct{}, len(r.Schedule.Games))
		for i := range r.Schedule.Games {
			known[r.Schedule.Games[i].ID] = struct{}{}
		}
		for i, g := range r.Games {
			if _, ok := known[g]; !ok {
				return nil, fieldErrorf(fmt.Sprintf("games[%d]", i), "unknown game %q: not in the schedule", shorten(g))
			}
		}
	}
	if r.Detail == "" {
		r.Detail = DetailViolated
	}
	return r, nil
}

// prefixed puts field in front of a FieldError's field.
func prefixed(field string, err error) error {
	fe, ok := err.(*FieldError)
	if !ok {
		return err
	}
	out := *fe
	if out.Field == "" {
		out.Field = field
	} else {
		out.Field = field + "." + out.Field
	}
	return &out
}

// plainInt64 checks that a JSON number the schema accepted as an integer
// fits an int64.
func plainInt64(field string, v any) (int64, error) {
	f, ok := v.(json.Number)
	if !ok {
		if x, ok := v.(float64); ok {
			if x != float64(int64(x)) {
				return 0, fieldErrorf(field, "must be a whole number")
			}
			return int64(x), nil
		}
		return 0, fieldErrorf(field, "must be a whole number")
	}
	n, err := f.Int64()
	if err != nil {
		return 0, fieldErrorf(field, "%s is not a whole number in range", f)
	}
	return n, nil
}

// RequestIDOf returns the request_id of a payload that may not be a
// valid request, or "" when it has none. It never fails.
func RequestIDOf(data []byte) string {
	var probe struct {
		RequestID any `json:"request_id"`
	}
	if json.Unmarshal(bytes.TrimSpace(trimBOM(data)), &probe) != nil {
		return ""
	}
	s, _ := probe.RequestID.(string)
	return s
}

// ScheduleKeyOf returns the sport and id of a payload's schedule, when it
// has them as strings; "" for what it lacks. It never fails.
func ScheduleKeyOf(data []byte) (sport, scheduleID string) {
	var probe struct {
		Schedule struct {
			ID    any `json:"id"`
			Sport any `json:"sport"`
		} `json:"schedule"`
	}
	if json.Unmarshal(bytes.TrimSpace(trimBOM(data)), &probe) != nil {
		return "", ""
	}
	sport, _ = probe.Schedule.Sport.(string)
	scheduleID, _ = probe.Schedule.ID.(string)
	return sport, scheduleID
}

// ValidateResultJSON checks a result message against result.schema.json.
// Errors wrap ErrInvalid.
func ValidateResultJSON(data []byte) error { return validateJSON(resultSchema, data) }

// ValidateDeadLetterJSON checks a dead letter against
// deadletter.schema.json. Errors wrap ErrInvalid.
func ValidateDeadLetterJSON(data []byte) error { return validateJSON(deadLetterSchema, data) }

func validateJSON(l *lazySchema, data []byte) error {
	v, serr := parseJSON(trimBOM(data))
	if serr != nil {
		return serr.fieldError("", 1)
	}
	return l.validate("", v)
}

// RequestSchema returns request.schema.json.
func RequestSchema() []byte { return bytes.Clone(requestSchema.raw) }

// ResultSchema returns result.schema.json.
func ResultSchema() []byte { return bytes.Clone(resultSchema.raw) }

// DeadLetterSchema returns deadletter.schema.json.
func DeadLetterSchema() []byte { return bytes.Clone(deadLetterSchema.raw) }
