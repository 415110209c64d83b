package schemas

import (
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Typed validation of the request and schedule documents: the rules of
// request.schema.json and schedule.schema.json written as Go, for the hot
// path. The schema validator cost a sixth of serve's CPU on every request;
// this walk costs a fraction of it. The schemas stay the documents' public
// meaning: TestTypedMatchesSchema and FuzzTypedMatchesSchema hold the two
// to the same verdict, the same field and the same message, which is why
// every message below is worded as message() words the validator's.

// typedPath is one step of the place being checked: an object key, or an
// array index when key is "" and idx >= 0.
type typedPath struct {
	key string
	idx int
}

// typedCheck collects every failure, as the schema validator does, so
// that validationError's choice (the deepest, an unknown property first,
// then document order) picks the same one.
type typedCheck struct {
	path   []typedPath
	leaves []leaf
}

func (c *typedCheck) key(k string) { c.path = append(c.path, typedPath{key: k, idx: -1}) }
func (c *typedCheck) idx(i int)    { c.path = append(c.path, typedPath{idx: i}) }
func (c *typedCheck) pop()         { c.path = c.path[:len(c.path)-1] }

func (c *typedCheck) fail(msg string, unknown bool) {
	loc := make([]string, len(c.path))
	for i, p := range c.path {
		if p.idx >= 0 {
			loc[i] = strconv.Itoa(p.idx)
		} else {
			loc[i] = p.key
		}
	}
	c.leaves = append(c.leaves, leaf{loc: loc, msg: msg, unknown: unknown})
}

// typeErr words a type failure as message(*kind.Type) does.
func (c *typedCheck) typeErr(v any, want ...string) {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = typeName(w)
	}
	c.fail("must be "+strings.Join(names, " or ")+" (got "+typeName(schemaType(v))+")", false)
}

// schemaType names v's JSON type as the validator does: every number is
// "number", integers included.
func schemaType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

// str checks a string of minLen to maxLen characters (maxLen 0: no most).
func (c *typedCheck) str(v any, minLen, maxLen int) {
	s, ok := v.(string)
	if !ok {
		c.typeErr(v, "string")
		return
	}
	if minLen == 0 && maxLen == 0 {
		return
	}
	n := utf8.RuneCountInString(s)
	if n < minLen {
		if minLen == 1 {
			c.fail("must not be empty", false)
		} else {
			c.fail("must have at least "+strconv.Itoa(minLen)+" characters", false)
		}
	}
	if maxLen > 0 && n > maxLen {
		c.fail("must have at most "+strconv.Itoa(maxLen)+" characters", false)
	}
}

func (c *typedCheck) boolean(v any) {
	if _, ok := v.(bool); !ok {
		c.typeErr(v, "boolean")
	}
}

// integer checks a JSON integer, which as in JSON Schema may be written
// 1.0 or 1e2; nullable also allows null.
func (c *typedCheck) integer(v any, nullable bool) (json.Number, bool) {
	if v == nil && nullable {
		return "", false
	}
	n, ok := v.(json.Number)
	if !ok || !isIntegral(n) {
		if nullable {
			c.typeErr(v, "null", "integer")
		} else {
			c.typeErr(v, "integer")
		}
		return "", false
	}
	return n, true
}

// isIntegral reports whether n is an integer in value.
func isIntegral(n json.Number) bool {
	if !strings.ContainsAny(string(n), ".eE") {
		return true
	}
	r, ok := new(big.Rat).SetString(string(n))
	return ok && r.IsInt()
}

// number checks a JSON number within [lo, hi], compared exactly.
func (c *typedCheck) number(v any, lo, hi int64) {
	n, ok := v.(json.Number)
	if !ok {
		c.typeErr(v, "number")
		return
	}
	c.rangeOf(n, lo, hi)
}

func (c *typedCheck) rangeOf(n json.Number, lo, hi int64) {
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < lo {
			c.fail("must be >= "+strconv.FormatInt(lo, 10), false)
		}
		if i > hi {
			c.fail("must be <= "+strconv.FormatInt(hi, 10), false)
		}
		return
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return
	}
	if r.Cmp(new(big.Rat).SetInt64(lo)) < 0 {
		c.fail("must be >= "+strconv.FormatInt(lo, 10), false)
	}
	if r.Cmp(new(big.Rat).SetInt64(hi)) > 0 {
		c.fail("must be <= "+strconv.FormatInt(hi, 10), false)
	}
}

// dateTime checks an RFC 3339 date-time string.
func (c *typedCheck) dateTime(v any) {
	s, ok := v.(string)
	if !ok {
		c.typeErr(v, "string")
		return
	}
	if !isDateTime(s) {
		c.fail("must be an RFC 3339 date-time (got "+show(s)+")", false)
	}
}

