package evaluator

import (
	"fmt"
	"strings"
	"time"
)

// Day returns the game's local date as days since 1970-01-01: the date
// of its start in the offset the scheduler wrote.
func (p *Placement) Day() int32 {
	return int32(floorDiv(p.At+int64(p.Off), 86400))
}

// Weekday returns the local weekday of the game's start.
func (p *Placement) Weekday() time.Weekday {
	return time.Weekday((p.Day()%7 + 7 + 4) % 7) // 1970-01-01 was a Thursday
}

// Minute returns the local time of day of the start, in minutes.
func (p *Placement) Minute() int32 {
	return int32((p.At+int64(p.Off))-floorDiv(p.At+int64(p.Off), 86400)*86400) / 60
}

// Timed reports whether the game has a start (its own or its slot's).
func (p *Placement) Timed() bool { return p.At != 0 || p.Off != 0 }

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// dayOf parses a local date "2026-02-01" into days since 1970-01-01.
func dayOf(s string) (int32, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a date (YYYY-MM-DD)", s)
	}
	return int32(t.Unix() / 86400), nil
}

// dayString formats days since 1970-01-01 as "Sun 2026-02-01".
func dayString(d int32) string {
	return time.Unix(int64(d)*86400, 0).UTC().Format("Mon 2006-01-02")
}

// clockOf parses "19:30" into minutes after midnight.
func clockOf(s string) (int32, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day (HH:MM)", s)
	}
	return int32(t.Hour()*60 + t.Minute()), nil
}

var weekdayNames = map[string]time.Weekday{
	"Sun": time.Sunday, "Mon": time.Monday, "Tue": time.Tuesday, "Wed": time.Wednesday,
	"Thu": time.Thursday, "Fri": time.Friday, "Sat": time.Saturday,
}

// when describes a game's start for a sentence: "on Sun 2026-02-01",
// "in the window from Mon 2026-01-05" when its slot covers several days
// and it has no kick-off, or "in slot 7" when it has no date.
func (st *State) when(g int32) string {
	p := &st.games[g]
	switch {
	case !p.Timed():
		return fmt.Sprintf("in slot %d", st.m.Frame.SlotID(p.Slot))
	case p.Timing == TimingWindow:
		return "in the window from " + dayString(p.Day())
	}
	return "on " + dayString(p.Day())
}

// gameLine describes game g as a scheduler reads it, seen from team t when
// t is one of its teams: "KU plays at BYU on Sun 2026-02-01", "KU hosts
// KSU on Sat 2026-01-03", "KU plays BYU (neutral) on ...".
func (st *State) gameLine(g, t int32) string {
	p := &st.games[g]
	if t != p.Home && t != p.Away {
		t = p.Home
	}
	opp := p.Home + p.Away - t
	var verb string
	switch {
	case p.Neutral:
		verb = "plays " + st.teamLabel(opp) + " at a neutral site" + st.siteName(g)
	case t == p.Home:
		verb = "hosts " + st.teamLabel(opp)
	default:
		verb = "plays at " + st.teamLabel(opp)
	}
	return strings.TrimSpace(st.teamLabel(t) + " " + verb + " " + st.when(g))
}

// siteName names game g's venue for a sentence, " (T-Mobile Center)",
// when the schedule lists it; "" otherwise.
func (st *State) siteName(g int32) string {
	v := st.games[g].Venue
	f := st.m.Frame
	if v < 0 || int(v) >= f.NumVenues() {
		return ""
	}
	name := f.Venues[v].Name
	if name == "" {
		name = f.Venues[v].ID
	}
	return " (" + name + ")"
}
