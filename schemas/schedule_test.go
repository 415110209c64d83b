package schemas_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

const validSchedule = `{
  "id": "big12-mbb-2025-26",
  "sport": "mbb",
  "season": "2025-26",
  "teams": [
    {"id": "KU", "name": "Kansas", "venue": "allen-fieldhouse", "lat": 38.954, "lon": -95.252, "tz": "America/Chicago"},
    {"id": "KSU", "name": "Kansas State"},
    {"id": "BAY"}
  ],
  "slots": [
    {"id": 1, "start": "2026-01-07T00:00:00-06:00"},
    {"id": 0, "start": "2026-01-03T00:00:00-06:00", "name": "window 1"}
  ],
  "games": [
    {"id": "g001", "home": "KU", "away": "KSU", "slot": 0, "start": "2026-01-03T19:00:00-06:00",
     "venue": "allen-fieldhouse", "network": "ESPN", "neutral": false, "kind": "conference", "sport": "mbb"},
    {"id": "g002", "home": "KSU", "away": "BAY", "slot": null},
    {"id": "g003", "home": "BAY", "away": "KU"}
  ]
}`

func TestDecodeScheduleValid(t *testing.T) {
	s, err := schemas.DecodeSchedule([]byte(validSchedule))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != "big12-mbb-2025-26" || s.Sport != "mbb" || len(s.Teams) != 3 || len(s.Slots) != 2 || len(s.Games) != 3 {
		t.Fatalf("decoded %+v", s)
	}
	if ku := s.Teams[0]; ku.Lat == nil || *ku.Lat != 38.954 || ku.TZ != "America/Chicago" {
		t.Errorf("team KU = %+v", ku)
	}
	if g := s.Games[0]; g.Slot == nil || *g.Slot != 0 || g.Network != "ESPN" || g.Kind != "conference" {
		t.Errorf("game g001 = %+v", g)
	}
	if s.Games[0].Locked || s.Games[1].Locked {
		t.Errorf("games locked by default: %v %v", s.Games[0].Locked, s.Games[1].Locked)
	}
	locked, err := schemas.DecodeSchedule([]byte(edit(t, `"slot": null}`, `"slot": 1, "locked": true}`)))
	if err != nil {
		t.Fatalf("a locked game: %v", err)
	}
	if !locked.Games[1].Locked {
		t.Errorf("game g002 = %+v, want locked", locked.Games[1])
	}
	if s.Games[1].Slot != nil || s.Games[2].Slot != nil {
		t.Errorf("unplaced games got slots: %v %v", s.Games[1].Slot, s.Games[2].Slot)
	}
	if err := schemas.ValidateScheduleJSON([]byte(validSchedule)); err != nil {
		t.Errorf("ValidateScheduleJSON: %v", err)
	}
}

// edit returns validSchedule with one substring replaced, failing the test
// when the substring is not there.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validSchedule, old) {
		t.Fatalf("validSchedule has no %q", old)
	}
	return strings.Replace(validSchedule, old, new, 1)
}

func TestDecodeScheduleInvalid(t *testing.T) {
	tests := []struct {
		name  string
		doc   string
		field string // FieldError.Field
		msg   string // in the message
	}{
		{"malformed", "{\n  \"id\": \"x\",\n  \"sport\" \"mbb\"\n}", "", "line 3, column 11: invalid character"},
		{"truncated", `{"id": "x", "sport": "mbb"`, "", "line 1, column 27: unexpected end"},
		{"trailing", `{"id": "x", "sport": "mbb"} x`, "", "line 1, column 29: invalid character 'x' after top-level value"},
		{"empty", "  ", "", "empty document"},
		{"not an object", `[]`, "", "must be an object (got an array)"},
		{"missing id", `{"sport": "mbb"}`, "", `missing property "id"`},
		{"empty sport", `{"id": "x", "sport": ""}`, "sport", "must not be empty"},
		{"missing team id", edit(t, `{"id": "BAY"}`, `{"name": "Baylor"}`), "teams[2]", `missing property "id"`},
		{"missing away", edit(t, `"away": "BAY", `, ``), "games[1]", `missing property "away"`},
		{"typo in game", edit(t, `"home": "KSU"`, `"hme": "KSU"`), "games[1]", `unknown property "hme"`},
		{"typo in team", edit(t, `{"id": "BAY"}`, `{"id": "BAY", "naem": "Baylor"}`), "teams[2]", `unknown property "naem"`},
		{"case typo at top", edit(t, `"season"`, `"Games"`), "", `unknown property "Games" (did you mean "games"?)`},
		{"slot id string", edit(t, `{"id": 1,`, `{"id": "1",`), "slots[0].id", "must be an integer (got a string)"},
		{"slot id fraction", edit(t, `{"id": 1,`, `{"id": 1.5,`), "slots[0].id", "must be an integer"},
		{"slot id 1.0", edit(t, `{"id": 1,`, `{"id": 1.0,`), "slots[0].id", "plain integer"},
		{"slot id huge", edit(t, `{"id": 1,`, `{"id": 100000000000000000000,`), "slots[0].id", "out of range"},
		{"huge exponent", edit(t, `38.954`, `1e999999`), "teams[0].lat", "number 1e999999 is out of range"},
		{"huge number", edit(t, `38.954`, "1"+strings.Repeat("0", 200)), "teams[0].lat", "number has more than 100 characters"},
		{"game slot string", edit(t, `"slot": 0`, `"slot": "0"`), "games[0].slot", "must be null or an integer (got a string)"},
		{"neutral string", edit(t, `"neutral": false`, `"neutral": "no"`), "games[0].neutral", "must be a boolean"},
		{"locked string", edit(t, `"neutral": false`, `"neutral": false, "locked": "yes"`), "games[0].locked", "must be a boolean"},
		{"lat too big", edit(t, `38.954`, `91`), "teams[0].lat", "must be <= 90"},
		{"lon too small", edit(t, `-95.252`, `-180.5`), "teams[0].lon", "must be >= -180"},
		{"empty team id", edit(t, `{"id": "BAY"}`, `{"id": ""}`), "teams[2].id", "must not be empty"},
		{"unknown home", edit(t, `"home": "BAY"`, `"home": "XYZ"`), "games[2].home", `unknown team "XYZ"`},
		{"unknown away", edit(t, `"away": "BAY"`, `"away": "TCU"`), "games[1].away", `unknown team "TCU"`},
		{"home is away", edit(t, `"away": "BAY"`, `"away": "KSU"`), "games[1].away", `"KSU" is also the home team`},
		{"unknown slot", edit(t, `"slot": 0`, `"slot": 99`), "games[0].slot", "unknown slot 99"},
		{"duplicate team", edit(t, `{"id": "BAY"}`, `{"id": "KU"}`), "teams[2].id", `duplicate team "KU"`},
		{"duplicate slot", edit(t, `{"id": 1,`, `{"id": 0,`), "slots[1].id", "duplicate slot 0"},
		{"duplicate game", edit(t, `"id": "g003"`, `"id": "g001"`), "games[2].id", `duplicate game "g001"`},
		{"bad slot start", edit(t, `2026-01-07T00:00:00-06:00`, `2026-01-07`), "slots[0].start", "RFC 3339 date-time"},
		{"bad game start", edit(t, `2026-01-03T19:00:00-06:00`, `2026-01-03 19:00`), "games[0].start", "RFC 3339 date-time"},
		{"bad month", edit(t, `2026-01-07T00:00:00-06:00`, `2026-13-07T00:00:00-06:00`), "slots[0].start", "RFC 3339 date-time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schemas.DecodeSchedule([]byte(tt.doc))
			if !errors.Is(err, schemas.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			var fe *schemas.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %T, want *FieldError", err)
			}
			if fe.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, tt.field, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.msg)
			}
			if tt.field != "" && !strings.HasPrefix(err.Error(), tt.field+": ") {
				t.Errorf("err = %q, want it to start with the field", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %q, want one line", err)
			}
		})
	}
}

