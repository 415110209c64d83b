package cli

import (
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

// TestServeBuildInfo: /metrics has one flextime_build_info series, 1,
// labelled with the version, revision and Go version.
func TestServeBuildInfo(t *testing.T) {
	_, constraints := sampleFiles(t)
	s := startServe(t, constraints)
	resp, err := http.Get("http://" + s.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var series []string
	for line := range strings.Lines(string(body)) {
		if strings.HasPrefix(line, "flextime_build_info{") {
			series = append(series, strings.TrimSpace(line))
		}
	}
	want := `flextime_build_info{go_version="` + runtime.Version() + `",revision="` + revision() +
		`",version="` + version() + `"} 1`
	if len(series) != 1 || series[0] != want {
		t.Errorf("build_info series %q, want [%q]", series, want)
	}
	if revision() == "" || version() == "" {
		t.Errorf("empty label: revision %q, version %q", revision(), version())
	}
}
