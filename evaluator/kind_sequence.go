package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// The sequence kinds: how a team's selected games follow one another in
// time. window_count, rest_days, compression, rematch_separation,
// sequence_pattern and rest_advantage.
//
// A team's sequence is its placed games in time order (st.seq) that the
// rule's selector accepts from the team's side. The day measures use a
// game's local date; a game without a start (an undated slot) has no date,
// so the day measures skip it.

func init() {
	Register(Kind{
		Name:        "window_count",
		Description: "in windows of consecutive selected games of each team (every window, the first or the last), at least min and at most max home, away or any games",
		Deviation: "sum over each team's windows of max(0, min - n, n - max), n = games of the venue in the window; position any takes every run of window consecutive games, " +
			"first and last the first and last window games; a team with fewer games has one window of all of them",
		Compile: compileWindowCount,
	})
	Register(Kind{
		Name:        "rest_days",
		Description: "consecutive selected games of a team are at least min_days calendar days apart, such as a short-week (Thursday) game only after a full week's recovery",
		Deviation:   "sum over each team's consecutive dated selected games, the later one picked by next when given, of max(0, min_days - days between their local dates)",
		Compile:     compileRestDays,
	})
	Register(Kind{
		Name:        "compression",
		Description: "each team plays at most max selected games in any days consecutive calendar days",
		Deviation:   "sum over each team's dated selected games g of max(0, n - max), n = its selected games dated from g's date to days - 1 days later",
		Compile:     compileCompression,
	})
	Register(Kind{
		Name:        "rematch_separation",
		Description: "two teams that meet more than once meet at least min_games games and min_days days apart",
		Deviation: "sum over each pair's consecutive meetings of max(0, min_games - games apart) + max(0, min_days - days apart); games apart is the smaller of the two teams' " +
			"differences of position in their own sequences of selected games, days apart the difference of local dates",
		Compile: compileRematchSeparation,
	})
	Register(Kind{
		Name:        "sequence_pattern",
		Description: "each of a team's selected games that matches if is immediately preceded (direction before) or followed (direction after) by a game that matches then",
		Deviation:   "number of games matching if whose neighbour in the team's sequence of selected games (previous for before, next for after) is absent or does not match then",
		Compile:     compileSequencePattern,
	})
	Register(Kind{
		Name:        "rest_advantage",
		Description: "bounds how often each team meets an opponent that has had at least days more rest than itself, and how unevenly that falls across teams",
		Deviation: "sum over teams of max(0, min - n, n - max) plus, with balance, max(0, max n - min n - balance); n = the team's selected games, not its first, " +
			"where the opponent's days since its previous selected game minus the team's own are at least days (games where either has no previous game are skipped)",
		Compile: compileRestAdvantage,
	})
}

// seqPick returns the games of seq that sel accepts from t's side, only
// the dated ones when dated is set. The result is the state's (its pick
// cache or scratch buffer): read it before the next use of st.buf and do
// not change it.
func seqPick(st *State, sel *selector, t int32, seq []int32, dated bool) []int32 {
	gs := pickFrom(st, sel, t, seq)
	if !dated {
		return gs
	}
	buf := st.buf[:0]
	for _, g := range gs {
		if st.games[g].Timed() {
			buf = append(buf, g)
		}
	}
	st.buf = buf[:0]
	return buf
}

// seqScratch returns st.buf grown to n entries, for rules that index by game
// or team. Like seqPick's result, it is valid until the next use of st.buf.
func seqScratch(st *State, n int) []int32 {
	if cap(st.buf) < n {
		st.buf = make([]int32, 0, n+n/4)
	}
	return st.buf[:n]
}

// seqTeams resolves an optional team list to a membership set, nil for
// every team.
func seqTeams(b *Builder, field string, ids []string) ([]int32, []bool, error) {
	if ids == nil {
		return nil, nil, nil
	}
	ts, err := b.Teams(field, ids)
	if err != nil {
		return nil, nil, err
	}
	return ts, b.TeamSet(ts), nil
}

// seqSide is 0 when t is game g's listed home team, else 1: which of the
// game's two per-team entries belongs to t.
func seqSide(st *State, g, t int32) int32 {
	if st.games[g].Home == t {
		return 0
	}
	return 1
}

// --- window_count ---

