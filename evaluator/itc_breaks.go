package evaluator

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/flextime/flextime/schemas"
)

// The ITC2021 break, fairness and separation kinds. A team has a break in
// slot s > 0 when it plays home in both s-1 and s, or away in both; slot 0
// never has one.

func init() {
	Register(Kind{
		Name:        "BR1",
		Description: "each listed team has at most intp breaks (home, away or both per mode2) in the given slots",
		Deviation:   "sum over teams of max(0, breaks - intp)",
		Compile:     compileBR1,
	})
	Register(Kind{
		Name:        "BR2",
		Description: "the listed teams together have at most intp breaks in the given slots",
		Deviation:   "max(0, total breaks - intp)",
		Compile:     compileBR2,
	})
	Register(Kind{
		Name:        "FA2",
		Description: "any two listed teams differ by at most intp in home games played, after each of the given slots",
		Deviation:   "sum over pairs of max(0, largest |home games of one - of the other, slots 0..s| over s in slots - intp)",
		Compile:     compileFA2,
	})
	Register(Kind{
		Name:        "SE1",
		Description: "the meetings of any two listed teams are at least min slots apart",
		Deviation:   "sum over pairs and consecutive meetings s1 < s2 of max(0, min - (s2 - s1 - 1))",
		Compile:     compileSE1,
	})
}

type brParams struct {
	Teams []string `json:"teams"`
	Slots []int    `json:"slots"`
	Intp  int      `json:"intp"`
	Mode2 string   `json:"mode2"`
}

// --- BR1 ---

type br1 struct {
	off   int32
	teams []int32
	slots []int32
	mask  uint8
	intp  int32
}

func compileBR1(b *Builder, raw json.RawMessage) (rule, error) {
	var p brParams
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &br1{mask: modeMask(p.Mode2), intp: int32(p.Intp)}
	var err error
	if r.teams, err = b.Teams("teams", p.Teams); err != nil {
		return nil, err
	}
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.off = b.Alloc(len(r.teams))
	for k, t := range r.teams {
		for _, s := range r.slots {
			if s > 0 {
				b.OnBreak(t, s, r, int32(k))
			}
		}
	}
	return r, nil
}

func (r *br1) init(ctr []int32) int64 {
	clear(ctr[r.off : r.off+int32(len(r.teams))])
	return 0
}

func (r *br1) dev(n int32) int64 { return int64(max(0, n-r.intp)) }

func (r *br1) onBreak(ctr []int32, k, _ int32, old, nu uint8) int64 {
	delta := r.hit(nu) - r.hit(old)
	if delta == 0 {
		return 0
	}
	c := &ctr[r.off+k]
	before := r.dev(*c)
	*c += delta
	return r.dev(*c) - before
}

func (r *br1) hit(b uint8) int32 {
	if b != roleNone && r.mask&(1<<b) != 0 {
		return 1
	}
	return 0
}

func (r *br1) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	for k, t := range r.teams {
		n := st.ctr[r.off+int32(k)]
		d := r.dev(n)
		if d == 0 {
			continue
		}
		gs := st.breakGames(t, r.slots, r.hit)
		out = append(out, st.violation(d, gs, []int32{t}, fmt.Sprintf(
			"%s has %s in slots %s, at most %d allowed: %s",
			st.teamLabel(t), count(n, "breaks"), st.slotList(r.slots), r.intp, st.describeGames(gs))))
	}
	return out
}

// breakGames returns, for each break of team t in slots that hit accepts,
// the two games that make it.
func (st *State) breakGames(t int32, slots []int32, hit func(uint8) int32) []int32 {
	var gs []int32
	for _, s := range slots {
		c := t*st.nS + s
		if s == 0 || hit(st.brk[c]) == 0 {
			continue
		}
		for _, g := range st.teamGames[t] {
			if sl := st.games[g].Slot; sl == s-1 || sl == s {
				if !slices.Contains(gs, g) {
					gs = append(gs, g)
				}
			}
		}
	}
	slices.SortFunc(gs, func(a, b int32) int { return int(st.games[a].Slot - st.games[b].Slot) })
	return gs
}

// --- BR2 ---

type br2 struct {
	off   int32
	teams []int32
	slots []int32
	intp  int32
}

func compileBR2(b *Builder, raw json.RawMessage) (rule, error) {
	var p brParams
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &br2{intp: int32(p.Intp)}
	var err error
	if r.teams, err = b.Teams("teams", p.Teams); err != nil {
		return nil, err
	}
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.off = b.Alloc(1)
	for _, t := range r.teams {
		for _, s := range r.slots {
			if s > 0 {
				b.OnBreak(t, s, r, 0)
			}
		}
	}
	return r, nil
}

