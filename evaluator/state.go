package evaluator

import (
	"fmt"
	"slices"
	"time"

	"github.com/flextime/flextime/schemas"
)

// Placement is where a game stands: its teams and its slot as dense
// indexes of the Frame, Slot -1 when the game is unplaced, and the
// attributes the date-aware kinds select on.
type Placement struct {
	Home, Away, Slot int32
	Neutral          bool
	// At is the start as Unix seconds and Off the UTC offset it was
	// written in (a game's date and weekday are local to it); both 0 when
	// neither the game nor its slot has a start. A game without its own
	// start follows its slot's.
	At  int64
	Off int32
	// Timing says what At is: the game's own kick-off (TimingKickoff), or
	// its slot's date (TimingDay), or the first day of a window of several
	// days (TimingWindow), or nothing (TimingNone). A slot dates a game,
	// it never times it: rules that need a time of day do not read a
	// slot's start as a kick-off.
	Timing uint8
	// Interned strings (State.Intern), -1 when absent: the TV network,
	// the game's kind ("conference" by default), its venue (the home
	// team's by default) and its sport (the schedule's by default).
	Net, Kind, Venue, Sport int32
}

// Timings of a Placement, from least to most known.
const (
	TimingNone    uint8 = iota // no date: neither the game nor its slot has a start
	TimingWindow               // the first day of its slot's window of several days
	TimingDay                  // its slot's date; no time of day
	TimingKickoff              // its own start: date and time of day
)

// Move puts game Game (its index in the schedule's games) at To.
type Move struct {
	Game int32
	To   Placement
}

// State is one schedule evaluated under one Model: where every game
// stands, the per-cell counts, every rule's delta counters and every
// constraint's deviation. Load scores a schedule in full; Update and Apply
// re-score from a difference and leave the State exactly as Load would.
// A State is not safe for concurrent use; Clone it to share.
type State struct {
	m      *Model
	nT, nS int32

	ids   []string
	docs  []schemas.Game // the games as last seen, for a cheap diff
	own   []bool         // the game has its own start
	ownV  []bool         // the game names its own venue
	sport string         // the schedule's sport, the games' default
	games []Placement
	gday  []int32          // per game, its Placement.Day, kept when the model needs seq
	dict  map[string]int32 // interned strings beyond the model's
	byID  map[string]int32
	// teamGames lists, per team, the games it plays in (placed or not).
	teamGames [][]int32
	// seq lists, per team, its placed games in time order (start, then
	// slot); kept only when a rule needs it.
	seq [][]int32

	hc, ac, nc []int16 // home, away and neutral games per (team, slot) cell
	status     []uint8 // roleH or roleA when a cell is purely that, else roleNone
	brk        []uint8 // the break a team has in a slot: roleNone, roleH or roleA

	ctr []int32 // rules' counters
	dev []int64 // deviation per constraint

	infeas, obj        schemas.Fixed
	hardViol, softViol int

	// scratch of one update
	dirtyCells   []int32
	cellSnap     []cellCounts // counts of each dirty cell before the update
	cellMark     []bool
	cellHead     []int32     // first side delta of a dirty cell, -1 none
	deltas       []sideDelta // the side events of one update, linked by cell
	dirtyBrk     []int32
	brkMark      []bool
	dirtyTeams   []int32
	teamMark     []bool
	patternTeams []int32
	patMark      []bool
	dirtyPairs   []int32
	pairMark     []bool
	changed      []int32
	chMark       []bool
	before       []int64
	moves        []Move
	moved        []int32 // games whose placement changed in this update
	movedMark    []bool
	slab         [][]int32 // per Builder.GameSlab (and game listener), a counter per game
	sm           []uint8   // per game and selector: the match cache (select.go)
	// picks[t*nSel+sel] is team t's sequence narrowed to the games sel
	// selects from t's side, valid while pickOK; dropped for the teams
	// whose games changed.
	picks   [][]int32
	pickOK  []bool
	buf2    []int32 // a second scratch for rules
	homePre []int32 // per team, home games in slots 0..s
	buf     []int32 // scratch for rules
}