const (
	windowAny = iota
	windowFirst
	windowLast
)

type windowCount struct {
	sel      *selector
	roles    uint8 // the roles counted, from the team's side
	word     string
	window   int32
	position int
	b        bounds
}

func compileWindowCount(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams    []string `json:"teams"`
		Select   *Select  `json:"select"`
		Venue    string   `json:"venue"`
		Window   int32    `json:"window"`
		Position string   `json:"position"`
		Min, Max *int
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	if p.Window < 1 {
		return nil, inputErr("params.window", "must be >= 1")
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &windowCount{sel: sel, window: p.Window, b: newBounds(p.Min, p.Max), roles: maskHA, word: "games"}
	switch p.Venue {
	case "home":
		r.roles, r.word = maskH, "home games"
	case "away":
		r.roles, r.word = maskA, "road games"
	}
	switch p.Position {
	case "first":
		r.position = windowFirst
	case "last":
		r.position = windowLast
	}
	teams, _, err := seqTeams(b, "teams", p.Teams)
	if err != nil {
		return nil, err
	}
	return b.PerTeam(teams, r), nil
}

func (r *windowCount) counts(st *State, g, t int32) int32 {
	if r.roles&(1<<roleOf(t, st.games[g])) != 0 {
		return 1
	}
	return 0
}

// windows calls fn with each window gs[lo:hi] of the rule and n, the
// games of the venue in it.
func (r *windowCount) windows(st *State, t int32, gs []int32, fn func(lo, hi int, n int32)) {
	w := min(int(r.window), len(gs))
	lo := 0
	switch r.position {
	case windowLast:
		lo = len(gs) - w
	case windowAny:
		if w < len(gs) {
			var n int32
			for _, g := range gs[:w] {
				n += r.counts(st, g, t)
			}
			fn(0, w, n)
			for i := 1; i+w <= len(gs); i++ {
				n += r.counts(st, gs[i+w-1], t) - r.counts(st, gs[i-1], t)
				fn(i, i+w, n)
			}
			return
		}
	}
	var n int32
	for _, g := range gs[lo : lo+w] {
		n += r.counts(st, g, t)
	}
	fn(lo, lo+w, n)
}

func (r *windowCount) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return int32(r.b.dev(0))
	}
	var d int64
	r.windows(st, t, seqPick(st, r.sel, t, seq, false), func(_, _ int, n int32) { d += r.b.dev(n) })
	return int32(d)
}

func (r *windowCount) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	gs := append([]int32(nil), seqPick(st, r.sel, t, seq, false)...)
	// Overlapping windows broken the same way are one violation: a run of
	// 5 road games breaks "at most 3 in 5" in several windows at once.
	type run struct {
		lo, hi, first int // games gs[lo:hi]; first is the first window's start
		under         bool
		nLo, nHi      int32
		dev           int64
		windows       int
	}
	var runs []run
	r.windows(st, t, gs, func(lo, hi int, n int32) {
		d := r.b.dev(n)
		if d == 0 {
			return
		}
		under := n < r.b.lo
		if k := len(runs) - 1; k >= 0 && runs[k].under == under && runs[k].first+runs[k].windows == lo {
			c := &runs[k]
			c.hi, c.dev, c.windows = hi, c.dev+d, c.windows+1
			c.nLo, c.nHi = min(c.nLo, n), max(c.nHi, n)
			return
		}
		runs = append(runs, run{lo: lo, hi: hi, first: lo, under: under, nLo: n, nHi: n, dev: d, windows: 1})
	})
	out := make([]schemas.Violation, 0, len(runs))
	for _, c := range runs {
		// Over the bound, the counted games cause it; under it, the
		// window's other games are the ones that should have been.
		var named []int32
		for _, g := range gs[c.lo:c.hi] {
			if c.under || r.counts(st, g, t) == 1 {
				named = append(named, g)
			}
		}
		games := fmt.Sprintf("%d games", r.window)
		if r.window == 1 {
			games = "game"
		}
		var where string
		switch {
		case len(gs) < int(r.window):
			where = fmt.Sprintf("in its %s (fewer than the window of %d)", count(int32(len(gs)), "selected games"), r.window)
		case r.position == windowFirst:
			where = "in its first " + games
		case r.position == windowLast:
			where = "in its last " + games
		default:
			where = fmt.Sprintf("in %d straight games", r.window)
		}
		var msg string
		switch {
		case len(gs) == 0:
			msg = fmt.Sprintf("%s has no selected games, so no %s; the rule wants %s", st.teamLabel(t), r.word, r.b)
		case c.windows == 1:
			msg = fmt.Sprintf("%s plays %s %s, the rule wants %s", st.teamLabel(t), count(c.nLo, r.word), where, r.b)
		default:
			n, most := c.nHi, "up to"
			if c.under {
				n, most = c.nLo, "as few as"
			}
			msg = fmt.Sprintf("%s plays %s %d %s %s in %d overlapping windows (off by %d in all), the rule wants %s",
				st.teamLabel(t), most, n, r.word, where, c.windows, c.dev, r.b)
		}
		out = append(out, st.violation(c.dev, named, []int32{t}, msg+st.gameList(named, t)))
	}
	return out
}

