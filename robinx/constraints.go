package robinx

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/flextime/flextime/schemas"
)

// The params of each ITC2021 kind. Field order is the JSON key order, so
// the same file always gives the same bytes (and the same constraint_set
// hash). Min and Max are written only when the file gives them.

type ca1Params struct {
	Teams []string `json:"teams"`
	Slots []int    `json:"slots"`
	Min   *int64   `json:"min,omitempty"`
	Max   *int64   `json:"max,omitempty"`
	Mode  string   `json:"mode"`
}

type ca2Params struct {
	Teams1 []string `json:"teams1"`
	Teams2 []string `json:"teams2"`
	Slots  []int    `json:"slots"`
	Min    *int64   `json:"min,omitempty"`
	Max    *int64   `json:"max,omitempty"`
	Mode1  string   `json:"mode1"`
	Mode2  string   `json:"mode2"`
}

type ca3Params struct {
	Teams1 []string `json:"teams1"`
	Teams2 []string `json:"teams2"`
	Intp   int64    `json:"intp"`
	Min    *int64   `json:"min,omitempty"`
	Max    *int64   `json:"max,omitempty"`
	Mode1  string   `json:"mode1"`
	Mode2  string   `json:"mode2"`
}

// CA4 has the same attributes as CA2; only mode2 may also be EVERY.
type ca4Params = ca2Params

type ga1Params struct {
	Meetings [][2]string `json:"meetings"`
	Slots    []int       `json:"slots"`
	Min      *int64      `json:"min,omitempty"`
	Max      *int64      `json:"max,omitempty"`
}

type br1Params struct {
	Teams []string `json:"teams"`
	Slots []int    `json:"slots"`
	Intp  int64    `json:"intp"`
	Mode1 string   `json:"mode1"`
	Mode2 string   `json:"mode2"`
}

type br2Params struct {
	Teams    []string `json:"teams"`
	Slots    []int    `json:"slots"`
	Intp     int64    `json:"intp"`
	HomeMode string   `json:"homeMode"`
	Mode2    string   `json:"mode2"`
}

type fa2Params struct {
	Teams []string `json:"teams"`
	Slots []int    `json:"slots"`
	Intp  int64    `json:"intp"`
	Mode  string   `json:"mode"`
}

type se1Params struct {
	Teams []string `json:"teams"`
	Min   int64    `json:"min"`
	Mode1 string   `json:"mode1"`
}

// builder reads one kind's attributes. It returns the params and a
// one-sentence description; both are ignored once a.msg is set.
type builder func(a *attrs) (params any, name string)

var kinds = map[string]builder{
	"CA1": buildCA1, "CA2": buildCA2, "CA3": buildCA3, "CA4": buildCA4,
	"GA1": buildGA1, "BR1": buildBR1, "BR2": buildBR2, "FA2": buildFA2, "SE1": buildSE1,
}

func isKind(name string) bool { _, ok := kinds[name]; return ok }

// Modes as the ITC2021 rules define them. A value outside these would be
// scored by guesswork, so it is refused here, where the line is known.
var (
	homeAway    = []string{"H", "A"}
	homeAwayAll = []string{"H", "A", "HA"}
)

func buildCA1(a *attrs) (any, string) {
	p := ca1Params{
		Teams: a.teams("teams"), Slots: a.slots("slots"),
		Min: a.count("min", false), Max: a.count("max", true),
		Mode: a.mode("mode", homeAway...),
	}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("CA1: teams %s each play %s %sgames in slots %s",
		listText(p.Teams), bounds(p.Min, p.Max), modeWord(p.Mode), slotText(p.Slots))
}

func buildCA2(a *attrs) (any, string) {
	p := ca2Params{
		Teams1: a.teams("teams1"), Teams2: a.teams("teams2"), Slots: a.slots("slots"),
		Min: a.count("min", false), Max: a.count("max", true),
		Mode1: a.mode("mode1", homeAwayAll...), Mode2: a.mode("mode2", "GLOBAL"),
	}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("CA2: teams %s each play %s %sgames against teams %s in slots %s",
		listText(p.Teams1), bounds(p.Min, p.Max), modeWord(p.Mode1), listText(p.Teams2), slotText(p.Slots))
}

func buildCA3(a *attrs) (any, string) {
	p := ca3Params{
		Teams1: a.teams("teams1"), Teams2: a.teams("teams2"), Intp: a.intp(),
		Min: a.count("min", false), Max: a.count("max", true),
		Mode1: a.mode("mode1", homeAwayAll...), Mode2: a.mode("mode2", "SLOTS"),
	}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("CA3: teams %s each play %s %sgames against teams %s in every %d consecutive slots",
		listText(p.Teams1), bounds(p.Min, p.Max), modeWord(p.Mode1), listText(p.Teams2), p.Intp)
}

