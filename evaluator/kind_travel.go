package evaluator

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

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

// distTableMax is the most places (teams plus venues) whose distances are
// tabled when the rule compiles; beyond it they are computed per use, so
// that a document with thousands of venues cannot claim n² memory.
const distTableMax = 512

// travel scores a team's path through its selected games. A trip is a
// run of consecutive selected games that the team does not play at home
// (away and neutral-site games), no two of them more than returnDays days
// apart; it starts and ends at the team's home. A game is played at its
// venue when the schedule lists the venue (a neutral site has its own
// coordinates and time zone), else at its home team's home.
type travel struct {
	sel *selector
	// bounds in km or changes; -1 when absent.
	maxTrip, minTrip, maxSeason, maxTZ int64
	returnDays                         int32
	pl                                 *places
	nT, nV, n                          int32
	teamVenue                          []int32 // each team's venue as an interned id, -1 none
	// dist[a*n+b] is km(a, b) for located places, when n <= distTableMax.
	dist []float64
}

// defaultReturnDays is how many days apart two road games may be and
// still be one trip, by sport: a football team flies home between
// weekly games, a basketball team stays out between games 2 or 3 days
// apart.
func defaultReturnDays(sport string) int32 {
	switch strings.ToLower(sport) {
	case "football", "fb", "cfb":
		return 5
	}
	return 3
}

