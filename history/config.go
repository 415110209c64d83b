package history

import (
	"fmt"
	"time"
)

// Config tunes a Writer. Zero fields take their defaults.
type Config struct {
	// BatchSize is how many rows, one per record, make a batch flush at
	// once (HISTORY_BATCH_SIZE, default 1000).
	BatchSize int
	// FlushInterval is the longest a queued record waits for its batch
	// to fill (HISTORY_FLUSH_INTERVAL, default 200ms).
	FlushInterval time.Duration
	// QueueSize is how many records may wait for a flush (default 4096);
	// past it Submit blocks.
	QueueSize int
	// Retention is how long partitions are kept (HISTORY_RETENTION,
	// default 720h). It must be at least 48h, since upkeep creates
	// yesterday's partition.
	Retention time.Duration
	// Timeout bounds each flush, and the final flush at shutdown
	// (default 10s).
	Timeout time.Duration
}

// Defaults of Config.
const (
	DefaultBatchSize     = 1000
	DefaultFlushInterval = 200 * time.Millisecond
	DefaultQueueSize     = 4096
	DefaultRetention     = 720 * time.Hour
	DefaultTimeout       = 10 * time.Second
)

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.FlushInterval == 0 {
		c.FlushInterval = DefaultFlushInterval
	}
	if c.QueueSize == 0 {
		c.QueueSize = DefaultQueueSize
	}
	if c.Retention == 0 {
		c.Retention = DefaultRetention
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	return c
}

// Validate reports the first field out of range, wrapping
// ErrInvalidConfig. Zero fields are valid: they take their defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	switch {
	case c.BatchSize < 1:
		return bad("HISTORY_BATCH_SIZE %d must be positive", c.BatchSize)
	case c.FlushInterval < 0:
		return bad("HISTORY_FLUSH_INTERVAL %s must be positive", c.FlushInterval)
	case c.QueueSize < 1:
		return bad("queue size %d must be positive", c.QueueSize)
	case c.Retention < 48*time.Hour:
		return bad("HISTORY_RETENTION %s must be at least 48h", c.Retention)
	case c.Timeout < 0:
		return bad("flush timeout %s must be positive", c.Timeout)
	}
	return nil
}
