package schemas

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// validationError turns the validator's tree of causes into one FieldError:
// the deepest leaf, the first in document order among equals, so that the
// message is one line naming the field and the problem.
func validationError(prefix string, root any, err error) error {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &FieldError{Field: prefix, Msg: err.Error()}
	}
	var leaves []leaf
	collectLeaves(ve, &leaves)
	if len(leaves) == 0 {
		return &FieldError{Field: prefix, Msg: "does not match its schema"}
	}
	best := leaves[0]
	for _, l := range leaves[1:] {
		if l.better(best) {
			best = l
		}
	}
	return &FieldError{Field: fieldPath(prefix, root, best.loc), Msg: best.msg}
}

type leaf struct {
	loc []string
	msg string
	// unknown marks an unknown property: at equal depth it is the
	// likelier cause ("hme" explains the missing "home").
	unknown bool
}

func (l leaf) better(than leaf) bool {
	if len(l.loc) != len(than.loc) {
		return len(l.loc) > len(than.loc)
	}
	if l.unknown != than.unknown {
		return l.unknown
	}
	return compareLoc(l.loc, than.loc) < 0
}

// compareLoc orders instance locations as the document does, array indices
// numerically. The validator walks objects in map order, so its own order
// is not stable.
func compareLoc(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] == b[i] {
			continue
		}
		ai, aerr := strconv.Atoi(a[i])
		bi, berr := strconv.Atoi(b[i])
		if aerr == nil && berr == nil {
			return ai - bi
		}
		return strings.Compare(a[i], b[i])
	}
	return len(a) - len(b)
}

func collectLeaves(e *jsonschema.ValidationError, out *[]leaf) {
	switch e.ErrorKind.(type) {
	case *kind.AnyOf, *kind.OneOf:
		// Alternatives that all fail on this very object (anyOf required
		// min / required max) read best as one message.
		var alts []leaf
		for _, c := range e.Causes {
			collectLeaves(c, &alts)
		}
		flat := len(alts) > 0
		for _, a := range alts {
			flat = flat && len(a.loc) == len(e.InstanceLocation)
		}
		if flat {
			*out = append(*out, leaf{loc: e.InstanceLocation, msg: alternatives(e.Causes, alts)})
		} else {
			*out = append(*out, alts...)
		}
		return
	}
	if len(e.Causes) == 0 {
		_, unknown := e.ErrorKind.(*kind.AdditionalProperties)
		*out = append(*out, leaf{loc: e.InstanceLocation, msg: message(e.ErrorKind), unknown: unknown})
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out)
	}
}

// alternatives words a failed anyOf/oneOf whose branches fail at the same
// place: `missing property "min" or "max"`.
func alternatives(causes []*jsonschema.ValidationError, alts []leaf) string {
	var missing []string
	allRequired := true
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		if r, ok := e.ErrorKind.(*kind.Required); ok {
			missing = append(missing, r.Missing...)
		} else {
			allRequired = false
		}
	}
	for _, c := range causes {
		walk(c)
	}
	if allRequired && len(missing) > 0 {
		return "missing property " + quoteAll(missing, " or ")
	}
	msgs := make([]string, 0, len(alts))
	for _, a := range alts {
		if !slices.Contains(msgs, a.msg) {
			msgs = append(msgs, a.msg)
		}
	}
	return strings.Join(msgs, ", or ")
}

// message words one failed keyword.
func message(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Required:
		if len(k.Missing) == 1 {
			return "missing property " + quoteAll(k.Missing, "")
		}
		return "missing properties " + quoteAll(k.Missing, ", ")
	case *kind.DependentRequired:
		return fmt.Sprintf("property %q needs %s", k.Prop, quoteAll(k.Missing, ", "))
	case *kind.AdditionalProperties:
		props := slices.Sorted(slices.Values(k.Properties))
		if len(props) == 1 {
			return "unknown property " + quoteAll(props, "")
		}
		return "unknown properties " + quoteAll(props, ", ")
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeName(w)
		}
		return fmt.Sprintf("must be %s (got %s)", strings.Join(want, " or "), typeName(k.Got))
	case *kind.Enum:
		vals := make([]string, len(k.Want))
		for i, w := range k.Want {
			vals[i] = show(w)
		}
		return "must be one of " + strings.Join(vals, ", ") + " (got " + show(k.Got) + ")"
	case *kind.Const:
		return "must be " + show(k.Want) + " (got " + show(k.Got) + ")"
	case *kind.Format:
		if k.Want == "date-time" {
			return fmt.Sprintf("must be an RFC 3339 date-time (got %s)", show(k.Got))
		}
		return fmt.Sprintf("must be a valid %s (got %s)", k.Want, show(k.Got))
	case *kind.Minimum:
		return "must be >= " + ratString(k.Want)
	case *kind.Maximum:
		return "must be <= " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return "must be > " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return "must be < " + ratString(k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must have at least %d characters", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must have at most %d characters", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items (got %d)", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items (got %d)", k.Want, k.Got)
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d are equal", k.Duplicates[0], k.Duplicates[1])
	case *kind.FalseSchema:
		return "not allowed"
	case *kind.Pattern:
		return fmt.Sprintf("must match %s (got %s)", k.Want, show(k.Got))
	case *kind.ContentEncoding:
		return "must be " + k.Want + " text (" + k.Err.Error() + ")"
	case *kind.PropertyNames:
		return fmt.Sprintf("property name %s is not allowed", show(k.Property))
	}
	// Keywords the schemas here do not use.
	return fmt.Sprintf("fails the %q rule of its schema", strings.Join(k.KeywordPath(), "/"))
}

func typeName(t string) string {
	switch t {
	case "integer", "object", "array":
		return "an " + t
	case "string", "number", "boolean":
		return "a " + t
	}
	return t
}

func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.RatString()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// quoteAll quotes names for a message, at most a few of them.
func quoteAll(names []string, sep string) string {
	const limit = 5
	q := make([]string, 0, min(len(names), limit))
	for _, n := range names[:min(len(names), limit)] {
		q = append(q, strconv.Quote(shorten(n)))
	}
	s := strings.Join(q, sep)
	if len(names) > limit {
		s += fmt.Sprintf(" and %d more", len(names)-limit)
	}
	return s
}

// fieldPath writes an instance location as games[3].home, walking the
// document to tell array indices from object keys that look like numbers.
func fieldPath(prefix string, root any, loc []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	node := root
	for _, tok := range loc {
		switch n := node.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n) {
				node = n[i]
			} else {
				node = nil
			}
			continue
		case map[string]any:
			node = n[tok]
		default:
			node = nil
		}
		switch {
		case isPlainKey(tok) && b.Len() > 0:
			b.WriteString("." + tok)
		case isPlainKey(tok):
			b.WriteString(tok)
		default:
			b.WriteString("[" + strconv.Quote(shorten(tok)) + "]")
		}
	}
	return b.String()
}

// isPlainKey reports whether a key can be written after a dot without
// making the path ambiguous.
func isPlainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		switch {
		case r == '_' || r == '-' || r == '$',
			'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		default:
			return false
		}
	}
	return true
}
