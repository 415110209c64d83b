package evaluator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/flextime/flextime/schemas"
)

// The calendar kinds: when and where games may be played. forbidden,
// season_window and start_times judge one game at a time; venue_unavailable
// judges a game against its venue's calendar; venue_turnaround looks at
// every venue's events in order; byes looks at the slots a team sits out.
//
// A game's own start is its kick-off; a slot's start only dates the games
// in it. A game without a kick-off is not yet timed: the rules that need
// a time of day (start_times, venue_turnaround, a selector's times, or
// its weekdays in a window of several days) never read its slot's
// midnight as one. They skip it, or, with untimed "flag", count it once
// as "not yet timed". A game with no date at all counts nothing.

func init() {
	Register(Kind{
		Name:        "forbidden",
		Description: "no selected game may be played, such as BYU on a Sunday or any game in an exam period",
		Deviation:   "the number of placed games selected from the side of either team; with untimed \"flag\", plus the games not yet timed that the selector's weekdays or times might select",
		Compile:     compileForbidden,
	})
	Register(Kind{
		Name:        "season_window",
		Description: "every selected game is played on a local date between from and to",
		Deviation:   "sum over selected games of the days its local date lies before from or after to (a game without a start counts 0)",
		Compile:     compileSeasonWindow,
	})
	Register(Kind{
		Name:        "start_times",
		Description: "every selected game starts at a local time inside one of the windows",
		Deviation:   "the number of selected games whose local kick-off time (minutes, ends inclusive) lies outside every window; a game not yet timed (no start of its own) counts 0, or 1 with untimed \"flag\"",
		Compile:     compileStartTimes,
	})
	Register(Kind{
		Name:        "venue_unavailable",
		Description: "no game of the given sports is played at the venue while it is unavailable",
		Deviation:   "the number of games at the venue, of the given sports, whose kick-off lies in a period (from inclusive, to exclusive); a game not yet timed counts when any of its slot's days overlaps a period",
		Compile:     compileVenueUnavailable,
	})
	Register(Kind{
		Name:        "venue_turnaround",
		Description: "between consecutive events at one venue there is enough time to turn the venue around",
		Deviation: "sum over consecutive timed events A then B at one venue (by kick-off, then game id) of ceil(max(0, need - gap) / 1 h), gap = B's kick-off - (A's kick-off + A's duration), " +
			"need = max(hours, after[A's sport], before[B's sport]) hours; events that start together use the longer duration and the stricter need either way; an event not yet timed counts 0, or 1 with untimed \"flag\"",
		Compile: compileVenueTurnaround,
	})
	Register(Kind{
		Name:        "byes",
		Description: "each team has between min and max byes (slots without a selected game), falling on the allowed weekdays, and none between two games of a kind to avoid (away-bye-away)",
		Deviation: "sum over teams of max(0, min - n, n - max), n = the team's byes (slots without a selected game), plus the byes whose slot starts on a weekday not in weekdays, " +
			"plus each run of byes between two selected games matching avoid_between",
		Compile: compileByes,
	})
}

// selectedSides returns the teams of game g from whose side sel selects
// it, home first.
func selectedSides(st *State, sel *selector, g int32) []int32 {
	p := &st.games[g]
	var out []int32
	for _, t := range [2]int32{p.Home, p.Away} {
		if sel.match(st, g, t) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		out = append(out, p.Home)
	}
	return out
}

// untimedFlag reads a kind's untimed param: "skip" (the default) or "flag".
func untimedFlag(v string) (bool, error) {
	switch v {
	case "", "skip":
		return false, nil
	case "flag":
		return true, nil
	}
	return false, inputErr("params.untimed", "%q is not skip or flag", v)
}

// calClock formats minutes after midnight as "19:00".
func calClock(m int32) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// calSpan formats a duration in seconds for a sentence: "4 h", "3 h 30 min",
// "45 min".
func calSpan(sec int64) string {
	neg := ""
	if sec < 0 {
		neg, sec = "-", -sec
	}
	h, m := sec/3600, (sec%3600+59)/60
	if m == 60 {
		h, m = h+1, 0
	}
	switch {
	case m == 0:
		return fmt.Sprintf("%s%d h", neg, h)
	case h == 0:
		return fmt.Sprintf("%s%d min", neg, m)
	}
	return fmt.Sprintf("%s%d h %d min", neg, h, m)
}

