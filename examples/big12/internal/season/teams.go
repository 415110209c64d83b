// Package season generates the sample Big 12 seasons of examples/big12:
// a schedule and a constraint set per sport, reproducible for a seed.
//
// A season is built the way a conference office would start one: a
// round robin by the circle method gives who meets whom in each window,
// the teams and windows are shuffled with the seed, and a seeded local
// search then orders the windows, orients the games and picks each game's
// day so that the hard rules hold; package improve's search on the
// evaluator then trades the soft rules (Generate).
package season

import (
	"math"
	"time"

	_ "time/tzdata" // the generator must not depend on the machine's zone files
)

// Team is one member school, with its home arena.
type Team struct {
	ID, Name, Venue string
	Lat, Lon        float64
	TZ              string
}

// Teams are the 16 members in the reference's order.
var Teams = []Team{
	{"ARIZ", "Arizona", "mckale-center", 32.230, -110.949, "America/Phoenix"},
	{"ASU", "Arizona State", "desert-financial-arena", 33.424, -111.928, "America/Phoenix"},
	{"BAY", "Baylor", "foster-pavilion", 31.558, -97.116, "America/Chicago"},
	{"BYU", "BYU", "marriott-center", 40.253, -111.651, "America/Denver"},
	{"CIN", "Cincinnati", "fifth-third-arena", 39.131, -84.516, "America/New_York"},
	{"COLO", "Colorado", "cu-events-center", 40.004, -105.262, "America/Denver"},
	{"HOU", "Houston", "fertitta-center", 29.722, -95.346, "America/Chicago"},
	{"ISU", "Iowa State", "hilton-coliseum", 42.014, -93.636, "America/Chicago"},
	{"KU", "Kansas", "allen-fieldhouse", 38.954, -95.252, "America/Chicago"},
	{"KSU", "Kansas State", "bramlage-coliseum", 39.201, -96.594, "America/Chicago"},
	{"OKST", "Oklahoma State", "gallagher-iba-arena", 36.125, -97.069, "America/Chicago"},
	{"TCU", "TCU", "schollmaier-arena", 32.710, -97.368, "America/Chicago"},
	{"TTU", "Texas Tech", "united-supermarkets-arena", 33.591, -101.873, "America/Chicago"},
	{"UCF", "UCF", "addition-financial-arena", 28.607, -81.197, "America/New_York"},
	{"UTAH", "Utah", "huntsman-center", 40.762, -111.839, "America/Denver"},
	{"WVU", "West Virginia", "wvu-coliseum", 39.648, -79.969, "America/New_York"},
}

// teamIndex returns the index of the team with id, or -1.
func teamIndex(id string) int {
	for i, t := range Teams {
		if t.ID == id {
			return i
		}
	}
	return -1
}

// location returns the team's time zone; the zones are embedded, so a
// failure is a typo in Teams.
func (t Team) location() *time.Location {
	loc, err := time.LoadLocation(t.TZ)
	if err != nil {
		panic(err)
	}
	return loc
}

// distanceKM is the great-circle distance between two arenas.
func distanceKM(a, b Team) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dLat, dLon := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
