package cli

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flextime/flextime/internal/testenv"
)

// TestBenchCommand runs a tiny bench through the real command against an
// embedded server: the table names every workload, and --json holds every
// field with a finite positive ratio. No timing is asserted.
func TestBenchCommand(t *testing.T) {
	t.Setenv("NATS_URL", "") // CI points it at the machine's server; bench runs its own
	itc := filepath.Join(testenv.SharedDir(t), "itc2021")
	status, out, errOut := run(t, "bench", "--requests", "6", "--workload", "mbb-full", "--log-level", "error")
	if status != ExitOK {
		t.Fatalf("table run: status %d, stderr %q", status, errOut)
	}
	for _, want := range []string{"workload", "relay req/s", "serve req/s", "ratio", "mbb-full", "median of 1 run(s)", "VmRSS"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}

	status, out, errOut = run(t, "bench", "--requests", "4", "--runs", "2", "--workload", "mbb-full,itc-full",
		"--instance", "ITC2021_Early_01", "--itc-dir", itc, "--json", "--log-level", "error")
	if status != ExitOK {
		t.Fatalf("json run: status %d, stderr %q", status, errOut)
	}
	var reps []map[string]any
	if err := json.Unmarshal([]byte(out), &reps); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(reps) != 2 || reps[0]["workload"] != "mbb-full" || reps[1]["workload"] != "itc-full" {
		t.Fatalf("want mbb-full and itc-full, got %s", out)
	}
	for _, r := range reps {
		for _, k := range []string{"requests", "runs", "workers", "ratio", "peak_rss_mb"} {
			if v, ok := r[k].(float64); !ok || !(v > 0) || math.IsInf(v, 0) {
				t.Errorf("%v: %s = %v, want a finite positive number", r["workload"], k, r[k])
			}
		}
		if r["rss_source"] == "" || r["runs"] != 2.0 || r["requests"] != 4.0 {
			t.Errorf("%v: %v", r["workload"], r)
		}
		for _, side := range []string{"relay", "serve"} {
			s, _ := r[side].(map[string]any)
			for _, k := range []string{"req_per_s", "p50_ms", "p99_ms", "half_rate_req_per_s", "half_rate_p50_ms", "half_rate_p99_ms"} {
				if v, ok := s[k].(float64); !ok || !(v > 0) || math.IsInf(v, 0) {
					t.Errorf("%v %s: %s = %v, want a finite positive number", r["workload"], side, k, s[k])
				}
			}
		}
	}
}

// TestBenchBadFlags: a flag bench cannot run with exits 2 with one line
// naming it, before anything starts.
func TestBenchBadFlags(t *testing.T) {
	t.Setenv("NATS_URL", "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--requests", "0"}, "--requests"},
		{[]string{"--runs", "0"}, "--runs"},
		{[]string{"--runs", "x"}, "--runs"},
		{[]string{"--workload", "mbb-patch"}, "--workload"},
		{[]string{"--workload", ","}, "--workload"},
		{[]string{"--instance", ",", "--workload", "itc-full"}, "--instance"},
		{[]string{"--timeout", "-1s"}, "--timeout"},
		{[]string{"extra"}, "extra"},
		{[]string{"--nats-url", "nats://10.1.2.3:4222"}, "NATS_URL"},
		{[]string{"--nats-url", "nats://127.0.0.1:1"}, "--purge-ok"},
		{[]string{"--workload", "itc-full", "--instance", "ITC2021_None", "--itc-dir", t.TempDir()}, "--instance"},
	} {
		status, _, errOut := run(t, append([]string{"bench"}, tc.args...)...)
		if status != ExitBadInput || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: status %d, stderr %q; want 2 and one line naming %s", tc.args, status, errOut, tc.want)
		}
	}
}
