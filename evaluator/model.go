package evaluator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/flextime/flextime/schemas"
)

// Game roles as seen from one team.
const (
	roleNone uint8 = 0
	roleH    uint8 = 1 // plays at home
	roleA    uint8 = 2 // plays away
	roleNH   uint8 = 3 // neutral site, listed as the home team
	roleNA   uint8 = 4 // neutral site, listed as the away team
)

// Role masks for the H, A and HA modes of the ITC2021 kinds. A neutral
// game is neither home nor away, but it is a game.
const (
	maskH  uint8 = 1 << roleH
	maskA  uint8 = 1 << roleA
	maskHA uint8 = 1<<roleH | 1<<roleA | 1<<roleNH | 1<<roleNA
)

func modeMask(mode string) uint8 {
	switch mode {
	case "H":
		return maskH
	case "A":
		return maskA
	}
	return maskHA
}

// rule is one compiled constraint. Its mutable state lives in the State's
// counter slab, so one Model serves any number of States concurrently.
type rule interface {
	// init writes the counters of an empty schedule (no game placed) and
	// returns the deviation of that empty schedule.
	init(ctr []int32) int64
	// explain lists the violations behind the current deviation. It is
	// called only for constraints with a deviation, off the hot path.
	explain(st *State) []schemas.Violation
}

// sideListener hears every placed game once per team, as seen from team t
// in slot s against opp with the given role, sign +1 when placed and -1
// when removed. It returns the change of its constraint's deviation.
type sideListener interface {
	onSide(ctr []int32, arg, s, opp int32, role uint8, sign int32) int64
}

// breakListener hears a team's break in one slot change from old to nu
// (roleNone, roleH or roleA).
type breakListener interface {
	onBreak(ctr []int32, arg, s int32, old, nu uint8) int64
}

// teamListener is told, after all side and break events of an update,
// which teams had any game change (st.dirtyTeams) and which of those had
// their home/away pattern change (st.patternTeams, with st.homePre up to
// date for them); it recomputes what it keeps per team.
type teamListener interface {
	onTeams(st *State, ctr []int32) int64
}

// gameListener is told which games moved (st.moved) and keeps one
// counter per game in the slice it is given; it rescores those games.
type gameListener interface {
	onGames(st *State, gctr []int32) int64
}

// pairListener is told which unordered team pairs (index lo*nT+hi) had a
// meeting change.
type pairListener interface {
	onPairs(st *State, ctr []int32) int64
}

type sideSub struct {
	l   sideListener
	ci  int32
	arg int32
}

// countSub is the data-only subscription that all counting kinds share: a
// side in its cell whose role is in mask, against an opponent in the opp
// set and not (as an away side) in the skip set, adds sign to the n
// counters from ctr, each bounded by [lo, hi]. Keeping it free of pointers
// and calls is what makes a move cost nanoseconds per listening rule.
type countSub struct {
	ci     int32
	ctr    int32
	lo, hi int32
	// The opponent test folded per side for the hot path, which sees only
	// home and away sides: the opponents counted when the team is at home
	// (hset) or away (aset), -1 when that side never counts.
	hset, aset int32
	n          uint16
	mask       uint8
}

// countCold is the rest of a countSub's test, for neutral-site sides.
type countCold struct {
	opp  int32 // offset of the opponent set in Model.bits, -1 for any
	skip int32 // offset of the away-side skip set, -1 for none
}

const (
	homeSides = 1<<roleH | 1<<roleNH
	awaySides = 1<<roleA | 1<<roleNA
)

// sideClass is 0 for a mask of home sides only, 2 for away sides only and
// 1 for both.
func sideClass(mask uint8) int {
	switch {
	case mask&awaySides == 0:
		return 0
	case mask&homeSides == 0:
		return 2
	}
	return 1
}

// CountSpec describes a countSub for Builder.Count.
type CountSpec struct {
	Mask   uint8
	Opp    []bool // nil: any opponent
	Skip   []bool // nil: none
	Bounds bounds
}

