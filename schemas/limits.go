package schemas

import (
	"errors"
	"fmt"
)

// Default request limits. They fit real use with room to spare: an
// ITC2021 instance has 20 teams, 38 slots and 380 games, a conference's
// basketball season with its non-conference games a few thousand games;
// and they keep one evaluation's memory in the tens of megabytes (a
// request of 40,000 games took 4.9 GB).
const (
	DefaultMaxRequestBytes = 2 << 20
	DefaultMaxGames        = 5000
	DefaultMaxSlots        = 1000
	DefaultMaxTeams        = 1000
)

// MaxIDLen is the most characters a schedule id, sport, team id or game
// id may have. The schedule id and sport become NATS subject tokens, and
// a subject past the server's max control line (4 KiB by default) makes
// it close the connection.
const MaxIDLen = 128

// MaxConstraintIDs bounds the constraint_ids of a request; a constraint
// set of more is not one a scheduler writes by hand.
const MaxConstraintIDs = 10000

// ErrInvalidLimits is wrapped by Limits.Validate errors.
var ErrInvalidLimits = errors.New("invalid request limits")

// Limits bound what a request may hold, so that one message cannot take
// the evaluator's memory or time from the others. The zero value of each
// field means its default.
type Limits struct {
	// MaxBytes bounds the request body (MAX_REQUEST_BYTES), checked
	// before any of it is decoded.
	MaxBytes int
	// MaxGames, MaxSlots and MaxTeams bound the schedule's games, slots
	// and teams (MAX_GAMES, MAX_SLOTS, MAX_TEAMS). MaxGames also bounds
	// the games hint.
	MaxGames, MaxSlots, MaxTeams int
}

func (l *Limits) setDefaults() {
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxRequestBytes
	}
	if l.MaxGames == 0 {
		l.MaxGames = DefaultMaxGames
	}
	if l.MaxSlots == 0 {
		l.MaxSlots = DefaultMaxSlots
	}
	if l.MaxTeams == 0 {
		l.MaxTeams = DefaultMaxTeams
	}
}

// Validate fills in the defaults and checks that every limit is
// positive. Errors wrap ErrInvalidLimits and name the setting.
func (l *Limits) Validate() error {
	l.setDefaults()
	for _, f := range []struct {
		name string
		v    int
	}{{"MAX_REQUEST_BYTES", l.MaxBytes}, {"MAX_GAMES", l.MaxGames}, {"MAX_SLOTS", l.MaxSlots}, {"MAX_TEAMS", l.MaxTeams}} {
		if f.v < 1 {
			return fmt.Errorf("%w: %s must be at least 1, got %d", ErrInvalidLimits, f.name, f.v)
		}
	}
	return nil
}

// checkSize refuses a body over MaxBytes before it is parsed.
func (l *Limits) checkSize(data []byte) error {
	if len(data) > l.MaxBytes {
		return fieldErrorf("", "request of %d bytes, more than MAX_REQUEST_BYTES (%d)", len(data), l.MaxBytes)
	}
	return nil
}

// checkCounts refuses a parsed request whose lists are over the limits,
// before the schema validator and the evaluator spend time on them.
func (l *Limits) checkCounts(top map[string]any) error {
	check := func(field string, v any, limit int, what, setting string) error {
		if a, ok := v.([]any); ok && len(a) > limit {
			return fieldErrorf(field, "%d %s, more than %s (%d)", len(a), what, setting, limit)
		}
		return nil
	}
	if err := check("games", top["games"], l.MaxGames, "game ids", "MAX_GAMES"); err != nil {
		return err
	}
	if err := check("constraint_ids", top["constraint_ids"], MaxConstraintIDs, "constraint ids", "the limit"); err != nil {
		return err
	}
	sched, _ := top["schedule"].(map[string]any)
	for _, c := range []struct {
		key     string
		limit   int
		setting string
	}{{"games", l.MaxGames, "MAX_GAMES"}, {"slots", l.MaxSlots, "MAX_SLOTS"}, {"teams", l.MaxTeams, "MAX_TEAMS"}} {
		if err := check("schedule."+c.key, sched[c.key], c.limit, c.key, c.setting); err != nil {
			return err
		}
	}
	return nil
}
