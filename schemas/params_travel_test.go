package schemas_test

// Cases for the travel kind.
func init() {
	paramsCases = append(paramsCases,
		paramsCase{"travel", `{"teams": ["KU"], "select": {"kinds": ["conference"]}, "max_trip_km": 2500, "max_tz_changes": 6}`, []paramsEdit{
			{"no bound", del("max_trip_km", "max_tz_changes"), "params", `missing property "max_trip_km" or "min_trip_km" or "max_season_km" or "max_tz_changes"`},
			{"negative max trip", map[string]any{"max_trip_km": -1}, "params.max_trip_km", `must be >= 0`},
			{"fractional season", map[string]any{"max_season_km": 1500.5}, "params.max_season_km", `must be an integer`},
			{"string tz changes", map[string]any{"max_tz_changes": "4"}, "params.max_tz_changes", `must be an integer (got a string)`},
			{"bad select", map[string]any{"select": map[string]any{"venue": "road"}}, "params.select.venue", `must be one of`},
			badTeams, unknownParam,
		}},
	)
}
