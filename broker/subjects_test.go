package broker

import "testing"

func TestToken(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"mbb", "mbb"},
		{"big12-mbb_2025-26", "big12-mbb_2025-26"},
		{"ITC2021_Early_01", "ITC2021_Early_01"},
		{"", "_"},
		{"a.b", "a_b"},
		{"...", "___"},
		{"a b", "a_b"},
		{" a\tb\n", "_a_b_"},
		{"*", "_"},
		{">", "_"},
		{"flextime.eval.>", "flextime_eval__"},
		{"a*b>c", "a_b_c"},
		{"café", "caf_"},       // one '_' per character, not per byte
		{"日本", "__"},           // letters, but not ASCII
		{"٣", "_"},             // a digit, but not ASCII
		{"🏀-2026", "_-2026"},   // outside the BMP
		{"x/y:z@w", "x_y_z_w"}, // punctuation
		{"a\xffb", "a_b"},      // invalid UTF-8
	} {
		if got := Token(c.in); got != c.want {
			t.Errorf("Token(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSubjects(t *testing.T) {
	for _, c := range []struct{ name, got, want string }{
		{"eval", EvalSubject("mbb", "big12-mbb-2025-26"), "flextime.eval.mbb.big12-mbb-2025-26"},
		{"eval escaped", EvalSubject("m.b", "s 1*>"), "flextime.eval.m_b.s_1__"},
		{"eval empty", EvalSubject("", ""), "flextime.eval._._"},
		{"result", ResultSubject("mbb", "x"), "flextime.results.mbb.x"},
		{"result escaped", ResultSubject("wbb", "é.1"), "flextime.results.wbb.__1"},
		{"dlq", DLQSubject("mbb"), "flextime.dlq.mbb"},
		{"dlq empty", DLQSubject(""), "flextime.dlq._"},
		{"dlq escaped", DLQSubject("a>b"), "flextime.dlq.a_b"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

func TestParseEvalSubject(t *testing.T) {
	for _, c := range []struct {
		subj, sport, id string
		ok              bool
	}{
		{"flextime.eval.mbb.s1", "mbb", "s1", true},
		{"flextime.eval.itc2021_early_01.sol-3", "itc2021_early_01", "sol-3", true},
		{"flextime.eval.mbb", "", "", false},
		{"flextime.eval.mbb.", "", "", false},
		{"flextime.eval..s1", "", "", false},
		{"flextime.eval.a.b.c", "", "", false},
		{"flextime.results.mbb.s1", "", "", false},
		{"flextime.dlq.mbb", "", "", false},
		{"flextime.eval", "", "", false},
		{"", "", "", false},
	} {
		sport, id, ok := ParseEvalSubject(c.subj)
		if sport != c.sport || id != c.id || ok != c.ok {
			t.Errorf("ParseEvalSubject(%q) = %q, %q, %v; want %q, %q, %v", c.subj, sport, id, ok, c.sport, c.id, c.ok)
		}
	}
	// Whatever the schedule's fields hold, the subject parses back into
	// their tokens.
	for _, f := range [][2]string{{"mbb", "s1"}, {"a.b", "c d"}, {"", ""}, {"*", ">"}, {"ü", "x.y.z"}} {
		sport, id, ok := ParseEvalSubject(EvalSubject(f[0], f[1]))
		if !ok || sport != Token(f[0]) || id != Token(f[1]) {
			t.Errorf("round trip of %q: %q, %q, %v", f, sport, id, ok)
		}
	}
}
