package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/schemas"
)

// The constraint catalogue (docs/constraints.md) is generated from the
// registry (each kind's description and deviation) and the kinds' params
// schemas, so that it cannot drift from what the evaluator accepts.
// TestConstraintsDocsUpToDate fails when the committed file is stale.

// docsRegenerate is the command that rewrites the committed catalogue.
const docsRegenerate = "go run ./cmd/flextime constraints docs > docs/constraints.md"

// selectorAnchor is the heading id of the game selector's section.
const selectorAnchor = "game-selector"

// sharedDef documents one definition of schemas/defs.json. The package
// schemas does not export that file and the cli cannot embed it (it lives
// outside this directory), so the docs restate each definition here;
// TestDocsSharedDefs checks the list against the file.
type sharedDef struct {
	typ, desc string
}

var sharedDefs = map[string]sharedDef{
	"teams":     {"array of team ids", ""},
	"count":     {"integer ≥ 0", ""},
	"date":      {"local date `YYYY-MM-DD`", ""},
	"clock":     {"local time of day `HH:MM`", ""},
	"datetime":  {"date-time (RFC 3339, with an offset)", ""},
	"role":      {"one of `\"home\"`, `\"away\"`, `\"any\"`", ""},
	"weekday":   {"one of `\"Mon\"` … `\"Sun\"`", ""},
	"dateRange": {"object {from, to}: local dates, inclusive", ""},
	"timeRange": {"object {from, to}: local times `HH:MM`, inclusive", ""},
	"select": {"[game selector](#" + selectorAnchor + ")",
		"which games the rule looks at; every field narrows, an absent field selects all"},
}

// selectorFields explains each field of evaluator.Select, by its JSON
// name; TestDocsSharedDefs checks that every field has a sentence.
var selectorFields = map[string]string{
	"teams":     "Games of these teams (ids). With a rule that is about one team at a time, the games are seen from that team's side.",
	"opponents": "Games against these teams.",
	"venue":     "`home`, `away`, `neutral` or `any`, from the team's side. A neutral-site game is neither home nor away.",
	"kinds":     "Game kinds, such as `conference`; a game without a `kind` is a conference game.",
	"networks":  "TV networks, such as `ESPN`.",
	"sports":    "Sports; a game without a `sport` has the schedule's.",
	"weekdays":  "Local weekdays of the start, `Mon` … `Sun`. A game not yet timed has its one-day slot's weekday; in a slot of several days, or without a date, it has none and matches none.",
	"dates":     "Local date ranges, inclusive: `{\"from\": \"2026-01-01\", \"to\": \"2026-01-31\"}`. A game not yet timed has its slot's first day; a game without a date matches none.",
	"slots":     "A range of slot ids, inclusive: `{\"from\": 0, \"to\": 9}`; an absent end is open.",
	"times":     "Ranges of local kick-off times, inclusive: `{\"from\": \"18:00\", \"to\": \"21:30\"}`. A game not yet timed (no start of its own) matches none.",
}

// fallbackExamples are params for the kinds whose schema gives no
// "examples" (the ITC2021 kinds, whose schemas mirror RobinX).
var fallbackExamples = map[string]string{
	"CA1": `{"teams": ["0"], "slots": [0], "min": 0, "max": 0, "mode": "H"}`,
	"CA2": `{"teams1": ["0"], "teams2": ["1", "2"], "slots": [0, 1, 2], "max": 1, "mode1": "A", "mode2": "GLOBAL"}`,
	"CA3": `{"teams1": ["0"], "teams2": ["1", "2", "3"], "intp": 4, "max": 2, "mode1": "HA", "mode2": "SLOTS"}`,
	"CA4": `{"teams1": ["0", "1"], "teams2": ["2", "3"], "slots": [5], "max": 1, "mode1": "H", "mode2": "EVERY"}`,
	"GA1": `{"meetings": [["0", "1"], ["2", "3"]], "slots": [0], "min": 0, "max": 1}`,
	"BR1": `{"teams": ["0"], "slots": [1, 2, 3], "intp": 0, "mode1": "LEQ", "mode2": "HA"}`,
	"BR2": `{"teams": ["0", "1", "2", "3"], "slots": [0, 1, 2, 3, 4, 5], "intp": 2, "homeMode": "HA", "mode2": "LEQ"}`,
	"FA2": `{"teams": ["0", "1", "2"], "slots": [3, 7], "intp": 1, "mode": "H"}`,
	"SE1": `{"teams": ["0", "1"], "min": 3, "mode1": "SLOTS"}`,
}

