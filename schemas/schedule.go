package schemas

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// scheduleKeys are the top-level properties a Schedule is made of. Others
// are allowed and ignored.
var scheduleKeys = []string{"id", "sport", "teams", "slots", "games", "venues"}

// ValidateScheduleJSON checks that data is one JSON value that satisfies
// the schedule JSON Schema. It does not check what the schema cannot
// express (unique ids, references between games, teams and slots); use
// DecodeSchedule for the full check. Errors wrap ErrInvalid.
func ValidateScheduleJSON(data []byte) error {
	data = trimBOM(data)
	v, serr := parseJSON(data)
	if serr != nil {
		return serr.fieldError("", 1)
	}
	return scheduleSchema.validate("", v)
}

// DecodeSchedule parses and fully validates a schedule document: JSON
// syntax, the schedule JSON Schema, then Schedule.Validate. Every error
// it returns wraps ErrInvalid and is a *FieldError naming the field, such
// as `games[3].home: unknown team "XYZ"`; malformed JSON is reported as
// `line 3, column 5: ...`.
func DecodeSchedule(data []byte) (*Schedule, error) {
	data = trimBOM(data)
	v, serr := parseJSON(data)
	if serr != nil {
		return nil, serr.fieldError("", 1)
	}
	// The schema's rules, checked by typed code (typed.go).
	if err := validateScheduleTyped("", v); err != nil {
		return nil, err
	}
	top := v.(map[string]any) // the schema says so
	if err := checkKeyCase(top, scheduleKeys); err != nil {
		return nil, err
	}
	if err := checkScheduleInts(top); err != nil {
		return nil, err
	}
	s, err := decodeSchedule(data)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// decodeSchedule fills a Schedule once the checks above have passed.
// encoding/json matches keys without regard to case, which checkKeyCase
// has made harmless at the top level; nested objects allow no unknown keys.
func decodeSchedule(data []byte) (*Schedule, error) {
	s := new(Schedule)
	if err := json.Unmarshal(data, s); err != nil {
		// Not reached once the schema and checkScheduleInts pass.
		return nil, &FieldError{Msg: err.Error()}
	}
	return s, nil
}

// checkKeyCase refuses a top-level key that differs from a known one only
// in case ("Teams"): a typo that encoding/json would read as the known key,
// or as a second copy of it.
func checkKeyCase(top map[string]any, known []string) error {
	var bad []string
	for k := range top {
		if slices.Contains(known, k) {
			continue
		}
		for _, want := range known {
			if strings.EqualFold(k, want) {
				bad = append(bad, k)
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	for _, want := range known {
		if strings.EqualFold(bad[0], want) {
			return fieldErrorf("", "unknown property %q (did you mean %q?)", shorten(bad[0]), want)
		}
	}
	return nil
}

// checkScheduleInts makes sure the integers the schema accepted fit an
// int as encoding/json reads it.
func checkScheduleInts(top map[string]any) error {
	slots, _ := top["slots"].([]any)
	for i, sl := range slots {
		if _, err := plainInt(fmt.Sprintf("slots[%d].id", i), sl.(map[string]any)["id"]); err != nil {
			return err
		}
	}
	games, _ := top["games"].([]any)
	for i, g := range games {
		if v := g.(map[string]any)["slot"]; v != nil {
			if _, err := plainInt(fmt.Sprintf("games[%d].slot", i), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks what a schedule must satisfy beyond its Go types: ids
// present and unique (teams, slots, games), coordinates in range, starts
// in RFC 3339, and games between two different known teams in a known
// slot. Slots may come in any order: time runs in ascending slot id.
// The error, a *FieldError wrapping ErrInvalid, names the first offending
// field, such as `teams[4].id: duplicate team "KU"`. DecodeSchedule calls
// Validate; code that builds a Schedule itself should too.
func (s *Schedule) Validate() error {
	if s.ID == "" {
		return fieldErrorf("id", "must not be empty")
	}
	if s.Sport == "" {
		return fieldErrorf("sport", "must not be empty")
	}
	venues, err := s.checkVenues()
	if err != nil {
		return err
	}
	teams := make(map[string]struct{}, len(s.Teams))
	for i, t := range s.Teams {
		if t.ID == "" {
			return fieldErrorf(fmt.Sprintf("teams[%d].id", i), "must not be empty")
		}
		if _, dup := teams[t.ID]; dup {
			return fieldErrorf(fmt.Sprintf("teams[%d].id", i), "duplicate team %q", shorten(t.ID))
		}
		teams[t.ID] = struct{}{}
		if t.Lat != nil && !(*t.Lat >= -90 && *t.Lat <= 90) {
			return fieldErrorf(fmt.Sprintf("teams[%d].lat", i), "must be between -90 and 90")
		}
		if t.Lon != nil && !(*t.Lon >= -180 && *t.Lon <= 180) {
			return fieldErrorf(fmt.Sprintf("teams[%d].lon", i), "must be between -180 and 180")
		}
		if err := checkVenueRef(fmt.Sprintf("teams[%d].venue", i), t.Venue, venues); err != nil {
			return err
		}
	}
	slots := make(map[int]struct{}, len(s.Slots))
	for i, sl := range s.Slots {
		if _, dup := slots[sl.ID]; dup {
			return fieldErrorf(fmt.Sprintf("slots[%d].id", i), "duplicate slot %d", sl.ID)
		}
		if sl.Days < 0 {
			return fieldErrorf(fmt.Sprintf("slots[%d].days", i), "must be at least 1")
		}
		slots[sl.ID] = struct{}{}
		if err := checkStart(fmt.Sprintf("slots[%d].start", i), sl.Start); err != nil {
			return err
		}
	}
	games := make(map[string]struct{}, len(s.Games))
	for i := range s.Games {
		if err := s.Games[i].check(i, teams, slots, games); err != nil {
			return err
		}
		if err := checkVenueRef(fmt.Sprintf("games[%d].venue", i), s.Games[i].Venue, venues); err != nil {
			return err
		}
	}
	return nil
}

// checkVenues checks the venue list: ids present and unique, coordinates
// in range. It returns the ids, nil when the document has no list (venues
// are then free labels).
func (s *Schedule) checkVenues() (map[string]struct{}, error) {
	if len(s.Venues) == 0 {
		return nil, nil
	}
	ids := make(map[string]struct{}, len(s.Venues))
	for i, v := range s.Venues {
		if v.ID == "" {
			return nil, fieldErrorf(fmt.Sprintf("venues[%d].id", i), "must not be empty")
		}
		if _, dup := ids[v.ID]; dup {
			return nil, fieldErrorf(fmt.Sprintf("venues[%d].id", i), "duplicate venue %q", shorten(v.ID))
		}
		ids[v.ID] = struct{}{}
		if v.Lat != nil && !(*v.Lat >= -90 && *v.Lat <= 90) {
			return nil, fieldErrorf(fmt.Sprintf("venues[%d].lat", i), "must be between -90 and 90")
		}
		if v.Lon != nil && !(*v.Lon >= -180 && *v.Lon <= 180) {
			return nil, fieldErrorf(fmt.Sprintf("venues[%d].lon", i), "must be between -180 and 180")
		}
	}
	return ids, nil
}

// checkVenueRef refuses a venue that the document's venue list (when it
// has one) does not name: a typo would otherwise place the game nowhere.
func checkVenueRef(field, venue string, venues map[string]struct{}) error {
	if venue == "" || venues == nil {
		return nil
	}
	if _, ok := venues[venue]; !ok {
		return fieldErrorf(field, "unknown venue %q (not in venues)", shorten(venue))
	}
	return nil
}

func (g *Game) check(i int, teams map[string]struct{}, slots map[int]struct{}, games map[string]struct{}) error {
	field := func(name string) string { return fmt.Sprintf("games[%d].%s", i, name) }
	if g.ID == "" {
		return fieldErrorf(field("id"), "must not be empty")
	}
	if _, dup := games[g.ID]; dup {
		return fieldErrorf(field("id"), "duplicate game %q", shorten(g.ID))
	}
	games[g.ID] = struct{}{}
	for _, side := range []struct{ name, team string }{{"home", g.Home}, {"away", g.Away}} {
		if side.team == "" {
			return fieldErrorf(field(side.name), "must not be empty")
		}
		if _, ok := teams[side.team]; !ok {
			return fieldErrorf(field(side.name), "unknown team %q", shorten(side.team))
		}
	}
	if g.Home == g.Away {
		return fieldErrorf(field("away"), "%q is also the home team", shorten(g.Away))
	}
	if g.Slot != nil {
		if _, ok := slots[*g.Slot]; !ok {
			return fieldErrorf(field("slot"), "unknown slot %d", *g.Slot)
		}
	}
	return checkStart(field("start"), g.Start)
}

// checkStart accepts an empty start (absent) or an RFC 3339 time as Go
// reads it, which is what the evaluator will do with it.
func checkStart(field, start string) error {
	if start == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, start); err != nil {
		return fieldErrorf(field, "must be an RFC 3339 date-time (got %s)", show(start))
	}
	return nil
}
