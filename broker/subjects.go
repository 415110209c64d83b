package broker

import "strings"

// The streams and subjects of CONTRACT §3. Request, result and dead-letter
// subjects are built by EvalSubject, ResultSubject and DLQSubject.
const (
	// StreamEval holds evaluation requests, flextime.eval.<sport>.<schedule_id>.
	StreamEval = "FLEXTIME_EVAL"
	// StreamResults holds evaluation results, flextime.results.<sport>.<schedule_id>.
	StreamResults = "FLEXTIME_RESULTS"
	// StreamDLQ holds rejected requests, flextime.dlq.<sport>.
	StreamDLQ = "FLEXTIME_DLQ"

	// SubjectConstraintsChanged is announced on core NATS (no stream)
	// whenever a constraint set changes, so that every instance reloads.
	SubjectConstraintsChanged = "flextime.constraints.changed"
)

const (
	evalPrefix   = "flextime.eval."
	resultPrefix = "flextime.results."
	dlqPrefix    = "flextime.dlq."
)

// Token makes s safe as one subject token: every character that is not an
// ASCII letter, digit, '-' or '_' becomes '_', one '_' per character (so
// "café" is "caf_"). An empty s becomes "_". Restricting tokens to ASCII
// keeps '.', '*', '>' and whitespace, which NATS gives a meaning, out of
// them, and keeps subjects easy to type in a shell.
func Token(s string) string {
	if s == "" {
		return "_"
	}
	if strings.IndexFunc(s, func(r rune) bool { return !tokenRune(r) }) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if tokenRune(r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func tokenRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// EvalSubject is where requests for a schedule are published:
// flextime.eval.<sport>.<schedule_id>, each part passed through Token.
func EvalSubject(sport, scheduleID string) string {
	return evalPrefix + Token(sport) + "." + Token(scheduleID)
}

// ResultSubject is where a schedule's results are published:
// flextime.results.<sport>.<schedule_id>, each part passed through Token.
func ResultSubject(sport, scheduleID string) string {
	return resultPrefix + Token(sport) + "." + Token(scheduleID)
}

// DLQSubject is where a sport's dead letters are published:
// flextime.dlq.<sport>, the sport passed through Token.
func DLQSubject(sport string) string {
	return dlqPrefix + Token(sport)
}

// ParseEvalSubject splits a request subject into its sport and schedule
// tokens, as they appear in the subject (already passed through Token by
// the publisher). ok is false for any subject that is not exactly
// flextime.eval.<sport>.<schedule_id> with two non-empty tokens.
func ParseEvalSubject(subj string) (sport, scheduleID string, ok bool) {
	rest, found := strings.CutPrefix(subj, evalPrefix)
	if !found {
		return "", "", false
	}
	sport, scheduleID, found = strings.Cut(rest, ".")
	if !found || sport == "" || scheduleID == "" || strings.Contains(scheduleID, ".") {
		return "", "", false
	}
	return sport, scheduleID, true
}
