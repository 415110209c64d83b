package improve

import (
	"math/rand/v2"
	"slices"

	"github.com/flextime/flextime/evaluator"
)

// Move kinds, as counted in Result.Kinds.
const (
	kindRelocate    = iota // a game to a slot where neither team plays
	kindSwapGames          // two games trade slots
	kindSwapSlots          // every game of two slots trades places (rounds)
	kindFlipGame           // one game's home and away swap
	kindFlipPair           // every meeting of a pair swaps home and away
	kindFlipCycle          // three games A hosts B, B hosts C, C hosts A all swap
	kindSwapPartial        // some teams' games of two slots trade slots
	numKinds
)

var kindNames = [numKinds]string{"relocate", "swap-games", "swap-slots", "flip-game", "flip-pair", "flip-cycle", "swap-partial"}

// day is a day in seconds: a game with its own start moves by whole days.
const day = 86400

// searcher proposes, applies and reverts moves on a State, keeping what
// the moves need to stay sound: which games each slot holds and how many
// games each team plays in each slot. Every move keeps "at most one game
// per team and slot", so the structure of a sound schedule stays sound;
// in a phased schedule no game crosses from one leg to another.
type searcher struct {
	st     *evaluator.State
	f      *evaluator.Frame
	rng    *rand.Rand
	nT, nS int32
	locked []bool
	free   []int32 // the games that may move
	phases int32   // legs of a phased schedule, 1 otherwise

	occ       []int16   // games per team*nS+slot
	slotGames [][]int32 // per slot, the games in it
	pairs     [][]int32 // per lo*nT+hi, the games between the two teams
	venue     []int32   // per team, its venue interned
	slotAt    []int64   // per slot, its start (Unix s); slotDated says whether it has one
	slotDated []bool
	own       []bool // per game: it has its own start

	buf, undo []evaluator.Move
	visit     []int32 // teams reached by swapPartial
	comp      []int32 // games reached by swapPartial
	best      []evaluator.Placement
}

func newSearcher(st *evaluator.State, locked []bool, rng *rand.Rand) *searcher {
	m := st.Model()
	f := m.Frame
	s := &searcher{st: st, f: f, rng: rng, nT: int32(f.NumTeams()), nS: int32(f.NumSlots()), locked: locked, phases: 1}
	if m.Structure.Phased && m.Structure.RoundRobins > 1 {
		s.phases = int32(m.Structure.RoundRobins)
	}
	n := st.NumGames()
	for g := range int32(n) {
		if locked == nil || !locked[g] {
			s.free = append(s.free, g)
		}
	}
	s.venue = make([]int32, s.nT)
	for t := range s.nT {
		s.venue[t] = st.Intern(f.Teams[t].Venue)
	}
	s.slotAt, s.slotDated = make([]int64, s.nS), make([]bool, s.nS)
	for sl := range s.nS {
		s.slotAt[sl], s.slotDated[sl] = f.SlotStart(sl)
	}
	// A game following its slot is re-timed by Apply; one with its own
	// start is shifted by the search.
	s.own = make([]bool, n)
	for g := range int32(n) {
		s.own[g] = st.OwnStart(g)
	}
	s.pairs = make([][]int32, s.nT*s.nT)
	for g := range int32(n) {
		p := st.Placement(g)
		k := s.pairKey(p.Home, p.Away)
		s.pairs[k] = append(s.pairs[k], g)
	}
	s.rebuild()
	return s
}

func (s *searcher) pairKey(a, b int32) int32 {
	if a > b {
		a, b = b, a
	}
	return a*s.nT + b
}

// rebuild recounts the slot tables from the state.
func (s *searcher) rebuild() {
	s.occ = make([]int16, s.nT*s.nS)
	s.slotGames = make([][]int32, s.nS)
	for g := range int32(s.st.NumGames()) {
		s.track(g, s.st.Placement(g), +1)
	}
}

func (s *searcher) track(g int32, p evaluator.Placement, sign int16) {
	if p.Slot < 0 {
		return
	}
	s.occ[p.Home*s.nS+p.Slot] += sign
	s.occ[p.Away*s.nS+p.Slot] += sign
	if sign > 0 {
		s.slotGames[p.Slot] = append(s.slotGames[p.Slot], g)
	} else if i := slices.Index(s.slotGames[p.Slot], g); i >= 0 {
		l := s.slotGames[p.Slot]
		l[i] = l[len(l)-1]
		s.slotGames[p.Slot] = l[:len(l)-1]
	}
}

func (s *searcher) isLocked(g int32) bool { return s.locked != nil && s.locked[g] }

func (s *searcher) phase(sl int32) int32 { return sl * s.phases / s.nS }

