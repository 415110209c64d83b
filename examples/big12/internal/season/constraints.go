package season

import (
	"encoding/json"
	"fmt"
	"time"
)

// doc is a CONTRACT §2 constraint document, fields in the contract's order.
type doc struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Sport    string         `json:"sport"`
	Kind     string         `json:"kind"`
	Hard     bool           `json:"hard"`
	Penalty  float64        `json:"penalty"`
	Priority string         `json:"priority"`
	Params   map[string]any `json:"params"`
	Metadata meta           `json:"metadata"`
}

type meta struct {
	Tags   []string `json:"tags"`
	Source string   `json:"source"`
	Note   string   `json:"note,omitempty"`
}

type obj = map[string]any

// set collects a sport's constraints.
type set struct {
	sport string
	docs  []doc
}

func (c *set) hard(id, name, kind string, params obj, tags ...string) *doc {
	c.docs = append(c.docs, doc{ID: id, Name: name, Sport: c.sport, Kind: kind, Hard: true, Penalty: 1,
		Priority: "required", Params: params, Metadata: meta{Tags: tags, Source: "big12-2025-26"}})
	return &c.docs[len(c.docs)-1]
}

func (c *set) soft(id, name, kind string, weight float64, params obj, tags ...string) *doc {
	prio := "medium"
	switch {
	case weight >= 0.7:
		prio = "high"
	case weight < 0.1:
		prio = "low"
	}
	c.docs = append(c.docs, doc{ID: id, Name: name, Sport: c.sport, Kind: kind, Hard: false, Penalty: weight,
		Priority: prio, Params: params, Metadata: meta{Tags: tags, Source: "big12-2025-26"}})
	return &c.docs[len(c.docs)-1]
}

func (c *set) ndjson() []byte {
	var out []byte
	for _, d := range c.docs {
		line, err := json.Marshal(d)
		if err != nil {
			panic(err) // plain maps and strings: cannot happen
		}
		out = append(append(out, line...), '\n')
	}
	return out
}

var conference = obj{"kinds": []string{"conference"}}

func sel(kv ...any) obj {
	o := obj{}
	for i := 0; i+1 < len(kv); i += 2 {
		o[kv[i].(string)] = kv[i+1]
	}
	return o
}