// NewState returns an empty State for m: every game unplaced.
func (m *Model) NewState() *State {
	cells := int(m.nT * m.nS)
	nc := len(m.Constraints)
	st := &State{
		m: m, nT: m.nT, nS: m.nS,
		byID:      map[string]int32{},
		teamGames: make([][]int32, m.nT),
		seq:       make([][]int32, m.nT),
		dict:      map[string]int32{},
		slab:      make([][]int32, m.nSlabs),
		picks:     make([][]int32, m.nT*m.nSel),
		pickOK:    make([]bool, m.nT*m.nSel),
		hc:        make([]int16, cells),
		ac:        make([]int16, cells),
		nc:        make([]int16, cells),
		status:    make([]uint8, cells),
		brk:       make([]uint8, cells),
		ctr:       make([]int32, m.ctrSize),
		dev:       make([]int64, nc),
		cellMark:  make([]bool, cells),
		cellHead:  make([]int32, cells),
		brkMark:   make([]bool, cells),
		teamMark:  make([]bool, m.nT),
		patMark:   make([]bool, m.nT),
		pairMark:  make([]bool, m.nT*m.nT),
		chMark:    make([]bool, nc),
		before:    make([]int64, nc),
		homePre:   make([]int32, cells),
	}
	for i := range st.cellHead {
		st.cellHead[i] = -1
	}
	st.reset()
	return st
}

// Model returns the model the state evaluates under.
func (st *State) Model() *Model { return st.m }

// reset empties the schedule and sets every rule to its empty state.
func (st *State) reset() {
	clear(st.hc)
	clear(st.ac)
	clear(st.nc)
	clear(st.status)
	clear(st.brk)
	clear(st.homePre)
	for t := range st.teamGames {
		st.teamGames[t] = st.teamGames[t][:0]
	}
	for t := range st.seq {
		st.seq[t] = st.seq[t][:0]
	}
	st.ids, st.docs, st.own, st.ownV, st.games, st.gday = st.ids[:0], st.docs[:0], st.own[:0], st.ownV[:0], st.games[:0], st.gday[:0]
	clear(st.byID)
	for i := range st.slab {
		st.slab[i] = st.slab[i][:0]
	}
	st.sm = st.sm[:0]
	clear(st.pickOK)
	for i := range st.m.Constraints {
		st.dev[i] = st.m.Constraints[i].r.init(st.ctr)
	}
	st.recount()
	st.clearChanged()
}

// recount sets the totals from the deviations, in full.
func (st *State) recount() {
	st.infeas, st.obj, st.hardViol, st.softViol = 0, 0, 0, 0
	for i := range st.m.Constraints {
		st.account(int32(i), st.dev[i], 1)
	}
}

func (st *State) account(ci int32, dev int64, sign int) {
	c := &st.m.Constraints[ci].Doc
	cost := c.Penalty.MulInt(dev)
	n := 0
	if dev != 0 {
		n = 1
	}
	if c.Hard {
		st.infeas += cost * schemas.Fixed(sign)
		st.hardViol += n * sign
	} else {
		st.obj += cost * schemas.Fixed(sign)
		st.softViol += n * sign
	}
}

// Load evaluates s in full, replacing whatever the state held. Games must
// name teams and slots of the model's frame; otherwise Load returns an
// *InputError naming the game field and leaves the state unchanged.
func (st *State) Load(s *schemas.Schedule) error {
	seen := make(map[string]struct{}, len(s.Games))
	st.moves = st.moves[:0]
	st.sport = s.Sport
	for i := range s.Games {
		g := &s.Games[i]
		p, err := st.resolve(i, g)
		if err != nil {
			return err
		}
		if _, dup := seen[g.ID]; dup {
			return inputErr(fmt.Sprintf("games[%d].id", i), "duplicate game %q", g.ID)
		}
		seen[g.ID] = struct{}{}
		st.moves = append(st.moves, Move{Game: int32(i), To: p})
	}
	st.reset()
	for i := range s.Games {
		g := &s.Games[i]
		p := st.moves[i].To
		idx := int32(i)
		st.byID[g.ID] = idx
		st.ids = append(st.ids, g.ID)
		st.docs = append(st.docs, *g)
		st.own = append(st.own, g.Start != "")
		st.ownV = append(st.ownV, g.Venue != "")
		st.games = append(st.games, Placement{Home: p.Home, Away: p.Away, Slot: -1, Neutral: p.Neutral})
		st.gday = append(st.gday, 0)
		st.teamGames[p.Home] = append(st.teamGames[p.Home], idx)
		st.teamGames[p.Away] = append(st.teamGames[p.Away], idx)
	}
	for i := range st.slab {
		st.slab[i] = append(st.slab[i], make([]int32, len(s.Games))...)
	}
	st.sm = append(st.sm, make([]uint8, len(s.Games)*int(st.m.nSel))...)
	st.movedMark = append(st.movedMark[:0], make([]bool, len(s.Games))...)
	st.Apply(st.moves)
	st.moves = st.moves[:0]
	st.clearChanged()
	return nil
}