func buildCA4(a *attrs) (any, string) {
	p := ca4Params{
		Teams1: a.teams("teams1"), Teams2: a.teams("teams2"), Slots: a.slots("slots"),
		Min: a.count("min", false), Max: a.count("max", true),
		Mode1: a.mode("mode1", homeAwayAll...), Mode2: a.mode("mode2", "GLOBAL", "EVERY"),
	}
	if a.failed() {
		return nil, ""
	}
	in := "in slots"
	if p.Mode2 == "EVERY" {
		in = "in each of slots"
	}
	return p, fmt.Sprintf("CA4: teams %s together play %s %sgames against teams %s %s %s",
		listText(p.Teams1), bounds(p.Min, p.Max), modeWord(p.Mode1), listText(p.Teams2), in, slotText(p.Slots))
}

func buildGA1(a *attrs) (any, string) {
	p := ga1Params{
		Meetings: a.meetings("meetings"), Slots: a.slots("slots"),
		Min: a.count("min", false), Max: a.count("max", true),
	}
	if a.failed() {
		return nil, ""
	}
	ms := make([]string, len(p.Meetings))
	for i, m := range p.Meetings {
		ms[i] = m[0] + "-" + m[1]
	}
	return p, fmt.Sprintf("GA1: %s of the games %s take place in slots %s",
		bounds(p.Min, p.Max), listText(ms), slotText(p.Slots))
}

func buildBR1(a *attrs) (any, string) {
	p := br1Params{
		Teams: a.teams("teams"), Slots: a.slots("slots"), Intp: a.intp(),
		Mode1: a.mode("mode1", "LEQ"), Mode2: a.mode("mode2", homeAwayAll...),
	}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("BR1: teams %s each have at most %d %sbreaks in slots %s",
		listText(p.Teams), p.Intp, modeWord(p.Mode2), slotText(p.Slots))
}

func buildBR2(a *attrs) (any, string) {
	p := br2Params{
		Teams: a.teams("teams"), Slots: a.slots("slots"), Intp: a.intp(),
		HomeMode: a.mode("homeMode", "HA"), Mode2: a.mode("mode2", "LEQ"),
	}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("BR2: teams %s together have at most %d breaks in slots %s",
		listText(p.Teams), p.Intp, slotText(p.Slots))
}

func buildFA2(a *attrs) (any, string) {
	p := fa2Params{
		Teams: a.teams("teams"), Slots: a.slots("slots"), Intp: a.intp(),
		Mode: a.mode("mode", "H"),
	}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("FA2: any two of teams %s differ by at most %d home games after each of slots %s",
		listText(p.Teams), p.Intp, slotText(p.Slots))
}

func buildSE1(a *attrs) (any, string) {
	p := se1Params{Teams: a.teams("teams"), Min: derefCount(a.count("min", true)), Mode1: a.mode("mode1", "SLOTS")}
	if a.failed() {
		return nil, ""
	}
	return p, fmt.Sprintf("SE1: any two of teams %s have at least %d slots between their two games",
		listText(p.Teams), p.Min)
}

// resources are the declared teams and slots that constraints refer to.
type resources struct {
	teams map[string]bool
	slots map[int]bool
}

// groupAttrs name team and slot groups. The ITC2021 files leave them empty;
// a non-empty one would widen the constraint in a way this importer does
// not model, so it is refused rather than silently dropped.
var groupAttrs = []string{"teamGroups", "teamGroups1", "teamGroups2", "slotGroups"}

// constraint checks a constraint element and turns it into a document.
func (res *resources) constraint(c *rawConstraint) (schemas.Constraint, error) {
	a := &attrs{res: res, c: c}
	for _, g := range groupAttrs {
		if strings.TrimSpace(c.attrs[g]) != "" {
			a.fail("attribute %q: team and slot groups are not supported", g)
		}
	}
	params, name := kinds[c.kind](a)
	hard := false
	if typ, ok := a.need("type"); ok {
		switch typ {
		case "HARD":
			hard = true
		case "SOFT":
		default:
			a.fail("attribute %q: %q is not HARD or SOFT", "type", short(typ))
		}
	}
	penalty := a.count("penalty", true)
	if a.failed() {
		return schemas.Constraint{}, &inputError{line: c.line, where: c.where(), msg: a.msg}
	}
	raw, err := json.Marshal(params)
	if err != nil { // cannot happen with the types above
		return schemas.Constraint{}, &inputError{line: c.line, where: c.where(), msg: err.Error()}
	}
	priority := schemas.PriorityMedium
	if hard {
		priority = schemas.PriorityRequired
	}
	return schemas.Constraint{
		ID:       c.kind + "-" + strconv.Itoa(c.n),
		Name:     name,
		Kind:     c.kind,
		Hard:     hard,
		Penalty:  schemas.FixedInt(*penalty),
		Priority: priority,
		Params:   raw,
		Version:  1,
	}, nil
}

