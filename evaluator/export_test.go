package evaluator

var SubStatsForTest = subStats

func (st *State) SideCallsForTest(moves []Move) int {
	n := 0
	for _, mv := range moves {
		for _, p := range []Placement{st.games[mv.Game], mv.To} {
			if p.Slot < 0 {
				continue
			}
			for _, t := range []int32{p.Home, p.Away} {
				c := t*st.nS + p.Slot
				n += int(st.m.sideOff[c+1] - st.m.sideOff[c])
			}
		}
	}
	return n
}

func (m *Mover) RoundMovesForTest(a, b int32) []Move {
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
	return m.buf
}