// --- rest_days ---

type restDays struct {
	sel     *selector
	next    *selector // nil: every gap; else only gaps ending at a game it picks
	minDays int32
}

func compileRestDays(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams   []string `json:"teams"`
		Select  *Select  `json:"select"`
		Next    *Select  `json:"next"`
		MinDays int32    `json:"min_days"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	var next *selector
	if p.Next != nil {
		if next, err = b.Selector("next", p.Next); err != nil {
			return nil, err
		}
	}
	teams, _, err := seqTeams(b, "teams", p.Teams)
	if err != nil {
		return nil, err
	}
	return b.PerTeam(teams, &restDays{sel: sel, next: next, minDays: p.MinDays}), nil
}

// pairs calls fn with each two consecutive dated selected games of t
// (the later one picked by next, when the rule has one) and the days
// between them.
func (r *restDays) pairs(st *State, t int32, seq []int32, fn func(a, b, gap int32)) {
	prev := int32(-1)
	for _, g := range pickFrom(st, r.sel, t, seq) {
		if !st.games[g].Timed() {
			continue
		}
		if prev >= 0 && (r.next == nil || r.next.match(st, g, t)) {
			fn(prev, g, st.day(g)-st.day(prev))
		}
		prev = g
	}
}

func (r *restDays) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return 0
	}
	var d int32
	r.pairs(st, t, seq, func(_, _, gap int32) { d += max(0, r.minDays-gap) })
	return d
}

func (r *restDays) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	var out []schemas.Violation
	r.pairs(st, t, seq, func(a, b, gap int32) {
		if gap >= r.minDays {
			return
		}
		gs := []int32{a, b}
		out = append(out, st.violation(int64(r.minDays-gap), gs, []int32{t}, fmt.Sprintf(
			"%s has games %s apart, at least %s wanted (short by %d)%s",
			st.teamLabel(t), count(gap, "days"), count(r.minDays, "days"), r.minDays-gap, st.gameList(gs, t))))
	})
	return out
}

// --- compression ---

type compression struct {
	sel  *selector
	days int32
	max  int32
}

func compileCompression(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams  []string `json:"teams"`
		Select *Select  `json:"select"`
		Days   int32    `json:"days"`
		Max    int32    `json:"max"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	teams, _, err := seqTeams(b, "teams", p.Teams)
	if err != nil {
		return nil, err
	}
	return b.PerTeam(teams, &compression{sel: sel, days: p.Days, max: p.Max}), nil
}

// inWindow counts the games of gs dated from day d to d+days-1. Sequences
// are short (a season's games), and counting them all keeps it right even
// where local dates do not follow the time order (mixed offsets).
func (r *compression) inWindow(st *State, gs []int32, d int32) int32 {
	var n int32
	for _, g := range gs {
		if e := st.day(g) - d; e >= 0 && e < r.days {
			n++
		}
	}
	return n
}

func (r *compression) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return 0
	}
	gs := seqPick(st, r.sel, t, seq, true)
	var d int32
	for _, g := range gs {
		d += max(0, r.inWindow(st, gs, st.day(g))-r.max)
	}
	return d
}