func (st *State) clearChanged() {
	for _, ci := range st.changed {
		st.chMark[ci] = false
	}
	st.changed = st.changed[:0]
}

// Reload evaluates the games the state already holds again in full, from
// empty. It is what a full evaluation costs without decoding a document.
func (st *State) Reload() {
	st.moves = st.moves[:0]
	for g, p := range st.games {
		st.moves = append(st.moves, Move{Game: int32(g), To: p})
	}
	for i := range st.m.Constraints {
		st.dev[i] = st.m.Constraints[i].r.init(st.ctr)
	}
	clear(st.hc)
	clear(st.ac)
	clear(st.nc)
	clear(st.status)
	clear(st.brk)
	clear(st.homePre)
	for g := range st.games {
		st.games[g].Slot = -1
	}
	for i := range st.slab {
		clear(st.slab[i])
	}
	clear(st.sm)
	clear(st.pickOK)
	st.recount()
	st.Apply(st.moves)
	st.moves = st.moves[:0]
	st.clearChanged()
}

func (st *State) resolve(i int, g *schemas.Game) (Placement, error) {
	f := st.m.Frame
	p := Placement{Home: f.TeamIndex(g.Home), Away: f.TeamIndex(g.Away), Slot: -1, Neutral: g.Neutral}
	if p.Home < 0 {
		return p, inputErr(fmt.Sprintf("games[%d].home", i), "unknown team %q", g.Home)
	}
	if p.Away < 0 {
		return p, inputErr(fmt.Sprintf("games[%d].away", i), "unknown team %q", g.Away)
	}
	if p.Home == p.Away {
		return p, inputErr(fmt.Sprintf("games[%d]", i), "team %q plays itself", g.Home)
	}
	if g.Slot != nil {
		p.Slot = f.SlotIndex(*g.Slot)
		if p.Slot < 0 {
			return p, inputErr(fmt.Sprintf("games[%d].slot", i), "unknown slot %d", *g.Slot)
		}
	}
	if g.Start != "" {
		at, err := time.Parse(time.RFC3339, g.Start)
		if err != nil {
			return p, inputErr(fmt.Sprintf("games[%d].start", i), "%q is not an RFC 3339 time", g.Start)
		}
		_, off := at.Zone()
		p.At, p.Off, p.Timing = at.Unix(), int32(off), TimingKickoff
	} else {
		p.At, p.Off, p.Timing = f.slotTime(p.Slot)
	}
	p.Net = st.Intern(g.Network)
	kind := g.Kind
	if kind == "" {
		kind = "conference"
	}
	p.Kind = st.Intern(kind)
	if g.Venue != "" {
		if f.NumVenues() > 0 && f.VenueIndex(g.Venue) < 0 {
			return p, inputErr(fmt.Sprintf("games[%d].venue", i), "unknown venue %q (not in venues)", g.Venue)
		}
		p.Venue = st.Intern(g.Venue)
	} else {
		p.Venue = st.m.teamVenue[p.Home]
	}
	sport := g.Sport
	if sport == "" {
		sport = st.sport
	}
	p.Sport = st.Intern(sport)
	return p, nil
}

// Intern returns the id of s among the strings games and constraints
// name (networks, kinds, venues, sports), -1 for "". Strings a constraint
// names get their ids when the model is compiled; others on first sight.
func (st *State) Intern(s string) int32 {
	if s == "" {
		return -1
	}
	if id, ok := st.m.dict[s]; ok {
		return id
	}
	if id, ok := st.dict[s]; ok {
		return id
	}
	id := int32(len(st.m.dict) + len(st.dict))
	st.dict[s] = id
	return id
}

