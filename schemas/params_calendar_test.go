package schemas_test

import (
	"encoding/json"
	"testing"

	"github.com/flextime/flextime/schemas"
)

// Cases for the calendar kinds: forbidden, season_window, start_times,
// venue_unavailable, venue_turnaround and byes.
func init() {
	paramsCases = append(paramsCases,
		paramsCase{"forbidden", `{"select": {"teams": ["BYU"], "weekdays": ["Sun"]}}`, []paramsEdit{
			{"missing select", del("select"), "params", `missing property "select"`},
			{"bad weekday", map[string]any{"select": map[string]any{"weekdays": []any{"Sunday"}}}, "params.select.weekdays[0]", `must be one of`},
			{"unknown select field", map[string]any{"select": map[string]any{"team": []any{"BYU"}}}, "params.select", `unknown property "team"`},
			unknownParam,
		}},
		paramsCase{"season_window", `{"select": {"kinds": ["conference"]}, "from": "2026-01-01", "to": "2026-03-08"}`, []paramsEdit{
			{"no bound", del("from", "to"), "params", `missing property "from" or "to"`},
			{"bad to", map[string]any{"to": "March 8"}, "params.to", `must match`},
			{"from not a string", map[string]any{"from": 20260101}, "params.from", `must be a string`},
			unknownParam,
		}},
		paramsCase{"start_times", `{"select": {"networks": ["ESPN"], "weekdays": ["Mon"]}, "windows": [{"from": "18:00", "to": "21:00"}]}`, []paramsEdit{
			{"missing windows", del("windows"), "params", `missing property "windows"`},
			{"missing select", del("select"), "params", `missing property "select"`},
			{"no windows", map[string]any{"windows": []any{}}, "params.windows", `must have at least 1 item`},
			{"bad clock", map[string]any{"windows": []any{map[string]any{"from": "7pm", "to": "21:00"}}}, "params.windows[0].from", `must match`},
			{"window without end", map[string]any{"windows": []any{map[string]any{"from": "18:00"}}}, "params.windows[0]", `missing property "to"`},
			unknownParam,
		}},
		paramsCase{"venue_unavailable", `{"venue": "allen-fieldhouse", "periods": [{"from": "2026-02-06T00:00:00-06:00", "to": "2026-02-09T00:00:00-06:00"}], "sports": ["mbb"]}`, []paramsEdit{
			{"missing venue", del("venue"), "params", `missing property "venue"`},
			{"empty venue", map[string]any{"venue": ""}, "params.venue", `must not be empty`},
			{"missing periods", del("periods"), "params", `missing property "periods"`},
			{"bad datetime", map[string]any{"periods": []any{map[string]any{"from": "2026-02-06", "to": "2026-02-09T00:00:00-06:00"}}}, "params.periods[0].from", `date-time`},
			{"unknown period field", map[string]any{"periods": []any{map[string]any{"from": "2026-02-06T00:00:00-06:00", "to": "2026-02-09T00:00:00-06:00", "until": "x"}}}, "params.periods[0]", `unknown property "until"`},
			{"sports not array", map[string]any{"sports": "mbb"}, "params.sports", `must be an array`},
			unknownParam,
		}},
		paramsCase{"venue_turnaround", `{"venues": ["allen-fieldhouse"], "hours": 4, "sports": {"wgym": {"before": 12, "after": 8}}}`, []paramsEdit{
			{"missing hours", del("hours"), "params", `missing property "hours"`},
			{"negative hours", map[string]any{"hours": -1}, "params.hours", `must be >= 0`},
			{"fractional hours", map[string]any{"hours": 4.5}, "params.hours", `must be an integer`},
			{"bad sport field", map[string]any{"sports": map[string]any{"wgym": map[string]any{"during": 3}}}, "params.sports.wgym", `unknown property "during"`},
			{"negative before", map[string]any{"sports": map[string]any{"wgym": map[string]any{"before": -12}}}, "params.sports.wgym.before", `must be >= 0`},
			unknownParam,
		}},
		paramsCase{"byes", `{"min": 1, "max": 1, "weekdays": ["Mon", "Tue", "Wed", "Thu"]}`, []paramsEdit{
			{"nothing to check", del("min", "max", "weekdays"), "params", `missing property "min" or "max" or "weekdays"`},
			{"bad weekday", map[string]any{"weekdays": []any{"Monday"}}, "params.weekdays[0]", `must be one of`},
			{"negative min", map[string]any{"min": -1}, "params.min", `must be >= 0`},
			badTeams, unknownParam,
		}},
	)
}

// TestCalendarParamsExamples holds the calendar kinds' schema examples,
// which the catalogue's docs show, to their own schemas.
func TestCalendarParamsExamples(t *testing.T) {
	for _, k := range []string{"forbidden", "season_window", "start_times", "venue_unavailable", "venue_turnaround", "byes"} {
		raw, ok := schemas.ParamsSchema(k)
		if !ok {
			t.Fatalf("no params schema for %s", k)
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
				t.Errorf("%s: example %d: %v", k, i, err)
			}
		}
	}
}