// jsonSchema is the part of a JSON Schema the catalogue reads.
type jsonSchema struct {
	Ref                  string                 `json:"$ref"`
	Type                 any                    `json:"type"`
	Description          string                 `json:"description"`
	Enum                 []json.RawMessage      `json:"enum"`
	Const                json.RawMessage        `json:"const"`
	Default              json.RawMessage        `json:"default"`
	Format               string                 `json:"format"`
	Minimum              *float64               `json:"minimum"`
	Maximum              *float64               `json:"maximum"`
	MinItems             *int                   `json:"minItems"`
	MaxItems             *int                   `json:"maxItems"`
	Items                *jsonSchema            `json:"items"`
	PrefixItems          []*jsonSchema          `json:"prefixItems"`
	Properties           orderedProps           `json:"properties"`
	AdditionalProperties json.RawMessage        `json:"additionalProperties"`
	PropertyNames        *jsonSchema            `json:"propertyNames"`
	Pattern              string                 `json:"pattern"`
	Required             []string               `json:"required"`
	AnyOf                []jsonSchema           `json:"anyOf"`
	Defs                 map[string]*jsonSchema `json:"$defs"`
	Examples             []json.RawMessage      `json:"examples"`
}

// orderedProps keeps a schema's properties in the order written, which is
// the order a reader expects them in.
type orderedProps struct {
	names []string
	byKey map[string]*jsonSchema
}

func (o *orderedProps) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	o.byKey = map[string]*jsonSchema{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		var s jsonSchema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("property %q: %w", name, err)
		}
		o.names = append(o.names, name)
		o.byKey[name] = &s
	}
	return nil
}

