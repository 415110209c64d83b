package season

// orientByBlocks decides who hosts every game from the pattern up: the
// windows are taken in pairs (0-1, 2-3, ...; with an odd number, the
// middle window stands alone) and each team gets one home and one away
// game in each pair, HA or AH. A season of such blocks meets every
// road-pattern rule of the reference by construction: no 3 road games
// in a row, no 4 in any 5 nor in the first or last 6, exactly 2 home and
// 2 away among the first and the last four, no opening or closing pair
// of road games. Single flips cannot reach such a pattern from a random
// one (each breaks some hard rule on the way), so it is built first and
// the search then only repairs what it leaves (byes, days).
//
// It works because the games of two windows, one game per team in each,
// form even cycles (paths where a team has a bye): every component is
// two-coloured, and the colour that hosts in the first window visits in
// the second. Which colour hosts is one bit per component; a pair that
// meets twice must host once each, a parity between two bits, solved
// with a union-find over the bits. A parity that contradicts the others
// is left to the search.
func orientByBlocks(s *season) {
	s.refresh()
	n := len(s.windows)
	var blocks [][]int
	lone := -1
	if n%2 == 1 {
		lone = n / 2 &^ 1 // even, so that the pairs before it line up
	}
	for w := 0; w < n; {
		if w == lone {
			blocks = append(blocks, []int{w})
			w++
			continue
		}
		blocks = append(blocks, []int{w, w + 1})
		w += 2
	}
	// Per game: its component (a bit), the colour of its first-listed
	// team (home at the start) and whether it is in the second window of
	// its block.
	comp := make([]int, len(s.games))
	colour := make([]int, len(s.games))
	second := make([]int, len(s.games))
	for i := range comp {
		comp[i] = -1
	}
	nComp := 0
	for _, b := range blocks {
		inBlock := func(g int) bool {
			w := s.games[g].win
			return w == b[0] || len(b) == 2 && w == b[1]
		}
		for g := range s.games {
			if !inBlock(g) || comp[g] >= 0 {
				continue
			}
			// Colour the teams of g's component by a walk over the games.
			col := map[int]int{s.games[g].home: 0}
			queue := []int{s.games[g].home}
			for len(queue) > 0 {
				t := queue[0]
				queue = queue[1:]
				for _, w := range b {
					x := s.at[t][w]
					if x < 0 {
						continue
					}
					comp[x] = nComp
					if w != b[0] {
						second[x] = 1
					}
					o := s.games[x].home + s.games[x].away - t
					if _, ok := col[o]; !ok {
						col[o] = 1 - col[t]
						queue = append(queue, o)
					}
				}
			}
			for x := range s.games {
				if comp[x] == nComp {
					colour[x] = col[s.games[x].home]
				}
			}
			nComp++
		}
	}
	// home(x) is the first-listed team u when bit == colour(u) ^ second.
	parent := make([]int, nComp)
	par := make([]int, nComp) // parity to the parent
	for i := range parent {
		parent[i] = i
	}
	var find func(i int) (int, int)
	find = func(i int) (int, int) {
		if parent[i] == i {
			return i, 0
		}
		r, p := find(parent[i])
		parent[i], par[i] = r, par[i]^p
		return r, par[i]
	}
	u := make([]int, len(s.games)) // the first-listed team, fixed now
	for g := range s.games {
		u[g] = s.games[g].home
	}
	for g, gm := range s.games {
		t := gm.twin
		if t < g {
			continue
		}
		// [home(g)=u(g)] xor [home(t)=u(g)] = 1, where
		// [home(x)=u(x)] = 1^bit^colour^second and u(t) is u(g) or not.
		same := 0
		if u[t] != u[g] {
			same = 1
		}
		want := 1 ^ same ^ colour[g] ^ second[g] ^ colour[t] ^ second[t]
		a, pa := find(comp[g])
		b, pb := find(comp[t])
		if a != b {
			parent[a], par[a] = b, pa^pb^want
		}
	}
	for g := range s.games {
		_, bit := find(comp[g])
		home := bit == colour[g]^second[g]
		if !home {
			s.games[g].home, s.games[g].away = s.games[g].away, s.games[g].home
		}
	}
	s.refresh()
}
