package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// The travel kind: road-trip length, season distance and time-zone
// changes, from the teams' coordinates and time zones.

func init() {
	Register(Kind{
		Name:        "travel",
		Description: "bounds each team's road trips and season travel in great-circle km, and its time-zone changes",
		Deviation: "sum over teams of: per trip, ceil(km - max_trip_km) when over and ceil(min_trip_km - km) when under; " +
			"ceil(season km - max_season_km) when over; max(0, time-zone changes - max_tz_changes)",
		Compile: compileTravel,
	})
}

// earthRadiusKm is the mean Earth radius (IUGG) in km, as the params
// schema's description states it.
const earthRadiusKm = 6371.0088

// travel scores a team's path through its selected games. A trip is a
// maximal run of consecutive selected games that the team does not play
// at home (away and neutral-site games); it starts and ends at the
// team's home. A game is located at its home team's arena, neutral-site
// games included: the schedule document has no coordinates for sites.
type travel struct {
	sel *selector
	// bounds in km or changes; -1 when absent.
	maxTrip, minTrip, maxSeason, maxTZ int64
	// per team: whether it has coordinates, and its latitude (radians,
	// with its cosine) and longitude (radians); its time zone, "" unknown.
	located []bool
	lat     []float64
	cosLat  []float64
	lon     []float64
	tz      []string
	// Precomputed for the hot path: dist[a*n+b] is km(a, b) for located
	// teams, and tzID a team's time zone as a small id, -1 unknown.
	n    int32
	dist []float64
	tzID []int32
}

