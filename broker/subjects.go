package broker

import (
	"strings"
)

// The streams and subjects of CONTRACT §3.
const (
	StreamEval    = "FLEXTIME_EVAL"
	StreamResults = "FLEXTIME_RESULTS"
	StreamDLQ     = "FLEXTIME_DLQ"

	// SubjectConstraintsChanged is announced on core NATS (no stream)
	// whenever a constraint set changes; every instance reloads.
	SubjectConstraintsChanged = "flextime.constraints.changed"
)

// Token makes s safe as one subject token: every character that is not a
// letter, digit, '-' or '_' becomes '_'. An empty s becomes "_".
func Token(s string) string {
	if s == "" {
		return "_"
	}
	ok := true
	for _, r := range s {
		if !tokenRune(r) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if tokenRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// tokenRune: letters and digits of any script, '-' and '_'. Not '.', '*',
// '>' or whitespace, which NATS gives a meaning.
func tokenRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		return true
	}
	return false
}

// EvalSubject is where requests for a schedule go:
// flextime.eval.<sport>.<schedule_id>.
func EvalSubject(sport, scheduleID string) string {
	return "flextime.eval." + Token(sport) + "." + Token(scheduleID)
}

// ResultSubject is where a schedule's results go:
// flextime.results.<sport>.<schedule_id>.
func ResultSubject(sport, scheduleID string) string {
	return "flextime.results." + Token(sport) + "." + Token(scheduleID)
}

// DLQSubject is where a sport's dead letters go: flextime.dlq.<sport>.
func DLQSubject(sport string) string {
	return "flextime.dlq." + Token(sport)
}

// ParseEvalSubject splits a request subject into its sport and schedule
// tokens; ok is false for any other subject.
func ParseEvalSubject(subj string) (sport, scheduleID string, ok bool) {
	rest, found := strings.CutPrefix(subj, "flextime.eval.")
	if !found {
		return "", "", false
	}
	sport, scheduleID, found = strings.Cut(rest, ".")
	if !found || sport == "" || scheduleID == "" || strings.Contains(scheduleID, ".") {
		return "", "", false
	}
	return sport, scheduleID, true
}