// Update re-scores the state for s, a later version of the schedule it
// holds, from the difference alone. It returns ErrFrameChanged when s has
// other teams or slots (compile a new model), and an *InputError for a game
// that names an unknown team or slot, leaving the state unchanged. When the
// set of game ids changed, it evaluates in full; Changes is right either
// way.
func (st *State) Update(s *schemas.Schedule) error {
	if !st.m.Frame.Same(s) {
		return ErrFrameChanged
	}
	st.moves = st.moves[:0]
	if len(s.Games) != len(st.ids) {
		return st.reloadFrom(s)
	}
	if s.Sport != st.sport {
		return st.reloadFrom(s)
	}
	for i := range s.Games {
		g := &s.Games[i]
		if g.ID != st.ids[i] {
			return st.reloadFrom(s)
		}
		if sameGame(g, &st.docs[i]) {
			continue
		}
		p, err := st.resolve(i, g)
		if err != nil {
			return err
		}
		if p != st.games[i] {
			st.moves = append(st.moves, Move{Game: int32(i), To: p})
		}
	}
	for i := range s.Games {
		if !sameGame(&s.Games[i], &st.docs[i]) {
			st.docs[i] = s.Games[i]
			st.own[i] = s.Games[i].Start != ""
			st.ownV[i] = s.Games[i].Venue != ""
		}
	}
	st.Apply(st.moves)
	return nil
}

// sameGame reports whether two versions of a game document are equal.
func sameGame(a, b *schemas.Game) bool {
	if (a.Slot == nil) != (b.Slot == nil) || (a.Slot != nil && *a.Slot != *b.Slot) {
		return false
	}
	return a.Home == b.Home && a.Away == b.Away && a.Start == b.Start && a.Venue == b.Venue &&
		a.Network == b.Network && a.Neutral == b.Neutral && a.Kind == b.Kind && a.Sport == b.Sport
}

// reloadFrom evaluates s in full but keeps the deviations before it, so
// that Changes reports what moved.
func (st *State) reloadFrom(s *schemas.Schedule) error {
	old := slices.Clone(st.dev)
	if err := st.Load(s); err != nil {
		return err
	}
	for i := range old {
		if old[i] != st.dev[i] {
			st.chMark[i] = true
			st.before[i] = old[i]
			st.changed = append(st.changed, int32(i))
		}
	}
	return nil
}

// Apply moves games and re-scores incrementally. Moves to where a game
// already stands are ignored. It does not allocate once the state is warm.
func (st *State) Apply(moves []Move) {
	st.clearChanged()
	for _, mv := range moves {
		g := mv.Game
		cur := st.games[g]
		if !st.own[g] {
			mv.To.At, mv.To.Off, mv.To.Timing = st.m.Frame.slotTime(mv.To.Slot)
		}
		if !st.ownV[g] {
			// The home team's venue follows the home team (a home swap).
			mv.To.Venue = st.m.teamVenue[mv.To.Home]
		}
		if cur == mv.To {
			continue
		}
		if !st.movedMark[g] && len(st.m.gameLs) > 0 {
			st.movedMark[g] = true
			st.moved = append(st.moved, g)
		}
		st.place(g, cur, -1)
		if cur.Home != mv.To.Home || cur.Away != mv.To.Away {
			st.retarget(g, cur, mv.To)
		}
		st.games[g] = mv.To
		if st.m.needSeq {
			st.gday[g] = mv.To.Day() // the sequence kinds' dates
		}
		if n := st.m.nSel; n > 0 {
			clear(st.sm[g*n : (g+1)*n])
		}
		st.place(g, mv.To, +1)
	}
	st.finish()
}

// retarget moves game g between the per-team game lists.
func (st *State) retarget(g int32, from, to Placement) {
	drop := func(t int32) {
		l := st.teamGames[t]
		if i := slices.Index(l, g); i >= 0 {
			st.teamGames[t] = slices.Delete(l, i, i+1)
		}
	}
	drop(from.Home)
	drop(from.Away)
	st.teamGames[to.Home] = append(st.teamGames[to.Home], g)
	st.teamGames[to.Away] = append(st.teamGames[to.Away], g)
}

