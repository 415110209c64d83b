package schemas_test

import (
	"encoding/json"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// Cases for the sequence kinds (evaluator/kind_sequence.go).
func init() {
	paramsCases = append(paramsCases,
		paramsCase{"window_count", `{"venue": "away", "window": 5, "max": 3, "position": "any", "select": {"kinds": ["conference"]}}`, []paramsEdit{
			{"no bound", del("max"), "params", `missing property "min" or "max"`},
			{"missing window", del("window"), "params", `missing property "window"`},
			{"missing venue", del("venue"), "params", `missing property "venue"`},
			{"zero window", map[string]any{"window": 0}, "params.window", `must be >= 1`},
			{"bad venue", map[string]any{"venue": "road"}, "params.venue", `must be one of`},
			{"bad position", map[string]any{"position": "middle"}, "params.position", `must be one of`},
			{"negative min", map[string]any{"min": -1}, "params.min", `must be >= 0`},
			{"bad selector", map[string]any{"select": map[string]any{"venue": "road"}}, "params.select.venue", `must be one of`},
			badTeams, unknownParam,
		}},
		paramsCase{"rest_days", `{"min_days": 2, "select": {"kinds": ["conference"]}}`, []paramsEdit{
			{"missing min_days", del("min_days"), "params", `missing property "min_days"`},
			{"zero min_days", map[string]any{"min_days": 0}, "params.min_days", `must be >= 1`},
			{"fractional min_days", map[string]any{"min_days": 1.5}, "params.min_days", `must be an integer`},
			badTeams, unknownParam,
		}},
		paramsCase{"compression", `{"days": 5, "max": 2, "select": {"kinds": ["conference"]}}`, []paramsEdit{
			{"missing days", del("days"), "params", `missing property "days"`},
			{"missing max", del("max"), "params", `missing property "max"`},
			{"zero days", map[string]any{"days": 0}, "params.days", `must be >= 1`},
			negativeMax, unknownParam,
		}},
		paramsCase{"rematch_separation", `{"min_games": 3, "min_days": 10, "select": {"kinds": ["conference"]}}`, []paramsEdit{
			{"no bound", del("min_games", "min_days"), "params", `missing property "min_games" or "min_days"`},
			{"negative min_days", map[string]any{"min_days": -1}, "params.min_days", `must be >= 0`},
			{"min_games not a number", map[string]any{"min_games": "3"}, "params.min_games", `must be an integer`},
			badTeams, unknownParam,
		}},
		paramsCase{"sequence_pattern", `{"if": {"venue": "away", "weekdays": ["Mon"]}, "then": {"venue": "home", "weekdays": ["Sat"]}, "direction": "before"}`, []paramsEdit{
			{"missing if", del("if"), "params", `missing property "if"`},
			{"missing direction", del("direction"), "params", `missing property "direction"`},
			{"bad direction", map[string]any{"direction": "around"}, "params.direction", `must be one of`},
			{"bad then weekday", map[string]any{"then": map[string]any{"weekdays": []any{"Saturday"}}}, "params.then.weekdays[0]", `must be one of`},
			{"unknown selector field", map[string]any{"if": map[string]any{"day": "Mon"}}, "params.if", `unknown property "day"`},
			unknownParam,
		}},
		paramsCase{"rest_advantage", `{"days": 3, "balance": 1, "select": {"kinds": ["conference"]}}`, []paramsEdit{
			{"no bound", del("balance"), "params", `missing property "min" or "max" or "balance"`},
			{"missing days", del("days"), "params", `missing property "days"`},
			{"zero days", map[string]any{"days": 0}, "params.days", `must be >= 1`},
			{"negative balance", map[string]any{"balance": -1}, "params.balance", `must be >= 0`},
			badTeams, unknownParam,
		}},
	)
}

// The examples in the sequence kinds' schemas are valid params.
func TestSequenceParamsExamples(t *testing.T) {
	for _, k := range []string{"window_count", "rest_days", "compression", "rematch_separation", "sequence_pattern", "rest_advantage"} {
		raw, ok := schemas.ParamsSchema(k)
		if !ok {
			t.Fatalf("no schema for %s", k)
		}
		var doc struct {
			Examples []json.RawMessage `json:"examples"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		if len(doc.Examples) == 0 {
			t.Errorf("%s: no examples", k)
		}
		for i, ex := range doc.Examples {
			if err := schemas.ValidateParams(k, ex); err != nil {
				t.Errorf("%s: examples[%d] %s: %v", k, i, ex, err)
			}
		}
	}
}
