package cache

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	outcomes    *prometheus.CounterVec
	redisErrors *prometheus.CounterVec
	verified    prometheus.Counter
	mismatch    prometheus.Counter
	corrupt     prometheus.Counter
	dropped     prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_cache_evaluations_total",
			Help: "Evaluations by how the cache served them: repeat, incremental_local, incremental_shared or full.",
		}, []string{"outcome"}),
		redisErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_cache_redis_errors_total",
			Help: "Redis calls that failed; the evaluation went on without the shared tier.",
		}, []string{"op"}),
		verified: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_cache_verified_total",
			Help: "Incremental evaluations checked against a full one (CACHE_VERIFY_RATE).",
		}),
		mismatch: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_cache_verify_mismatch_total",
			Help: "Checked evaluations where the incremental state disagreed with the full one. Should stay 0.",
		}),
		corrupt: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_cache_snapshots_rejected_total",
			Help: "Shared snapshots that could not be decoded or did not score as they claimed.",
		}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_cache_writes_dropped_total",
			Help: "Snapshots not written to Redis because its write queue was full.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.outcomes, m.redisErrors, m.verified, m.mismatch, m.corrupt, m.dropped)
	}
	return m
}

func (m *metrics) outcome(o Outcome) { m.outcomes.WithLabelValues(string(o)).Inc() }
