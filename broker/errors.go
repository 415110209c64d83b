package broker

import "errors"

// Sentinel errors. The errors this package returns wrap them, so callers
// decide with errors.Is; flextime serve exits 2 (a usage error) for each: retrying with the same
// settings cannot help.
var (
	// ErrInvalidOption is wrapped by StreamOptions.Validate, ApplyStreams
	// and StartEmbedded for a setting that cannot work: a zero or negative
	// limit, a deduplication window longer than the retention, an
	// unparsable or unusable listen address, a data directory that cannot
	// be created.
	ErrInvalidOption = errors.New("invalid option")

	// ErrListenInUse is wrapped by StartEmbedded when its listen address
	// is already taken, by another flextime or any other program.
	ErrListenInUse = errors.New("address already in use")

	// ErrServerTooOld is wrapped by CheckServerVersion when the server is
	// older than MinServerVersion; flextime serve exits 2 for it, since
	// only another NATS_URL or an upgraded server can help.
	ErrServerTooOld = errors.New("NATS server too old")

	// ErrStoreTooSmall is wrapped by ApplyStreams when the streams'
	// STREAM_MAX_BYTES cannot all be reserved in the JetStream store.
	ErrStoreTooSmall = errors.New("JetStream store too small for the streams")

	// ErrNotClustered is wrapped by ApplyStreams when STREAM_REPLICAS asks
	// for more than one replica of a server that is not in a cluster.
	ErrNotClustered = errors.New("stream replicas need a JetStream cluster")
)
