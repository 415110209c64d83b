package evaluator_test

import (
	"strings"
	"testing"
)

// TestByesSelect: a non-conference game fills no conference bye unless
// the rule selects it. Without a selector the rule could not tell them
// apart, and KU's non-conference Saturday counted as a played week.
func TestByesSelect(t *testing.T) {
	s := dated(t,
		"BYU-KU 2025-09-13", "UTAH-KU 2025-09-27",
		"KU-WVU 2025-10-04 kind=nonconference", // WVU stands in for a non-conference opponent
		"KU-KSU 2025-10-11",
		"ISU-UCF 2025-09-20", // another game on the open Saturday
	)
	s.Sport = "football"
	conf := `"select":{"kinds":["conference"]}`
	if got, _ := devOf(t, s, "byes", `{"teams":["KU"],`+conf+`,"min":2,"max":2}`); got != 0 {
		t.Errorf("conference byes: %d, want 0 (Sep 20 and the non-conference Oct 4)", got)
	}
	if got, _ := devOf(t, s, "byes", `{"teams":["KU"],"min":2,"max":2}`); got != 1 {
		t.Errorf("any game fills a bye: %d, want 1", got)
	}
}

// TestByesAwayByeAway: a bye between two road games, which a football
// office avoids, is reported.
func TestByesAwayByeAway(t *testing.T) {
	s := dated(t, "BYU-KU 2025-09-13", "ISU-UCF 2025-09-20", "UTAH-KU 2025-09-27", "KU-KSU 2025-10-04", "TCU-HOU 2025-10-11", "ISU-KU 2025-10-18")
	s.Sport = "football"
	aba := `"avoid_between":{"before":"away","after":"away"}`
	got, v := devOf(t, s, "byes", `{"teams":["KU"],`+aba+`}`)
	if got != 1 || len(v) != 1 || !strings.Contains(v[0].Message, "KU has a bye between a road game and a road game") ||
		len(v[0].Games) != 2 || v[0].Games[0] != "BYU-KU@2025-09-13" {
		t.Errorf("away-bye-away: %d, want 1 (home to KSU, bye, at ISU is fine): %+v", got, v)
	}
	if got, _ := devOf(t, s, "byes", `{"teams":["KU"],"avoid_between":{"before":"home","after":"away"}}`); got != 1 {
		t.Errorf("home-bye-away: %d, want 1", got)
	}
}

// TestRestDaysNext: a short-week rule counts only the gaps that end at a
// Thursday game: KU plays Saturday then Thursday (5 days), and its
// Saturday-to-Saturday weeks are fine.
func TestRestDaysNext(t *testing.T) {
	s := dated(t, "BYU-KU 2025-09-13", "KU-KSU 2025-09-20", "UTAH-KU 2025-09-25", "KU-ISU 2025-10-04")
	s.Sport = "football"
	thu := `"next":{"weekdays":["Thu","Fri"]}`
	got, v := devOf(t, s, "rest_days", `{"teams":["KU"],`+thu+`,"min_days":8}`)
	if got != 3 || len(v) != 1 || v[0].Games[1] != "UTAH-KU@2025-09-25" {
		t.Errorf("Thursday recovery: %d, want 3 (5 days of 8): %+v", got, v)
	}
	// Without next every gap counts: the Saturday-to-Saturday week too.
	if got, _ := devOf(t, s, "rest_days", `{"teams":["KU"],"min_days":8}`); got != 1+3 {
		t.Errorf("every gap: %d, want 4", got)
	}
}