func compileTravel(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams        []string `json:"teams"`
		Select       *Select  `json:"select"`
		MaxTripKm    *int64   `json:"max_trip_km"`
		MinTripKm    *int64   `json:"min_trip_km"`
		MaxSeasonKm  *int64   `json:"max_season_km"`
		MaxTZChanges *int64   `json:"max_tz_changes"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	opt := func(v *int64) int64 {
		if v == nil {
			return -1
		}
		return *v
	}
	n := b.Frame.NumTeams()
	r := &travel{
		sel:     sel,
		maxTrip: opt(p.MaxTripKm), minTrip: opt(p.MinTripKm),
		maxSeason: opt(p.MaxSeasonKm), maxTZ: opt(p.MaxTZChanges),
		located: make([]bool, n), lat: make([]float64, n), cosLat: make([]float64, n),
		lon: make([]float64, n), tz: make([]string, n),
	}
	for i, tm := range b.Frame.Teams {
		r.tz[i] = tm.TZ
		if tm.Lat == nil || tm.Lon == nil {
			continue
		}
		r.located[i] = true
		r.lat[i] = *tm.Lat * math.Pi / 180
		r.cosLat[i] = math.Cos(r.lat[i])
		r.lon[i] = *tm.Lon * math.Pi / 180
	}
	r.n = int32(n)
	r.dist = make([]float64, n*n)
	r.tzID = make([]int32, n)
	zones := map[string]int32{}
	for a := range int32(n) {
		r.tzID[a] = -1
		if z := r.tz[a]; z != "" {
			if _, ok := zones[z]; !ok {
				zones[z] = int32(len(zones))
			}
			r.tzID[a] = zones[z]
		}
		for b := range int32(n) {
			if r.located[a] && r.located[b] {
				r.dist[a*r.n+b] = r.km(a, b)
			}
		}
	}
	var teams []int32
	if p.Teams != nil {
		if teams, err = b.Teams("teams", p.Teams); err != nil {
			return nil, err
		}
	}
	return b.PerTeam(teams, r), nil
}

// km returns the great-circle (haversine) distance between the arenas of
// teams a and b, both located.
func (r *travel) km(a, b int32) float64 {
	if a == b {
		return 0
	}
	sLat := math.Sin((r.lat[b] - r.lat[a]) / 2)
	sLon := math.Sin((r.lon[b] - r.lon[a]) / 2)
	h := sLat*sLat + r.cosLat[a]*r.cosLat[b]*sLon*sLon
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(1, h)))
}

// travelTrip is one road trip of a team: its length, and its games when
// they were asked for. measured is false when the team or every one of
// its stops lacks coordinates: the trip then has no length to bound.
type travelTrip struct {
	games    []int32
	km       float64
	measured bool
}

// walk goes once through team t's selected games in seq, in time order.
// It calls onTrip (when not nil) with each road trip, listing the trip's
// games when collect is set (the list is reused after the call), and
// returns the season's km and the number of time-zone changes.
//
// A trip runs from home through each located stop in order and back
// home; a stop whose host has no coordinates is skipped, and a team
// without coordinates travels nothing. The time-zone path is home, each
// game's host (the team itself for a home game), home; a stop without a
// time zone is left out of it.
func (r *travel) walk(st *State, t int32, seq []int32, collect bool, onTrip func(tr *travelTrip)) (season float64, changes int64) {
	var tr travelTrip
	inTrip, at, fromHome, zone := false, t, r.located[t], r.tz[t]
	endTrip := func() {
		if !inTrip {
			return
		}
		if fromHome {
			tr.km += r.km(at, t)
		}
		season += tr.km
		if onTrip != nil {
			onTrip(&tr)
		}
		tr = travelTrip{games: tr.games[:0]}
		inTrip, at = false, t
	}
	reach := func(host int32) {
		if z := r.tz[host]; z != "" {
			if zone != "" && z != zone {
				changes++
			}
			zone = z
		}
	}
	for _, g := range seq {
		if !r.sel.match(st, g, t) {
			continue
		}
		p := &st.games[g]
		reach(p.Home)
		if p.Home == t && !p.Neutral {
			endTrip()
			continue
		}
		inTrip = true
		if collect {
			tr.games = append(tr.games, g)
		}
		if fromHome && r.located[p.Home] {
			tr.km += r.km(at, p.Home)
			tr.measured = true
			at = p.Home
		}
	}
	endTrip()
	reach(t)
	return season, changes
}

// kmOver returns ceil(x - bound) when x exceeds bound, else 0.
func kmOver(x float64, bound int64) int64 {
	if bound < 0 || x <= float64(bound) {
		return 0
	}
	return int64(math.Ceil(x - float64(bound)))
}

// tripDev is the deviation of one trip.
func (r *travel) tripDev(tr *travelTrip) int64 { return r.tripKmDev(tr.km, tr.measured) }

func (r *travel) tripKmDev(km float64, measured bool) int64 {
	if !measured {
		return 0
	}
	d := kmOver(km, r.maxTrip)
	if r.minTrip >= 0 && km < float64(r.minTrip) {
		d += int64(math.Ceil(float64(r.minTrip) - km))
	}
	return d
}

// score returns the season and time-zone parts of team t's deviation,
// calling onTrip (when not nil) with each trip and its deviation.
func (r *travel) score(st *State, t int32, seq []int32, collect bool, onTrip func(tr *travelTrip, d int64)) (season, tz int64) {
	if st == nil {
		return 0, 0
	}
	km, changes := r.walk(st, t, seq, collect, func(tr *travelTrip) {
		if onTrip != nil {
			onTrip(tr, r.tripDev(tr))
		}
	})
	season = kmOver(km, r.maxSeason)
	if r.maxTZ >= 0 {
		tz = max(0, changes-r.maxTZ)
	}
	return season, tz
}

// teamDev is what score sums, walked as walk does but from the
// precomputed distances and zone ids, without closures: the hot path.
func (r *travel) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return 0
	}
	var d, changes int64
	var km, season float64
	inTrip, measured, at, fromHome, zone := false, false, t, r.located[t], r.tzID[t]
	for _, g := range pickFrom(st, r.sel, t, seq) {
		p := &st.games[g]
		if z := r.tzID[p.Home]; z >= 0 {
			if zone >= 0 && z != zone {
				changes++
			}
			zone = z
		}
		if p.Home == t && !p.Neutral {
			if inTrip {
				if fromHome {
					km += r.dist[at*r.n+t]
				}
				season += km
				d += r.tripKmDev(km, measured)
				km, measured, inTrip, at = 0, false, false, t
			}
			continue
		}
		inTrip = true
		if fromHome && r.located[p.Home] {
			km += r.dist[at*r.n+p.Home]
			measured = true
			at = p.Home
		}
	}
	if inTrip {
		if fromHome {
			km += r.dist[at*r.n+t]
		}
		season += km
		d += r.tripKmDev(km, measured)
	}
	if z := r.tzID[t]; z >= 0 && zone >= 0 && z != zone {
		changes++
	}
	sd := kmOver(season, r.maxSeason)
	var tz int64
	if r.maxTZ >= 0 {
		tz = max(0, changes-r.maxTZ)
	}
	return int32(min(d+sd+tz, math.MaxInt32))
}

// tzSteps lists, for an explanation, where team t's path changes time
// zone, as walk counts the changes: "at BYU on Sat 2026-01-10
// (America/Chicago to America/Denver)", "back home (...)".
func (r *travel) tzSteps(st *State, t int32, seq []int32) (steps []string, games []int32) {
	zone := r.tz[t]
	reach := func(host, g int32) {
		z := r.tz[host]
		if z == "" {
			return
		}
		if zone != "" && z != zone {
			where := "back home"
			if g >= 0 {
				where = st.tripStops([]int32{g}, t)
				games = append(games, g)
			}
			steps = append(steps, fmt.Sprintf("%s (%s to %s)", where, zone, z))
		}
		zone = z
	}
	for _, g := range seq {
		if r.sel.match(st, g, t) {
			reach(st.games[g].Home, g)
		}
	}
	reach(t, -1)
	return steps, games
}

func (r *travel) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	var out []schemas.Violation
	who := st.teamLabel(t)
	var all []int32
	var total float64
	var nTrips int32
	season, tz := r.score(st, t, seq, true, func(tr *travelTrip, d int64) {
		all = append(all, tr.games...)
		total += tr.km
		nTrips++
		if d == 0 {
			return
		}
		// The km shown differ from the bound by the deviation: rounded
		// up when over the maximum, down when under the minimum.
		var shown string
		var rules []string
		if r.maxTrip >= 0 && tr.km > float64(r.maxTrip) {
			shown = groupKm(int64(math.Ceil(tr.km)))
			rules = append(rules, fmt.Sprintf("at most %s allowed", groupKm(r.maxTrip)))
		}
		if r.minTrip >= 0 && tr.km < float64(r.minTrip) {
			shown = groupKm(int64(math.Floor(tr.km)))
			rules = append(rules, fmt.Sprintf("at least %s wanted", groupKm(r.minTrip)))
		}
		gs := slices.Clone(tr.games)
		out = append(out, st.violation(d, gs, []int32{t}, fmt.Sprintf(
			"%s's trip %s covers %s km, %s", who, st.tripStops(gs, t), shown, strings.Join(rules, " and "))))
	})
	if season > 0 {
		out = append(out, st.violation(season, all, []int32{t}, fmt.Sprintf(
			"%s travels %s km on %s, at most %s allowed", who, groupKm(int64(math.Ceil(total))),
			count(nTrips, "trips"), groupKm(r.maxSeason))))
	}
	if tz > 0 {
		steps, games := r.tzSteps(st, t, seq)
		out = append(out, st.violation(tz, games, []int32{t}, fmt.Sprintf(
			"%s changes time zone %s, at most %d allowed: %s", who, plural(int32(len(steps))), r.maxTZ, strings.Join(steps, "; "))))
	}
	return out
}

// tripStops describes the stops of team t: "at BYU on Sat 2026-01-10,
// at UTAH on Mon 2026-01-12"; a neutral-site game reads "against WVU at a
// neutral site on ...", a home game "at home against KSU on ...".
func (st *State) tripStops(gs []int32, t int32) string {
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		p := &st.games[g]
		opp := p.Home + p.Away - t
		switch {
		case p.Neutral:
			parts = append(parts, fmt.Sprintf("against %s at a neutral site %s", st.teamLabel(opp), st.when(g)))
		case p.Home == t:
			parts = append(parts, fmt.Sprintf("at home against %s %s", st.teamLabel(opp), st.when(g)))
		default:
			parts = append(parts, fmt.Sprintf("at %s %s", st.teamLabel(opp), st.when(g)))
		}
	}
	return strings.Join(parts, ", ")
}

// groupKm renders a whole number with thousands separators: "12,345".
func groupKm(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
