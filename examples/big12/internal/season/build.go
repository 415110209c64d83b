package season

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// sport is one sport's season recipe.
type sport struct {
	name    string
	windows []window
	games   func(rng *rand.Rand) []game
	moves   moveSet
	// blocks: who hosts is built by orientByBlocks once the windows are
	// ordered, and the search that follows starts cool so as to repair it
	// rather than redo it.
	blocks bool
	// rules returns the search's rules.
	rules func(s *season) []rule
}

func soft(w float64) float64 { return w }

func isDay(d time.Weekday) func(s *season, g int) bool {
	return func(s *season, g int) bool { return s.weekday(g) == d }
}

func mbbSport() *sport {
	return &sport{
		name:    "mbb",
		windows: mbbWindows(),
		games:   mbbGames,
		moves:   moveSet{flip: true, swapWindows: true, days: true, chain: true, single: true},
		blocks:  true,
		rules: func(s *season) []rule {
			streak, rem, sunday := -1, -1, 0
			byu := teamIndex(sundayTeam)
			return []rule{
				gamesPerTeam("mbb-games", 18),
				twinsHostOnce("gen-rematch-home-and-away"),
				byes("mbb-one-bye", hardWeight, 1, 1),
				windowCount("mbb-first-four-home", hardWeight, true, 4, "first", 2, 4),
				windowCount("mbb-first-four-away", hardWeight, false, 4, "first", 2, 4),
				windowCount("mbb-last-four-home", hardWeight, true, 4, "last", 2, 4),
				windowCount("mbb-last-four-away", hardWeight, false, 4, "last", 2, 4),
				homeOn("mbb-weekend-home", 4, time.Saturday, time.Sunday),
				maxRoad("mbb-max-road-streak", 2, streak),
				compression("mbb-no-sat-mon-wed", 5, 2),
				rematchGap("mbb-rematch-separation", hardWeight, 3, 10, rem, 6),
				bigMonday("mbb-big-monday-after-home-saturday"),
				noSunday("mbb-byu-no-sunday", byu, sunday),
				windowCount("mbb-no-4-road-in-5", soft(0.7), false, 5, "any", 0, 3),
				windowCount("mbb-first-six-road", soft(0.7), false, 6, "first", 0, 3),
				windowCount("mbb-last-six-road", soft(0.7), false, 6, "last", 0, 3),
				windowCount("mbb-open-two-road", soft(0.5), false, 2, "first", 0, 1),
				windowCount("mbb-close-two-road", soft(0.5), false, 2, "last", 0, 1),
				byesOn("mbb-byes-midweek", soft(0.7), "sat"),
				restBalance("mbb-bye-advantage-balance", soft(0.65), 3, 1),
				rematchGap("mbb-rematch-preferred", soft(0.5), 4, 15, -1, 0),
				// The generator's own wishes.
				globalRule("gen-sunday-only-byu", hardWeight, func(s *season) int {
					n := 0
					for g, gm := range s.games {
						if s.weekday(g) == time.Sunday && gm.home != byu && gm.away != byu {
							n++
						}
					}
					return n
				}),
				perWindow("gen-one-big-monday", 0.3, func(s *season, w int, gs []int) int {
					if s.windows[w].kind != "mid" {
						return 0
					}
					n := 0
					for _, g := range gs {
						if s.weekday(g) == time.Monday {
							n++
						}
					}
					return abs(n - 1)
				}),
				homeBalance("gen-home-balance", 0.5),
			}
		},
	}
}

func wbbSport(mbbHome map[int]map[int]bool) *sport {
	return &sport{
		name:    "wbb",
		windows: wbbWindows(),
		games:   wbbGames,
		moves:   moveSet{flip: true, swapWindows: true, days: true, chain: true, single: true},
		blocks:  true,
		rules: func(s *season) []rule {
			return []rule{
				gamesPerTeam("wbb-games", 20),
				twinsHostOnce("gen-rematch-home-and-away"),
				byes("wbb-no-byes", hardWeight, 0, 0),
				windowCount("wbb-first-four-home", hardWeight, true, 4, "first", 2, 4),
				windowCount("wbb-first-four-away", hardWeight, false, 4, "first", 2, 4),
				windowCount("wbb-last-four-home", hardWeight, true, 4, "last", 2, 4),
				windowCount("wbb-last-four-away", hardWeight, false, 4, "last", 2, 4),
				homeOn("wbb-weekend-home", 4, time.Saturday, time.Sunday),
				maxRoad("wbb-max-road-streak", 2, -1),
				compression("wbb-no-sat-mon-wed", 5, 2),
				rematchGap("wbb-rematch-separation", hardWeight, 3, 10, -1, 0),
				noSunday("wbb-byu-no-sunday", teamIndex("BYU"), 0),
				windowCount("wbb-no-4-road-in-5", soft(0.7), false, 5, "any", 0, 3),
				windowCount("wbb-first-six-road", soft(0.7), false, 6, "first", 0, 3),
				windowCount("wbb-last-six-road", soft(0.7), false, 6, "last", 0, 3),
				windowCount("wbb-open-two-road", soft(0.5), false, 2, "first", 0, 1),
				windowCount("wbb-close-two-road", soft(0.5), false, 2, "last", 0, 1),
				rematchGap("wbb-rematch-preferred", soft(0.5), 4, 15, -1, 0),
				onDates("wbb-exams", soft(0.8), fallExams, springExams),
				hostBusy("wbb-mbb-same-day", soft(0.6), mbbHome),
				homeBalance("gen-home-balance", 0.5),
			}
		},
	}
}