func (r *compression) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	gs := append([]int32(nil), seqPick(st, r.sel, t, seq, true)...)
	var out []schemas.Violation
	for _, g := range gs {
		d := st.games[g].Day()
		n := r.inWindow(st, gs, d)
		if n <= r.max {
			continue
		}
		var named []int32
		for _, h := range gs {
			if e := st.games[h].Day() - d; e >= 0 && e < r.days {
				named = append(named, h)
			}
		}
		span := fmt.Sprintf("in %d days from %s to %s", r.days, dayString(d), dayString(d+r.days-1))
		if r.days == 1 {
			span = "on " + dayString(d)
		}
		out = append(out, st.violation(int64(n-r.max), named, []int32{t}, fmt.Sprintf(
			"%s plays %s %s, at most %d allowed%s",
			st.teamLabel(t), count(n, "games"), span, r.max, st.gameList(named, t))))
	}
	return out
}

// --- rematch_separation ---

type rematchSeparation struct {
	sel               *selector
	teams             []bool // nil: every team
	minGames, minDays int32  // 0 when absent: never binding
	// Kept incrementally: the deviation of each pair of teams (counters
	// from off, by h*nT+u, both orders), and each game's position in its
	// home (slab pos) and away team's (slab pos+1) sequence of selected
	// games, -1 when it is not selected from that side.
	nT  int32
	off int32
	pos int
}

