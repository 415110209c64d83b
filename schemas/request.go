package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Detail levels of a request: which constraints its result lists.
const (
	// DetailViolated lists only the constraints with a cost (the default).
	DetailViolated = "violated"
	// DetailAll lists every evaluated constraint.
	DetailAll = "all"
)

// Dead-letter classes.
const (
	// ClassBadInput marks a message that can never succeed, such as one
	// that fails DecodeRequest (any error wrapping ErrInvalid).
	ClassBadInput = "bad_input"
	// ClassPoison marks a message that failed on every delivery.
	ClassPoison = "poison"
)

// MaxRequestIDLen is the most characters (Unicode code points) a
// request_id may have.
const MaxRequestIDLen = 128

// Request is the evaluation request of CONTRACT §3. Games only hints at
// what changed; ConstraintIDs, when given, narrows the constraint set.
// DecodeRequest sets Detail to DetailViolated when the request has none.
type Request struct {
	RequestID     string    `json:"request_id"`
	Revision      *int64    `json:"revision,omitempty"`
	Schedule      *Schedule `json:"schedule"`
	Games         []string  `json:"games,omitempty"`
	ConstraintIDs []string  `json:"constraint_ids,omitempty"`
	Detail        string    `json:"detail,omitempty"`
}

// DeadLetter is the body of a dead letter (CONTRACT §3): the rejected
// request's subject, headers and body (base64, cut short when it would
// not fit: see PayloadTruncated), with why it was rejected.
// At is an RFC 3339 time. RequestID and Sport are set when known.
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
	// PayloadBytes is the size of the rejected body. PayloadTruncated is
	// set when PayloadB64 holds only its first bytes, and
	// HeadersTruncated when Headers were left out, so that the dead
	// letter fits the server's max payload.
	PayloadBytes     int  `json:"payload_bytes"`
	PayloadTruncated bool `json:"payload_truncated,omitempty"`
	HeadersTruncated bool `json:"headers_truncated,omitempty"`
}

// MarshalJSON writes the dead letter with nil Headers as {}: the contract
// wants an object there.
func (d DeadLetter) MarshalJSON() ([]byte, error) {
	type plain DeadLetter // without this method
	if d.Headers == nil {
		d.Headers = map[string][]string{}
	}
	return json.Marshal(plain(d))
}

var (
	requestSchema    = newLazySchema("request.schema.json")
	resultSchema     = newLazySchema("result.schema.json")
	deadLetterSchema = newLazySchema("deadletter.schema.json")
)

// requestKeys are the top-level properties of a Request. Others are
// allowed and ignored.
var requestKeys = []string{"request_id", "revision", "schedule", "games", "constraint_ids", "detail"}

// DecodeRequest parses and fully validates an evaluation request: JSON
// syntax, the request JSON Schema (which includes the schedule's), the
// schedule's own checks (Schedule.Validate: unknown teams, unknown slots,
// duplicate ids) and that each id in games names a game of the schedule.
// Every error it returns wraps ErrInvalid and is a *FieldError naming the
// field: "request_id" when it is missing, `schedule.games[3].home: unknown
// team "XYZ"`, "games[0]" for a hint naming no game; malformed JSON is
// reported as `line 3, column 5: ...`. Detail defaults to DetailViolated.
//
// The body is parsed twice, once for the checks and once into the Request.
// The schema's rules are checked by typed Go code that answers as the
// schema validator would (TestTypedMatchesSchema).
// DecodeRequest applies the default Limits; Limits.DecodeRequest others.
func DecodeRequest(data []byte) (*Request, error) {
	return Limits{}.DecodeRequest(data)
}

