package deploy_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/promql/promqltest"
	"github.com/prometheus/prometheus/rules"
)

// The alert rules are evaluated by Prometheus's own rule engine, as
// promtool's rule unit tests do, on series written in promqltest's load
// syntax at the scrape and evaluation interval of prometheus.yml (15s):
// "0x20 1x40" is 21 samples of 0 then 41 of 1, "_x20" 21 missing ones.

const step = 15 * time.Second

// parsedAlertRules parses alerts.yml with rulefmt, as Prometheus loads it, and
// returns its alerting rules by name.
func parsedAlertRules(t *testing.T) map[string]rulefmt.Rule {
	t.Helper()
	groups, errs := rulefmt.ParseFile(filepath.Join("prometheus", "alerts.yml"), false, model.UTF8Validation,
		parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	if len(errs) > 0 {
		t.Fatalf("alerts.yml: %v", errs)
	}
	out := map[string]rulefmt.Rule{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				out[r.Alert] = r
			}
		}
	}
	return out
}

// firing evaluates rule every step over the samples' span (steps
// evaluations) and returns the label sets of the alerts that fired at
// some evaluation, as "label=value,..." with the rule's own labels.
func firing(t *testing.T, rule rulefmt.Rule, series string, steps int) []string {
	t.Helper()
	storage := promqltest.LoadedStorage(t, "load 15s\n"+series)
	engine := promqltest.NewTestEngine(t, false, 0, promqltest.DefaultMaxSamplesPerQuery)
	expr, err := parser.NewParser(parser.Options{}).ParseExpr(rule.Expr)
	if err != nil {
		t.Fatalf("%s: %v", rule.Alert, err)
	}
	ar := rules.NewAlertingRule(rule.Alert, expr, time.Duration(rule.For), time.Duration(rule.KeepFiringFor),
		labels.FromMap(rule.Labels), labels.FromMap(rule.Annotations), labels.EmptyLabels(), "", true,
		slog.New(slog.DiscardHandler))
	query := rules.EngineQueryFunc(engine, storage)
	seen := map[string]bool{}
	var out []string
	start := time.Unix(0, 0).UTC()
	for i := range steps {
		if _, err := ar.Eval(context.Background(), 0, start.Add(time.Duration(i)*step), query, nil, 0); err != nil {
			t.Fatalf("%s at step %d: %v", rule.Alert, i, err)
		}
		for _, a := range ar.ActiveAlerts() {
			if a.State == rules.StateFiring && !seen[a.Labels.String()] {
				seen[a.Labels.String()] = true
				out = append(out, a.Labels.String())
			}
		}
	}
	return out
}

// TestAlertRules: each alert of alerts.yml fires on the series that should
// raise it, and stays quiet on those that should not.
func TestAlertRules(t *testing.T) {
	all := parsedAlertRules(t)
	const a = `{job="flextime",instance="a:3000"}`
	cases := []struct {
		alert, name, series string
		steps               int
		fires               bool
	}{
		// A single dead letter must be seen. The counter's class series is
		// born at 1 with the first dead letter of its class (a CounterVec
		// child exists only once used): rate() and increase() over it are 0.
		{"FlextimeDeadLetters", "first dead letter, series born at 1",
			`up` + a + ` 1x80
			 flextime_messages_dead_lettered_total{job="flextime",instance="a:3000",class="bad_input"} _x20 1x60`, 80, true},
		{"FlextimeDeadLetters", "first dead letter of a new instance",
			`up` + a + ` _x20 1x60
			 flextime_messages_dead_lettered_total{job="flextime",instance="a:3000",class="bad_input"} _x24 1x56`, 80, true},
		{"FlextimeDeadLetters", "one more dead letter",
			`up` + a + ` 1x80
			 flextime_messages_dead_lettered_total{job="flextime",instance="a:3000",class="poison"} 3x20 4x60`, 80, true},
		{"FlextimeDeadLetters", "dead letter after a restart",
			`up` + a + ` 1x20 0x10 1x60
			 flextime_messages_dead_lettered_total{job="flextime",instance="a:3000",class="bad_input"} 5x20 _x10 1x60`, 80, true},
		{"FlextimeDeadLetters", "none for an hour",
			`up` + a + ` 1x300
			 flextime_messages_dead_lettered_total{job="flextime",instance="a:3000",class="bad_input"} 2x300`, 300, false},
		{"FlextimeDeadLetters", "none, with a failed scrape",
			`up` + a + ` 1x40 0 1x40
			 flextime_messages_dead_lettered_total{job="flextime",instance="a:3000",class="bad_input"} 2x40 _ 2x40`, 82, false},
		{"FlextimeDeadLetters", "no series at all",
			`up` + a + ` 1x80
			 flextime_messages_received_total` + a + ` 0+10x80`, 80, false},

		{"FlextimeDown", "no target", `some_other_metric 1x40`, 40, true},
		{"FlextimeDown", "target up", `up` + a + ` 1x40`, 40, false},

		{"FlextimeInstanceDown", "down 10m", `up` + a + ` 0x40`, 40, true},
		{"FlextimeInstanceDown", "down 2m", `up` + a + ` 1x20 0x8 1x20`, 48, false},
		{"FlextimeInstanceDown", "up", `up` + a + ` 1x40`, 40, false},

		{"FlextimeCircuitOpen", "open 10m", `flextime_circuit_open` + a + ` 0x4 1x40`, 44, true},
		{"FlextimeCircuitOpen", "open 2m", `flextime_circuit_open` + a + ` 0x4 1x8 0x40`, 52, false},

		{"FlextimeSlowEvaluations", "all over a second",
			`constraint_evaluation_duration_seconds_bucket{job="flextime",instance="a:3000",le="0.1"} 0x80
			 constraint_evaluation_duration_seconds_bucket{job="flextime",instance="a:3000",le="1"} 0x80
			 constraint_evaluation_duration_seconds_bucket{job="flextime",instance="a:3000",le="+Inf"} 0+10x80`, 80, true},
		{"FlextimeSlowEvaluations", "all under 0.1s",
			`constraint_evaluation_duration_seconds_bucket{job="flextime",instance="a:3000",le="0.1"} 0+10x80
			 constraint_evaluation_duration_seconds_bucket{job="flextime",instance="a:3000",le="1"} 0+10x80
			 constraint_evaluation_duration_seconds_bucket{job="flextime",instance="a:3000",le="+Inf"} 0+10x80`, 80, false},

		{"FlextimePanics", "one panic", `flextime_panics_total` + a + ` 0x20 1x40`, 60, true},
		{"FlextimePanics", "none", `flextime_panics_total` + a + ` 0x60`, 60, false},
	}
	tested := map[string]bool{}
	for _, c := range cases {
		t.Run(c.alert+"/"+c.name, func(t *testing.T) {
			rule, ok := all[c.alert]
			if !ok {
				t.Fatalf("alerts.yml has no alert %s", c.alert)
			}
			tested[c.alert] = true
			got := firing(t, rule, c.series, c.steps)
			if c.fires && len(got) == 0 {
				t.Errorf("%s did not fire within %s on\n%s", c.alert, time.Duration(c.steps)*step, c.series)
			}
			if !c.fires && len(got) != 0 {
				t.Errorf("%s fired (%s) on\n%s", c.alert, strings.Join(got, "; "), c.series)
			}
		})
	}
	for name := range all {
		if !tested[name] {
			t.Errorf("alert %s has no test here", name)
		}
	}
}