// object checks that v is an object with the required keys; with known
// non-nil, a key outside it is an unknown property. It returns the object
// when v is one.
func (c *typedCheck) object(v any, required []string, known func(string) bool) map[string]any {
	o, ok := v.(map[string]any)
	if !ok {
		c.typeErr(v, "object")
		return nil
	}
	var missing []string
	for _, r := range required {
		if _, ok := o[r]; !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) == 1 {
		c.fail("missing property "+quoteAll(missing, ""), false)
	} else if len(missing) > 1 {
		c.fail("missing properties "+quoteAll(missing, ", "), false)
	}
	if known != nil {
		var extra []string
		for k := range o {
			if !known(k) {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			slices.Sort(extra)
			if len(extra) == 1 {
				c.fail("unknown property "+quoteAll(extra, ""), true)
			} else {
				c.fail("unknown properties "+quoteAll(extra, ", "), true)
			}
		}
	}
	return o
}

// list checks an array (or null, when nullable) and each item with item.
func (c *typedCheck) list(v any, nullable bool, item func(any)) []any {
	if v == nil && nullable {
		return nil
	}
	a, ok := v.([]any)
	if !ok {
		if nullable {
			c.typeErr(v, "null", "array")
		} else {
			c.typeErr(v, "array")
		}
		return nil
	}
	for i, e := range a {
		c.idx(i)
		item(e)
		c.pop()
	}
	return a
}

// field checks o[k], when present, with check.
func (c *typedCheck) field(o map[string]any, k string, check func(any)) {
	if v, ok := o[k]; ok {
		c.key(k)
		check(v)
		c.pop()
	}
}

// result is the chosen failure, as validationError chooses it.
func (c *typedCheck) result(prefix string, root any) error {
	if len(c.leaves) == 0 {
		return nil
	}
	best := c.leaves[0]
	for _, l := range c.leaves[1:] {
		if l.better(best) {
			best = l
		}
	}
	return &FieldError{Field: fieldPath(prefix, root, best.loc), Msg: best.msg}
}

func oneOf(keys ...string) func(string) bool {
	return func(k string) bool { return slices.Contains(keys, k) }
}

var (
	teamKeys  = oneOf("id", "name", "venue", "lat", "lon", "tz")
	slotKeys  = oneOf("id", "start", "name", "days")
	venueKeys = oneOf("id", "name", "lat", "lon", "tz", "sports")
	gameKeys  = oneOf("id", "home", "away", "slot", "start", "venue", "network", "neutral", "kind", "sport", "locked")
)

// validateRequestTyped is requestSchema.validate("", v) in Go: the same
// verdict and the same error for every document.
func validateRequestTyped(v any) error {
	if err := checkNumbers("", v); err != nil {
		return err
	}
	c := &typedCheck{}
	c.request(v)
	return c.result("", v)
}

// validateScheduleTyped is scheduleSchema.validate(prefix, v) in Go.
func validateScheduleTyped(prefix string, v any) error {
	if err := checkNumbers(prefix, v); err != nil {
		return err
	}
	c := &typedCheck{}
	c.schedule(v)
	return c.result(prefix, v)
}

func (c *typedCheck) request(v any) {
	o := c.object(v, []string{"request_id", "schedule"}, nil)
	if o == nil {
		return
	}
	c.field(o, "request_id", func(v any) {
		c.str(v, 1, MaxRequestIDLen)
		if s, ok := v.(string); ok && hasControl(s) {
			c.fail("must match ^[^\\x00-\\x1F\\x7F]*$ (got "+show(s)+")", false)
		}
	})
	c.field(o, "revision", func(v any) { c.integer(v, false) })
	c.field(o, "schedule", c.schedule)
	c.field(o, "games", func(v any) { c.list(v, false, func(v any) { c.str(v, 0, 0) }) })
	c.field(o, "constraint_ids", func(v any) {
		a := c.list(v, false, func(v any) { c.str(v, 1, 0) })
		if i, j := firstDuplicate(a); i >= 0 {
			c.fail("items "+strconv.Itoa(i)+" and "+strconv.Itoa(j)+" are equal", false)
		}
	})
	c.field(o, "detail", func(v any) {
		if s, ok := v.(string); !ok || (s != DetailViolated && s != DetailAll) {
			c.fail("must be one of "+show(DetailViolated)+", "+show(DetailAll)+" (got "+show(v)+")", false)
		}
	})
}

// firstDuplicate returns the indices of the first item equal to an
// earlier one, and that earlier one, as the validator's uniqueItems
// reports them; -1 when the strings are all different. Items that are not
// strings fail a deeper rule, which wins over this one.
func firstDuplicate(a []any) (int, int) {
	if len(a) < 2 {
		return -1, -1
	}
	seen := make(map[string]int, len(a))
	for i, e := range a {
		s, ok := e.(string)
		if !ok {
			return -1, -1
		}
		if j, dup := seen[s]; dup {
			return j, i
		}
		seen[s] = i
	}
	return -1, -1
}

func (c *typedCheck) schedule(v any) {
	o := c.object(v, []string{"id", "sport"}, nil)
	if o == nil {
		return
	}
	c.field(o, "id", func(v any) { c.str(v, 1, MaxIDLen) })
	c.field(o, "sport", func(v any) { c.str(v, 1, MaxIDLen) })
	c.field(o, "teams", func(v any) { c.list(v, true, c.team) })
	c.field(o, "slots", func(v any) { c.list(v, true, c.slot) })
	c.field(o, "games", func(v any) { c.list(v, true, c.game) })
	c.field(o, "venues", func(v any) { c.list(v, true, c.venue) })
}

func (c *typedCheck) plainString(v any) { c.str(v, 0, 0) }
func (c *typedCheck) lat(v any)         { c.number(v, -90, 90) }
func (c *typedCheck) lon(v any)         { c.number(v, -180, 180) }

func (c *typedCheck) team(v any) {
	o := c.object(v, []string{"id"}, teamKeys)
	if o == nil {
		return
	}
	c.field(o, "id", func(v any) { c.str(v, 1, MaxIDLen) })
	c.field(o, "name", c.plainString)
	c.field(o, "venue", c.plainString)
	c.field(o, "lat", c.lat)
	c.field(o, "lon", c.lon)
	c.field(o, "tz", c.plainString)
}

func (c *typedCheck) slot(v any) {
	o := c.object(v, []string{"id"}, slotKeys)
	if o == nil {
		return
	}
	c.field(o, "id", func(v any) { c.integer(v, false) })
	c.field(o, "start", c.dateTime)
	c.field(o, "name", c.plainString)
	c.field(o, "days", func(v any) {
		if n, ok := c.integer(v, false); ok {
			c.rangeOf(n, 1, 366)
		}
	})
}

func (c *typedCheck) venue(v any) {
	o := c.object(v, []string{"id"}, venueKeys)
	if o == nil {
		return
	}
	c.field(o, "id", func(v any) { c.str(v, 1, 0) })
	c.field(o, "name", c.plainString)
	c.field(o, "lat", c.lat)
	c.field(o, "lon", c.lon)
	c.field(o, "tz", c.plainString)
	c.field(o, "sports", func(v any) { c.list(v, false, func(v any) { c.str(v, 1, 0) }) })
}

func (c *typedCheck) game(v any) {
	o := c.object(v, []string{"id", "home", "away"}, gameKeys)
	if o == nil {
		return
	}
	c.field(o, "id", func(v any) { c.str(v, 1, MaxIDLen) })
	c.field(o, "home", func(v any) { c.str(v, 1, MaxIDLen) })
	c.field(o, "away", func(v any) { c.str(v, 1, MaxIDLen) })
	c.field(o, "slot", func(v any) { c.integer(v, true) })
	c.field(o, "start", c.dateTime)
	c.field(o, "venue", c.plainString)
	c.field(o, "network", c.plainString)
	c.field(o, "neutral", c.boolean)
	c.field(o, "kind", c.plainString)
	c.field(o, "sport", c.plainString)
	c.field(o, "locked", c.boolean)
}

// isDateTime reports whether s is an RFC 3339 date-time (section 5.6:
// full-date "T" partial-time time-offset, T and Z in either case), with the
// leniencies of the schema validator the public schemas are checked with,
// so that both give the same verdict (TestTypedMatchesSchema): each
// two-character number of the time may carry a sign, as strconv.Atoi reads
// it ("+5", "-0"), and a leap second (:60) is allowed only when the time
// in UTC is 23:59.
func isDateTime(s string) bool {
	if len(s) < 20 || (s[10] != 'T' && s[10] != 't') {
		return false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return false
	}
	t := s[11:] // hh:mm:ss[.frac](Z|±hh:mm)
	if len(t) < 9 || t[2] != ':' || t[5] != ':' {
		return false
	}
	hour, okH := twoDigits(t[0:2], 23)
	minute, okM := twoDigits(t[3:5], 59)
	second, okS := twoDigits(t[6:8], 60)
	if !okH || !okM || !okS {
		return false
	}
	rest := t[8:]
	if len(rest) > 0 && rest[0] == '.' {
		n := 1
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 1 {
			return false // a dot needs at least one digit
		}
		rest = rest[n:]
	}
	utc := hour*60 + minute
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okOH := twoDigits(rest[1:3], 23)
		om, okOM := twoDigits(rest[4:6], 59)
		if !okOH || !okOM {
			return false
		}
		off := oh*60 + om
		if rest[0] == '+' {
			off = -off // local = UTC + offset
		}
		if utc += off; utc < 0 {
			utc += 24 * 60
		}
	default:
		return false
	}
	return second < 60 || utc == 23*60+59
}

// twoDigits reads a two-character field of a date-time as strconv.Atoi
// does, and checks it lies in 0..most.
func twoDigits(f string, most int) (int, bool) {
	n, err := strconv.Atoi(f)
	return n, err == nil && n >= 0 && n <= most
}
