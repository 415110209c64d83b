package evaluator

import (
	"encoding/json"
	"fmt"

	"github.com/flextime/flextime/schemas"
)

// The ITC2021 capacity and game kinds: CA1-CA4 and GA1. Each keeps one
// counter per thing it bounds (a team, a team and window, a slot, the
// whole set) and updates it from side events in O(1).

func init() {
	Register(Kind{
		Name:        "CA1",
		Description: "each listed team plays at most max (at least min) home or away games in the given slots",
		Deviation:   "sum over teams of max(0, min - n, n - max), n = the team's home (mode H) or away (A) games in slots",
		Compile:     compileCA1,
	})
	Register(Kind{
		Name:        "CA2",
		Description: "each team of teams1 plays at most max home, away or any games against teams2 in the given slots",
		Deviation:   "sum over teams1 of max(0, min - n, n - max), n = the team's games of mode1 against teams2 in slots",
		Compile:     compileCA2,
	})
	Register(Kind{
		Name:        "CA3",
		Description: "each team of teams1 plays at most max games of mode1 against teams2 in every intp consecutive slots",
		Deviation:   "sum over teams1 and over every window of intp consecutive slots of max(0, min - n, n - max)",
		Compile:     compileCA3,
	})
	Register(Kind{
		Name:        "CA4",
		Description: "teams1 together play at most max games of mode1 against teams2 in the slots, in all (GLOBAL) or in each slot (EVERY)",
		Deviation:   "max(0, min - n, n - max) for the one count (GLOBAL), or summed over the slots (EVERY)",
		Compile:     compileCA4,
	})
	Register(Kind{
		Name:        "GA1",
		Description: "at least min and at most max of the listed meetings (home, away) take place in the given slots",
		Deviation:   "max(0, min - n, n - max), n = the listed meetings played in slots",
		Compile:     compileGA1,
	})
}

func decodeParams(raw json.RawMessage, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return inputErr("params", "%v", err)
	}
	return nil
}

// --- CA1 ---

type ca1 struct {
	off   int32
	teams []int32
	slots []int32
	mask  uint8
	b     bounds
}