// place adds (sign +1) or removes (sign -1) game g standing at p.
func (st *State) place(g int32, p Placement, sign int32) {
	if p.Slot < 0 {
		return
	}
	ch := p.Home*st.nS + p.Slot
	ca := p.Away*st.nS + p.Slot
	st.markCell(ch)
	st.markCell(ca)
	rh, ra := roleH, roleA
	if p.Neutral {
		rh, ra = roleNH, roleNA
		st.nc[ch] += int16(sign)
		st.nc[ca] += int16(sign)
	} else {
		st.hc[ch] += int16(sign)
		st.ac[ca] += int16(sign)
	}
	st.emit(ch, p.Away, rh, sign)
	st.emit(ca, p.Home, ra, sign)
	if st.m.needPairs {
		lo, hi := p.Home, p.Away
		if lo > hi {
			lo, hi = hi, lo
		}
		if k := lo*st.nT + hi; !st.pairMark[k] {
			st.pairMark[k] = true
			st.dirtyPairs = append(st.dirtyPairs, k)
		}
	}
}

type cellCounts struct{ h, a, n int16 }

func (st *State) markCell(c int32) {
	if !st.cellMark[c] {
		st.cellMark[c] = true
		st.dirtyCells = append(st.dirtyCells, c)
		st.cellSnap = append(st.cellSnap, cellCounts{st.hc[c], st.ac[c], st.nc[c]})
	}
}

// sideDelta is one team's side of a game placed (sign +1) or removed (-1)
// in a cell during an update.
type sideDelta struct {
	opp  int32
	next int32
	role uint8
	sign int8
}

func (st *State) emit(c, opp int32, role uint8, sign int32) {
	st.deltas = append(st.deltas, sideDelta{opp: opp, next: st.cellHead[c], role: role, sign: int8(sign)})
	st.cellHead[c] = int32(len(st.deltas) - 1)
}

// maxFold is how many side deltas of one cell are folded into a single
// pass over its subscriptions; a cell with more is passed over again.
const maxFold = 8

// sides hands the side deltas of cell c to its subscriptions. The deltas
// of one cell are folded so each subscription is visited once per update:
// a game leaving and another arriving in the same cell cost one pass, and
// when the roles in the cell did not change (only opponents did), the
// subscriptions that ignore opponents are not visited at all.
func (st *State) sides(c int32) {
	var ds [maxFold]sideDelta
	i := st.cellHead[c]
	st.cellHead[c] = -1
	for i >= 0 {
		n := 0
		for ; i >= 0 && n < maxFold; i = st.deltas[i].next {
			ds[n] = st.deltas[i]
			n++
		}
		st.foldSides(c, ds[:n])
	}
}

func (st *State) foldSides(c int32, ds []sideDelta) {
	m := st.m
	var roleNet [5]int32
	var roles uint8
	for _, d := range ds {
		roleNet[d.role] += int32(d.sign)
		roles |= 1 << d.role
	}
	if roleNet != [5]int32{} {
		subs := m.anySubs[m.anyOff[c]:m.anyOff[c+1]]
		for i := range subs {
			cs := &subs[i]
			var net int32
			for r := uint8(1); r < 5; r++ {
				if cs.mask&(1<<r) != 0 {
					net += roleNet[r]
				}
			}
			if net != 0 {
				st.step(cs, net)
			}
		}
	}
	lo, hi := m.oppOff[c], m.oppOff[c+1]
	if roles&awaySides == 0 {
		hi = m.oppSplit[c][1]
	}
	if roles&homeSides == 0 {
		lo = m.oppSplit[c][0]
	}
	subs := m.oppSubs[lo:max(lo, hi)]
	var words [maxFold]int32
	var bits [maxFold]uint64
	neutral := false
	for k, d := range ds {
		words[k], bits[k] = d.opp>>6, uint64(1)<<(d.opp&63)
		neutral = neutral || d.role == roleNH || d.role == roleNA
	}
	if !neutral && len(ds) == 2 {
		// The commonest case, a game leaving a cell and another arriving,
		// unrolled: one bit test per delta in its side's set.
		set := m.bits
		a0, a1 := ds[0].role == roleA, ds[1].role == roleA
		w0, w1, b0, b1 := words[0], words[1], bits[0], bits[1]
		s0, s1 := int32(ds[0].sign), int32(ds[1].sign)
		for i := range subs {
			cs := &subs[i]
			o0, o1 := cs.hset, cs.hset
			if a0 {
				o0 = cs.aset
			}
			if a1 {
				o1 = cs.aset
			}
			var net int32
			if o0 >= 0 && set[o0+w0]&b0 != 0 {
				net += s0
			}
			if o1 >= 0 && set[o1+w1]&b1 != 0 {
				net += s1
			}
			if net != 0 {
				st.step(cs, net)
			}
		}
	} else if !neutral {
		// Each delta is one bit test in its side's set.
		set := m.bits
		for i := range subs {
			cs := &subs[i]
			var net int32
			for k, d := range ds {
				o := cs.hset
				if d.role == roleA {
					o = cs.aset
				}
				if o >= 0 && set[o+words[k]]&bits[k] != 0 {
					net += int32(d.sign)
				}
			}
			if net != 0 {
				st.step(cs, net)
			}
		}
	} else {
		colds := m.oppCold[lo:max(lo, hi)]
		for i := range subs {
			cs, cc := &subs[i], &colds[i]
			var net int32
			for k, d := range ds {
				if cs.mask&(1<<d.role) == 0 {
					continue
				}
				if (cc.opp >= 0 && m.bits[cc.opp+words[k]]&bits[k] == 0) ||
					(cc.skip >= 0 && (d.role == roleA || d.role == roleNA) && m.bits[cc.skip+words[k]]&bits[k] != 0) {
					continue
				}
				net += int32(d.sign)
			}
			if net != 0 {
				st.step(cs, net)
			}
		}
	}
	if len(m.sideSubs) > 0 {
		s := c % st.nS
		lst := m.sideSubs[m.sideOff[c]:m.sideOff[c+1]]
		for _, d := range ds {
			for i := range lst {
				sb := &lst[i]
				if dv := sb.l.onSide(st.ctr, sb.arg, s, d.opp, d.role, int32(d.sign)); dv != 0 {
					st.bump(sb.ci, dv)
				}
			}
		}
	}
}