func compileRematchSeparation(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams    []string `json:"teams"`
		Select   *Select  `json:"select"`
		MinGames int32    `json:"min_games"`
		MinDays  int32    `json:"min_days"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	_, set, err := seqTeams(b, "teams", p.Teams)
	if err != nil {
		return nil, err
	}
	nT := int32(b.Frame.NumTeams())
	r := &rematchSeparation{sel: sel, teams: set, minGames: p.MinGames, minDays: p.MinDays, nT: nT}
	r.off = b.Alloc(int(nT * nT))
	r.pos = b.GameSlab()
	b.GameSlab()
	b.OnSequences(r)
	return r, nil
}

// rematchPair is two consecutive meetings a, b of teams h and u.
type rematchPair struct {
	h, u, a, b int32
	games      int32 // games apart: the smaller of the two teams' position gaps
	by         int32 // the team whose gap that is
	days       int32 // days apart; dated is false when a game has no date
	dated      bool
}

func (r *rematchSeparation) dev(m *rematchPair) (int32, int32) {
	dg := max(0, r.minGames-m.games)
	var dd int32
	if m.dated {
		dd = max(0, r.minDays-m.days)
	}
	return dg, dd
}

// rematches calls fn with each two consecutive meetings of a pair of the
// rule's teams. A meeting counts when it is selected from both teams'
// sides, so that it has a place in both teams' sequences.
func (r *rematchSeparation) rematches(st *State, fn func(m *rematchPair)) {
	ng, nt := len(st.games), int(st.nT)
	buf := seqScratch(st, 2*ng+nt)
	pos, last := buf[:2*ng], buf[2*ng:]
	for i := range pos {
		pos[i] = -1
	}
	for t := range st.seq {
		var k int32
		for _, g := range st.seq[t] {
			if r.sel.match(st, g, int32(t)) {
				pos[2*g+seqSide(st, g, int32(t))] = k
				k++
			}
		}
	}
	for h := range int32(nt) {
		if r.teams != nil && !r.teams[h] {
			continue
		}
		for i := range last {
			last[i] = -1
		}
		for _, g := range st.seq[h] {
			p := &st.games[g]
			u := p.Home + p.Away - h
			if u < h || (r.teams != nil && !r.teams[u]) || pos[2*g] < 0 || pos[2*g+1] < 0 {
				continue
			}
			if a := last[u]; a >= 0 {
				m := rematchPair{h: h, u: u, a: a, b: g}
				gh := pos[2*g+seqSide(st, g, h)] - pos[2*a+seqSide(st, a, h)]
				gu := pos[2*g+seqSide(st, g, u)] - pos[2*a+seqSide(st, a, u)]
				m.games, m.by = gh, h
				if gu < gh {
					m.games, m.by = gu, u
				}
				pa := &st.games[a]
				if m.dated = p.Timed() && pa.Timed(); m.dated {
					m.days = p.Day() - pa.Day()
				}
				fn(&m)
			}
			last[u] = g
		}
	}
	st.buf = buf[:0]
}

func (r *rematchSeparation) init(ctr []int32) int64 {
	clear(ctr[r.off : r.off+r.nT*r.nT])
	return 0
}

// onTeams rescores the pairs with a team whose games changed: only those
// teams' sequences, and so only their games' positions, moved. A pair's
// meetings are in the same order in both teams' sequences, so either team
// finds them; the pair's deviation is kept under both orders.
func (r *rematchSeparation) onTeams(st *State, ctr []int32) int64 {
	pos := [2][]int32{st.slab[r.pos], st.slab[r.pos+1]}
	for _, t := range st.dirtyTeams {
		var k int32
		for _, g := range st.seq[t] {
			v := int32(-1)
			if r.sel.match(st, g, t) {
				v, k = k, k+1
			}
			pos[seqSide(st, g, t)][g] = v
		}
	}
	nt := r.nT
	buf := seqScratch(st, int(2*nt))
	last, acc := buf[:nt], buf[nt:]
	var d int64
	for _, h := range st.dirtyTeams {
		if r.teams != nil && !r.teams[h] {
			continue
		}
		for i := range last {
			last[i] = -1
		}
		clear(acc)
		for _, g := range st.seq[h] {
			p := &st.games[g]
			u := p.Home + p.Away - h
			if (r.teams != nil && !r.teams[u]) || pos[0][g] < 0 || pos[1][g] < 0 {
				continue
			}
			if a := last[u]; a >= 0 {
				sh, su := seqSide(st, g, h), seqSide(st, g, u)
				ah, au := seqSide(st, a, h), seqSide(st, a, u)
				m := rematchPair{games: min(pos[sh][g]-pos[ah][a], pos[su][g]-pos[au][a])}
				pa := &st.games[a]
				if m.dated = p.Timed() && pa.Timed(); m.dated {
					m.days = st.day(g) - st.day(a)
				}
				dg, dd := r.dev(&m)
				acc[u] += dg + dd
			}
			last[u] = g
		}
		for u := range nt {
			if u == h {
				continue
			}
			k1, k2 := r.off+h*nt+u, r.off+u*nt+h
			if nu := acc[u]; nu != ctr[k1] {
				d += int64(nu - ctr[k1])
				ctr[k1], ctr[k2] = nu, nu
			}
		}
	}
	st.buf = buf[:0]
	return d
}

func (r *rematchSeparation) explain(st *State) []schemas.Violation { return r.explainWhole(st) }

func (r *rematchSeparation) explainWhole(st *State) []schemas.Violation {
	var out []schemas.Violation
	r.rematches(st, func(m *rematchPair) {
		dg, dd := r.dev(m)
		if dg+dd == 0 {
			return
		}
		var parts []string
		if dg > 0 {
			parts = append(parts, fmt.Sprintf("%s apart in %s's schedule (at least %d wanted)",
				count(m.games, "games"), st.teamLabel(m.by), r.minGames))
		}
		if dd > 0 {
			parts = append(parts, fmt.Sprintf("%s apart (at least %d wanted)", count(m.days, "days"), r.minDays))
		}
		gs := []int32{m.a, m.b}
		out = append(out, st.violation(int64(dg+dd), gs, []int32{m.h, m.u}, fmt.Sprintf(
			"%s and %s meet again only %s, off by %d%s",
			st.teamLabel(m.h), st.teamLabel(m.u), strings.Join(parts, " and "), dg+dd, st.gameList(gs, m.h))))
	})
	return out
}

// --- sequence_pattern ---

type sequencePattern struct {
	sel, ifSel, thenSel *selector
	after               bool
	ifWords, thenWords  string
}

func compileSequencePattern(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams     []string `json:"teams"`
		Select    *Select  `json:"select"`
		If        *Select  `json:"if"`
		Then      *Select  `json:"then"`
		Direction string   `json:"direction"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	r := &sequencePattern{after: p.Direction == "after", ifWords: seqSelectWords(p.If), thenWords: seqSelectWords(p.Then)}
	var err error
	if r.sel, err = b.Selector("select", p.Select); err != nil {
		return nil, err
	}
	if r.ifSel, err = b.Selector("if", p.If); err != nil {
		return nil, err
	}
	if r.thenSel, err = b.Selector("then", p.Then); err != nil {
		return nil, err
	}
	teams, _, err := seqTeams(b, "teams", p.Teams)
	if err != nil {
		return nil, err
	}
	return b.PerTeam(teams, r), nil
}

