package evaluator

// Mover makes the moves a solver makes on a round-robin schedule: swap the
// homes of a pair, swap two rounds, swap two teams. Each method builds the
// moves from the current placements, applies them incrementally with
// State.Apply, and returns how many games moved.
type Mover struct {
	st       *State
	pairGame []int32 // home*nT+away -> the game, -1 none, -2 several
	buf      []Move
}

// NewMover returns a Mover for st. It assumes the games' teams do not
// change except through its own SwapTeams.
func NewMover(st *State) *Mover {
	m := &Mover{st: st, pairGame: make([]int32, st.nT*st.nT)}
	m.index()
	return m
}

func (m *Mover) index() {
	for i := range m.pairGame {
		m.pairGame[i] = -1
	}
	for g, p := range m.st.games {
		k := p.Home*m.st.nT + p.Away
		if m.pairGame[k] == -1 {
			m.pairGame[k] = int32(g)
		} else {
			m.pairGame[k] = -2
		}
	}
}

// SwapHomes swaps who hosts whom between teams i and j. When they meet
// exactly twice, once at each home, the two games trade slots (so a game
// id "i-j" keeps naming the game i hosts); otherwise every meeting has its
// home and away exchanged.
func (m *Mover) SwapHomes(i, j int32) int {
	st := m.st
	m.buf = m.buf[:0]
	g1, g2 := m.pairGame[i*st.nT+j], m.pairGame[j*st.nT+i]
	if g1 >= 0 && g2 >= 0 {
		p1, p2 := st.games[g1], st.games[g2]
		p1.Slot, p2.Slot = p2.Slot, p1.Slot
		m.buf = append(m.buf, Move{g1, p1}, Move{g2, p2})
		st.Apply(m.buf)
		return len(m.buf)
	}
	for _, g := range st.teamGames[i] {
		p := st.games[g]
		if p.Home == j || p.Away == j {
			p.Home, p.Away = p.Away, p.Home
			m.buf = append(m.buf, Move{g, p})
		}
	}
	st.Apply(m.buf)
	m.index()
	return len(m.buf)
}

// SwapRounds moves every game of slot a to slot b and back.
func (m *Mover) SwapRounds(a, b int32) int {
	m.buf = m.buf[:0]
	for g, p := range m.st.games {
		switch p.Slot {
		case a:
			p.Slot = b
		case b:
			p.Slot = a
		default:
			continue
		}
		m.buf = append(m.buf, Move{int32(g), p})
	}
	m.st.Apply(m.buf)
	return len(m.buf)
}

// SwapTeams gives team a the games of team b and b those of a. When every
// ordered pair plays at most once the games trade slots, so game ids keep
// their meaning; otherwise the games' teams are relabelled.
func (m *Mover) SwapTeams(a, b int32) int {
	st := m.st
	m.buf = m.buf[:0]
	sigma := func(t int32) int32 {
		switch t {
		case a:
			return b
		case b:
			return a
		}
		return t
	}
	permute := true
	for _, t := range [2]int32{a, b} {
		for _, g := range st.teamGames[t] {
			p := st.games[g]
			if m.pairGame[sigma(p.Home)*st.nT+sigma(p.Away)] < 0 {
				permute = false
			}
		}
	}
	for _, t := range [2]int32{a, b} {
		for _, g := range st.teamGames[t] {
			p := st.games[g]
			if t == b && (p.Home == a || p.Away == a) {
				continue // already moved from a's side
			}
			q := Placement{Home: sigma(p.Home), Away: sigma(p.Away), Slot: p.Slot, Neutral: p.Neutral}
			if permute {
				m.buf = append(m.buf, Move{m.pairGame[q.Home*st.nT+q.Away], q})
			} else {
				m.buf = append(m.buf, Move{g, q})
			}
		}
	}
	st.Apply(m.buf)
	if !permute {
		m.index()
	}
	return len(m.buf)
}
