package cli

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// Limits of the plain outputs; --json always lists everything.
const (
	maxStructureLines = 20 // structure violations listed
	itcTopConstraints = 10 // constraints in the ITC2021 "most costly" table
	itcMessages       = 3  // violation messages per constraint there
	maxMessages       = 10 // violation messages per constraint in evaluate
	maxGameIDs        = 6  // game ids after one message
)

// itcReport is the JSON form of `flextime itc2021 evaluate`.
type itcReport struct {
	Instance      string                     `json:"instance"`
	Sport         string                     `json:"sport"`
	Infeasibility schemas.Fixed              `json:"infeasibility"`
	Objective     schemas.Fixed              `json:"objective"`
	Totals        schemas.Totals             `json:"totals"`
	Structure     []schemas.Violation        `json:"structure"`
	Constraints   []schemas.ConstraintResult `json:"constraints"`
	Published     *published                 `json:"published,omitempty"`
	DurationUS    int64                      `json:"duration_us"`
}

// published holds the values a solution file claims for itself.
type published struct {
	Infeasibility *int64 `json:"infeasibility,omitempty"`
	Objective     *int64 `json:"objective,omitempty"`
}

func itcReportOf(in *itcInput, st *evaluator.State, took time.Duration) *itcReport {
	n := len(st.Model().Constraints)
	r := &itcReport{
		Instance:      cmp.Or(in.inst.Name, in.inst.Sport),
		Sport:         in.inst.Sport,
		Infeasibility: st.Infeasibility(),
		Objective:     st.Objective(),
		Totals:        st.Totals(),
		Structure:     st.StructureViolations(),
		Constraints:   make([]schemas.ConstraintResult, n),
		DurationUS:    took.Microseconds(),
	}
	if r.Structure == nil {
		r.Structure = []schemas.Violation{}
	}
	for i := range n {
		r.Constraints[i] = st.ConstraintResult(i, true)
	}
	if in.sol.Infeasibility != nil || in.sol.Objective != nil {
		r.Published = &published{Infeasibility: in.sol.Infeasibility, Objective: in.sol.Objective}
	}
	return r
}

// writeITCPlain writes the human form of `flextime itc2021 evaluate`:
// totals, structure, then the most costly constraints.
func writeITCPlain(w io.Writer, in *itcInput, st *evaluator.State, took time.Duration) {
	m := st.Model()
	name := cmp.Or(in.inst.Name, in.inst.Sport)
	fmt.Fprintf(w, "%s (%s): %d teams, %d slots, %d games, %d constraints\n\n",
		name, in.inst.Sport, m.Frame.NumTeams(), m.Frame.NumSlots(), st.NumGames(), len(m.Constraints))

	structure := st.StructureViolations()
	kv := &keyValues{}
	kv.add("infeasibility", st.Infeasibility().String()+publishedNote(st.Infeasibility(), in.sol.Infeasibility))
	kv.add("objective", st.Objective().String()+publishedNote(st.Objective(), in.sol.Objective))
	writeCounts(kv, st)
	if len(structure) == 0 {
		kv.add("structure", "sound: "+describeStructure(m.Structure))
	} else {
		kv.add("structure", fmt.Sprintf("%d %s against a %s", len(structure), plural(len(structure), "violation", "violations"), describeStructure(m.Structure)))
	}
	kv.add("evaluated in", formatDuration(took))
	kv.write(w, "  ")

	if len(structure) > 0 {
		fmt.Fprintf(w, "\nStructure violations (%d):\n", len(structure))
		writeViolations(w, "  ", structure, maxStructureLines, false)
	}

	costly := costlyOrder(st, func(int) bool { return true })
	if len(costly) == 0 {
		fmt.Fprintln(w, "\nEvery constraint is satisfied.")
		return
	}
	shown := costly[:min(len(costly), itcTopConstraints)]
	if len(shown) < len(costly) {
		fmt.Fprintf(w, "\nThe %d most costly constraints (of %d with a cost):\n", len(shown), len(costly))
	} else {
		fmt.Fprintf(w, "\nConstraints with a cost (%d):\n", len(costly))
	}
	t := newTable("ID", "KIND", "TYPE", ">DEVIATION", ">COST")
	for _, ci := range shown {
		r := st.ConstraintResult(ci, true)
		t.add(r.ConstraintID, r.Kind, hardWord(r.Hard), strconv.FormatInt(r.Deviation, 10), r.Cost.String())
		t.notes(violationLines(r.Violations, itcMessages, false))
	}
	t.write(w, "  ")
}