// internedName returns the string behind an interned id, "" for -1.
func (st *State) internedName(id int32) string {
	if id < 0 {
		return ""
	}
	for s, i := range st.m.dict {
		if i == id {
			return s
		}
	}
	for s, i := range st.dict {
		if i == id {
			return s
		}
	}
	return ""
}

// --- forbidden ---

type forbidden struct {
	sel  *selector
	flag bool // count the games not yet timed that might be forbidden
}

func compileForbidden(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Select  *Select `json:"select"`
		Untimed string  `json:"untimed"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	flag, err := untimedFlag(p.Untimed)
	if err != nil {
		return nil, err
	}
	return b.PerGame(&forbidden{sel: sel, flag: flag}), nil
}

func (r *forbidden) gameDev(st *State, g int32) int32 {
	if r.sel.match(st, g, -1) || (r.flag && r.sel.maybe(st, g)) {
		return 1
	}
	return 0
}

func (r *forbidden) explainGame(st *State, g int32, dev int32) schemas.Violation {
	if !r.sel.match(st, g, -1) {
		p := &st.games[g]
		return st.violation(int64(dev), []int32{g}, []int32{p.Home, p.Away},
			st.gameLine(g, p.Home)+", not yet timed: it may fall on a day or time the rule forbids")
	}
	ts := selectedSides(st, r.sel, g)
	return st.violation(int64(dev), []int32{g}, ts, st.gameLine(g, ts[0])+", which the rule forbids")
}

// --- season_window ---

type seasonWindow struct {
	sel          *selector
	from, to     int32 // days since 1970-01-01
	hasFr, hasTo bool
}

func compileSeasonWindow(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Select *Select `json:"select"`
		From   string  `json:"from"`
		To     string  `json:"to"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &seasonWindow{sel: sel}
	if p.From != "" {
		if r.from, err = dayOf(p.From); err != nil {
			return nil, inputErr("params.from", "%v", err)
		}
		r.hasFr = true
	}
	if p.To != "" {
		if r.to, err = dayOf(p.To); err != nil {
			return nil, inputErr("params.to", "%v", err)
		}
		r.hasTo = true
	}
	if !r.hasFr && !r.hasTo {
		return nil, inputErr("params", "needs from or to")
	}
	if r.hasFr && r.hasTo && r.to < r.from {
		return nil, inputErr("params.to", "the window ends before it starts")
	}
	return b.PerGame(r), nil
}

func (r *seasonWindow) gameDev(st *State, g int32) int32 {
	p := &st.games[g]
	if !p.Timed() || !r.sel.match(st, g, -1) {
		return 0
	}
	d := p.Day()
	switch {
	case r.hasFr && d < r.from:
		return r.from - d
	case r.hasTo && d > r.to:
		return d - r.to
	}
	return 0
}

func (r *seasonWindow) explainGame(st *State, g int32, dev int32) schemas.Violation {
	ts := selectedSides(st, r.sel, g)
	var msg string
	if r.hasFr && st.games[g].Day() < r.from {
		msg = fmt.Sprintf("%s, %s before the window opens on %s", st.gameLine(g, ts[0]), count(dev, "days"), dayString(r.from))
	} else {
		msg = fmt.Sprintf("%s, %s after the window closes on %s", st.gameLine(g, ts[0]), count(dev, "days"), dayString(r.to))
	}
	return st.violation(int64(dev), []int32{g}, ts, msg)
}

// --- start_times ---

type startTimes struct {
	sel     *selector
	windows [][2]int32 // minutes after midnight, inclusive
	label   string
	flag    bool // a selected game not yet timed counts 1
}