// step adds net to the counters of a count subscription.
func (st *State) step(cs *countSub, net int32) {
	if cs.n == 1 {
		c := &st.ctr[cs.ctr]
		old := boundDev(*c, cs.lo, cs.hi)
		*c += net
		if d := boundDev(*c, cs.lo, cs.hi) - old; d != 0 {
			st.bump(cs.ci, d)
		}
		return
	}
	var d int64
	ctr := st.ctr[cs.ctr : cs.ctr+int32(cs.n)]
	for k := range ctr {
		old := boundDev(ctr[k], cs.lo, cs.hi)
		ctr[k] += net
		d += boundDev(ctr[k], cs.lo, cs.hi) - old
	}
	if d != 0 {
		st.bump(cs.ci, d)
	}
}

func (st *State) bump(ci int32, d int64) {
	if !st.chMark[ci] {
		st.chMark[ci] = true
		st.before[ci] = st.dev[ci]
		st.changed = append(st.changed, ci)
	}
	st.dev[ci] += d
}

func cellStatus(h, a, n int16) uint8 {
	switch {
	case n != 0:
		return roleNone
	case h > 0 && a == 0:
		return roleH
	case a > 0 && h == 0:
		return roleA
	}
	return roleNone
}

// finish runs the second phase of an update: statuses and breaks of the
// cells that changed, then the per-team and per-pair listeners, then the
// totals of the constraints whose deviation moved.
func (st *State) finish() {
	m := st.m
	for _, c := range st.dirtyCells {
		st.sides(c)
	}
	st.deltas = st.deltas[:0]
	for i, c := range st.dirtyCells {
		st.cellMark[c] = false
		t := c / st.nS
		if !st.teamMark[t] {
			st.teamMark[t] = true
			st.dirtyTeams = append(st.dirtyTeams, t)
		}
		if st.cellSnap[i] == (cellCounts{st.hc[c], st.ac[c], st.nc[c]}) {
			continue // the opponent changed, the pattern did not
		}
		if !st.patMark[t] {
			st.patMark[t] = true
			st.patternTeams = append(st.patternTeams, t)
		}
		ns := cellStatus(st.hc[c], st.ac[c], st.nc[c])
		if ns == st.status[c] {
			continue
		}
		st.status[c] = ns
		if m.hasBreaks {
			st.markBreak(c)
			if c%st.nS+1 < st.nS {
				st.markBreak(c + 1)
			}
		}
	}
	st.dirtyCells = st.dirtyCells[:0]
	st.cellSnap = st.cellSnap[:0]
	for _, c := range st.dirtyBrk {
		st.brkMark[c] = false
		nb := roleNone
		if c%st.nS > 0 && st.status[c] != roleNone && st.status[c] == st.status[c-1] {
			nb = st.status[c]
		}
		ob := st.brk[c]
		if nb == ob {
			continue
		}
		st.brk[c] = nb
		subs := m.breakSubs[m.breakOff[c]:m.breakOff[c+1]]
		for i := range subs {
			sb := &subs[i]
			if d := sb.l.onBreak(st.ctr, sb.arg, c%st.nS, ob, nb); d != 0 {
				st.bump(sb.ci, d)
			}
		}
	}
	st.dirtyBrk = st.dirtyBrk[:0]
	for _, t := range st.patternTeams {
		row := st.homePre[t*st.nS : (t+1)*st.nS]
		hrow := st.hc[t*st.nS : (t+1)*st.nS]
		var acc int32
		for s := range row {
			acc += int32(hrow[s])
			row[s] = acc
		}
	}
	if m.needSeq {
		for _, t := range st.dirtyTeams {
			st.seq[t] = st.sortedGames(t, st.seq[t][:0])
			clear(st.pickOK[t*m.nSel : (t+1)*m.nSel])
		}
	}
	if len(st.moved) > 0 {
		for _, gl := range m.gameLs {
			if d := gl.l.onGames(st, st.slab[gl.slab]); d != 0 {
				st.bump(gl.ci, d)
			}
		}
		for _, g := range st.moved {
			st.movedMark[g] = false
		}
		st.moved = st.moved[:0]
	}
	if len(st.dirtyTeams) > 0 {
		for _, tl := range m.teamLs {
			if d := tl.l.onTeams(st, st.ctr); d != 0 {
				st.bump(tl.ci, d)
			}
		}
	}
	for _, t := range st.patternTeams {
		st.patMark[t] = false
	}
	st.patternTeams = st.patternTeams[:0]
	for _, t := range st.dirtyTeams {
		st.teamMark[t] = false
	}
	st.dirtyTeams = st.dirtyTeams[:0]
	if len(st.dirtyPairs) > 0 {
		for _, pl := range m.pairLs {
			if d := pl.l.onPairs(st, st.ctr); d != 0 {
				st.bump(pl.ci, d)
			}
		}
		for _, k := range st.dirtyPairs {
			st.pairMark[k] = false
		}
		st.dirtyPairs = st.dirtyPairs[:0]
	}
	for _, ci := range st.changed {
		st.account(ci, st.before[ci], -1)
		st.account(ci, st.dev[ci], 1)
	}
}