func (r *br2) init(ctr []int32) int64 {
	ctr[r.off] = 0
	return 0
}

func (r *br2) dev(n int32) int64 { return int64(max(0, n-r.intp)) }

func (r *br2) onBreak(ctr []int32, _, _ int32, old, nu uint8) int64 {
	delta := anyBreak(nu) - anyBreak(old)
	if delta == 0 {
		return 0
	}
	c := &ctr[r.off]
	before := r.dev(*c)
	*c += delta
	return r.dev(*c) - before
}

func anyBreak(b uint8) int32 {
	if b != roleNone {
		return 1
	}
	return 0
}

func (r *br2) explain(st *State) []schemas.Violation {
	n := st.ctr[r.off]
	d := r.dev(n)
	if d == 0 {
		return nil
	}
	var gs []int32
	var teams []int32
	for _, t := range r.teams {
		tg := st.breakGames(t, r.slots, anyBreak)
		if len(tg) > 0 {
			teams = append(teams, t)
			gs = append(gs, tg...)
		}
	}
	slices.Sort(gs)
	gs = slices.Compact(gs)
	return []schemas.Violation{st.violation(d, gs, teams, fmt.Sprintf(
		"the listed teams have %s in slots %s, at most %d allowed", count(n, "breaks"), st.slotList(r.slots), r.intp))}
}

// --- FA2 ---

type fa2 struct {
	off   int32
	teams []int32
	pos   []int32 // team index -> position in teams, -1 when not listed
	slots []int32
	every bool // slots are all the slots: compare whole rows
	intp  int32
}

func compileFA2(b *Builder, raw json.RawMessage) (rule, error) {
	var p brParams
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &fa2{intp: int32(p.Intp)}
	var err error
	if r.teams, err = b.Teams("teams", p.Teams); err != nil {
		return nil, err
	}
	if r.slots, err = b.Slots("slots", p.Slots); err != nil {
		return nil, err
	}
	r.every = len(r.slots) == b.Frame.NumSlots()
	r.pos = make([]int32, b.Frame.NumTeams())
	for i := range r.pos {
		r.pos[i] = -1
	}
	for i, t := range r.teams {
		r.pos[t] = int32(i)
	}
	n := len(r.teams)
	r.off = b.Alloc(n * n) // contribution of pair (i, j), i < j, at i*n+j
	b.OnTeams(r)
	return r, nil
}

func (r *fa2) init(ctr []int32) int64 {
	n := int32(len(r.teams))
	clear(ctr[r.off : r.off+n*n])
	return 0
}

// gapValue is gap without the slot, for the hot path.
func (r *fa2) gapValue(st *State, t, u int32) int32 {
	pt := st.homePre[t*st.nS : (t+1)*st.nS]
	pu := st.homePre[u*st.nS : (u+1)*st.nS]
	var worst int32
	if r.every {
		pu = pu[:len(pt)]
		for s := range pt {
			d := pt[s] - pu[s]
			worst = max(worst, d, -d)
		}
		return worst
	}
	for _, s := range r.slots {
		d := pt[s] - pu[s]
		worst = max(worst, d, -d)
	}
	return worst
}

// gap returns the largest difference in home games played between teams
// t and u after a slot of the rule, and the slot where it occurs.
func (r *fa2) gap(st *State, t, u int32) (int32, int32) {
	pt := st.homePre[t*st.nS : (t+1)*st.nS]
	pu := st.homePre[u*st.nS : (u+1)*st.nS]
	var worst, at int32 = 0, -1
	if r.every {
		pu = pu[:len(pt)]
		for s := range pt {
			d := pt[s] - pu[s]
			if d < 0 {
				d = -d
			}
			if d > worst {
				worst, at = d, int32(s)
			}
		}
		return worst, at
	}
	for _, s := range r.slots {
		d := pt[s] - pu[s]
		if d < 0 {
			d = -d
		}
		if d > worst {
			worst, at = d, s
		}
	}
	return worst, at
}

