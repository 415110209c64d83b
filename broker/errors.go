package broker

import "errors"

// Sentinel errors. The errors this package returns wrap them, so callers
// decide with errors.Is; flextime serve exits 2 (a usage error) for both.
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
)
