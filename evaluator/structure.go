package evaluator

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// Structure is the tournament format a schedule must have. Its checks are
// reported apart from the constraints, as structure violations, and never
// scored: an ITC2021 solution that breaks them is not a solution at all.
type Structure struct {
	// RoundRobins is how many times every pair meets (2: a double round
	// robin, each team hosting the other once). 0 does not check meetings.
	RoundRobins int `json:"round_robins,omitempty"`
	// Compact requires every team to play in every slot.
	Compact bool `json:"compact,omitempty"`
	// Phased requires each of the RoundRobins legs to be a single round
	// robin in its own consecutive share of the slots.
	Phased bool `json:"phased,omitempty"`
}

// StructureViolations checks the state's schedule against the model's
// Structure, plus what holds for every schedule: every game is placed, no
// team plays twice in one slot, and no team plays in two slots on one
// local day. It returns nil when the schedule is
// sound. It walks the whole schedule, so call it when building a result,
// not per move.
func (st *State) StructureViolations() []schemas.Violation {
	var out []schemas.Violation
	f := st.m.Frame
	for g, p := range st.games {
		if p.Slot < 0 {
			out = append(out, schemas.Violation{
				Games:   []string{st.ids[g]},
				Teams:   []string{f.TeamID(p.Home), f.TeamID(p.Away)},
				Message: fmt.Sprintf("game %s (%s vs %s) is not placed", st.ids[g], f.TeamID(p.Home), f.TeamID(p.Away)),
			})
		}
	}
	// Games per (team, slot), listed once per team.
	for t := int32(0); t < st.nT; t++ {
		for s := int32(0); s < st.nS; s++ {
			c := t*st.nS + s
			n := st.hc[c] + st.ac[c] + st.nc[c]
			switch {
			case n > 1:
				out = append(out, schemas.Violation{
					Games:     st.gamesAt(t, s),
					Teams:     []string{f.TeamID(t)},
					Slots:     []int{f.SlotID(s)},
					Deviation: int64(n - 1),
					Message:   fmt.Sprintf("%s plays %d games in slot %d", f.TeamID(t), n, f.SlotID(s)),
				})
			case n == 0 && st.m.Structure.Compact:
				out = append(out, schemas.Violation{
					Games:     []string{},
					Teams:     []string{f.TeamID(t)},
					Slots:     []int{f.SlotID(s)},
					Deviation: 1,
					Message:   fmt.Sprintf("%s has no game in slot %d, but the schedule must be compact", f.TeamID(t), f.SlotID(s)),
				})
			}
		}
	}
	out = append(out, st.sameDayViolations()...)
	if rr := st.m.Structure.RoundRobins; rr > 0 {
		out = append(out, st.roundRobinViolations(rr)...)
	}
	return out
}

// sameDayViolations reports each team that plays on one local day in
// more than one slot (a slot of a tournament day, or two windows whose
// kick-offs fall on one date). Only games whose day is known count: a
// kick-off, or a one-day slot's date. The day is local to the offset the
// start was written in. Two games in one slot are reported above.
func (st *State) sameDayViolations() []schemas.Violation {
	var out []schemas.Violation
	f := st.m.Frame
	type dayGame struct {
		day  int32
		slot int32
		g    int32
	}
	var buf []dayGame
	for t := int32(0); t < st.nT; t++ {
		buf = buf[:0]
		for _, g := range st.teamGames[t] {
			if p := &st.games[g]; p.Slot >= 0 && p.Timing >= TimingDay {
				buf = append(buf, dayGame{p.Day(), p.Slot, g})
			}
		}
		slices.SortFunc(buf, func(a, b dayGame) int {
			return cmp.Or(cmp.Compare(a.day, b.day), cmp.Compare(a.slot, b.slot), cmp.Compare(a.g, b.g))
		})
		for i := 0; i < len(buf); {
			j := i
			var slots []int
			var games []string
			for ; j < len(buf) && buf[j].day == buf[i].day; j++ {
				if id := f.SlotID(buf[j].slot); !slices.Contains(slots, id) {
					slots = append(slots, id)
				}
				games = append(games, st.ids[buf[j].g])
			}
			if len(slots) > 1 {
				ss := make([]string, len(slots))
				for k, s := range slots {
					ss[k] = strconv.Itoa(s)
				}
				out = append(out, schemas.Violation{
					Games: games, Teams: []string{f.TeamID(t)}, Slots: slots,
					Deviation: int64(len(slots) - 1),
					Message: fmt.Sprintf("%s plays %d games on %s, in slots %s", f.TeamID(t), j-i, dayString(buf[i].day),
						strings.Join(ss, " and ")),
				})
			}
			i = j
		}
	}
	return out
}

func (st *State) gamesAt(t, s int32) []string {
	var ids []string
	for _, g := range st.teamGames[t] {
		if st.games[g].Slot == s {
			ids = append(ids, st.ids[g])
		}
	}
	return ids
}

// roundRobinViolations checks that every pair meets rr times, each team
// hosting rr/2 of them (the rounding goes to either team when rr is odd),
// and, when phased, once in each leg.
func (st *State) roundRobinViolations(rr int) []schemas.Violation {
	var out []schemas.Violation
	f := st.m.Frame
	n := int(st.nT)
	hosts := make([]int, n*n) // placed games i hosts j
	legs := rr
	legLen := int(st.nS) / max(legs, 1)
	legCount := make([]int, n*n*legs)
	pairGames := make([][]string, n*n)
	for g, p := range st.games {
		if p.Slot < 0 {
			continue
		}
		hosts[int(p.Home)*n+int(p.Away)]++
		lo, hi := min(p.Home, p.Away), max(p.Home, p.Away)
		k := int(lo)*n + int(hi)
		pairGames[k] = append(pairGames[k], st.ids[g])
		if st.m.Structure.Phased && legLen > 0 {
			l := min(int(p.Slot)/legLen, legs-1)
			legCount[k*legs+l]++
		}
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			k := i*n + j
			ti, tj := f.TeamID(int32(i)), f.TeamID(int32(j))
			met := hosts[i*n+j] + hosts[j*n+i]
			if met != rr {
				out = append(out, schemas.Violation{
					Games: nonNil(pairGames[k]), Teams: []string{ti, tj},
					Deviation: int64(abs(met - rr)),
					Message:   fmt.Sprintf("%s and %s meet %d times, a %d-fold round robin needs %d", ti, tj, met, rr, rr),
				})
				continue
			}
			if rr%2 == 0 {
				for _, d := range [2][2]int{{i, j}, {j, i}} {
					if h := hosts[d[0]*n+d[1]]; h != rr/2 {
						a, b := f.TeamID(int32(d[0])), f.TeamID(int32(d[1]))
						out = append(out, schemas.Violation{
							Games: nonNil(pairGames[k]), Teams: []string{a, b},
							Deviation: int64(abs(h - rr/2)),
							Message:   fmt.Sprintf("%s hosts %s %d times, expected %d", a, b, h, rr/2),
						})
					}
				}
			}
			if st.m.Structure.Phased {
				for l := 0; l < legs; l++ {
					if c := legCount[k*legs+l]; c != 1 {
						out = append(out, schemas.Violation{
							Games: nonNil(pairGames[k]), Teams: []string{ti, tj},
							Deviation: int64(abs(c - 1)),
							Message:   fmt.Sprintf("%s and %s meet %d times in leg %d of %d, a phased schedule needs exactly 1", ti, tj, c, l+1, legs),
						})
					}
				}
			}
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
