package cli

import (
	"runtime"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/flextime/flextime/history"
)

// serviceMetrics are serve's own collectors, beside the consumer's and
// the cache's. As consumer.Metrics, they are a struct of collectors built
// once and registered once, so /metrics lists each name in one place.
type serviceMetrics struct {
	// BuildInfo is 1, labelled with what is running: the version, the VCS
	// revision and the Go version. A dashboard joins on it to tell which
	// build an instance runs; an alert can find a fleet running two.
	BuildInfo *prometheus.GaugeVec
	// Reloads counts constraint reloads by result (ok or error).
	Reloads *prometheus.CounterVec
}

// newServiceMetrics builds serve's collectors and registers them with reg.
func newServiceMetrics(reg prometheus.Registerer) *serviceMetrics {
	m := &serviceMetrics{
		BuildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "flextime_build_info",
			Help: "Always 1, labelled with the build: version, VCS revision and Go version.",
		}, []string{"version", "revision", "go_version"}),
		Reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_constraint_reloads_total",
			Help: "Constraint reloads, by result (ok or error).",
		}, []string{"result"}),
	}
	m.BuildInfo.WithLabelValues(version(), revision(), runtime.Version()).Set(1)
	reg.MustRegister(m.BuildInfo, m.Reloads)
	return m
}

// revision is the VCS revision the binary was built from, with "-dirty"
// when the working tree had changes; "unknown" when the build did not
// record one (go build -buildvcs=false, or outside a checkout).
func revision() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
}

// historyMetrics are the history writer's collectors. The writer keeps
// its counts itself (it has no Prometheus dependency); these read them at
// each scrape.
type historyMetrics struct {
	RowsWritten, Records, Batches, Failures prometheus.CounterFunc
	Healthy                                 prometheus.GaugeFunc
}

// newHistoryMetrics builds the collectors of w and registers them with reg.
func newHistoryMetrics(reg prometheus.Registerer, w *history.Writer) *historyMetrics {
	counter := func(name, help string, v interface{ Load() int64 }) prometheus.CounterFunc {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v.Load()) })
	}
	m := &historyMetrics{
		RowsWritten: counter("flextime_history_rows_written_total", "History rows inserted (a redelivery's rows are not).", &w.RowsWritten),
		Records:     counter("flextime_history_records_total", "Evaluations committed to history.", &w.Records),
		Batches:     counter("flextime_history_batches_total", "History batches committed.", &w.Batches),
		Failures:    counter("flextime_history_failures_total", "History batches that failed.", &w.Failures),
		Healthy: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flextime_history_healthy", Help: "1 while Postgres takes history rows.",
		}, func() float64 {
			if ok, _ := w.Healthy(); ok {
				return 1
			}
			return 0
		}),
	}
	reg.MustRegister(m.RowsWritten, m.Records, m.Batches, m.Failures, m.Healthy)
	return m
}