// DecodeRequest is DecodeRequest under the limits l (zero fields are
// defaults). A body over MaxBytes is refused before it is read; lists
// over the other limits before the schema is checked, naming the field
// and the limit: `schedule.games: 40000 games, more than MAX_GAMES (5000)`.
func (l Limits) DecodeRequest(data []byte) (*Request, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := l.checkSize(data); err != nil {
		return nil, err
	}
	data = trimBOM(data)
	v, serr := parseJSON(data)
	if serr != nil {
		return nil, serr.fieldError("", 1)
	}
	top, ok := v.(map[string]any)
	if !ok {
		return nil, fieldErrorf("", "a request must be a JSON object (got %s)", jsonTypeName(v))
	}
	if err := checkKeyCase(top, requestKeys); err != nil {
		return nil, err
	}
	if err := checkRequestHead(top); err != nil {
		return nil, err
	}
	if err := l.checkCounts(top); err != nil {
		return nil, err
	}
	// The request's JSON Schema, checked by typed code: the schema
	// validator took a sixth of serve's CPU (typed.go).
	if err := validateRequestTyped(v); err != nil {
		return nil, err
	}
	sched := top["schedule"].(map[string]any) // the schema says so
	if err := checkKeyCase(sched, scheduleKeys); err != nil {
		return nil, prefixed("schedule", err)
	}
	if err := checkScheduleInts(sched); err != nil {
		return nil, prefixed("schedule", err)
	}
	if rev, ok := top["revision"]; ok {
		if err := checkInt64("revision", rev); err != nil {
			return nil, err
		}
	}
	r := new(Request)
	if err := json.Unmarshal(data, r); err != nil {
		// Not reached once the checks above have passed.
		return nil, &FieldError{Msg: err.Error()}
	}
	if err := r.Schedule.Validate(); err != nil {
		return nil, prefixed("schedule", err)
	}
	if err := r.checkGames(); err != nil {
		return nil, err
	}
	if r.Detail == "" {
		r.Detail = DetailViolated
	}
	return r, nil
}

// checkRequestHead names the field when request_id or schedule is
// missing, and words a request_id a NATS header cannot carry, before the
// schema has its say.
func checkRequestHead(top map[string]any) error {
	id, ok := top["request_id"]
	if !ok {
		return fieldErrorf("request_id", "missing: every request needs a request_id of at most %d characters", MaxRequestIDLen)
	}
	if s, ok := id.(string); ok && hasControl(s) {
		return fieldErrorf("request_id", "must not contain control characters (got %s)", show(s))
	}
	if _, ok := top["schedule"]; !ok {
		return fieldErrorf("schedule", "missing: every request carries its schedule document")
	}
	return nil
}

// checkGames makes sure each id of the games hint names a game of the
// schedule.
func (r *Request) checkGames() error {
	if len(r.Games) == 0 {
		return nil
	}
	known := make(map[string]struct{}, len(r.Schedule.Games))
	for i := range r.Schedule.Games {
		known[r.Schedule.Games[i].ID] = struct{}{}
	}
	for i, g := range r.Games {
		if _, ok := known[g]; !ok {
			return fieldErrorf(fmt.Sprintf("games[%d]", i), "unknown game %q: not in the schedule", shorten(g))
		}
	}
	return nil
}

// prefixed puts field in front of the field of a FieldError, which it
// copies; other errors are returned as they are.
func prefixed(field string, err error) error {
	var fe *FieldError
	if !errors.As(err, &fe) {
		return err
	}
	out := *fe
	switch {
	case out.Field == "":
		out.Field = field
	case strings.HasPrefix(out.Field, "["):
		out.Field = field + out.Field
	default:
		out.Field = field + "." + out.Field
	}
	return &out
}

// checkInt64 makes sure a JSON integer that the schema has accepted fits
// an int64 as encoding/json reads it (1.0 and 1e2 it does not read).
func checkInt64(field string, v any) *FieldError {
	n, ok := v.(json.Number)
	if !ok {
		return fieldErrorf(field, "must be an integer")
	}
	if _, err := strconv.ParseInt(string(n), 10, 64); err != nil {
		if strings.ContainsAny(string(n), ".eE") {
			return fieldErrorf(field, "must be written as a plain integer, without fraction or exponent (got %s)", n)
		}
		return fieldErrorf(field, "integer %s is out of range", shorten(string(n)))
	}
	return nil
}

// hasControl reports whether s has a C0 control character or DEL, which
// a NATS header value cannot carry.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}

// validRequestID reports whether s is a request_id the contract allows.
func validRequestID(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= MaxRequestIDLen && !hasControl(s)
}

// jsonTypeName names the JSON type of a value from parseJSON.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}

// RequestIDOf returns the request_id of a payload that may fail
// validation, for dead-letter routing: the top-level "request_id" when it
// is a string the contract allows (1 to 128 characters, no control
// characters), or "" when there is none, it cannot be read, or it is not
// valid UTF-8 as written (encoding/json would have altered it). It reads the
// payload as far as it is well formed, so a truncated body still yields an
// id written before the break. It never panics.
func RequestIDOf(data []byte) string {
	var id string
	data = trimBOM(data)
	walkTop(data, func(key string, dec *json.Decoder) error {
		if key != "request_id" {
			return skipValue(dec)
		}
		s, err := readExactString(dec, data)
		id = s // the last one counts
		return err
	})
	if !validRequestID(id) {
		return ""
	}
	return id
}

