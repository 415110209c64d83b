package evaluator

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Select is the game selector of the date-aware kinds (schemas/defs.json
// "select"): every field narrows, an absent field selects all.
type Select struct {
	Teams     []string    `json:"teams"`
	Opponents []string    `json:"opponents"`
	Venue     string      `json:"venue"`
	Kinds     []string    `json:"kinds"`
	Networks  []string    `json:"networks"`
	Sports    []string    `json:"sports"`
	Weekdays  []string    `json:"weekdays"`
	Dates     []DateRange `json:"dates"`
	Slots     *SlotRange  `json:"slots"`
	Times     []TimeRange `json:"times"`
}

// DateRange is an inclusive range of local dates, "2026-01-01".
type DateRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// SlotRange is an inclusive range of slot ids; an absent end is open.
type SlotRange struct {
	From *int `json:"from"`
	To   *int `json:"to"`
}

// TimeRange is an inclusive range of local times of day, "19:00".
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// selector is a compiled Select.
type selector struct {
	id          int32   // index of the State's per-game match cache
	teams, opps []bool  // nil: any
	roles       uint8   // role mask from the team's side
	kinds       []int32 // nil: any
	nets        []int32
	sports      []int32
	weekdays    uint8 // bit per time.Weekday; 0: any
	dates       [][2]int32
	slotLo      int32
	slotHi      int32
	times       [][2]int32
}

// Selector compiles sel, naming field in errors. A nil sel selects every
// game. Equal Selects compile to one shared selector, so that a State
// decides once per game placement whether it is selected.
func (b *Builder) Selector(field string, sel *Select) (*selector, error) {
	raw, err := json.Marshal(sel)
	if err != nil {
		return nil, err
	}
	key := string(raw)
	if s, ok := b.m.selIdx[key]; ok {
		return s, nil
	}
	s, err := b.compileSelector(field, sel)
	if err != nil {
		return nil, err
	}
	s.id = b.m.nSel
	b.m.nSel++
	b.m.selIdx[key] = s
	return s, nil
}

func (b *Builder) compileSelector(field string, sel *Select) (*selector, error) {
	s := &selector{roles: maskHA, slotLo: 0, slotHi: int32(b.Frame.NumSlots() - 1)}
	if sel == nil {
		return s, nil
	}
	if sel.Teams != nil {
		ts, err := b.Teams(field+".teams", sel.Teams)
		if err != nil {
			return nil, err
		}
		s.teams = b.TeamSet(ts)
	}
	if sel.Opponents != nil {
		ts, err := b.Teams(field+".opponents", sel.Opponents)
		if err != nil {
			return nil, err
		}
		s.opps = b.TeamSet(ts)
	}
	switch sel.Venue {
	case "home":
		s.roles = 1 << roleH
	case "away":
		s.roles = 1 << roleA
	case "neutral":
		s.roles = 1<<roleNH | 1<<roleNA
	}
	intern := func(xs []string) []int32 {
		if xs == nil {
			return nil
		}
		out := make([]int32, 0, len(xs))
		for _, x := range xs {
			out = append(out, b.Intern(x))
		}
		return out
	}
	s.kinds, s.nets, s.sports = intern(sel.Kinds), intern(sel.Networks), intern(sel.Sports)
	for i, w := range sel.Weekdays {
		d, ok := weekdayNames[w]
		if !ok {
			return nil, inputErr(fmt.Sprintf("params.%s.weekdays[%d]", field, i), "%q is not a weekday (Mon..Sun)", w)
		}
		s.weekdays |= 1 << d
	}
	for i, r := range sel.Dates {
		lo, err := dayOf(r.From)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.%s.dates[%d].from", field, i), "%v", err)
		}
		hi, err := dayOf(r.To)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.%s.dates[%d].to", field, i), "%v", err)
		}
		if hi < lo {
			return nil, inputErr(fmt.Sprintf("params.%s.dates[%d]", field, i), "ends before it starts")
		}
		s.dates = append(s.dates, [2]int32{lo, hi})
	}
	if sel.Slots != nil {
		// Slot ids need not be dense: keep the indexes whose id is in range.
		s.slotLo, s.slotHi = int32(b.Frame.NumSlots()), -1
		for i, sl := range b.Frame.Slots {
			if (sel.Slots.From == nil || sl.ID >= *sel.Slots.From) && (sel.Slots.To == nil || sl.ID <= *sel.Slots.To) {
				s.slotLo, s.slotHi = min(s.slotLo, int32(i)), max(s.slotHi, int32(i))
			}
		}
	}
	for i, r := range sel.Times {
		lo, err := clockOf(r.From)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.%s.times[%d].from", field, i), "%v", err)
		}
		hi, err := clockOf(r.To)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.%s.times[%d].to", field, i), "%v", err)
		}
		s.times = append(s.times, [2]int32{lo, hi})
	}
	return s, nil
}

