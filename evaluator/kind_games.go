package evaluator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// The counting and sequence kinds over dates: games_count,
// meeting_distribution and max_consecutive.

func init() {
	Register(Kind{
		Name:        "games_count",
		Description: "each team plays at least min and at most max of the selected games (per team, per opponent, or in total)",
		Deviation:   "sum over teams (or team-opponent pairs, or the one total) of max(0, min - n, n - max), n = selected games",
		Compile:     compileGamesCount,
	})
	Register(Kind{
		Name:        "meeting_distribution",
		Description: "each team meets a given number of opponents a given number of times, such as 3 opponents twice and 12 once",
		Deviation:   "sum over teams of |opponents met k times - wanted| over the listed k, plus opponents met an unlisted number of times",
		Compile:     compileMeetingDistribution,
	})
	Register(Kind{
		Name:        "max_consecutive",
		Description: "in each team's own sequence of selected games, at most max home (or away) games in a row",
		Deviation:   "sum over runs of max(0, length - max); with run_length, plus max(0, runs of at least run_length - max_runs)",
		Compile:     compileMaxConsecutive,
	})
}

// --- games_count ---

type gamesCount struct {
	sel   *selector
	b     bounds
	scope string
	opps  []int32 // per-opponent scope: the opponents counted
}

func compileGamesCount(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams    []string `json:"teams"`
		Select   *Select  `json:"select"`
		Min, Max *int
		Scope    string `json:"scope"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &gamesCount{sel: sel, b: newBounds(p.Min, p.Max), scope: p.Scope}
	if r.scope == "total" {
		return b.Whole(r), nil
	}
	var teams []int32
	if p.Teams != nil {
		if teams, err = b.Teams("teams", p.Teams); err != nil {
			return nil, err
		}
	}
	if r.scope == "opponent" {
		for u := range b.Frame.NumTeams() {
			if sel.opps == nil || sel.opps[u] {
				r.opps = append(r.opps, int32(u))
			}
		}
	}
	return b.PerTeam(teams, r), nil
}

func (r *gamesCount) count(st *State, t int32, seq []int32, opp int32) int32 {
	if st == nil {
		return 0
	}
	gs := pickFrom(st, r.sel, t, seq)
	if opp < 0 {
		return int32(len(gs))
	}
	var n int32
	for _, g := range gs {
		if p := &st.games[g]; p.Home+p.Away-t == opp {
			n++
		}
	}
	return n
}

func (r *gamesCount) teamDev(st *State, t int32, seq []int32) int32 {
	if r.scope != "opponent" {
		return int32(r.b.dev(r.count(st, t, seq, -1)))
	}
	var d int32
	if st == nil {
		for _, u := range r.opps {
			if u != t {
				d += int32(r.b.dev(0))
			}
		}
		return d
	}
	// Count every opponent in one pass.
	n := int(st.nT)
	buf := st.buf2[:0]
	if cap(buf) < n {
		buf = make([]int32, 0, n)
	}
	per := buf[:n]
	clear(per)
	for _, g := range pickFrom(st, r.sel, t, seq) {
		p := &st.games[g]
		per[p.Home+p.Away-t]++
	}
	for _, u := range r.opps {
		if u != t {
			d += int32(r.b.dev(per[u]))
		}
	}
	st.buf2 = buf[:0]
	return d
}

func (r *gamesCount) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	var out []schemas.Violation
	one := func(opp int32, what string) {
		n := r.count(st, t, seq, opp)
		d := r.b.dev(n)
		if d == 0 {
			return
		}
		var gs []int32
		for _, g := range seq {
			p := &st.games[g]
			if (opp < 0 || p.Home+p.Away-t == opp) && r.sel.match(st, g, t) {
				gs = append(gs, g)
			}
		}
		teams := []int32{t}
		if opp >= 0 {
			teams = append(teams, opp)
		}
		out = append(out, st.violation(d, gs, teams, fmt.Sprintf("%s plays %s%s, the rule wants %s%s",
			st.teamLabel(t), count(n, "selected games"), what, r.b, st.gameList(gs, t))))
	}
	if r.scope != "opponent" {
		one(-1, "")
		return out
	}
	for _, u := range r.opps {
		if u != t {
			one(u, " against "+st.teamLabel(u))
		}
	}
	return out
}

func (r *gamesCount) wholeDev(st *State) int32 {
	if st == nil {
		return int32(r.b.dev(0))
	}
	var n int32
	for g := range int32(len(st.games)) {
		if r.sel.match(st, g, -1) {
			n++
		}
	}
	return int32(r.b.dev(n))
}

func (r *gamesCount) totalGames(st *State) []int32 {
	var gs []int32
	for g := range st.games {
		if r.sel.match(st, int32(g), -1) {
			gs = append(gs, int32(g))
		}
	}
	return gs
}

func (r *gamesCount) explainWhole(st *State) []schemas.Violation {
	gs := r.totalGames(st)
	n := int32(len(gs))
	return []schemas.Violation{st.violation(r.b.dev(n), gs, nil, fmt.Sprintf(
		"%s in all, the rule wants %s%s", count(n, "selected games"), r.b, st.gameList(gs, -1)))}
}

// gameList renders games for an explanation: ": KU hosts KSU on Sat
// 2026-01-03; ..." (at most 8, then how many more), or "" for none.
func (st *State) gameList(gs []int32, t int32) string {
	if len(gs) == 0 {
		return ""
	}
	parts := make([]string, 0, min(len(gs), 8))
	for i, g := range gs {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("and %d more", len(gs)-8))
			break
		}
		parts = append(parts, st.gameLine(g, t))
	}
	return ": " + strings.Join(parts, "; ")
}

// --- meeting_distribution ---

type meetingDistribution struct {
	sel  *selector
	want map[int32]int32 // times met -> opponents wanted
	// want as parallel lists in ascending times, for the hot path.
	wantK, wantN []int32
}

func compileMeetingDistribution(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams        []string         `json:"teams"`
		Select       *Select          `json:"select"`
		Distribution map[string]int32 `json:"distribution"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &meetingDistribution{sel: sel, want: map[int32]int32{}}
	for k, n := range p.Distribution {
		var times int32
		if _, err := fmt.Sscan(k, &times); err != nil || times < 0 || fmt.Sprint(times) != k {
			return nil, inputErr("params.distribution."+k, "a key is a number of meetings, such as \"2\"")
		}
		r.want[times] = n
	}
	for k := range r.want {
		r.wantK = append(r.wantK, k)
	}
	slices.Sort(r.wantK)
	for _, k := range r.wantK {
		r.wantN = append(r.wantN, r.want[k])
	}
	var teams []int32
	if p.Teams != nil {
		if teams, err = b.Teams("teams", p.Teams); err != nil {
			return nil, err
		}
	}
	return b.PerTeam(teams, r), nil
}

