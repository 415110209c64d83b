package cache

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	outcomes    *prometheus.CounterVec
	redisErrors *prometheus.CounterVec
	verified    prometheus.Counter
	mismatch    prometheus.Counter
	corrupt     prometheus.Counter
	dropped     prometheus.Counter
	stale       prometheus.Counter
	entries     prometheus.GaugeFunc
	bytes       prometheus.GaugeFunc
	models      prometheus.GaugeFunc
	evictions   prometheus.CounterFunc
}

func newMetrics(reg prometheus.Registerer, c *Cache) *metrics {
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
		stale: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_cache_stale_local_total",
			Help: "In-process entries passed over because another instance had left a newer state in Redis.",
		}),
		entries: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flextime_cache_entries",
			Help: "In-process cache entries (CACHE_MAX_SIZE bounds them).",
		}, func() float64 { n, _, _, _ := c.local.stats(); return float64(n) }),
		bytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flextime_cache_bytes",
			Help: "Estimated heap held by the in-process entries and the models their states refer to (CACHE_MAX_BYTES bounds it).",
		}, func() float64 { _, b, _, _ := c.local.stats(); return float64(b) }),
		models: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "flextime_cache_models",
			Help: "Distinct compiled models held by in-process cache entries.",
		}, func() float64 { _, _, m, _ := c.local.stats(); return float64(m) }),
		evictions: prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "flextime_cache_evictions_total",
			Help: "In-process entries evicted to stay within CACHE_MAX_SIZE and CACHE_MAX_BYTES.",
		}, func() float64 { _, _, _, e := c.local.stats(); return float64(e) }),
	}
	if reg != nil {
		reg.MustRegister(m.outcomes, m.redisErrors, m.verified, m.mismatch, m.corrupt, m.dropped, m.stale,
			m.entries, m.bytes, m.models, m.evictions)
	}
	return m
}

func (m *metrics) outcome(o Outcome) { m.outcomes.WithLabelValues(string(o)).Inc() }
