package schemas_test

// Cases for the date-aware counting kinds; each kind's file adds its own.
func init() {
	paramsCases = append(paramsCases,
		paramsCase{"games_count", `{"select": {"venue": "home", "weekdays": ["Sat", "Sun"], "dates": [{"from": "2026-01-01", "to": "2026-03-08"}]}, "min": 4}`, []paramsEdit{
			{"no bound", del("min"), "params", `missing property "min" or "max"`},
			{"bad weekday", map[string]any{"select": map[string]any{"weekdays": []any{"Sunday"}}}, "params.select.weekdays[0]", `must be one of`},
			{"bad date", map[string]any{"select": map[string]any{"dates": []any{map[string]any{"from": "2026-1-1", "to": "2026-01-02"}}}}, "params.select.dates[0].from", `must match`},
			{"bad scope", map[string]any{"scope": "league"}, "params.scope", `must be one of`},
			unknownParam,
		}},
		paramsCase{"meeting_distribution", `{"select": {"kinds": ["conference"]}, "distribution": {"2": 3, "1": 12}}`, []paramsEdit{
			{"missing distribution", del("distribution"), "params", `missing property "distribution"`},
			{"bad key", map[string]any{"distribution": map[string]any{"twice": 3}}, "params", `(got "twice")`},
			unknownParam,
		}},
		paramsCase{"max_consecutive", `{"venue": "away", "max": 2, "select": {"kinds": ["conference"]}}`, []paramsEdit{
			{"bad venue", map[string]any{"venue": "road"}, "params.venue", `must be one of`},
			{"no max", del("max"), "params", ``},
			{"negative max", map[string]any{"max": -1}, "params.max", `must be >= 0`},
			unknownParam,
		}},
	)
}