type breakSub struct {
	l   breakListener
	ci  int32
	arg int32
}

type listenerAt[T any] struct {
	l  T
	ci int32
}

// Compiled is one constraint of a Model with its document and kind.
type Compiled struct {
	Doc  schemas.Constraint
	Kind *Kind
	r    rule
}

// Model is a constraint set compiled against a Frame: the rules with their
// subscriptions to (team, slot) cells laid out flat for the hot path. A
// Model is immutable once built and safe for concurrent use; evaluation
// state lives in a State.
type Model struct {
	Frame       *Frame
	Constraints []Compiled
	Structure   Structure
	SetID       string // content hash of the constraint documents

	nT, nS    int32
	ctrSize   int
	bits      []uint64 // team sets of countSubs, nWords words each
	setIdx    map[string]int32
	nWords    int32
	anyOff    []int32 // countSubs for any opponent, by cell
	anySubs   []countSub
	oppOff    []int32    // countSubs for some opponents only, by cell
	oppSubs   []countSub // in a cell: home-side only, then both, then away-side only
	oppCold   []countCold
	oppSplit  [][2]int32 // per cell: where the both and the away-side-only subs start
	sideOff   []int32
	sideSubs  []sideSub
	breakOff  []int32
	breakSubs []breakSub
	teamLs    []listenerAt[teamListener]
	gameLs    []gameListenerAt
	needSeq   bool
	dict      map[string]int32 // strings the constraints name, interned
	pairLs    []listenerAt[pairListener]
	hasBreaks bool
	needPairs bool
	// Selectors are compiled once per distinct Select; each has an id
	// under which a State caches, per game, whether it selects the game
	// from either side.
	selIdx map[string]*selector
	nSel   int32
	// teamVenue is each team's venue, interned (-1 none): the venue of
	// its home games that name none. The frame's listed venues are
	// interned first, so a listed venue's id is its index in Frame.Venues.
	teamVenue []int32
	// nSlabs is how many per-game counter slabs the rules reserved
	// (Builder.GameSlab), each one int32 per game of the State.
	nSlabs int
}

// Builder is handed to a kind's compile step. It resolves the ids of the
// params against the Frame (naming the field on failure), hands out
// counter space, and records which events the rule listens to.
type Builder struct {
	Frame *Frame
	// Sport is the constraint's sport, for kinds whose defaults depend on
	// it (how long a road trip lasts).
	Sport  string
	ci     int32
	m      *Model
	sides  []pendingSide
	counts []pendingCount
	brks   []pendingBreak
}

type pendingCount struct {
	cell int32
	sub  countSub
	cold countCold
}

type pendingSide struct {
	cell int32
	sub  sideSub
}

type pendingBreak struct {
	cell int32
	sub  breakSub
}

// Team resolves one team id from the params field named field.
func (b *Builder) Team(field, id string) (int32, error) {
	t := b.Frame.TeamIndex(id)
	if t < 0 {
		return -1, inputErr("params."+field, "unknown team %q", id)
	}
	return t, nil
}