func compileStartTimes(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Select  *Select     `json:"select"`
		Windows []TimeRange `json:"windows"`
		Untimed string      `json:"untimed"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	flag, err := untimedFlag(p.Untimed)
	if err != nil {
		return nil, err
	}
	if len(p.Windows) == 0 {
		return nil, inputErr("params.windows", "needs at least one window")
	}
	r := &startTimes{sel: sel, flag: flag}
	labels := make([]string, 0, len(p.Windows))
	for i, w := range p.Windows {
		lo, err := clockOf(w.From)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.windows[%d].from", i), "%v", err)
		}
		hi, err := clockOf(w.To)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.windows[%d].to", i), "%v", err)
		}
		if hi < lo {
			// A window across midnight is two windows, each within a day.
			return nil, inputErr(fmt.Sprintf("params.windows[%d]", i), "ends before it starts; write a window across midnight as two")
		}
		r.windows = append(r.windows, [2]int32{lo, hi})
		labels = append(labels, calClock(lo)+"-"+calClock(hi))
	}
	r.label = strings.Join(labels, ", ")
	return b.PerGame(r), nil
}

func (r *startTimes) gameDev(st *State, g int32) int32 {
	p := &st.games[g]
	if p.Timing < TimingKickoff {
		if r.flag && (r.sel.match(st, g, -1) || r.sel.maybe(st, g)) {
			return 1
		}
		return 0
	}
	if !r.sel.match(st, g, -1) {
		return 0
	}
	m := p.Minute()
	for _, w := range r.windows {
		if m >= w[0] && m <= w[1] {
			return 0
		}
	}
	return 1
}

func (r *startTimes) explainGame(st *State, g int32, dev int32) schemas.Violation {
	ts := selectedSides(st, r.sel, g)
	noun := "window"
	if len(r.windows) > 1 {
		noun = "windows"
	}
	if st.games[g].Timing < TimingKickoff {
		return st.violation(int64(dev), []int32{g}, ts, fmt.Sprintf("%s, not yet timed: no kick-off to hold to the start %s %s",
			st.gameLine(g, ts[0]), noun, r.label))
	}
	return st.violation(int64(dev), []int32{g}, ts, fmt.Sprintf("%s at %s, outside the start %s %s",
		st.gameLine(g, ts[0]), calClock(st.games[g].Minute()), noun, r.label))
}

// --- venue_unavailable ---

type venueUnavailable struct {
	venue   int32
	name    string
	sports  []int32 // nil: any
	periods [][2]int64
	labels  [][2]string
}

func compileVenueUnavailable(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Venue   string   `json:"venue"`
		Sports  []string `json:"sports"`
		Periods []struct {
			From string `json:"from"`
			To   string `json:"to"`
		} `json:"periods"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	if p.Venue == "" {
		return nil, inputErr("params.venue", "must name a venue")
	}
	r := &venueUnavailable{venue: b.Intern(p.Venue), name: p.Venue}
	if p.Sports != nil {
		r.sports = make([]int32, 0, len(p.Sports))
		for _, s := range p.Sports {
			r.sports = append(r.sports, b.Intern(s))
		}
	}
	for i, pd := range p.Periods {
		from, err := time.Parse(time.RFC3339, pd.From)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.periods[%d].from", i), "%q is not an RFC 3339 time", pd.From)
		}
		to, err := time.Parse(time.RFC3339, pd.To)
		if err != nil {
			return nil, inputErr(fmt.Sprintf("params.periods[%d].to", i), "%q is not an RFC 3339 time", pd.To)
		}
		if !to.After(from) {
			return nil, inputErr(fmt.Sprintf("params.periods[%d]", i), "ends before it starts")
		}
		r.periods = append(r.periods, [2]int64{from.Unix(), to.Unix()})
		r.labels = append(r.labels, [2]string{pd.From, pd.To})
	}
	return b.PerGame(r), nil
}

// period returns the first period game g starts in, or -1.
func (r *venueUnavailable) period(st *State, g int32) int {
	p := &st.games[g]
	if p.Venue != r.venue || !p.Timed() || (r.sports != nil && !slices.Contains(r.sports, p.Sport)) {
		return -1
	}
	if p.Timing < TimingKickoff {
		// Not yet timed: its slot's local days, [first day, last day + 1).
		lo := int64(p.Day())*86400 - int64(p.Off)
		hi := lo + int64(st.m.Frame.slotDays[p.Slot])*86400
		for i, pd := range r.periods {
			if lo < pd[1] && pd[0] < hi {
				return i
			}
		}
		return -1
	}
	for i, pd := range r.periods {
		if p.At >= pd[0] && p.At < pd[1] {
			return i
		}
	}
	return -1
}

