package schemas_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// withVenues is validSchedule with a venue list that names KU's arena and
// a neutral site, and a neutral-site game there.
func withVenues(t *testing.T) string {
	t.Helper()
	doc := edit(t, `"games": [`, `"venues": [
    {"id": "allen-fieldhouse", "name": "Allen Fieldhouse", "lat": 38.954, "lon": -95.252, "tz": "America/Chicago", "sports": ["mbb", "wbb"]},
    {"id": "t-mobile-center", "name": "T-Mobile Center", "lat": 39.098, "lon": -94.580, "tz": "America/Chicago"}
  ],
  "games": [`)
	return strings.Replace(doc, `{"id": "g003", "home": "BAY", "away": "KU"}`,
		`{"id": "g003", "home": "BAY", "away": "KU", "neutral": true, "venue": "t-mobile-center"}`, 1)
}

func TestDecodeScheduleVenues(t *testing.T) {
	s, err := schemas.DecodeSchedule([]byte(withVenues(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Venues) != 2 || s.Venues[1].ID != "t-mobile-center" || *s.Venues[1].Lat != 39.098 || s.Venues[0].Sports[1] != "wbb" {
		t.Fatalf("venues = %+v", s.Venues)
	}
	// A document without venues stays valid, and its venues are labels.
	if _, err := schemas.DecodeSchedule([]byte(edit(t, `"venue": "allen-fieldhouse", "network"`, `"venue": "anywhere", "network"`))); err != nil {
		t.Errorf("a venue label without a venue list: %v", err)
	}
}

func TestDecodeScheduleVenuesInvalid(t *testing.T) {
	doc := withVenues(t)
	repl := func(old, new string) string {
		t.Helper()
		if !strings.Contains(doc, old) {
			t.Fatalf("no %q", old)
		}
		return strings.Replace(doc, old, new, 1)
	}
	tests := []struct {
		name, doc, field, msg string
	}{
		{"unknown game venue", repl(`"venue": "t-mobile-center"}`, `"venue": "sprint-center"}`), "games[2].venue", `unknown venue "sprint-center"`},
		{"unknown team venue", repl(`"venue": "allen-fieldhouse", "lat"`, `"venue": "phog", "lat"`), "teams[0].venue", `unknown venue "phog"`},
		{"duplicate venue", repl(`{"id": "t-mobile-center"`, `{"id": "allen-fieldhouse"`), "venues[1].id", `duplicate venue "allen-fieldhouse"`},
		{"venue lat", repl(`"lat": 39.098`, `"lat": 95`), "venues[1].lat", "must be <= 90"},
		{"venue key typo", repl(`"sports": ["mbb", "wbb"]`, `"sport": ["mbb"]`), "venues[0]", `unknown property "sport"`},
		{"venue without id", repl(`{"id": "t-mobile-center", `, `{`), "venues[1]", `missing property "id"`},
		{"slot days 0", edit(t, `{"id": 1, "start"`, `{"id": 1, "days": 0, "start"`), "slots[0].days", "must be >= 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := schemas.DecodeSchedule([]byte(tt.doc))
			var fe *schemas.FieldError
			if !errors.Is(err, schemas.ErrInvalid) || !errors.As(err, &fe) {
				t.Fatalf("err = %v, want a FieldError", err)
			}
			if fe.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want field %q and %q", err, tt.field, tt.msg)
			}
		})
	}
}