func (st *State) markBreak(c int32) {
	if !st.brkMark[c] {
		st.brkMark[c] = true
		st.dirtyBrk = append(st.dirtyBrk, c)
	}
}

// Clone returns an independent copy of the state, sharing the model.
func (st *State) Clone() *State {
	c := *st
	c.ids = slices.Clone(st.ids)
	c.docs = slices.Clone(st.docs)
	c.own = slices.Clone(st.own)
	c.ownV = slices.Clone(st.ownV)
	c.dict = make(map[string]int32, len(st.dict))
	for k, v := range st.dict {
		c.dict[k] = v
	}
	c.seq = make([][]int32, len(st.seq))
	for t := range st.seq {
		c.seq[t] = slices.Clone(st.seq[t])
	}
	c.slab = make([][]int32, len(st.slab))
	for i := range st.slab {
		c.slab[i] = slices.Clone(st.slab[i])
	}
	c.sm = slices.Clone(st.sm)
	c.picks = make([][]int32, len(st.picks))
	c.pickOK = make([]bool, len(st.pickOK))
	c.movedMark = make([]bool, len(st.movedMark))
	c.games = slices.Clone(st.games)
	c.gday = slices.Clone(st.gday)
	c.byID = make(map[string]int32, len(st.byID))
	for k, v := range st.byID {
		c.byID[k] = v
	}
	c.teamGames = make([][]int32, len(st.teamGames))
	for t := range st.teamGames {
		c.teamGames[t] = slices.Clone(st.teamGames[t])
	}
	c.hc, c.ac, c.nc = slices.Clone(st.hc), slices.Clone(st.ac), slices.Clone(st.nc)
	c.status, c.brk = slices.Clone(st.status), slices.Clone(st.brk)
	c.ctr, c.dev = slices.Clone(st.ctr), slices.Clone(st.dev)
	c.cellMark = make([]bool, len(st.cellMark))
	c.cellHead = slices.Clone(st.cellHead)
	c.brkMark = make([]bool, len(st.brkMark))
	c.teamMark = make([]bool, len(st.teamMark))
	c.patMark = make([]bool, len(st.patMark))
	c.pairMark = make([]bool, len(st.pairMark))
	c.chMark = slices.Clone(st.chMark)
	c.before = slices.Clone(st.before)
	c.changed = slices.Clone(st.changed)
	c.homePre = slices.Clone(st.homePre)
	c.moved, c.deltas, c.dirtyCells, c.cellSnap, c.dirtyBrk, c.dirtyTeams, c.patternTeams, c.dirtyPairs, c.moves, c.buf, c.buf2 = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil
	return &c
}