// Teams resolves a list of team ids, dropping repeats (a list is a set).
func (b *Builder) Teams(field string, ids []string) ([]int32, error) {
	out := make([]int32, 0, len(ids))
	seen := make([]bool, b.Frame.NumTeams())
	for i, id := range ids {
		t, err := b.Team(fmt.Sprintf("%s[%d]", field, i), id)
		if err != nil {
			return nil, err
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// Slots resolves a list of slot ids to ascending slot indexes, dropping
// repeats.
func (b *Builder) Slots(field string, ids []int) ([]int32, error) {
	out := make([]int32, 0, len(ids))
	seen := make([]bool, b.Frame.NumSlots())
	for i, id := range ids {
		s := b.Frame.SlotIndex(id)
		if s < 0 {
			return nil, inputErr(fmt.Sprintf("params.%s[%d]", field, i), "unknown slot %d", id)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out, nil
}

// TeamSet returns a membership table over all teams for the given ones.
func (b *Builder) TeamSet(teams []int32) []bool {
	set := make([]bool, b.Frame.NumTeams())
	for _, t := range teams {
		set[t] = true
	}
	return set
}

// Alloc reserves n counters for the rule and returns their offset.
func (b *Builder) Alloc(n int) int32 {
	off := b.m.ctrSize
	b.m.ctrSize += n
	return int32(off)
}

// OnSide subscribes l to the games of team t in slot s; arg is passed back.
func (b *Builder) OnSide(t, s int32, l sideListener, arg int32) {
	b.sides = append(b.sides, pendingSide{t*b.m.nS + s, sideSub{l, b.ci, arg}})
}

// Count subscribes n counters from ctr to the sides of team t in slot s
// that spec accepts.
func (b *Builder) Count(t, s, ctr, n int32, spec *CountSpec) {
	if n > math.MaxUint16 {
		panic("evaluator: a count subscription spans too many counters")
	}
	opp := spec.Opp
	if !slices.Contains(opp, false) {
		opp = nil // every team: no need to look at the opponent
	}
	cs := countSub{
		ci: b.ci, ctr: ctr, n: uint16(n), lo: spec.Bounds.lo, hi: spec.Bounds.hi,
		mask: spec.Mask, hset: -1, aset: -1,
	}
	cold := countCold{opp: b.set(opp), skip: b.set(spec.Skip)}
	if cold.opp >= 0 || cold.skip >= 0 {
		nT := b.Frame.NumTeams()
		home, away := make([]bool, nT), make([]bool, nT)
		for u := range nT {
			home[u] = opp == nil || opp[u]
			away[u] = home[u] && (spec.Skip == nil || !spec.Skip[u])
		}
		if spec.Mask&(1<<roleH) != 0 {
			cs.hset = b.set(home)
		}
		if spec.Mask&(1<<roleA) != 0 {
			cs.aset = b.set(away)
		}
	}
	b.counts = append(b.counts, pendingCount{t*b.m.nS + s, cs, cold})
}

// set stores a team set as a bitset in the model, once per distinct set,
// and returns its offset, or -1 for nil.
func (b *Builder) set(members []bool) int32 {
	if members == nil {
		return -1
	}
	words := make([]uint64, b.m.nWords)
	for t, in := range members {
		if in {
			words[t>>6] |= 1 << (t & 63)
		}
	}
	key := fmt.Sprint(words)
	if off, ok := b.m.setIdx[key]; ok {
		return off
	}
	off := int32(len(b.m.bits))
	b.m.bits = append(b.m.bits, words...)
	b.m.setIdx[key] = off
	return off
}

// OnBreak subscribes l to the break of team t in slot s.
func (b *Builder) OnBreak(t, s int32, l breakListener, arg int32) {
	b.m.hasBreaks = true
	b.brks = append(b.brks, pendingBreak{t*b.m.nS + s, breakSub{l, b.ci, arg}})
}

// OnTeams subscribes l to the set of teams whose games changed.
func (b *Builder) OnTeams(l teamListener) {
	b.m.teamLs = append(b.m.teamLs, listenerAt[teamListener]{l, b.ci})
}

// OnSequences subscribes l to the teams whose games changed, with each
// team's placed games in time order kept in st.seq.
func (b *Builder) OnSequences(l teamListener) {
	b.m.needSeq = true
	b.OnTeams(l)
}

// gameListenerAt is a game listener with its constraint and the game
// slab that holds its counter per game.
type gameListenerAt struct {
	l    gameListener
	ci   int32
	slab int
}

// OnGames subscribes l to the games that moved, with a counter per game:
// a game slab of its own, whose index it returns.
func (b *Builder) OnGames(l gameListener) int {
	slab := b.GameSlab()
	b.m.gameLs = append(b.m.gameLs, gameListenerAt{l, b.ci, slab})
	return slab
}

// Intern returns the id of a string the params name (a network, a game
// kind, a venue, a sport), shared with the games that carry it.
func (b *Builder) Intern(s string) int32 {
	if s == "" {
		return -1
	}
	if id, ok := b.m.dict[s]; ok {
		return id
	}
	id := int32(len(b.m.dict))
	b.m.dict[s] = id
	return id
}

// GameSlab reserves one counter per game for the rule, kept by each
// State and zeroed whenever it evaluates from empty, and returns the
// slab's index in State.slab.
func (b *Builder) GameSlab() int {
	b.m.nSlabs++
	return b.m.nSlabs - 1
}

// OnPairs subscribes l to the set of pairs whose meetings changed.
func (b *Builder) OnPairs(l pairListener) {
	b.m.needPairs = true
	b.m.pairLs = append(b.m.pairLs, listenerAt[pairListener]{l, b.ci})
}

// CompileOptions tune Compile.
type CompileOptions struct {
	// Structure is the round-robin format to check; the zero value checks
	// only what holds for every schedule (games placed, one game per team
	// and slot).
	Structure Structure
	// IncludeInactive compiles constraints whose active is false too.
	IncludeInactive bool
	// ParamsValidated says every constraint's params have already passed
	// schemas.ValidateParams, as a store does once when it loads a set
	// (store.Set.ParamsValid). Compile then skips that JSON Schema check,
	// which for ITC2021's 1,449 constraints cost more than the compile
	// itself on every new frame; the kinds' own checks of params against
	// the frame still run.
	ParamsValidated bool
}

// Compile builds a Model for the active constraints in cs over frame f.
// Each constraint's params are validated against its kind's JSON Schema
// (unless opt.ParamsValidated) and resolved against the frame. A failure returns an *InputError wrapping
// ErrInput (and ErrUnknownKind for an unknown kind) whose field names the
// constraint and the param.
func Compile(f *Frame, cs []schemas.Constraint, opt CompileOptions) (*Model, error) {
	m := &Model{
		Frame:     f,
		Structure: opt.Structure,
		nT:        int32(f.NumTeams()),
		nS:        int32(f.NumSlots()),
		nWords:    int32(f.NumTeams()+63) / 64,
		setIdx:    map[string]int32{},
		dict:      map[string]int32{},
		selIdx:    map[string]*selector{},
	}
	for i, v := range f.Venues {
		m.dict[v.ID] = int32(i)
	}
	pre := &Builder{Frame: f, m: m}
	m.teamVenue = make([]int32, f.NumTeams())
	for i, t := range f.Teams {
		m.teamVenue[i] = pre.Intern(t.Venue)
	}
	var sides []pendingSide
	var counts []pendingCount
	var brks []pendingBreak
	seen := map[string]bool{}
	for i := range cs {
		c := &cs[i]
		if !c.IsActive() && !opt.IncludeInactive {
			continue
		}
		where := fmt.Sprintf("constraint %q", c.ID)
		if c.ID == "" {
			where = fmt.Sprintf("constraint %d", i)
		}
		if seen[c.ID] {
			return nil, inputErr(where, "duplicate constraint id")
		}
		seen[c.ID] = true
		k, ok := Lookup(c.Kind)
		if !ok {
			return nil, &InputError{Field: where + ": kind", Msg: fmt.Sprintf("unknown kind %q", c.Kind), Err: ErrUnknownKind}
		}
		if c.Penalty < 0 {
			return nil, inputErr(where+": penalty", "must not be negative")
		}
		if !opt.ParamsValidated {
			if err := schemas.ValidateParams(k.Name, c.Params); err != nil {
				return nil, &InputError{Field: where, Msg: err.Error()}
			}
		}
		b := &Builder{Frame: f, ci: int32(len(m.Constraints)), m: m, Sport: c.Sport}
		r, err := k.Compile(b, c.Params)
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				return nil, &InputError{Field: where + ": " + ie.Field, Msg: ie.Msg, Err: ie.Err}
			}
			return nil, &InputError{Field: where, Msg: err.Error()}
		}
		m.Constraints = append(m.Constraints, Compiled{Doc: *c, Kind: k, r: r})
		sides = append(sides, b.sides...)
		counts = append(counts, b.counts...)
		brks = append(brks, b.brks...)
	}
	cells := int(m.nT * m.nS)
	var anyC, oppC []pendingCount
	for _, pc := range counts {
		if pc.cold.opp < 0 && pc.cold.skip < 0 {
			anyC = append(anyC, pc)
		} else {
			oppC = append(oppC, pc)
		}
	}
	m.anyOff, m.anySubs = layout(cells, anyC, func(p pendingCount) (int32, countSub) { return p.cell, p.sub })
	// Within a cell, order by side class so that a cell whose deltas are
	// all home sides (or all away sides) skips the other class entirely.
	sort.SliceStable(oppC, func(i, j int) bool { return sideClass(oppC[i].sub.mask) < sideClass(oppC[j].sub.mask) })
	m.oppOff, m.oppSubs = layout(cells, oppC, func(p pendingCount) (int32, countSub) { return p.cell, p.sub })
	_, m.oppCold = layout(cells, oppC, func(p pendingCount) (int32, countCold) { return p.cell, p.cold })
	m.oppSplit = make([][2]int32, cells)
	for c := 0; c < cells; c++ {
		lo, hi := m.oppOff[c], m.oppOff[c+1]
		both, away := hi, hi
		for i := hi - 1; i >= lo; i-- {
			switch sideClass(m.oppSubs[i].mask) {
			case 2:
				away, both = i, i
			case 1:
				both = i
			}
		}
		m.oppSplit[c] = [2]int32{both, away}
	}
	m.sideOff, m.sideSubs = layout(cells, sides, func(p pendingSide) (int32, sideSub) { return p.cell, p.sub })
	m.breakOff, m.breakSubs = layout(cells, brks, func(p pendingBreak) (int32, breakSub) { return p.cell, p.sub })
	docs := make([]schemas.Constraint, len(m.Constraints))
	for i := range m.Constraints {
		docs[i] = m.Constraints[i].Doc
	}
	m.SetID = SetID(docs)
	return m, nil
}

// layout lays subscriptions out flat by cell (CSR), keeping each cell's
// subscriptions in constraint order.
func layout[P, S any](cells int, p []P, split func(P) (int32, S)) ([]int32, []S) {
	sort.SliceStable(p, func(i, j int) bool {
		ci, _ := split(p[i])
		cj, _ := split(p[j])
		return ci < cj
	})
	off := make([]int32, cells+1)
	subs := make([]S, len(p))
	for i, ps := range p {
		cell, sub := split(ps)
		off[cell+1]++
		subs[i] = sub
	}
	for c := 0; c < cells; c++ {
		off[c+1] += off[c]
	}
	return off, subs
}

// SetID returns the constraint_set identifier of CONTRACT §2: a SHA-256
// over the canonical JSON of the documents, in id order, so it changes
// whenever any of them changes and not when they are merely reordered.
func SetID(docs []schemas.Constraint) string {
	sorted := slices.Clone(docs)
	slices.SortFunc(sorted, func(a, b schemas.Constraint) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	h := sha256.New()
	for i := range sorted {
		d := sorted[i]
		d.Params = canonicalJSON(d.Params)
		d.Metadata = canonicalJSON(d.Metadata)
		b, _ := json.Marshal(d)
		h.Write(b)
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// canonicalJSON re-encodes raw JSON with sorted keys and no spacing, so
// that formatting does not change a hash.
func canonicalJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return b
}