// attrs reads the attributes of one constraint element, keeping the first
// problem met so the builders read straight through.
type attrs struct {
	res *resources
	c   *rawConstraint
	msg string
}

func (a *attrs) failed() bool { return a.msg != "" }

func (a *attrs) fail(format string, args ...any) {
	if a.msg == "" {
		a.msg = fmt.Sprintf(format, args...)
	}
}

// need returns the trimmed value of a required attribute.
func (a *attrs) need(name string) (string, bool) {
	v, ok := a.c.attrs[name]
	if !ok {
		a.fail("missing attribute %q", name)
		return "", false
	}
	return strings.TrimSpace(v), true
}

// teams reads a ";"-separated list of declared team ids, in file order.
func (a *attrs) teams(name string) []string {
	v, ok := a.need(name)
	if !ok {
		return nil
	}
	items := splitList(v, ";")
	if len(items) == 0 {
		a.fail("attribute %q: empty list", name)
		return nil
	}
	for _, id := range items {
		if !a.res.teams[id] {
			a.fail("attribute %q: unknown team %q", name, short(id))
			return nil
		}
	}
	return items
}

// slots reads a ";"-separated list of declared slot ids, in file order.
func (a *attrs) slots(name string) []int {
	v, ok := a.need(name)
	if !ok {
		return nil
	}
	items := splitList(v, ";")
	if len(items) == 0 {
		a.fail("attribute %q: empty list", name)
		return nil
	}
	out := make([]int, len(items))
	for i, s := range items {
		n, msg := parseCount(s)
		if msg != "" {
			a.fail("attribute %q: %s", name, msg)
			return nil
		}
		if !a.res.slots[int(n)] {
			a.fail("attribute %q: unknown slot %d", name, n)
			return nil
		}
		out[i] = int(n)
	}
	return out
}

// meetings reads "home,away;home,away;" into pairs of declared teams.
func (a *attrs) meetings(name string) [][2]string {
	v, ok := a.need(name)
	if !ok {
		return nil
	}
	items := splitList(v, ";")
	if len(items) == 0 {
		a.fail("attribute %q: empty list", name)
		return nil
	}
	out := make([][2]string, len(items))
	for i, m := range items {
		h, w, ok := strings.Cut(m, ",")
		h, w = strings.TrimSpace(h), strings.TrimSpace(w)
		if !ok || h == "" || w == "" || strings.Contains(w, ",") {
			a.fail("attribute %q: %q is not a home,away pair", name, short(m))
			return nil
		}
		for _, id := range []string{h, w} {
			if !a.res.teams[id] {
				a.fail("attribute %q: unknown team %q", name, short(id))
				return nil
			}
		}
		out[i] = [2]string{h, w}
	}
	return out
}

// count reads a non-negative integer; nil when it is absent (or bad).
func (a *attrs) count(name string, required bool) *int64 {
	v, ok := a.c.attrs[name]
	if !ok {
		if required {
			a.fail("missing attribute %q", name)
		}
		return nil
	}
	n, msg := parseCount(v)
	if msg != "" {
		a.fail("attribute %q: %s", name, msg)
		return nil
	}
	return &n
}

func (a *attrs) intp() int64 { return derefCount(a.count("intp", true)) }

// mode reads a required attribute that must be one of allowed.
func (a *attrs) mode(name string, allowed ...string) string {
	v, ok := a.need(name)
	if !ok {
		return ""
	}
	for _, x := range allowed {
		if v == x {
			return v
		}
	}
	a.fail("attribute %q: %q is not one of %s", name, short(v), strings.Join(allowed, ", "))
	return ""
}

func derefCount(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// splitList splits a RobinX list, trimming items and dropping empty ones:
// the files end meeting lists with a separator ("1,11;2,3;").
func splitList(v, sep string) []string {
	var out []string
	for _, s := range strings.Split(v, sep) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Helpers for the generated names.

func bounds(lo, hi *int64) string {
	switch {
	case hi != nil && (lo == nil || *lo == 0):
		return fmt.Sprintf("at most %d", *hi)
	case hi != nil && *lo == *hi:
		return fmt.Sprintf("exactly %d", *hi)
	case hi != nil:
		return fmt.Sprintf("between %d and %d", *lo, *hi)
	case lo != nil:
		return fmt.Sprintf("at least %d", *lo)
	}
	return "any number of"
}

func modeWord(m string) string {
	switch m {
	case "H":
		return "home "
	case "A":
		return "away "
	}
	return ""
}

// listText keeps a name short when a list is long.
func listText(items []string) string {
	const show = 6
	if len(items) <= show+2 {
		return strings.Join(items, ",")
	}
	return strings.Join(items[:show], ",") + fmt.Sprintf(" and %d more", len(items)-show)
}

func slotText(slots []int) string {
	s := make([]string, len(slots))
	for i, n := range slots {
		s[i] = strconv.Itoa(n)
	}
	return listText(s)
}
