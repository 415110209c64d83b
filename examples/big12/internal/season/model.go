package season

import (
	"math/rand/v2"
	"slices"
	"time"
)

// window is one slot of a season: the dates its games may take, the
// first being the usual one.
type window struct {
	name string
	days []time.Time // civil dates, UTC midnight
	kind string      // "sat", "mid" (basketball weekday window), "wknd", "week"
}

// game is one meeting while the season is searched. day indexes the
// window's days (modulo their number, so that windows can swap).
type game struct {
	home, away int
	win, day   int
	twin       int // the other meeting of the same pair, or -1
}

// season is a schedule being searched: games over windows.
type season struct {
	windows []window
	games   []game

	// derived by refresh
	seq   [][]int // per team, its games in time order
	date  []int   // per game, days since 1970-01-01
	dayNo [][]int // per window, its days as day numbers
	at    [][]int // per team and window, its game there or -1
	pos   [][2]int
}

func (s *season) clone() *season {
	c := &season{windows: s.windows, games: slices.Clone(s.games)}
	c.refresh()
	return c
}

func dayNumber(t time.Time) int { return int(t.Unix() / 86400) }

func (s *season) gameDate(g int) time.Time {
	w := s.windows[s.games[g].win]
	return w.days[s.games[g].day%len(w.days)]
}

func (s *season) weekday(g int) time.Weekday { return time.Weekday((s.date[g] + 4) % 7) }

// refresh recomputes the team sequences and dates after a change.
//
// Windows follow each other and a team plays at most once in each, so
// window order is time order.
func (s *season) refresh() {
	if s.seq == nil {
		s.seq = make([][]int, len(Teams))
		s.at = make([][]int, len(Teams))
		for t := range s.at {
			s.at[t] = make([]int, len(s.windows))
		}
		s.dayNo = make([][]int, len(s.windows))
		for w, win := range s.windows {
			for _, d := range win.days {
				s.dayNo[w] = append(s.dayNo[w], dayNumber(d))
			}
		}
	}
	for t := range s.at {
		for w := range s.at[t] {
			s.at[t][w] = -1
		}
	}
	s.date = s.date[:0]
	s.pos = s.pos[:0]
	for g, gm := range s.games {
		s.at[gm.home][gm.win] = g
		s.at[gm.away][gm.win] = g
		s.date = append(s.date, s.dayNo[gm.win][gm.day%len(s.dayNo[gm.win])])
		s.pos = append(s.pos, [2]int{})
	}
	for t := range s.seq {
		s.seq[t] = s.seq[t][:0]
		for _, g := range s.at[t] {
			if g >= 0 {
				s.setPos(t, g, len(s.seq[t]))
				s.seq[t] = append(s.seq[t], g)
			}
		}
	}
}

// position returns the index of game g in team t's sequence.
func (s *season) position(t, g int) int {
	if s.games[g].home == t {
		return s.pos[g][0]
	}
	return s.pos[g][1]
}

// isHome reports whether t hosts game g.
func (s *season) isHome(t, g int) bool { return s.games[g].home == t }

// busy reports whether t has a game in window w other than skip.
func (s *season) busy(t, w, skip int) bool {
	g := s.at[t][w]
	return g >= 0 && g != skip
}

// rule is one check the search scores: how far the season is from it.
// A rule that looks at one team at a time says so with team, which lets
// the search rescore only the teams a move touched; count is then the sum.
type rule struct {
	id     string
	weight float64 // hard rules weigh hardWeight
	count  func(s *season) int
	team   func(s *season, t int) int
	// order marks the rules that depend on when games are played and not
	// on who hosts them: the first phase of the search orders the windows
	// by those alone.
	order bool
}

const hardWeight = 10

func (r rule) total(s *season) int {
	if r.team == nil {
		return r.count(s)
	}
	n := 0
	for t := range Teams {
		n += r.team(s, t)
	}
	return n
}

// scorer keeps the rules' costs, per team where it can.
type scorer struct {
	rules []rule
	byTm  [][]int // rule -> team -> count
	glob  []int
	all   []int
}

func newScorer(s *season, rules []rule) *scorer {
	sc := &scorer{rules: rules, byTm: make([][]int, len(rules)), glob: make([]int, len(rules))}
	for i := range rules {
		sc.byTm[i] = make([]int, len(Teams))
	}
	for t := range Teams {
		sc.all = append(sc.all, t)
	}
	return sc
}

