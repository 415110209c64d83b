package evaluator

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // time zones must not depend on the host's zoneinfo

	"github.com/flextime/flextime/schemas"
)

// Frame is the fixed part of a schedule: its teams and its slots, each given
// a dense index. Slots are indexed in ascending id, so slot index order is
// time order. A Model is compiled against one Frame; games move freely
// within it.
type Frame struct {
	Teams  []schemas.Team
	Slots  []schemas.Slot // sorted by ascending ID
	Venues []schemas.Venue

	teamIdx   map[string]int32
	slotIdx   map[int]int32
	venueIdx  map[string]int32
	slotStart []time.Time // zero when the slot has no start
	slotDays  []int32     // days the slot covers, at least 1
	// What a game of the slot without a start of its own takes: the
	// slot's start (Unix seconds, UTC offset) and the timing that gives.
	slotAt     []int64
	slotOff    []int32
	slotTiming []uint8
	// Places: each team's home (index t), then each listed venue (index
	// nT+v), with coordinates and time zone where the document gives them.
	place places
}

// places are the points games are played at: team homes then venues.
type places struct {
	located []bool
	lat     []float64 // radians
	cosLat  []float64
	lon     []float64        // radians
	zone    []*time.Location // nil: no time zone
	// teamVenue is each team's venue as an index of Frame.Venues, -1
	// when it has none or the document lists no venues.
	teamVenue []int32
}