// Bits of a State's per-game match cache entry (State.sm): the entry is
// known, and the game is selected from its home or its away team's side.
const (
	smKnown uint8 = 1 << iota
	smHome
	smAway
)

// match reports whether game g, seen from team t, is selected. With t -1
// the game is selected when it is from the side of either of its teams.
// The answer for each side is cached in the State until the game moves.
func (s *selector) match(st *State, g, t int32) bool {
	p := &st.games[g]
	if p.Slot < 0 {
		return false
	}
	c := &st.sm[g*st.m.nSel+s.id]
	if *c == 0 {
		v := smKnown
		if s.matchSide(p, p.Home) {
			v |= smHome
		}
		if s.matchSide(p, p.Away) {
			v |= smAway
		}
		*c = v
	}
	switch {
	case t < 0:
		return *c&(smHome|smAway) != 0
	case t == p.Home:
		return *c&smHome != 0
	case t == p.Away:
		return *c&smAway != 0
	}
	return s.matchSide(p, t)
}

// picked returns team t's placed games in time order (st.seq[t]) that sel
// selects from t's side. The slice is the State's: read it, do not keep
// it past the next update.
func (st *State) picked(sel *selector, t int32) []int32 {
	k := t*st.m.nSel + sel.id
	if st.pickOK[k] {
		return st.picks[k]
	}
	buf := st.picks[k][:0]
	for _, g := range st.seq[t] {
		if sel.match(st, g, t) {
			buf = append(buf, g)
		}
	}
	st.picks[k], st.pickOK[k] = buf, true
	return buf
}

// pickFrom returns the games of seq that sel selects from t's side: the
// cached picked(sel, t) when seq is t's sequence, as it is for the rules,
// else a fresh slice.
func pickFrom(st *State, sel *selector, t int32, seq []int32) []int32 {
	if own := st.seq[t]; len(seq) == len(own) && (len(seq) == 0 || &seq[0] == &own[0]) {
		return st.picked(sel, t)
	}
	var out []int32
	for _, g := range seq {
		if sel.match(st, g, t) {
			out = append(out, g)
		}
	}
	return out
}

func (s *selector) matchSide(p *Placement, t int32) bool {
	ok, unknown := s.judgeSide(p, t)
	return ok && !unknown
}

// maybe reports whether game g, from the side of either team, would be
// selected but for a weekday or time of day it does not have yet (a game
// not yet timed): the games a rule with untimed "flag" reports.
func (s *selector) maybe(st *State, g int32) bool {
	p := &st.games[g]
	if p.Slot < 0 {
		return false
	}
	for _, t := range [2]int32{p.Home, p.Away} {
		if ok, unknown := s.judgeSide(p, t); ok && unknown {
			return true
		}
	}
	return false
}

// judgeSide decides whether p, from t's side, is selected. ok is false
// when some field rules the game out; unknown is true when, the other
// fields passing, a weekday or time-of-day field cannot be judged: the
// game has no kick-off (times), or only a slot of several days (weekdays).
// A slot's start dates a game, it never times it: midnight is not a
// kick-off.
func (s *selector) judgeSide(p *Placement, t int32) (ok, unknown bool) {
	opp := p.Home + p.Away - t
	if (s.teams != nil && !s.teams[t]) || (s.opps != nil && !s.opps[opp]) {
		return false, false
	}
	if s.roles&(1<<roleOf(t, *p)) == 0 {
		return false, false
	}
	if p.Slot < s.slotLo || p.Slot > s.slotHi {
		return false, false
	}
	if (s.kinds != nil && !slices.Contains(s.kinds, p.Kind)) ||
		(s.nets != nil && !slices.Contains(s.nets, p.Net)) ||
		(s.sports != nil && !slices.Contains(s.sports, p.Sport)) {
		return false, false
	}
	if s.dates != nil {
		d, in := p.Day(), false
		for _, r := range s.dates {
			in = in || (p.Timed() && d >= r[0] && d <= r[1])
		}
		if !in {
			return false, false
		}
	}
	if s.weekdays != 0 {
		if p.Timing < TimingDay {
			unknown = true
		} else if s.weekdays&(1<<p.Weekday()) == 0 {
			return false, false
		}
	}
	if s.times != nil {
		if p.Timing < TimingKickoff {
			unknown = true
		} else {
			m, in := p.Minute(), false
			for _, r := range s.times {
				in = in || (m >= r[0] && m <= r[1])
			}
			if !in {
				return false, false
			}
		}
	}
	return true, unknown
}