// cost rescores the teams listed (nil: all) and returns the total.
func (sc *scorer) cost(s *season, teams []int) float64 {
	if teams == nil {
		teams = sc.all
	}
	var c float64
	for i, r := range sc.rules {
		n := 0
		if r.team == nil {
			sc.glob[i] = r.count(s)
			n = sc.glob[i]
		} else {
			for _, t := range teams {
				sc.byTm[i][t] = r.team(s, t)
			}
			for _, v := range sc.byTm[i] {
				n += v
			}
		}
		c += r.weight * float64(n)
	}
	return c
}

func (sc *scorer) save() ([]int, [][]int) {
	by := make([][]int, len(sc.byTm))
	for i := range by {
		by[i] = slices.Clone(sc.byTm[i])
	}
	return slices.Clone(sc.glob), by
}

// moveSet says which moves a sport's search may make.
type moveSet struct {
	flip, swapWindows, moveGames, days bool
	// chain swaps the windows of a Kempe chain: the games of two windows
	// that one team's games reach through the teams they meet. It changes
	// who meets whom when (which a flip or a whole-window swap never
	// does) and keeps every team at one game per window.
	chain bool
	// single flips one game without its twin: orientByBlocks can leave a
	// pair that meets twice hosting on one side, and the rule
	// gen-rematch-home-and-away then has the search repair it.
	single bool
}

// search improves s in place by simulated annealing over the moves, and
// returns the final cost. It is deterministic for rng.
func search(s *season, rules []rule, mv moveSet, rng *rand.Rand, iters int, temp float64) float64 {
	s.refresh()
	sc := newScorer(s, rules)
	cur := sc.cost(s, nil)
	best, bestGames := cur, slices.Clone(s.games)
	cool := expNeg(5.0 / float64(iters)) // down to temp/150 over the run
	glob := make([]int, len(rules))
	by := make([][2]int, len(rules))
	for it := 0; it < iters && best > 0; it++ {
		teams, undo := randomMove(s, mv, rng)
		if undo == nil {
			continue
		}
		var saved [][]int
		copy(glob, sc.glob)
		if teams == nil {
			_, saved = sc.save()
		} else {
			for i := range by {
				by[i] = [2]int{sc.byTm[i][teams[0]], sc.byTm[i][teams[1]]}
			}
		}
		c := sc.cost(s, teams)
		if c <= cur || rng.Float64() < expNeg((c-cur)/temp) {
			cur = c
			if c < best {
				best, bestGames = c, slices.Clone(s.games)
			}
		} else {
			undo()
			copy(sc.glob, glob)
			if teams == nil {
				sc.byTm = saved
			} else {
				for i := range by {
					sc.byTm[i][teams[0]], sc.byTm[i][teams[1]] = by[i][0], by[i][1]
				}
			}
		}
		temp *= cool
	}
	s.games = bestGames
	s.refresh()
	return best
}

func expNeg(x float64) float64 {
	if x > 50 {
		return 0
	}
	// A short series is plenty for an acceptance test and keeps the
	// result identical on every platform (no math.Exp rounding there).
	r, term := 1.0, 1.0
	for k := 1; k < 40; k++ {
		term *= x / float64(k)
		r += term
	}
	return 1 / r
}