func dates(from, to time.Time) obj {
	return obj{"from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)}
}

// everySport adds the rules the reference gives for every sport.
func (c *set) everySport(travel travelLimits) {
	p := c.sport
	c.hard(p+"-byu-no-sunday", "BYU never plays on a Sunday", "forbidden",
		obj{"select": sel("teams", []string{"BYU"}, "weekdays", []string{"Sun"})}, "every-sport", "byu", "days")
	c.soft(p+"-exams", "No games during final exams (fall 2025-12-08..15, spring 2026-05-04..11)", "forbidden", 0.8,
		obj{"select": sel("dates", []obj{dates(fallExams[0], fallExams[1]), dates(springExams[0], springExams[1])})},
		"every-sport", "academics")
	d := c.hard(p+"-venue-turnaround", "Shared venues: at least 6 h between two events on one day (gymnastics: 12 h before, 8 h after)",
		"venue_turnaround", obj{"hours": 6, "sports": obj{"wgym": obj{"before": 12, "after": 8}}}, "every-sport", "venue")
	d.Metadata.Note = "the reference gives a 4 h standard and a 6 h minimum turnaround; the minimum is the hard rule"
	// travel deviates by the kilometre: a penalty per 1,000 km keeps one
	// long trip from outweighing every other soft rule.
	c.soft(p+"-road-trip-length", fmt.Sprintf("Limit long road trips: at most %d km on one trip", travel.trip), "travel", 0.001,
		obj{"select": conference, "max_trip_km": travel.trip}, "every-sport", "travel").Metadata.Note = "penalty per km over (1 per 1,000 km): weight not given by the reference; the limit is this sample's"
	c.soft(p+"-season-travel", fmt.Sprintf("Minimise travel: at most %d km in the season", travel.season), "travel", 0.001,
		obj{"select": conference, "max_season_km": travel.season}, "every-sport", "travel").Metadata.Note = "penalty per km over (1 per 1,000 km): weight not given by the reference; the limit is this sample's"
	c.soft(p+"-time-zone-changes", fmt.Sprintf("Minimise time-zone changes: at most %d in the season", travel.tz), "travel", 0.5,
		obj{"select": conference, "max_tz_changes": travel.tz}, "every-sport", "travel").Metadata.Note = "weight not given by the reference; the limit is this sample's"
}

type travelLimits struct{ trip, season, tz int }

// basketball adds the home/away balance and integrity rules the men and
// women share.
func (c *set) basketball(games int, twice, once int) {
	p := c.sport
	c.hard(p+"-games", fmt.Sprintf("Each team plays %d conference games", games), "games_count",
		obj{"select": conference, "min": games, "max": games}, "format")
	c.hard(p+"-meetings", fmt.Sprintf("%d opponents twice, %d once", twice, once), "meeting_distribution",
		obj{"select": conference, "distribution": obj{"2": twice, "1": once}}, "format")
	c.hard(p+"-rematch-home-and-away", "Opponents met twice: once at home, once away", "games_count",
		obj{"scope": "opponent", "select": sel("kinds", []string{"conference"}, "venue", "home"), "max": 1}, "format", "home-away")
	for _, pos := range []string{"first", "last"} {
		for _, v := range []string{"home", "away"} {
			c.hard(fmt.Sprintf("%s-%s-four-%s", p, pos, v), fmt.Sprintf("At least 2 %s games among the %s four", v, pos), "window_count",
				obj{"select": conference, "venue": v, "window": 4, "position": pos, "min": 2}, "home-away")
		}
	}
	c.hard(p+"-weekend-home", "At least 4 weekend (Saturday or Sunday) home games", "games_count",
		obj{"select": sel("kinds", []string{"conference"}, "venue", "home", "weekdays", []string{"Sat", "Sun"}), "min": 4}, "home-away", "days")
	c.hard(p+"-max-road-streak", "At most 2 consecutive road games", "max_consecutive",
		obj{"select": conference, "venue": "away", "max": 2}, "home-away")
	c.hard(p+"-no-sat-mon-wed", "No Saturday-Monday-Wednesday run: at most 2 games in any 5 days", "compression",
		obj{"select": conference, "days": 5, "max": 2}, "rest")
	c.hard(p+"-rematch-separation", "Rematches at least 3 games and 10 days apart", "rematch_separation",
		obj{"select": conference, "min_games": 3, "min_days": 10}, "rematch")
	c.soft(p+"-rematch-preferred", "Rematches preferably 4 games and 15 days apart", "rematch_separation", 0.5,
		obj{"select": conference, "min_games": 4, "min_days": 15}, "rematch").Metadata.Note = "weight not given by the reference"
	c.soft(p+"-no-4-road-in-5", "No 4 road games in any 5", "window_count", 0.7,
		obj{"select": conference, "venue": "away", "window": 5, "position": "any", "max": 3}, "home-away")
	c.soft(p+"-first-six-road", "No 4 road games in the first 6", "window_count", 0.7,
		obj{"select": conference, "venue": "away", "window": 6, "position": "first", "max": 3}, "home-away")
	c.soft(p+"-last-six-road", "No 4 road games in the last 6", "window_count", 0.7,
		obj{"select": conference, "venue": "away", "window": 6, "position": "last", "max": 3}, "home-away")
	c.soft(p+"-open-two-road", "Do not open with two road games", "window_count", 0.5,
		obj{"select": conference, "venue": "away", "window": 2, "position": "first", "max": 1}, "home-away")
	c.soft(p+"-close-two-road", "Do not close with two road games", "window_count", 0.5,
		obj{"select": conference, "venue": "away", "window": 2, "position": "last", "max": 1}, "home-away")
}

func mbbConstraints(travel travelLimits) []byte {
	c := &set{sport: "mbb"}
	c.basketball(18, 3, 12)
	c.hard("mbb-one-bye", "Exactly one bye in the 19 windows", "byes", obj{"min": 1, "max": 1}, "format")
	c.hard("mbb-season-window", "Conference season January to early March 2026, before the tournament (March 10-14)", "season_window",
		obj{"select": conference, "from": "2026-01-01", "to": "2026-03-09"}, "calendar")
	c.hard("mbb-big-monday-after-home-saturday", "A road Big Monday game (ESPN, Monday) follows a home Saturday game", "sequence_pattern",
		obj{"if": sel("venue", "away", "weekdays", []string{"Mon"}, "networks", []string{"ESPN"}),
			"then": sel("venue", "home", "weekdays", []string{"Sat"}), "direction": "before"}, "tv", "rest")
	c.soft("mbb-byes-midweek", "Byes mid-week, not on weekends", "byes", 0.7,
		obj{"weekdays": []string{"Mon", "Tue", "Wed"}}, "format", "days")
	c.soft("mbb-bye-advantage-balance", "Balance games against opponents coming off a bye (at most 1 apart)", "rest_advantage", 0.65,
		obj{"select": conference, "days": 3, "balance": 1}, "rest").Metadata.Note = "coming off a bye: the opponent rested at least 3 days more, which no Saturday/Monday-Wednesday alternation gives without a bye"
	c.everySport(travel)
	return c.ndjson()
}

func wbbConstraints(travel travelLimits, mbbHome map[string][]string) []byte {
	c := &set{sport: "wbb"}
	c.basketball(20, 5, 10)
	c.hard("wbb-no-byes", "No byes: a game in each of the 20 windows", "byes", obj{"max": 0}, "format")
	c.hard("wbb-season-window", "Conference season December 2025 to early March 2026, before the tournament (March 4-9)", "season_window",
		obj{"select": conference, "from": "2025-12-01", "to": "2026-03-03"}, "calendar")
	for _, t := range Teams {
		days := mbbHome[t.ID]
		if len(days) == 0 {
			continue
		}
		loc := t.location()
		var periods []obj
		for _, d := range days {
			day, _ := time.Parse(time.DateOnly, d)
			from := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
			periods = append(periods, obj{"from": from.Format(time.RFC3339), "to": from.Add(24*time.Hour - time.Second).Format(time.RFC3339)})
		}
		c.soft("wbb-mbb-same-day-"+lower(t.ID), fmt.Sprintf("%s: no women's home game on a men's home game day", t.Name), "venue_unavailable", 0.6,
			obj{"venue": t.Venue, "periods": periods}, "venue", "men-women").Metadata.Note = "the days are the men's home games of examples/big12/mbb"
	}
	c.everySport(travel)
	return c.ndjson()
}

func footballConstraints(weeks int, travel travelLimits, first time.Time) []byte {
	c := &set{sport: "football"}
	c.hard("football-games", "Each team plays 9 conference games", "games_count",
		obj{"select": conference, "min": 9, "max": 9}, "format")
	c.hard("football-meetings", "9 different opponents", "meeting_distribution",
		obj{"select": conference, "distribution": obj{"1": 9}}, "format")
	window := c.hard("football-season-window", fmt.Sprintf("Conference play within the %d-week window ending Thanksgiving Saturday 2025-11-29", weeks),
		"season_window", obj{"select": conference, "from": first.Format(time.DateOnly), "to": thanksgiving.Format(time.DateOnly)}, "calendar")
	window.Metadata.Note = "the window is a parameter (-football-weeks): the reference gives a 12-week season and also a 9-week conference window, which would leave no open week"
	open := c.hard("football-open-weeks", fmt.Sprintf("%d open weeks in the %d-week window", weeks-9, weeks), "byes",
		obj{"min": weeks - 9, "max": weeks - 9}, "format")
	open.Metadata.Note = "follows the window parameter; with a 9-week window there is none"
	c.hard("football-max-road-streak", "At most 2 consecutive conference road games", "max_consecutive",
		obj{"select": conference, "venue": "away", "max": 2}, "home-away")
	c.hard("football-no-4-road-in-5", "Never 4 road games in 5", "window_count",
		obj{"select": conference, "venue": "away", "window": 5, "position": "any", "max": 3}, "home-away")
	c.hard("football-back-to-back-road", "No team plays two sets of back-to-back road games", "max_consecutive",
		obj{"select": conference, "venue": "away", "run_length": 2, "max_runs": 1}, "home-away")
	c.hard("football-open-week-advantage", "No team meets an opponent coming off an open week more than twice", "rest_advantage",
		obj{"select": conference, "days": 7, "max": 2}, "rest")
	c.hard("football-thursday-recovery", "No team meets an opponent with 2 or more days more rest (off a Thursday or Friday game, or an open week) more than twice", "rest_advantage",
		obj{"select": conference, "days": 2, "max": 2}, "rest", "tv").Metadata.Note = "the reference says only \"similar recovery for Thursday-game teams\": read as the open-week rule for the 2 extra days a Thursday or Friday game gives"
	c.hard("football-broadcast-abc-espn", "ABC/ESPN obligation: at least 18 conference games", "games_count",
		obj{"scope": "total", "select": sel("kinds", []string{"conference"}, "networks", []string{"ABC", "ESPN"}), "min": 18}, "tv").Metadata.Note = "the number is this sample's"
	c.hard("football-broadcast-fox", "FOX/FS1 obligation: at least 18 conference games", "games_count",
		obj{"scope": "total", "select": sel("kinds", []string{"conference"}, "networks", []string{"FOX", "FS1"}), "min": 18}, "tv").Metadata.Note = "the number is this sample's"
	c.hard("football-broadcast-windows-espn", "ABC/ESPN games kick off in the network's windows (noon, 3:30 and 7:30 ET, in local time)", "start_times",
		obj{"select": sel("networks", []string{"ABC", "ESPN", "ESPN2"}), "windows": []obj{{"from": "09:00", "to": "12:00"}, {"from": "12:30", "to": "15:30"}, {"from": "16:30", "to": "20:00"}}}, "tv")
	c.hard("football-broadcast-windows-fox", "FOX/FS1 games kick off in the network's windows (noon and 7:30 ET, in local time)", "start_times",
		obj{"select": sel("networks", []string{"FOX", "FS1"}), "windows": []obj{{"from": "09:00", "to": "12:00"}, {"from": "16:30", "to": "19:30"}}}, "tv")
	c.soft("football-home-first-two", "A home game among the first two", "window_count", 0.7,
		obj{"select": conference, "venue": "home", "window": 2, "position": "first", "min": 1}, "home-away")
	c.soft("football-home-last-two", "A home game among the last two", "window_count", 0.6,
		obj{"select": conference, "venue": "home", "window": 2, "position": "last", "min": 1}, "home-away")
	for w := 0; w+3 <= weeks; w++ {
		d := c.soft(fmt.Sprintf("football-home-in-weeks-%02d-%02d", w+1, w+3), fmt.Sprintf("A home game in weeks %d-%d (never three straight weeks without one)", w+1, w+3),
			"games_count", 0.8, obj{"select": sel("kinds", []string{"conference"}, "venue", "home", "slots", obj{"from": w, "to": w + 2}), "min": 1}, "home-away")
		d.Metadata.Note = "one constraint per span of three weeks; an away-bye-away stretch is one of them"
	}
	c.everySport(travel)
	return c.ndjson()
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
