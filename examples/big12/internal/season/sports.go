package season

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Options are the generator's inputs.
type Options struct {
	Seed int64
	// FootballWeeks is the length of the football conference window in
	// weeks, ending on Thanksgiving Saturday (2025-11-29). The reference
	// gives a 12-week season and also a 9-week conference window; 9 to 14
	// weeks are accepted.
	FootballWeeks int
}

// sundayTeam plays no game on a Sunday.
const sundayTeam = "BYU"

var (
	fallExams    = [2]time.Time{date(2025, 12, 8), date(2025, 12, 15)}
	springExams  = [2]time.Time{date(2026, 5, 4), date(2026, 5, 11)}
	thanksgiving = date(2025, 11, 29)
)

func days(base time.Time, offsets ...int) []time.Time {
	out := make([]time.Time, len(offsets))
	for i, o := range offsets {
		out[i] = base.AddDate(0, 0, o)
	}
	return out
}

// mbbWindows: 19 windows from Saturday 2026-01-03, alternating a Saturday
// and a Monday-Wednesday window; the last is Saturday 2026-03-07.
// Saturday windows also offer the Sunday, which only BYU may not take.
func mbbWindows() []window {
	var ws []window
	for i := range 19 {
		wk := date(2026, 1, 3).AddDate(0, 0, 7*(i/2))
		if i%2 == 0 {
			ws = append(ws, window{fmt.Sprintf("window %d (Sat)", i+1), days(wk, 0, 1), "sat"})
		} else {
			ws = append(ws, window{fmt.Sprintf("window %d (Mon-Wed)", i+1), days(wk, 3, 4, 2), "mid"})
		}
	}
	return ws
}

// wbbWindows: 20 windows from Wednesday 2025-12-17 to Sunday 2026-03-01,
// a Wednesday/Thursday window then a weekend one, with a holiday gap.
func wbbWindows() []window {
	ws := []window{{"window 1 (Wed-Thu)", days(date(2025, 12, 17), 0, 1), "mid"}}
	ws = append(ws, window{"window 2 (Sat-Sun)", days(date(2025, 12, 21), 0, -1), "wknd"})
	for i := 2; i < 20; i++ {
		wk := date(2025, 12, 31).AddDate(0, 0, 7*((i-2)/2))
		if i%2 == 0 {
			ws = append(ws, window{fmt.Sprintf("window %d (Wed-Thu)", i+1), days(wk, 0, 1), "mid"})
		} else {
			ws = append(ws, window{fmt.Sprintf("window %d (Sat-Sun)", i+1), days(wk, 4, 3), "wknd"})
		}
	}
	return ws
}

// footballWindows: weeks Thursday-Saturday, the last ending on
// Thanksgiving Saturday.
func footballWindows(weeks int) []window {
	var ws []window
	for i := range weeks {
		sat := thanksgiving.AddDate(0, 0, -7*(weeks-1-i))
		ws = append(ws, window{fmt.Sprintf("week %d (Sat %s)", i+1, sat.Format("Jan 2")), days(sat, 0, -2, -1), "week"})
	}
	return ws
}

func shuffled(rng *rand.Rand, n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	rng.Shuffle(n, func(i, j int) { p[i], p[j] = p[j], p[i] })
	return p
}

// mbbGames: the men's 144 games over 19 windows. A circle round robin of
// 17 (the 16 teams and a phantom) gives 17 rounds in which, but for one
// round, two teams are idle: one by its bye, one against the phantom.
// Those idle pairs form two 8-cycles (the phantom's partner in round r is
// 2r+1 mod 17); every other pair of each cycle plays its rematch in the
// round where it is idle, the others keep the round as their bye. Two
// more rounds of rematches, disjoint from those and from each other,
// make 19 windows, 3 rematches and one bye per team.
func mbbGames(rng *rand.Rand) []game {
	perm := shuffled(rng, 16)
	var gs []game
	add := func(a, b, w int) int {
		gs = append(gs, game{home: perm[a], away: perm[b], win: w, twin: -1})
		return len(gs) - 1
	}
	pairGame := map[[2]int]int{}
	key := func(a, b int) [2]int { return [2]int{min(a, b), max(a, b)} }
	for r := range 17 {
		for k := 1; k <= 8; k++ {
			a, b := (r+k)%17, (r-k+17)%17
			if a == 16 || b == 16 {
				continue
			}
			pairGame[key(a, b)] = add(a, b, r)
		}
	}
	used := map[[2]int]bool{}
	seen := make([]bool, 16)
	for x0 := range 16 {
		if seen[x0] {
			continue
		}
		x, i := x0, 0
		for !seen[x] {
			seen[x] = true
			y := (2*x + 1) % 17
			if i%2 == 0 {
				used[key(x, y)] = true
				rematch(gs, pairGame[key(x, y)], add(y, x, x))
			}
			x, i = y, i+1
		}
	}
	for w := 17; w < 19; w++ {
		m := matching(rng, used)
		for _, p := range m {
			used[key(p[0], p[1])] = true
			rematch(gs, pairGame[key(p[0], p[1])], add(p[1], p[0], w))
		}
	}
	for i := range gs {
		if gs[i].twin < 0 && rng.IntN(2) == 0 {
			gs[i].home, gs[i].away = gs[i].away, gs[i].home
		}
	}
	return gs
}

func rematch(gs []game, a, b int) {
	gs[a].twin, gs[b].twin = b, a
	gs[b].home, gs[b].away = gs[a].away, gs[a].home
}

// matching returns a random perfect matching of 16 teams avoiding the
// used pairs.
func matching(rng *rand.Rand, used map[[2]int]bool) [][2]int {
	for {
		p := shuffled(rng, 16)
		var m [][2]int
		free := slices.Clone(p)
		ok := true
		for len(free) > 0 && ok {
			a := free[0]
			ok = false
			for j := 1; j < len(free); j++ {
				b := free[j]
				if !used[[2]int{min(a, b), max(a, b)}] {
					m = append(m, [2]int{a, b})
					free = slices.Delete(free, j, j+1)[1:]
					ok = true
					break
				}
			}
		}
		if ok {
			return m
		}
	}
}

// wbbGames: the women's 160 games over 20 windows: a circle round robin
// and five of its rounds again, reversed.
func wbbGames(rng *rand.Rand) []game {
	perm := shuffled(rng, 16)
	rounds := circleRounds(16)
	var gs []game
	for r, round := range rounds {
		for _, p := range round {
			gs = append(gs, game{home: perm[p[0]], away: perm[p[1]], win: r, twin: -1})
		}
	}
	for i, r := range shuffled(rng, 15)[:5] {
		for k := range rounds[r] {
			a := r*8 + k
			if rng.IntN(2) == 0 {
				flip(&season{games: gs}, a)
			}
			gs = append(gs, game{win: 15 + i, twin: -1})
			rematch(gs, a, len(gs)-1)
		}
	}
	return gs
}

// footballGames: nine rounds of a circle round robin, spread over the
// weeks.
func footballGames(rng *rand.Rand, weeks int) []game {
	perm := shuffled(rng, 16)
	rounds := circleRounds(16)
	var gs []game
	for i, r := range shuffled(rng, 15)[:9] {
		for _, p := range rounds[r] {
			g := game{home: perm[p[0]], away: perm[p[1]], win: i * weeks / 9, twin: -1}
			if rng.IntN(2) == 0 {
				g.home, g.away = g.away, g.home
			}
			gs = append(gs, g)
		}
	}
	return gs
}