// to returns game g's placement moved to slot sl: a game with its own
// start keeps its clock and its day within the slot, shifted by the
// whole days between the two slots' starts.
func (s *searcher) to(g, sl int32) evaluator.Placement {
	p := s.st.Placement(g)
	if s.own[g] && p.Slot >= 0 && s.slotDated[p.Slot] && s.slotDated[sl] {
		d := s.slotAt[sl] - s.slotAt[p.Slot]
		// Round to whole days: a DST change between the slots moves
		// their midnights by an hour.
		days := (d + day/2) / day
		if d < 0 {
			days = -((-d + day/2) / day)
		}
		p.At += days * day
	}
	p.Slot = sl
	return p
}

// flipped returns placement p with home and away swapped. A game at its
// host's venue moves to the new host's; one at another venue (a neutral
// site) stays there.
func (s *searcher) flipped(p evaluator.Placement) evaluator.Placement {
	if p.Venue == s.venue[p.Home] {
		p.Venue = s.venue[p.Away]
	}
	p.Home, p.Away = p.Away, p.Home
	return p
}

// propose draws a move into s.buf and returns its kind, or -1 when the
// draw is not possible (a locked game, a clash); nothing is applied.
func (s *searcher) propose() int {
	s.buf = s.buf[:0]
	if len(s.free) == 0 {
		return -1
	}
	// A slot swap moves a whole round and costs as much as 30 single-game
	// moves (on ITC2021_Middle_03 about 200 us against 6), so it is drawn
	// rarely; it is still what reorders the season.
	switch r := s.rng.IntN(100); {
	case r < 42:
		return s.relocate()
	case r < 50:
		return s.swapPartial()
	case r < 54:
		return s.swapSlots()
	case r < 72:
		return s.flipGame()
	case r < 86:
		return s.flipPair()
	default:
		return s.flipCycle()
	}
}

// relocate moves a game to another slot. When one game stands in the
// way there (it shares a team with the mover), the two trade slots if
// that leaves no team twice in a slot.
func (s *searcher) relocate() int {
	g := s.free[s.rng.IntN(len(s.free))]
	p := s.st.Placement(g)
	t := s.rng.Int32N(s.nS)
	if t == p.Slot {
		return -1
	}
	if p.Slot >= 0 && s.phase(t) != s.phase(p.Slot) {
		return -1
	}
	other := int32(-1)
	for _, h := range s.slotGames[t] {
		q := s.st.Placement(h)
		if q.Home == p.Home || q.Home == p.Away || q.Away == p.Home || q.Away == p.Away {
			if other >= 0 {
				return -1 // two games in the way
			}
			other = h
		}
	}
	if other < 0 {
		s.buf = append(s.buf, evaluator.Move{Game: g, To: s.to(g, t)})
		return kindRelocate
	}
	if p.Slot < 0 || s.isLocked(other) {
		return -1
	}
	q := s.st.Placement(other)
	// other goes to g's slot: its teams must be free there, but for g.
	for _, tm := range [2]int32{q.Home, q.Away} {
		n := s.occ[tm*s.nS+p.Slot]
		if tm == p.Home || tm == p.Away {
			n--
		}
		if n != 0 {
			return -1
		}
	}
	s.buf = append(s.buf, evaluator.Move{Game: g, To: s.to(g, t)}, evaluator.Move{Game: other, To: s.to(other, p.Slot)})
	return kindSwapGames
}

// swapSlots trades every game of two slots (a round swap); not when
// either slot holds a locked game.
func (s *searcher) swapSlots() int {
	a, b := s.rng.Int32N(s.nS), s.rng.Int32N(s.nS)
	if a == b || s.phase(a) != s.phase(b) {
		return -1
	}
	for _, sl := range [2]int32{a, b} {
		for _, g := range s.slotGames[sl] {
			if s.isLocked(g) {
				return -1
			}
		}
	}
	for _, g := range s.slotGames[a] {
		s.buf = append(s.buf, evaluator.Move{Game: g, To: s.to(g, b)})
	}
	for _, g := range s.slotGames[b] {
		s.buf = append(s.buf, evaluator.Move{Game: g, To: s.to(g, a)})
	}
	if len(s.buf) == 0 {
		return -1
	}
	return kindSwapSlots
}

// swapPartial trades slots for the games of two slots that one team's
// games reach: start from a team, take its games in either slot, then
// their opponents' games in either slot, until closed, and swap that
// set's slots. Every team it touches plays in the other slot what it
// played in this one, so no team plays twice in a slot; a team outside
// is untouched. It reorders a few teams' seasons where a whole slot swap
// would reorder everyone's.
func (s *searcher) swapPartial() int {
	a, b := s.rng.Int32N(s.nS), s.rng.Int32N(s.nS)
	if a == b || s.phase(a) != s.phase(b) {
		return -1
	}
	s.visit = append(s.visit[:0], s.rng.Int32N(s.nT))
	s.comp = s.comp[:0]
	for i := 0; i < len(s.visit); i++ {
		t := s.visit[i]
		for _, sl := range [2]int32{a, b} {
			for _, g := range s.slotGames[sl] {
				p := s.st.Placement(g)
				if p.Home != t && p.Away != t || slices.Contains(s.comp, g) {
					continue
				}
				if s.isLocked(g) {
					return -1
				}
				s.comp = append(s.comp, g)
				for _, u := range [2]int32{p.Home, p.Away} {
					if !slices.Contains(s.visit, u) {
						s.visit = append(s.visit, u)
					}
				}
			}
		}
	}
	// The whole of both slots is a slot swap; none of them, nothing.
	if len(s.comp) == 0 || len(s.comp) == len(s.slotGames[a])+len(s.slotGames[b]) {
		return -1
	}
	for _, g := range s.comp {
		to := a
		if s.st.Placement(g).Slot == a {
			to = b
		}
		s.buf = append(s.buf, evaluator.Move{Game: g, To: s.to(g, to)})
	}
	return kindSwapPartial
}

