package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// constraintKeys are the top-level properties a Constraint is made of.
// Others are allowed and ignored.
var constraintKeys = []string{"id", "name", "sport", "kind", "hard", "penalty", "priority", "params", "active", "version", "metadata"}

// DecodeConstraints reads constraint documents in any of the forms a file
// source uses: a JSON array of documents, a single document, or NDJSON
// (one document per line; blank lines are skipped). Input with no
// documents gives an empty result.
//
// Each document goes through DecodeConstraint, and ids must be unique
// across them. The first error stops decoding; it wraps ErrInvalid (and
// a *FieldError) and starts with the document's place and id when known:
// `constraint 3 ("mbb-max-road"): penalty: must be >= 0` for element 3
// (counted from 0) of an array, `line 7 ("mbb-max-road"): ...` for NDJSON,
// `constraint "mbb-max-road": ...` for a single document.
func DecodeConstraints(data []byte) ([]Constraint, error) {
	data = trimBOM(data)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return []Constraint{}, nil
	case trimmed[0] == '[':
		return decodeArray(data)
	case trimmed[0] == '{' && isNDJSON(data):
		return decodeNDJSON(data)
	}
	c, id, err := decodeConstraint(data)
	if err != nil {
		if id != "" {
			return nil, fmt.Errorf("constraint %q: %w", shorten(id), err)
		}
		return nil, err
	}
	return []Constraint{*c}, nil
}

// isNDJSON tells one pretty-printed document from NDJSON: in NDJSON, the
// first non-blank line is a whole JSON value and more lines follow.
func isNDJSON(data []byte) bool {
	first := true
	for line := range bytes.Lines(data) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if !first {
			return true
		}
		if !json.Valid(line) {
			return false
		}
		first = false
	}
	return false
}

func decodeArray(data []byte) ([]Constraint, error) {
	var docs []json.RawMessage
	if serr := decodeOne(data, &docs, false); serr != nil {
		return nil, serr.fieldError("", 1)
	}
	out := make([]Constraint, 0, len(docs))
	seen := make(map[string]int, len(docs))
	for i, doc := range docs {
		c, id, err := decodeConstraint(doc)
		if err == nil {
			if first, dup := seen[c.ID]; dup {
				err = fieldErrorf("id", "duplicate constraint %q (first at constraint %d)", shorten(c.ID), first)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("constraint %d%s: %w", i, idNote(id), err)
		}
		seen[c.ID] = i
		out = append(out, *c)
	}
	return out, nil
}

func decodeNDJSON(data []byte) ([]Constraint, error) {
	var out []Constraint
	seen := make(map[string]int)
	n := 0
	for line := range bytes.Lines(data) {
		n++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		doc := bytes.TrimRight(line, " \t\r\n")
		v, serr := parseJSON(doc)
		if serr != nil {
			return nil, serr.fieldError("", n)
		}
		c, id, err := decodeParsed(doc, v)
		if err == nil {
			if first, dup := seen[c.ID]; dup {
				err = fieldErrorf("id", "duplicate constraint %q (first on line %d)", shorten(c.ID), first)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("line %d%s: %w", n, idNote(id), err)
		}
		seen[c.ID] = n
		out = append(out, *c)
	}
	return out, nil
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", shorten(id))
}

// DecodeConstraint parses and validates one constraint document (a JSON
// object) and applies the defaults of CONTRACT §2: Penalty 1 when absent
// (an explicit 0 stays 0, meaning no cost), Priority "required" when hard
// and "medium" otherwise, Version 1. Active stays nil when absent, which
// IsActive reads as true. When a params schema exists for the kind, params
// must satisfy it; other kinds are left to the constraint catalogue.
// Errors are *FieldError values wrapping ErrInvalid, such as
// `params.mode: must be one of "H", "A" (got "X")`.
func DecodeConstraint(data []byte) (*Constraint, error) {
	c, _, err := decodeConstraint(trimBOM(data))
	return c, err
}

// decodeConstraint also returns the document's id when it has a usable
// one, for error messages, even when the document is invalid.
func decodeConstraint(data []byte) (*Constraint, string, error) {
	v, serr := parseJSON(data)
	if serr != nil {
		return nil, "", serr.fieldError("", 1)
	}
	return decodeParsed(data, v)
}

func decodeParsed(data []byte, v any) (*Constraint, string, error) {
	top, _ := v.(map[string]any)
	id, _ := top["id"].(string)
	if err := constraintSchema.validate("", v); err != nil {
		return nil, id, err
	}
	if err := checkKeyCase(top, constraintKeys); err != nil {
		return nil, id, err
	}
	// Numbers that the schema accepts but a Go field cannot hold get a
	// message of their own before encoding/json sees them.
	if p, ok := top["penalty"].(json.Number); ok {
		_, err := ParseFixed(string(p))
		if errors.Is(err, ErrPrecision) {
			return nil, id, fieldErrorf("penalty", "must have at most 6 decimal places (got %s)", shorten(string(p)))
		}
		if err != nil {
			return nil, id, fieldErrorf("penalty", "out of range (got %s)", shorten(string(p)))
		}
	}
	if ver, ok := top["version"]; ok {
		if _, err := plainInt("version", ver); err != nil {
			return nil, id, err
		}
	}
	c := new(Constraint)
	if err := json.Unmarshal(data, c); err != nil {
		// Not reached once the checks above pass.
		return nil, id, &FieldError{Msg: err.Error()}
	}
	// Defaults. An explicit penalty of 0 stays: it means no cost.
	if _, ok := top["penalty"]; !ok {
		c.Penalty = FixedInt(1)
	}
	if c.Version == 0 {
		c.Version = 1
	}
	if c.Priority == "" {
		c.Priority = PriorityMedium
		if c.Hard {
			c.Priority = PriorityRequired
		}
	}
	if p, ok := paramsSchemas[c.Kind]; ok {
		if err := p.validate("params", top["params"]); err != nil {
			return nil, id, err
		}
	}
	return c, id, nil
}
