package schemas

import "encoding/json"

// Schedule is the schedule document of CONTRACT §1: the teams, the slots
// (time runs in ascending slot id), the games, placed or not, and
// optionally the venues the games are played at.
type Schedule struct {
	ID    string `json:"id"`
	Sport string `json:"sport"`
	Teams []Team `json:"teams"`
	Slots []Slot `json:"slots"`
	Games []Game `json:"games"`
	// Venues, when given, locate the games: a game (or a team's home)
	// whose venue is listed is placed at the venue's coordinates and time
	// zone, which is what a neutral site needs. With a list, every venue a
	// game or team names must be in it; without one, venues are labels.
	Venues []Venue `json:"venues,omitempty"`
}

// Venue is one arena or stadium of a schedule's venue list. Sports names
// the sports that share it, for the reader (turnaround rules pick venues
// themselves).
type Venue struct {
	ID     string   `json:"id"`
	Name   string   `json:"name,omitempty"`
	Lat    *float64 `json:"lat,omitempty"`
	Lon    *float64 `json:"lon,omitempty"`
	TZ     string   `json:"tz,omitempty"`
	Sports []string `json:"sports,omitempty"`
}

// Team is one team of a schedule. Lat, Lon and TZ feed travel rules.
type Team struct {
	ID    string   `json:"id"`
	Name  string   `json:"name,omitempty"`
	Venue string   `json:"venue,omitempty"`
	Lat   *float64 `json:"lat,omitempty"`
	Lon   *float64 `json:"lon,omitempty"`
	TZ    string   `json:"tz,omitempty"`
}

// Slot is one round or window of a schedule. Start is RFC 3339 local time,
// of which only the date counts: a slot dates its games, it does not time
// them (a game's own Start is its kick-off). Days is how many local days
// the window covers from that date, 1 when absent: a Mon-Wed window is 3,
// and a game in it without a start of its own has no known weekday.
type Slot struct {
	ID    int    `json:"id"`
	Start string `json:"start,omitempty"`
	Name  string `json:"name,omitempty"`
	Days  int    `json:"days,omitempty"`
}

// Game is one meeting. A nil Slot means the game is unplaced. Start is the
// kick-off; without it the game is dated by its slot but not yet timed.
// Venue defaults to the home team's venue.
type Game struct {
	ID      string `json:"id"`
	Home    string `json:"home"`
	Away    string `json:"away"`
	Slot    *int   `json:"slot,omitempty"`
	Start   string `json:"start,omitempty"`
	Venue   string `json:"venue,omitempty"`
	Network string `json:"network,omitempty"`
	Neutral bool   `json:"neutral,omitempty"`
	Kind    string `json:"kind,omitempty"`
	Sport   string `json:"sport,omitempty"`
	// Locked games keep their teams and slot under flextime improve; the
	// evaluator does not read it.
	Locked bool `json:"locked,omitempty"`
}

// Priorities a constraint may have, most important first.
const (
	PriorityRequired = "required"
	PriorityHigh     = "high"
	PriorityMedium   = "medium"
	PriorityLow      = "low"
)

// Constraint is the constraint document of CONTRACT §2. Params are kept
// raw: their shape belongs to the kind, which validates them against its
// own JSON Schema when the constraint is compiled.
type Constraint struct {
	ID       string          `json:"id"`
	Name     string          `json:"name,omitempty"`
	Sport    string          `json:"sport"`
	Kind     string          `json:"kind"`
	Hard     bool            `json:"hard"`
	Penalty  Fixed           `json:"penalty"`
	Priority string          `json:"priority,omitempty"`
	Params   json.RawMessage `json:"params"`
	Active   *bool           `json:"active,omitempty"`
	Version  int             `json:"version,omitempty"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
}

// IsActive reports whether the constraint takes part in evaluation; an
// absent "active" means true.
func (c *Constraint) IsActive() bool { return c.Active == nil || *c.Active }

// Result statuses.
const (
	StatusOK      = "ok"
	StatusTimeout = "timeout"
	StatusError   = "error"
)

// Result is the evaluation result message of CONTRACT §3.
type Result struct {
	RequestID     string             `json:"request_id,omitempty"`
	ReplayID      string             `json:"replay_id,omitempty"`
	Revision      *int64             `json:"revision,omitempty"`
	ScheduleID    string             `json:"schedule_id"`
	Sport         string             `json:"sport"`
	Status        string             `json:"status"`
	Error         string             `json:"error,omitempty"`
	ConstraintSet string             `json:"constraint_set"`
	Totals        Totals             `json:"totals"`
	Structure     []Violation        `json:"structure,omitempty"`
	Results       []ConstraintResult `json:"results"`
	Changes       []Change           `json:"changes,omitempty"`
	EvaluatedAt   string             `json:"evaluated_at"`
	DurationUS    int64              `json:"duration_us"`
	// Truncated is set when explanations were left out to bound the
	// result: violations past the per-constraint cap, or more to fit the
	// message size. Totals, and each listed constraint's deviation and
	// cost, stay exact and complete. OmittedViolations counts the
	// violations (structure ones included) left out.
	Truncated         bool  `json:"truncated,omitempty"`
	OmittedViolations int64 `json:"omitted_violations,omitempty"`
}

// Totals always cover the whole schedule under the evaluated constraint set.
type Totals struct {
	Infeasibility    Fixed   `json:"infeasibility"`
	Objective        Fixed   `json:"objective"`
	HardViolated     int     `json:"hard_violated"`
	SoftViolated     int     `json:"soft_violated"`
	Evaluated        int     `json:"evaluated"`
	SoftSatisfiedPct float64 `json:"soft_satisfied_pct"`
}

// ConstraintResult is one constraint's score with its explanations.
type ConstraintResult struct {
	ConstraintID string      `json:"constraint_id"`
	Version      int         `json:"version"`
	Kind         string      `json:"kind"`
	Hard         bool        `json:"hard"`
	Deviation    int64       `json:"deviation"`
	Cost         Fixed       `json:"cost"`
	Violations   []Violation `json:"violations,omitempty"`
	// OmittedViolations counts the violations of this constraint left
	// out of Violations when the result was truncated.
	OmittedViolations int `json:"omitted_violations,omitempty"`
}

// Violation names what breaks a rule: the games to move, and the teams and
// slots involved, with a sentence a scheduler understands.
type Violation struct {
	Games     []string `json:"games"`
	Teams     []string `json:"teams,omitempty"`
	Slots     []int    `json:"slots,omitempty"`
	Deviation int64    `json:"deviation,omitempty"`
	Message   string   `json:"message"`
}

// Change is a constraint whose cost moved since the previous evaluation.
type Change struct {
	ConstraintID string `json:"constraint_id"`
	Before       Fixed  `json:"before"`
	After        Fixed  `json:"after"`
}