// met counts, per opponent, the selected meetings of t.
func (r *meetingDistribution) met(st *State, t int32, seq []int32) map[int32]int32 {
	m := map[int32]int32{}
	if st == nil {
		return m
	}
	for _, g := range seq {
		if r.sel.match(st, g, t) {
			p := &st.games[g]
			m[p.Home+p.Away-t]++
		}
	}
	return m
}

func (r *meetingDistribution) teamDev(st *State, t int32, seq []int32) int32 {
	// got[k] is how many opponents t meets k times, k >= 1; no one meets
	// an opponent more often than it has games.
	var got []int32
	if st != nil {
		nT := int(st.nT)
		buf := st.buf2[:0]
		if cap(buf) < nT+len(seq)+1 {
			buf = make([]int32, 0, nT+len(seq)+1)
		}
		buf = buf[:nT+len(seq)+1]
		clear(buf)
		per := buf[:nT]
		got = buf[nT:]
		for _, g := range pickFrom(st, r.sel, t, seq) {
			p := &st.games[g]
			per[p.Home+p.Away-t]++
		}
		for _, n := range per {
			if n > 0 {
				got[n]++
			}
		}
		st.buf2 = buf[:0]
	}
	var d int32
	for i, k := range r.wantK {
		if k == 0 {
			continue // opponents never met are what is left over
		}
		var n int32
		if int(k) < len(got) {
			n = got[k]
		}
		d += abs32(n - r.wantN[i])
	}
	for k := 1; k < len(got); k++ {
		if got[k] != 0 {
			if _, listed := slices.BinarySearch(r.wantK, int32(k)); !listed {
				d += got[k]
			}
		}
	}
	return d
}