func compileTravel(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams        []string `json:"teams"`
		Select       *Select  `json:"select"`
		MaxTripKm    *int64   `json:"max_trip_km"`
		MinTripKm    *int64   `json:"min_trip_km"`
		MaxSeasonKm  *int64   `json:"max_season_km"`
		MaxTZChanges *int64   `json:"max_tz_changes"`
		ReturnDays   *int32   `json:"return_home_days"`
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
	f := b.Frame
	r := &travel{
		sel:     sel,
		maxTrip: opt(p.MaxTripKm), minTrip: opt(p.MinTripKm),
		maxSeason: opt(p.MaxSeasonKm), maxTZ: opt(p.MaxTZChanges),
		returnDays: defaultReturnDays(b.Sport),
		pl:         &f.place,
		nT:         int32(f.NumTeams()), nV: int32(f.NumVenues()),
		teamVenue: b.m.teamVenue,
	}
	if p.ReturnDays != nil {
		r.returnDays = *p.ReturnDays
	}
	r.n = r.nT + r.nV
	if r.n <= distTableMax {
		r.dist = make([]float64, r.n*r.n)
		for a := range r.n {
			for c := range r.n {
				if r.pl.located[a] && r.pl.located[c] {
					r.dist[a*r.n+c] = r.km(a, c)
				}
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

// km returns the great-circle (haversine) distance between places a and
// b, both located.
func (r *travel) km(a, b int32) float64 {
	if a == b {
		return 0
	}
	pl := r.pl
	sLat := math.Sin((pl.lat[b] - pl.lat[a]) / 2)
	sLon := math.Sin((pl.lon[b] - pl.lon[a]) / 2)
	h := sLat*sLat + pl.cosLat[a]*pl.cosLat[b]*sLon*sLon
	return 2 * earthRadiusKm * math.Asin(math.Sqrt(min(1, h)))
}

func (r *travel) d(a, b int32) float64 {
	if r.dist != nil {
		return r.dist[a*r.n+b]
	}
	return r.km(a, b)
}

// site returns the place game p is played at: its venue when the schedule
// lists it (a neutral site, or a home game away from the home arena), else
// its home team's home.
func (r *travel) site(p *Placement) int32 {
	if v := p.Venue; v >= 0 && v < r.nV && (p.Neutral || v != r.teamVenue[p.Home]) {
		return r.nT + v
	}
	return p.Home
}

// zoneOffset returns the UTC offset, in seconds, of zone z at Unix time at.
func zoneOffset(z *time.Location, at int64) int {
	_, off := time.Unix(at, 0).In(z).Zone()
	return off
}

// travelTrip is one road trip of a team: its length, and its games when
// they were asked for. measured is false when the team or every one of
// its stops lacks coordinates: the trip then has no length to bound.
type travelTrip struct {
	games    []int32
	km       float64
	measured bool
}

// tzStep is one time-zone change of a team's path, for an explanation:
// on reaching game g's site (g -1: back home) at Unix time at.
type tzStep struct {
	g        int32
	from, to *time.Location
	at       int64
}

// travelRec, when a walk is given one, records the trips and the
// time-zone changes it finds.
type travelRec struct {
	trips []travelTrip
	steps []tzStep
}

// travelWalk is the state of one walk through a team's games.
type travelWalk struct {
	r        *travel
	t        int32
	rec      *travelRec
	inTrip   bool
	measured bool
	fromHome bool
	at       int32 // the place the team is at
	km       float64
	season   float64
	dev      int64 // the trips' deviations
	zone     *time.Location
	changes  int64
	// lastAt is the Unix time of the last dated game walked, seen whether
	// any was (the return home happens after it).
	lastAt   int64
	seenDate bool
	tripFrom int // rec: where the current trip's games start in games
	games    []int32
}

// reach moves the team's clock to zone z at Unix time at: a change when
// the UTC offsets differ at that time (Phoenix and Denver agree in
// winter). A stop without a zone or a date is left out of the path.
func (w *travelWalk) reach(z *time.Location, at int64, g int32) {
	if z == nil || w.r.maxTZ < 0 {
		return
	}
	if w.zone != nil && w.zone != z && zoneOffset(w.zone, at) != zoneOffset(z, at) {
		w.changes++
		if w.rec != nil {
			w.rec.steps = append(w.rec.steps, tzStep{g: g, from: w.zone, to: z, at: at})
		}
	}
	w.zone = z
}

// goHome ends the current trip, if any, with the way back home.
func (w *travelWalk) goHome() {
	if !w.inTrip {
		return
	}
	r := w.r
	if w.fromHome {
		w.km += r.d(w.at, w.t)
	}
	w.season += w.km
	w.dev += r.tripKmDev(w.km, w.measured)
	if w.rec != nil {
		w.rec.trips = append(w.rec.trips, travelTrip{games: w.games[w.tripFrom:len(w.games):len(w.games)], km: w.km, measured: w.measured})
		w.tripFrom = len(w.games)
	}
	w.km, w.measured, w.inTrip, w.at = 0, false, false, w.t
}

// walk goes once through team t's selected games gs in time order and
// returns the trips' deviation, the season's km and the time-zone
// changes, recording trips and changes in rec when it is not nil.
//
// A trip runs from home through each located stop in order and back
// home; a stop without coordinates is skipped, and a team without
// coordinates travels nothing. Two road games more than returnDays local
// days apart are two trips, with a return home between them (games
// without a date never split a trip). The time-zone path is home, each
// game's site, home, each compared by UTC offset at the game's time; a
// stop without a time zone or a date is left out of it.
func (r *travel) walk(st *State, t int32, gs []int32, rec *travelRec) (trips int64, season float64, changes int64) {
	w := travelWalk{r: r, t: t, rec: rec, at: t, fromHome: r.pl.located[t], zone: r.pl.zone[t]}
	home := r.pl.zone[t]
	prevDay, prevDated := int32(0), false
	for _, g := range gs {
		p := &st.games[g]
		dated := p.Timed()
		var day int32
		if dated {
			day = st.day(g)
		}
		site := r.site(p)
		if p.Home == t && !p.Neutral {
			w.goHome()
		} else {
			if w.inTrip && dated && prevDated && day-prevDay > r.returnDays {
				w.goHome()
				w.reach(home, w.lastAt, -1)
			}
			w.inTrip = true
			if rec != nil {
				w.games = append(w.games, g)
			}
			if w.fromHome && r.pl.located[site] {
				w.km += r.d(w.at, site)
				w.measured = true
				w.at = site
			}
			prevDay, prevDated = day, dated
		}
		if dated {
			w.reach(r.pl.zone[site], p.At, g)
			w.lastAt, w.seenDate = p.At, true
		}
	}
	w.goHome()
	if w.seenDate {
		w.reach(home, w.lastAt, -1)
	}
	return w.dev, w.season, w.changes
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

// parts returns the three parts of team t's deviation: its trips, its
// season's km and its time-zone changes.
func (r *travel) parts(st *State, t int32, seq []int32, rec *travelRec) (trips, season, tz int64) {
	trips, km, changes := r.walk(st, t, pickFrom(st, r.sel, t, seq), rec)
	season = kmOver(km, r.maxSeason)
	if r.maxTZ >= 0 {
		tz = max(0, changes-r.maxTZ)
	}
	return trips, season, tz
}

// teamDev is the hot path: one walk, nothing recorded.
func (r *travel) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return 0
	}
	trips, season, tz := r.parts(st, t, seq, nil)
	return int32(min(trips+season+tz, math.MaxInt32))
}

func (r *travel) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	var out []schemas.Violation
	who := st.teamLabel(t)
	var rec travelRec
	_, season, tz := r.parts(st, t, seq, &rec)
	var all []int32
	var total float64
	for i := range rec.trips {
		tr := &rec.trips[i]
		all = append(all, tr.games...)
		total += tr.km
		d := r.tripDev(tr)
		if d == 0 {
			continue
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
	}
	if season > 0 {
		out = append(out, st.violation(season, all, []int32{t}, fmt.Sprintf(
			"%s travels %s km on %s, at most %s allowed", who, groupKm(int64(math.Ceil(total))),
			count(int32(len(rec.trips)), "trips"), groupKm(r.maxSeason))))
	}
	if tz > 0 {
		steps := make([]string, 0, len(rec.steps))
		var games []int32
		for _, s := range rec.steps {
			where := "back home"
			if s.g >= 0 {
				where = st.tripStops([]int32{s.g}, t)
				games = append(games, s.g)
			}
			steps = append(steps, fmt.Sprintf("%s (%s to %s)", where, s.from, s.to))
		}
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
			parts = append(parts, fmt.Sprintf("against %s at a neutral site%s %s", st.teamLabel(opp), st.siteName(g), st.when(g)))
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