// day returns game g's local date, as Placement.Day, for the rules that
// keep sequences (Builder.OnSequences).
func (st *State) day(g int32) int32 { return st.gday[g] }

// NumGames returns the number of games the state holds.
func (st *State) NumGames() int { return len(st.games) }

// GameID returns the id of game g.
func (st *State) GameID(g int32) string { return st.ids[g] }

// Placement returns where game g stands.
func (st *State) Placement(g int32) Placement { return st.games[g] }

// GameIndex returns the index of the game with the given id, or -1.
func (st *State) GameIndex(id string) int32 {
	if g, ok := st.byID[id]; ok {
		return g
	}
	return -1
}

// Deviation returns the deviation of constraint ci (its index in
// Model.Constraints).
func (st *State) Deviation(ci int) int64 { return st.dev[ci] }

// Cost returns penalty x deviation of constraint ci.
func (st *State) Cost(ci int) schemas.Fixed {
	return st.m.Constraints[ci].Doc.Penalty.MulInt(st.dev[ci])
}

// Infeasibility returns the total cost of the hard constraints.
func (st *State) Infeasibility() schemas.Fixed { return st.infeas }

// Objective returns the total cost of the soft constraints.
func (st *State) Objective() schemas.Fixed { return st.obj }

// Schedule writes the state's games back into a copy of base, the
// schedule document it was loaded from: same teams, slots and game fields,
// with each game's teams, slot and neutral flag as they now stand.
func (st *State) Schedule(base *schemas.Schedule) *schemas.Schedule {
	out := *base
	out.Games = make([]schemas.Game, len(st.games))
	f := st.m.Frame
	for g, p := range st.games {
		var gd schemas.Game
		if i, ok := st.byID[st.ids[g]]; ok && int(i) < len(base.Games) && base.Games[i].ID == st.ids[g] {
			gd = base.Games[i]
		}
		gd.ID = st.ids[g]
		gd.Home, gd.Away, gd.Neutral = f.TeamID(p.Home), f.TeamID(p.Away), p.Neutral
		gd.Slot = nil
		if p.Slot >= 0 {
			id := f.SlotID(p.Slot)
			gd.Slot = &id
		}
		out.Games[g] = gd
	}
	return &out
}

// sortedGames appends team t's placed games to buf in time order. Time
// runs in ascending slot id (CONTRACT §1), so slots order the games first;
// a slot with no date yet (a TBA window) keeps its place instead of
// sorting before every dated game. Within a slot, games with a kick-off
// go first, by kick-off, then the games not yet timed (a slot's start is
// a date, not a kick-off at midnight); game index breaks the remaining
// ties.
func (st *State) sortedGames(t int32, buf []int32) []int32 {
	for _, g := range st.teamGames[t] {
		if st.games[g].Slot >= 0 {
			buf = append(buf, g)
		}
	}
	less := func(a, b int32) bool {
		pa, pb := &st.games[a], &st.games[b]
		if pa.Slot != pb.Slot {
			return pa.Slot < pb.Slot
		}
		if ta, tb := pa.Timing == TimingKickoff, pb.Timing == TimingKickoff; ta != tb {
			return ta
		}
		if pa.Timing == TimingKickoff && pa.At != pb.At {
			return pa.At < pb.At
		}
		return a < b
	}
	for i := 1; i < len(buf); i++ {
		for j := i; j > 0 && less(buf[j], buf[j-1]); j-- {
			buf[j], buf[j-1] = buf[j-1], buf[j]
		}
	}
	return buf
}
