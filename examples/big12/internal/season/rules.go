package season

import "time"

// The generator's own reading of the rules, one function per constraint
// kind it emits. They steer the search; the evaluator is the judge, and
// the tests hold the two to the same verdict on the generated files.

func teamRule(id string, w float64, f func(s *season, t int, seq []int) int) rule {
	return rule{id: id, weight: w, team: func(s *season, t int) int { return f(s, t, s.seq[t]) }}
}

func globalRule(id string, w float64, f func(s *season) int) rule {
	return rule{id: id, weight: w, count: f}
}

func outside(n, lo, hi int) int { return max(0, lo-n) + max(0, n-hi) }

func gamesPerTeam(id string, want int) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int { return outside(len(seq), want, want) })
}

// windowCount: in the first, last or every k consecutive games of each
// team, between lo and hi games at home (home true) or away.
func windowCount(id string, w float64, home bool, k int, pos string, lo, hi int) rule {
	return teamRule(id, w, func(s *season, t int, seq []int) int {
		at := func(from int) int {
			n := 0
			for _, g := range seq[from : from+k] {
				if s.isHome(t, g) == home {
					n++
				}
			}
			return outside(n, lo, hi)
		}
		if len(seq) < k {
			return 0
		}
		switch pos {
		case "first":
			return at(0)
		case "last":
			return at(len(seq) - k)
		}
		d := 0
		for i := 0; i+k <= len(seq); i++ {
			d += at(i)
		}
		return d
	})
}

// runs calls fn with the length of each maximal run of road games of t.
func runs(s *season, t int, seq []int, fn func(n int)) {
	n := 0
	for _, g := range seq {
		if !s.isHome(t, g) {
			n++
			continue
		}
		if n > 0 {
			fn(n)
		}
		n = 0
	}
	if n > 0 {
		fn(n)
	}
}

// maxRoad: at most mx road games in a row. The team except (or -1) is
// to play exactly one run of mx+1 instead: a rule broken on purpose.
func maxRoad(id string, mx, except int) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		d, over := 0, 0
		runs(s, t, seq, func(n int) {
			if t == except && n == mx+1 {
				over++
				return
			}
			d += max(0, n-mx)
		})
		if t == except {
			d += abs(over - 1)
		}
		return d
	})
}

// roadRuns: at most maxRuns runs of runLength or more road games; except
// is to have exactly maxRuns+1 of them.
func roadRuns(id string, runLength, maxRuns, except int) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		k := 0
		runs(s, t, seq, func(n int) {
			if n >= runLength {
				k++
			}
		})
		if t == except {
			return abs(k - maxRuns - 1)
		}
		return max(0, k-maxRuns)
	})
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// homeOn: each team hosts at least lo games on the given weekdays.
func homeOn(id string, lo int, days ...time.Weekday) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		n := 0
		for _, g := range seq {
			if s.isHome(t, g) && hasDay(days, s.weekday(g)) {
				n++
			}
		}
		return max(0, lo-n)
	})
}

func hasDay(days []time.Weekday, d time.Weekday) bool {
	for _, x := range days {
		if x == d {
			return true
		}
	}
	return false
}

// compression: at most mx games in any span of the given days.
func compression(id string, days, mx int) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		d := 0
		for i := range seq {
			j := i
			for j+1 < len(seq) && s.date[seq[j+1]]-s.date[seq[i]] < days {
				j++
			}
			d += max(0, j-i+1-mx)
		}
		return d
	})
}

// rematchGap: the two meetings of a pair at least minGames apart in each
// team's sequence and minDays apart. The pair except (game index of one
// of its meetings, or -1) is to meet exactly exceptDays apart instead.
func rematchGap(id string, w float64, minGames, minDays, except, exceptDays int) rule {
	r := globalRule(id, w, func(s *season) int {
		d := 0
		for g, gm := range s.games {
			if gm.twin < g {
				continue
			}
			a, b := g, gm.twin
			if s.date[a] > s.date[b] {
				a, b = b, a
			}
			if g == except || gm.twin == except {
				d += abs(s.date[b] - s.date[a] - exceptDays)
				for _, x := range []int{a, b} {
					if wd := s.weekday(x); wd == time.Saturday || wd == time.Sunday {
						d++ // midweek, so that no Sunday game makes up the gap
					}
				}
				continue
			}
			bad := s.date[b]-s.date[a] < minDays
			for _, t := range []int{gm.home, gm.away} {
				if s.position(t, b)-s.position(t, a) < minGames {
					bad = true
				}
			}
			if bad {
				d++
			}
		}
		return d
	})
	r.order = true
	return r
}

// noSunday: the team never plays on a Sunday; with want 1 it is to play
// exactly one Sunday road game (broken on purpose).
func noSunday(id string, team, want int) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		if t != team {
			return 0
		}
		n, home := 0, 0
		for _, g := range seq {
			if s.weekday(g) == time.Sunday {
				n++
				if s.isHome(t, g) {
					home++
				}
			}
		}
		return abs(n-want) + home*want
	})
}

// bigMonday: a road game on a Monday (every basketball Monday game is an
// ESPN Big Monday) follows a home game on a Saturday.
func bigMonday(id string) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		d := 0
		for i, g := range seq {
			if s.weekday(g) != time.Monday || s.isHome(t, g) {
				continue
			}
			if i == 0 || !s.isHome(t, seq[i-1]) || s.weekday(seq[i-1]) != time.Saturday {
				d++
			}
		}
		return d
	})
}