// Limits on a frame's size, so that a hostile document cannot make the
// dense (team, slot) and (team, team) tables exhaust memory.
const (
	MaxTeams  = 4096
	MaxCells  = 1 << 22 // teams x slots
	MaxVenues = 4096
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
	if len(s.Venues) > MaxVenues {
		return nil, inputErr("venues", "%d venues, at most %d are supported", len(s.Venues), MaxVenues)
	}
	f := &Frame{
		Teams:    slices.Clone(s.Teams),
		Slots:    slices.Clone(s.Slots),
		Venues:   slices.Clone(s.Venues),
		teamIdx:  make(map[string]int32, len(s.Teams)),
		slotIdx:  make(map[int]int32, len(s.Slots)),
		venueIdx: make(map[string]int32, len(s.Venues)),
	}
	for i, v := range f.Venues {
		if _, dup := f.venueIdx[v.ID]; dup || v.ID == "" {
			return nil, inputErr(fmt.Sprintf("venues[%d].id", i), "missing or duplicate venue %q", v.ID)
		}
		f.venueIdx[v.ID] = int32(i)
	}
	for i, t := range f.Teams {
		if _, dup := f.teamIdx[t.ID]; dup {
			return nil, inputErr(fmt.Sprintf("teams[%d].id", i), "duplicate team %q", t.ID)
		}
		f.teamIdx[t.ID] = int32(i)
	}
	slices.SortStableFunc(f.Slots, func(a, b schemas.Slot) int { return a.ID - b.ID })
	f.slotStart = make([]time.Time, len(f.Slots))
	f.slotDays = make([]int32, len(f.Slots))
	for i, sl := range f.Slots {
		f.slotDays[i] = int32(max(sl.Days, 1))
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
	f.slotAt, f.slotOff, f.slotTiming = make([]int64, len(f.Slots)), make([]int32, len(f.Slots)), make([]uint8, len(f.Slots))
	for i, st := range f.slotStart {
		if st.IsZero() {
			continue
		}
		_, off := st.Zone()
		f.slotAt[i], f.slotOff[i], f.slotTiming[i] = st.Unix(), int32(off), TimingDay
		if f.slotDays[i] > 1 {
			f.slotTiming[i] = TimingWindow
		}
	}
	if err := f.locate(); err != nil {
		return nil, err
	}
	return f, nil
}

// locate fills f.place from the teams and venues. A team without
// coordinates or time zone of its own takes its listed venue's. A time
// zone must be one the IANA database knows (the binary embeds it), since
// time-zone rules compare the zones' UTC offsets at each game's time.
func (f *Frame) locate() error {
	nT, nV := len(f.Teams), len(f.Venues)
	n := nT + nV
	pl := places{
		located: make([]bool, n), lat: make([]float64, n), cosLat: make([]float64, n),
		lon: make([]float64, n), zone: make([]*time.Location, n), teamVenue: make([]int32, nT),
	}
	zones := map[string]*time.Location{}
	set := func(i int, field string, lat, lon *float64, tz string) error {
		if lat != nil && lon != nil {
			pl.located[i] = true
			pl.lat[i] = *lat * math.Pi / 180
			pl.cosLat[i] = math.Cos(pl.lat[i])
			pl.lon[i] = *lon * math.Pi / 180
		}
		if tz == "" {
			return nil
		}
		z, ok := zones[tz]
		if !ok {
			if z = loadZone(tz); z == nil {
				return inputErr(field, "unknown time zone %q (an IANA name such as America/Chicago)", tz)
			}
			zones[tz] = z
		}
		pl.zone[i] = z
		return nil
	}
	for i, v := range f.Venues {
		if err := set(nT+i, fmt.Sprintf("venues[%d].tz", i), v.Lat, v.Lon, v.TZ); err != nil {
			return err
		}
	}
	for i, t := range f.Teams {
		if err := set(i, fmt.Sprintf("teams[%d].tz", i), t.Lat, t.Lon, t.TZ); err != nil {
			return err
		}
		pl.teamVenue[i] = f.VenueIndex(t.Venue)
		if pl.teamVenue[i] < 0 && t.Venue != "" && nV > 0 {
			return inputErr(fmt.Sprintf("teams[%d].venue", i), "unknown venue %q (not in venues)", t.Venue)
		}
		if v := pl.teamVenue[i]; v >= 0 {
			if !pl.located[i] && pl.located[nT+int(v)] {
				pl.located[i], pl.lat[i], pl.cosLat[i], pl.lon[i] = true, pl.lat[nT+int(v)], pl.cosLat[nT+int(v)], pl.lon[nT+int(v)]
			}
			if pl.zone[i] == nil {
				pl.zone[i] = pl.zone[nT+int(v)]
			}
		}
	}
	f.place = pl
	return nil
}

// zoneCache keeps the time zones loaded so far: time.LoadLocation reads
// and parses the zone's file on every call, and frames are built per
// schedule. Only names that load are kept, so it is bounded by the IANA
// database (some 600 zones).
var zoneCache sync.Map // string -> *time.Location

// loadZone returns the IANA time zone called name, or nil when there is
// none ("Local", the host's zone, is refused: a score must not depend on
// where it is computed).
func loadZone(name string) *time.Location {
	if z, ok := zoneCache.Load(name); ok {
		return z.(*time.Location)
	}
	z, err := time.LoadLocation(name)
	if err != nil || name == "Local" {
		return nil
	}
	zoneCache.Store(name, z)
	return z
}

// VenueIndex returns the index of a listed venue, or -1.
func (f *Frame) VenueIndex(id string) int32 {
	if i, ok := f.venueIdx[id]; ok && id != "" {
		return i
	}
	return -1
}

// NumVenues returns the number of listed venues.
func (f *Frame) NumVenues() int { return len(f.Venues) }

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
	if len(g.Teams) != len(f.Teams) || len(g.Slots) != len(f.Slots) || len(g.Venues) != len(f.Venues) {
		return false
	}
	for i := range g.Venues {
		if !sameVenue(&g.Venues[i], &f.Venues[i]) {
			return false
		}
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

func eqf(x, y *float64) bool {
	if x == nil || y == nil {
		return x == y
	}
	return *x == *y
}

func sameVenue(a, b *schemas.Venue) bool {
	return a.ID == b.ID && a.Name == b.Name && a.TZ == b.TZ && eqf(a.Lat, b.Lat) && eqf(a.Lon, b.Lon) &&
		slices.Equal(a.Sports, b.Sports)
}

func sameTeam(a, b *schemas.Team) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Venue == b.Venue && a.TZ == b.TZ &&
		eqf(a.Lat, b.Lat) && eqf(a.Lon, b.Lon)
}

func (f *Frame) slotLabel(s int32) string { return strconv.Itoa(f.Slots[s].ID) }

// slotTime returns the start of slot s as Unix seconds and its UTC offset,
// zeros when the slot is unplaced (-1) or has no start, with the timing a
// game of the slot without a start of its own has: its slot's date when
// the slot is one day long, its first day only when it is longer.
func (f *Frame) slotTime(s int32) (int64, int32, uint8) {
	if s < 0 {
		return 0, 0, TimingNone
	}
	return f.slotAt[s], f.slotOff[s], f.slotTiming[s]
}