// writeResultPlain writes the human form of `flextime evaluate`: totals,
// structure problems, hard violations, then soft ones by cost.
func writeResultPlain(w io.Writer, sched *schemas.Schedule, st *evaluator.State, res *schemas.Result, all bool, took time.Duration) {
	m := st.Model()
	fmt.Fprintf(w, "Schedule %s (%s): %d teams, %d slots, %d games, %d constraints\n\n",
		sched.ID, sched.Sport, len(sched.Teams), len(sched.Slots), len(sched.Games), len(m.Constraints))
	kv := &keyValues{}
	kv.add("infeasibility", res.Totals.Infeasibility.String())
	kv.add("objective", res.Totals.Objective.String())
	writeCounts(kv, st)
	kv.add("targets", targetVerdict(res.Totals))
	if len(res.Structure) == 0 {
		kv.add("structure", "sound")
	} else {
		kv.add("structure", fmt.Sprintf("%d %s", len(res.Structure), plural(len(res.Structure), "problem", "problems")))
	}
	kv.add("evaluated in", formatDuration(took))
	kv.write(w, "  ")

	if len(res.Structure) > 0 {
		fmt.Fprintf(w, "\nStructure problems (%d):\n", len(res.Structure))
		writeViolations(w, "  ", res.Structure, maxStructureLines, false)
	}
	names := make(map[string]string, len(m.Constraints))
	for i := range m.Constraints {
		names[m.Constraints[i].Doc.ID] = m.Constraints[i].Doc.Name
	}
	section := func(title string, hard bool) {
		order := costlyOrder(st, func(ci int) bool { return m.Constraints[ci].Doc.Hard == hard })
		if len(order) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s (%d):\n", title, len(order))
		t := newTable("ID", ">COST", ">DEVIATION", "NAME")
		for _, ci := range order {
			r := st.ConstraintResult(ci, true)
			t.add(r.ConstraintID, r.Cost.String(), strconv.FormatInt(r.Deviation, 10), names[r.ConstraintID])
			t.notes(violationLines(r.Violations, maxMessages, true))
		}
		t.write(w, "  ")
	}
	section("Hard violations", true)
	section("Soft violations, by cost", false)
	if all {
		var ok []int
		for ci := range m.Constraints {
			if st.Deviation(ci) == 0 {
				ok = append(ok, ci)
			}
		}
		if len(ok) > 0 {
			fmt.Fprintf(w, "\nSatisfied (%d):\n", len(ok))
			t := newTable("ID", "TYPE", "NAME")
			for _, ci := range ok {
				d := &m.Constraints[ci].Doc
				t.add(d.ID, hardWord(d.Hard), d.Name)
			}
			t.write(w, "  ")
		}
	}
	if res.Totals.Infeasibility == 0 && res.Totals.Objective == 0 && len(res.Structure) == 0 {
		fmt.Fprintln(w, "\nEvery constraint is satisfied.")
	}
}

// writeCounts adds the hard and soft counts to kv.
func writeCounts(kv *keyValues, st *evaluator.State) {
	tot := st.Totals()
	hard := 0
	for i := range st.Model().Constraints {
		if st.Model().Constraints[i].Doc.Hard {
			hard++
		}
	}
	soft := len(st.Model().Constraints) - hard
	kv.add("hard", fmt.Sprintf("%d of %d violated", tot.HardViolated, hard))
	kv.add("soft", fmt.Sprintf("%d of %d violated, %s%% satisfied", tot.SoftViolated, soft,
		strconv.FormatFloat(tot.SoftSatisfiedPct, 'f', -1, 64)))
}

// softTarget is the share of soft constraints a conference office aims to
// satisfy (the Big 12's own target); hard constraints must all hold.
const softTarget = 85.0

// targetVerdict says whether the schedule meets the usual targets: every
// hard constraint satisfied and softTarget % of the soft ones.
func targetVerdict(t schemas.Totals) string {
	hard := "hard 100% met"
	if t.HardViolated > 0 {
		hard = "hard 100% NOT met"
	}
	soft := fmt.Sprintf("soft %g%%+ met", softTarget)
	if t.SoftSatisfiedPct < softTarget {
		soft = fmt.Sprintf("soft %g%%+ NOT met", softTarget)
	}
	return hard + ", " + soft
}

// publishedNote compares a computed total with the value a solution file
// claims, when it claims one.
func publishedNote(got schemas.Fixed, claimed *int64) string {
	if claimed == nil {
		return ""
	}
	want := schemas.FixedInt(*claimed)
	if got == want {
		return fmt.Sprintf("  (published %d: matches)", *claimed)
	}
	diff := got - want
	sign := "+"
	if diff < 0 {
		sign = ""
	}
	return fmt.Sprintf("  (published %d: DIFFERS by %s%s)", *claimed, sign, diff)
}

// describeStructure says what round-robin format a model checks.
func describeStructure(s evaluator.Structure) string {
	var words []string
	if s.Compact {
		words = append(words, "compact")
	}
	if s.Phased {
		words = append(words, "phased")
	}
	switch s.RoundRobins {
	case 0:
		if len(words) == 0 {
			return "every game placed, at most one game per team and slot"
		}
		return strings.Join(words, " ") + " schedule"
	case 1:
		words = append(words, "single")
	case 2:
		words = append(words, "double")
	default:
		words = append(words, fmt.Sprintf("%d-fold", s.RoundRobins))
	}
	return strings.Join(words, " ") + " round robin"
}

