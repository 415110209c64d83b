package robinx

import (
	"fmt"

	"github.com/flextime/flextime/schemas"
)

// Schedule returns the CONTRACT §1 schedule document of sol played on the
// instance: its id is in.Sport (in.Name when Sport is empty), its teams
// and slots are the instance's, and each match becomes a game with id
// "<home>-<away>". A nil sol gives a schedule without games.
//
// A match with an unknown team or slot, a team playing itself, or an
// ordered pair met twice is an error wrapping ErrInvalid that names the
// match's line (and the file, when sol came from ReadSolutionFile).
func (in *Instance) Schedule(sol *Solution) (*schemas.Schedule, error) {
	id := in.Sport
	if id == "" {
		id = in.Name
	}
	s := &schemas.Schedule{
		ID:    id,
		Sport: in.Sport,
		Teams: append([]schemas.Team{}, in.Teams...),
		Slots: append([]schemas.Slot{}, in.Slots...),
		Games: []schemas.Game{},
	}
	if sol == nil {
		return s, nil
	}
	if err := in.addGames(s, sol.Games); err != nil {
		if sol.path != "" {
			err = &fileError{path: sol.path, err: err}
		}
		return nil, err
	}
	return s, nil
}

func (in *Instance) addGames(s *schemas.Schedule, matches []Match) error {
	teams := make(map[string]bool, len(in.Teams))
	for _, t := range in.Teams {
		teams[t.ID] = true
	}
	slots := make(map[int]bool, len(in.Slots))
	for _, sl := range in.Slots {
		slots[sl.ID] = true
	}
	seen := make(map[string]int, len(matches)) // game id -> line
	s.Games = make([]schemas.Game, 0, len(matches))
	for _, m := range matches {
		bad := func(format string, args ...any) error {
			return &inputError{line: m.Line, where: "<ScheduledMatch>", msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case !teams[m.Home]:
			return bad("attribute %q: unknown team %q", "home", short(m.Home))
		case !teams[m.Away]:
			return bad("attribute %q: unknown team %q", "away", short(m.Away))
		case m.Home == m.Away:
			return bad("team %q plays itself", short(m.Home))
		case !slots[m.Slot]:
			return bad("attribute %q: unknown slot %d", "slot", m.Slot)
		}
		id := m.Home + "-" + m.Away
		if prev, dup := seen[id]; dup {
			// Team ids with a "-" could also collide here; either way
			// the game id would not be unique.
			return bad("game %s already scheduled at line %d", short(id), prev)
		}
		seen[id] = m.Line
		slot := m.Slot
		s.Games = append(s.Games, schemas.Game{ID: id, Home: m.Home, Away: m.Away, Slot: &slot})
	}
	return nil
}