// renderConstraintDocs writes the catalogue of every registered kind as
// Markdown. Its output depends only on the registry and the schemas.
func renderConstraintDocs(w io.Writer) error {
	var b strings.Builder
	kinds := evaluator.Kinds()
	slices.SortFunc(kinds, func(x, y *evaluator.Kind) int { return strings.Compare(x.Name, y.Name) })

	b.WriteString("<!-- Generated by `flextime constraints docs`; do not edit. Regenerate with:\n     " + docsRegenerate + " -->\n\n")
	b.WriteString("# Constraint catalogue\n\n")
	b.WriteString(`Every constraint document (CONTRACT §2) names a ` + "`kind`" + ` from this catalogue and
gives its ` + "`params`" + `, which must pass the kind's JSON Schema
(` + "`schemas/params/<kind>.json`" + `); a document that does not is refused with the field named.

Evaluating a constraint gives its **deviation**: a whole number, 0 when the rule
holds, growing with how badly it is broken, as each kind's formula below says.
The constraint's **cost** is ` + "`penalty` x deviation" + ` (` + "`penalty`" + ` defaults to 1 and
may be fractional). The costs of the **hard** constraints (` + "`\"hard\": true`" + `) add up
to the schedule's ` + "`infeasibility`" + `, which must be 0 for the schedule to be usable;
the costs of the **soft** ones add up to its ` + "`objective`" + `, which a scheduler
minimises. The same kind can be hard in one constraint set and soft in another.
A constraint counts as violated (` + "`hard_violated`" + `, ` + "`soft_violated`" + `) when its
**deviation** is not 0, even when its penalty is 0 and so its cost is 0: a rule
that does not hold is reported as such whatever it weighs.

**Time and order.** A team's games run in slot order (time runs in ascending slot
id); within one slot, games with a kick-off come first, by kick-off, then the rest,
by their order in the document. A slot's ` + "`start`" + ` only **dates** its games (its
time of day is ignored) and ` + "`days`" + ` says how many local days the slot covers; a
game's own ` + "`start`" + ` is its **kick-off**. A game without one is *not yet timed*: rules
that need a time of day (start windows, venue turnaround, a selector's ` + "`times`" + `, or
its ` + "`weekdays`" + ` when the slot covers several days) never read its slot's midnight
as a kick-off; they skip it, or count it once as not yet timed where the kind has an
` + "`untimed`" + ` param set to ` + "`\"flag\"`" + `. Rules that count days (rest, compression,
season window, trips) take such a game on its slot's first day. Dates and weekdays are local to the offset a start
is written in. Times of day are compared to the minute, window ends inclusive;
distances are rounded up to whole km and turnaround time to whole hours in the
deviation.

**Venues.** A schedule may list its ` + "`venues`" + ` (id, coordinates, time zone, sports).
A game is played at its ` + "`venue`" + ` (by default its home team's): when the venue is
listed, at the venue's place and time zone, so a neutral site is not the nominal
home team's arena. With a list, every venue a game or team names must be in it.

The ITC2021 kinds (` + "`CA1`" + ` to ` + "`SE1`" + `) keep the RobinX names and meanings: team ids are
strings, slot ids integers. The other kinds work on dated schedules, and most of
them pick their games with a [game selector](#` + selectorAnchor + `).

`)
	b.WriteString("## Contents\n\n")
	for _, k := range kinds {
		fmt.Fprintf(&b, "- [%s](#%s): %s\n", k.Name, anchor(k.Name), cell(k.Description))
	}
	fmt.Fprintf(&b, "- [Game selector](#%s)\n\n", selectorAnchor)

	for _, k := range kinds {
		if err := writeKind(&b, k); err != nil {
			return err
		}
	}
	writeSelector(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

// anchor is the heading id GitHub gives a heading made of name alone.
func anchor(name string) string { return strings.ToLower(name) }

func writeKind(b *strings.Builder, k *evaluator.Kind) error {
	fmt.Fprintf(b, "## %s\n\n", k.Name)
	raw, ok := schemas.ParamsSchema(k.Name)
	if !ok {
		fmt.Fprintf(b, "%s\n\n**Deviation:** %s\n\nThis kind has no params schema.\n\n", sentence(k.Description), k.Deviation)
		return nil
	}
	var root jsonSchema
	if err := json.Unmarshal(raw, &root); err != nil {
		return fmt.Errorf("schemas/params/%s.json: %w", k.Name, err)
	}
	desc := root.Description
	if desc == "" {
		desc = sentence(k.Description)
	}
	fmt.Fprintf(b, "%s\n\n", desc)

	b.WriteString("**Params**\n\n")
	if len(root.Properties.names) == 0 {
		b.WriteString("None.\n\n")
	} else {
		b.WriteString("| param | type | required | default | description |\n|---|---|---|---|---|\n")
		for _, name := range root.Properties.names {
			p := root.Properties.byKey[name]
			req := ""
			if slices.Contains(root.Required, name) {
				req = "yes"
			}
			def := ""
			if len(p.Default) > 0 {
				def = "`" + string(p.Default) + "`"
			}
			fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", name, cell(typeOf(&root, p)), req, def, cell(descOf(&root, p)))
		}
		b.WriteString("\n")
	}
	if groups := atLeastOne(root.AnyOf); groups != "" {
		fmt.Fprintf(b, "At least one of %s is required.\n\n", groups)
	}
	if string(root.AdditionalProperties) == "false" {
		b.WriteString("Other params are refused.\n\n")
	}
	fmt.Fprintf(b, "**Deviation:** %s\n\n", k.Deviation)

	b.WriteString("**Example**\n\n")
	ex, hard, sport := exampleParams(k.Name, &root)
	if ex == nil {
		fmt.Fprintf(b, "None yet: add \"examples\" to `schemas/params/%s.json`.\n\n", k.Name)
		return nil
	}
	doc, err := exampleDoc(k.Name, sport, hard, ex)
	if err != nil {
		return fmt.Errorf("schemas/params/%s.json: example: %w", k.Name, err)
	}
	fmt.Fprintf(b, "```json\n%s\n```\n\n", doc)
	return nil
}

// exampleParams returns the params of the kind's first schema example, or
// of its fallback, with whether the example constraint is hard and its
// sport; nil when there is neither.
func exampleParams(kind string, root *jsonSchema) (params json.RawMessage, hard bool, sport string) {
	if len(root.Examples) > 0 {
		return root.Examples[0], false, "mbb"
	}
	if ex, ok := fallbackExamples[kind]; ok {
		return json.RawMessage(ex), true, "itc2021_early_01"
	}
	return nil, false, ""
}

// exampleDoc builds a whole constraint document around params, keeping
// the params' keys in the order the schema wrote them.
func exampleDoc(kind, sport string, hard bool, params json.RawMessage) (string, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, params); err != nil {
		return "", err
	}
	// One field of the document a line, the params on one line as the
	// schema's example wrote them.
	var out strings.Builder
	out.WriteString("{\n")
	fmt.Fprintf(&out, "  \"id\": %s,\n  \"sport\": %s,\n", mustJSON(kind+"-example"), mustJSON(sport))
	fmt.Fprintf(&out, "  \"kind\": %s,\n  \"hard\": %t,\n  \"penalty\": 1,\n", mustJSON(kind), hard)
	fmt.Fprintf(&out, "  \"params\": %s\n}", spaced(compact.Bytes()))
	return out.String(), nil
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// spaced puts a space after each colon and comma of compact JSON that is
// not inside a string: {"a": [1, 2]}.
func spaced(compact []byte) string {
	var out strings.Builder
	inStr, esc := false, false
	for _, c := range compact {
		out.WriteByte(c)
		switch {
		case esc:
			esc = false
		case inStr && c == '\\':
			esc = true
		case c == '"':
			inStr = !inStr
		case !inStr && (c == ':' || c == ','):
			out.WriteByte(' ')
		}
	}
	return out.String()
}

// atLeastOne renders an anyOf of required-lists: "`min` or `max`".
func atLeastOne(anyOf []jsonSchema) string {
	var names []string
	for _, s := range anyOf {
		if len(s.Required) != 1 {
			return "" // not the simple shape: leave it to the schema
		}
		names = append(names, "`"+s.Required[0]+"`")
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// resolve follows s's $ref: within root ("#/$defs/x"), or to a shared
// definition ("../defs.json#/$defs/x"), whose name is returned.
func resolve(root, s *jsonSchema) (*jsonSchema, string) {
	if name, ok := strings.CutPrefix(s.Ref, "#/$defs/"); ok {
		if d := root.Defs[name]; d != nil {
			return d, ""
		}
	}
	if name, ok := strings.CutPrefix(s.Ref, "../defs.json#/$defs/"); ok {
		return nil, name
	}
	return s, ""
}

// typeOf describes the values s allows, in a few words.
func typeOf(root, s *jsonSchema) string {
	if s == nil {
		return "any"
	}
	if s.Ref != "" {
		r, shared := resolve(root, s)
		if shared != "" {
			if d, ok := sharedDefs[shared]; ok {
				return d.typ
			}
			return "`defs.json` " + shared
		}
		if r != s {
			return typeOf(root, r)
		}
	}
	if len(s.Const) > 0 {
		return "`" + string(s.Const) + "` (the only value)"
	}
	if len(s.Enum) > 0 {
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = "`" + string(v) + "`"
		}
		return "one of " + strings.Join(vals, ", ")
	}
	t, _ := s.Type.(string)
	switch t {
	case "integer", "number":
		out := t
		if s.Minimum != nil {
			out += fmt.Sprintf(" ≥ %v", *s.Minimum)
		}
		if s.Maximum != nil {
			out += fmt.Sprintf(" ≤ %v", *s.Maximum)
		}
		return out
	case "string":
		if s.Format != "" {
			return s.Format
		}
		return "string"
	case "array":
		if len(s.PrefixItems) > 0 {
			// A tuple, such as a [home, away] pair.
			parts := make([]string, len(s.PrefixItems))
			for i, p := range s.PrefixItems {
				parts[i] = typeOf(root, p)
			}
			return "[" + strings.Join(parts, ", ") + "]"
		}
		out := "array"
		if s.Items != nil {
			out += " of " + pluralType(typeOf(root, s.Items))
		}
		if s.MinItems != nil && *s.MinItems > 0 {
			out += fmt.Sprintf(" (at least %d)", *s.MinItems)
		}
		return out
	case "object":
		if len(s.Properties.names) > 0 {
			return "object {" + strings.Join(s.Properties.names, ", ") + "}"
		}
		var vals jsonSchema
		if len(s.AdditionalProperties) > 0 && json.Unmarshal(s.AdditionalProperties, &vals) == nil {
			out := "object of " + typeOf(root, &vals)
			if s.PropertyNames != nil && s.PropertyNames.Pattern != "" {
				out = fmt.Sprintf("object: keys matching `%s`, values %s", s.PropertyNames.Pattern, typeOf(root, &vals))
			}
			return out
		}
		return "object"
	case "boolean":
		return "boolean"
	}
	return "any"
}

// pluralType makes the first word of a one-word type plural, for "array
// of strings"; other descriptions are left as they are.
func pluralType(t string) string {
	first, rest, _ := strings.Cut(t, " ")
	switch first {
	case "string", "integer", "number", "boolean", "object", "array":
		if rest != "" {
			return first + "s " + rest
		}
		return first + "s"
	}
	return t
}

// descOf returns s's description, or that of the definition it refers to.
func descOf(root, s *jsonSchema) string {
	if s.Description != "" {
		return s.Description
	}
	if s.Ref != "" {
		r, shared := resolve(root, s)
		if shared != "" {
			return sharedDefs[shared].desc
		}
		if r != s && r != nil {
			return r.Description
		}
	}
	return ""
}

// writeSelector documents the fields of evaluator.Select, the game
// selector the "select" params of the date-aware kinds take.
func writeSelector(b *strings.Builder) {
	fmt.Fprintf(b, "## Game selector\n\n")
	b.WriteString("The `select` param of the date-aware kinds picks the games the rule looks at.\n")
	b.WriteString("Every field narrows the selection; an absent field selects all, so `{}` selects\n")
	b.WriteString("every placed game.\n\n")
	b.WriteString("| field | type | meaning |\n|---|---|---|\n")
	for _, f := range selectorFieldNames() {
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", f.name, cell(f.typ), cell(selectorFields[f.name]))
	}
	b.WriteString("\nExample: Saturday and Sunday home conference games in January.\n\n")
	b.WriteString("```json\n{\"venue\": \"home\", \"kinds\": [\"conference\"], \"weekdays\": [\"Sat\", \"Sun\"],\n \"dates\": [{\"from\": \"2026-01-01\", \"to\": \"2026-01-31\"}]}\n```\n")
}

type selectorField struct{ name, typ string }

// selectorFieldNames lists evaluator.Select's fields by JSON name, with
// their types in words, in the order the struct declares them.
func selectorFieldNames() []selectorField {
	t := reflect.TypeFor[evaluator.Select]()
	var out []selectorField
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		out = append(out, selectorField{name, goTypeWords(f.Type)})
	}
	return out
}

// goTypeWords describes a Go type as its JSON: "array of strings",
// "object {from, to}".
func goTypeWords(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return goTypeWords(t.Elem())
	case reflect.Slice:
		return "array of " + pluralType(goTypeWords(t.Elem()))
	case reflect.String:
		return "string"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "integer"
	case reflect.Bool:
		return "boolean"
	case reflect.Struct:
		var names []string
		for i := range t.NumField() {
			if n, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); n != "" && n != "-" {
				names = append(names, n)
			}
		}
		return "object {" + strings.Join(names, ", ") + "}"
	}
	return t.Kind().String()
}

// cell makes text safe for one cell of a Markdown table.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// sentence starts s with a capital letter and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}