func footballSport(weeks int) *sport {
	thuFri := func(s *season, g int) bool {
		d := s.weekday(g)
		return d == time.Thursday || d == time.Friday
	}
	return &sport{
		name:    "football",
		windows: footballWindows(weeks),
		games:   func(rng *rand.Rand) []game { return footballGames(rng, weeks) },
		moves:   moveSet{flip: true, moveGames: true, swapWindows: true, days: true},
		rules: func(s *season) []rule {
			b2b := -1
			return []rule{
				gamesPerTeam("football-games", 9),
				byes("football-open-weeks", hardWeight, weeks-9, weeks-9),
				maxRoad("football-max-road-streak", 2, -1),
				windowCount("football-no-4-road-in-5", hardWeight, false, 5, "any", 0, 3),
				roadRuns("football-back-to-back-road", 2, 1, b2b),
				restMax("football-open-week-advantage", hardWeight, 7, 2, func(*season, int) bool { return true }),
				restMax("football-thursday-recovery", hardWeight, 2, 2, func(*season, int) bool { return true }),
				noSunday("football-byu-no-sunday", teamIndex("BYU"), 0),
				windowCount("football-home-first-two", soft(0.7), true, 2, "first", 1, 2),
				windowCount("football-home-last-two", soft(0.6), true, 2, "last", 1, 2),
				weeksWithoutHome("football-three-weeks-no-home", soft(0.8), 3),
				awayByeAway("football-away-bye-away", soft(0.7)),
				perWindow("gen-week-load", 0.3, func(s *season, w int, gs []int) int {
					n, tf := len(gs), 0
					for _, g := range gs {
						if thuFri(s, g) {
							tf++
						}
					}
					return max(0, 5-n) + max(0, tf-1)
				}),
				globalRule("gen-few-weeknight-games", 0.1, func(s *season) int {
					n := 0
					for g := range s.games {
						if thuFri(s, g) {
							n++
						}
					}
					return abs(n - len(s.windows)/2)
				}),
				homeBalance("gen-home-balance", 0.3),
			}
		},
	}
}

// roadPattern reports whether a soft rule shapes a team's home/away
// pattern (no 4 road games in 5, nor in the first or last 6, no opening
// or closing pair of road games). The reference's soft rules for
// basketball are nearly all of this kind, and they are met together with
// the hard first/last-four and road-streak rules only when the pattern
// is built with them: the search of the hard rules weighs them too.
func roadPattern(id string) bool {
	for _, suf := range []string{"-no-4-road-in-5", "-first-six-road", "-last-six-road", "-open-two-road", "-close-two-road"} {
		if strings.HasSuffix(id, suf) {
			return true
		}
	}
	return false
}

// patternWeight is the weight of a road-pattern rule while the hard
// rules are searched: above every soft rule, below the hard ones.
const patternWeight = 2

// solve builds the sport's season for the seed: it tries a few
// restarts until every hard rule holds.
func solve(sp *sport, seed int64) (*season, error) {
	for attempt := range 20 {
		rng := rand.New(rand.NewPCG(uint64(seed), uint64(attempt)<<8|uint64(len(sp.name))))
		s := &season{windows: sp.windows, games: sp.games(rng)}
		// First the order of the windows (and, in football, which week
		// each game is in), by the rules that do not care who hosts; then
		// everything, with the windows fixed.
		var first []rule
		for _, r := range sp.rules(s) {
			if r.order {
				first = append(first, r)
			}
		}
		order := sp.moves
		order.flip, order.days = false, false
		search(s, first, order, rng, 20000, 3)
		all := sp.moves
		all.swapWindows = false
		var must, every []rule
		for _, r := range sp.rules(s) {
			gen := strings.HasPrefix(r.id, "gen-")
			if r.weight >= hardWeight || gen || roadPattern(r.id) {
				if roadPattern(r.id) {
					r.weight = patternWeight
				}
				must = append(must, r)
			}
			if r.weight < hardWeight && !gen {
				r.weight = patternWeight
			}
			every = append(every, r)
		}
		temp := 10.0
		if sp.blocks {
			orientByBlocks(s)
			temp = 1
		}
		for range 3 {
			if search(s, must, all, rng, 250000, temp) < 1 {
				break
			}
		}
		search(s, every, all, rng, 150000, 1)
		hard := false
		for _, r := range sp.rules(s) {
			hard = hard || r.weight >= hardWeight && r.total(s) != 0
		}
		if !hard {
			return s, nil
		}
	}
	return nil, fmt.Errorf("season: no %s season for seed %d met the hard rules in 20 attempts", sp.name, seed)
}