func abs32(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

func (r *meetingDistribution) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	// Opponents in team order, so that the text is the same every time.
	met := r.met(st, t, seq)
	opps := make([]int32, 0, len(met))
	for u := range met {
		opps = append(opps, u)
	}
	slices.Sort(opps)
	byTimes := map[int32][]string{}
	for _, u := range opps {
		byTimes[met[u]] = append(byTimes[met[u]], st.teamLabel(u))
	}
	var parts []string
	for n := int32(1); n <= int32(len(seq)); n++ {
		if us := byTimes[n]; len(us) > 0 {
			parts = append(parts, fmt.Sprintf("%d %s (%s)", len(us), plural(n), strings.Join(us, ", ")))
		}
	}
	var wants []string
	for n := int32(1); n <= 64; n++ {
		if w, ok := r.want[n]; ok {
			wants = append(wants, fmt.Sprintf("%d %s", w, plural(n)))
		}
	}
	var gs []int32
	for _, g := range seq {
		if r.sel.match(st, g, t) {
			gs = append(gs, g)
		}
	}
	return []schemas.Violation{st.violation(int64(r.teamDev(st, t, seq)), gs, []int32{t}, fmt.Sprintf(
		"%s meets %s; the rule wants %s", st.teamLabel(t), strings.Join(parts, ", "), strings.Join(wants, ", ")))}
}

func plural(n int32) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return fmt.Sprintf("%d times", n)
}

// --- max_consecutive ---

type maxConsecutive struct {
	sel        *selector
	role       uint8
	max        int32
	runLength  int32
	maxRuns    int32
	countsRuns bool
}

func compileMaxConsecutive(b *Builder, raw json.RawMessage) (rule, error) {
	var p struct {
		Teams     []string `json:"teams"`
		Select    *Select  `json:"select"`
		Venue     string   `json:"venue"`
		Max       *int     `json:"max"`
		RunLength *int     `json:"run_length"`
		MaxRuns   *int     `json:"max_runs"`
	}
	if err := decodeParams(raw, &p); err != nil {
		return nil, err
	}
	sel, err := b.Selector("select", p.Select)
	if err != nil {
		return nil, err
	}
	r := &maxConsecutive{sel: sel, role: roleH, max: -1}
	if p.Venue == "away" {
		r.role = roleA
	}
	if p.Max != nil {
		r.max = int32(*p.Max)
	}
	if p.RunLength != nil {
		r.countsRuns, r.runLength, r.maxRuns = true, int32(*p.RunLength), 0
		if p.MaxRuns != nil {
			r.maxRuns = int32(*p.MaxRuns)
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

// runs calls fn with each maximal run of the rule's role in t's sequence
// of selected games. A neutral-site game or a game of the other role ends
// a run.
func (r *maxConsecutive) runs(st *State, t int32, seq []int32, fn func(run []int32)) {
	run := st.buf2[:0]
	defer func() { st.buf2 = run[:0] }()
	for _, g := range pickFrom(st, r.sel, t, seq) {
		if roleOf(t, st.games[g]) == r.role {
			run = append(run, g)
			continue
		}
		if len(run) > 0 {
			fn(run)
		}
		run = run[:0]
	}
	if len(run) > 0 {
		fn(run)
	}
}

func (r *maxConsecutive) teamDev(st *State, t int32, seq []int32) int32 {
	if st == nil {
		return 0
	}
	var d, long int32
	r.runs(st, t, seq, func(run []int32) {
		if r.max >= 0 {
			d += max(0, int32(len(run))-r.max)
		}
		if r.countsRuns && int32(len(run)) >= r.runLength {
			long++
		}
	})
	if r.countsRuns {
		d += max(0, long-r.maxRuns)
	}
	return d
}

func (r *maxConsecutive) explainTeam(st *State, t int32, seq []int32) []schemas.Violation {
	var out []schemas.Violation
	word := "home games"
	if r.role == roleA {
		word = "road games"
	}
	var long [][]int32
	r.runs(st, t, seq, func(run []int32) {
		n := int32(len(run))
		if r.max >= 0 && n > r.max {
			gs := append([]int32(nil), run...)
			out = append(out, st.violation(int64(n-r.max), gs, []int32{t}, fmt.Sprintf(
				"%s plays %d %s in a row, at most %d allowed%s", st.teamLabel(t), n, word, r.max, st.gameList(gs, t))))
		}
		if r.countsRuns && n >= r.runLength {
			long = append(long, append([]int32(nil), run...))
		}
	})
	if r.countsRuns && int32(len(long)) > r.maxRuns {
		var gs []int32
		for _, run := range long {
			gs = append(gs, run...)
		}
		out = append(out, st.violation(int64(int32(len(long))-r.maxRuns), gs, []int32{t}, fmt.Sprintf(
			"%s has %d runs of %d or more %s, at most %d allowed%s", st.teamLabel(t), len(long), r.runLength, word, r.maxRuns, st.gameList(gs, t))))
	}
	return out
}