// misses calls fn with each game gs[i] matching if whose neighbour does
// not match then; j is the neighbour's index, -1 when there is none.
func (r *sequencePattern) misses(st *State, t int32, gs []int32, fn func(i, j int)) {
	for i, g := range gs {
		if !r.ifSel.match(st, g, t) {
			continue
		}
		j := i - 1
		if r.after {
			j = i + 1
		}
		if j < 0 || j >= len(gs) {
			fn(i, -1)
		} else if !r.thenSel.match(st, gs[j], t) {
			fn(i, j)
		}
	}
}

func (r *sequencePattern) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return 0
	}
	var d int32
	r.misses(st, t, seqPick(st, r.sel, t, seq, false), func(int, int) { d++ })
	return d
}

func (r *sequencePattern) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	gs := append([]int32(nil), seqPick(st, r.sel, t, seq, false)...)
	where, next := "right after", "before"
	if r.after {
		where, next = "right before", "after"
	}
	var out []schemas.Violation
	r.misses(st, t, gs, func(i, j int) {
		g := gs[i]
		if j < 0 {
			out = append(out, st.violation(1, []int32{g}, []int32{t}, fmt.Sprintf(
				"%s, %s, has no game %s it; it must come %s %s",
				st.gameLine(g, t), r.ifWords, next, where, r.thenWords)))
			return
		}
		out = append(out, st.violation(1, []int32{g, gs[j]}, []int32{t}, fmt.Sprintf(
			"%s, %s, must come %s %s, but the game %s it is not one: %s",
			st.gameLine(g, t), r.ifWords, where, r.thenWords, next, st.gameLine(gs[j], t))))
	})
	return out
}

// seqSelectWords describes the games a selector picks, for a sentence:
// "a road Mon game on ESPN", "a home Sat or Sun game", "any game".
func seqSelectWords(s *Select) string {
	if s == nil {
		return "any game"
	}
	var adj, tail []string
	switch s.Venue {
	case "home":
		adj = append(adj, "home")
	case "away":
		adj = append(adj, "road")
	case "neutral":
		adj = append(adj, "neutral-site")
	}
	if len(s.Weekdays) > 0 {
		adj = append(adj, strings.Join(s.Weekdays, " or "))
	}
	if len(s.Kinds) > 0 {
		adj = append(adj, strings.Join(s.Kinds, " or "))
	}
	if len(s.Sports) > 0 {
		adj = append(adj, strings.Join(s.Sports, " or "))
	}
	if len(s.Teams) > 0 {
		tail = append(tail, "of "+strings.Join(s.Teams, ", "))
	}
	if len(s.Opponents) > 0 {
		tail = append(tail, "against "+strings.Join(s.Opponents, ", "))
	}
	if len(s.Networks) > 0 {
		tail = append(tail, "on "+strings.Join(s.Networks, " or "))
	}
	if len(s.Dates) > 0 {
		ds := make([]string, 0, len(s.Dates))
		for _, d := range s.Dates {
			ds = append(ds, d.From+".."+d.To)
		}
		tail = append(tail, "dated "+strings.Join(ds, ", "))
	}
	if len(s.Times) > 0 {
		ts := make([]string, 0, len(s.Times))
		for _, d := range s.Times {
			ts = append(ts, d.From+"-"+d.To)
		}
		tail = append(tail, "starting "+strings.Join(ts, ", "))
	}
	if s.Slots != nil {
		tail = append(tail, "in the listed slots")
	}
	if len(adj) == 0 && len(tail) == 0 {
		return "any game"
	}
	return strings.Join(append([]string{"a"}, append(adj, append([]string{"game"}, tail...)...)...), " ")
}

// --- rest_advantage ---

type restAdvantage struct {
	sel     *selector
	teams   []int32 // the teams counted, every team by default
	days    int32
	b       bounds
	balance int32 // -1 when absent
	// Kept incrementally: per team of the rule, its counted games
	// (counters from off, by team, then the deviation); per game and side
	// (slabs from slab: home, away), that team's selected game before it
	// (prev) and whether the game counts for it (ind).
	in   []bool // the rule's teams as a set
	off  int32
	slab int
}

