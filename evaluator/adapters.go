package evaluator

import "github.com/flextime/flextime/schemas"

// The date-aware kinds are written as plain scoring functions over one
// team's games, one game, or the whole schedule. These adapters make them
// incremental: a team's score is recomputed only when its games changed,
// a game's only when it moved, and a whole-schedule score on any change.

// teamScorer scores one team from its placed games in time order (seq is
// nil for the empty schedule, when st may be nil too).
type teamScorer interface {
	teamDev(st *State, t int32, seq []int32) int32
	explainTeam(st *State, t int32, seq []int32) []schemas.Violation
}

// perTeam keeps a team scorer's deviation per team in counters.
type perTeam struct {
	off   int32
	teams []int32
	pos   []int32 // team index -> position in teams, -1 when not scored
	sc    teamScorer
}

// PerTeam registers sc for the given teams (all teams when nil) and
// returns the rule to hand back from a compile step.
func (b *Builder) PerTeam(teams []int32, sc teamScorer) rule {
	if teams == nil {
		teams = make([]int32, b.Frame.NumTeams())
		for i := range teams {
			teams[i] = int32(i)
		}
	}
	r := &perTeam{teams: teams, sc: sc, pos: make([]int32, b.Frame.NumTeams())}
	for i := range r.pos {
		r.pos[i] = -1
	}
	for i, t := range teams {
		r.pos[t] = int32(i)
	}
	r.off = b.Alloc(len(teams))
	b.OnSequences(r)
	return r
}

func (r *perTeam) init(ctr []int32) int64 {
	var d int64
	for i, t := range r.teams {
		v := r.sc.teamDev(nil, t, nil)
		ctr[r.off+int32(i)] = v
		d += int64(v)
	}
	return d
}

func (r *perTeam) onTeams(st *State, ctr []int32) int64 {
	var d int64
	for _, t := range st.dirtyTeams {
		i := r.pos[t]
		if i < 0 {
			continue
		}
		nu := r.sc.teamDev(st, t, st.seq[t])
		d += int64(nu - ctr[r.off+i])
		ctr[r.off+i] = nu
	}
	return d
}

func (r *perTeam) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	for i, t := range r.teams {
		if st.ctr[r.off+int32(i)] != 0 {
			out = append(out, r.sc.explainTeam(st, t, st.seq[t])...)
		}
	}
	return out
}

// gameScorer scores one placed game.
type gameScorer interface {
	gameDev(st *State, g int32) int32
	explainGame(st *State, g int32, dev int32) schemas.Violation
}

// perGame keeps a game scorer's deviation per game.
type perGame struct {
	idx int // its game slab: the State's counters for it
	sc  gameScorer
}

// PerGame registers sc and returns the rule to hand back.
func (b *Builder) PerGame(sc gameScorer) rule {
	r := &perGame{sc: sc}
	r.idx = b.OnGames(r)
	return r
}

func (r *perGame) init([]int32) int64 { return 0 }

func (r *perGame) onGames(st *State, gctr []int32) int64 {
	var d int64
	for _, g := range st.moved {
		var nu int32
		if st.games[g].Slot >= 0 {
			nu = r.sc.gameDev(st, g)
		}
		d += int64(nu - gctr[g])
		gctr[g] = nu
	}
	return d
}

func (r *perGame) explain(st *State) []schemas.Violation {
	var out []schemas.Violation
	for g, d := range st.slab[r.idx] {
		if d != 0 {
			out = append(out, r.sc.explainGame(st, int32(g), d))
		}
	}
	return out
}

// wholeScorer scores the whole schedule (st nil: the empty one).
type wholeScorer interface {
	wholeDev(st *State) int32
	explainWhole(st *State) []schemas.Violation
}

// whole recomputes a whole-schedule score whenever any game changed.
type whole struct {
	off int32
	sc  wholeScorer
}

// Whole registers sc and returns the rule to hand back. Use it for rules
// over venues, networks or totals, whose inputs are spread over teams.
func (b *Builder) Whole(sc wholeScorer) rule {
	r := &whole{sc: sc, off: b.Alloc(1)}
	b.OnSequences(r)
	return r
}

func (r *whole) init(ctr []int32) int64 {
	v := r.sc.wholeDev(nil)
	ctr[r.off] = v
	return int64(v)
}

func (r *whole) onTeams(st *State, ctr []int32) int64 {
	nu := r.sc.wholeDev(st)
	d := int64(nu - ctr[r.off])
	ctr[r.off] = nu
	return d
}

func (r *whole) explain(st *State) []schemas.Violation { return r.sc.explainWhole(st) }
