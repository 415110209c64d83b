package schemas_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// TestDecodeRequestHostile feeds DecodeRequest the shapes of a hostile
// payload drill. Each must be refused as bad input naming the field and
// the problem: never a panic, never a silently altered value, never the
// evaluator's time or memory.
func TestDecodeRequestHostile(t *testing.T) {
	small := schemas.Limits{MaxBytes: 4096, MaxGames: 2, MaxSlots: 1, MaxTeams: 2}
	ok := func(members string) string { return request(t, `"request_id": "r1"`+members, "", "") }
	edit := func(old, new string) string { return request(t, `"request_id": "r1"`, old, new) }
	many := func(n int, item string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(item+",", n), ",") + "]"
	}
	cases := []struct {
		name   string
		limits schemas.Limits
		body   string
		field  string // exact
		msg    string // contained in the message
	}{
		{"BOM then null", schemas.Limits{}, "\xef\xbb\xbfnull", "", "must be a JSON object (got null)"},
		{"null", schemas.Limits{}, `null`, "", "(got null)"},
		{"an array of requests", schemas.Limits{}, "[" + ok("") + "]", "", "must be a JSON object (got an array)"},
		{"a string", schemas.Limits{}, `"request"`, "", "(got a string)"},
		{"a number", schemas.Limits{}, `42`, "", "(got a number)"},
		{"UTF-16 with its BOM", schemas.Limits{}, "\xfe\xff\x00{", "", "invalid character"},
		{"100,000 nested arrays", schemas.Limits{MaxBytes: 1 << 20}, `{"request_id": "r1", "x": ` + strings.Repeat("[", 100000), "", "nested deeper than 64 levels"},
		{"100,000 nested objects", schemas.Limits{MaxBytes: 1 << 20}, strings.Repeat(`{"a":`, 100000), "", "nested deeper than 64 levels"},
		{"nesting of 100 in an extra property", schemas.Limits{}, ok(`, "extra": {"x": ` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`), "extra.x[0][0]", "nested deeper than 64 levels"},
		{"invalid UTF-8 in request_id", schemas.Limits{}, request(t, "\"request_id\": \"r\xff1\"", "", ""), "request_id", "not valid UTF-8"},
		{"lone surrogate in request_id", schemas.Limits{}, request(t, `"request_id": "r\ud8001"`, "", ""), "request_id", "not valid UTF-8"},
		{"invalid UTF-8 in schedule id", schemas.Limits{}, edit(`"id": "big12-mbb-2025-26"`, "\"id\": \"big12\xc0\""), "schedule.id", "not valid UTF-8"},
		{"invalid UTF-8 in sport", schemas.Limits{}, edit(`"sport": "mbb",`, "\"sport\": \"mb\xe2\x82\","), "schedule.sport", "not valid UTF-8"},
		{"invalid UTF-8 in a team id", schemas.Limits{}, edit(`{"id": "BAY"}`, "{\"id\": \"BA\xffY\"}"), "schedule.teams[2].id", "not valid UTF-8"},
		{"invalid UTF-8 in a game id", schemas.Limits{}, edit(`"id": "g002"`, "\"id\": \"g\xed\xa0\x80\""), "schedule.games[1].id", "not valid UTF-8"},
		{"invalid UTF-8 in a games hint", schemas.Limits{}, ok(", \"games\": [\"g001\", \"g\xff\"]"), "games[1]", "not valid UTF-8"},
		{"invalid UTF-8 in a constraint id", schemas.Limits{}, ok(", \"constraint_ids\": [\"c\xff\"]"), "constraint_ids[0]", "not valid UTF-8"},
		{"duplicate request_id", schemas.Limits{}, request(t, `"request_id": "a", "request_id": "b"`, "", ""), "request_id", `duplicate key "request_id"`},
		{"duplicate schedule", schemas.Limits{}, ok(`, "schedule": {"id": "s", "sport": "x"}`), "schedule", `duplicate key "schedule"`},
		{"duplicate key in a game", schemas.Limits{}, edit(`"home": "KU", "away": "KSU"`, `"home": "KU", "away": "KSU", "home": "BAY"`), "schedule.games[0].home", `duplicate key "home"`},
		{"duplicate team id key", schemas.Limits{}, edit(`{"id": "BAY"}`, `{"id": "BAY", "id": "KU"}`), "schedule.teams[2].id", `duplicate key "id"`},
		{"games an object", schemas.Limits{}, edit(`"games": [`, `"games": {"x": [`) + "}", "schedule.games", "must be null or an array (got an object)"},
		{"teams a string", schemas.Limits{}, `{"request_id": "r1", "schedule": {"id": "s", "sport": "x", "teams": "KU,KSU"}}`, "schedule.teams", "must be"},
		{"team id a number", schemas.Limits{}, edit(`{"id": "BAY"}`, `{"id": 7}`), "schedule.teams[2].id", "must be a string (got a number)"},
		{"slot a string", schemas.Limits{}, edit(`"slot": 0,`, `"slot": "0",`), "schedule.games[0].slot", "must be"},
		{"neutral a string", schemas.Limits{}, edit(`"neutral": false`, `"neutral": "no"`), "schedule.games[0].neutral", "must be a boolean"},
		{"revision 1e999999", schemas.Limits{}, ok(`, "revision": 1e999999`), "revision", "out of range"},
		{"revision of 1000 digits", schemas.Limits{}, ok(`, "revision": ` + strings.Repeat("9", 1000)), "revision", "more than 100 characters"},
		{"slot id past int64", schemas.Limits{}, edit(`{"id": 1,`, `{"id": 99999999999999999999,`), "schedule.slots[0].id", "out of range"},
		{"latitude 1e300", schemas.Limits{}, edit(`"lat": 38.954`, `"lat": 1e300`), "schedule.teams[0].lat", "<= 90"},
		{"schedule id of 5000 characters", schemas.Limits{}, edit(`"id": "big12-mbb-2025-26"`, `"id": "`+strings.Repeat("s", 5000)+`"`), "schedule.id", "at most 128 characters"},
		{"sport of 200 characters", schemas.Limits{}, edit(`"sport": "mbb",`, `"sport": "`+strings.Repeat("é", 200)+`",`), "schedule.sport", "at most 128 characters"},
		{"game id of 1000 characters", schemas.Limits{}, edit(`"id": "g002"`, `"id": "`+strings.Repeat("g", 1000)+`"`), "schedule.games[1].id", "at most 128 characters"},
		{"body over MAX_REQUEST_BYTES", small, ok(`, "pad": "` + strings.Repeat("x", 5000) + `"`), "", "more than MAX_REQUEST_BYTES (4096)"},
		{"games over MAX_GAMES", small, edit(`"games": [`, `"games": [{"id": "g000", "home": "KU", "away": "KSU"},`), "schedule.games", "4 games, more than MAX_GAMES (2)"},
		{"slots over MAX_SLOTS", schemas.Limits{MaxSlots: 1}, ok(""), "schedule.slots", "2 slots, more than MAX_SLOTS (1)"},
		{"teams over MAX_TEAMS", schemas.Limits{MaxTeams: 2}, ok(""), "schedule.teams", "3 teams, more than MAX_TEAMS (2)"},
		{"games hint over MAX_GAMES", schemas.Limits{MaxGames: 3}, ok(`, "games": ` + many(4, `"g001"`)), "games", "4 game ids, more than MAX_GAMES (3)"},
		{"huge constraint_ids", schemas.Limits{}, ok(`, "constraint_ids": ` + many(schemas.MaxConstraintIDs+1, `"c"`)), "constraint_ids", "10001 constraint ids"},
		{"5112 games at the defaults", schemas.Limits{}, string(bigRequest(72)), "schedule.games", "5112 games, more than MAX_GAMES (5000)"},
		{"a huge array of nulls", schemas.Limits{}, `{"request_id": "r1", "schedule": {"id": "s", "sport": "x", "games": ` + many(200000, "null") + `}}`, "schedule.games", "200000 games, more than MAX_GAMES (5000)"},
		{"a huge array of games at defaults, over the bytes", schemas.Limits{}, `{"request_id": "r1", "schedule": {"id": "s", "sport": "x", "games": ` + many(40000, `{"id": "g", "home": "KU", "away": "KSU", "slot": 1, "start": "2026-01-03T19:00:00-06:00"}`) + `}}`, "", "more than MAX_REQUEST_BYTES"},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d hostile shapes", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The typed validation on the hot path answers as the schema.
			if s, g, ok := schemas.RequestVerdicts([]byte(c.body)); ok && s != g {
				t.Errorf("schema says %q, typed validation %q", s, g)
			}
			r, err := c.limits.DecodeRequest([]byte(c.body))
			if err == nil {
				t.Fatalf("accepted: request_id %q", r.RequestID)
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

// TestLimitsAcceptTheirOwnSize checks that the limits are inclusive and
// that real schedules fit the defaults.
func TestLimitsAcceptTheirOwnSize(t *testing.T) {
	body := bigRequest(16) // 16 teams, 30 slots, 240 games
	l := schemas.Limits{MaxBytes: len(body), MaxGames: 240, MaxSlots: 30, MaxTeams: 16}
	if _, err := l.DecodeRequest(body); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if _, err := (schemas.Limits{}).DecodeRequest(bigRequest(70)); err != nil { // 4830 games
		t.Fatalf("4830 games at the defaults: %v", err)
	}
	for _, bad := range []schemas.Limits{{MaxBytes: -1}, {MaxGames: -5}} {
		if _, err := bad.DecodeRequest(body); !errors.Is(err, schemas.ErrInvalidLimits) {
			t.Errorf("%+v: %v, want ErrInvalidLimits", bad, err)
		}
	}
	var l0 schemas.Limits
	if err := l0.Validate(); err != nil || l0.MaxGames != schemas.DefaultMaxGames {
		t.Errorf("defaults %+v, %v", l0, err)
	}
}
