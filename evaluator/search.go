package evaluator

// Violated returns how many hard and how many soft constraints have a
// deviation now. It is O(1), for a search's inner loop; Totals walks the
// constraints to count the soft ones.
func (st *State) Violated() (hard, soft int) { return st.hardViol, st.softViol }

// SlotStart returns the start of slot s as Unix seconds, and false when
// the slot has no start (or s is -1). A search that moves a game with its
// own start shifts it by the difference of the slots' starts.
func (f *Frame) SlotStart(s int32) (int64, bool) {
	if s < 0 || f.slotStart[s].IsZero() {
		return 0, false
	}
	return f.slotStart[s].Unix(), true
}

// OwnStart reports whether game g has a start of its own; a game without
// one takes its slot's start wherever it moves.
func (st *State) OwnStart(g int32) bool { return st.own[g] }
