package evaluator

import (
	"unsafe"

	"github.com/flextime/flextime/schemas"
)

// mapEntryBytes approximates a map entry beyond its key and value: what
// the table's control bytes and load-factor slack cost per entry.
const mapEntryBytes = 16

// Bytes estimates the heap the state keeps alive, its model excluded: the
// dense (team, slot) tables, the per-game slices (by capacity), the
// games' strings and the maps. It is cheap (a pass over the games'
// strings), so that a cache can charge every state it keeps against a
// byte budget; internal/memsize gives the exhaustive figure it is tested
// against.
func (st *State) Bytes() int64 {
	n := int64(unsafe.Sizeof(*st))
	n += sliceBytes(st.ids) + sliceBytes(st.docs) + sliceBytes(st.own) + sliceBytes(st.games) + sliceBytes(st.gday)
	n += int64(len(st.sport))
	// The ids and the byID keys are the games' own id strings: counted
	// once, with the rest of each game's strings.
	for i := range st.docs {
		n += gameStrings(&st.docs[i])
	}
	n += mapBytes(len(st.byID), unsafe.Sizeof(""), 4)
	n += mapBytes(len(st.dict), unsafe.Sizeof(""), 4)
	for k := range st.dict {
		n += int64(len(k))
	}
	n += nestedBytes(st.teamGames) + nestedBytes(st.seq) + nestedBytes(st.slab) + nestedBytes(st.picks)
	n += sliceBytes(st.hc) + sliceBytes(st.ac) + sliceBytes(st.nc) + sliceBytes(st.status) + sliceBytes(st.brk)
	n += sliceBytes(st.ctr) + sliceBytes(st.dev)
	n += sliceBytes(st.dirtyCells) + sliceBytes(st.cellSnap) + sliceBytes(st.cellMark) + sliceBytes(st.cellHead)
	n += sliceBytes(st.deltas) + sliceBytes(st.dirtyBrk) + sliceBytes(st.brkMark) + sliceBytes(st.dirtyTeams)
	n += sliceBytes(st.teamMark) + sliceBytes(st.patternTeams) + sliceBytes(st.patMark) + sliceBytes(st.dirtyPairs)
	n += sliceBytes(st.pairMark) + sliceBytes(st.changed) + sliceBytes(st.chMark) + sliceBytes(st.before)
	n += sliceBytes(st.moves) + sliceBytes(st.moved) + sliceBytes(st.movedMark) + sliceBytes(st.sm)
	n += sliceBytes(st.pickOK) + sliceBytes(st.buf2) + sliceBytes(st.homePre) + sliceBytes(st.buf)
	return n
}

// GamesBytes estimates the heap held by a copy of games that shares its
// strings with a state: the slice's backing array only.
func GamesBytes(games []schemas.Game) int64 { return sliceBytes(games) }

func gameStrings(g *schemas.Game) int64 {
	n := int64(len(g.ID) + len(g.Home) + len(g.Away) + len(g.Start) + len(g.Venue) + len(g.Network) + len(g.Kind) + len(g.Sport))
	if g.Slot != nil {
		n += int64(unsafe.Sizeof(*g.Slot))
	}
	return n
}

func sliceBytes[T any](s []T) int64 {
	var zero T
	return int64(cap(s)) * int64(unsafe.Sizeof(zero))
}

func nestedBytes[T any](s [][]T) int64 {
	n := sliceBytes(s)
	for _, in := range s {
		n += sliceBytes(in)
	}
	return n
}

func mapBytes(n int, key, val uintptr) int64 {
	return 48 + int64(n)*(int64(key)+int64(val)+mapEntryBytes)
}
