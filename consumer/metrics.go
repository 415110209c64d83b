package consumer

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the consumer's Prometheus collectors. The names of the seed
// (constraint_evaluations_total, constraint_evaluation_duration_seconds,
// active_workers) are kept.
type Metrics struct {
	Evaluations  *prometheus.CounterVec // sport, constraint_id, result: satisfied|violated
	Duration     prometheus.Histogram
	ActiveWorker prometheus.Gauge
	Received     prometheus.Counter
	Acked        prometheus.Counter     // acks sent; failed ones count in SettleFailed
	Naked        *prometheus.CounterVec // reason: dependency|panic|shutdown|error
	DeadLettered *prometheus.CounterVec // class
	Results      *prometheus.CounterVec // status
	InFlight     prometheus.Gauge
	BreakerOpen  prometheus.Gauge
	BreakerTrips prometheus.Counter
	Panics       prometheus.Counter
	FetchErrors  prometheus.Counter
	Rebinds      prometheus.Counter
	SettleFailed *prometheus.CounterVec // action: ack|nak|term
	// NumPending and NumAckPending are the durable consumer's lag, read
	// every Config.LagInterval.
	NumPending    prometheus.Gauge
	NumAckPending prometheus.Gauge
}

// NewMetrics creates the collectors and registers them with reg; a nil reg
// leaves them unregistered (for tests that run several consumers).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "constraint_evaluations_total",
			Help: "Constraints evaluated, by sport, constraint and result (satisfied or violated). Only the constraints of models in use have series, at most MAX_METRIC_SERIES; the rest count under sport and constraint_id \"other\".",
		}, []string{"sport", "constraint_id", "result"}),
		Duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "constraint_evaluation_duration_seconds",
			Help:    "Time to evaluate one request's schedule under its constraint set.",
			Buckets: prometheus.ExponentialBuckets(50e-6, 2.5, 14),
		}),
		ActiveWorker: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "active_workers",
			Help: "Workers evaluating a message now.",
		}),
		Received: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_messages_received_total",
			Help: "Request messages fetched from the stream, redeliveries included.",
		}),
		Acked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_messages_acked_total",
			Help: "Request messages acked after their result was confirmed; a failed ack is not counted here.",
		}),
		Naked: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_messages_naked_total",
			Help: "Request messages naked for redelivery, by reason.",
		}, []string{"reason"}),
		DeadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_messages_dead_lettered_total",
			Help: "Request messages dead-lettered and terminated, by class.",
		}, []string{"class"}),
		Results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_results_published_total",
			Help: "Results confirmed by the results stream, by status.",
		}, []string{"status"}),
		InFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flextime_publishes_in_flight",
			Help: "Result publishes awaiting their ack.",
		}),
		BreakerOpen: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flextime_circuit_open",
			Help: "1 while a dependency outage keeps the consumer from fetching.",
		}),
		BreakerTrips: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_circuit_trips_total",
			Help: "Times a dependency outage opened the circuit breaker.",
		}),
		Panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_panics_total",
			Help: "Panics recovered while handling a message.",
		}),
		FetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_consumer_fetch_errors_total",
			Help: "Fetches (or binds after a deleted consumer) that failed; /ready is false until one succeeds.",
		}),
		Rebinds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "flextime_consumer_rebinds_total",
			Help: "Times the durable consumer was bound again after it or its stream was deleted.",
		}),
		SettleFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "flextime_messages_settle_failed_total",
			Help: "Acks, naks and terms that failed to reach the server, by action; the message is redelivered after ACK_WAIT.",
		}, []string{"action"}),
		NumPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flextime_consumer_num_pending",
			Help: "Requests in the stream not yet delivered to the durable consumer (all instances).",
		}),
		NumAckPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "flextime_consumer_num_ack_pending",
			Help: "Requests delivered and not yet acked, naked ones waiting for redelivery included (all instances).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.Evaluations, m.Duration, m.ActiveWorker, m.Received, m.Acked, m.Naked,
			m.DeadLettered, m.Results, m.InFlight, m.BreakerOpen, m.BreakerTrips, m.Panics,
			m.FetchErrors, m.Rebinds, m.SettleFailed, m.NumPending, m.NumAckPending)
	}
	return m
}
