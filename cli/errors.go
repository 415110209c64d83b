package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/flextime/flextime/evaluator"
	"github.com/flextime/flextime/robinx"
	"github.com/flextime/flextime/schemas"
)

// Exit statuses of CONTRACT §4.
const (
	// ExitOK: the command did its job. An infeasible schedule is still a
	// job done.
	ExitOK = 0
	// ExitFailure: anything that is neither success nor bad input.
	ExitFailure = 1
	// ExitBadInput: bad input or usage; one line on stderr says what.
	ExitBadInput = 2
)

// ErrUsage marks a command line that cannot be run as written: an unknown
// command or flag, a missing or extra argument, a flag value out of range.
// It maps to exit status 2.
var ErrUsage = errors.New("usage")

// ErrBadInput marks input that the command itself refuses after the
// decoders accepted it, such as a constraints file with nothing for the
// schedule's sport. It maps to exit status 2.
var ErrBadInput = errors.New("bad input")

// usageError is a message about the command line. It keeps the message of
// the error it wraps and adds ErrUsage to the chain.
type usageError struct{ err error }

func (e *usageError) Error() string   { return e.err.Error() }
func (e *usageError) Unwrap() []error { return []error{ErrUsage, e.err} }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// asUsage marks err, which the command-line parser returned, as a usage
// error. It returns nil for nil.
func asUsage(err error) error {
	if err == nil || errors.Is(err, ErrUsage) {
		return err
	}
	return &usageError{err: err}
}

// badInputf returns an error wrapping ErrBadInput whose message is the
// formatted text alone.
func badInputf(format string, args ...any) error {
	return &badInput{msg: fmt.Sprintf(format, args...)}
}

type badInput struct{ msg string }

func (e *badInput) Error() string { return e.msg }
func (e *badInput) Unwrap() error { return ErrBadInput }

// fileError names the file an error is about. Its message is
// "<path>: <the error's message>", with the path said once even when the
// wrapped error (an *fs.PathError, or an error from robinx) already
// starts with it.
type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string {
	msg := e.err.Error()
	if strings.HasPrefix(msg, e.path+": ") {
		return msg
	}
	var pe *fs.PathError
	if errors.As(e.err, &pe) && pe.Path == e.path {
		msg = strings.Replace(msg, pe.Op+" "+pe.Path+": ", "", 1)
	}
	return e.path + ": " + msg
}

func (e *fileError) Unwrap() error { return e.err }

// inFile puts path in front of err. It returns nil for nil.
func inFile(path string, err error) error {
	if err == nil {
		return nil
	}
	return &fileError{path: path, err: err}
}

// exitStatus maps an error to the exit status of CONTRACT §4: 2 for bad
// input or usage (the decoders' and the engine's sentinels, the command
// line's, and an input file that cannot be read), 1 for anything else,
// such as a failure to write the output.
func exitStatus(err error) int {
	var fe *fileError
	var pe *fs.PathError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrUsage),
		errors.Is(err, ErrBadInput),
		errors.Is(err, schemas.ErrInvalid),
		errors.Is(err, robinx.ErrInvalid),
		errors.Is(err, evaluator.ErrInput),
		errors.Is(err, fs.ErrNotExist),
		errors.As(err, &fe) && errors.As(fe.err, &pe):
		return ExitBadInput
	}
	return ExitFailure
}

// oneLine keeps a message on one line, as CONTRACT §4 promises, whatever
// the wrapped errors hold: cobra's suggestions become a parenthesis and
// other line breaks become spaces.
func oneLine(msg string) string {
	if head, tail, ok := strings.Cut(msg, "\n\nDid you mean this?\n"); ok {
		var sugg []string
		for _, s := range strings.Fields(tail) {
			sugg = append(sugg, fmt.Sprintf("%q", s))
		}
		msg = head
		if len(sugg) > 0 {
			msg += " (did you mean " + strings.Join(sugg, " or ") + "?)"
		}
	}
	msg = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)
	return strings.TrimSpace(msg)
}

// blame returns the file an error from the evaluator is about: the
// constraints file when the field names a constraint (the engine's fields
// for constraints start with "constraint"), the schedule file otherwise
// (teams, slots and games).
func blame(err error, schedulePath, constraintsPath string) string {
	var ie *evaluator.InputError
	if errors.As(err, &ie) && strings.HasPrefix(ie.Field, "constraint") {
		return constraintsPath
	}
	return schedulePath
}
