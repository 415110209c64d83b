package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The params directory is read, not listed in code: a new kind needs only
// its params/<kind>.json file.
//
//go:embed schedule.schema.json constraint.schema.json request.schema.json result.schema.json deadletter.schema.json defs.json params/*.json
var files embed.FS

// baseURL is where the schemas say they live ($id); it is never fetched.
const baseURL = "https://github.com/flextime/flextime/schemas/"

// lazySchema is one embedded schema file, compiled on first use.
type lazySchema struct {
	raw     []byte
	compile func() (*jsonschema.Schema, error)
}

func newLazySchema(name string) *lazySchema {
	raw, err := files.ReadFile(name)
	if err != nil {
		panic(err) // embedded above, so this cannot happen
	}
	return &lazySchema{
		raw: raw,
		compile: sync.OnceValues(func() (*jsonschema.Schema, error) {
			return compileSchema(name, raw)
		}),
	}
}

func compileSchema(name string, raw []byte) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// contentEncoding: base64 (a dead letter's payload) is checked too.
	c.AssertContent()
	// Schemas refer to each other by relative URL: kinds share definitions
	// (the game selector, dates, counts) as "../defs.json#/$defs/...", and
	// a request embeds "schedule.schema.json". They resolve to embedded files.
	c.UseLoader(embeddedLoader{})
	url := baseURL + name
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: %w", name, err)
	}
	return sch, nil
}

// embeddedLoader reads the schemas under baseURL from the embedded files;
// nothing is ever fetched.
type embeddedLoader struct{}

// Load implements jsonschema.URLLoader.
func (embeddedLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, baseURL)
	if !ok {
		return nil, fmt.Errorf("schemas: %s is not an embedded schema", url)
	}
	raw, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(raw))
}

// validate checks the parsed document v. Field paths in the error start
// with prefix. An error that does not wrap ErrInvalid means the embedded
// schema itself is broken.
func (l *lazySchema) validate(prefix string, v any) error {
	sch, err := l.compile()
	if err != nil {
		return err
	}
	if err := checkNumbers(prefix, v); err != nil {
		return err
	}
	if err := sch.Validate(v); err != nil {
		return validationError(prefix, v, err)
	}
	return nil
}

var (
	scheduleSchema   = newLazySchema("schedule.schema.json")
	constraintSchema = newLazySchema("constraint.schema.json")
	paramsSchemas    = loadParams()
)

type paramsSchema struct {
	*lazySchema
	description string
}

func loadParams() map[string]*paramsSchema {
	entries, err := files.ReadDir("params")
	if err != nil {
		panic(err) // embedded above, so this cannot happen
	}
	m := make(map[string]*paramsSchema, len(entries))
	for _, e := range entries {
		kind, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		l := newLazySchema(path.Join("params", e.Name()))
		var head struct {
			Description string `json:"description"`
		}
		// A broken file still gets an entry, so that the error shows
		// up on first use (and in the tests) rather than as a missing kind.
		_ = json.Unmarshal(l.raw, &head)
		m[kind] = &paramsSchema{lazySchema: l, description: head.Description}
	}
	return m
}

// ScheduleSchema returns the JSON Schema of the schedule document
// (schedule.schema.json). The caller may modify the returned slice.
func ScheduleSchema() []byte { return bytes.Clone(scheduleSchema.raw) }

// ConstraintSchema returns the JSON Schema of the constraint document
// (constraint.schema.json). Its params are checked separately, against
// the schema of the document's kind. The caller may modify the returned
// slice.
func ConstraintSchema() []byte { return bytes.Clone(constraintSchema.raw) }

// ParamsSchema returns the JSON Schema of the params of kind, from
// params/<kind>.json. It returns false when kind has no params schema.
// The caller may modify the returned slice.
func ParamsSchema(kind string) ([]byte, bool) {
	p, ok := paramsSchemas[kind]
	if !ok {
		return nil, false
	}
	return bytes.Clone(p.raw), true
}

// ParamsDescription returns the one-line description of kind, taken from
// its params schema. It returns false when kind has no params schema.
func ParamsDescription(kind string) (string, bool) {
	p, ok := paramsSchemas[kind]
	if !ok {
		return "", false
	}
	return p.description, true
}

// ParamsKinds returns the kinds that have a params schema, sorted.
func ParamsKinds() []string {
	kinds := make([]string, 0, len(paramsSchemas))
	for k := range paramsSchemas {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

// ValidateParams checks the params object of a constraint of the given
// kind against params/<kind>.json. Field paths in its FieldError start
// with "params". When kind has no params schema, the error wraps
// ErrUnknownKind (and ErrInvalid).
func ValidateParams(kind string, params json.RawMessage) error {
	p, ok := paramsSchemas[kind]
	if !ok {
		return &kindError{kind: kind}
	}
	v, serr := parseJSON(params)
	if serr != nil {
		return serr.fieldError("params", 1)
	}
	return p.validate("params", v)
}
