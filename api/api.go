// Package api is the service's HTTP surface on PORT: /health says the
// process is up, /ready says whether it can take work and if not why, and
// /metrics serves Prometheus. The write API of later issues joins it here.
//
//	h := api.Handler(api.Checks{"consumer": c.Ready}, registry)
//	srv := &http.Server{Addr: ":3000", Handler: h}
package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check reports whether one part of the service is ready, and if not, why.
type Check func() (ok bool, why string)

// Checks are the readiness checks by name; /ready is ready when all are.
type Checks map[string]Check

// Status is the body of /health and /ready.
type Status struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks,omitempty"`
}

// Handler returns the HTTP handler for /health, /ready and /metrics.
func Handler(checks Checks, g prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Status{Status: "ok"})
	})
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {
		st := Status{Status: "ready", Checks: map[string]string{}}
		code := http.StatusOK
		names := make([]string, 0, len(checks))
		for n := range checks {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ok, why := checks[n]()
			if ok {
				st.Checks[n] = "ok"
				continue
			}
			st.Checks[n] = why
			st.Status, code = "not ready", http.StatusServiceUnavailable
		}
		writeJSON(w, code, st)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Names returns the check names, sorted.
func (c Checks) Names() []string {
	out := make([]string, 0, len(c))
	for n := range c {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}