func compileCA1(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams    []string `json:"teams"`
		Slots    []int    `json:"slots"`
		Min, Max *int
		Mode     string `json:"mode"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &ca1{mask: modeMask(p.Mode), b: newBounds(p.Min, p.Max)}
	var err error
	if r.teams, err = b.Teams("teams", p.Teams); err != nil {
		return nil, err
	}
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.off = b.Alloc(len(r.teams))
	spec := &CountSpec{Mask: r.mask, Bounds: r.b}
	for k, t := range r.teams {
		for _, s := range r.slots {
			b.Count(t, s, r.off+int32(k), 1, spec)
		}
	}
	return r, nil
}

func (r *ca1) init(ctr []int32) int64 {
	clear(ctr[r.off : r.off+int32(len(r.teams))])
	return int64(len(r.teams)) * r.b.dev(0)
}

func (r *ca1) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	inSlots := slotSet(st, r.slots)
	for k, t := range r.teams {
		n := st.ctr[r.off+int32(k)]
		d := r.b.dev(n)
		if d == 0 {
			continue
		}
		gs := st.gamesOf(t, func(_ int32, p Placement, role uint8) bool {
			return inSlots[p.Slot] && r.mask&(1<<role) != 0
		})
		out = append(out, st.violation(d, gs, []int32{t}, fmt.Sprintf(
			"%s plays %s in slots %s, the rule allows %s: %s",
			st.teamLabel(t), count(n, modeWord(r.mask)), st.slotList(r.slots), r.b, st.describeGames(gs))))
	}
	return out
}

func slotSet(st *State, slots []int32) []bool {
	set := make([]bool, st.nS)
	for _, s := range slots {
		set[s] = true
	}
	return set
}

// --- CA2 ---

type ca2 struct {
	off    int32
	teams1 []int32
	in2    []bool
	slots  []int32
	mask   uint8
	b      bounds
}

type ca23Params struct {
	Teams1   []string `json:"teams1"`
	Teams2   []string `json:"teams2"`
	Slots    []int    `json:"slots"`
	Intp     int      `json:"intp"`
	Min, Max *int
	Mode1    string `json:"mode1"`
	Mode2    string `json:"mode2"`
}

func (p *ca23Params) resolve(b *Builder) (t1, t2 []int32, err error) {
	if t1, err = b.Teams("teams1", p.Teams1); err != nil {
		return nil, nil, err
	}
	if t2, err = b.Teams("teams2", p.Teams2); err != nil {
		return nil, nil, err
	}
	return t1, t2, nil
}

func compileCA2(b *Builder, raw json.RawMessage) (rule, error) {
	var p ca23Params
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	t1, t2, err := p.resolve(b)
	if err != nil {
		return nil, err
	}
	r := &ca2{teams1: t1, in2: b.TeamSet(t2), mask: modeMask(p.Mode1), b: newBounds(p.Min, p.Max)}
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.off = b.Alloc(len(t1))
	spec := &CountSpec{Mask: r.mask, Opp: r.in2, Bounds: r.b}
	for k, t := range t1 {
		for _, s := range r.slots {
			b.Count(t, s, r.off+int32(k), 1, spec)
		}
	}
	return r, nil
}

func (r *ca2) init(ctr []int32) int64 {
	clear(ctr[r.off : r.off+int32(len(r.teams1))])
	return int64(len(r.teams1)) * r.b.dev(0)
}

func (r *ca2) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	inSlots := slotSet(st, r.slots)
	for k, t := range r.teams1 {
		n := st.ctr[r.off+int32(k)]
		d := r.b.dev(n)
		if d == 0 {
			continue
		}
		gs := st.gamesOf(t, func(_ int32, p Placement, role uint8) bool {
			return inSlots[p.Slot] && r.mask&(1<<role) != 0 && r.in2[p.Home+p.Away-t]
		})
		out = append(out, st.violation(d, gs, []int32{t}, fmt.Sprintf(
			"%s plays %s%s in slots %s, the rule allows %s: %s",
			st.teamLabel(t), count(n, modeWord(r.mask)), st.against(t, r.in2), st.slotList(r.slots), r.b, st.describeGames(gs))))
	}
	return out
}

// --- CA3 ---

type ca3 struct {
	off    int32
	teams1 []int32
	in2    []bool
	intp   int32
	nW     int32 // windows: starts 0..nS-intp
	mask   uint8
	b      bounds
}

func compileCA3(b *Builder, raw json.RawMessage) (rule, error) {
	var p ca23Params
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	t1, t2, err := p.resolve(b)
	if err != nil {
		return nil, err
	}
	nS := int32(b.Frame.NumSlots())
	r := &ca3{teams1: t1, in2: b.TeamSet(t2), intp: int32(p.Intp), mask: modeMask(p.Mode1), b: newBounds(p.Min, p.Max)}
	r.nW = max(0, nS-r.intp+1)
	r.off = b.Alloc(len(t1) * int(r.nW))
	spec := &CountSpec{Mask: r.mask, Opp: r.in2, Bounds: r.b}
	for k, t := range t1 {
		for s := int32(0); s < nS; s++ {
			// A game in slot s counts in the windows starting at lo..hi.
			lo, hi := max(0, s-r.intp+1), min(s, r.nW-1)
			if lo <= hi {
				b.Count(t, s, r.off+int32(k)*r.nW+lo, hi-lo+1, spec)
			}
		}
	}
	return r, nil
}

func (r *ca3) init(ctr []int32) int64 {
	n := int32(len(r.teams1)) * r.nW
	clear(ctr[r.off : r.off+n])
	return int64(n) * r.b.dev(0)
}

func (r *ca3) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	f := st.m.Frame
	for k, t := range r.teams1 {
		for w := int32(0); w < r.nW; w++ {
			n := st.ctr[r.off+int32(k)*r.nW+w]
			d := r.b.dev(n)
			if d == 0 {
				continue
			}
			gs := st.gamesOf(t, func(_ int32, p Placement, role uint8) bool {
				return p.Slot >= w && p.Slot < w+r.intp && r.mask&(1<<role) != 0 && r.in2[p.Home+p.Away-t]
			})
			out = append(out, st.violation(d, gs, []int32{t}, fmt.Sprintf(
				"%s plays %s%s in the %d slots %d-%d, the rule allows %s: %s",
				st.teamLabel(t), count(n, modeWord(r.mask)), st.against(t, r.in2), r.intp, f.SlotID(w), f.SlotID(w+r.intp-1), r.b, st.describeGames(gs))))
		}
	}
	return out
}

// --- CA4 ---

type ca4 struct {
	off   int32
	in1   []bool
	in2   []bool
	slots []int32
	pos   []int32 // slot index -> counter, -1 outside slots
	every bool
	mask  uint8
	b     bounds
}

func compileCA4(b *Builder, raw json.RawMessage) (rule, error) {
	var p ca23Params
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	t1, t2, err := p.resolve(b)
	if err != nil {
		return nil, err
	}
	r := &ca4{in1: b.TeamSet(t1), in2: b.TeamSet(t2), every: p.Mode2 == "EVERY", mask: modeMask(p.Mode1), b: newBounds(p.Min, p.Max)}
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.pos = make([]int32, b.Frame.NumSlots())
	for i := range r.pos {
		r.pos[i] = -1
	}
	for i, s := range r.slots {
		r.pos[s] = 0
		if r.every {
			r.pos[s] = int32(i)
		}
	}
	n := 1
	if r.every {
		n = len(r.slots)
	}
	r.off = b.Alloc(n)
	counted := &CountSpec{Mask: r.mask, Opp: r.in2, Bounds: r.b}
	// When both teams of a game qualify, count it from the home side only.
	deduped := &CountSpec{Mask: r.mask, Opp: r.in2, Bounds: r.b, Skip: r.in1}
	for _, t := range t1 {
		spec := counted
		if r.mask == maskHA && r.in2[t] {
			spec = deduped
		}
		for _, s := range r.slots {
			b.Count(t, s, r.off+r.pos[s], 1, spec)
		}
	}
	return r, nil
}

func (r *ca4) counters() int32 {
	if r.every {
		return int32(len(r.slots))
	}
	return 1
}

func (r *ca4) init(ctr []int32) int64 {
	n := r.counters()
	clear(ctr[r.off : r.off+n])
	return int64(n) * r.b.dev(0)
}

// counts reports whether the side of team t against opp, in the given
// role, counts a game. A game is counted once even when both of its teams
// are in teams1 and in teams2.
func (r *ca4) counts(t, opp int32, role uint8) bool {
	if r.mask&(1<<role) == 0 || !r.in2[opp] {
		return false
	}
	if r.mask == maskHA && r.in1[opp] && r.in2[t] {
		// Both sides qualify: count the game from its home side only.
		return role == roleH || role == roleNH
	}
	return true
}

func (r *ca4) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	f := st.m.Frame
	collect := func(keep func(s int32) bool) []int32 {
		var gs []int32
		for g, p := range st.games {
			if p.Slot < 0 || !keep(p.Slot) {
				continue
			}
			if (r.in1[p.Home] && r.counts(p.Home, p.Away, roleOf(p.Home, p))) ||
				(r.in1[p.Away] && r.counts(p.Away, p.Home, roleOf(p.Away, p))) {
				gs = append(gs, int32(g))
			}
		}
		return gs
	}
	if !r.every {
		n := st.ctr[r.off]
		if d := r.b.dev(n); d != 0 {
			gs := collect(func(s int32) bool { return r.pos[s] >= 0 })
			out = append(out, st.violation(d, gs, nil, fmt.Sprintf(
				"teams1 play %s against teams2 in slots %s, the rule allows %s in all: %s",
				count(n, modeWord(r.mask)), st.slotList(r.slots), r.b, st.describeGames(gs))))
		}
		return out
	}
	for i, s := range r.slots {
		n := st.ctr[r.off+int32(i)]
		if d := r.b.dev(n); d != 0 {
			gs := collect(func(x int32) bool { return x == s })
			out = append(out, st.violation(d, gs, nil, fmt.Sprintf(
				"teams1 play %s against teams2 in slot %d, the rule allows %s per slot: %s",
				count(n, modeWord(r.mask)), f.SlotID(s), r.b, st.describeGames(gs))))
		}
	}
	return out
}

// --- GA1 ---

type ga1 struct {
	off      int32
	meetings [][2]int32
	slots    []int32
	b        bounds
}

func compileGA1(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Meetings [][]string `json:"meetings"`
		Slots    []int      `json:"slots"`
		Min, Max *int
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &ga1{b: newBounds(p.Min, p.Max)}
	seen := map[[2]int32]bool{}
	for i, mt := range p.Meetings {
		if len(mt) != 2 {
			return nil, inputErr(fmt.Sprintf("params.meetings[%d]", i), "a meeting is [home, away]")
		}
		h, err := b.Team(fmt.Sprintf("meetings[%d][0]", i), mt[0])
		if err != nil {
			return nil, err
		}
		a, err := b.Team(fmt.Sprintf("meetings[%d][1]", i), mt[1])
		if err != nil {
			return nil, err
		}
		if k := [2]int32{h, a}; !seen[k] {
			seen[k] = true
			r.meetings = append(r.meetings, k)
		}
	}
	var err error
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.off = b.Alloc(1)
	aways := map[int32][]bool{} // home -> the aways it must host
	for _, mt := range r.meetings {
		if aways[mt[0]] == nil {
			aways[mt[0]] = make([]bool, b.Frame.NumTeams())
		}
		aways[mt[0]][mt[1]] = true
	}
	for _, mt := range r.meetings {
		set := aways[mt[0]]
		if set == nil {
			continue
		}
		delete(aways, mt[0])
		spec := &CountSpec{Mask: 1<<roleH | 1<<roleNH, Opp: set, Bounds: r.b}
		for _, s := range r.slots {
			b.Count(mt[0], s, r.off, 1, spec)
		}
	}
	return r, nil
}

func (r *ga1) init(ctr []int32) int64 {
	ctr[r.off] = 0
	return r.b.dev(0)
}

func (r *ga1) explain(st *State) []schemas.Violation {
	n := st.ctr[r.off]
	d := r.b.dev(n)
	if d == 0 {
		return nil
	}
	inSlots := slotSet(st, r.slots)
	var gs, all []int32
	var teams []int32
	for _, mt := range r.meetings {
		teams = append(teams, mt[0], mt[1])
		for _, g := range st.teamGames[mt[0]] {
			p := st.games[g]
			if p.Home == mt[0] && p.Away == mt[1] {
				all = append(all, g)
				if p.Slot >= 0 && inSlots[p.Slot] {
					gs = append(gs, g)
				}
			}
		}
	}
	// Too many: the games inside the slots are to move. Too few: the
	// listed meetings played elsewhere are.
	blame := gs
	if n < r.b.lo {
		blame = nil
		for _, g := range all {
			if s := st.games[g].Slot; s < 0 || !inSlots[s] {
				blame = append(blame, g)
			}
		}
	}
	return []schemas.Violation{st.violation(d, blame, teams, fmt.Sprintf(
		"%s in slots %s, the rule wants %s: %s",
		count(n, "listed meetings"), st.slotList(r.slots), r.b, st.describeGames(blame)))}
}