// costlyOrder returns the constraints that keep accepts and that have a
// cost, most costly first, ties broken by id in natural order.
func costlyOrder(st *evaluator.State, keep func(ci int) bool) []int {
	cs := st.Model().Constraints
	var out []int
	for ci := range cs {
		if st.Deviation(ci) != 0 && keep(ci) {
			out = append(out, ci)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int {
		if c := cmp.Compare(st.Cost(b), st.Cost(a)); c != 0 {
			return c
		}
		return naturalCompare(cs[a].Doc.ID, cs[b].Doc.ID)
	})
	return out
}

// writeViolations lists violations one per line, at most limit of them.
func writeViolations(w io.Writer, indent string, vs []schemas.Violation, limit int, hint bool) {
	for _, line := range violationLines(vs, limit, hint) {
		fmt.Fprintln(w, indent+line)
	}
}

// violationLines renders up to limit violations as "- message [games a,
// b]", with a last line saying how many were left out.
func violationLines(vs []schemas.Violation, limit int, hint bool) []string {
	var out []string
	for i, v := range vs {
		if i == limit {
			more := fmt.Sprintf("... and %d more", len(vs)-limit)
			if hint {
				more += " (--json lists them all)"
			}
			out = append(out, more)
			break
		}
		out = append(out, "- "+v.Message+gameList(v.Message, v.Games))
	}
	return out
}

// gameList names the games of a violation after its message, unless the
// message already names them all. Repeats are listed once.
func gameList(msg string, games []string) string {
	var ids []string
	missing := false
	for _, g := range games {
		if slices.Contains(ids, g) {
			continue
		}
		ids = append(ids, g)
		if !mentions(msg, g) {
			missing = true
		}
	}
	switch {
	case !missing:
		return ""
	case len(ids) <= maxGameIDs:
		return " [" + plural(len(ids), "game ", "games ") + strings.Join(ids, ", ") + "]"
	}
	return fmt.Sprintf(" [games %s, ... %d more]", strings.Join(ids[:maxGameIDs], ", "), len(ids)-maxGameIDs)
}

// mentions reports whether msg holds id as a word of its own: "6-4" is
// in "6-4 in slot 1" but not in "16-4 in slot 1".
func mentions(msg, id string) bool {
	word := func(b byte) bool {
		return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_' || b == '-'
	}
	for off := 0; ; {
		i := strings.Index(msg[off:], id)
		if i < 0 {
			return false
		}
		i += off
		end := i + len(id)
		if (i == 0 || !word(msg[i-1])) && (end == len(msg) || !word(msg[end])) {
			return true
		}
		off = i + 1
	}
}

func hardWord(hard bool) string {
	if hard {
		return "hard"
	}
	return "soft"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatDuration rounds a duration to three significant digits or so.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// naturalCompare orders strings with their digit runs compared as
// numbers, so that "CA1-2" comes before "CA1-10".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), strings.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		ra, sa := utf8.DecodeRuneInString(a)
		rb, sb := utf8.DecodeRuneInString(b)
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		a, b = a[sa:], b[sb:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// keyValues is a list of "key  value" lines with the values aligned.
type keyValues struct{ keys, values []string }

func (kv *keyValues) add(k, v string) {
	kv.keys = append(kv.keys, k)
	kv.values = append(kv.values, v)
}

func (kv *keyValues) write(w io.Writer, indent string) {
	width := 0
	for _, k := range kv.keys {
		width = max(width, utf8.RuneCountInString(k))
	}
	for i, k := range kv.keys {
		fmt.Fprintf(w, "%s%s%s  %s\n", indent, k, strings.Repeat(" ", width-utf8.RuneCountInString(k)), kv.values[i])
	}
}

// table is a text table with aligned columns and, under each row, lines
// of notes that do not take part in the alignment. A header starting with
// ">" is right-aligned (the ">" is not printed). The last column is not
// padded.
type table struct {
	right []bool
	rows  [][]string
	extra [][]string // notes under each row
}

func newTable(header ...string) *table {
	t := &table{right: make([]bool, len(header))}
	cells := make([]string, len(header))
	for i, h := range header {
		cells[i], t.right[i] = strings.CutPrefix(h, ">")
	}
	t.rows = append(t.rows, cells)
	t.extra = append(t.extra, nil)
	return t
}

func (t *table) add(cells ...string) {
	t.rows = append(t.rows, cells)
	t.extra = append(t.extra, nil)
}

// notes attaches lines under the last row.
func (t *table) notes(lines []string) {
	t.extra[len(t.extra)-1] = append(t.extra[len(t.extra)-1], lines...)
}

func (t *table) write(w io.Writer, indent string) {
	widths := make([]int, len(t.right))
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	var b strings.Builder
	for ri, r := range t.rows {
		b.Reset()
		b.WriteString(indent)
		for i, c := range r {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			switch {
			case t.right[i]:
				b.WriteString(pad + c)
			case i < len(r)-1:
				b.WriteString(c + pad)
			default:
				b.WriteString(c)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		for _, n := range t.extra[ri] {
			fmt.Fprintln(w, indent+"    "+n)
		}
	}
}