func compileRestAdvantage(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams    []string `json:"teams"`
		Select   *Select  `json:"select"`
		Days     int32    `json:"days"`
		Min, Max *int
		Balance  *int32 `json:"balance"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &restAdvantage{sel: sel, days: p.Days, b: newBounds(p.Min, p.Max), balance: -1}
	if p.Balance != nil {
		r.balance = *p.Balance
	}
	_, set, err := seqTeams(b, "teams", p.Teams)
	if err != nil {
		return nil, err
	}
	r.in = make([]bool, b.Frame.NumTeams())
	for t := range b.Frame.NumTeams() {
		if set == nil || set[t] {
			r.teams = append(r.teams, int32(t)) // each team once, even if listed twice
			r.in[t] = true
		}
	}
	r.off = b.Alloc(b.Frame.NumTeams() + 1)
	r.slab = b.GameSlab()
	for range 3 {
		b.GameSlab()
	}
	b.OnSequences(r)
	return r, nil
}

func (r *restAdvantage) init(ctr []int32) int64 {
	n := int32(len(r.in))
	clear(ctr[r.off : r.off+n])
	v := r.wholeDev(nil)
	ctr[r.off+n] = v
	return int64(v)
}

// counts reports whether game g counts for team t: t meets an opponent
// with at least days more rest, by the previous games in prev.
func (r *restAdvantage) counts(st *State, prev [2][]int32, g, t int32) int32 {
	if !r.sel.match(st, g, t) {
		return 0
	}
	p := &st.games[g]
	u := p.Home + p.Away - t
	pt, pu := prev[seqSide(st, g, t)][g], prev[seqSide(st, g, u)][g]
	if pt < 0 || pu < 0 || !p.Timed() || !st.games[pt].Timed() || !st.games[pu].Timed() {
		return 0
	}
	own, opp := st.day(g)-st.day(pt), st.day(g)-st.day(pu)
	if opp-own >= r.days {
		return 1
	}
	return 0
}

// onTeams recounts what the changed teams' sequences touch: a changed
// team's previous games move, which changes whether its games count for
// itself (recounted in full) and for their opponents (adjusted game by
// game).
func (r *restAdvantage) onTeams(st *State, ctr []int32) int64 {
	prev := [2][]int32{st.slab[r.slab], st.slab[r.slab+1]}
	ind := [2][]int32{st.slab[r.slab+2], st.slab[r.slab+3]}
	nt := int32(len(r.in))
	cnt := ctr[r.off : r.off+nt]
	for _, t := range st.dirtyTeams {
		last := int32(-1)
		for _, g := range st.seq[t] {
			prev[seqSide(st, g, t)][g] = last
			if r.sel.match(st, g, t) {
				last = g
			}
		}
	}
	for _, t := range st.dirtyTeams {
		if r.in[t] {
			var n int32
			for _, g := range st.seq[t] {
				v := r.counts(st, prev, g, t)
				ind[seqSide(st, g, t)][g] = v
				n += v
			}
			cnt[t] = n
		}
		for _, g := range st.seq[t] {
			p := &st.games[g]
			u := p.Home + p.Away - t
			if st.teamMark[u] || !r.in[u] {
				continue // recounted in full, or not counted
			}
			side := seqSide(st, g, u)
			if v := r.counts(st, prev, g, u); v != ind[side][g] {
				cnt[u] += v - ind[side][g]
				ind[side][g] = v
			}
		}
	}
	var d int64
	for _, t := range r.teams {
		d += r.b.dev(cnt[t])
	}
	if r.balance >= 0 {
		lo, hi := r.spread(cnt)
		d += int64(max(0, hi-lo-r.balance))
	}
	nu := int32(d)
	dv := int64(nu - ctr[r.off+nt])
	ctr[r.off+nt] = nu
	return dv
}

func (r *restAdvantage) explain(st *State) []schemas.Violation { return r.explainWhole(st) }

// scan counts, per team of the rule, its games against a better-rested
// opponent, calling fn (when not nil) with each: team t, game g, and the
// two rests in days. The counts, indexed by team, live in st.buf.
func (r *restAdvantage) scan(st *State, fn func(t, g, own, opp int32)) []int32 {
	ng, nt := len(st.games), int(st.nT)
	buf := seqScratch(st, 2*ng+nt)
	// prev: per game and side, that team's selected game before it (-1
	// none). Every placed game is in both of its teams' sequences, so each
	// entry read below is written here first.
	prev, cnt := buf[:2*ng], buf[2*ng:]
	clear(cnt)
	for t := range st.seq {
		last := int32(-1)
		for _, g := range st.seq[t] {
			prev[2*g+seqSide(st, g, int32(t))] = last
			if r.sel.match(st, g, int32(t)) {
				last = g
			}
		}
	}
	for _, t := range r.teams {
		for _, g := range st.seq[t] {
			if !r.sel.match(st, g, t) {
				continue
			}
			p := &st.games[g]
			u := p.Home + p.Away - t
			pt, pu := prev[2*g+seqSide(st, g, t)], prev[2*g+seqSide(st, g, u)]
			if pt < 0 || pu < 0 || !p.Timed() || !st.games[pt].Timed() || !st.games[pu].Timed() {
				continue
			}
			own, opp := p.Day()-st.games[pt].Day(), p.Day()-st.games[pu].Day()
			if opp-own >= r.days {
				cnt[t]++
				if fn != nil {
					fn(t, g, own, opp)
				}
			}
		}
	}
	st.buf = buf[:0]
	return cnt
}

// spread returns the fewest and most counted games over the rule's teams.
func (r *restAdvantage) spread(cnt []int32) (lo, hi int32) {
	lo, hi = math.MaxInt32, 0
	for _, t := range r.teams {
		lo, hi = min(lo, cnt[t]), max(hi, cnt[t])
	}
	if len(r.teams) == 0 {
		lo = 0
	}
	return lo, hi
}

// wholeDev is the deviation of the empty schedule (st nil), or of st's
// in full.
func (r *restAdvantage) wholeDev(st *State) int32 {
	if st == nil {
		return int32(r.b.dev(0)) * int32(len(r.teams))
	}
	cnt := r.scan(st, nil)
	var d int64
	for _, t := range r.teams {
		d += r.b.dev(cnt[t])
	}
	if r.balance >= 0 {
		lo, hi := r.spread(cnt)
		d += int64(max(0, hi-lo-r.balance))
	}
	return int32(d)
}

func (r *restAdvantage) explainWhole(st *State) []schemas.Violation {
	games := make([][]int32, st.nT)
	cnt := append([]int32(nil), r.scan(st, func(t, g, _, _ int32) { games[t] = append(games[t], g) })...)
	var out []schemas.Violation
	for _, t := range r.teams {
		if d := r.b.dev(cnt[t]); d != 0 {
			out = append(out, st.violation(d, games[t], []int32{t}, fmt.Sprintf(
				"%s meets opponents with at least %s more rest than itself %s, the rule wants %s%s",
				st.teamLabel(t), count(r.days, "days"), count(cnt[t], "times"), r.b, st.gameList(games[t], t))))
		}
	}
	if r.balance < 0 {
		return out
	}
	lo, hi := r.spread(cnt)
	if hi-lo <= r.balance {
		return out
	}
	// The teams at either end, and their counted games, cause the spread.
	var most, least, named []int32
	var mostIDs, leastIDs []string
	for _, t := range r.teams {
		if cnt[t] == hi {
			most, mostIDs = append(most, t), append(mostIDs, st.teamLabel(t))
			named = append(named, games[t]...)
		}
	}
	for _, t := range r.teams {
		if cnt[t] == lo {
			least, leastIDs = append(least, t), append(leastIDs, st.teamLabel(t))
			named = append(named, games[t]...)
		}
	}
	out = append(out, st.violation(int64(hi-lo-r.balance), named, append(most, least...), fmt.Sprintf(
		"games against an opponent with at least %s more rest range from %d (%s) to %d (%s) per team, at most %d apart wanted%s",
		count(r.days, "days"), lo, seqTeamList(leastIDs), hi, seqTeamList(mostIDs), r.balance, st.gameList(named, -1))))
	return out
}

// seqTeamList joins team labels, at most 6 of them, then how many more.
func seqTeamList(ids []string) string {
	if len(ids) > 6 {
		return fmt.Sprintf("%s and %d more", strings.Join(ids[:6], ", "), len(ids)-6)
	}
	return strings.Join(ids, ", ")
}