func TestValidateScheduleJSONSchemaOnly(t *testing.T) {
	// References are DecodeSchedule's job, not the schema's.
	doc := edit(t, `"home": "BAY"`, `"home": "XYZ"`)
	if err := schemas.ValidateScheduleJSON([]byte(doc)); err != nil {
		t.Errorf("ValidateScheduleJSON = %v, want nil", err)
	}
	doc = edit(t, `"away": "BAY", `, ``)
	if err := schemas.ValidateScheduleJSON([]byte(doc)); !errors.Is(err, schemas.ErrInvalid) || !strings.HasPrefix(err.Error(), "games[1]: ") {
		t.Errorf("ValidateScheduleJSON = %v, want games[1] error", err)
	}
}

func TestScheduleValidate(t *testing.T) {
	slot := 4
	s := &schemas.Schedule{
		ID: "s", Sport: "mbb",
		Teams: []schemas.Team{{ID: "A"}, {ID: "B"}},
		Slots: []schemas.Slot{{ID: 4}},
		Games: []schemas.Game{{ID: "g", Home: "A", Away: "B", Slot: &slot}},
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	s.Games = append(s.Games, schemas.Game{ID: "h", Home: "B", Away: ""})
	err := s.Validate()
	if !errors.Is(err, schemas.ErrInvalid) || err.Error() != "games[1].away: must not be empty" {
		t.Errorf("Validate = %v", err)
	}
}

func TestDecodeScheduleBOM(t *testing.T) {
	if _, err := schemas.DecodeSchedule([]byte("\xef\xbb\xbf" + validSchedule)); err != nil {
		t.Error(err)
	}
}

// bigSchedule is a double round robin of n teams, about n*(n-1) games.
func bigSchedule(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"id": "big", "sport": "test", "teams": [`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id": "T%d", "name": "Team %d", "lat": 38.5, "lon": -95.25, "tz": "America/Chicago"}`, i, i)
	}
	b.WriteString(`], "slots": [`)
	slots := 2 * (n - 1)
	for i := range slots {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id": %d, "start": "2026-01-%02dT00:00:00-06:00"}`, i, 1+i%28)
	}
	b.WriteString(`], "games": [`)
	k := 0
	for h := range n {
		for a := range n {
			if h == a {
				continue
			}
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id": "g%d", "home": "T%d", "away": "T%d", "slot": %d, "start": "2026-01-03T19:00:00-06:00", "network": "ESPN"}`, k, h, a, k%slots)
			k++
		}
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func TestDecodeScheduleLarge(t *testing.T) {
	data := bigSchedule(101) // 10,100 games
	s, err := schemas.DecodeSchedule(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Games) != 10100 {
		t.Fatalf("got %d games", len(s.Games))
	}
}

func BenchmarkDecodeSchedule10k(b *testing.B) {
	data := bigSchedule(101)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schemas.DecodeSchedule(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateScheduleJSON10k(b *testing.B) {
	data := bigSchedule(101)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := schemas.ValidateScheduleJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}