// byes: each team has between lo and hi windows without a game.
func byes(id string, w float64, lo, hi int) rule {
	return teamRule(id, w, func(s *season, t int, seq []int) int { return outside(len(s.windows)-len(seq), lo, hi) })
}

// byesOn: no bye in a window of the given kind ("sat").
func byesOn(id string, w float64, kind string) rule {
	r := teamRule(id, w, func(s *season, t int, seq []int) int {
		d := 0
		for wi, win := range s.windows {
			if win.kind == kind && !s.busy(t, wi, -1) {
				d++
			}
		}
		return d
	})
	r.order = true
	return r
}

// restCount counts, per team, its selected games in which the opponent
// has rested at least days more than the team. A team's first game has
// no rest to compare, so it never counts.
func restCount(s *season, t int, days int, sel func(g int) bool) int {
	n := 0
	for i, g := range s.seq[t] {
		if i == 0 || !sel(g) {
			continue
		}
		u := s.games[g].home + s.games[g].away - t
		j := s.position(u, g)
		if j == 0 {
			continue
		}
		mine := s.date[g] - s.date[s.seq[t][i-1]]
		theirs := s.date[g] - s.date[s.seq[u][j-1]]
		if theirs-mine >= days {
			n++
		}
	}
	return n
}

func restMax(id string, w float64, days, mx int, sel func(s *season, g int) bool) rule {
	r := globalRule(id, w, func(s *season) int {
		d := 0
		for t := range Teams {
			d += max(0, restCount(s, t, days, func(g int) bool { return sel(s, g) })-mx)
		}
		return d
	})
	r.order = true
	return r
}

func restBalance(id string, w float64, days, spread int) rule {
	r := globalRule(id, w, func(s *season) int {
		lo, hi := 1<<30, -1
		for t := range Teams {
			n := restCount(s, t, days, func(int) bool { return true })
			lo, hi = min(lo, n), max(hi, n)
		}
		return max(0, hi-lo-spread)
	})
	r.order = true
	return r
}

// onDates counts games on the given date ranges (inclusive).
func onDates(id string, w float64, ranges ...[2]time.Time) rule {
	var days [][2]int
	for _, r := range ranges {
		days = append(days, [2]int{dayNumber(r[0]), dayNumber(r[1])})
	}
	return globalRule(id, w, func(s *season) int {
		n := 0
		for g := range s.games {
			for _, r := range days {
				if s.date[g] >= r[0] && s.date[g] <= r[1] {
					n++
				}
			}
		}
		return n
	})
}

// hostBusy counts home games on a date when the school's other
// basketball team is also at home.
func hostBusy(id string, w float64, busy map[int]map[int]bool) rule {
	return teamRule(id, w, func(s *season, t int, seq []int) int {
		n := 0
		for _, g := range seq {
			if s.isHome(t, g) && busy[t][s.date[g]] {
				n++
			}
		}
		return n
	})
}

// homeBalance keeps each team's home games within one of half its games
// (a generator preference: the reference implies it, no rule says it).
func homeBalance(id string, w float64) rule {
	return teamRule(id, w, func(s *season, t int, seq []int) int {
		h := 0
		for _, g := range seq {
			if s.isHome(t, g) {
				h++
			}
		}
		return max(0, abs(2*h-len(seq))-1)
	})
}

// perWindow scores each window with f.
func perWindow(id string, w float64, f func(s *season, win int, games []int) int) rule {
	return globalRule(id, w, func(s *season) int {
		by := make([][]int, len(s.windows))
		for g, gm := range s.games {
			by[gm.win] = append(by[gm.win], g)
		}
		d := 0
		for wi := range s.windows {
			d += f(s, wi, by[wi])
		}
		return d
	})
}

// weeksWithoutHome counts, per team, the spans of k consecutive windows
// without a home game.
func weeksWithoutHome(id string, w float64, k int) rule {
	return teamRule(id, w, func(s *season, t int, seq []int) int {
		d := 0
		for i := 0; i+k <= len(s.windows); i++ {
			none := true
			for w := i; w < i+k; w++ {
				if g := s.at[t][w]; g >= 0 && s.isHome(t, g) {
					none = false
				}
			}
			if none {
				d++
			}
		}
		return d
	})
}

// awayByeAway counts two road games in a row with exactly one empty
// window between them.
func awayByeAway(id string, w float64) rule {
	return teamRule(id, w, func(s *season, t int, seq []int) int {
		d := 0
		for i := 1; i < len(seq); i++ {
			a, b := seq[i-1], seq[i]
			if !s.isHome(t, a) && !s.isHome(t, b) && s.games[b].win-s.games[a].win == 2 {
				d++
			}
		}
		return d
	})
}

// twinsHostOnce: a pair that meets twice hosts once each (the hard
// rematch-home-and-away rule). Flips turn both meetings, so it holds
// unless orientByBlocks could not keep it.
func twinsHostOnce(id string) rule {
	return teamRule(id, hardWeight, func(s *season, t int, seq []int) int {
		n := 0
		for _, g := range seq {
			if tw := s.games[g].twin; tw >= 0 && s.games[g].home == t && s.games[tw].home == t {
				n++
			}
		}
		return n
	})
}