// ScheduleKeyOf returns schedule.sport and schedule.id of a payload that
// may fail validation, for dead-letter routing, each "" when absent, not
// a string or unreadable. Like RequestIDOf, it reads the payload as far as
// it is well formed, and never panics. The values are as written: a caller
// putting them in a subject must still replace the characters a subject
// token cannot hold.
func ScheduleKeyOf(data []byte) (sport, scheduleID string) {
	data = trimBOM(data)
	walkTop(data, func(key string, dec *json.Decoder) error {
		if key != "schedule" {
			return skipValue(dec)
		}
		sport, scheduleID = "", "" // the last schedule counts
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return skipRest(dec, tok)
		}
		return walkMembers(dec, func(key string, dec *json.Decoder) error {
			var err error
			switch key {
			case "sport":
				sport, err = readExactString(dec, data)
			case "id":
				scheduleID, err = readExactString(dec, data)
			default:
				err = skipValue(dec)
			}
			return err
		})
	})
	return sport, scheduleID
}

// errNotObject stops a walk over a payload that is not a JSON object.
var errNotObject = errors.New("not a JSON object")

// walkTop hands each member of the top-level object of data to visit,
// which must read the member's value from dec. It stops at the first
// error, malformed JSON included.
func walkTop(data []byte, visit func(key string, dec *json.Decoder) error) {
	dec := json.NewDecoder(bytes.NewReader(trimBOM(data)))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return
	}
	_ = walkMembers(dec, visit)
}

// walkMembers visits the members of an object whose "{" has been read,
// and reads its "}".
func walkMembers(dec *json.Decoder, visit func(key string, dec *json.Decoder) error) error {
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return errNotObject
		}
		if err := visit(key, dec); err != nil {
			return err
		}
	}
	_, err := dec.Token()
	return err
}

// readString reads one value: the string it is, or "" for any other
// value, which it skips.
func readString(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	if s, ok := tok.(string); ok {
		return s, nil
	}
	return "", skipRest(dec, tok)
}

// readExactString is readString for a value that must come through
// unchanged: "" when the string, as written in data, is not valid UTF-8
// or holds a lone surrogate escape, which encoding/json would have
// replaced with U+FFFD.
func readExactString(dec *json.Decoder, data []byte) (string, error) {
	start := dec.InputOffset()
	s, err := readString(dec)
	if err != nil || s == "" {
		return s, err
	}
	raw := bytes.TrimLeft(data[start:dec.InputOffset()], " \t\r\n:")
	if _, uerr := jsontext.AppendUnquote(nil, raw); uerr != nil {
		return "", nil
	}
	return s, nil
}

// skipValue reads one value and forgets it.
func skipValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	return skipRest(dec, tok)
}

// skipRest reads the rest of a value whose first token was tok: up to the
// matching delimiter when tok opens an array or object. It counts depth
// rather than recursing, so no nesting exhausts the stack.
func skipRest(dec *json.Decoder, tok json.Token) error {
	depth := 0
	for {
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth <= 0 {
			return nil
		}
		var err error
		if tok, err = dec.Token(); err != nil {
			return err
		}
	}
}

// ValidateResultJSON checks that data is one JSON value that satisfies
// result.schema.json, the result message of CONTRACT §3. Errors wrap
// ErrInvalid and are *FieldError naming the field.
func ValidateResultJSON(data []byte) error { return validateJSON(resultSchema, data) }

// ValidateDeadLetterJSON checks that data is one JSON value that satisfies
// deadletter.schema.json, the dead letter of CONTRACT §3 (payload_b64
// included: it must be standard base64). Errors wrap ErrInvalid and are
// *FieldError naming the field.
func ValidateDeadLetterJSON(data []byte) error { return validateJSON(deadLetterSchema, data) }

// validateJSON parses data and checks it against l.
func validateJSON(l *lazySchema, data []byte) error {
	v, serr := parseJSON(trimBOM(data))
	if serr != nil {
		return serr.fieldError("", 1)
	}
	return l.validate("", v)
}

// RequestSchema returns the JSON Schema of the evaluation request
// (request.schema.json). Its schedule refers to schedule.schema.json. The
// caller may modify the returned slice.
func RequestSchema() []byte { return bytes.Clone(requestSchema.raw) }

// ResultSchema returns the JSON Schema of the result message
// (result.schema.json). The caller may modify the returned slice.
func ResultSchema() []byte { return bytes.Clone(resultSchema.raw) }

// DeadLetterSchema returns the JSON Schema of the dead letter
// (deadletter.schema.json). The caller may modify the returned slice.
func DeadLetterSchema() []byte { return bytes.Clone(deadLetterSchema.raw) }