func (r *venueUnavailable) gameDev(st *State, g int32) int32 {
	if r.period(st, g) >= 0 {
		return 1
	}
	return 0
}

func (r *venueUnavailable) explainGame(st *State, g int32, dev int32) schemas.Violation {
	p := &st.games[g]
	i := max(r.period(st, g), 0)
	at := "at " + calClock(p.Minute())
	if p.Timing < TimingKickoff {
		at = "(not yet timed)"
	}
	return st.violation(int64(dev), []int32{g}, []int32{p.Home, p.Away}, fmt.Sprintf(
		"%s %s, but %s is unavailable from %s to %s",
		st.gameLine(g, p.Home), at, r.name, r.labels[i][0], r.labels[i][1]))
}

// --- venue_turnaround ---

// How long an event lasts, in minutes, when the params give no duration
// for its sport: a football game (sports footballSports) about 3.5 h, any
// other (basketball, volleyball, a gymnastics meet) about 2 h.
const (
	footballMinutes = 210
	otherMinutes    = 120
)

var footballSports = []string{"football", "fb", "cfb"}

type venueTurnaround struct {
	venues        []int32 // nil: every venue
	hours         int32
	before, after map[int32]int32 // by sport: hours needed free before / after
	dur           map[int32]int32 // by sport: minutes an event lasts
	durDefault    int32           // minutes, for sports not in dur; -1: by sport name
	football      []int32         // the football sports' interned ids
	flag          bool            // an event not yet timed counts 1
	// at is the slab that keeps, per game, the venue it was last scored
	// at plus one (0: not scored); the game listener's counter per game is
	// the hours short between the event before it at that venue and it
	// (1 for an event flagged as not yet timed).
	at int
}

