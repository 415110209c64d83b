package schemas

import (
	"errors"
	"fmt"
)

// ErrInvalid is the sentinel that every error about a bad document wraps:
// malformed JSON, a JSON Schema violation or a broken reference. A
// message that fails with it is bad input, never worth a retry.
var ErrInvalid = errors.New("invalid document")

// ErrUnknownKind is wrapped by the error ValidateParams returns for a kind
// with no params schema. Such an error also matches ErrInvalid.
var ErrUnknownKind = errors.New("unknown constraint kind")

// FieldError is a document error tied to one field. Field is a path such
// as "games[3].home", "params.teams1[2]" or "penalty", and is empty for
// the document itself (Msg then often starts with a line and column).
// FieldError unwraps to ErrInvalid.
type FieldError struct {
	Field string
	Msg   string
}

// Error returns "Field: Msg", or Msg alone when Field is empty.
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Unwrap returns ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func fieldErrorf(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// kindError reports a kind without a params schema. It matches both
// ErrUnknownKind and ErrInvalid: a document naming such a kind is bad
// input, but a caller with its own catalogue can still tell the case apart.
type kindError struct{ kind string }

func (e *kindError) Error() string {
	return fmt.Sprintf("kind: %s %q", ErrUnknownKind, shorten(e.kind))
}

func (e *kindError) Unwrap() []error { return []error{ErrUnknownKind, ErrInvalid} }