// flipGame swaps home and away in one game of a pair that meets once.
// A pair that meets more than once keeps how often each team hosts (a
// double round robin's home-and-away pairs stay pairs); flipPair swaps
// all its meetings.
func (s *searcher) flipGame() int {
	g := s.free[s.rng.IntN(len(s.free))]
	p := s.st.Placement(g)
	if !s.single(p) {
		return -1
	}
	s.buf = append(s.buf, evaluator.Move{Game: g, To: s.flipped(p)})
	return kindFlipGame
}

// single reports whether the teams of p meet only once.
func (s *searcher) single(p evaluator.Placement) bool {
	return len(s.pairs[s.pairKey(p.Home, p.Away)]) == 1
}

// flipPair swaps home and away in every meeting of a game's two teams,
// so a home-and-away pair stays one of each.
func (s *searcher) flipPair() int {
	g := s.free[s.rng.IntN(len(s.free))]
	p := s.st.Placement(g)
	ms := s.pairs[s.pairKey(p.Home, p.Away)]
	if len(ms) < 2 {
		return -1
	}
	for _, h := range ms {
		if s.isLocked(h) {
			return -1
		}
		s.buf = append(s.buf, evaluator.Move{Game: h, To: s.flipped(s.st.Placement(h))})
	}
	return kindFlipPair
}

// flipCycle swaps home and away in three games that form a cycle, A hosts
// B, B hosts C, C hosts A, each of a pair that meets once: every team
// keeps its number of home games and only their places change, which a
// single flip cannot do without unbalancing two teams.
func (s *searcher) flipCycle() int {
	g1 := s.free[s.rng.IntN(len(s.free))]
	p1 := s.st.Placement(g1)
	a, b := p1.Home, p1.Away
	c := s.rng.Int32N(s.nT)
	if c == a || c == b {
		return -1
	}
	if !s.single(p1) {
		return -1
	}
	pick := func(h, w int32) int32 {
		ms := s.pairs[s.pairKey(h, w)]
		if len(ms) != 1 {
			return -1
		}
		if p := s.st.Placement(ms[0]); p.Home == h && !s.isLocked(ms[0]) {
			return ms[0]
		}
		return -1
	}
	g2, g3 := pick(b, c), pick(c, a)
	if g2 < 0 || g3 < 0 {
		return -1
	}
	for _, g := range [3]int32{g1, g2, g3} {
		s.buf = append(s.buf, evaluator.Move{Game: g, To: s.flipped(s.st.Placement(g))})
	}
	return kindFlipCycle
}

// apply applies s.buf, remembering how to undo it.
func (s *searcher) apply() {
	s.undo = s.undo[:0]
	for _, mv := range s.buf {
		s.undo = append(s.undo, evaluator.Move{Game: mv.Game, To: s.st.Placement(mv.Game)})
	}
	s.st.Apply(s.buf)
	s.retrack(s.undo)
}

// revert undoes the last apply.
func (s *searcher) revert() {
	for i := range s.buf {
		s.buf[i].To = s.st.Placement(s.buf[i].Game)
	}
	s.st.Apply(s.undo)
	s.retrack(s.buf)
}

// retrack moves the slot tables from the placements in from to the
// state's current ones.
func (s *searcher) retrack(from []evaluator.Move) {
	for _, mv := range from {
		s.track(mv.Game, mv.To, -1)
	}
	for _, mv := range from {
		s.track(mv.Game, s.st.Placement(mv.Game), +1)
	}
}

// snapshot remembers the current placements as the best.
func (s *searcher) snapshot() {
	s.best = s.best[:0]
	for g := range int32(s.st.NumGames()) {
		s.best = append(s.best, s.st.Placement(g))
	}
}

// restore returns the state to the best placements.
func (s *searcher) restore() {
	s.buf = s.buf[:0]
	for g, p := range s.best {
		if s.st.Placement(int32(g)) != p {
			s.buf = append(s.buf, evaluator.Move{Game: int32(g), To: p})
		}
	}
	if len(s.buf) > 0 {
		s.st.Apply(s.buf)
		s.rebuild()
	}
}