func compileVenueTurnaround(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Venues   []string `json:"venues"`
		Hours    *int     `json:"hours"`
		Duration *int32   `json:"duration_minutes"`
		Untimed  string   `json:"untimed"`
		Sports   map[string]struct {
			Before   *int   `json:"before"`
			After    *int   `json:"after"`
			Duration *int32 `json:"duration_minutes"`
		} `json:"sports"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	if p.Hours == nil || *p.Hours < 0 {
		return nil, inputErr("params.hours", "must be a number of hours >= 0")
	}
	flag, err := untimedFlag(p.Untimed)
	if err != nil {
		return nil, err
	}
	r := &venueTurnaround{hours: int32(*p.Hours), before: map[int32]int32{}, after: map[int32]int32{},
		dur: map[int32]int32{}, durDefault: -1, flag: flag}
	if p.Duration != nil {
		r.durDefault = *p.Duration
	}
	for _, sp := range footballSports {
		r.football = append(r.football, b.Intern(sp))
	}
	if p.Venues != nil {
		r.venues = make([]int32, 0, len(p.Venues))
		for _, v := range p.Venues {
			r.venues = append(r.venues, b.Intern(v))
		}
	}
	for sport, h := range p.Sports {
		id := b.Intern(sport)
		if h.Before != nil {
			r.before[id] = int32(*h.Before)
		}
		if h.After != nil {
			r.after[id] = int32(*h.After)
		}
		if h.Duration != nil {
			r.dur[id] = *h.Duration
		}
	}
	r.at = b.GameSlab()
	b.OnGames(r)
	return r, nil
}

func (r *venueTurnaround) init([]int32) int64 { return 0 }

func (r *venueTurnaround) explain(st *State) []schemas.Violation { return r.explainWhole(st) }

// watches reports whether game g is an event at a venue the rule watches.
func (r *venueTurnaround) watches(st *State, g int32) bool {
	p := &st.games[g]
	return p.Slot >= 0 && p.Venue >= 0 && (r.venues == nil || slices.Contains(r.venues, p.Venue))
}

// timed reports whether a watched event has a kick-off to measure from.
func timed(st *State, g int32) bool { return st.games[g].Timing == TimingKickoff }

// duration returns how long event g lasts, in seconds.
func (r *venueTurnaround) duration(st *State, g int32) int64 {
	sp := st.games[g].Sport
	if d, ok := r.dur[sp]; ok {
		return int64(d) * 60
	}
	if r.durDefault >= 0 {
		return int64(r.durDefault) * 60
	}
	if slices.Contains(r.football, sp) {
		return footballMinutes * 60
	}
	return otherMinutes * 60
}

// onGames rescores the venues a moved game left or reached: each event
// there keeps the hours short between the event before it and itself.
func (r *venueTurnaround) onGames(st *State, short []int32) int64 {
	at := st.slab[r.at]
	vs := st.buf2[:0]
	touch := func(v int32) {
		if !slices.Contains(vs, v) {
			vs = append(vs, v)
		}
	}
	var d int64
	for _, g := range st.moved {
		if v := at[g]; v != 0 {
			touch(v - 1)
		}
		d -= int64(short[g])
		short[g], at[g] = 0, 0
		if r.watches(st, g) && timed(st, g) {
			touch(st.games[g].Venue)
		}
	}
	buf := st.buf[:0]
	if len(vs) > 0 {
		for g := range int32(len(st.games)) {
			if r.watches(st, g) && timed(st, g) && slices.Contains(vs, st.games[g].Venue) {
				buf = append(buf, g)
			}
		}
	}
	slices.SortFunc(buf, r.order(st))
	for i, b := range buf {
		pb := &st.games[b]
		var nu int32
		if i > 0 && st.games[buf[i-1]].Venue == pb.Venue {
			_, _, nu = r.gap(st, buf[i-1], b)
		}
		d += int64(nu - short[b])
		short[b], at[b] = nu, pb.Venue+1
	}
	if r.flag {
		for _, g := range st.moved {
			if r.watches(st, g) && !timed(st, g) {
				short[g] = 1
				d++
			}
		}
	}
	st.buf, st.buf2 = buf[:0], vs[:0]
	return d
}

// order is the order of events: by venue, start, then game id. Events
// that start together are ordered by id, not by their place in the games
// array, so that the document's order never changes a score.
func (r *venueTurnaround) order(st *State) func(a, b int32) int {
	return func(a, b int32) int {
		pa, pb := &st.games[a], &st.games[b]
		switch {
		case pa.Venue != pb.Venue:
			return int(pa.Venue - pb.Venue)
		case pa.At < pb.At:
			return -1
		case pa.At > pb.At:
			return 1
		}
		return strings.Compare(st.ids[a], st.ids[b])
	}
}

// gap returns, for consecutive events a then b at one venue, the free
// time between a's end and b's kick-off in seconds, the hours needed, and
// the whole hours short (rounded up). Two events that start together
// clash whichever is called first, so they need the stricter of the two
// directions and the longer of the two durations.
func (r *venueTurnaround) gap(st *State, a, b int32) (gap int64, need, short int32) {
	pa, pb := &st.games[a], &st.games[b]
	need = max(r.hours, r.after[pa.Sport], r.before[pb.Sport])
	dur := r.duration(st, a)
	if pa.At == pb.At {
		need = max(need, r.after[pb.Sport], r.before[pa.Sport])
		dur = max(dur, r.duration(st, b))
	}
	gap = pb.At - (pa.At + dur)
	if missing := int64(need)*3600 - gap; missing > 0 {
		short = int32((missing + 3599) / 3600)
	}
	return gap, need, short
}

// pairs calls fn for each pair of consecutive timed events at a venue the
// rule watches with too little time between them. It sorts in st.buf, so
// it does not allocate when warm.
func (r *venueTurnaround) pairs(st *State, fn func(a, b int32, gap int64, need, short int32)) {
	buf := st.buf[:0]
	for g := range int32(len(st.games)) {
		if r.watches(st, g) && timed(st, g) {
			buf = append(buf, g)
		}
	}
	slices.SortFunc(buf, r.order(st))
	for i := 1; i < len(buf); i++ {
		a, b := buf[i-1], buf[i]
		if st.games[a].Venue != st.games[b].Venue {
			continue
		}
		if gap, need, short := r.gap(st, a, b); short > 0 {
			fn(a, b, gap, need, short)
		}
	}
	st.buf = buf[:0]
}

func (r *venueTurnaround) explainWhole(st *State) []schemas.Violation {
	var out []schemas.Violation
	r.pairs(st, func(a, b int32, gap int64, need, short int32) {
		pa, pb := &st.games[a], &st.games[b]
		teams := []int32{pa.Home}
		if pb.Home != pa.Home {
			teams = append(teams, pb.Home)
		}
		free := ""
		if d := gap - (pb.At - pa.At); d != 0 {
			free = fmt.Sprintf(", %s after the first ends (it lasts %s)", calSpan(gap), calSpan(-d))
			if gap < 0 {
				free = fmt.Sprintf(", while the first is still on (it lasts %s)", calSpan(-d))
			}
		}
		out = append(out, st.violation(int64(short), []int32{a, b}, teams, fmt.Sprintf(
			"%s: %s, then %s %s later%s; the turnaround needs %d h, %s short",
			st.internedName(pb.Venue), r.event(st, a), r.event(st, b), calSpan(pb.At-pa.At), free, need, count(short, "hours"))))
	})
	if r.flag {
		for g := range int32(len(st.games)) {
			if r.watches(st, g) && !timed(st, g) {
				p := &st.games[g]
				out = append(out, st.violation(1, []int32{g}, []int32{p.Home}, fmt.Sprintf(
					"%s: %s, not yet timed: the turnaround cannot be checked", st.internedName(p.Venue), st.gameLine(g, p.Home))))
			}
		}
	}
	return out
}

// event describes one event at a venue: "KU hosts KSU on Sat 2026-01-03
// at 14:00 (mbb)".
func (r *venueTurnaround) event(st *State, g int32) string {
	p := &st.games[g]
	return fmt.Sprintf("%s at %s (%s)", st.gameLine(g, p.Home), calClock(p.Minute()), st.internedName(p.Sport))
}

// --- byes ---

type byes struct {
	sel      *selector // the games that fill a slot; a slot without one is a bye
	b        bounds
	weekdays uint8 // bit per time.Weekday; 0: any
	nS       int32
	slotDay  []int32 // per slot, the local date of its start
	bad      []bool  // per slot: a bye there falls on a weekday not allowed
	nBad     int32
	allowed  string
	// avoid: a run of byes between a game whose role (from the team's
	// side) is in avBefore and one in avAfter counts 1: away-bye-away.
	avoid             bool
	avBefore, avAfter uint8
	avBWord, avAWord  string
}

// roleMaskOf reads a role param ("home", "away", "any") as a role mask
// from the team's side; a neutral-site game is neither home nor away.
func roleMaskOf(v string) (uint8, string) {
	switch v {
	case "home":
		return maskH, "home"
	case "away":
		return maskA, "road"
	}
	return maskHA, "any"
}

func compileByes(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams    []string `json:"teams"`
		Select   *Select  `json:"select"`
		Min, Max *int
		Weekdays []string `json:"weekdays"`
		Avoid    *struct {
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"avoid_between"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	if p.Min != nil && p.Max != nil && *p.Min > *p.Max {
		return nil, inputErr("params.max", "is less than min")
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &byes{sel: sel, b: newBounds(p.Min, p.Max), nS: int32(b.Frame.NumSlots())}
	if p.Avoid != nil {
		r.avoid = true
		r.avBefore, r.avBWord = roleMaskOf(p.Avoid.Before)
		r.avAfter, r.avAWord = roleMaskOf(p.Avoid.After)
	}
	for i, w := range p.Weekdays {
		d, ok := weekdayNames[w]
		if !ok {
			return nil, inputErr(fmt.Sprintf("params.weekdays[%d]", i), "%q is not a weekday (Mon..Sun)", w)
		}
		r.weekdays |= 1 << d
	}
	r.allowed = strings.Join(p.Weekdays, ", ")
	r.slotDay = make([]int32, r.nS)
	r.bad = make([]bool, r.nS)
	for s := range r.nS {
		at, off, tm := b.Frame.slotTime(s)
		sp := Placement{At: at, Off: off, Timing: tm}
		r.slotDay[s] = sp.Day()
		if sp.Timed() && r.weekdays != 0 && r.weekdays&(1<<sp.Weekday()) == 0 {
			r.bad[s] = true
			r.nBad++
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

// played returns how many distinct slots gs (a team's selected games in
// slot order) covers and how many of those would be a bye on a weekday
// not allowed.
func (r *byes) played(st *State, gs []int32) (n, bad int32) {
	last := int32(-1)
	for _, g := range gs {
		s := st.games[g].Slot
		if s == last {
			continue
		}
		last = s
		n++
		if r.bad[s] {
			bad++
		}
	}
	return n, bad
}

// between calls fn with each two selected games of t that have byes
// between them and match avoid_between.
func (r *byes) between(st *State, t int32, gs []int32, fn func(a, b int32)) {
	for i := 1; i < len(gs); i++ {
		a, b := gs[i-1], gs[i]
		pa, pb := &st.games[a], &st.games[b]
		if pb.Slot-pa.Slot > 1 && r.avBefore&(1<<roleOf(t, *pa)) != 0 && r.avAfter&(1<<roleOf(t, *pb)) != 0 {
			fn(a, b)
		}
	}
}

func (r *byes) teamDev(st *State, t int32, seq []int32) int32 {
	n, bad := int32(0), int32(0)
	var avoided int32
	if st != nil {
		gs := pickFrom(st, r.sel, t, seq)
		n, bad = r.played(st, gs)
		if r.avoid {
			r.between(st, t, gs, func(int32, int32) { avoided++ })
		}
	}
	return int32(r.b.dev(r.nS-n)) + r.nBad - bad + avoided
}

// slotWhen names slot s for a sentence: "Sat 2026-01-10" or "slot 7".
func (r *byes) slotWhen(st *State, s int32) string {
	if at, off, _ := st.m.Frame.slotTime(s); at != 0 || off != 0 {
		return dayString(r.slotDay[s])
	}
	return fmt.Sprintf("slot %d", st.m.Frame.SlotID(s))
}

func (r *byes) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	f := st.m.Frame
	gs := append([]int32(nil), pickFrom(st, r.sel, t, seq)...)
	busy := make([]bool, r.nS)
	for _, g := range gs {
		busy[st.games[g].Slot] = true
	}
	var free []int32
	for s := range r.nS {
		if !busy[s] {
			free = append(free, s)
		}
	}
	var out []schemas.Violation
	n := int32(len(free))
	if d := r.b.dev(n); d != 0 {
		var v schemas.Violation
		if n == 0 {
			v = st.violation(d, gs, []int32{t}, fmt.Sprintf("%s has no bye, the rule wants %s%s",
				st.teamLabel(t), r.b, st.gameList(gs, t)))
		} else {
			whens := make([]string, 0, len(free))
			for _, s := range free {
				whens = append(whens, r.slotWhen(st, s))
			}
			var named []int32
			if n < r.b.lo {
				named = gs // the games that fill the slots a bye would need
			}
			v = st.violation(d, named, []int32{t}, fmt.Sprintf("%s has %s (%s), the rule wants %s",
				st.teamLabel(t), count(n, "byes"), strings.Join(whens, ", "), r.b))
			if named == nil {
				for _, s := range free {
					v.Slots = append(v.Slots, f.SlotID(s))
				}
			}
		}
		out = append(out, v)
	}
	for _, s := range free {
		if !r.bad[s] {
			continue
		}
		v := st.violation(1, nil, []int32{t}, fmt.Sprintf("%s has a bye on %s, which is not an allowed bye day (%s)",
			st.teamLabel(t), r.slotWhen(st, s), r.allowed))
		v.Slots = []int{f.SlotID(s)}
		out = append(out, v)
	}
	if r.avoid {
		r.between(st, t, gs, func(a, b int32) {
			out = append(out, st.violation(1, []int32{a, b}, []int32{t}, fmt.Sprintf(
				"%s has a bye between a %s game and a %s game, which the rule avoids%s",
				st.teamLabel(t), r.avBWord, r.avAWord, st.gameList([]int32{a, b}, t))))
		})
	}
	return out
}
