package evaluator

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// gamesOf returns the placed games of team t that keep(g, p, role) accepts,
// in slot order. role is t's role in the game.
func (st *State) gamesOf(t int32, keep func(g int32, p Placement, role uint8) bool) []int32 {
	var out []int32
	for _, g := range st.teamGames[t] {
		p := st.games[g]
		if p.Slot < 0 {
			continue
		}
		if keep(g, p, roleOf(t, p)) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b int32) int { return int(st.games[a].Slot - st.games[b].Slot) })
	return out
}

func roleOf(t int32, p Placement) uint8 {
	switch {
	case p.Home == t && p.Neutral:
		return roleNH
	case p.Home == t:
		return roleH
	case p.Neutral:
		return roleNA
	}
	return roleA
}

// violation builds a Violation over games gs (game indexes), naming them,
// their teams and their slots.
func (st *State) violation(dev int64, gs []int32, teams []int32, msg string) schemas.Violation {
	f := st.m.Frame
	v := schemas.Violation{Games: make([]string, 0, len(gs)), Deviation: dev, Message: msg}
	seenSlot := map[int32]bool{}
	for _, g := range gs {
		v.Games = append(v.Games, st.ids[g])
		if s := st.games[g].Slot; s >= 0 && !seenSlot[s] {
			seenSlot[s] = true
			v.Slots = append(v.Slots, f.SlotID(s))
		}
	}
	slices.Sort(v.Slots)
	for _, t := range teams {
		v.Teams = append(v.Teams, f.TeamID(t))
	}
	return v
}

// describeGames renders games as "3-7 in slot 12, 7-3 in slot 20".
func (st *State) describeGames(gs []int32) string {
	if len(gs) == 0 {
		return "no games"
	}
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		p := st.games[g]
		parts = append(parts, fmt.Sprintf("%s in slot %d", st.ids[g], st.m.Frame.SlotID(p.Slot)))
	}
	return strings.Join(parts, ", ")
}

func (st *State) slotList(ss []int32) string {
	parts := make([]string, 0, len(ss))
	for _, s := range ss {
		parts = append(parts, strconv.Itoa(st.m.Frame.SlotID(s)))
	}
	if len(parts) > 8 {
		return fmt.Sprintf("%s ... %s (%d slots)", strings.Join(parts[:4], ","), parts[len(parts)-1], len(parts))
	}
	return strings.Join(parts, ",")
}

// modeWord is the plural noun for the games a mode counts.
func modeWord(mask uint8) string {
	switch mask {
	case maskH:
		return "home games"
	case maskA:
		return "away games"
	}
	return "games"
}

// against describes an opponent set for team t: "" when it holds every
// other team, the teams by id when there are a few, else how many.
func (st *State) against(t int32, set []bool) string {
	var in []string
	all := true
	for u, ok := range set {
		if int32(u) == t {
			continue
		}
		if ok {
			in = append(in, st.m.Frame.TeamID(int32(u)))
		} else {
			all = false
		}
	}
	switch {
	case all:
		return ""
	case len(in) <= 4:
		return " against " + strings.Join(in, ", ")
	}
	return fmt.Sprintf(" against %d listed teams", len(in))
}

// teamLabel names team t in a sentence: its id, or "team 7" when the id
// is a bare number (ITC2021 ids), which reads badly on its own.
func (st *State) teamLabel(t int32) string {
	id := st.m.Frame.TeamID(t)
	if _, err := strconv.Atoi(id); err == nil {
		return "team " + id
	}
	return id
}

// count renders n with the singular or plural noun: "1 home game", "3 breaks".
func count(n int32, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", strings.TrimSuffix(noun, "s"))
	}
	return fmt.Sprintf("%d %s", n, noun)
}
