package evaluator

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/flextime/flextime/schemas"
)

// Frame is the fixed part of a schedule: its teams and its slots, each given
// a dense index. Slots are indexed in ascending id, so slot index order is
// time order. A Model is compiled against one Frame; games move freely
// within it.
type Frame struct {
	Teams []schemas.Team
	Slots []schemas.Slot // sorted by ascending ID

	teamIdx   map[string]int32
	slotIdx   map[int]int32
	slotStart []time.Time // zero when the slot has no start
}

// Limits on a frame's size, so that a hostile document cannot make the
// dense (team, slot) and (team, team) tables exhaust memory.
const (
	MaxTeams = 4096
	MaxCells = 1 << 22 // teams x slots
)

// NewFrame indexes the teams and slots of s. It returns an error wrapping
// ErrInput when ids repeat, a slot start is not RFC 3339, or the frame is
// larger than MaxTeams teams or MaxCells teams x slots.
func NewFrame(s *schemas.Schedule) (*Frame, error) {
	if len(s.Teams) > MaxTeams {
		return nil, inputErr("teams", "%d teams, at most %d are supported", len(s.Teams), MaxTeams)
	}
	if len(s.Teams)*len(s.Slots) > MaxCells {
		return nil, inputErr("slots", "%d teams x %d slots is more than %d cells", len(s.Teams), len(s.Slots), MaxCells)
	}
	f := &Frame{
		Teams:   slices.Clone(s.Teams),
		Slots:   slices.Clone(s.Slots),
		teamIdx: make(map[string]int32, len(s.Teams)),
		slotIdx: make(map[int]int32, len(s.Slots)),
	}
	for i, t := range f.Teams {
		if _, dup := f.teamIdx[t.ID]; dup {
			return nil, inputErr(fmt.Sprintf("teams[%d].id", i), "duplicate team %q", t.ID)
		}
		f.teamIdx[t.ID] = int32(i)
	}
	slices.SortStableFunc(f.Slots, func(a, b schemas.Slot) int { return a.ID - b.ID })
	f.slotStart = make([]time.Time, len(f.Slots))
	for i, sl := range f.Slots {
		if _, dup := f.slotIdx[sl.ID]; dup {
			return nil, inputErr("slots", "duplicate slot id %d", sl.ID)
		}
		f.slotIdx[sl.ID] = int32(i)
		if sl.Start != "" {
			t, err := time.Parse(time.RFC3339, sl.Start)
			if err != nil {
				return nil, inputErr("slots", "slot %d: start %q is not RFC 3339", sl.ID, sl.Start)
			}
			f.slotStart[i] = t
		}
	}
	return f, nil
}

// NumTeams returns the number of teams.
func (f *Frame) NumTeams() int { return len(f.Teams) }

// NumSlots returns the number of slots.
func (f *Frame) NumSlots() int { return len(f.Slots) }

// TeamIndex returns the dense index of a team id, or -1 when it is unknown.
func (f *Frame) TeamIndex(id string) int32 {
	if i, ok := f.teamIdx[id]; ok {
		return i
	}
	return -1
}

// SlotIndex returns the dense index of a slot id, or -1 when it is unknown.
func (f *Frame) SlotIndex(id int) int32 {
	if i, ok := f.slotIdx[id]; ok {
		return i
	}
	return -1
}

// TeamID returns the id of the team at index t.
func (f *Frame) TeamID(t int32) string { return f.Teams[t].ID }

// SlotID returns the id of the slot at index s.
func (f *Frame) SlotID(s int32) int { return f.Slots[s].ID }

// Same reports whether g has exactly the teams and slots of f, so that a
// model compiled for f can evaluate g's games.
func (f *Frame) Same(g *schemas.Schedule) bool {
	if len(g.Teams) != len(f.Teams) || len(g.Slots) != len(f.Slots) {
		return false
	}
	for i := range g.Teams {
		if !sameTeam(&g.Teams[i], &f.Teams[i]) {
			return false
		}
	}
	for _, sl := range g.Slots {
		i, ok := f.slotIdx[sl.ID]
		if !ok || f.Slots[i] != sl {
			return false
		}
	}
	return true
}

func sameTeam(a, b *schemas.Team) bool {
	eqf := func(x, y *float64) bool {
		if x == nil || y == nil {
			return x == y
		}
		return *x == *y
	}
	return a.ID == b.ID && a.Name == b.Name && a.Venue == b.Venue && a.TZ == b.TZ &&
		eqf(a.Lat, b.Lat) && eqf(a.Lon, b.Lon)
}

func (f *Frame) slotLabel(s int32) string { return strconv.Itoa(f.Slots[s].ID) }

// slotTime returns the start of slot s as Unix seconds and its UTC offset,
// zeros when the slot is unplaced (-1) or has no start.
func (f *Frame) slotTime(s int32) (int64, int32) {
	if s < 0 || f.slotStart[s].IsZero() {
		return 0, 0
	}
	_, off := f.slotStart[s].Zone()
	return f.slotStart[s].Unix(), int32(off)
}
