package season

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/flextime/flextime/schemas"
)

// broadcast is a network's slot: a network and a clock, in the home
// team's time (zone "") or in the given zone.
type broadcast struct {
	network, clock, zone string
}

var (
	central = mustZone("America/Chicago")
	eastern = mustZone("America/New_York")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func b(network, clock string) broadcast   { return broadcast{network, clock, ""} }
func bET(network, clock string) broadcast { return broadcast{network, clock, "ET"} }
func bCT(network, clock string) broadcast { return broadcast{network, clock, "CT"} }
func list(bs ...broadcast) []broadcast    { return bs }
func pick(rng *rand.Rand, bs []broadcast) []broadcast {
	out := slices.Clone(bs)
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// networks returns, for one window's games on one day, their broadcasts
// in order. Football keeps its first four (the ABC/ESPN and FOX/FS1
// obligations) in place and shuffles the rest.
func networks(sport string, day time.Weekday, n int, rng *rand.Rand) []broadcast {
	var bs []broadcast
	switch {
	case sport == "mbb" && day == time.Saturday:
		bs = pick(rng, list(b("CBS", "13:00"), b("ESPN", "11:00"), b("ESPN", "15:00"), b("ESPN2", "13:00"),
			b("FOX", "13:00"), b("FS1", "17:00"), b("ESPN+", "19:00"), b("ESPNU", "15:00"), b("ESPN+", "20:00")))
	case sport == "mbb" && day == time.Monday:
		bs = list(bCT("ESPN", "20:00"), bCT("ESPN", "20:00"))
	case sport == "mbb":
		bs = pick(rng, list(b("ESPN+", "19:00"), b("ESPN2", "18:00"), b("ESPNU", "20:00"), b("FS1", "19:00"),
			b("ESPN+", "20:00"), b("ESPN2", "20:00"), b("ESPN+", "18:30"), b("FS1", "21:00")))
	case sport == "wbb" && day == time.Sunday:
		bs = pick(rng, list(b("ESPN+", "12:00"), b("ESPN+", "14:00"), b("ESPNU", "13:00"), b("FS1", "15:00"),
			b("ESPN+", "16:00"), b("ESPN2", "14:00"), b("ESPN+", "13:00"), b("ESPN+", "15:00")))
	case sport == "wbb":
		bs = pick(rng, list(b("ESPN+", "18:00"), b("ESPN+", "19:00"), b("ESPNU", "18:30"), b("ESPN+", "19:30"),
			b("ESPN+", "14:00"), b("FS1", "18:00"), b("ESPN+", "17:00"), b("ESPN+", "20:00")))
	case day == time.Thursday:
		bs = list(bET("ESPN", "19:30"))
	case day == time.Friday:
		bs = list(bET("FS1", "19:30"))
	default:
		bs = append(list(bET("ABC", "15:30"), bET("FOX", "12:00"), bET("ESPN", "19:30"), bET("FS1", "19:30")),
			pick(rng, list(bET("ESPN", "12:00"), bET("TNT", "15:30"), bET("ESPN2", "12:00"), b("ESPN+", "18:00"),
				bET("FS1", "12:00"), bET("ABC", "19:30")))...)
	}
	for len(bs) < n {
		bs = append(bs, b("ESPN+", "18:00"))
	}
	return bs[:n]
}

// schedule writes the season as a CONTRACT §1 document.
func (sp *sport) schedule(s *season, rng *rand.Rand) *schemas.Schedule {
	out := &schemas.Schedule{ID: "big12-" + sp.name + "-2025-26", Sport: sp.name}
	for _, t := range Teams {
		lat, lon := t.Lat, t.Lon
		out.Teams = append(out.Teams, schemas.Team{ID: t.ID, Name: t.Name, Venue: t.Venue, Lat: &lat, Lon: &lon, TZ: t.TZ})
	}
	for w, win := range s.windows {
		first := slices.MinFunc(win.days, func(a, b time.Time) int { return a.Compare(b) })
		out.Slots = append(out.Slots, schemas.Slot{ID: w, Start: localMidnight(first, central), Name: win.name})
	}
	order := make([]int, len(s.games))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(s.games[a].win-s.games[b].win, s.date[a]-s.date[b],
			cmp.Compare(Teams[s.games[a].home].ID, Teams[s.games[b].home].ID))
	})
	// Broadcasts per window and day, in game order.
	type key struct{ win, date int }
	groups := map[key][]int{}
	for _, g := range order {
		k := key{s.games[g].win, s.date[g]}
		groups[k] = append(groups[k], g)
	}
	assigned := map[int]broadcast{}
	for _, g := range order {
		k := key{s.games[g].win, s.date[g]}
		gs, ok := groups[k]
		if !ok {
			continue
		}
		delete(groups, k)
		bs := networks(sp.name, s.weekday(gs[0]), len(gs), rng)
		for i, x := range gs {
			assigned[x] = bs[i]
		}
	}
	for i, g := range order {
		gm := s.games[g]
		home := Teams[gm.home]
		bc := assigned[g]
		slot := gm.win
		out.Games = append(out.Games, schemas.Game{
			ID:      fmt.Sprintf("g%03d", i+1),
			Home:    home.ID,
			Away:    Teams[gm.away].ID,
			Slot:    &slot,
			Start:   kickoff(s.gameDate(g), bc, home.location()),
			Venue:   home.Venue,
			Network: bc.network,
			Kind:    "conference",
		})
	}
	return out
}

func localMidnight(d time.Time, loc *time.Location) string {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).Format(time.RFC3339)
}

// kickoff is the game's start in the home team's offset.
func kickoff(d time.Time, bc broadcast, home *time.Location) string {
	var h, m int
	fmt.Sscanf(bc.clock, "%d:%d", &h, &m)
	loc := home
	switch bc.zone {
	case "ET":
		loc = eastern
	case "CT":
		loc = central
	}
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc).In(home).Format(time.RFC3339)
}