func (r *fa2) onTeams(st *State, ctr []int32) int64 {
	var delta int64
	n := int32(len(r.teams))
	// Each pair with a changed team is recomputed once: the first time
	// one of its teams is met in patternTeams, unless the other team was
	// met before it.
	seen := st.buf[:0]
	for _, t := range st.patternTeams {
		i := r.pos[t]
		if i < 0 {
			continue
		}
		for j, u := range r.teams {
			if int32(j) == i || slices.Contains(seen, u) {
				continue
			}
			lo, hi := min(i, int32(j)), max(i, int32(j))
			g := r.gapValue(st, t, u)
			nu := max(0, g-r.intp)
			c := &ctr[r.off+lo*n+hi]
			delta += int64(nu - *c)
			*c = nu
		}
		seen = append(seen, t)
	}
	st.buf = seen[:0]
	return delta
}

func (r *fa2) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	n := int32(len(r.teams))
	f := st.m.Frame
	for i := int32(0); i < n; i++ {
		for j := i + 1; j < n; j++ {
			d := st.ctr[r.off+i*n+j]
			if d == 0 {
				continue
			}
			t, u := r.teams[i], r.teams[j]
			g, at := r.gap(st, t, u)
			upTo := func(x int32) []int32 {
				return st.gamesOf(x, func(_ int32, p Placement, role uint8) bool { return role == roleH && p.Slot <= at })
			}
			gs := append(upTo(t), upTo(u)...)
			ht, hu := st.homePre[t*st.nS+at], st.homePre[u*st.nS+at]
			out = append(out, st.violation(int64(d), gs, []int32{t, u}, fmt.Sprintf(
				"after slot %d, %s has played %s and %s %d: a difference of %d, at most %d allowed",
				f.SlotID(at), st.teamLabel(t), count(ht, "home games"), st.teamLabel(u), hu, g, r.intp)))
		}
	}
	return out
}

// --- SE1 ---

type se1 struct {
	off   int32
	teams []int32
	pos   []int32
	min   int32
}

func compileSE1(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams []string `json:"teams"`
		Min   int      `json:"min"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &se1{min: int32(p.Min)}
	var err error
	if r.teams, err = b.Teams("teams", p.Teams); err != nil {
		return nil, err
	}
	r.pos = make([]int32, b.Frame.NumTeams())
	for i := range r.pos {
		r.pos[i] = -1
	}
	for i, t := range r.teams {
		r.pos[t] = int32(i)
	}
	n := len(r.teams)
	r.off = b.Alloc(n * n)
	b.OnPairs(r)
	return r, nil
}

func (r *se1) init(ctr []int32) int64 {
	n := int32(len(r.teams))
	clear(ctr[r.off : r.off+n*n])
	return 0
}

// meetings writes the slots of the placed meetings of t and u, ascending,
// into buf.
func meetings(st *State, t, u int32, buf []int32) []int32 {
	buf = buf[:0]
	for _, g := range st.teamGames[t] {
		p := st.games[g]
		if p.Slot >= 0 && (p.Home == u || p.Away == u) {
			buf = append(buf, p.Slot)
		}
	}
	// Insertion sort: a pair meets a handful of times.
	for i := 1; i < len(buf); i++ {
		for j := i; j > 0 && buf[j] < buf[j-1]; j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
	return buf
}

func (r *se1) pairDev(slots []int32) int32 {
	var d int32
	for i := 1; i < len(slots); i++ {
		d += max(0, r.min-(slots[i]-slots[i-1]-1))
	}
	return d
}

func (r *se1) onPairs(st *State, ctr []int32) int64 {
	var delta int64
	n := int32(len(r.teams))
	for _, k := range st.dirtyPairs {
		lo, hi := k/st.nT, k%st.nT
		i, j := r.pos[lo], r.pos[hi]
		if i < 0 || j < 0 {
			continue
		}
		if i > j {
			i, j = j, i
		}
		st.buf = meetings(st, lo, hi, st.buf)
		nu := r.pairDev(st.buf)
		c := &ctr[r.off+i*n+j]
		delta += int64(nu - *c)
		*c = nu
	}
	return delta
}

func (r *se1) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	n := int32(len(r.teams))
	for i := int32(0); i < n; i++ {
		for j := i + 1; j < n; j++ {
			d := st.ctr[r.off+i*n+j]
			if d == 0 {
				continue
			}
			t, u := r.teams[i], r.teams[j]
			gs := st.gamesOf(t, func(_ int32, p Placement, _ uint8) bool { return p.Home == u || p.Away == u })
			out = append(out, st.violation(int64(d), gs, []int32{t, u}, fmt.Sprintf(
				"%s and %s meet with fewer than %d slots between their games: %s",
				st.teamLabel(t), st.teamLabel(u), r.min, st.describeGames(gs))))
		}
	}
	return out
}
