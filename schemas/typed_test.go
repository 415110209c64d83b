package schemas

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// typedSample is a small request that uses every property the request
// and schedule schemas know, the seed of the generated mutations.
const typedSample = `{"request_id": "r1", "revision": 3, "games": ["g1"], "constraint_ids": ["a", "b"], "detail": "all", "x": 1,
 "schedule": {"id": "s", "sport": "mbb", "extra": [1],
  "teams": [{"id": "A", "name": "Alpha", "venue": "v1", "lat": 38.9, "lon": -95.2, "tz": "America/Chicago"}, {"id": "B"}],
  "slots": [{"id": 0, "start": "2025-11-03T19:00:00-06:00", "name": "w1", "days": 2}, {"id": 1}],
  "venues": [{"id": "v1", "name": "Field", "lat": 1, "lon": 2, "tz": "UTC", "sports": ["mbb"]}],
  "games": [{"id": "g1", "home": "A", "away": "B", "slot": 0, "start": "2025-11-03T19:00:00Z", "venue": "v1", "network": "ESPN",
    "neutral": false, "kind": "conference", "sport": "mbb", "locked": true}, {"id": "g2", "home": "B", "away": "A", "slot": null}]}}`

// schemaVerdict and typedVerdict are the two validators' answers: "" for
// accepted, else the error as a line.
func schemaVerdict(v any) string {
	if err := requestSchema.validate("", v); err != nil {
		return err.Error()
	}
	return ""
}

func typedVerdict(v any) string {
	if err := validateRequestTyped(v); err != nil {
		return err.Error()
	}
	return ""
}

// sameVerdict fails t when the typed validator answers v otherwise than
// the request's JSON Schema: another verdict, another field or another
// message.
func sameVerdict(t *testing.T, what string, v any) {
	t.Helper()
	s, g := schemaVerdict(v), typedVerdict(v)
	if s != g {
		doc, _ := json.Marshal(v)
		t.Errorf("%s: schema says %q, typed code says %q\ndocument: %.600s", what, s, g, doc)
	}
}

// replacements are the values each place of the sample is set to in turn:
// every JSON type, the edges of the lengths and ranges the schemas state.
func replacements() []any {
	return []any{
		nil, true, false, "", "x", strings.Repeat("é", 128), strings.Repeat("y", 129), "a\x01b",
		"2025-11-03T19:00:00Z", "2025-11-03 19:00:00Z", "2025-02-30T19:00:00Z", "2025-11-03T23:59:60Z", "2025-11-03T12:59:60+01:00",
		"violated", "all", "none",
		json.Number("0"), json.Number("1"), json.Number("-1"), json.Number("1.5"), json.Number("1.0"), json.Number("1e2"),
		json.Number("-90"), json.Number("-90.0000001"), json.Number("90.5"), json.Number("180"), json.Number("-181"),
		json.Number("366"), json.Number("367"), json.Number("99999999999999999999"),
		[]any{}, []any{"a"}, []any{"a", "a"}, []any{"a", ""}, []any{"b", json.Number("1"), "b"}, []any{json.Number("1")}, []any{nil},
		[]any{map[string]any{}}, []any{map[string]any{"id": "A", "zz": 1, "aa": 2}},
		map[string]any{}, map[string]any{"id": "z"}, map[string]any{"zz": 1},
	}
}

// sameScheduleVerdict is sameVerdict for a schedule document.
func sameScheduleVerdict(t *testing.T, what string, v any) {
	t.Helper()
	var s, g string
	if err := scheduleSchema.validate("", v); err != nil {
		s = err.Error()
	}
	if err := validateScheduleTyped("", v); err != nil {
		g = err.Error()
	}
	if s != g {
		doc, _ := json.Marshal(v)
		t.Errorf("schedule %s: schema says %q, typed code says %q\ndocument: %.600s", what, s, g, doc)
	}
}

// places lists every path in v: object keys and array indices.
func places(v any, prefix []any, out *[][]any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := append(slices.Clone(prefix), k)
			*out = append(*out, p)
			places(v[k], p, out)
		}
	case []any:
		for i, e := range v {
			p := append(slices.Clone(prefix), i)
			*out = append(*out, p)
			places(e, p, out)
		}
	}
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		a := make([]any, len(v))
		for i, e := range v {
			a[i] = deepCopy(e)
		}
		return a
	}
	return v
}

// setAt replaces (or, with del, removes) the value at path p of root.
func setAt(root any, p []any, val any, del bool) {
	node := root
	for _, step := range p[:len(p)-1] {
		switch s := step.(type) {
		case string:
			node = node.(map[string]any)[s]
		case int:
			node = node.([]any)[s]
		}
	}
	switch s := p[len(p)-1].(type) {
	case string:
		if del {
			delete(node.(map[string]any), s)
		} else {
			node.(map[string]any)[s] = val
		}
	case int:
		node.([]any)[s] = val
	}
}

