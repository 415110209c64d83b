package robinx

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is in the chain of every error this package returns for input
// it cannot use: malformed XML, a missing or bad attribute, an unknown team
// or slot, a solution that does not fit its instance, and also a file that
// cannot be opened or read. A command maps it to exit status 2 with
// errors.Is. File-system errors stay in the chain beside it, so
// errors.Is(err, fs.ErrNotExist) works too.
var ErrInvalid = errors.New("invalid RobinX input")

// inputError is one problem at one place of a document. Its message is a
// single line: "line 70: CA1 #3: attribute "teams": unknown team "25"".
type inputError struct {
	line  int    // 1-based XML line; 0 when unknown
	where string // the element, e.g. `<slot>` or `CA1 #3`; may be empty
	msg   string
	cause error // optional underlying error
}

func (e *inputError) Error() string {
	var b strings.Builder
	if e.line > 0 {
		b.WriteString("line ")
		b.WriteString(strconv.Itoa(e.line))
		b.WriteString(": ")
	}
	if e.where != "" {
		b.WriteString(e.where)
		b.WriteString(": ")
	}
	b.WriteString(oneLine(cut(e.msg, maxMessage)))
	return b.String()
}

func (e *inputError) Unwrap() []error {
	if e.cause != nil {
		return []error{ErrInvalid, e.cause}
	}
	return []error{ErrInvalid}
}

// fileError puts the file's path in front of an error about its content or
// about opening it.
type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string {
	msg := e.err.Error()
	// An *fs.PathError already names the file; say it once.
	var pe *fs.PathError
	if errors.As(e.err, &pe) && pe.Path == e.path && pe == e.err {
		msg = pe.Err.Error()
	}
	return e.path + ": " + oneLine(msg)
}

func (e *fileError) Unwrap() []error { return []error{ErrInvalid, e.err} }

// oneLine keeps a message on one line, as the command line promises, even
// when it quotes input that holds line breaks.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// maxQuoted bounds how much of an input value an error message repeats,
// and maxMessage the message itself (the XML parser's own messages quote
// names from the input).
const (
	maxQuoted  = 64
	maxMessage = 512
)

// short cuts a value quoted in an error message, so a huge attribute does
// not make a huge message.
func short(s string) string { return cut(s, maxQuoted) }

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// elem names an element in a message: "<slot>".
func elem(name string) string { return "<" + short(name) + ">" }
