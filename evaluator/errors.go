package evaluator

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrInput marks bad input: an unknown team, slot or kind, params that
	// fail their schema, a game that names what the frame does not have.
	// The CLI maps it to exit status 2 and the consumer to a dead letter.
	ErrInput = errors.New("bad input")

	// ErrUnknownKind is returned, wrapped with ErrInput, for a constraint
	// whose kind is not in the registry.
	ErrUnknownKind = errors.New("unknown constraint kind")

	// ErrFrameChanged is returned by State.Update when the new schedule's
	// teams or slots differ from the model's frame: the caller must compile
	// a model for the new frame and evaluate in full.
	ErrFrameChanged = errors.New("teams or slots changed")
)

// InputError is bad input located at a field, such as
// `games[3].home` or `constraint "CA1-2": params.teams[0]`.
type InputError struct {
	Field string
	Msg   string
	Err   error // an extra sentinel, such as ErrUnknownKind; may be nil
}

func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Unwrap lets errors.Is find ErrInput and any extra sentinel.
func (e *InputError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInput, e.Err}
	}
	return []error{ErrInput}
}

func inputErr(field, format string, args ...any) error {
	return &InputError{Field: field, Msg: fmt.Sprintf(format, args...)}
}