func mustParse(t testing.TB, data []byte) any {
	t.Helper()
	v, serr := parseJSON(trimBOM(data))
	if serr != nil {
		t.Fatalf("parse: %v", serr.fieldError("", 1))
	}
	return v
}

// typedCorpus is the documents both validators are held to: the fuzz
// seeds of DecodeRequest, the example schedules as requests, and the
// sample.
func typedCorpus(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"sample": []byte(typedSample)}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzDecodeRequest/*")
	for _, p := range seeds {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if s, ok := strings.CutPrefix(line, "[]byte("); ok {
				if b, err := strconv.Unquote(strings.TrimSuffix(s, ")")); err == nil {
					out[p] = []byte(b)
				}
			}
		}
	}
	scheds, _ := filepath.Glob("../examples/*/schedule.json")
	more, _ := filepath.Glob("../examples/big12/*/schedule.json")
	for _, p := range append(scheds, more...) {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = append(append([]byte(`{"request_id": "r", "schedule": `), raw...), '}')
	}
	if len(out) < 8 {
		t.Fatalf("corpus of %d documents: the fuzz seeds or examples moved", len(out))
	}
	return out
}

// TestTypedMatchesSchema holds the typed validation of DecodeRequest to
// request.schema.json: over the corpus, and over every place of a sample
// set to each value of every JSON type, or removed, both must accept and
// refuse the same documents and name the same field with the same words.
func TestTypedMatchesSchema(t *testing.T) {
	for name, data := range typedCorpus(t) {
		v, serr := parseJSON(trimBOM(data))
		if serr != nil {
			continue
		}
		sameVerdict(t, name, v)
	}
	for _, r := range replacements() {
		sameScheduleVerdict(t, "top-level", r)
	}
	base := mustParse(t, []byte(typedSample))
	if s := schemaVerdict(base); s != "" {
		t.Fatalf("the sample fails its schema: %s", s)
	}
	var ps [][]any
	places(base, nil, &ps)
	refused := 0
	for _, p := range ps {
		what := func(r any) string { b, _ := json.Marshal(r); return formatPlace(p) + " = " + string(b) }
		for _, r := range replacements() {
			doc := deepCopy(base)
			setAt(doc, p, r, false)
			sameVerdict(t, what(r), doc)
			if schemaVerdict(doc) != "" {
				refused++
			}
		}
		doc := deepCopy(base)
		setAt(doc, p, nil, true)
		sameVerdict(t, formatPlace(p)+" removed", doc)
		if sched := doc.(map[string]any)["schedule"]; p[0] == "schedule" {
			sameScheduleVerdict(t, formatPlace(p)+" removed", sched)
			for _, r := range replacements() {
				doc := deepCopy(base)
				setAt(doc, p, r, false)
				sameScheduleVerdict(t, formatPlace(p), doc.(map[string]any)["schedule"])
			}
		}
		// Two mutations at once: which failure is named matters.
		for _, q := range ps {
			if slices.Equal(p, q) || len(q) <= len(p) && slices.Equal(q, p[:len(q)]) {
				continue
			}
			doc := deepCopy(base)
			setAt(doc, p, json.Number("1.5"), false)
			if !isPrefix(p, q) {
				setAt(doc, q, map[string]any{"q": 1}, false)
			}
			sameVerdict(t, formatPlace(p)+" and "+formatPlace(q), doc)
		}
	}
	if refused < len(ps) {
		t.Fatalf("only %d mutations refused: the mutations do not reach the rules", refused)
	}
}

func isPrefix(p, q []any) bool {
	return len(p) <= len(q) && slices.Equal(p, q[:len(p)])
}

func formatPlace(p []any) string {
	var b strings.Builder
	for _, s := range p {
		switch s := s.(type) {
		case string:
			b.WriteString("/" + s)
		case int:
			b.WriteString("/" + strconv.Itoa(s))
		}
	}
	return b.String()
}

// FuzzTypedMatchesSchema: for any JSON document, the typed validation and
// request.schema.json give the same verdict, field and message.
func FuzzTypedMatchesSchema(f *testing.F) {
	for _, data := range typedCorpus(f) {
		if len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"request_id": "", "schedule": {"id": 1, "teams": [{"id": "A", "Lat": 1}], "games": [{}]}}`))
	f.Add([]byte(`{"request_id": "r", "schedule": {"id": "s", "sport": "x", "slots": [{"id": 1.0, "days": 0, "start": "2025-01-01T00:00:00z"}]}, "constraint_ids": ["a", "a"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, serr := parseJSON(trimBOM(data))
		if serr != nil || bytes.Count(data, []byte("[")) > 2000 {
			return
		}
		sameVerdict(t, "fuzzed", v)
	})
}