// randomMove changes s at random and keeps its derived fields. It
// returns the teams touched (nil: any) and how to take the move back, or
// a nil undo when it found nothing to do.
func randomMove(s *season, mv moveSet, rng *rand.Rand) ([]int, func()) {
	var kinds []int
	if mv.flip {
		kinds = append(kinds, 0, 0, 0)
	}
	if mv.swapWindows {
		kinds = append(kinds, 1)
	}
	if mv.moveGames {
		kinds = append(kinds, 2, 2)
	}
	if mv.days {
		kinds = append(kinds, 3, 3)
	}
	if mv.chain {
		kinds = append(kinds, 4, 4)
	}
	if mv.single {
		kinds = append(kinds, 5)
	}
	g := rng.IntN(len(s.games))
	pair := []int{s.games[g].home, s.games[g].away}
	switch kinds[rng.IntN(len(kinds))] {
	case 0:
		do := func() {
			flipKeep(s, g)
			if t := s.games[g].twin; t >= 0 {
				flipKeep(s, t)
			}
		}
		do()
		return pair, do
	case 1:
		a, b := rng.IntN(len(s.windows)), rng.IntN(len(s.windows))
		if a == b {
			return nil, nil
		}
		do := func() {
			for i := range s.games {
				switch s.games[i].win {
				case a:
					s.games[i].win = b
				case b:
					s.games[i].win = a
				}
			}
			s.refresh()
		}
		do()
		return nil, do
	case 5:
		flipKeep(s, g)
		return pair, func() { flipKeep(s, g) }
	case 4:
		a, b := s.games[g].win, rng.IntN(len(s.windows))
		if a == b {
			return nil, nil
		}
		chain := kempeChain(s, g, a, b)
		if len(chain) == countIn(s, a, b) {
			return nil, nil // the whole two windows: a window swap, not this move
		}
		do := func() {
			for _, x := range chain {
				if s.games[x].win == a {
					s.games[x].win = b
				} else {
					s.games[x].win = a
				}
			}
			s.refresh()
		}
		do()
		return nil, do
	case 2:
		from, to := s.games[g].win, rng.IntN(len(s.windows))
		if s.busy(pair[0], to, g) || s.busy(pair[1], to, g) {
			return nil, nil
		}
		s.moveGame(g, to)
		return pair, func() { s.moveGame(g, from) }
	}
	old := s.games[g].day
	s.setDay(g, rng.IntN(len(s.windows[s.games[g].win].days)))
	return pair, func() { s.setDay(g, old) }
}

// kempeChain returns the games of windows a and b connected to game g
// (in a) through shared teams: every team of the chain has its games of
// both windows in it, so swapping their windows keeps each team at one
// game per window.
func kempeChain(s *season, g, a, b int) []int {
	seen := map[int]bool{g: true}
	out := []int{g}
	for i := 0; i < len(out); i++ {
		gm := s.games[out[i]]
		for _, t := range []int{gm.home, gm.away} {
			for _, w := range []int{a, b} {
				if x := s.at[t][w]; x >= 0 && !seen[x] {
					seen[x] = true
					out = append(out, x)
				}
			}
		}
	}
	return out
}

// countIn returns how many games windows a and b hold together.
func countIn(s *season, a, b int) int {
	n := 0
	for _, gm := range s.games {
		if gm.win == a || gm.win == b {
			n++
		}
	}
	return n
}

func flipKeep(s *season, g int) {
	flip(s, g)
	s.pos[g][0], s.pos[g][1] = s.pos[g][1], s.pos[g][0]
}

func (s *season) setDay(g, d int) {
	s.games[g].day = d
	w := s.games[g].win
	s.date[g] = s.dayNo[w][d%len(s.dayNo[w])]
}

// moveGame puts game g in window w and rebuilds its teams' sequences.
func (s *season) moveGame(g, w int) {
	gm := &s.games[g]
	for _, t := range []int{gm.home, gm.away} {
		s.at[t][gm.win] = -1
		s.at[t][w] = g
	}
	gm.win = w
	s.setDay(g, gm.day)
	for _, t := range []int{gm.home, gm.away} {
		s.seq[t] = s.seq[t][:0]
		for _, x := range s.at[t] {
			if x >= 0 {
				s.setPos(t, x, len(s.seq[t]))
				s.seq[t] = append(s.seq[t], x)
			}
		}
	}
}

func (s *season) setPos(t, g, i int) {
	if s.games[g].home == t {
		s.pos[g][0] = i
	} else {
		s.pos[g][1] = i
	}
}

func flip(s *season, g int) { s.games[g].home, s.games[g].away = s.games[g].away, s.games[g].home }

// violated lists the ids of the rules with a nonzero count.
func violated(s *season, rules []rule) []string {
	var out []string
	for _, r := range rules {
		if r.total(s) != 0 {
			out = append(out, r.id)
		}
	}
	return out
}

// circleRounds returns the n-1 rounds of a single round robin of n teams
// (n even) by the circle method: team n-1 stays, the others rotate.
func circleRounds(n int) [][][2]int {
	rounds := make([][][2]int, n-1)
	for r := range n - 1 {
		rounds[r] = append(rounds[r], [2]int{r, n - 1})
		for k := 1; k < n/2; k++ {
			rounds[r] = append(rounds[r], [2]int{(r + k) % (n - 1), (r - k + n - 1) % (n - 1)})
		}
	}
	return rounds
}

// date returns the civil date y-m-d.
func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
